"""What every lesson shares: its command line, its output folder, figures, and honest JAX timing.

A lesson calls ``out, quick = start(NAME, __doc__)`` first; ``save(fig, out, "name.png")`` writes a
figure; ``timed(fn, *args)`` measures a function the way JAX needs (see its docstring).
Kept out of the lessons so each one reads as the course does, not as plumbing.
"""
from __future__ import annotations

import argparse
import statistics
import time
from pathlib import Path

import matplotlib

matplotlib.use("Agg")  # files only, no window: lessons run on machines without a display
import matplotlib.pyplot as plt  # noqa: E402

import jax  # noqa: E402


def start(name: str, doc: str | None = None):
    """Parse ``[--out DIR] [--quick]`` and return ``(out: Path, quick: bool)``.

    Unknown arguments are ignored (``parse_known_args``), so the lesson also runs inside Jupyter
    (which passes its own ``-f kernel.json``) and under ``runpy`` from the tests. The default
    output folder is ``runs/lessons/NAME``.
    """
    parser = argparse.ArgumentParser(description=(doc or name).strip().splitlines()[0])
    parser.add_argument("--out", default=str(Path("runs") / "lessons" / name), help="folder for the figures")
    parser.add_argument("--quick", action="store_true", help="smaller sizes and fewer iterations (the test run)")
    args, _ = parser.parse_known_args()
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    return out, args.quick


def save(fig, out: Path, filename: str) -> Path:
    """Write ``fig`` to ``out/filename`` (PNG, 110 dpi), close it, print and return the path."""
    path = Path(out) / filename
    fig.savefig(path, dpi=110, bbox_inches="tight")
    plt.close(fig)
    print(f"figure: {path}")
    return path


def timed(fn, *args, reps: int = 7):
    """``(first_call_seconds, median_seconds)`` of ``fn(*args)``.

    JAX needs two habits to time anything honestly:
    1. The first call of a ``jit`` function traces it and compiles it with XLA; that is paid
       once per shape, so it is timed on its own and kept out of the median.
    2. JAX dispatches work asynchronously: a call returns as soon as the computation is
       queued, not when it is done. ``jax.block_until_ready`` waits for the result, so the
       clock measures the computation, not the queueing.
    NumPy and plain Python results pass through ``block_until_ready`` unchanged.
    """
    t0 = time.perf_counter()
    jax.block_until_ready(fn(*args))
    first = time.perf_counter() - t0
    times = []
    for _ in range(reps):
        t0 = time.perf_counter()
        jax.block_until_ready(fn(*args))
        times.append(time.perf_counter() - t0)
    return first, statistics.median(times)
