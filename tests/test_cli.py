"""The ``dnnjax`` command, run in-process through ``dnnjax.cli.main`` (plus one real subprocess).

Runs are kept short (hundreds of iterations, coarse plots); ``dnnjax demo --quick`` is the demo's
full pipeline with a tenth of the course's iterations.
"""
from __future__ import annotations

import contextlib
import csv
import io
import json
import math
import subprocess
import sys

import h5py
import numpy as np
import pytest

import dnnjax
from dnnjax import backprop, checkpoint, data, gradcheck
from dnnjax.cli import main
from helpers import assert_one_line_error, run_cli

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
FLOWER_TRAIN = ["train", "--data", "flower", "--layers", "2,4,1", "--hidden", "tanh", "--iterations", "300",
                "--log-every", "100"]


def assert_png(path):
    blob = path.read_bytes()
    assert blob[:8] == PNG_SIGNATURE, path
    width, height = int.from_bytes(blob[16:20], "big"), int.from_bytes(blob[20:24], "big")  # IHDR
    assert width >= 200 and height >= 200, (path, width, height)


def read_costs_csv(path):
    with open(path, newline="") as f:
        return list(csv.reader(f))


class _Terminal(io.StringIO):
    def isatty(self):  # tqdm draws its bar only on a terminal
        return True


@pytest.fixture(scope="module")
def flower_run(tmp_path_factory):
    """One ``dnnjax train`` on the flower (2-4-1 tanh, 300 it.), stderr a terminal; its folder and output."""
    folder = tmp_path_factory.mktemp("flower")
    out, err = io.StringIO(), _Terminal()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        rc = main(FLOWER_TRAIN + ["--out", str(folder)])
    return folder, rc, out.getvalue(), err.getvalue()


def test_demo_quick_runs_end_to_end(tmp_path, capsys):
    rc, out, err = run_cli(capsys, "demo", "--quick", "--out", tmp_path)
    assert rc == 0, err
    for text in ("train acc", "final cost", "course", "logistic regression", "1 hidden layer, 4 tanh",
                 "deep ReLU", "47 % (sklearn LR)", "90.75 %", "Gradient check (float64", "verdict: OK"):
        assert text in out
    metrics = json.loads((tmp_path / "metrics.json").read_text())
    models = {m["key"]: m for m in metrics["models"]}
    assert list(models) == ["logistic", "tanh4", "deep"] and metrics["quick"] is True
    for m in models.values():
        assert 0 <= m["train_accuracy"] <= 100 and math.isfinite(m["final_cost"])
        assert len(m["costs"]) == m["iterations"] // 100
    # The 4-unit net starts from the course's own seed-2 parameters: its costs are the course's
    # published 0.693048 @0 and 0.288083 @1000 (quick = 1000 it.; the final cost is the cost at
    # 1000). Float32 over 1000 gradient steps stays within 1e-4 of the 6-digit float64 numbers.
    assert models["tanh4"]["costs"][0] == pytest.approx(0.693048, abs=1e-4)
    assert models["tanh4"]["final_cost"] == pytest.approx(0.288083, abs=1e-4)
    assert metrics["gradcheck"]["ok"] is True and metrics["gradcheck"]["dtype"] == "float64"
    assert metrics["gradcheck"]["overall"]["manual vs autodiff"] < 1e-10
    assert sorted(metrics["plots"]) == sorted(["costs.png", "grad_check.png", "decision_boundary_logistic.png",
                                               "decision_boundary_tanh4.png", "decision_boundary_deep.png"])
    for name in metrics["plots"]:
        assert_png(tmp_path / name)
    rows = read_costs_csv(tmp_path / "costs.csv")
    assert rows[0] == ["model", "iteration", "cost"]
    assert len(rows) - 1 == sum(len(m["costs"]) for m in models.values())
    assert float(rows[1][2]) == pytest.approx(models["logistic"]["costs"][0], rel=1e-12)


