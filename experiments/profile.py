"""Where the time of one training iteration goes: each op timed standalone vs the whole step.

    python experiments/profile.py [--workload planar|wide|cat-deep] [--reps 7]

For the benchmark's targets that are not met this prints the evidence: the compiled step's
kernel count (from the optimised HLO of the training loop), the cost of an XLA:CPU loop
iteration that launches one tiny kernel, and each matmul of the iteration timed alone in a
compiled loop, next to the full step and the NumPy reference's own per-op times. It prints
figures; it is not a test.
"""
from __future__ import annotations

import argparse
import re
import sys
import time
from pathlib import Path

import jax
import jax.numpy as jnp
import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench import WORKLOADS, make_problem  # noqa: E402

from dnnjax import compile_cache, train  # noqa: E402

N = 200  # iterations per timed compiled loop (set per workload in main)


def timed(fn, *args, reps):
    jax.block_until_ready(fn(*args))
    out = []
    for _ in range(reps):
        t = time.perf_counter(); jax.block_until_ready(fn(*args)); out.append(time.perf_counter() - t)
    return float(np.median(out)) / N * 1e6


def loop_of(op):
    """A compiled loop of N dependent applications of ``op(x, *consts) -> like x``."""
    @jax.jit
    def f(x, *consts):
        return jax.lax.fori_loop(0, N, lambda i, x: op(x, *consts), x)
    return f


def kernels_per_iteration(p, X, Y, hidden, method):
    """Kernels (fusions, library calls, copies) in the body of the compiled loop's innermost
    ``while``: one iteration of what ``fit`` runs (gram=False; the narrow form where it applies)."""
    grad_fn, cost_fn = train.step_functions(p, method)
    lowered = train._train_chunks_jit.lower(p, (), X, Y, jnp.float32(0.01), 0, grad_fn=grad_fn, cost_fn=cost_fn,
                                            config=(hidden, "sigmoid", method), optimizer=None, n_chunks=3, chunk=10)
    text = lowered.compile().as_text()
    bodies = [c for c in re.split(r"\n(?=\S)", text) if "region" in c.split(" ")[0]
              and "-> pred[]" not in c.split("\n")[0] and " while(" not in c]  # loop bodies holding no loop
    count = lambda c: len(re.findall(r"= \S+ (?:fusion|dot|custom-call|convolution|reduce|copy)\(", c))
    return max((count(c) for c in bodies), default=0)


def loop_with(op, options):
    """:func:`loop_of` compiled with XLA ``options`` (e.g. the training loops' CPU options)."""
    return jax.jit(lambda x, *c: jax.lax.fori_loop(0, N, lambda i, x: op(x, *c), x), compiler_options=options)


def gemm_bound(p, X, Y, dims, m, hidden, lr, matmul_rows, reps):
    """Rows that show whether a GEMM-bound step is at the GEMM limit, all measured here, side by side:
    the float32 2048^3 GEMM (the peak), the step's GFLOP/s and % of it, the step over the sum of
    its necessary matmuls timed alone, and the layout / dot-library choices of issue 13."""
    from bench import flops_per_iteration

    from dnnjax.compiled import CPU_OPTIONS

    a = jnp.asarray(np.random.RandomState(1).rand(2048, 2048).astype(np.float32))
    sq = jax.jit(lambda x: x @ x)
    peak = 2 * 2048**3 / (timed(lambda x: sq(x), a, reps=reps) * N / 1e6) / 1e9
    flops = flops_per_iteration(dims, m)
    grad_fn = train.step_functions(p, "manual")[0]
    step = lambda q, X, Y: jax.tree.map(lambda a, g: a - lr * g, q, grad_fn(q, X, Y, (hidden, "sigmoid", "manual"))[1])
    rows = [(f"float32 GEMM 2048^3 (the peak, this run): {peak:.1f} GFLOP/s", 2 * 2048**3 / peak / 1e3)]
    for name, opts in (("training loops' options (YNN dots)", CPU_OPTIONS),
                       ("Eigen dots (xla_cpu_experimental_ynn_fusion_type='')",
                        {**CPU_OPTIONS, "xla_cpu_experimental_ynn_fusion_type": ""})):
        us = timed(loop_with(step, opts), p, X, Y, reps=reps)
        rows.append((f"step, {name}: {flops / us / 1e3:.1f} GFLOP/s = {100 * flops / us / 1e3 / peak:.0f} % of peak", us))
    necessary = sum(us for name, us in matmul_rows if "dA0" not in name)
    rows.append((f"sum of the step's matmuls timed alone ({flops / necessary / 1e3:.1f} GFLOP/s, "
                 f"{100 * flops / necessary / 1e3 / peak:.0f} % of peak)", necessary))
    one = jnp.ones((), jnp.float32)
    dZ1, Xt = jnp.ones((dims[1], m), jnp.float32), jnp.asarray(np.ascontiguousarray(np.asarray(X).T))
    mm = loop_of(lambda s, a, b: s + 1e-30 * jnp.max((a * s) @ b))
    rows.append(("dZ1 @ X^T with X^T a row-major copy (m x n_x)", timed(mm, one, dZ1, Xt, reps=reps)))
    mmT = loop_of(lambda s, a, b: s + 1e-30 * jnp.max((a * s) @ b.T))
    rows.append(("dZ1 @ X.T (X as stored: the transposed operand)", timed(mmT, one, dZ1, X, reps=reps)))
    return rows


