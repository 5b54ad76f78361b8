"""Helpers shared by the ``dnnjax`` subcommands: flag types, optimizers, data, metrics, outputs.

Nothing here trains; it turns flags into library arguments and results into files. Data follow
the course's layout (``X`` is ``(n_x, m)``, ``Y`` is ``(n_y, m)``).
"""
from __future__ import annotations

import argparse
import contextlib
import csv
import importlib
import json
import math
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import jax
import numpy as np
import optax

from dnnjax import data
from dnnjax.errors import InvalidValueError
from dnnjax.init import SCALES


class CliError(InvalidValueError):
    """A flag combination the command cannot honour (printed as one ``dnnjax: error:`` line)."""


# ----------------------------------------------------------------------------- flag types
def positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a positive integer, got {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"expected a positive integer, got {value}")
    return value


def positive_float(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a positive number, got {text!r}") from None
    if not (math.isfinite(value) and value > 0):
        raise argparse.ArgumentTypeError(f"expected a finite number > 0, got {text!r}")
    return value


def layers(text: str, *, allow_auto: bool = True) -> list:
    """``"2,4,1"`` -> ``[2, 4, 1]``; ``"auto,4,1"`` -> ``["auto", 4, 1]`` (n_x from the data)."""
    parts = [p.strip() for p in text.split(",")]
    if len(parts) < 2:
        raise argparse.ArgumentTypeError(f"expected at least two comma-separated sizes like 2,4,1, got {text!r}")
    out: list = []
    for i, p in enumerate(parts):
        if i == 0 and allow_auto and p == "auto":
            out.append("auto")
            continue
        if not p.isdigit() or int(p) < 1:
            first = " (or 'auto' first)" if allow_auto and i == 0 else ""
            raise argparse.ArgumentTypeError(f"entry {i} must be a positive integer{first}, got {p!r} in {text!r}")
        out.append(int(p))
    return out


def fixed_layers(text: str) -> list:
    return layers(text, allow_auto=False)


def init_scale(text: str):
    """``--init``: one of the named schemes, or a positive float ``s`` (W = normal * s)."""
    if text in SCALES:
        return text
    try:
        value = float(text)
    except ValueError:
        value = float("nan")
    if not (math.isfinite(value) and value > 0):
        raise argparse.ArgumentTypeError(f"expected a positive float or one of {', '.join(SCALES)}, got {text!r}")
    return value


# ----------------------------------------------------------------------------- optimizers, dtype
OPTIMIZERS = {  # name -> factory(lr); None is the course's update W := W - lr * dW
    "gd": None,
    "sgd": lambda lr: optax.sgd(lr),  # full batch: the same step as gd, through optax
    "momentum": lambda lr: optax.sgd(lr, momentum=0.9),
    "nesterov": lambda lr: optax.sgd(lr, momentum=0.9, nesterov=True),
    "adam": lambda lr: optax.adam(lr),
    "rmsprop": lambda lr: optax.rmsprop(lr),
    "adagrad": lambda lr: optax.adagrad(lr),
}
STATELESS = ("gd", "sgd")  # resuming these continues exactly; the others restart their state


def make_optimizer(name: str, lr: float):
    """The optax transformation for ``name`` (built once per run), or None for ``gd``."""
    factory = OPTIMIZERS[name]
    return None if factory is None else factory(lr)


def precision(x64: bool):
    """``jax.enable_x64(True)`` when asked, else leave JAX's mode as it is."""
    return jax.enable_x64(True) if x64 else contextlib.nullcontext()


def dtype_name(x64: bool) -> str:
    return "float64" if x64 else "float32"


# ----------------------------------------------------------------------------- data and metrics
@dataclass
class Data:
    """A loaded data set, features standardised for regression (``x_mean``/``x_std`` (n_x, 1))."""

    name: str
    train_x: np.ndarray
    train_y: np.ndarray
    test_x: np.ndarray | None
    test_y: np.ndarray | None
    task: str
    x_mean: list | None = None
    x_std: list | None = None


def load_data(name, data_dir=None, *, seed=None, test_fraction=0.0, x_mean=None, x_std=None) -> Data:
    """:func:`dnnjax.data.load`, then (houses) standardise with the training set's scaling or
    the given ``x_mean``/``x_std`` (a checkpoint's)."""
    ds = data.load(name, data_dir, seed, test_fraction=test_fraction)
    out = Data(name, ds.train_x, ds.train_y, ds.test_x, ds.test_y, ds.task)
    if ds.task == "regression":
        given = x_mean is not None
        mean, std = (np.asarray(x_mean, np.float64), np.asarray(x_std, np.float64)) if given else (None, None)
        out.train_x, mean, std = data.standardize(ds.train_x, mean, std)
        if ds.test_x is not None:
            out.test_x = data.standardize(ds.test_x, mean, std)[0]
        out.x_mean, out.x_std = mean.tolist(), std.tolist()
    return out


def metric(task: str, pred, Y) -> tuple[str, float]:
    """``("accuracy", percent)`` for binary labels, ``("rmse", value)`` for regression."""
    pred, Y = np.asarray(pred, np.float64), np.asarray(Y, np.float64)
    if task == "regression":
        return "rmse", float(np.sqrt(np.mean((pred - Y) ** 2)))
    return "accuracy", float(np.mean(pred == Y) * 100.0)


def format_metric(name: str, value) -> str:
    if value is None:
        return "n/a"
    return f"{value:.2f} %" if name == "accuracy" else f"{value:.4g}"


# ----------------------------------------------------------------------------- outputs
def run_dir(out, prefix: str) -> Path:
    """``out`` (created), or a new ``runs/<prefix>-<YYYYmmdd-HHMMSS>[-k]`` under the cwd."""
    if out is not None:
        path = Path(out)
        path.mkdir(parents=True, exist_ok=True)
        return path
    base = Path("runs") / f"{prefix}-{time.strftime('%Y%m%d-%H%M%S')}"
    path, k = base, 1
    while path.exists():
        k += 1
        path = base.with_name(f"{base.name}-{k}")
    path.mkdir(parents=True)
    return path


def write_json(path: Path, obj) -> None:
    path.write_text(json.dumps(obj, indent=2) + "\n", encoding="utf-8")


def write_csv(path: Path, header, rows) -> None:
    with open(path, "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(header)
        w.writerows(rows)


def warn(message: str) -> None:
    print(f"dnnjax: warning: {message}", file=sys.stderr)


class Plots:
    """Draw with :mod:`dnnjax.plots` into a folder; without matplotlib, warn once and skip."""

    def __init__(self, folder: Path):
        self.folder, self.files = folder, []
        try:
            for module in ("matplotlib.figure", "matplotlib.backends.backend_agg"):
                importlib.import_module(module)
            self.enabled = True
        except ImportError:
            self.enabled = False
            warn('matplotlib is not installed: skipping the plots (pip install "dnnjax[plots]")')

    def draw(self, name: str, fn, *args, **kwargs) -> None:
        if self.enabled:
            fn(self.folder / name, *args, **kwargs)
            self.files.append(name)


# ----------------------------------------------------------------------------- checkpoints
MODEL_KEYS = ("layer_dims", "hidden", "output", "dtype")
RESUME_KEYS = MODEL_KEYS + ("iterations", "costs", "cost_iterations", "data")


def load_checkpoint(path, flag: str, required=MODEL_KEYS):
    """``(params, metadata)`` of a checkpoint written by ``dnnjax train``, or a CliError that
    names the flag and what the file lacks (corrupt files raise from :mod:`dnnjax.checkpoint`)."""
    from dnnjax import checkpoint

    params, meta = checkpoint.load(path)
    missing = [k for k in required if k not in meta]
    if missing:
        raise CliError(f"{flag}: {path} lacks the metadata {missing}; expected a checkpoint written by 'dnnjax train'")
    if meta["dtype"] not in ("float32", "float64"):
        raise CliError(f"{flag}: {path} has dtype {meta['dtype']!r} in its metadata; expected float32 or float64")
    return params, meta
