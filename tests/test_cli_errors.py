"""Every ``dnnjax`` error path: one ``dnnjax: error: ...`` line on stderr, exit code 2, no traceback.

Also ``--help``, ``--devices`` (whether or not :func:`dnnjax.fit` supports it) and plots being
skipped with a warning when matplotlib cannot be imported.
"""
from __future__ import annotations

import inspect
import json
import sys

import jax
import numpy as np
import pytest

import dnnjax
from dnnjax import checkpoint
from helpers import assert_one_line_error, run_cli

FLOWER = ["train", "--data", "flower", "--layers", "2,4,1", "--hidden", "tanh", "--iterations", "100",
          "--no-progress"]


def test_help_lists_the_commands(capsys):
    rc, out, _ = run_cli(capsys, "--help")
    assert rc == 0 and all(c in out for c in ("demo", "train", "gradcheck", "predict"))


@pytest.mark.parametrize("argv, needle", [
    (["train", "--data", "flower", "--lr", "abc"], "--lr"),
    (["train", "--data", "nope"], "--data"),
    (["frobnicate"], "frobnicate"),
    ([], "required"),
    (["gradcheck", "--layers", "auto,3,1"], "--layers"),
    (["train", "--data", "flower", "--init", "bogus"], "--init"),
    (["train", "--layers", "2,4,1"], "--data"),
    (["train", "--data", "cat", "--iterations", "1"], "--data-dir"),
    (["train", "--data", "cat", "--data-dir", "{tmp}/missing"], "missing"),
    (["train", "--data", "flower", "--layers", "3,4,1"], "n_x = 2"),
    (["train", "--data", "flower", "--layers", "2,4,2"], "last entry"),
    (["train", "--data", "flower", "--test-fraction", "1.5"], "test_fraction"),
    (["train", "--data", "houses", "--hidden", "relu", "--lr", "1000", "--iterations", "50"], "diverged"),
    (["predict", "--checkpoint", "{tmp}/absent.npz"], "does not exist"),
    (["predict", "--checkpoint", "{tmp}/corrupt.npz"], "corrupt"),
    (["train", "--resume", "{tmp}/corrupt.npz"], "corrupt"),
    (["predict", "--checkpoint", "{tmp}/plain.npz"], "not a dnnjax checkpoint"),
    (["predict", "--checkpoint", "{tmp}/bare.npz"], "lacks the metadata"),
    (["train", "--data", "flower", "--devices", str(jax.device_count() + 1)], "devices"),
])
def test_errors_are_one_line_without_traceback(tmp_path, capsys, monkeypatch, argv, needle):
    monkeypatch.chdir(tmp_path)  # any default runs/ folder lands here
    (tmp_path / "corrupt.npz").write_bytes(b"PK\x03\x04 this is not a zip archive")
    np.savez(tmp_path / "plain.npz", W1=np.zeros((1, 2)))
    checkpoint.save(tmp_path / "bare.npz", {"W1": np.zeros((1, 2)), "b1": np.zeros((1, 1))})
    rc, out, err = run_cli(capsys, *(a.format(tmp=tmp_path) for a in argv))
    assert_one_line_error(rc, err, needle)


def test_devices_flag(tmp_path, capsys):
    rc, out, err = run_cli(capsys, *FLOWER, "--devices", 1,
                           "--out", tmp_path)
    if "devices" in inspect.signature(dnnjax.fit).parameters:
        assert rc == 0, err
        assert json.loads((tmp_path / "metrics.json").read_text())["devices"] == 1
    else:
        assert_one_line_error(rc, err, "--devices", "does not accept devices=")


def test_without_matplotlib_plots_are_skipped_with_a_warning(tmp_path, capsys, monkeypatch):
    monkeypatch.setitem(sys.modules, "matplotlib.figure", None)  # makes `import matplotlib.figure` fail
    rc, out, err = run_cli(capsys, *FLOWER, "--out", tmp_path)
    assert rc == 0, err
    assert "dnnjax: warning: matplotlib is not installed" in err
    assert not list(tmp_path.glob("*.png"))
    assert (tmp_path / "metrics.json").is_file() and (tmp_path / "checkpoint.npz").is_file()