def numpy_time(fn, reps):
    out = []
    for _ in range(reps):
        t = time.perf_counter()
        for _ in range(20):
            fn()
        out.append((time.perf_counter() - t) / 20)
    return float(np.median(out)) * 1e6


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--workload", default="planar", choices=sorted(WORKLOADS))
    ap.add_argument("--reps", type=int, default=7)
    args = ap.parse_args(argv)
    global N
    dims, m, hidden, lr, n_bench = WORKLOADS[args.workload]
    N = min(200, max(4, n_bench // 10))  # about as long a loop as the benchmark's runs
    fit_reps = 20 if N >= 100 else 1  # a long fit amortises its per-call input checks
    p0, Xn, Yn = make_problem(dims, m)
    p = {k: jnp.asarray(v) for k, v in p0.items()}
    X, Y = jnp.asarray(Xn), jnp.asarray(Yn)
    rows = []
    for method in ("manual", "autodiff"):
        grad_fn = train.step_functions(p, method)[0]
        step = loop_of(lambda q, X, Y, method=method, grad_fn=grad_fn: jax.tree.map(
            lambda a, g: a - lr * g, q, grad_fn(q, X, Y, (hidden, "sigmoid", method))[1]))
        rows.append((f"step alone ({method}{', narrow form' if grad_fn is not train.core_value_and_grad else ''}), "
                     "no guard", timed(step, p, X, Y, reps=args.reps)))
        fit = lambda q, X, Y, method=method: train.fit(q, X, Y, hidden=hidden, learning_rate=lr, num_iterations=fit_reps * N,
                                                      method=method, gram=False)[0]
        rows.append((f"dnnjax.fit per iteration ({method}), ~{kernels_per_iteration(p, X, Y, hidden, method):.0f} kernels/it.",
                     timed(fit, p, X, Y, reps=args.reps) / fit_reps))
    small = jnp.ones((4, 4), jnp.float32)
    rows.append(("loop iteration, one tiny fused kernel", timed(loop_of(lambda x: jnp.tanh(x) * 0.5), small, reps=args.reps)))
    one = jnp.ones((), jnp.float32)
    # the carry scales an operand and reads the whole product (a max), so nothing is hoisted or sliced away
    mm = loop_of(lambda s, a, b: s + 1e-30 * jnp.max((a * s) @ b))
    for l in range(1, len(dims)):
        W, A = p[f"W{l}"], jnp.ones((dims[l - 1], m), jnp.float32)
        dZ = jnp.ones((dims[l], m), jnp.float32)
        products = [(f"W{l} @ A{l-1}   ({dims[l]}x{dims[l-1]} @ {dims[l-1]}x{m})", W, A),
                    (f"dZ{l} @ A{l-1}^T ({dims[l]}x{m} @ {m}x{dims[l-1]})", dZ, A.T)]
        if l > 1:
            products.append((f"W{l}^T @ dZ{l} ({dims[l-1]}x{dims[l]} @ {dims[l]}x{m})", W.T, dZ))
        for name, a, b in products:
            rows.append((name, timed(mm, one, a, b, reps=args.reps)))
    Wn, An = p0["W1"], Xn
    dZn = np.ones((dims[1], m), np.float32)
    rows.append(("numpy: W1 @ X", numpy_time(lambda: Wn @ An, args.reps)))
    rows.append(("numpy: dZ1 @ X^T", numpy_time(lambda: dZn @ An.T, args.reps)))
    rows.append(("numpy: W1^T @ dZ1 (the course's unneeded dA0)", numpy_time(lambda: Wn.T @ dZn, args.reps)))
    if args.workload == "wide":  # GEMM-bound: compare with the GEMM itself
        rows += gemm_bound(p, X, Y, dims, m, hidden, lr, [r for r in rows if " @ " in r[0] and "numpy" not in r[0]],
                           args.reps)
    print(f"profile of one iteration, workload {args.workload} {dims} m={m} ({jax.default_backend()}), medians of {args.reps}:")
    for name, us in rows:
        print(f"  {name:<58}{us:>12.2f} us")
    return rows


if __name__ == "__main__":
    compile_cache.enable()  # a second run loads its programs from disk
    main()
