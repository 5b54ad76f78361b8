"""``dnnjax train``'s whole training state: ``--resume`` continues exactly one longer run (every
optimizer, minibatches), ``--checkpoint-every``, Ctrl-C (in-process and a real SIGINT to a
subprocess without a terminal), format-1 checkpoints, and the errors of a resume that cannot be.

"Exactly" is bit for bit, in float32: the resumed chunks run the same steps on the same values in
the same order (optimizer state and shuffling key restored from the npz, the iteration and epoch
numbering continued); a lost or repeated step, or a restarted optimizer state, changes the
parameters in the first digits. The runs here split at 30 iterations, not a multiple of
--log-every 20, so the resumed run's chunks differ from the single run's.
"""
from __future__ import annotations

import json
import os
import shlex
import signal
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

import dnnjax
from dnnjax import checkpoint
from dnnjax.commands import train_loop
from helpers import assert_one_line_error, run_cli

DATA = Path(__file__).parent / "data"
MOONS = ["train", "--data", "moons", "--layers", "auto,5,1", "--hidden", "relu", "--init", "he", "--log-every", "20",
         "--no-progress", "--no-plots"]
DIGITS = ["train", "--data", "digits", "--layers", "auto,8,auto", "--hidden", "relu", "--init", "he", "--optimizer",
          "adam", "--lr", "0.01", "--batch-size", "256", "--test-fraction", "0.2", "--no-progress", "--no-plots"]


def assert_same_run(a: Path, b: Path, unit="iteration"):
    """Two run folders hold the same parameters, optimizer state and logged history, bit for bit."""
    ca, cb = checkpoint.load_full(a / "checkpoint.npz"), checkpoint.load_full(b / "checkpoint.npz")
    for k in cb.params:
        np.testing.assert_array_equal(ca.params[k], cb.params[k], err_msg=k)
    assert (ca.opt_leaves is None) == (cb.opt_leaves is None)
    for x, y in zip(ca.opt_leaves or [], cb.opt_leaves or []):
        np.testing.assert_array_equal(x, y)
    for key in (f"{unit}s", f"cost_{unit}s", "costs", "test_costs", "test_metrics"):
        assert ca.metadata[key] == cb.metadata[key], key
    return ca, cb


@pytest.mark.parametrize("optimizer, lr", [("gd", "0.5"), ("momentum", "0.05"), ("adam", "0.01"), ("rmsprop", "0.01")])
def test_resume_is_one_longer_run(tmp_path, capsys, optimizer, lr):
    flags = [*MOONS, "--optimizer", optimizer, "--lr", lr]
    assert run_cli(capsys, *flags, "--iterations", 30, "--out", tmp_path / "a")[0] == 0
    rc, out, err = run_cli(capsys, "train", "--resume", tmp_path / "a" / "checkpoint.npz", "--iterations", 30,
                           "--no-progress", "--no-plots", "--out", tmp_path / "b")
    assert rc == 0 and "warning" not in err, err
    # 30 is not a multiple of --log-every 20: the resumed run logs 40 (not 30)
    assert "Cost after iteration 40:" in out and "Cost after iteration 30:" not in out
    assert run_cli(capsys, *flags, "--iterations", 60, "--out", tmp_path / "c")[0] == 0
    _, c = assert_same_run(tmp_path / "b", tmp_path / "c")
    assert c.metadata["iterations"] == 60 and c.metadata["cost_iterations"] == [0, 20, 40]
    if optimizer != "gd":  # the state is there, and it matters: restarting it gives another run
        assert len(c.opt_leaves) > 0
        rc, _, err = run_cli(capsys, "train", "--resume", tmp_path / "a" / "checkpoint.npz", "--iterations", 30,
                             "--reset-optimizer", "--no-progress", "--no-plots", "--out", tmp_path / "r")
        assert rc == 0, err
        restarted = checkpoint.load(tmp_path / "r" / "checkpoint.npz")[0]
        assert np.max(np.abs(restarted["W1"] - c.params["W1"])) > 1e-4


def test_minibatch_resume_is_one_longer_run(tmp_path, capsys):
    assert run_cli(capsys, *DIGITS, "--epochs", 2, "--out", tmp_path / "a")[0] == 0
    rc, out, err = run_cli(capsys, "train", "--resume", tmp_path / "a" / "checkpoint.npz", "--epochs", 2,
                           "--no-progress", "--no-plots", "--out", tmp_path / "b")
    assert rc == 0, err
    assert "Cost after epoch 2:" in out and "Cost after epoch 3:" in out and "epoch 1:" not in out
    assert run_cli(capsys, *DIGITS, "--epochs", 4, "--out", tmp_path / "c")[0] == 0
    _, c = assert_same_run(tmp_path / "b", tmp_path / "c", unit="epoch")
    assert c.metadata["cost_epochs"] == [0, 1, 2, 3] and None not in c.metadata["test_costs"]
    assert c.metadata["shuffle_key"]["impl"] and c.metadata["batch_size"] == 256
    # another shuffling seed is another run: the key is part of the state
    assert run_cli(capsys, *DIGITS, "--epochs", 4, "--shuffle-seed", 9, "--out", tmp_path / "d")[0] == 0
    d = checkpoint.load(tmp_path / "d" / "checkpoint.npz")[0]
    assert not np.array_equal(d["W1"], c.params["W1"])


