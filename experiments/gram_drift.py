"""How far the float32 Gram form (``dnnjax.dual``) ends from float64, against the primal loop; and its speed.

    python experiments/gram_drift.py [--against 30b3a39] [--only syn-2layer,cat-2layer] [--reps 5] [--no-speed]

For each case and ``log_every`` in 10, 50, 100, 250, 2500 and both methods: the relative
distance (max over parameters of ``||p - p64|| / ||p64||``) of the final float32 parameters
from a float64 run of the same gradient descent, for the primal loop (``gram=False``), this
tree's Gram form, and the Gram form of ``dnnjax/dual.py`` at git revision ``--against`` (the
version before the fix, so before/after run in one process). ``!`` marks a distance more than
2x the primal float32 loop's. Then the speed of both Gram forms against ``gram=False`` on the
cat-2layer and cat-deep shapes (median of interleaved repetitions, 100 iterations per run,
log_every 100, the bench's workload). Cases: ``syn-*``: the benchmark's problems (uniform
[0, 1) features, ``randn / sqrt(n)`` weights, 300 iterations); ``syn-2layer-k3``: init 0.01
with key 3 (where the old form drifts); ``cat-*``: the cat images (when present), 2500 iterations.
"""
from __future__ import annotations

import argparse
import subprocess
import sys
import time
import types
from pathlib import Path

import jax
import jax.numpy as jnp
import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
import dnnjax  # noqa: E402
from bench import make_problem, rel_distance  # noqa: E402
from dnnjax import dual  # noqa: E402

CAT = Path(__file__).resolve().parents[2] / "shared" / "data" / "catvnoncat" / "train_catvnoncat.h5"
LOG_EVERY = (10, 50, 100, 250, 2500)
LR = 0.0075


def old_dual(rev):
    """``dnnjax/dual.py`` as it was at git revision ``rev``, as a module."""
    src = subprocess.run(["git", "show", f"{rev}:dnnjax/dual.py"], capture_output=True, text=True, check=True,
                         cwd=Path(__file__).resolve().parents[1]).stdout
    mod = types.ModuleType(f"dual_{rev}")
    exec(compile(src, f"dual_{rev}.py", "exec"), mod.__dict__)
    return mod


def run_dual(mod, p, X, Y, n, log_every, method):
    """``fit(gram=True)``'s plan (full chunks, then the remainder) through ``mod``'s loop."""
    p = {k: jnp.asarray(v) for k, v in p.items()}
    g = jax.jit(mod.gram)(X)
    full, rest = divmod(n, log_every)
    it = 0
    for n_chunks, chunk in ([(full, log_every)] if full else []) + ([(1, rest)] if rest else []):
        p, _, _ = mod.train_chunks_jit(p, X, Y, g, jnp.float32(LR), it, config=("relu", "sigmoid", method),
                                       n_chunks=n_chunks, chunk=chunk)
        it += n_chunks * chunk
    return jax.block_until_ready(p)


def cases(only):
    out = {"syn-2layer": lambda: make_problem([12288, 7, 1], 209) + (300,),
           "syn-deep": lambda: make_problem([12288, 20, 7, 5, 1], 209) + (300,)}

    def syn_k3():
        X, Y = make_problem([12288, 7, 1], 209)[1:]
        return {k: np.asarray(v) for k, v in dnnjax.init_params(jax.random.key(3), [12288, 7, 1]).items()}, X, Y, 300

    out["syn-2layer-k3"] = syn_k3
    if CAT.is_file():
        import h5py

        with h5py.File(CAT) as f:
            X = (np.array(f["train_set_x"]).reshape(209, -1).T / 255).astype(np.float32)
            Y = np.array(f["train_set_y"]).reshape(1, -1).astype(np.float32)
        out["cat-2layer"] = lambda: (make_problem([12288, 7, 1], 209)[0], X, Y, 2500)
        out["cat-deep"] = lambda: (make_problem([12288, 20, 7, 5, 1], 209)[0], X, Y, 2500)
    return {k: v for k, v in out.items() if not only or k in only}


def distances(name, p, X, Y, n, old):
    with jax.enable_x64(True):
        as64 = lambda a: np.asarray(a, np.float64)
        ref = dnnjax.fit({k: as64(v) for k, v in p.items()}, as64(X), as64(Y), learning_rate=LR, num_iterations=n,
                         gram=False, log_every=n)[0]
        ref = {k: np.asarray(v) for k, v in ref.items()}
    Xj, Yj = jnp.asarray(X), jnp.asarray(Y)
    for method in ("autodiff", "manual"):
        d0 = rel_distance(dnnjax.fit(p, Xj, Yj, learning_rate=LR, num_iterations=n, gram=False, method=method,
                                     log_every=n)[0], ref)
        for le in LOG_EVERY:
            row = [f"{name:<14}{method:<9}log_every {le:<5} primal {d0:.1e}"]
            for label, mod in (("before", old), ("after", dual)):
                d = rel_distance(run_dual(mod, p, Xj, Yj, n, le, method), ref)
                row.append(f"{label} {d:.1e}{'!' if d > 2 * d0 else ' '} ({d / d0:5.2f}x)")
            print("  ".join(row), flush=True)


def speed(old, reps):
    for name, dims in (("cat-2layer", [12288, 7, 1]), ("cat-deep", [12288, 20, 7, 5, 1])):
        p, X, Y = make_problem(dims, 209)
        Xj, Yj = jnp.asarray(X), jnp.asarray(Y)
        runs = {"gram=False": lambda m: dnnjax.fit(p, Xj, Yj, learning_rate=LR, num_iterations=100, gram=False,
                                                    method=m)[0],
                "before": lambda m: run_dual(old, p, Xj, Yj, 100, 100, m),
                "after": lambda m: run_dual(dual, p, Xj, Yj, 100, 100, m)}
        for method in ("autodiff", "manual"):
            times = {}
            for f in runs.values():
                jax.block_until_ready(f(method))  # compile
            for _ in range(reps):
                for label, f in runs.items():
                    t = time.perf_counter(); jax.block_until_ready(f(method)); times.setdefault(label, []).append(time.perf_counter() - t)
            med = {k: float(np.median(v)) * 1e4 for k, v in times.items()}  # us per iteration (100 per run)
            print(f"{name:<11}{method:<9}" + "  ".join(f"{k} {v:7.0f} us/it" for k, v in med.items())
                  + f"   after/before {med['after'] / med['before']:.2f}, gram=False/after {med['gram=False'] / med['after']:.1f}x",
                  flush=True)


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--against", default="30b3a39", help="git revision of the Gram form to compare with")
    ap.add_argument("--only", default="", help="comma-separated case names")
    ap.add_argument("--reps", type=int, default=5)
    ap.add_argument("--no-speed", action="store_true")
    ap.add_argument("--no-distance", action="store_true")
    args = ap.parse_args(argv)
    old = old_dual(args.against)
    if not args.no_distance:
        for name, make in cases(args.only.split(",") if args.only else []).items():
            distances(name, *make(), old)
    if not args.no_speed:
        speed(old, args.reps)


if __name__ == "__main__":
    main()
