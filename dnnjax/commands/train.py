"""``dnnjax train``: fit a network on a named data set; write metrics, costs, plots, a checkpoint.

Full batch (``--iterations``) or minibatches (``--batch-size B --epochs E``, shuffled each epoch
from ``--shuffle-seed``, default ``--seed``). The cost is printed every ``--log-every`` units
(the course's "Cost after iteration i" / "Cost after epoch i") beside a tqdm bar on stderr (on a
terminal only); with a test split the test cost and metric are taken at the same points.
Checkpoints hold the whole training state (parameters, optimizer state, units done, shuffling
key), so ``--resume CKPT`` continues exactly one longer run. ``--checkpoint-every K`` writes
one every K units; Ctrl-C stops at the next chunk boundary, writes it, prints the command that
resumes and exits 130; a SIGTERM does the same and exits 143 (128 + the signal's number). The
loop itself is :mod:`.train_loop`; metrics and plots :mod:`.report`.
"""
from __future__ import annotations

import inspect
import shlex
import signal
import sys
import time

import jax
import jax.numpy as jnp
import numpy as np
from tqdm import tqdm

import dnnjax
from dnnjax import activations, checkpoint, data
from dnnjax.commands import common, report, run_data, settings, train_loop
from dnnjax.commands.common import CliError
from dnnjax.inputs import METHODS


def add_parser(sub) -> None:
    d = settings.DEFAULTS
    p = sub.add_parser("train", help="train a network on a named data set",
                       description="Train a network (full batch, or minibatches with --batch-size); write metrics.json, "
                                   "costs.csv, plots and checkpoint.npz into the run folder.")
    p.add_argument("--data", choices=data.NAMES, help="data set (required unless --resume)")
    p.add_argument("--data-dir", metavar="DIR", help="folder of the cat/non-cat .h5 files (for --data cat)")
    p.add_argument("--data-seed", type=int, metavar="S", help="generator seed, and the test split's (default: the course's data)")
    p.add_argument("--test-fraction", type=float, metavar="F",
                   help="hold out this fraction of every class for testing (default 0: the course's, train only)")
    p.add_argument("--layers", type=common.layers, metavar="N0,N1,...",
                   help="layer sizes; the first may be 'auto' (n_x of the data), the last 'auto' (the output units "
                        "the data needs) (default auto,4,auto)")
    p.add_argument("--hidden", choices=tuple(activations.HIDDEN), help=f"hidden activation (default {d['hidden']})")
    p.add_argument("--output", choices=activations.OUTPUTS,
                   help="output layer (default: sigmoid for two classes, softmax for more, linear for --data houses)")
    p.add_argument("--lr", type=common.positive_float, help=f"learning rate (default {d['lr']})")
    p.add_argument("--iterations", type=common.positive_int,
                   help=f"full-batch iterations of this run (default {settings.DEFAULT_ITERATIONS})")
    p.add_argument("--batch-size", type=common.positive_int, metavar="B",
                   help="train on minibatches of B columns (course 2); the run then counts --epochs")
    p.add_argument("--epochs", type=common.positive_int, metavar="E",
                   help=f"passes over the data of this minibatch run (default {settings.DEFAULT_EPOCHS}; needs --batch-size)")
    p.add_argument("--shuffle-seed", type=int, metavar="S", help="seed of the per-epoch shuffling (default --seed)")
    p.add_argument("--log-every", type=common.positive_int, metavar="K",
                   help="print/record the cost every K iterations (default 100) or epochs (default 1)")
    p.add_argument("--checkpoint-every", type=common.positive_int, metavar="K",
                   help="also write checkpoint.npz every K iterations (epochs) during training")
    p.add_argument("--optimizer", choices=tuple(common.OPTIMIZERS), help="gd is the course's update (default gd)")
    p.add_argument("--init", type=common.init_scale, help="0.01 (default), another float, sqrt_n, he, xavier or zeros")
    p.add_argument("--seed", type=int, help=f"PRNG seed of the initial parameters (default {d['seed']})")
    p.add_argument("--x64", action="store_true", help="train in float64")
    p.add_argument("--method", choices=METHODS, help="gradients by jax.grad (autodiff, default) or hand-written backprop")
    p.add_argument("--out", metavar="DIR", help="run folder (default runs/train-<data>-<timestamp>)")
    p.add_argument("--resume", metavar="CKPT", help="continue from a checkpoint written by dnnjax train")
    p.add_argument("--reset-optimizer", action="store_true",
                   help="with --resume: start the optimizer's state afresh (e.g. to switch --optimizer)")
    p.add_argument("--devices", type=common.positive_int, metavar="N", help="data-parallel over N devices")
    p.add_argument("--no-progress", action="store_true",
                   help="no progress bar (shown only on a terminal anyway; the cost lines stay)")
    p.add_argument("--no-plots", action="store_true", help="write no figures (metrics, costs and checkpoint only)")
    p.set_defaults(func=run)


