"""``dnnjax train``: fit a network on a named data set; write metrics, costs, plots, a checkpoint.

The cost is printed every ``--log-every`` iterations (the course's convention: the cost before
that iteration's update) beside a tqdm bar on stderr (on a terminal only), through :func:`dnnjax.fit`'s ``progress`` callback.
``--resume CKPT`` continues from a checkpoint's parameters and iteration count and appends to
its cost history: for ``gd`` (and ``sgd``) that is exactly one longer run; optimizers with state
(adam, momentum, ...) restart their state, which checkpoints do not hold.
"""
from __future__ import annotations

import inspect
import sys
import time

import jax
import jax.numpy as jnp
import numpy as np
from tqdm import tqdm

import dnnjax
from dnnjax import activations, checkpoint, data, plots
from dnnjax.commands import common, settings
from dnnjax.commands.common import CliError
from dnnjax.inputs import METHODS


def add_parser(sub) -> None:
    d = settings.DEFAULTS
    p = sub.add_parser("train", help="train a network on a named data set",
                       description="Train a network full-batch; write metrics.json, costs.csv, plots and "
                                   "checkpoint.npz into the run folder.")
    p.add_argument("--data", choices=data.NAMES, help="data set (required unless --resume)")
    p.add_argument("--data-dir", metavar="DIR", help="folder of the cat/non-cat .h5 files (for --data cat)")
    p.add_argument("--data-seed", type=int, metavar="S", help="generator seed (default: the course's data)")
    p.add_argument("--test-fraction", type=float, metavar="F",
                   help="hold out this fraction of a generated set for testing (default 0: the course's, train only)")
    p.add_argument("--layers", type=common.layers, metavar="N0,N1,...",
                   help="layer sizes; the first may be 'auto' (n_x of the data) (default auto,4,1)")
    p.add_argument("--hidden", choices=tuple(activations.HIDDEN), help=f"hidden activation (default {d['hidden']})")
    p.add_argument("--output", choices=activations.OUTPUTS,
                   help="output layer (default sigmoid, linear for --data houses)")
    p.add_argument("--lr", type=common.positive_float, help=f"learning rate (default {d['lr']})")
    p.add_argument("--iterations", type=common.positive_int, default=10000, help="iterations of this run (default 10000)")
    p.add_argument("--log-every", type=common.positive_int, metavar="K", help=f"print/record the cost every K (default {d['log_every']})")
    p.add_argument("--optimizer", choices=tuple(common.OPTIMIZERS), help="gd is the course's update (default gd)")
    p.add_argument("--init", type=common.init_scale, help="0.01 (default), another float, sqrt_n, he, xavier or zeros")
    p.add_argument("--seed", type=int, help=f"PRNG seed of the initial parameters (default {d['seed']})")
    p.add_argument("--x64", action="store_true", help="train in float64")
    p.add_argument("--method", choices=METHODS, help="gradients by jax.grad (autodiff, default) or hand-written backprop")
    p.add_argument("--out", metavar="DIR", help="run folder (default runs/train-<data>-<timestamp>)")
    p.add_argument("--resume", metavar="CKPT", help="continue from a checkpoint written by dnnjax train")
    p.add_argument("--devices", type=common.positive_int, metavar="N", help="data-parallel over N devices")
    p.add_argument("--no-progress", action="store_true",
                   help="no progress bar (shown only on a terminal anyway; the cost lines stay)")
    p.set_defaults(func=run)


class _Progress:
    """``fit``'s ``progress(iteration, cost)``: a course-style cost line and a tqdm bar."""

    def __init__(self, start: int, total: int, log_every: int, show_bar: bool):
        self.start, self.end, self.log_every = start, start + total, log_every
        # disable=None: a bar only on a terminal, never in logs or pipes
        self.bar = tqdm(total=self.end, initial=start, desc="training", unit="it", disable=None if show_bar else True,
                        file=sys.stderr, dynamic_ncols=True)

    def __call__(self, iteration: int, cost: float) -> None:
        it = self.start + iteration
        tqdm.write(f"Cost after iteration {it}: {cost:.6f}", file=sys.stdout)
        self.bar.set_postfix(cost=f"{cost:.4f}", refresh=False)
        self.bar.update(min(it + self.log_every, self.end) - self.bar.n)


def _fit_kwargs(devices):
    if devices is None:
        return {}
    if "devices" not in inspect.signature(dnnjax.fit).parameters:
        raise CliError("--devices: this version of dnnjax.fit does not accept devices= (data-parallel "
                       "training is not available yet); run without --devices")
    return {"devices": devices}


def run(args) -> int:
    ckpt = common.load_checkpoint(args.resume, "--resume", common.RESUME_KEYS) if args.resume else None
    s = settings.resolve(args, ckpt[1] if ckpt else None)
    extra = _fit_kwargs(args.devices)
    with common.precision(s.x64):
        return _train(args, s, ckpt, extra)


