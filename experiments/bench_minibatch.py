"""Minibatch SGD, time per epoch: dnnjax ``fit(batch_size=...)`` against the same algorithm elsewhere.

    python experiments/bench_minibatch.py [--reps 5] [--only digits,large] [--impls numpy,torch] [--out runs/bench_minibatch.json]
    (also run by: python experiments/bench.py, or bench.py --only minibatch)

Workloads: scikit-learn's digits (1797 examples, 64-64-10, batch 64) and a synthetic
784-256-128-10 with m = 60000 (batch 128); ReLU hidden layers, softmax output, plain SGD.
Implementations (experiments/bench_minibatch_impls.py): dnnjax ``fit``, a careful hand-written
JAX scan (row layout), vectorised NumPy (row layout, ``X[idx]`` gathers), PyTorch eager (if
installed) and scikit-learn's ``MLPClassifier(solver="sgd", momentum=0)``. Each in its own process
(so thread pools never compete), all from the same float32 initial parameters; interleaved
repetitions (each repetition runs every implementation once, in turn, after a pause), medians.
Every epoch includes its permutation. The final costs (float64 NumPy, whole data set) are
printed so a fast wrong answer shows (the permutations differ, so they agree only roughly).
A benchmark, not a test: it prints figures and writes JSON; it asserts nothing.
"""
from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_minibatch_impls import IMPLS  # noqa: E402
from bench_race import race  # noqa: E402

# name: (layer_dims, m, batch size, learning rate, epochs per timed run)
WORKLOADS = {"digits": ([64, 64, 10], 1797, 64, 0.05, 20), "large": ([784, 256, 128, 10], 60000, 128, 0.05, 1)}
REFERENCE = "numpy (rows)"


def make_problem(dims, m, seed=0):
    """Float32 ``p0`` (He init), ``X`` (n_x, m) in [0, 1], one-hot ``Y`` (10, m)."""
    rng = np.random.RandomState(seed)
    if dims[0] == 64:
        from sklearn.datasets import load_digits

        d = load_digits()
        X, y = (d.data / 16.0).T.astype(np.float32), d.target
    else:  # labels from a random linear teacher, so there is something to learn
        X = rng.rand(dims[0], m).astype(np.float32)
        y = np.argmax(rng.randn(dims[-1], dims[0]).astype(np.float32) @ (X - 0.5), axis=0)
    p = {}
    for l in range(1, len(dims)):
        p[f"W{l}"] = (rng.randn(dims[l], dims[l - 1]) * np.sqrt(2 / dims[l - 1])).astype(np.float32)
        p[f"b{l}"] = np.zeros((dims[l], 1), np.float32)
    return p, X, np.eye(dims[-1], dtype=np.float32)[y].T


def cost64(p, X, Y):
    A, L = X.astype(np.float64), len(p) // 2
    for l in range(1, L + 1):
        Z = np.asarray(p[f"W{l}"], np.float64) @ A + np.asarray(p[f"b{l}"], np.float64)
        A = np.maximum(Z, 0) if l < L else Z
    Z = A - A.max(axis=0)
    return float(-np.mean(np.sum(Y * (Z - np.log(np.exp(Z).sum(axis=0))), axis=0)))


def _worker(conn, label, spec):
    dims, m, B, lr, epochs = spec
    p0, X, Y = make_problem(dims, m)
    run = IMPLS[label](p0, X, Y, lr, B)
    t = time.perf_counter(); run(epochs); conn.send(time.perf_counter() - t)  # warm-up (compiles)
    while conn.recv():
        t = time.perf_counter(); out = run(epochs); elapsed = time.perf_counter() - t
        conn.send((elapsed / epochs, cost64(out, X, Y)))
    conn.close()


def available(keep=()):
    labels = list(IMPLS)
    try:
        import torch  # noqa: F401
    except ImportError:
        labels.remove("pytorch eager")
    if keep:
        labels = [k for k in labels if k == REFERENCE or any(s in k for s in keep)]
    return labels


def bench_workload(name, spec, labels, reps):
    first, replies = race(_worker, labels, spec, reps)
    times = {k: [r[0] for r in v] for k, v in replies.items()}
    costs = {k: v[-1][1] for k, v in replies.items()}
    p0, X, Y = make_problem(spec[0], spec[1])
    med = {k: float(np.median(v)) for k, v in times.items()}
    return [{"workload": name, "impl": k, "ms_per_epoch": 1e3 * med[k], "epochs_per_run": spec[4],
             "vs_numpy": med[k] / med[REFERENCE], "vs_dnnjax": med[k] / med["dnnjax fit"] if "dnnjax fit" in med else None,
             "first_run_s": first[k], "initial_cost": cost64(p0, X, Y), "final_cost": costs[k]} for k in labels]


def report(rows):
    lines = [f"{'workload':<10}{'implementation':<18}{'ms/epoch':>10}{'time / numpy':>14}{'time / dnnjax':>15}"
             f"{'final cost':>12}  (initial)"]
    for r in rows:
        lines.append(f"{r['workload']:<10}{r['impl']:<18}{r['ms_per_epoch']:>10.1f}{r['vs_numpy']:>14.2f}"
                     f"{(r['vs_dnnjax'] or float('nan')):>15.2f}{r['final_cost']:>12.4f}  ({r['initial_cost']:.4f})")
    lines.append("time / X: this implementation's epoch time over X's (below 1: faster than X); medians of "
                 "interleaved runs, each implementation in its own process")
    return lines


def bench(reps=5, only=(), keep=()):
    labels = available(keep)
    rows = []
    for name, spec in WORKLOADS.items():
        if not only or name in only:
            rows += bench_workload(name, spec, labels, reps)
    return rows


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--reps", type=int, default=5)
    ap.add_argument("--only", default="", help="comma-separated workloads: " + ",".join(WORKLOADS))
    ap.add_argument("--impls", default="", help="comma-separated substrings selecting implementations (numpy always runs)")
    ap.add_argument("--out", default="runs/bench_minibatch.json")
    args = ap.parse_args(argv)
    rows = bench(args.reps, [s for s in args.only.split(",") if s], [s for s in args.impls.split(",") if s])
    print(f"{os.cpu_count()} cores; medians of {args.reps} interleaved reps")
    print("\n".join(report(rows)))
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_suffix(".tmp")
    tmp.write_text(json.dumps({"rows": rows}, indent=1))
    os.replace(tmp, out)
    print(f"wrote {out}")
    return rows


if __name__ == "__main__":
    main()