class _Bar:
    """The tqdm bar on stderr (a terminal only) and the course's cost lines on stdout."""

    def __init__(self, unit: str, start: int, end: int, show: bool):
        self.unit = unit
        # disable=None: a bar only on a terminal, never in logs or pipes
        self.bar = tqdm(total=end, initial=start, desc="training", unit=unit[:2], disable=None if show else True,
                        file=sys.stderr, dynamic_ncols=True)

    def log(self, count: int, cost: float, test) -> None:
        line = f"Cost after {self.unit} {count}: {cost:.6f}"
        tqdm.write(line if test is None else f"{line} (test cost {test[0]:.6f})", file=sys.stdout)
        sys.stdout.flush()  # a log file or pipe sees each line as it comes
        self.bar.set_postfix(cost=f"{cost:.4f}", refresh=False)

    def moved(self, done: int) -> None:
        self.bar.update(done - self.bar.n)


def _fit_kwargs(devices):
    if devices is None:
        return {}
    if "devices" not in inspect.signature(dnnjax.fit).parameters:
        raise CliError("--devices: this version of dnnjax.fit does not accept devices= (data-parallel "
                       "training is not available yet); run without --devices")
    return {"devices": devices}


def run(args) -> int:
    ckpt = common.load_checkpoint(args.resume, "--resume", common.RESUME_KEYS) if args.resume else None
    s = settings.resolve(args, ckpt.metadata if ckpt else None)
    extra = _fit_kwargs(args.devices)
    with common.precision(s.x64):
        return _train(args, s, ckpt, extra)


def _architecture(s, d):
    output = s.output or {"regression": "linear", "multiclass": "softmax"}.get(d.task, "sigmoid")
    run_data.check_output(d, output)
    n_x, n_out = d.train_x.shape[0], run_data.output_units(d, output)
    dims = [n_x if n == "auto" and i == 0 else n_out if n == "auto" else n for i, n in enumerate(s.layers)]
    if dims[0] != n_x:
        raise CliError(f"--layers: the first entry is {dims[0]} but the {s.data} data has n_x = {n_x} "
                       f"features; use {n_x} or 'auto'")
    if dims[-1] != n_out:
        need = f"{output} over its {d.classes} classes needs {n_out}" if output == "softmax" else \
            f"{'--output ' + output + ' needs' if d.task != 'regression' else 'it has'} {n_out} output row(s)"
        raise CliError(f"--layers: the last entry is {dims[-1]} but the {s.data} data with {need}; "
                       f"use {n_out} or 'auto'")
    return output, dims


def _initial_state(args, s, ckpt, dims, optimizer, dtype):
    meta = ckpt.metadata if ckpt else {}
    if not ckpt:
        params = dnnjax.init_params(jax.random.key(s.seed), dims, scale=s.init, dtype=dtype)
        return train_loop.RunState(params, None, 0, train_loop.History())
    params = {k: jnp.asarray(v, dtype) for k, v in ckpt.params.items()}
    opt_state = None
    if optimizer is not None and ckpt.opt_leaves is not None and not s.reset_optimizer:
        opt_state = checkpoint.restore_opt_state(ckpt, optimizer.init(params), f"--resume {args.resume}")
    elif optimizer is not None and not s.reset_optimizer:
        common.warn(f"--optimizer {s.optimizer}: {args.resume} predates checkpoints with optimizer state, so "
                    f"{s.optimizer}'s state restarts from zero and this is not identical to one longer run")
    n = len(meta["costs"])
    counts = list(meta["cost_epochs" if s.batch_size else "cost_iterations"])
    history = train_loop.History(counts, list(meta["costs"]), list(meta.get("test_costs") or [None] * n),
                                 list(meta.get("test_metrics") or [None] * n))
    return train_loop.RunState(params, opt_state, int(meta["epochs" if s.batch_size else "iterations"]), history)


def _shuffle_key(s, ckpt):
    if not s.batch_size:
        return None
    stored = ckpt.metadata.get("shuffle_key") if ckpt else None
    if stored is None:
        return jax.random.key(s.shuffle_seed)
    return jax.random.wrap_key_data(jnp.asarray(np.asarray(stored["data"], np.uint32)), impl=stored["impl"])


