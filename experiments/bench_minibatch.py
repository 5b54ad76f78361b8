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
printed so a fast wrong answer shows: dnnjax and the hand scan draw the same permutations
(``fold_in(key(0), epoch)``, packed sort), so theirs agree to float32 rounding; the others'
permutations differ, so they agree only roughly.

Also printed: each implementation's GFLOP/s and % of the float32 matmul peak (the necessary
matmul FLOPs of an epoch: forward, dW of every layer, dA for layers >= 2, over all m columns;
the peak: a 2048^3 GEMM, the faster of XLA's and NumPy's, each in its own process, this run),
the bound that peak puts on an epoch ("at 100 % of the peak an epoch takes X ms = Y x NumPy"),
and the issue's targets (dnnjax over NumPy and PyTorch eager; the hand scan's ratios beside).
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
TORCH = "pytorch eager"
# the targets: dnnjax epoch time / this implementation's (at most)
TARGETS = {"digits": {REFERENCE: 0.6, TORCH: 0.2}, "large": {REFERENCE: 0.9, TORCH: 0.5}}


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


def flops_per_epoch(dims, m):
    """The necessary matmul FLOPs of one epoch (every column once): forward, dW of every layer,
    dA[l-1] for l >= 2 (not dA0: nobody needs the gradient of X)."""
    from bench import flops_per_iteration

    return flops_per_iteration(dims, m)


def bench_workload(name, spec, labels, reps, peak_gflops):
    first, replies = race(_worker, labels, spec, reps)
    times = {k: [r[0] for r in v] for k, v in replies.items()}
    costs = {k: v[-1][1] for k, v in replies.items()}
    p0, X, Y = make_problem(spec[0], spec[1])
    med = {k: float(np.median(v)) for k, v in times.items()}
    flops = flops_per_epoch(spec[0], spec[1])
    return [{"workload": name, "impl": k, "ms_per_epoch": 1e3 * med[k], "epochs_per_run": spec[4],
             "vs_numpy": med[k] / med[REFERENCE], "vs_dnnjax": med[k] / med["dnnjax fit"] if "dnnjax fit" in med else None,
             "gflops": flops / med[k] / 1e9, "fraction_of_peak": flops / med[k] / 1e9 / peak_gflops,
             "bound_ms_per_epoch": 1e3 * flops / (peak_gflops * 1e9), "peak_gflops": peak_gflops,
             "all_ms_per_epoch": [1e3 * t for t in times[k]],
             "first_run_s": first[k], "initial_cost": cost64(p0, X, Y), "final_cost": costs[k]} for k in labels]


def report(rows):
    lines = [f"{'workload':<10}{'implementation':<18}{'ms/epoch':>10}{'time / numpy':>14}{'time / dnnjax':>15}"
             f"{'GFLOP/s':>9}{'% peak':>8}{'final cost':>12}  (initial)"]
    for r in rows:
        lines.append(f"{r['workload']:<10}{r['impl']:<18}{r['ms_per_epoch']:>10.1f}{r['vs_numpy']:>14.2f}"
                     f"{(r['vs_dnnjax'] or float('nan')):>15.2f}{r['gflops']:>9.1f}{100 * r['fraction_of_peak']:>7.1f}%"
                     f"{r['final_cost']:>12.4f}  ({r['initial_cost']:.4f})")
    lines.append("time / X: this implementation's epoch time over X's (below 1: faster than X); medians of "
                 "interleaved runs, each implementation in its own process; GFLOP/s of the necessary matmuls")
    return lines + bound_lines(rows) + target_lines(rows)


def _row(rows, workload, impl):
    return next((r for r in rows if r["workload"] == workload and r["impl"] == impl), None)


def bound_lines(rows):
    """What the measured matmul peak allows: an epoch's necessary matmuls at 100 % of it."""
    lines = []
    for name in dict.fromkeys(r["workload"] for r in rows):
        ref, torch = _row(rows, name, REFERENCE), _row(rows, name, TORCH)
        bound = ref["bound_ms_per_epoch"]
        vs = f"{bound / ref['ms_per_epoch']:.2f} x NumPy" + (f", {bound / torch['ms_per_epoch']:.2f} x PyTorch eager"
                                                              if torch else "")
        lines.append(f"bound {name}: at 100 % of the peak ({ref['peak_gflops']:.0f} GFLOP/s) an epoch takes "
                     f"{bound:.1f} ms = {vs}")
    return lines


def target_lines(rows):
    """The issue's targets: dnnjax's (and, beside it, the hand scan's) epoch time over NumPy's and
    PyTorch eager's, with the bound where the measured peak makes a target unreachable."""
    lines = []
    for name, targets in TARGETS.items():
        for other, want in targets.items():
            theirs = _row(rows, name, other)
            if theirs is None:
                continue
            best = theirs["bound_ms_per_epoch"] / theirs["ms_per_epoch"]
            for impl, short in (("dnnjax fit", "dnnjax"), ("hand JAX scan", "hand scan")):
                mine = _row(rows, name, impl)
                if mine is None:
                    continue
                ratio = mine["ms_per_epoch"] / theirs["ms_per_epoch"]
                verdict = "met" if ratio <= want else "NOT met"
                if best > want:
                    verdict += f" (out of reach: at 100 % of the peak {best:.2f})"
                lines.append(f"{short}/{'NumPy' if other == REFERENCE else 'PyTorch'} {name} {ratio:.2f} "
                             f"(target {want}) {verdict}")
        a, b = _row(rows, name, "dnnjax fit"), _row(rows, name, "hand JAX scan")
        if a and b:
            lines.append(f"dnnjax/hand scan {name} {a['ms_per_epoch'] / b['ms_per_epoch']:.2f} (target <= 1)")
    return lines


def bench(reps=5, only=(), keep=(), peak_gflops=None):
    """Rows of the race; ``peak_gflops``: the float32 matmul peak (measured here if not given)."""
    if peak_gflops is None:
        from bench import matmul_peak

        peak_gflops = max(matmul_peak(reps).values())
    labels = available(keep)
    rows = []
    for name, spec in WORKLOADS.items():
        if not only or name in only:
            rows += bench_workload(name, spec, labels, reps, peak_gflops)
    return rows


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--reps", type=int, default=5)
    ap.add_argument("--only", default="", help="comma-separated workloads: " + ",".join(WORKLOADS))
    ap.add_argument("--impls", default="", help="comma-separated substrings selecting implementations (numpy always runs)")
    ap.add_argument("--out", default="runs/bench_minibatch.json")
    args = ap.parse_args(argv)
    rows = bench(args.reps, [s for s in args.only.split(",") if s], [s for s in args.impls.split(",") if s])
    peak = f"; float32 matmul peak {rows[0]['peak_gflops']:.1f} GFLOP/s" if rows else ""
    print(f"{os.cpu_count()} cores; medians of {args.reps} interleaved reps{peak}")
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
