"""``dnnjax demo``: the course's planar story end to end, no downloads.

On the generated planar flower (X (2, 400), Y (1, 400)) it trains three models full-batch:

- logistic regression, ``layer_dims [2, 1]``, zero init, gradient descent (lr 0.5, 2000 it.);
  the course's baseline (scikit-learn's LogisticRegression) gets 47 %;
- the course's one-hidden-layer network, 2-4-1 tanh, from the course's own initial parameters
  (``np.random.seed(2)``, ``randn * 0.01``), lr 1.2, 10000 it.; the course gets 90.75 %;
- a deep network, 2-20-7-5-1 ReLU, He init (``--seed``), adam lr 0.01, 5000 it.

then checks the deep network's hand-written gradients (at its He-initialised parameters, where
gradients are large enough for a sharp finite-difference test) against ``jax.grad`` and central
finite differences in float64 (:func:`dnnjax.check_grads`), prints a comparison table and writes a run
folder: ``decision_boundary_<model>.png``, ``costs.png``, ``grad_check.png``, ``metrics.json``,
``costs.csv``. ``--quick`` cuts the iterations tenfold (for tests), not the course's settings.
The figures are drawn by a helper process (:mod:`dnnjax.plots.background`) while the models
train: each model's cost, accuracy and boundary-grid predictions come from one compiled program.
Exit code 0, or 1 if the gradient check fails.
"""
from __future__ import annotations

import functools
import time
from dataclasses import dataclass

import jax
import jax.numpy as jnp
import numpy as np
import optax

import dnnjax
from dnnjax import data, losses, network, plots
from dnnjax.plots import background
from dnnjax.commands import common
from dnnjax.inputs import as_jax

LOG_EVERY = 100


@dataclass(frozen=True)
class Model:
    key: str
    name: str
    layers: tuple
    hidden: str
    optimizer: str
    lr: float
    iterations: int
    course: str


MODELS = (
    Model("logistic", "logistic regression", (2, 1), "relu", "gd", 0.5, 2000, "47 % (sklearn LR)"),
    Model("tanh4", "1 hidden layer, 4 tanh", (2, 4, 1), "tanh", "gd", 1.2, 10000, "90.75 %"),
    Model("deep", "deep ReLU (adam)", (2, 20, 7, 5, 1), "relu", "adam", 0.01, 5000, "-"),
)


def add_parser(sub) -> None:
    p = sub.add_parser("demo", help="train the course's planar models and compare them (no downloads)",
                       description="Logistic regression, the course's 4-unit tanh network and a deep ReLU network "
                                   "on the planar flower, a float64 gradient check, plots and metrics.")
    p.add_argument("--out", metavar="DIR", help="run folder (default runs/demo-<timestamp>)")
    p.add_argument("--x64", action="store_true", help="train in float64 (the gradient check always is)")
    p.add_argument("--seed", type=int, default=3, help="PRNG seed of the deep network's He init (default 3)")
    p.add_argument("--quick", action="store_true", help="a tenth of the iterations, coarse plots (for tests)")
    p.set_defaults(func=run)


def initial_params(model: Model, seed: int, dtype) -> dict:
    """The starting point of each model (see the module docstring)."""
    if model.key == "logistic":
        return dnnjax.init_params(jax.random.key(0), model.layers, scale="zeros", dtype=dtype)
    if model.key == "tanh4":  # the course's planar_utils: np.random.seed(2); randn(4, 2) * 0.01; randn(1, 4) * 0.01
        rng = np.random.RandomState(2)
        W1, W2 = rng.randn(4, 2) * 0.01, rng.randn(1, 4) * 0.01
        return {k: as_jax(v, dtype) for k, v in  # rounded by NumPy: no compiled conversion per shape
                {"W1": W1, "b1": np.zeros((4, 1)), "W2": W2, "b2": np.zeros((1, 1))}.items()}
    return dnnjax.init_params(jax.random.key(seed), model.layers, scale="he", dtype=dtype)


def train_one(model: Model, X, Y, grid, seed: int, dtype, quick: bool) -> dict:
    """Train ``model`` on X (2, m), Y (1, m); return its params, costs and numbers, and its
    predictions on the decision-boundary ``grid`` (2, k)."""
    iterations = model.iterations // 10 if quick else model.iterations
    optimizer = optax.adam(model.lr) if model.optimizer == "adam" else None
    t0 = time.perf_counter()
    params, costs = dnnjax.fit(initial_params(model, seed, dtype), X, Y, hidden=model.hidden,
                               learning_rate=model.lr, num_iterations=iterations, optimizer=optimizer,
                               log_every=LOG_EVERY)
    jax.block_until_ready(params)
    seconds = time.perf_counter() - t0
    cost, pred, grid_pred = evaluate(params, as_jax(X, dtype), as_jax(Y, dtype), as_jax(grid, dtype), model.hidden)
    return {"params": params, "costs": [float(c) for c in np.asarray(costs)], "iterations": iterations,
            "train_accuracy": common.metric("binary", pred, Y)[1], "time_s": seconds,
            "final_cost": float(cost), "grid_predictions": np.asarray(grid_pred)}


