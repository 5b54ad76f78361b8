"""Shared helpers of the experiment scripts: arguments, run folders, course inits, tables.

Every script is ``python experiments/NAME.py [--data DIR] [--out DIR] [--x64] [--course-init]``
and exposes ``main(argv=None) -> dict``. Conventions (DESIGN.md section 1): ``X`` is
``(n_x, m)``, ``Y`` is ``(1, m)``, parameters are ``{"W1": (n_1, n_x), "b1": (n_1, 1), ...}``.
"""
from __future__ import annotations

import argparse
import contextlib
import json
import math
import os
import sys
import time
from pathlib import Path

import jax
import jax.numpy as jnp
import numpy as np

import dnnjax
from dnnjax import compile_cache
from dnnjax.data import CAT_FILES
from dnnjax.errors import DnnjaxError, InvalidValueError

REPO = Path(__file__).resolve().parents[1]
COURSE_LOG = "Cost after iteration {i}: {c:f}"  # the course's "%i: %f" (weeks 2 and 3)


def parse_args(name: str, description: str, argv=None, extra=None) -> argparse.Namespace:
    """The common options, plus any ``extra(parser)`` adds; ``argv=None`` reads ``sys.argv``."""
    p = argparse.ArgumentParser(prog=f"experiments/{name}.py", description=description,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--data", type=Path, default=None, metavar="DIR",
                   help="folder holding train_catvnoncat.h5 and test_catvnoncat.h5 "
                        "(default: $DNNJAX_DATA_DIR, then ../shared/data/catvnoncat)")
    p.add_argument("--out", type=Path, default=None, metavar="DIR", help=f"run folder (default runs/{name})")
    p.add_argument("--x64", action="store_true", help="float64 everywhere (exact course reproduction)")
    p.add_argument("--course-init", action="store_true",
                   help="initial parameters drawn as the course does (NumPy legacy RNG) instead of jax.random")
    p.add_argument("--seed", type=int, default=0, help="jax.random key seed when not --course-init (default 0)")
    if extra is not None:
        extra(p)
    args = p.parse_args(argv)
    args.name = name
    return args


def cat_dir(data, *, required: bool) -> Path | None:
    """The cat/non-cat folder: ``data`` if given (must hold both files), else the defaults."""
    if data is not None:
        folder = Path(data)
        if not folder.is_dir():
            raise InvalidValueError(f"--data: expected a folder holding {sorted(CAT_FILES.values())}; "
                                    f"{folder} is not an existing folder")
        missing = [f for f in CAT_FILES.values() if not (folder / f).is_file()]
        if missing:
            raise InvalidValueError(f"--data: expected a folder holding {sorted(CAT_FILES.values())}; "
                                    f"{folder} lacks {missing}")
        return folder
    for c in (os.environ.get("DNNJAX_DATA_DIR", ""), REPO.parent / "shared" / "data" / "catvnoncat"):
        if c and (Path(c) / CAT_FILES["train"]).is_file():
            return Path(c)
    if required:
        raise InvalidValueError("--data: this experiment needs the cat/non-cat h5 files; pass --data DIR "
                                "or set DNNJAX_DATA_DIR (none was given and no default folder has them)")
    return None


def run_dir(args) -> Path:
    """Create and return the run folder (``--out`` or ``runs/NAME``)."""
    out = Path(args.out) if args.out is not None else Path("runs") / args.name
    out.mkdir(parents=True, exist_ok=True)
    return out


@contextlib.contextmanager
def precision(x64: bool):
    """Enable (or disable) float64 for the block; yields the working dtype."""
    with jax.enable_x64(bool(x64)):
        yield jnp.float64 if x64 else jnp.float32


def course_params(layer_dims, *, seed: int, scale, dtype) -> dict:
    """The course's NumPy init: ``np.random.seed(seed)`` then, per layer (W1 first),
    ``W{l} = randn(n[l], n[l-1]) * scale`` (``scale="sqrt_n"``: ``/ sqrt(n[l-1])``;
    ``"zeros"``: zeros, no draw) and ``b{l} = zeros((n[l], 1))``.

    A private ``np.random.RandomState(seed)`` gives the same draws as the global
    ``np.random.seed(seed)`` without touching global state. Returns NumPy arrays of ``dtype``.
    """
    rs = np.random.RandomState(seed)
    params = {}
    for l in range(1, len(layer_dims)):
        n, n_prev = layer_dims[l], layer_dims[l - 1]
        if scale == "zeros":
            W = np.zeros((n, n_prev))
        elif scale == "sqrt_n":
            W = rs.randn(n, n_prev) / np.sqrt(n_prev)
        else:
            W = rs.randn(n, n_prev) * float(scale)
        params[f"W{l}"] = W.astype(dtype)
        params[f"b{l}"] = np.zeros((n, 1), dtype)
    return params


