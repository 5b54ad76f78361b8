"""Multi-class runs from the command line: ``dnnjax train --data digits`` (softmax, one-hot
labels, a stratified test split, per-class accuracy, test metrics at every logged epoch, the
confusion matrix and misclassified digits) and ``dnnjax predict`` on its checkpoint; softmax on
a binary set (labels made one-hot)."""
from __future__ import annotations

import csv
import json
import math

import numpy as np
import pytest

import dnnjax
from dnnjax import checkpoint, data
from helpers import run_cli

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
DIGITS = ["train", "--data", "digits", "--layers", "auto,16,auto", "--hidden", "relu", "--init", "he",
          "--optimizer", "adam", "--lr", "0.01", "--batch-size", "128", "--epochs", "8", "--log-every", "2",
          "--test-fraction", "0.2", "--no-progress"]


@pytest.fixture(scope="module")
def digits_run(tmp_path_factory):
    folder = tmp_path_factory.mktemp("digits")
    from dnnjax.cli import main
    import contextlib
    import io

    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        rc = main(DIGITS + ["--out", str(folder)])
    return folder, rc, out.getvalue(), err.getvalue()


def test_digits_trains_end_to_end_with_test_metrics(digits_run):
    folder, rc, out, err = digits_run
    assert rc == 0, err
    assert [line.split(":")[0] for line in out.splitlines() if line.startswith("Cost after")] == \
        [f"Cost after epoch {e}" for e in (0, 2, 4, 6)]
    m = json.loads((folder / "metrics.json").read_text())
    assert m["layer_dims"] == [64, 16, 10] and m["output"] == "softmax" and m["task"] == "multiclass"
    assert m["unit"] == "epoch" and m["epochs"] == 8 and m["batch_size"] == 128
    # recompute the reported numbers from the saved parameters and the same split
    params, meta = checkpoint.load(folder / "checkpoint.npz")
    ds = data.load("digits", test_fraction=0.2)
    assert ds.test_x.shape == (64, 359) and meta["split"] == "stratified"
    pred = np.asarray(dnnjax.predict(params, ds.test_x.astype(np.float32), output="softmax"))[0]
    labels = np.argmax(ds.test_y, axis=0)
    assert m["test"] == pytest.approx(100 * np.mean(pred == labels), abs=1e-9)
    assert m["per_class"]["test"] == pytest.approx([100 * np.mean(pred[labels == c] == c) for c in range(10)])
    # chance is 10 %; this 64-16-10 ReLU net gets 95.5 % after 8 adam epochs (float32, CPU); 85 leaves room for other platforms
    assert m["test"] > 85 and m["train"] > 85
    assert f"test accuracy: {m['test']:.2f} %" in out and "test accuracy per class: 0: " in out
    # the test cost and accuracy at every logged epoch, from the same parameters as the logged cost
    h = m["history"]
    assert h["epochs"] == [0, 2, 4, 6] and len(h["test_cost"]) == len(h["test_accuracy"]) == 4
    assert all(math.isfinite(c) for c in h["test_cost"]) and h["test_accuracy"][0] < h["test_accuracy"][-1]
    assert h["test_cost"][0] == pytest.approx(2.3, abs=0.7)  # He-initialised: near ln 10 before training
    with open(folder / "costs.csv", newline="") as f:
        rows = list(csv.reader(f))
    assert rows[0] == ["epoch", "cost", "test_cost", "test_accuracy"] and len(rows) == 5
    assert float(rows[2][3]) == pytest.approx(h["test_accuracy"][1], rel=1e-12)
    for name in ("costs.png", "test_accuracy.png", "confusion.png", "misclassified.png"):
        assert (folder / name).read_bytes()[:8] == PNG_SIGNATURE, name
    assert sorted(m["plots"]) == sorted(["costs.png", "test_accuracy.png", "confusion.png", "misclassified.png"])


def test_predict_prints_class_indices(digits_run, tmp_path, capsys):
    folder = digits_run[0]
    m = json.loads((folder / "metrics.json").read_text())
    rc, out, err = run_cli(capsys, "predict", "--checkpoint", folder / "checkpoint.npz", "--out", tmp_path / "p.csv")
    assert rc == 0, err
    assert "64-16-10 (relu hidden, softmax output" in out and "8 epochs on digits" in out
    assert f"test accuracy: {m['test']:.2f} %" in out and "test accuracy per class:" in out
    shown = next(line for line in out.splitlines() if line.startswith("test: 359 examples, class indices"))
    assert set(shown.split(": ", 2)[2].split()) <= {str(c) for c in range(10)}
    with open(tmp_path / "p.csv", newline="") as f:
        rows = list(csv.reader(f))
    assert rows[0] == ["split", "index", "prediction", "label"] and len(rows) == 1 + 1797
    test = [(float(r[2]), float(r[3])) for r in rows[1:] if r[0] == "test"]
    assert {p for p, _ in test} <= set(map(float, range(10)))
    assert 100 * np.mean([p == t for p, t in test]) == pytest.approx(m["test"], abs=1e-9)


def test_softmax_on_a_binary_set_trains_on_one_hot_labels(tmp_path, capsys):
    rc, out, err = run_cli(capsys, "train", "--data", "flower", "--layers", "2,4,auto", "--output", "softmax",
                           "--iterations", 300, "--test-fraction", "0.25", "--no-progress", "--no-plots",
                           "--out", tmp_path)
    assert rc == 0, err
    m = json.loads((tmp_path / "metrics.json").read_text())
    assert m["layer_dims"] == [2, 4, 2] and m["task"] == "binary" and m["metric"] == "accuracy"
    assert m["history"]["test_cost"][0] == pytest.approx(math.log(2), abs=1e-3)  # x0.01 init: uniform softmax
    assert 50 < m["train"] <= 100 and len(m["per_class"]["test"]) == 2
    rc, out, err = run_cli(capsys, "predict", "--checkpoint", tmp_path / "checkpoint.npz")
    assert rc == 0 and f"test accuracy: {m['test']:.2f} %" in out, err
