"""Hand-written backpropagation vs ``jax.grad`` (and finite differences) on every course model.

Models (``X`` (n_x, m), ``Y`` (1, m)):

- logistic ``[12288, 1]`` (zero init), cat data;
- planar ``[2, 4, 1]`` tanh (x0.01), the flower;
- two-layer ``[12288, 7, 1]`` ReLU (x0.01), cat data;
- four-layer ``[12288, 20, 7, 5, 1]`` ReLU (``/ sqrt(n[l-1])``), cat data.

Without the cat files (or with ``--random-data``) the cat models use random stand-ins of the
same shapes: pixels uniform in [0, 1), labels Bernoulli(0.5), m = 209 (NumPy seed 0).

Per model and layer: the course's relative difference ``||a - b|| / (||a|| + ||b||)`` between
manual and automatic gradients in float32 and in float64, and both against central finite
differences (float64, eps 1e-7; ``--fd-coords`` sampled coordinates for the big nets), at the
initial parameters (``--course-init``: the course's NumPy seeds). Then the time of one jitted
gradient-descent step, manual vs autodiff, in the working dtype (float64 with ``--x64``):
median of ``--reps`` calls after a warm-up (compile) call.

At the planar net's x0.01 init the gradients are small (||g|| ~ 0.007, the biases' ~1e-5 and
below), so there finite differences with eps 1e-7 sit at their rounding floor (~1e-16 * J / eps
per coordinate) and the relative differences of the biases measure that floor, not backprop.
"""
from __future__ import annotations

from functools import partial

import jax
import jax.numpy as jnp
import numpy as np

import dnnjax
import dnnjax.data
import dnnjax.gradients
import dnnjax.plots
from dnnjax.gradcheck import PAIRS as GC_PAIRS, relative_difference

import common

NAME = "manual_vs_autodiff"
MODELS = {  # name: (layer_dims without n_x, hidden, init scale, course seed, data set)
    "logistic": ([1], "relu", "zeros", 1, "cat"),
    "planar": ([4, 1], "tanh", 0.01, 2, "flower"),
    "two_layer": ([7, 1], "relu", 0.01, 1, "cat"),
    "four_layer": ([20, 7, 5, 1], "relu", "sqrt_n", 1, "cat"),
}
PAIRS = ("manual vs autodiff (float32)", "manual vs autodiff (float64)",
         "manual vs finite diff (float64)", "autodiff vs finite diff (float64)")


def _extra_args(p):
    p.add_argument("--random-data", action="store_true", help="random stand-ins for the cat data even if present")
    p.add_argument("--fd-coords", type=int, default=64, help="finite-difference coordinates per model (default 64)")
    p.add_argument("--reps", type=int, default=11, help="timed repetitions per step, >= 5 (default 11)")


def load_data(args):
    """``{"cat": (X (12288, 209), Y), "flower": (X (2, 400), Y)}`` as NumPy float64, and the cat source."""
    folder = None if args.random_data else common.cat_dir(args.data, required=False)
    if folder is not None:
        cat, source = dnnjax.data.load_catvnoncat(folder)[:2], str(folder)
    else:
        rs = np.random.RandomState(0)
        cat, source = (rs.rand(12288, 209), (rs.rand(1, 209) < 0.5).astype(np.float64)), "random stand-in"
    return {"cat": cat, "flower": dnnjax.data.planar_flower()}, source


@partial(jax.jit, static_argnames=("hidden", "method"))
def gd_step(params, X, Y, hidden, method):
    """One course update ``W := W - 0.0075 dW`` with gradients by ``method``; returns ``(params, cost)``."""
    cost, g = dnnjax.gradients.value_and_grad(params, X, Y, hidden, "sigmoid", method)
    return jax.tree.map(lambda p, d: p - 0.0075 * d, params, g), cost


def time_steps(params, X, Y, hidden, reps) -> dict:
    """Median (and min) wall time (ms) of one jitted ``gd_step`` call per method, after a compile call.

    The two methods' calls alternate, so a load change on the machine hits both alike."""
    methods = ("manual", "autodiff")
    for m in methods:
        jax.block_until_ready(gd_step(params, X, Y, hidden, m))
    times = {m: [] for m in methods}
    for _ in range(reps):
        for m in methods:
            with common.Timer() as t:
                jax.block_until_ready(gd_step(params, X, Y, hidden, m))
            times[m].append(t.seconds * 1e3)
    return {m: float(np.median(v)) for m, v in times.items()} | {f"{m}_min": min(v) for m, v in times.items()}


