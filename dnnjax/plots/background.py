"""Draw :mod:`dnnjax.plots` figures in a helper process while the caller goes on computing.

    with Drawer(folder) as drawer:          # starts the helper: it imports matplotlib meanwhile
        drawer.boundary("db.png", grid_predictions, X, Y, title=..., resolution=300)
        drawer.draw("costs.png", "cost_curves", {"run": costs}, log_every=100)
    drawer.files                            # the PNGs written, in order

matplotlib's import and the drawing (1-2 s for ``dnnjax demo``'s five figures) then run on another
core while JAX traces, loads and trains; :meth:`Drawer.close` waits for the rest. The helper is a
fresh Python that imports only ``dnnjax.plots`` (not jax: the ``dnnjax`` package's ``__init__`` is
bypassed) and reads jobs from a pipe: JSON with the arrays beside it in an ``.npz`` blob, loaded
with ``allow_pickle=False``. Files are written by the plot functions themselves (atomically).

Failures stay the caller's: a job the helper could not draw is drawn again in this process, so
its exception (a named dnnjax error, with its traceback) is raised here; if the helper cannot start
or dies, every job it did not finish is drawn here. Without matplotlib: one warning, no files.
"""
from __future__ import annotations

import io
import json
import os
import queue
import subprocess
import sys
import threading
from pathlib import Path

import numpy as np

_BOOT = ("import sys, types; pkg = types.ModuleType('dnnjax'); pkg.__path__ = [sys.argv[1]]; "
         "sys.modules['dnnjax'] = pkg; from dnnjax.plots.background import serve; serve()")
_HINT = 'matplotlib is not installed: skipping the plots (pip install "dnnjax[plots]")'


def _encode(value, arrays: list):
    """JSON-able ``value`` with every NumPy array replaced by ``{"__nd__": index}`` into ``arrays``."""
    if isinstance(value, np.ndarray):
        arrays.append(value)
        return {"__nd__": len(arrays) - 1}
    if isinstance(value, dict):
        return {str(k): _encode(v, arrays) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_encode(v, arrays) for v in value]
    if isinstance(value, np.generic):
        return value.item()
    return value


def _decode(value, arrays):
    if isinstance(value, dict):
        if set(value) == {"__nd__"}:
            return arrays[f"a{value['__nd__']}"]
        return {k: _decode(v, arrays) for k, v in value.items()}
    if isinstance(value, list):
        return [_decode(v, arrays) for v in value]
    return value


def _frame(obj) -> bytes:
    arrays: list = []
    header = json.dumps(_encode(obj, arrays)).encode("utf-8")
    blob = io.BytesIO()
    np.savez(blob, **{f"a{i}": a for i, a in enumerate(arrays)})
    blob = blob.getvalue()
    return len(header).to_bytes(8, "big") + header + len(blob).to_bytes(8, "big") + blob


def _read_frame(stream):
    size = int.from_bytes(stream.read(8) or b"\0" * 8, "big")
    if size == 0:
        return None
    header = json.loads(stream.read(size))
    blob = stream.read(int.from_bytes(stream.read(8), "big"))
    with np.load(io.BytesIO(blob), allow_pickle=False) as arrays:
        return _decode(header, {k: arrays[k] for k in arrays.files})


def _run(job: dict, folder: Path):
    """Draw one job with the plot function it names (in whichever process calls this)."""
    from dnnjax import plots

    args, kwargs = list(job["args"]), dict(job["kwargs"])
    if job["fn"] == "decision_boundary":  # the predictions on boundary_grid(X, ...) stand in for predict_fn
        values = args[0]
        args[0] = lambda grid: values
    getattr(plots, job["fn"])(folder / job["name"], *args, **kwargs)