def test_checkpoint_every_writes_during_training(tmp_path, capsys, monkeypatch):
    saved = []
    real = checkpoint.save

    def spy(path, params, metadata=None, **kw):
        real(path, params, metadata, **kw)
        saved.append(checkpoint.load(path)[1]["iterations"])  # what a reader finds on disk then

    monkeypatch.setattr(checkpoint, "save", spy)
    rc, _, err = run_cli(capsys, *MOONS, "--iterations", 70, "--checkpoint-every", 25, "--out", tmp_path)
    assert rc == 0, err
    assert saved == [25, 50, 70]  # every 25 iterations, then the final one
    meta = checkpoint.load(tmp_path / "checkpoint.npz")[1]
    assert meta["checkpoint_every"] == 25 and meta["cost_iterations"] == [0, 20, 40, 60]


def test_ctrl_c_in_process_stops_saves_and_resumes_exactly(tmp_path, capsys, monkeypatch):
    calls = []
    real_fit = dnnjax.fit

    def fit_then_ctrl_c(*args, **kwargs):  # Ctrl-C arrives while the third chunk trains
        calls.append(kwargs["start"])
        if len(calls) == 3:
            os.kill(os.getpid(), signal.SIGINT)
        return real_fit(*args, **kwargs)

    monkeypatch.setattr(train_loop.dnnjax, "fit", fit_then_ctrl_c)
    before = signal.getsignal(signal.SIGINT)
    flags = [*MOONS, "--optimizer", "adam", "--lr", "0.01"]
    rc, out, err = run_cli(capsys, *flags, "--iterations", 200, "--out", tmp_path / "a")
    assert signal.getsignal(signal.SIGINT) is before  # the old handler is back
    assert rc == 130 and calls == [0, 20, 40]
    lines = err.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in err, err
    assert lines[0].startswith("dnnjax: interrupted at iteration 60 of 200; saved ")
    meta = checkpoint.load(tmp_path / "a" / "checkpoint.npz")[1]
    assert meta["iterations"] == 60 and meta["cost_iterations"] == [0, 20, 40]
    metrics = json.loads((tmp_path / "a" / "metrics.json").read_text())
    assert metrics["interrupted"] is True and metrics["iterations"] == 60
    monkeypatch.undo()
    command = shlex.split(lines[0].split("resume with: ", 1)[1])
    assert command[:2] == ["dnnjax", "train"] and "--iterations" in command and "140" in command
    rc, out, err = run_cli(capsys, *command[1:])
    assert rc == 0, err
    assert run_cli(capsys, *flags, "--iterations", 200, "--out", tmp_path / "c")[0] == 0
    assert_same_run(tmp_path / "a", tmp_path / "c")  # the resumed run wrote into its own folder again


def test_sigterm_stops_at_a_chunk_boundary_saves_and_exits_143(tmp_path, capsys, monkeypatch):
    """``kill PID`` (a scheduler's stop, a container's shutdown) is a Ctrl-C with exit code 143."""
    class Killed(Exception):
        pass

    def killed(signum, frame):  # what a SIGTERM would do here if dnnjax train did not handle it
        raise Killed

    calls, real_fit = [], dnnjax.fit

    def fit_then_sigterm(*args, **kwargs):  # SIGTERM arrives while the second chunk trains
        calls.append(kwargs["start"])
        if len(calls) == 2:
            os.kill(os.getpid(), signal.SIGTERM)
        return real_fit(*args, **kwargs)

    monkeypatch.setattr(train_loop.dnnjax, "fit", fit_then_sigterm)
    before = signal.signal(signal.SIGTERM, killed)
    try:
        rc, out, err = run_cli(capsys, *MOONS, "--iterations", 200, "--out", tmp_path)
        assert signal.getsignal(signal.SIGTERM) is killed  # the old handler is back
    finally:
        signal.signal(signal.SIGTERM, before)
    assert rc == 143 and calls == [0, 20], err
    lines = err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("dnnjax: stopped by SIGTERM at iteration 40 of 200; saved "), err
    command = shlex.split(lines[0].split("resume with: ", 1)[1])
    assert command[:2] == ["dnnjax", "train"] and command[command.index("--iterations") + 1] == "160"
    meta = checkpoint.load(tmp_path / "checkpoint.npz")[1]  # written through checkpoint.save (atomic)
    assert meta["iterations"] == 40 and meta["cost_iterations"] == [0, 20]
    assert json.loads((tmp_path / "metrics.json").read_text())["interrupted"] is True


