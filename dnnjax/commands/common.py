"""Helpers shared by the ``dnnjax`` subcommands: flag types, optimizers, metrics, outputs, checkpoints.

Nothing here trains; it turns flags into library arguments and results into files. Data follow
the course's layout (``X`` is ``(n_x, m)``, ``Y`` is ``(n_y, m)``); the data sets of a run are
:mod:`.run_data`.
"""
from __future__ import annotations

import argparse
import contextlib
import csv
import functools
import importlib
import io
import json
import math
import sys
import time
from pathlib import Path

import jax
import numpy as np
import optax

from dnnjax.errors import InvalidValueError
from dnnjax.files import atomic_write
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
    """``"2,4,1"`` -> ``[2, 4, 1]``; ``"auto,4,auto"`` -> ``["auto", 4, "auto"]`` (first: n_x of
    the data; last: the output units the data and the output layer need)."""
    parts = [p.strip() for p in text.split(",")]
    if len(parts) < 2:
        raise argparse.ArgumentTypeError(f"expected at least two comma-separated sizes like 2,4,1, got {text!r}")
    out: list = []
    for i, p in enumerate(parts):
        if i in (0, len(parts) - 1) and allow_auto and p == "auto":
            out.append("auto")
            continue
        if not p.isdigit() or int(p) < 1:
            first = " (or 'auto')" if allow_auto and i in (0, len(parts) - 1) else ""
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
STATELESS = ("gd", "sgd")  # no optimizer state (sgd's is empty)


@functools.lru_cache(maxsize=32)
def make_optimizer(name: str, lr: float):
    """The optax transformation for ``name``, or None for ``gd``: one object per ``(name, lr)``
    in a process, so runs with the same settings reuse fit's compiled loop."""
    factory = OPTIMIZERS[name]
    return None if factory is None else factory(lr)


def precision(x64: bool):
    """``jax.enable_x64(True)`` when asked, else leave JAX's mode as it is."""
    return jax.enable_x64(True) if x64 else contextlib.nullcontext()


def dtype_name(x64: bool) -> str:
    return "float64" if x64 else "float32"


# ----------------------------------------------------------------------------- data and metrics
def metric(task: str, pred, Y) -> tuple[str, float]:
    """``("accuracy", percent)`` for class predictions ``(1, m)`` against labels of the same
    shape, ``("rmse", value)`` for regression."""
    pred, Y = np.asarray(pred, np.float64), np.asarray(Y, np.float64)
    if task == "regression":
        return "rmse", float(np.sqrt(np.mean((pred - Y) ** 2)))
    return "accuracy", float(np.mean(pred == Y) * 100.0)


def per_class_accuracy(pred, labels, classes: int) -> list:
    """Percent of each class's examples predicted as that class (None for a class with none)."""
    pred, labels = np.ravel(pred), np.ravel(labels)
    return [float(np.mean(pred[labels == c] == c) * 100.0) if np.any(labels == c) else None for c in range(classes)]


def format_per_class(values) -> str:
    return ", ".join(f"{c}: {'n/a' if v is None else f'{v:.1f} %'}" for c, v in enumerate(values))


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
    """Atomically (a reader never sees half a file)."""
    text = (json.dumps(obj, indent=2) + "\n").encode("utf-8")
    atomic_write(path, lambda f: f.write(text))


def write_csv(path: Path, header, rows) -> None:
    """Atomically (a reader never sees half a file)."""
    buf = io.StringIO(newline="")
    w = csv.writer(buf)
    w.writerow(header)
    w.writerows(rows)
    text = buf.getvalue().encode("utf-8")
    atomic_write(path, lambda f: f.write(text))


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
RESUME_KEYS = MODEL_KEYS + ("costs", "data")


def load_checkpoint(path, flag: str, required=MODEL_KEYS):
    """The :class:`dnnjax.checkpoint.Checkpoint` written by ``dnnjax train`` at ``path``, or a
    CliError that names the flag and what the file lacks (corrupt files raise from
    :mod:`dnnjax.checkpoint`). ``required=RESUME_KEYS``: also what ``--resume`` needs."""
    from dnnjax import checkpoint

    ckpt = checkpoint.load_full(path)
    meta = ckpt.metadata
    if required == RESUME_KEYS:  # the count of what was done, and where the costs were logged
        done = ("epochs", "cost_epochs") if meta.get("batch_size") else ("iterations", "cost_iterations")
        required = required + done
    missing = [k for k in required if k not in meta]
    if missing:
        raise CliError(f"{flag}: {path} lacks the metadata {missing}; expected a checkpoint written by 'dnnjax train'")
    if meta["dtype"] not in ("float32", "float64"):
        raise CliError(f"{flag}: {path} has dtype {meta['dtype']!r} in its metadata; expected float32 or float64")
    return ckpt