def _train(args, s: settings.Settings, ckpt, extra) -> int:
    meta = ckpt[1] if ckpt else {}
    d = common.load_data(s.data, args.data_dir, seed=s.data_seed, test_fraction=s.test_fraction,
                         x_mean=meta.get("x_mean"), x_std=meta.get("x_std"))
    n_x, n_y = d.train_x.shape[0], d.train_y.shape[0]
    dims = [n_x if n == "auto" else n for n in s.layers]
    if dims[0] != n_x:
        raise CliError(f"--layers: the first entry is {dims[0]} but the {s.data} data has n_x = {n_x} "
                       f"features; use {n_x} or 'auto'")
    if dims[-1] != n_y:
        raise CliError(f"--layers: the last entry is {dims[-1]} but the {s.data} data has {n_y} output row(s)")
    output = s.output or ("linear" if d.task == "regression" else "sigmoid")
    dtype = jnp.float64 if s.x64 else jnp.float32
    if ckpt:
        params = {k: jnp.asarray(v, dtype) for k, v in ckpt[0].items()}
        start, costs, cost_its = int(meta["iterations"]), list(meta["costs"]), list(meta["cost_iterations"])
        if s.optimizer not in common.STATELESS:
            common.warn(f"--optimizer {s.optimizer}: its state is not in checkpoints and restarts from zero, "
                        "so this is not identical to one longer run (gd and sgd are)")
    else:
        params = dnnjax.init_params(jax.random.key(s.seed), dims, scale=s.init, dtype=dtype)
        start, costs, cost_its = 0, [], []
    folder = common.run_dir(args.out, f"train-{s.data}")
    n_test = 0 if d.test_x is None else d.test_x.shape[1]
    print(f"training {'-'.join(map(str, dims))} ({s.hidden} hidden, {output} output, {common.dtype_name(s.x64)}) "
          f"on {s.data}: {d.train_x.shape[1]} train / {n_test} test examples; {s.optimizer} lr={s.lr:g}, "
          f"iterations {start}..{start + args.iterations}" + (f" (resumed from {args.resume})" if ckpt else ""))

    progress = _Progress(start, args.iterations, s.log_every, show_bar=not args.no_progress)
    t0 = time.perf_counter()
    try:
        params, new_costs = dnnjax.fit(
            params, d.train_x, d.train_y, hidden=s.hidden, output=output, learning_rate=s.lr,
            num_iterations=args.iterations, optimizer=common.make_optimizer(s.optimizer, s.lr),
            method=s.method, log_every=s.log_every, progress=progress, **extra)
        jax.block_until_ready(params)
    except BaseException:
        progress.bar.leave = False  # clear the bar: the error line stands alone
        raise
    finally:
        progress.bar.close()
    seconds = time.perf_counter() - t0
    costs += [float(c) for c in np.asarray(new_costs)]
    cost_its += [start + k * s.log_every for k in range(len(new_costs))]
    total = start + args.iterations

    final_cost = float(dnnjax.cost(params, d.train_x, d.train_y, hidden=s.hidden, output=output))
    name, train_value = common.metric(d.task, dnnjax.predict(params, d.train_x, hidden=s.hidden, output=output), d.train_y)
    test_value = None
    if d.test_x is not None:
        test_value = common.metric(d.task, dnnjax.predict(params, d.test_x, hidden=s.hidden, output=output), d.test_y)[1]

    config = {"layer_dims": dims, "hidden": s.hidden, "output": output, "dtype": common.dtype_name(s.x64),
              "data": s.data, "data_seed": s.data_seed, "test_fraction": s.test_fraction, "seed": s.seed,
              "init": s.init, "lr": s.lr, "optimizer": s.optimizer, "log_every": s.log_every, "method": s.method,
              "x_mean": d.x_mean, "x_std": d.x_std}
    checkpoint.save(folder / "checkpoint.npz", params,
                    dict(config, iterations=total, costs=costs, cost_iterations=cost_its))
    metrics = dict(config, task=d.task, metric=name, train=train_value, test=test_value, final_cost=final_cost,
                   iterations=total, run_iterations=args.iterations, time_s=seconds,
                   resumed_from=str(args.resume) if ckpt else None, devices=args.devices)
    common.write_json(folder / "metrics.json", metrics)
    common.write_csv(folder / "costs.csv", ["iteration", "cost"], zip(cost_its, costs))
    _plots(folder, params, d, s, dims, output, costs, cost_its)

    print(f"train {name}: {common.format_metric(name, train_value)}")
    hint = "" if d.test_x is not None or s.data == "cat" else " (no held-out split; use --test-fraction)"
    print(f"test {name}: {common.format_metric(name, test_value)}{hint}")
    print(f"final cost: {final_cost:.6f} after {total} iterations ({seconds:.2f} s)")
    print(f"wrote {folder}")
    return 0


def _plots(folder, params, d, s, dims, output, costs, cost_its) -> None:
    p = common.Plots(folder)
    uniform = cost_its and all(it == k * s.log_every for k, it in enumerate(cost_its))
    title = f"{s.data}: cost every {s.log_every} iterations"
    if uniform:
        p.draw("costs.png", plots.cost_curves, {"train cost": costs}, log_every=s.log_every, title=title)
    else:  # a resumed run with another --log-every: plot the points as a plain sequence
        p.draw("costs.png", plots.cost_curves, {"train cost": costs}, log_every=1,
               title=f"{s.data}: recorded costs (iterations {cost_its[0]}..{cost_its[-1]}, uneven steps)")
    if d.task == "binary" and d.train_x.shape[0] == 2:
        predict_fn = lambda G: dnnjax.predict(params, G, hidden=s.hidden, output=output)  # noqa: E731
        p.draw("decision_boundary.png", plots.decision_boundary, predict_fn, d.train_x, d.train_y,
               title=f"{s.data}: {'-'.join(map(str, dims))} {s.hidden} network")
    if d.task == "regression":
        X, Y = (d.test_x, d.test_y) if d.test_x is not None else (d.train_x, d.train_y)
        p.draw("predicted_vs_true.png", plots.predicted_vs_true, Y,
               dnnjax.predict(params, X, hidden=s.hidden, output=output), title=f"{s.data}: predicted vs true")
