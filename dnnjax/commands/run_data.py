"""The data set of a ``dnnjax train`` / ``predict`` run: loaded, split, scaled, and matched to an
output layer (one-hot targets for softmax, class indices for scoring).

Data follow the course's layout (``X`` is ``(n_x, m)``, ``Y`` is ``(n_y, m)``).
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from dnnjax import data
from dnnjax.commands.common import CliError


@dataclass
class Data:
    """A loaded data set, features standardised for regression (``x_mean``/``x_std`` (n_x, 1)).

    ``train_y``/``test_y`` are as the data set gives them (binary ``(1, m)`` 0/1, multi-class
    one-hot ``(C, m)``, regression targets); :meth:`targets` gives them in the form an output
    layer trains on and :meth:`labels` as class indices ``(m,)``.
    """

    name: str
    train_x: np.ndarray
    train_y: np.ndarray
    test_x: np.ndarray | None
    test_y: np.ndarray | None
    task: str
    classes: int | None = None
    x_mean: list | None = None
    x_std: list | None = None

    def labels(self, Y) -> np.ndarray:
        return data.labels_of(Y, self.task).astype(np.int64)

    def targets(self, Y, output: str):
        """``Y`` for ``output``: one-hot ``(C, m)`` for softmax, else as stored."""
        if output == "softmax" and self.task == "binary":
            return data.one_hot(Y, 2)
        return Y


def check_output(d: Data, output: str) -> None:
    """A CliError when the output layer cannot learn the data's labels."""
    if d.task == "regression" and output != "linear":
        raise CliError(f"--output {output}: {d.name} is a regression set (real-valued targets); use --output linear")
    if d.task == "multiclass" and output != "softmax":
        raise CliError(f"--output {output}: {d.name} has {d.classes} classes; {output} is not a {d.classes}-class "
                       f"output, use --output softmax (with {d.classes} output units)")


def output_units(d: Data, output: str) -> int:
    return d.classes if output == "softmax" else d.train_y.shape[0]


def load_data(name, data_dir=None, *, seed=None, test_fraction=0.0, split="stratified", x_mean=None,
              x_std=None) -> Data:
    """:func:`dnnjax.data.load`, then (houses) standardise with the training set's scaling or
    the given ``x_mean``/``x_std`` (a checkpoint's)."""
    ds = data.load(name, data_dir, seed, test_fraction=test_fraction, split=split)
    out = Data(name, ds.train_x, ds.train_y, ds.test_x, ds.test_y, ds.task, ds.classes)
    if ds.task == "regression":
        given = x_mean is not None
        mean, std = (np.asarray(x_mean, np.float64), np.asarray(x_std, np.float64)) if given else (None, None)
        out.train_x, mean, std = data.standardize(ds.train_x, mean, std)
        if ds.test_x is not None:
            out.test_x = data.standardize(ds.test_x, mean, std)[0]
        out.x_mean, out.x_std = mean.tolist(), std.tolist()
    return out