def test_train_on_flower_writes_every_output(flower_run):
    folder, rc, out, err = flower_run
    assert rc == 0, err
    assert [line.split(":")[0] for line in out.splitlines() if line.startswith("Cost after")] == \
        ["Cost after iteration 0", "Cost after iteration 100", "Cost after iteration 200"]
    assert "training" in err and "300/300" in err and "cost=" in err  # the tqdm bar, on stderr
    for name in ("checkpoint.npz", "metrics.json", "costs.csv", "costs.png", "decision_boundary.png"):
        assert (folder / name).is_file(), name
    assert_png(folder / "costs.png")
    assert_png(folder / "decision_boundary.png")
    params, meta = checkpoint.load(folder / "checkpoint.npz")
    assert {k: meta[k] for k in ("layer_dims", "hidden", "output", "dtype", "iterations", "cost_iterations", "data",
                                 "seed", "lr", "optimizer")} == {
        "layer_dims": [2, 4, 1], "hidden": "tanh", "output": "sigmoid", "dtype": "float32", "iterations": 300,
        "cost_iterations": [0, 100, 200], "data": "flower", "seed": 3, "lr": 1.2, "optimizer": "gd"}
    rows = read_costs_csv(folder / "costs.csv")
    assert rows[0] == ["iteration", "cost"] and [int(r[0]) for r in rows[1:]] == [0, 100, 200]
    assert [float(r[1]) for r in rows[1:]] == pytest.approx(meta["costs"], rel=1e-12)
    # x0.01 init: logits are ~1e-2, so the first cost is ln 2 to within 1e-3
    assert meta["costs"][0] == pytest.approx(math.log(2), abs=1e-3)
    # the reported accuracy, recomputed from the saved parameters
    metrics = json.loads((folder / "metrics.json").read_text())
    X, Y = data.planar_flower()
    acc = 100 * np.mean(np.asarray(dnnjax.predict(params, X.astype(np.float32), hidden="tanh")) == Y)
    assert metrics["metric"] == "accuracy" and metrics["train"] == pytest.approx(acc, abs=1e-9)
    assert metrics["test"] is None and f"train accuracy: {acc:.2f} %" in out


def test_predict_from_checkpoint(flower_run, tmp_path, capsys):
    folder = flower_run[0]
    metrics = json.loads((folder / "metrics.json").read_text())
    rc, out, err = run_cli(capsys, "predict", "--checkpoint", folder / "checkpoint.npz", "--out", tmp_path / "p.csv")
    assert rc == 0, err
    assert f"train accuracy: {metrics['train']:.2f} %" in out and "2-4-1 (tanh hidden, sigmoid output" in out
    rows = read_costs_csv(tmp_path / "p.csv")
    assert rows[0] == ["split", "index", "prediction", "label"] and len(rows) == 401
    pred, label = np.array([float(r[2]) for r in rows[1:]]), np.array([float(r[3]) for r in rows[1:]])
    np.testing.assert_array_equal(label, data.planar_flower()[1][0])
    assert set(pred) <= {0.0, 1.0} and 100 * np.mean(pred == label) == pytest.approx(metrics["train"], abs=1e-9)


def test_resume_equals_one_longer_run(tmp_path, capsys):
    common = ["train", "--data", "flower", "--hidden", "tanh", "--log-every", "50", "--x64", "--no-progress"]
    assert run_cli(capsys, *common, "--layers", "auto,4,1", "--iterations", 200, "--out", tmp_path / "a")[0] == 0
    rc, out, err = run_cli(capsys, "train", "--resume", tmp_path / "a" / "checkpoint.npz", "--iterations", 200,
                           "--no-progress", "--out", tmp_path / "b")
    assert rc == 0, err
    assert "Cost after iteration 200:" in out and "Cost after iteration 0:" not in out and "resumed from" in out
    assert run_cli(capsys, *common, "--layers", "2,4,1", "--iterations", 400, "--out", tmp_path / "c")[0] == 0
    (pa, _), (pb, mb), (pc, mc) = (checkpoint.load(tmp_path / r / "checkpoint.npz") for r in "abc")
    assert mb["dtype"] == "float64" and all(v.dtype == np.float64 for v in pb.values())
    assert mb["iterations"] == mc["iterations"] == 400
    assert mb["cost_iterations"] == mc["cost_iterations"] == list(range(0, 400, 50))
    # Same float64 steps in the same order (the npz round trip is lossless): equal to rounding.
    # A restart that lost or repeated steps would be off by far more (see the 200-step check).
    np.testing.assert_allclose(mb["costs"], mc["costs"], rtol=1e-12, atol=0)
    for k in pc:
        np.testing.assert_allclose(pb[k], pc[k], rtol=1e-12, atol=1e-15)
    assert max(np.max(np.abs(pa[k] - pc[k])) for k in pc) > 1e-3


def test_houses_regression_standardizes_and_reports_rmse(tmp_path, capsys):
    rc, out, err = run_cli(capsys, "train", "--data", "houses", "--layers", "auto,8,1", "--hidden", "relu",
                           "--optimizer", "adam", "--lr", "0.1", "--init", "he", "--iterations", 500,
                           "--test-fraction", "0.25", "--no-progress", "--out", tmp_path)
    assert rc == 0, err
    metrics = json.loads((tmp_path / "metrics.json").read_text())
    assert metrics["layer_dims"] == [4, 8, 1] and metrics["output"] == "linear" and metrics["metric"] == "rmse"
    ds = data.load("houses", test_fraction=0.25)
    np.testing.assert_allclose(np.ravel(metrics["x_mean"]), ds.train_x.mean(axis=1), rtol=1e-12)
    np.testing.assert_allclose(np.ravel(metrics["x_std"]), ds.train_x.std(axis=1), rtol=1e-12)
    # a trained network must beat predicting the training mean (RMSE = the targets' spread, ~110k)
    assert metrics["train"] < 0.5 * ds.train_y.std() and metrics["test"] < 0.5 * ds.test_y.std()
    assert_png(tmp_path / "predicted_vs_true.png")
    rc, out, err = run_cli(capsys, "predict", "--checkpoint", tmp_path / "checkpoint.npz")
    assert rc == 0, err
    assert f"test rmse: {metrics['test']:.4g}" in out and f"train rmse: {metrics['train']:.4g}" in out


