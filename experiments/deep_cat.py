"""Week 4: deep neural network for cat vs non-cat, the 2-layer and the 4-layer models.

``X`` (12288, m) pixels / 255, ``Y`` (1, m); ReLU hidden units, sigmoid output, gradient descent
with lr 0.0075 for 2500 iterations.

- two: ``[12288, 7, 1]``, ``W = randn * 0.01``;
- four: ``[12288, 20, 7, 5, 1]``, ``W = randn / sqrt(n[l-1])``.

``--course-init``: ``np.random.seed(1)`` then ``randn`` per layer, W1 first (the course's exact
parameters). The log is the course's: the cost at every 100th iteration and at the last one
(``num_iterations - 1``), each computed before that iteration's update. Writes results.json,
the cost curves, each model's parameters and its mislabeled test images.
"""
from __future__ import annotations

import numpy as np

import dnnjax
import dnnjax.checkpoint
import dnnjax.data
import dnnjax.plots

import common
from logistic_regression import mislabeled

NAME = "deep_cat"
MODELS = {"two": ([12288, 7, 1], 0.01), "four": ([12288, 20, 7, 5, 1], "sqrt_n")}
PUBLISHED = {  # DESIGN.md section 5 (the course's printed lines)
    "two": {"costs": {0: 0.693049735659989, 100: 0.6464320953428849, 2499: 0.04421498215868951},
            "train_accuracy": 100.0, "test_accuracy": 72.0},
    "four": {"costs": {0: 0.7717493284237686, 100: 0.6720534400822914, 2499: 0.088439943441702},
             "train_accuracy": 98.56, "test_accuracy": 80.0},
}
LR, LOG_EVERY = 0.0075, 100
DEEP_LOG = "Cost after iteration {i}: {c!r}"  # the week-4 notebooks print the full float


def _extra_args(p):
    p.add_argument("--iterations", type=int, default=2500, help="training iterations (default 2500)")
    p.add_argument("--models", nargs="+", choices=tuple(MODELS), default=list(MODELS),
                   help="which models to train (default: two four)")


def train(args, name, data, dtype):
    """Train model ``name``; returns ``(params, result dict)``. All costs are recorded
    (``log_every=1``), so the course's last line (iteration ``n - 1``) is among them."""
    X, Y, Xt, Yt = data
    dims, scale = MODELS[name]
    params0 = common.init(args, dims, scale=scale, dtype=dtype, course_seed=1)
    with common.Timer() as t:
        params, costs = dnnjax.fit(params0, X, Y, hidden="relu", output="sigmoid", learning_rate=LR,
                                   num_iterations=args.iterations, log_every=1)
        costs = np.asarray(costs, np.float64)
    n = args.iterations
    logged = {i: float(costs[i]) for i in range(n) if i % LOG_EVERY == 0 or i == n - 1}
    print("\n".join(DEEP_LOG.format(i=i, c=c) for i, c in logged.items()))
    return params, {"layer_dims": dims, "scale": scale, "num_iterations": n, "costs": logged,
                    "train_accuracy": common.accuracy(dnnjax.predict(params, X), Y),
                    "test_accuracy": common.accuracy(dnnjax.predict(params, Xt), Yt),
                    "seconds": t.seconds, "all_costs": costs}


def main(argv=None) -> dict:
    args = common.parse_args(NAME, __doc__, argv, _extra_args)
    out = common.run_dir(args)
    X, Y, Xt, Yt, classes = dnnjax.data.load_catvnoncat(common.cat_dir(args.data, required=True))
    res, tables = {"x64": args.x64, "course_init": args.course_init, "models": {}}, []
    with common.precision(args.x64) as dtype, common.Timer() as total:
        for name in args.models:
            print(f"== {name}-layer model {MODELS[name][0]}, lr {LR}, {args.iterations} iterations ==")
            params, r = train(args, name, (X, Y, Xt, Yt), dtype)
            print(f"train accuracy: {r['train_accuracy']:.2f} %, test accuracy: {r['test_accuracy']:.2f} %")
            dnnjax.checkpoint.save(out / f"{name}_layer.npz", params, {"layer_dims": r["layer_dims"]})
            r["n_mislabeled_test"] = mislabeled(out / f"{name}_layer_mislabeled.png", params, Xt, Yt, classes)
            res["models"][name] = r
        curves = {f"{MODELS[n][0]}": r.pop("all_costs")[::LOG_EVERY] for n, r in res["models"].items()}
        dnnjax.plots.cost_curves(out / "costs.png", curves, log_every=LOG_EVERY,
                                 title=f"cat vs non-cat, lr {LR} ({'float64' if args.x64 else 'float32'})")
    res["seconds"] = total.seconds

    rows = []
    for name, r in res["models"].items():
        pub = PUBLISHED[name]
        rows += [[f"{name}: cost @{i}", repr(c), repr(r["costs"][i]) if i in r["costs"] else None]
                 for i, c in pub["costs"].items()]
        if args.iterations == 2500:
            rows += [[f"{name}: train accuracy %", pub["train_accuracy"], r["train_accuracy"]],
                     [f"{name}: test accuracy %", pub["test_accuracy"], r["test_accuracy"]]]
        rows.append([f"{name}: seconds ({args.iterations} it.)", None, round(r["seconds"], 1)])
    tables.append(common.published_vs_dnnjax("deep cat", rows, args.x64, total.seconds))
    common.write_results(out, res, tables)
    return res


if __name__ == "__main__":
    common.cli(main)
