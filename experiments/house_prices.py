"""Week 1: house price prediction, from one neuron to a small network (regression, MSE).

Data: ``dnnjax.data.house_prices`` (synthetic, 4 features: area, bedrooms, zip code, wealth;
price in thousands of USD), 200 houses split 150 train / 50 test (``data.load("houses",
test_fraction=0.25)``). Features and target are standardised with the training set's mean and
std; costs are the MSE of the standardised price, RMSE is reported in thousands of USD.

The core network applies its hidden activation to hidden layers only and a linear output for
regression, so the models are:

- ``linear [4, 1]``: one linear neuron (linear regression), zero init;
- ``relu neuron [4, 1, 1]``: the course's single ReLU neuron ``relu(w.x + b)``, followed by the
  linear read-out ``a * relu(.) + c`` that the core network always ends with;
- ``course picture [4, 3, 1]``: three ReLU units (the lecture's family size, walkability and
  school quality), linear output;
- ``wider [4, 16, 1]``.

Hidden networks start from ``randn / sqrt(n[l-1])`` (``--course-init``: NumPy seed 1, the
week-4 way; else a jax key); gradient descent, lr 0.05, 5000 iterations. There are no published
numbers for this week (the lecture has no code), so ``--course-init`` only fixes the init.
"""
from __future__ import annotations

import numpy as np

import dnnjax
import dnnjax.data
import dnnjax.plots

import common

NAME = "house_prices"
MODELS = {"linear [4, 1]": ([4, 1], "zeros"), "relu neuron [4, 1, 1]": ([4, 1, 1], "sqrt_n"),
          "course picture [4, 3, 1]": ([4, 3, 1], "sqrt_n"), "wider [4, 16, 1]": ([4, 16, 1], "sqrt_n")}
LR, LOG_EVERY = 0.05, 50


def _extra_args(p):
    p.add_argument("--iterations", type=int, default=5000, help="gradient-descent iterations (default 5000)")


def rmse(pred_std, Y, y_mean, y_std) -> float:
    """RMSE in the target's units (thousands of USD) of standardised predictions (1, m)."""
    pred = np.asarray(pred_std, np.float64) * y_std + y_mean
    return float(np.sqrt(np.mean((pred - Y) ** 2)))


def main(argv=None) -> dict:
    args = common.parse_args(NAME, __doc__, argv, _extra_args)
    out = common.run_dir(args)
    ds = dnnjax.data.load("houses", seed=0, test_fraction=0.25)
    X, mu, sd = dnnjax.data.standardize(ds.train_x)
    Xt, _, _ = dnnjax.data.standardize(ds.test_x, mu, sd)
    Ys, y_mean, y_std = dnnjax.data.standardize(ds.train_y)
    res = {"x64": args.x64, "course_init": args.course_init, "m_train": X.shape[1], "m_test": Xt.shape[1],
           "mean_baseline_test_rmse": float(np.sqrt(np.mean((ds.test_y - y_mean) ** 2))), "models": {}}
    curves, preds = {}, {}
    with common.precision(args.x64) as dtype, common.Timer() as total:
        for i, (label, (dims, scale)) in enumerate(MODELS.items()):
            params0 = common.init(args, dims, scale=scale, dtype=dtype, course_seed=1, key_offset=i)
            params, costs = dnnjax.fit(params0, X, Ys, hidden="relu", output="linear", learning_rate=LR,
                                       num_iterations=args.iterations, log_every=LOG_EVERY)
            costs = np.asarray(costs, np.float64)
            print(f"== {label} ==")
            common.print_costs(costs[::20], LOG_EVERY * 20)
            pred_tr = dnnjax.predict(params, X, hidden="relu", output="linear")
            preds[label] = np.asarray(dnnjax.predict(params, Xt, hidden="relu", output="linear"),
                                      np.float64) * y_std + y_mean
            res["models"][label] = {
                "layer_dims": dims, "final_train_mse_std": float(costs[-1]),
                "train_rmse": rmse(pred_tr, ds.train_y, y_mean, y_std),
                "test_rmse": float(np.sqrt(np.mean((preds[label] - ds.test_y) ** 2)))}
            curves[label] = costs
        dnnjax.plots.cost_curves(out / "mse.png", curves, log_every=LOG_EVERY, logy=True,
                                 ylabel="MSE (standardised price)", title=f"house prices, lr {LR}")
        best = min(res["models"], key=lambda k: res["models"][k]["test_rmse"])
        res["best"] = best
        dnnjax.plots.predicted_vs_true(out / "predicted_vs_true.png", ds.test_y, preds[best],
                                       title=f"test set, {best} (thousands of USD)")
    res["seconds"] = total.seconds
    rows = [[k, r["train_rmse"], r["test_rmse"]] for k, r in res["models"].items()]
    rows.append(["predict the training mean", None, res["mean_baseline_test_rmse"]])
    dt = "float64" if args.x64 else "float32"
    text = common.table(f"house prices: RMSE in thousands of USD ({dt}, {args.iterations} it., {total.seconds:.1f} s)",
                        ["model", "train RMSE", "test RMSE"], rows)
    common.write_results(out, res, [text])
    return res


if __name__ == "__main__":
    common.cli(main)