def make_cat_dir(folder, hw=(4, 4)):
    """Small h5 files in the course's cat/non-cat layout (12 train, 6 test images of ``hw`` x 3)."""
    folder.mkdir()
    rng = np.random.RandomState(0)
    for split, m in (("train", 12), ("test", 6)):
        with h5py.File(folder / f"{split}_catvnoncat.h5", "w") as f:
            f[f"{split}_set_x"] = rng.randint(0, 256, (m, *hw, 3)).astype(np.uint8)
            f[f"{split}_set_y"] = np.arange(m) % 2
            f["list_classes"] = np.array([b"non-cat", b"cat"])
    return folder


def test_train_and_predict_on_cat_files(tmp_path, capsys):
    cat_dir = make_cat_dir(tmp_path / "cat")
    rc, out, err = run_cli(capsys, "train", "--data", "cat", "--data-dir", cat_dir, "--layers", "auto,3,1",
                           "--hidden", "relu", "--lr", "0.01", "--iterations", 50, "--log-every", 10,
                           "--no-progress", "--out", tmp_path / "run")
    assert rc == 0, err
    metrics = json.loads((tmp_path / "run" / "metrics.json").read_text())
    assert metrics["layer_dims"] == [48, 3, 1] and metrics["test"] is not None  # 4*4*3 pixels; the course's split
    assert (tmp_path / "run" / "costs.png").is_file() and not (tmp_path / "run" / "decision_boundary.png").exists()
    rc, out, err = run_cli(capsys, "predict", "--checkpoint", tmp_path / "run" / "checkpoint.npz",
                           "--data-dir", cat_dir)
    assert rc == 0, err
    assert f"test accuracy: {metrics['test']:.2f} %" in out and "test: 6 examples" in out


@pytest.mark.parametrize("flags, verdict", [([], "verdict: OK"), (["--x64"], "verdict: OK"),
                                            (["--float32"], "verdict: manual vs autodiff agree to float32 rounding")])
def test_gradcheck_passes(capsys, flags, verdict):
    rc, out, err = run_cli(capsys, "gradcheck", "--layers", "4,5,3,1", "--hidden", "relu", "--output", "sigmoid",
                           "--m", 20, "--seed", 0, *flags)
    assert rc == 0, err
    assert verdict in out and "W3" in out


def test_gradcheck_mismatch_exits_1(capsys, monkeypatch):
    real = backprop.value_and_grad

    def wrong(params, X, Y, hidden, output):  # a hand-written backward pass off by 1 % in dW1
        cost, g = real(params, X, Y, hidden, output)
        return cost, dict(g, W1=g["W1"] * 1.01)

    monkeypatch.setattr(backprop, "value_and_grad", wrong)
    gradcheck._gradients_three_ways.clear_cache()  # drop a trace compiled with the real backward pass
    try:
        rc, out, err = run_cli(capsys, "gradcheck", "--layers", "4,5,3,1", "--x64")
    finally:
        gradcheck._gradients_three_ways.clear_cache()  # and the one compiled with the wrong one
    assert rc == 1 and "verdict: MISMATCH" in out


def test_python_m_dnnjax_entry_point(tmp_path):
    proc = subprocess.run([sys.executable, "-m", "dnnjax", "gradcheck", "--layers", "3,4,1", "--hidden", "tanh",
                           "--m", "8", "--x64"], capture_output=True, text=True, timeout=300, cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert "verdict: OK" in proc.stdout


def test_resume_rejects_a_contradicting_architecture(flower_run, tmp_path, capsys):
    rc, _, err = run_cli(capsys, "train", "--resume", flower_run[0] / "checkpoint.npz", "--layers", "2,5,1",
                         "--out", tmp_path)
    assert_one_line_error(rc, err, "--layers 2,5,1 contradicts")
    rc, _, err = run_cli(capsys, "train", "--resume", flower_run[0] / "checkpoint.npz", "--data", "moons",
                         "--out", tmp_path)
    assert_one_line_error(rc, err, "--data moons contradicts")