@functools.partial(jax.jit, static_argnames="hidden")
def evaluate(params, X, Y, grid, hidden: str):
    """``(cost, predictions (1, m), grid predictions (1, k))`` of a trained model in one program
    (what ``dnnjax.cost``, ``dnnjax.predict`` on X and on the grid compute, one program each)."""
    Z = network.logits(params, X, hidden)
    grid_pred = network.predictions_from_logits(network.logits(params, grid, hidden), "sigmoid")
    return losses.loss_from_logits(Z, Y, "sigmoid"), network.predictions_from_logits(Z, "sigmoid"), grid_pred


def gradient_check(model: Model, params, X, Y):
    """:func:`dnnjax.check_grads` of ``params`` in float64 on the whole data set."""
    with jax.enable_x64(True):
        p64 = {k: np.asarray(v, np.float64) for k, v in params.items()}  # exact: float32 values are float64 ones
        return dnnjax.check_grads(p64, np.asarray(X, np.float64), np.asarray(Y, np.float64), hidden=model.hidden)


def table(models, results) -> str:
    head = f"{'model':<24}{'layers':<13}{'train acc':>10}{'final cost':>12}{'iters':>7}{'time (s)':>10}  course"
    lines = [head, "-" * len(head)]
    for m in models:
        r = results[m.key]
        lines.append(f"{m.name:<24}{'-'.join(map(str, m.layers)):<13}{r['train_accuracy']:>8.2f} %"
                     f"{r['final_cost']:>12.6f}{r['iterations']:>7}{r['time_s']:>10.2f}  {m.course}")
    lines.append("time: wall seconds of dnnjax.fit, compilation included; course: the course's published accuracy")
    return "\n".join(lines)


def run(args) -> int:
    t_start = time.perf_counter()
    folder = common.run_dir(args.out, "demo")
    X, Y = data.planar_flower()
    dtype_name = common.dtype_name(args.x64)
    print(f"planar flower: X {X.shape}, Y {Y.shape}; training 3 models in {dtype_name}"
          + (" (--quick: a tenth of the iterations)" if args.quick else ""))
    with common.precision(args.x64), background.Drawer(folder) as drawer:  # plots: another process
        dtype = jnp.float64 if args.x64 else jnp.float32
        grid = plots.boundary_grid(X, resolution=resolution(args))
        results = {}
        for m in MODELS:
            r = results[m.key] = train_one(m, X, Y, grid, args.seed, dtype, args.quick)
            drawer.boundary(f"decision_boundary_{m.key}.png", r["grid_predictions"], X, Y,
                            title=f"{m.name} ({r['train_accuracy']:.2f} %)", resolution=resolution(args))
        drawer.draw("costs.png", "cost_curves", {m.name: results[m.key]["costs"] for m in MODELS},
                    log_every=LOG_EVERY, title="planar flower: training cost")
        deep = MODELS[-1]
        report = gradient_check(deep, initial_params(deep, args.seed, dtype), X, Y)
        drawer.draw("grad_check.png", "grad_comparison", report.per_param,
                    title="deep network: manual vs autodiff vs finite differences (float64)")
        print(table(MODELS, results))
        print(f"\n{deep.name} {'-'.join(map(str, deep.layers))}, He-initialised parameters, all {X.shape[1]} examples:")
        print(report)
        _write(folder, args, results, report, dtype_name, drawer.close())
    total = time.perf_counter() - t_start
    print(f"\ntotal {total:.1f} s; wrote {folder}")
    return 0 if report.ok else 1


def resolution(args) -> int:
    """Grid points per axis of the decision-boundary plots."""
    return 60 if args.quick else 300


def _write(folder, args, results, report, dtype_name, plot_files) -> None:
    models = [{"key": m.key, "name": m.name, "layer_dims": list(m.layers), "hidden": m.hidden, "optimizer": m.optimizer,
               "lr": m.lr, "course": m.course, **{k: v for k, v in results[m.key].items() if k not in ("params", "grid_predictions")}}
              for m in MODELS]
    common.write_json(folder / "metrics.json", {
        "data": "flower", "dtype": dtype_name, "quick": args.quick, "seed": args.seed, "models": models,
        "gradcheck": {"model": MODELS[-1].key, "ok": report.ok, "dtype": report.dtype, "eps": report.eps,
                      "overall": report.overall, "per_param": report.per_param}, "plots": plot_files})
    common.write_csv(folder / "costs.csv", ["model", "iteration", "cost"],
                     [(m.key, k * LOG_EVERY, c) for m in MODELS for k, c in enumerate(results[m.key]["costs"])])