def test_sigint_to_a_subprocess_without_terminal(tmp_path):
    """A real Ctrl-C: SIGINT to `python -m dnnjax train` (stdin, stdout, stderr not terminals)
    once it logs; it stops at the end of the chunk in flight, exits 130 with one line naming the command that
    resumes it, and that command completes the run."""
    folder = tmp_path / "run"
    argv = [sys.executable, "-m", "dnnjax", "train", "--data", "flower", "--iterations", "200000",
            "--log-every", "10000", "--no-plots", "--out", str(folder)]
    proc = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True, cwd=tmp_path)
    try:
        for line in proc.stdout:  # each cost line is flushed as it is logged
            if line.startswith("Cost after iteration 10000:"):
                break
        proc.send_signal(signal.SIGINT)
        out, err = proc.communicate(timeout=120)
    finally:
        proc.kill()
    assert proc.returncode == 130, err
    assert "Traceback" not in err and "final cost" not in out
    lines = [x for x in err.splitlines() if x.strip()]
    assert len(lines) == 1 and lines[0].startswith("dnnjax: interrupted at iteration "), err
    stopped = checkpoint.load(folder / "checkpoint.npz")[1]["iterations"]
    assert 10000 < stopped < 200000  # at a chunk's end: a logged point, or a cut of a long chunk
    command = shlex.split(lines[0].split("resume with: ", 1)[1])
    assert command[:2] == ["dnnjax", "train"]
    resumed = subprocess.run([sys.executable, "-m", "dnnjax", *command[1:]], capture_output=True, text=True,
                             timeout=300, cwd=tmp_path, stdin=subprocess.DEVNULL)
    assert resumed.returncode == 0, resumed.stderr
    meta = checkpoint.load(folder / "checkpoint.npz")[1]
    assert meta["iterations"] == 200000 and meta["cost_iterations"] == list(range(0, 200000, 10000))
    assert "after 200000 iterations" in resumed.stdout


def test_format_1_checkpoints_predict_and_resume(tmp_path, capsys):
    """tests/data/README.md: written by `dnnjax train` before optimizer state was stored."""
    rc, out, err = run_cli(capsys, "predict", "--checkpoint", DATA / "v1_flower_gd.npz")
    assert rc == 0, err
    assert "train accuracy: 87.25 %" in out  # what that run reported
    rc, out, err = run_cli(capsys, "predict", "--checkpoint", DATA / "v1_moons_adam.npz")
    assert rc == 0, err  # its unstratified test split is reproduced, so its numbers are too
    assert "train accuracy: 92.00 %" in out and "test accuracy: 90.00 %" in out
    rc, out, err = run_cli(capsys, "train", "--resume", DATA / "v1_moons_adam.npz", "--iterations", 100,
                           "--no-progress", "--no-plots", "--out", tmp_path / "adam")
    assert rc == 0 and "adam's state restarts from zero" in err, err
    meta = checkpoint.load(tmp_path / "adam" / "checkpoint.npz")[1]
    assert meta["iterations"] == 400 and meta["cost_iterations"] == [0, 100, 200, 300]
    assert meta["format_version"] == 2 and meta["split"] == "random" and len(meta["opt_state"]["paths"]) > 0
    rc, out, err = run_cli(capsys, "train", "--resume", DATA / "v1_flower_gd.npz", "--iterations", 100,
                           "--no-progress", "--no-plots", "--out", tmp_path / "gd")
    assert rc == 0 and "warning" not in err and "Cost after iteration 200:" in out, err


