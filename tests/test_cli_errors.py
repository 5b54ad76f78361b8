"""Every ``dnnjax`` error path: one ``dnnjax: error: ...`` line on stderr, exit code 2, no traceback.

Also ``--help``, ``--devices`` (whether or not :func:`dnnjax.fit` supports it) and plots being
skipped with a warning when matplotlib cannot be imported.
"""
from __future__ import annotations

import inspect
import json
import os
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
    (["train", "--data", "flower", "--epochs", "5"], "--epochs counts passes over the data in minibatches and needs --batch-size"),
    (["train", "--data", "flower", "--batch-size", "8", "--iterations", "5"], "a minibatch run (--batch-size) counts --epochs"),
    (["train", "--data", "flower", "--batch-size", "401", "--epochs", "1"], "--batch-size 401: the flower training set has 400"),
    (["train", "--data", "flower", "--shuffle-seed", "3"], "--shuffle-seed: only for minibatch"),
    (["train", "--data", "flower", "--checkpoint-every", "0"], "--checkpoint-every"),
    (["train", "--data", "flower", "--reset-optimizer"], "only with --resume"),
    (["train", "--data", "digits", "--output", "sigmoid", "--layers", "auto,4,10"], "digits has 10 classes"),
    (["train", "--data", "digits", "--layers", "auto,4,1"], "last entry is 1 but the digits data with softmax over its 10"),
    (["train", "--data", "digits", "--output", "linear"], "--output softmax"),
    (["train", "--data", "houses", "--output", "softmax"], "regression set"),
    (["train", "--data", "flower", "--output", "softmax", "--layers", "2,4,1"], "softmax over its 2 classes needs 2"),
    (["train", "--data", "flower", "--layers", "auto,4,x"], "or 'auto'"),
    (["predict", "--checkpoint", "{tmp}/passwd"], "not a dnnjax checkpoint"),
])
def test_errors_are_one_line_without_traceback(tmp_path, capsys, monkeypatch, argv, needle):
    monkeypatch.chdir(tmp_path)  # any default runs/ folder lands here
    (tmp_path / "corrupt.npz").write_bytes(b"PK\x03\x04 this is not a zip archive")
    np.savez(tmp_path / "plain.npz", W1=np.zeros((1, 2)))
    checkpoint.save(tmp_path / "bare.npz", {"W1": np.zeros((1, 2)), "b1": np.zeros((1, 1))})
    (tmp_path / "passwd").write_text("root:x:0:0:root:/root:/bin/bash\n")
    rc, out, err = run_cli(capsys, *(a.format(tmp=tmp_path) for a in argv))
    assert_one_line_error(rc, err, needle)
    assert "pickle" not in err  # a tool that refuses pickle never suggests loading "unsafely"
    assert not list(tmp_path.glob("runs/*/*"))  # nothing written before the error


@pytest.mark.skipif(not os.path.isfile("/etc/passwd"), reason="no /etc/passwd here")
def test_etc_passwd_is_not_a_checkpoint(capsys):
    rc, _, err = run_cli(capsys, "predict", "--checkpoint", "/etc/passwd")
    assert_one_line_error(rc, err, "/etc/passwd: not a dnnjax checkpoint")
    assert "pickle" not in err


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