def _train(args, s: settings.Settings, ckpt, extra) -> int:
    meta = ckpt.metadata if ckpt else {}
    d = run_data.load_data(s.data, args.data_dir, seed=s.data_seed, test_fraction=s.test_fraction, split=s.split,
                         x_mean=meta.get("x_mean"), x_std=meta.get("x_std"))
    output, dims = _architecture(s, d)
    if s.batch_size and s.batch_size > d.train_x.shape[1]:
        raise CliError(f"--batch-size {s.batch_size}: the {s.data} training set has {d.train_x.shape[1]} examples; "
                       f"use at most {d.train_x.shape[1]} (that many is full-batch epochs)")
    dtype = jnp.float64 if s.x64 else jnp.float32
    optimizer = common.make_optimizer(s.optimizer, s.lr)
    state = _initial_state(args, s, ckpt, dims, optimizer, dtype)
    key = _shuffle_key(s, ckpt)
    start, end, unit = state.done, state.done + s.steps, s.unit
    folder = common.run_dir(args.out, f"train-{s.data}")
    path = folder / "checkpoint.npz"
    n_test = 0 if d.test_x is None else d.test_x.shape[1]
    schedule = f"minibatches of {s.batch_size}, " if s.batch_size else ""
    print(f"training {'-'.join(map(str, dims))} ({s.hidden} hidden, {output} output, {common.dtype_name(s.x64)}) "
          f"on {s.data}: {d.train_x.shape[1]} train / {n_test} test examples; {s.optimizer} lr={s.lr:g}, "
          f"{schedule}{unit}s {start}..{end}" + (f" (resumed from {args.resume})" if ckpt else ""))

    score = report.Scorer(d, s.hidden, output)
    config = {"layer_dims": dims, "hidden": s.hidden, "output": output, "dtype": common.dtype_name(s.x64),
              "data": s.data, "data_seed": s.data_seed, "test_fraction": s.test_fraction, "split": s.split,
              "seed": s.seed, "init": s.init, "lr": s.lr, "optimizer": s.optimizer, "log_every": s.log_every,
              "method": s.method, "batch_size": s.batch_size, "shuffle_seed": s.shuffle_seed,
              "checkpoint_every": s.checkpoint_every, "x_mean": d.x_mean, "x_std": d.x_std}
    if key is not None:
        config["shuffle_key"] = {"impl": str(jax.random.key_impl(key)),
                                 "data": np.asarray(jax.random.key_data(key)).tolist()}

    def save(st):
        h = st.history
        checkpoint.save(path, st.params, dict(config, **{f"{unit}s": st.done, f"cost_{unit}s": h.counts},
                                               costs=h.costs, test_costs=h.test_costs, test_metrics=h.test_metrics),
                        opt_state=st.opt_state)

    fit_kwargs = dict(hidden=s.hidden, output=output, learning_rate=s.lr, optimizer=optimizer, method=s.method,
                      **extra, **(dict(batch_size=s.batch_size, key=key) if s.batch_size else {}))
    bar = _Bar(unit, start, end, show=not args.no_progress)
    t0 = time.perf_counter()
    try:
        with train_loop.StopRequest() as stop:
            interrupted = train_loop.train(
                state, d.train_x, d.targets(d.train_y, output), end=end, fit_kwargs=fit_kwargs,
                minibatch=bool(s.batch_size), log_every=s.log_every, checkpoint_every=s.checkpoint_every,
                stop=stop, measure=score.test if d.test_x is not None else None, on_log=bar.log,
                on_chunk=bar.moved, save=save)
            seconds = time.perf_counter() - t0
            save(state)
    except BaseException:
        bar.bar.leave = False  # clear the bar: the error line stands alone
        raise
    finally:
        bar.bar.close()

    header, rows, history = report.history_table(state.history, unit, score.name, d.test_x is not None)
    common.write_csv(folder / "costs.csv", header, rows)
    run_info = {"task": d.task, "unit": unit, f"{unit}s": state.done, f"run_{unit}s": state.done - start,
                "time_s": seconds, "resumed_from": str(args.resume) if ckpt else None, "devices": args.devices,
                "interrupted": interrupted}
    if interrupted:
        common.write_json(folder / "metrics.json", dict(config, **run_info, history=history))
        how = "interrupted" if stop.signum == signal.SIGINT else f"stopped by {signal.Signals(stop.signum).name}"
        print(f"dnnjax: {how} at {unit} {state.done} of {end}; saved {path}; resume with: "
              f"{_resume_command(args, path, end - state.done, unit)}", file=sys.stderr)
        return 128 + stop.signum
    m = report.final_metrics(score, state.params)
    plots = [] if args.no_plots else report.draw(folder, state.params, score, s, dims, state.history, unit)
    common.write_json(folder / "metrics.json", dict(config, **run_info, **m, history=history, plots=plots))

    name = m["metric"]
    print(f"train {name}: {common.format_metric(name, m['train'])}")
    hint = "" if d.test_x is not None or s.data == "cat" else " (no held-out split; use --test-fraction)"
    print(f"test {name}: {common.format_metric(name, m['test'])}{hint}")
    if d.task == "multiclass":
        for split in ("train", "test"):
            if m["per_class"][split] is not None:
                print(f"{split} accuracy per class: {common.format_per_class(m['per_class'][split])}")
    print(f"final cost: {m['final_cost']:.6f} after {state.done} {unit}s ({seconds:.2f} s)")
    print(f"wrote {folder}")
    return 0


def _resume_command(args, path, remaining: int, unit: str) -> str:
    words = ["dnnjax", "train", "--resume", str(path), f"--{unit}s", str(remaining), "--out", str(path.parent)]
    for flag, value in (("--data-dir", args.data_dir), ("--devices", args.devices)):
        if value is not None:
            words += [flag, str(value)]
    words += [flag for flag, on in (("--no-progress", args.no_progress), ("--no-plots", args.no_plots)) if on]
    return shlex.join(words)
