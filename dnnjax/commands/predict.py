"""``dnnjax predict``: predictions and accuracy (RMSE for regression) from a saved checkpoint.

The network's hidden/output activations and dtype come from the checkpoint's metadata. With the
data set the checkpoint was trained on (the default), its data seed, train/test split and
feature scaling are reused, so the numbers match the run's metrics.json. Classifiers print
class indices (sigmoid: 0/1; softmax: the argmax) and are scored against the labels as class
indices, overall and (more than two classes) per class.
"""
from __future__ import annotations

from pathlib import Path

import jax.numpy as jnp
import numpy as np

import dnnjax
from dnnjax import data
from dnnjax.commands import common, run_data
from dnnjax.commands.common import CliError

SHOW = 20  # predictions printed per split


def add_parser(sub) -> None:
    p = sub.add_parser("predict", help="predict with a saved checkpoint",
                       description="Predictions and accuracy (RMSE for houses) of a checkpoint on a data set.")
    p.add_argument("--checkpoint", required=True, metavar="CKPT", help="a checkpoint.npz written by dnnjax train")
    p.add_argument("--data", choices=data.NAMES, help="data set (default: the one the checkpoint was trained on)")
    p.add_argument("--data-dir", metavar="DIR", help="folder of the cat/non-cat .h5 files (for --data cat)")
    p.add_argument("--out", metavar="FILE", help="also write every prediction to this CSV (split,index,prediction,label)")
    p.set_defaults(func=run)


def _splits(d):
    yield "train", d.train_x, d.train_y
    if d.test_x is not None:
        yield "test", d.test_x, d.test_y


def run(args) -> int:
    ckpt = common.load_checkpoint(args.checkpoint, "--checkpoint")
    meta = ckpt.metadata
    name = args.data or meta.get("data")
    if name is None:
        raise CliError(f"--data: required, since {args.checkpoint} does not say which data it was trained on")
    same = name == meta.get("data")
    with common.precision(meta["dtype"] == "float64"):
        d = run_data.load_data(name, args.data_dir, seed=meta.get("data_seed") if same else None,
                             test_fraction=meta.get("test_fraction", 0.0) if same else 0.0,
                             split=meta.get("split", "random") if same else "stratified",
                             x_mean=meta.get("x_mean") if same else None, x_std=meta.get("x_std") if same else None)
        dims = list(meta["layer_dims"])
        if d.train_x.shape[0] != dims[0]:
            raise CliError(f"--data {name} has n_x = {d.train_x.shape[0]} features but the checkpoint's network "
                           f"{'-'.join(map(str, dims))} expects {dims[0]}")
        hidden, output = meta["hidden"], meta["output"]
        classify = output in ("sigmoid", "softmax") and d.task != "regression"
        if classify and (dims[-1] if output == "softmax" else 2) != d.classes:
            raise CliError(f"--data {name} has {d.classes} classes but the checkpoint's {output} output "
                           f"{'-'.join(map(str, dims))} tells {dims[-1] if output == 'softmax' else 2} apart")
        params = {k: jnp.asarray(v, meta["dtype"]) for k, v in ckpt.params.items()}
        done = f"{meta['epochs']} epochs" if meta.get("batch_size") else f"{meta.get('iterations', '?')} iterations"
        print(f"model {args.checkpoint}: {'-'.join(map(str, dims))} ({hidden} hidden, {output} output, "
              f"{meta['dtype']}, {done} on {meta.get('data', '?')})")
        rows = []
        for split, X, Y in _splits(d):
            pred = np.asarray(dnnjax.predict(params, X, hidden=hidden, output=output))
            truth = d.labels(Y)[None, :] if classify else Y
            metric, value = common.metric(d.task, pred, truth) if pred.shape == truth.shape else (None, None)
            shown = " ".join(f"{v:g}" for v in pred[0, :SHOW])
            kind = "class indices" if classify else "predictions"
            print(f"{split}: {X.shape[1]} examples, {kind} (first {min(SHOW, X.shape[1])}): {shown}")
            if metric is not None:
                print(f"{split} {metric}: {common.format_metric(metric, value)}")
            if classify and d.classes > 2:
                print(f"{split} accuracy per class: "
                      f"{common.format_per_class(common.per_class_accuracy(pred, truth, d.classes))}")
            rows += [(split, i, *pred[:, i], *truth[:, i]) for i in range(X.shape[1])]
    if args.out:
        n_p, n_y = pred.shape[0], truth.shape[0]
        header = ["split", "index"] + [f"prediction{j}" if n_p > 1 else "prediction" for j in range(n_p)] \
            + [f"label{j}" if n_y > 1 else "label" for j in range(n_y)]
        common.write_csv(Path(args.out), header, rows)
        print(f"wrote {args.out}")
    return 0