def test_resume_refuses_what_it_cannot_continue(tmp_path, capsys):
    assert run_cli(capsys, *MOONS, "--optimizer", "adam", "--lr", "0.01", "--iterations", 20, "--out", tmp_path)[0] == 0
    ckpt = tmp_path / "checkpoint.npz"
    resume = ["train", "--resume", ckpt, "--no-progress", "--no-plots", "--out", tmp_path / "x"]
    assert_one_line_error(*run_cli(capsys, *resume, "--optimizer", "momentum")[::2],
                          "--optimizer momentum contradicts", "state of adam", "--reset-optimizer")
    assert_one_line_error(*run_cli(capsys, *resume, "--epochs", 2)[::2], "--epochs", "--batch-size")
    assert_one_line_error(*run_cli(capsys, *resume, "--batch-size", 8)[::2], "--batch-size 8 contradicts",
                          "full batch")
    # a hand-edited file whose state is not adam's for these parameters
    full = checkpoint.load_full(ckpt)
    leaves = list(full.opt_leaves)
    leaves[1] = np.zeros((3, 3), np.float32)  # mu of W1 is (5, 2)
    arrays = {**full.params, **{f"__opt__{i}": a for i, a in enumerate(leaves)},
              "__metadata__": np.frombuffer(json.dumps(full.metadata).encode(), np.uint8)}
    with open(tmp_path / "edited.npz", "wb") as f:
        np.savez(f, **arrays)
    rc, _, err = run_cli(capsys, "train", "--resume", tmp_path / "edited.npz", "--out", tmp_path / "y")
    assert_one_line_error(rc, err, "edited.npz", "optimizer state", "(5, 2)")
    rc, out, err = run_cli(capsys, *resume, "--optimizer", "momentum", "--reset-optimizer", "--iterations", 20)
    assert rc == 0, err


def test_long_chunks_are_cut_so_ctrl_c_is_honoured_soon():
    """A chunk that would run past MAX_CHUNK_S at the measured speed ends early, at a multiple
    of a power of two (so the few chunk lengths compile once); chunk ends always include the
    logged and checkpoint units."""
    assert train_loop.boundaries(30, 100, 20, 25) == [40, 50, 60, 75, 80, 100]
    assert train_loop.next_stop(0, 1000, None) == 1000  # nothing measured yet, not long
    assert train_loop.next_stop(0, 10000, None) == 128  # nothing measured yet: probe the speed
    assert train_loop.next_stop(200, 10000, None) == 256
    assert train_loop.next_stop(0, 100, 1e-3) == 100  # 0.1 s: no cut
    assert train_loop.next_stop(0, 10000, 1e-3) == 256  # 0.256 s <= TARGET_CHUNK_S < 0.512 s
    assert train_loop.next_stop(300, 10000, 1e-3) == 512  # back on the multiples of 256
    assert train_loop.next_stop(9990, 10000, 1e-3) == 10000
    assert train_loop.next_stop(7, 9, 3.0) == 8  # slower than the target per unit: one unit a chunk


def test_pace_takes_the_speed_from_chunks_that_did_not_compile():
    """A new chunk length's first run includes its compilation: trusted as the speed, it would
    cut the next chunks into new lengths that compile in turn."""
    pace = train_loop.Pace()
    assert pace.next_stop(0, 100) == 100  # nothing measured, not long
    pace.record(100, 2.0)  # compile included: at most 0.02 s a unit
    assert pace.seconds_per_unit is None
    assert pace.next_stop(100, 300) == 200  # not cut at the upper bound: the compiled length once more
    pace.record(100, 0.01)  # the same length again: no compile, the speed
    assert pace.seconds_per_unit == pytest.approx(1e-4)
    assert pace.next_stop(200, 300) == 300 and pace.next_stop(200, 100000) == 4096
    slow = train_loop.Pace()
    slow.record(100, 10.0)  # longer than REPEAT_S: not repeated, cut at the upper bound 0.1 s a unit
    assert slow.next_stop(100, 200) == 104


def test_stop_request_first_ctrl_c_asks_second_interrupts():
    before, before_term = signal.getsignal(signal.SIGINT), signal.getsignal(signal.SIGTERM)
    with pytest.raises(KeyboardInterrupt):
        with train_loop.StopRequest() as stop:
            os.kill(os.getpid(), signal.SIGINT)
            assert stop.requested  # the handler ran; training would stop at the next boundary
            os.kill(os.getpid(), signal.SIGINT)  # impatient: stop now (atomic writes keep files whole)
            for _ in range(1000):  # give the signal a few bytecodes to be delivered
                pass
    assert signal.getsignal(signal.SIGINT) is before and signal.getsignal(signal.SIGTERM) is before_term


def test_stop_request_second_sigterm_goes_to_the_previous_handler():
    class Killed(Exception):
        pass

    def killed(signum, frame):
        raise Killed

    before = signal.signal(signal.SIGTERM, killed)
    try:
        with pytest.raises(Killed):
            with train_loop.StopRequest() as stop:
                os.kill(os.getpid(), signal.SIGTERM)
                assert stop.signum == signal.SIGTERM  # training would stop at the next boundary
                os.kill(os.getpid(), signal.SIGTERM)  # again: what SIGTERM did before (by default, exit at once)
                for _ in range(1000):
                    pass
        assert signal.getsignal(signal.SIGTERM) is killed
    finally:
        signal.signal(signal.SIGTERM, before)
