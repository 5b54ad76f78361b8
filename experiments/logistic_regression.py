"""Week 2: logistic regression as a neural network, cat vs non-cat.

Logistic regression is the core network with ``layer_dims = [12288, 1]`` and a sigmoid output:
``X`` (12288, m) pixels / 255, ``Y`` (1, m), ``W1`` (1, 12288) (the course's ``w.T``), ``b1``
(1, 1). Zero init (exact course init, so ``--course-init`` changes nothing), gradient descent,
lr 0.005, 2000 iterations; then the course's learning-rate comparison (0.01, 0.001, 0.0001;
1500 iterations each). Writes results.json, cost curves and the test set's mislabeled images.
"""
from __future__ import annotations

import numpy as np

import dnnjax
import dnnjax.checkpoint
import dnnjax.data
import dnnjax.plots

import common

NAME = "logistic_regression"
PUBLISHED = {  # DESIGN.md section 5
    "main": {"costs": {0: 0.693147, 100: 0.584508, 1900: 0.140872}, "train_accuracy": 99.04, "test_accuracy": 70.0},
    "rates": {0.01: (99.52, 68.0), 0.001: (89.00, 64.0), 0.0001: (68.42, 36.0)},
}
LOG_EVERY = 100


def train(params, data, learning_rate: float, num_iterations: int):
    """Fit from ``params``; returns ``(trained params, {"costs", "train_accuracy", "test_accuracy"})``."""
    X, Y, Xt, Yt = data
    params, costs = dnnjax.fit(params, X, Y, output="sigmoid", learning_rate=learning_rate,
                               num_iterations=num_iterations, log_every=LOG_EVERY)
    return params, {"learning_rate": learning_rate, "num_iterations": num_iterations,
                    "costs": np.asarray(costs, np.float64),
                    "train_accuracy": common.accuracy(dnnjax.predict(params, X), Y),
                    "test_accuracy": common.accuracy(dnnjax.predict(params, Xt), Yt)}


def mislabeled(path, params, Xt, Yt, classes):
    """Image grid of the test pictures the model gets wrong, titled ``pred: ... / true: ...``."""
    pred = np.asarray(dnnjax.predict(params, Xt))[0]
    wrong = np.flatnonzero(pred != Yt[0])
    names = [c.decode() if isinstance(c, bytes) else str(c) for c in classes]
    titles = [f"pred: {names[int(pred[i])]} / true: {names[int(Yt[0, i])]}" for i in wrong]
    dnnjax.plots.image_grid(path, Xt[:, wrong], image_shape=(64, 64, 3), titles=titles, ncols=5,
                            title=f"mislabeled test images ({len(wrong)} of {Yt.shape[1]})")
    return len(wrong)


def main(argv=None) -> dict:
    args = common.parse_args(NAME, __doc__, argv)
    out = common.run_dir(args)
    X, Y, Xt, Yt, classes = dnnjax.data.load_catvnoncat(common.cat_dir(args.data, required=True))
    data = (X, Y, Xt, Yt)
    dims = [X.shape[0], 1]
    results, tables = {"x64": args.x64, "course_init": args.course_init}, []
    with common.precision(args.x64) as dtype, common.Timer() as total:
        print("== logistic regression, lr 0.005, 2000 iterations ==")
        params0 = common.init(args, dims, scale="zeros", dtype=dtype)
        params, main_run = train(params0, data, 0.005, 2000)
        common.print_costs(main_run["costs"], LOG_EVERY)
        results["main"] = main_run
        dnnjax.checkpoint.save(out / "params.npz", params, {"layer_dims": dims, "learning_rate": 0.005})
        results["n_mislabeled_test"] = mislabeled(out / "mislabeled.png", params, Xt, Yt, classes)
        dnnjax.plots.cost_curves(out / "costs.png", {"lr = 0.005": main_run["costs"]}, log_every=LOG_EVERY,
                                 title="logistic regression, cat vs non-cat (lr 0.005)")
        results["rates"] = {}
        for lr in PUBLISHED["rates"]:
            print(f"== learning rate {lr}, 1500 iterations ==")
            _, r = train(common.init(args, dims, scale="zeros", dtype=dtype), data, lr, 1500)
            print(f"train accuracy: {r['train_accuracy']:.2f} %, test accuracy: {r['test_accuracy']:.2f} %")
            results["rates"][lr] = r
        dnnjax.plots.cost_curves(out / "learning_rates.png",
                                 {f"lr = {lr}": r["costs"] for lr, r in results["rates"].items()},
                                 log_every=LOG_EVERY, title="logistic regression: learning rates (1500 it.)")
    results["seconds"] = total.seconds

    pub = PUBLISHED["main"]
    rows = [[f"cost @{i}", c, float(main_run["costs"][i // LOG_EVERY])] for i, c in pub["costs"].items()]
    rows += [["train accuracy %", pub["train_accuracy"], main_run["train_accuracy"]],
             ["test accuracy %", pub["test_accuracy"], main_run["test_accuracy"]]]
    for lr, (tr, te) in PUBLISHED["rates"].items():
        r = results["rates"][lr]
        rows += [[f"lr {lr}: train %", tr, r["train_accuracy"]], [f"lr {lr}: test %", te, r["test_accuracy"]]]
    tables.append(common.published_vs_dnnjax("logistic regression", rows, args.x64, total.seconds))
    common.write_results(out, results, tables)
    return results


if __name__ == "__main__":
    common.cli(main)