def init(args, layer_dims, *, scale, dtype, course_seed: int = 1, key_offset: int = 0) -> dict:
    """``course_params(..., seed=course_seed)`` with ``--course-init``, else
    ``dnnjax.init_params(jax.random.key(args.seed + key_offset), ...)``."""
    if args.course_init:
        return course_params(layer_dims, seed=course_seed, scale=scale, dtype=dtype)
    return dnnjax.init_params(jax.random.key(args.seed + key_offset), layer_dims, scale=scale, dtype=dtype)


def accuracy(pred, Y) -> float:
    """The course's ``100 - mean(|pred - Y|) * 100`` for 0/1 predictions and labels (1, m)."""
    pred, Y = np.asarray(pred, np.float64), np.asarray(Y, np.float64)
    if pred.shape != Y.shape:
        raise InvalidValueError(f"accuracy: predictions {pred.shape} and labels {Y.shape} differ in shape")
    return float(100.0 - np.mean(np.abs(pred - Y)) * 100.0)


def print_costs(costs, log_every: int, fmt: str = COURSE_LOG, extra=()) -> list[str]:
    """Print the course's log, one line per recorded cost (plus ``extra`` (i, c) pairs)."""
    lines = [fmt.format(i=i * log_every, c=float(c)) for i, c in enumerate(np.asarray(costs))]
    lines += [fmt.format(i=i, c=float(c)) for i, c in extra]
    print("\n".join(lines))
    return lines


def fmt_cell(v) -> str:
    if isinstance(v, float):
        return "-" if math.isnan(v) else f"{v:.6g}"
    return "-" if v is None else str(v)


def published_vs_dnnjax(what: str, rows, x64: bool, seconds: float, detail: str = "") -> str:
    """An experiment's closing table, ``quantity | published | dnnjax``, titled with the dtype."""
    extra = f"{detail}, " if detail else ""
    return table(f"{what}, published vs dnnjax ({'float64' if x64 else 'float32'}, {extra}{seconds:.1f} s)",
                 ["quantity", "published", "dnnjax"], rows)


def table(title: str, headers, rows) -> str:
    """A plain-text table (also printed): ``headers`` strings, ``rows`` lists of cells."""
    cells = [[str(h) for h in headers]] + [[fmt_cell(v) for v in r] for r in rows]
    widths = [max(len(r[j]) for r in cells) for j in range(len(headers))]
    line = lambda r: "  ".join(c.rjust(w) if j else c.ljust(w) for j, (c, w) in enumerate(zip(r, widths)))
    text = "\n".join([title, line(cells[0]), "  ".join("-" * w for w in widths), *map(line, cells[1:])])
    print(text)
    return text


def _jsonable(o):
    if isinstance(o, dict):
        return {str(k): _jsonable(v) for k, v in o.items()}
    if isinstance(o, (list, tuple)):
        return [_jsonable(v) for v in o]
    if isinstance(o, (np.ndarray, jax.Array)):
        return _jsonable(np.asarray(o).tolist())
    if isinstance(o, (np.floating, np.integer, np.bool_)):
        return o.item()
    if isinstance(o, Path):
        return str(o)
    return o


def write_results(out: Path, results: dict, tables=()) -> Path:
    """Write ``results.json`` (and ``results.txt`` with the printed tables) into ``out``."""
    (out / "results.json").write_text(json.dumps(_jsonable(results), indent=2, allow_nan=True) + "\n")
    if tables:
        (out / "results.txt").write_text("\n\n".join(tables) + "\n")
    return out / "results.json"


class Timer:
    """``with Timer() as t: ...`` then ``t.seconds``."""

    def __enter__(self):
        self._t0 = time.perf_counter()
        return self

    def __exit__(self, *exc):
        self.seconds = time.perf_counter() - self._t0
        return False


def cli(main) -> None:
    """Run ``main()`` from the command line (compile cache on); a dnnjax error becomes a one-line message, exit 2."""
    compile_cache.enable()
    try:
        main()
    except DnnjaxError as e:
        print(f"error: {e}", file=sys.stderr)
        sys.exit(2)