def compare(args, name, data, dtype):
    """Relative differences per parameter and timings for one model."""
    dims_tail, hidden, scale, seed, ds = MODELS[name]
    X, Y = data[ds]
    dims = [X.shape[0], *dims_tail]
    with jax.enable_x64(True):  # NumPy leaves: the input checks run in NumPy, no eager XLA ops
        p64 = {k: np.asarray(v, np.float64) for k, v in
               common.init(args, dims, scale=scale, dtype=jnp.float64, course_seed=seed).items()}
        report = dnnjax.check_grads(p64, X, Y, hidden=hidden, max_fd_coords=args.fd_coords)
    p32 = {k: np.asarray(v, np.float32) for k, v in p64.items()}
    with jax.enable_x64(False), jax.default_matmul_precision("highest"):
        g = {m: dnnjax.grads(p32, X, Y, hidden=hidden, method=m) for m in ("manual", "autodiff")}
    g = {m: {k: np.asarray(v, np.float64) for k, v in gm.items()} for m, gm in g.items()}
    norms = {k: float(np.linalg.norm(v)) for k, v in g["autodiff"].items()}  # float32 norms, for scale
    flat32 = [np.concatenate([np.ravel(g[m][k]) for k in p64]) for m in ("manual", "autodiff")]
    rows = {}
    for k in p64:
        r64 = report.per_param[k]
        rows[k] = {PAIRS[0]: relative_difference(g["manual"][k], g["autodiff"][k]),
                   PAIRS[1]: r64["manual vs autodiff"], PAIRS[2]: r64["manual vs finite diff"],
                   PAIRS[3]: r64["autodiff vs finite diff"]}
    pw = {k: jnp.asarray(v, dtype) for k, v in p64.items()}
    Xw, Yw = jnp.asarray(X, dtype), jnp.asarray(Y, dtype)
    ms = time_steps(pw, Xw, Yw, hidden, args.reps)
    return {"layer_dims": dims, "hidden": hidden, "per_param": rows, "shapes": report.shapes,
            "fd_checked": report.fd_checked, "grad_norm": norms, "overall_float64": report.overall,
            "overall_float32": relative_difference(*flat32), "ok_float64": report.ok,
            "step_ms": ms}


def _tables(res, reps, dt):
    """The printed tables: relative differences per parameter (and overall), then step timings."""
    rows = []
    for n, r in res["models"].items():
        rows += [[f"{n} {k}", str(r["shapes"][k]), r["grad_norm"][k], *(row[p] for p in PAIRS),
                  str(r["fd_checked"][k])] for k, row in r["per_param"].items()]
        rows.append([f"{n} overall", "", None, r["overall_float32"],
                     *(r["overall_float64"][p] for p in GC_PAIRS), ""])
    diffs = common.table(f"relative differences ||a-b||/(||a||+||b||) at init (cat data: {res['cat_data']})",
                         ["param", "shape", "||grad|| (f32)", "f32 man/auto", "f64 man/auto", "f64 man/fd",
                          "f64 auto/fd", "fd coords"], rows)
    rows = [[n, t["manual"], t["autodiff"], t["autodiff"] / t["manual"], t["manual_min"], t["autodiff_min"]]
            for n, t in ((n, r["step_ms"]) for n, r in res["models"].items())]
    times = common.table(f"one jitted GD step, ms: median (and min) of {reps} ({dt})",
                         ["model", "manual", "autodiff", "autodiff / manual", "min manual", "min autodiff"], rows)
    return [diffs, times]


def main(argv=None) -> dict:
    args = common.parse_args(NAME, __doc__, argv, _extra_args)
    if args.reps < 5:
        raise dnnjax.InvalidValueError(f"--reps: expected at least 5 timed repetitions, got {args.reps}")
    out = common.run_dir(args)
    data, source = load_data(args)
    res = {"x64": args.x64, "course_init": args.course_init, "cat_data": source, "models": {}}
    with common.precision(args.x64) as dtype, common.Timer() as total:
        for name in MODELS:
            r = compare(args, name, data, dtype)
            res["models"][name] = r
            dnnjax.plots.grad_comparison(out / f"{name}.png", r["per_param"],
                                         title=f"{name} {r['layer_dims']}: manual vs autodiff vs finite diff")
    res["seconds"] = total.seconds
    tables = _tables(res, args.reps, "float64" if args.x64 else "float32")
    common.write_results(out, res, tables)
    return res


if __name__ == "__main__":
    common.cli(main)