def serve() -> None:
    """The helper's loop: read jobs from stdin until an empty frame, answer one JSON line each."""
    stdin, out = sys.stdin.buffer, sys.stdout
    sys.stdout = sys.stderr  # anything a library prints must not reach the answers
    try:
        import matplotlib.backends.backend_agg  # noqa: F401
        import matplotlib.figure  # noqa: F401
        out.write(json.dumps({"ready": True}) + "\n")
    except ImportError:
        out.write(json.dumps({"ready": False}) + "\n")
        return
    out.flush()
    while (job := _read_frame(stdin)) is not None:
        try:
            _run(job, Path(job["folder"]))
            out.write(json.dumps({"name": job["name"], "ok": True}) + "\n")
        except Exception as err:  # drawn again by the caller, whose traceback the user then sees
            out.write(json.dumps({"name": job["name"], "ok": False, "error": repr(err)}) + "\n")
        out.flush()
    os._exit(0)  # every file is written and closed: skip matplotlib's teardown (0.3-0.6 s) that close() waits on


def _matplotlib_here() -> bool:
    try:
        import matplotlib.backends.backend_agg  # noqa: F401
        import matplotlib.figure  # noqa: F401
    except ImportError:
        return False
    return True


class Drawer:
    """Queue plots for the helper process; :meth:`close` waits, redraws failures here, and
    returns :attr:`files`. As a context manager, an exception in the block stops the helper."""

    def __init__(self, folder):
        self.folder, self.files, self._jobs, self._closed = Path(folder), [], [], False
        self._queue: queue.Queue = queue.Queue()
        package = str(Path(__file__).resolve().parents[1])
        try:
            self._proc = subprocess.Popen([sys.executable, "-c", _BOOT, package], stdin=subprocess.PIPE,
                                          stdout=subprocess.PIPE)
        except OSError:
            self._proc = None
            return
        # a thread feeds the pipe, so draw() never waits for the helper (busy importing matplotlib)
        self._feeder = threading.Thread(target=self._feed, name="dnnjax-plots-feeder", daemon=True)
        self._feeder.start()

    def _feed(self) -> None:
        while (frame := self._queue.get()) is not None:
            try:
                self._proc.stdin.write(frame)
                self._proc.stdin.flush()
            except OSError:  # the helper died: close() draws what it did not
                return
        try:
            self._proc.stdin.write((0).to_bytes(8, "big"))
            self._proc.stdin.close()
        except OSError:
            pass

    def draw(self, name: str, fn: str, *args, **kwargs) -> None:
        """Draw ``dnnjax.plots.<fn>(folder / name, *args, **kwargs)`` (arrays, numbers, strings, lists, dicts)."""
        job = {"name": name, "fn": fn, "folder": str(self.folder), "args": list(args), "kwargs": kwargs}
        self._jobs.append(job)
        if self._proc is not None:
            self._queue.put(_frame(job))

    def boundary(self, name: str, predictions, X, Y, **kwargs) -> None:
        """:func:`dnnjax.plots.decision_boundary` from ``predictions`` made on
        ``dnnjax.plots.boundary_grid(X, resolution=..., padding=...)`` (same keywords)."""
        self.draw(name, "decision_boundary", np.asarray(predictions), np.asarray(X), np.asarray(Y), **kwargs)

    def close(self) -> list:
        """Wait for the helper; draw here what it did not; return the files written."""
        if self._closed:
            return self.files
        self._closed = True
        answers = self._finish()
        ready = answers["ready"] if "ready" in answers else _matplotlib_here()  # no helper: ask here
        if not ready:
            print(f"dnnjax: warning: {_HINT}", file=sys.stderr)
            return self.files
        for job in self._jobs:
            if not answers.get(job["name"]):
                _run(job, self.folder)  # raises what the helper met, here, with its traceback
            self.files.append(job["name"])
        return self.files

    def _finish(self) -> dict:
        """End the queue, read every answer, wait for the helper; ``{"ready": ..., name: ok}``."""
        answers = {}
        if self._proc is None:
            return answers
        self._queue.put(None)
        for line in self._proc.stdout:
            reply = json.loads(line)
            if "ready" in reply:
                answers["ready"] = reply["ready"]
            else:
                answers[reply["name"]] = reply["ok"]
        self._proc.wait()
        self._feeder.join()
        return answers

    def __enter__(self):
        return self

    def __exit__(self, kind, error, tb):
        if kind is None:
            self.close()
        elif self._proc is not None:
            self._closed = True
            self._queue.put(None)
            if self._proc.poll() is None:
                self._proc.kill()
            self._proc.wait()
        return False
