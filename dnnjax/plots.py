"""Figures for the course's results: cost curves, decision boundaries, image grids, gradient
checks, regression fits and the planar data sets.

matplotlib is an optional dependency (``pip install "dnnjax[plots]"``). It is imported only
inside the functions, never at module import, and only through ``matplotlib.figure.Figure``
with an explicit Agg canvas: no pyplot, no global figure state, no backend switching, so the
functions are safe to call from scripts, tests, notebooks and threads alike.

Every function validates its inputs before drawing (raising :class:`~dnnjax.errors.ShapeError`,
:class:`~dnnjax.errors.InvalidValueError` or :class:`~dnnjax.errors.InvalidTypeError` that name
the argument, what was expected and what came), writes a PNG to ``path`` (a ``str`` or
``os.PathLike``; missing parent folders are created; the file is written to a temporary file in
the same folder and moved into place with :func:`os.replace`, so a reader never sees a partial
file) and returns ``pathlib.Path(path)``.

Arrays may be NumPy arrays, JAX arrays or anything :func:`numpy.asarray` accepts. Data follow
the course's layout (DESIGN.md section 1): examples in columns, ``X`` is ``(n_x, m)`` and labels
``Y`` are ``(1, m)``.
"""

from __future__ import annotations

import math
import os
import tempfile
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from .errors import InvalidTypeError, InvalidValueError, ShapeError

__all__ = [
    "cost_curves",
    "decision_boundary",
    "image_grid",
    "grad_comparison",
    "predicted_vs_true",
    "scatter_2d",
    "COURSE_GRAD_THRESHOLD",
]

#: The course's "your backward propagation works" bound on the relative difference.
COURSE_GRAD_THRESHOLD = 1e-7

_DPI = 100
_CMAP = "Spectral"  # the course's colormap for the planar plots
_ZERO_FLOOR = 1e-18  # where exact-zero relative differences are drawn on the log axis
_INSTALL_HINT = 'matplotlib is needed for dnnjax.plots; install it with: pip install "dnnjax[plots]"'

PathLike = str | os.PathLike


# --------------------------------------------------------------------------------------------
# matplotlib access and file writing
# --------------------------------------------------------------------------------------------


def _new_figure(figsize: tuple[float, float]):
    """A fresh ``Figure`` attached to its own Agg canvas (no pyplot, no global state)."""
    try:
        from matplotlib.backends.backend_agg import FigureCanvasAgg
        from matplotlib.figure import Figure
    except ImportError as exc:  # matplotlib missing or broken
        raise ImportError(_INSTALL_HINT) from exc
    fig = Figure(figsize=figsize, dpi=_DPI)
    FigureCanvasAgg(fig)
    return fig


def _cmap(name: str = _CMAP):
    from matplotlib import colormaps

    return colormaps[name]


def _check_path(path: Any) -> Path:
    if isinstance(path, bytes) or not isinstance(path, (str, os.PathLike)):
        raise InvalidTypeError(
            f"path must be a str or os.PathLike naming the PNG to write, got {type(path).__name__}"
        )
    p = Path(path)
    if str(path) == "" or p.name == "":
        raise InvalidValueError(f"path must name a file, got {str(path)!r}")
    return p


def _umask() -> int:
    """The process umask, read without changing it where the platform allows."""
    try:
        with open("/proc/self/status", encoding="ascii") as fh:
            for line in fh:
                if line.startswith("Umask:"):
                    return int(line.split()[1], 8)
    except (OSError, ValueError):
        pass
    return 0o022


def _save(fig, path: Path) -> Path:
    """Write ``fig`` as PNG to ``path`` atomically: temp file in the same folder, then replace."""
    parent = path.parent
    parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=parent, prefix=f".{path.name}.", suffix=".tmp.png")
    try:
        with os.fdopen(fd, "wb") as fh:
            fig.savefig(fh, format="png", dpi=_DPI)
            fh.flush()
            os.fsync(fh.fileno())
        os.chmod(tmp, 0o666 & ~_umask())  # mkstemp makes 0600; give the usual permissions
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except FileNotFoundError:
            pass
        raise
    return path


# --------------------------------------------------------------------------------------------
# input validation
# --------------------------------------------------------------------------------------------


def _as_numeric(name: str, value: Any) -> np.ndarray:
    """``np.asarray(value)`` for a real numeric (or boolean) array, else InvalidTypeError."""
    try:
        arr = np.asarray(value)
    except Exception as exc:  # ragged lists and the like
        raise InvalidTypeError(
            f"{name} must be a numeric array, could not convert {type(value).__name__}: {exc}"
        ) from exc
    if arr.dtype == np.bool_:
        return arr
    if not (np.issubdtype(arr.dtype, np.integer) or np.issubdtype(arr.dtype, np.floating)):
        raise InvalidTypeError(
            f"{name} must be a real numeric array, got dtype {arr.dtype} "
            f"(from {type(value).__name__})"
        )
    return arr


def _check_finite(name: str, arr: np.ndarray) -> None:
    if arr.size and np.issubdtype(arr.dtype, np.floating) and not np.all(np.isfinite(arr)):
        bad = int(np.size(arr) - np.count_nonzero(np.isfinite(arr)))
        raise InvalidValueError(f"{name} must be finite, got {bad} NaN/inf value(s)")


def _check_xy(X: Any, Y: Any, *, binary: bool) -> tuple[np.ndarray, np.ndarray]:
    """Planar data: X (2, m) finite, Y (1, m) labels (0/1 if ``binary``, else integers >= 0)."""
    X = _as_numeric("X", X)
    if X.ndim != 2 or X.shape[0] != 2 or X.shape[1] < 1:
        hint = ""
        if X.ndim == 2 and X.shape[1] == 2 and X.shape[0] != 2:
            hint = " (examples go in columns: pass X.T)"
        raise ShapeError(
            f"X must have shape (2, m) with m >= 1 (features in rows, examples in columns), "
            f"got shape {X.shape}{hint}"
        )
    X = X.astype(np.float64) if X.dtype == np.bool_ else X
    _check_finite("X", X)
    m = X.shape[1]
    Y = _as_numeric("Y", Y)
    if Y.shape != (1, m):
        hint = " (labels go in a row: pass Y.reshape(1, -1))" if Y.shape in ((m,), (m, 1)) else ""
        raise ShapeError(f"Y must have shape (1, m) = (1, {m}) to match X {X.shape}, got shape {Y.shape}{hint}")
    _check_finite("Y", Y)
    yv = Y.astype(np.float64)
    if binary:
        if not np.all((yv == 0) | (yv == 1)):
            found = np.unique(yv)
            raise InvalidValueError(f"Y must hold labels 0/1, got values {found[:10].tolist()}")
    elif not np.all((yv >= 0) & (yv == np.round(yv))):
        found = np.unique(yv)
        raise InvalidValueError(
            f"Y must hold non-negative integer labels, got values {found[:10].tolist()}"
        )
    return X.astype(np.float64, copy=False), yv.astype(np.int64).ravel()


def _check_int(name: str, value: Any, *, minimum: int) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
        raise InvalidTypeError(f"{name} must be an int >= {minimum}, got {type(value).__name__} {value!r}")
    if value < minimum:
        raise InvalidValueError(f"{name} must be an int >= {minimum}, got {value}")
    return int(value)


def _check_title(title: Any) -> str | None:
    if title is not None and not isinstance(title, str):
        raise InvalidTypeError(f"title must be a str or None, got {type(title).__name__}")
    return title


def _class_colors(n: int):
    """Colours for labels 0..n-1 from the Spectral map (0 -> red end, last -> blue end)."""
    cmap = _cmap()
    if n <= 1:
        return [cmap(0.0)]
    return [cmap(i / (n - 1)) for i in range(n)]


def _scatter_labels(ax, X: np.ndarray, y: np.ndarray, n_classes: int) -> None:
    colors = _class_colors(max(n_classes, 2))
    for c in range(n_classes):
        sel = y == c
        if not np.any(sel):
            continue
        ax.scatter(
            X[0, sel], X[1, sel], s=40, color=colors[c], edgecolors="k", linewidths=0.6,
            label=f"label {c}", zorder=3,
        )
    ax.legend(loc="best", framealpha=0.85)
    ax.set_xlabel("$x_1$")
    ax.set_ylabel("$x_2$")


# --------------------------------------------------------------------------------------------
# the plots
# --------------------------------------------------------------------------------------------


def cost_curves(
    path: PathLike,
    curves: Mapping[Any, Any],
    *,
    log_every: int = 100,
    title: str | None = None,
    ylabel: str = "cost",
    logy: bool = False,
) -> Path:
    """Plot training costs, one line per entry of ``curves``.

    ``curves`` maps a label (e.g. ``"lr = 0.01"``) to a 1-D array of costs recorded every
    ``log_every`` iterations (the course convention: entry ``i`` is the cost before iteration
    ``i * log_every``), so the x axis shows true iteration counts. A legend is drawn when there is
    more than one curve. Non-finite costs (a diverged run) are left as gaps. ``logy`` puts the
    cost on a log axis (every finite cost must then be > 0).
    """
    path = _check_path(path)
    if not isinstance(curves, Mapping):
        raise InvalidTypeError(
            f"curves must be a dict mapping label -> 1-D array of costs, got {type(curves).__name__}"
        )
    if len(curves) == 0:
        raise InvalidValueError("curves must hold at least one curve, got an empty mapping")
    log_every = _check_int("log_every", log_every, minimum=1)
    title = _check_title(title)
    if not isinstance(ylabel, str):
        raise InvalidTypeError(f"ylabel must be a str, got {type(ylabel).__name__}")
    data: list[tuple[str, np.ndarray]] = []
    for label, values in curves.items():
        name = f"curves[{label!r}]"
        arr = _as_numeric(name, values)
        if arr.ndim != 1 or arr.shape[0] < 1:
            raise ShapeError(
                f"{name} must be a 1-D array of at least one cost (one per {log_every} "
                f"iterations), got shape {arr.shape}"
            )
        arr = arr.astype(np.float64)
        arr[~np.isfinite(arr)] = np.nan
        if logy and np.any(arr[np.isfinite(arr)] <= 0):
            raise InvalidValueError(
                f"{name} has costs <= 0 (min {np.nanmin(arr):.3g}), which a log y axis "
                "(logy=True) cannot show"
            )
        data.append((str(label), arr))

    fig = _new_figure((7.0, 4.5))
    ax = fig.add_subplot(1, 1, 1)
    colors = _cmap("tab10")
    for i, (label, arr) in enumerate(data):
        x = np.arange(arr.shape[0]) * log_every
        marker = "o" if arr.shape[0] <= 30 else None
        ax.plot(x, arr, marker=marker, markersize=4, linewidth=1.8, color=colors(i % 10), label=label)
    if logy:
        ax.set_yscale("log")
    ax.set_xlabel("iterations")
    ax.set_ylabel(ylabel)
    ax.set_title(title if title is not None else f"{ylabel} during training (every {log_every} iterations)")
    ax.grid(True, which="major", alpha=0.3)
    if len(data) > 1:
        ax.legend(loc="best", framealpha=0.9)
    fig.tight_layout()
    return _save(fig, path)


def decision_boundary(
    path: PathLike,
    predict_fn: Callable[[Any], Any],
    X: Any,
    Y: Any,
    *,
    title: str | None = None,
    resolution: int = 300,
    padding: float = 1.0,
) -> Path:
    """Draw a classifier's decision regions over the planar data (the course's plot).

    ``X`` is ``(2, m)``, ``Y`` is ``(1, m)`` with labels 0/1. ``predict_fn`` is called once
    with a ``(2, resolution**2)`` array of grid points (examples in columns, the dtype of ``X``
    promoted to at least float32) and must return ``(1, k)`` (or ``(k,)``) predictions: 0/1,
    booleans or probabilities in [0, 1] (other finite scores are drawn with automatic levels).
    The grid spans the data's range extended by ``padding`` on every side.
    """
    path = _check_path(path)
    if not callable(predict_fn):
        raise InvalidTypeError(f"predict_fn must be callable, got {type(predict_fn).__name__}")
    X_in = _as_numeric("X", X)
    Xf, y = _check_xy(X, Y, binary=True)
    resolution = _check_int("resolution", resolution, minimum=2)
    if isinstance(padding, bool) or not isinstance(padding, (int, float, np.integer, np.floating)):
        raise InvalidTypeError(f"padding must be a float >= 0, got {type(padding).__name__}")
    padding = float(padding)
    if not (math.isfinite(padding) and padding >= 0):
        raise InvalidValueError(f"padding must be a finite float >= 0, got {padding}")
    title = _check_title(title)

    x_min, x_max = Xf[0].min() - padding, Xf[0].max() + padding
    y_min, y_max = Xf[1].min() - padding, Xf[1].max() + padding
    if x_max - x_min <= 0:  # all points on one vertical line and no padding
        x_min, x_max = x_min - 0.5, x_max + 0.5
    if y_max - y_min <= 0:
        y_min, y_max = y_min - 0.5, y_max + 0.5
    xx, yy = np.meshgrid(np.linspace(x_min, x_max, resolution), np.linspace(y_min, y_max, resolution))
    grid_dtype = np.result_type(X_in.dtype, np.float32) if np.issubdtype(X_in.dtype, np.floating) else np.float32
    grid = np.stack([xx.ravel(), yy.ravel()]).astype(grid_dtype)
    k = grid.shape[1]

    out = _as_numeric("predict_fn output", predict_fn(grid))
    if out.shape not in ((1, k), (k,)):
        raise ShapeError(
            f"predict_fn output must have shape (1, k) = (1, {k}) for a (2, {k}) grid, "
            f"got shape {out.shape}"
        )
    Z = out.astype(np.float64).reshape(resolution, resolution)
    _check_finite("predict_fn output", Z)

    fig = _new_figure((7.0, 5.6))
    ax = fig.add_subplot(1, 1, 1)
    cmap = _cmap()
    in_unit = bool(Z.min() >= 0.0 and Z.max() <= 1.0)
    binary = bool(np.all((Z == 0) | (Z == 1)))
    if binary:
        # regions in lighter shades of the two label colours used for the points
        ax.contourf(xx, yy, Z, levels=[0.0, 0.5, 1.0], colors=[cmap(0.1), cmap(0.92)], alpha=0.5)
    elif in_unit:
        cs = ax.contourf(xx, yy, Z, levels=np.linspace(0.0, 1.0, 11), cmap=cmap, vmin=0.0, vmax=1.0, alpha=0.8)
        cbar = fig.colorbar(cs, ax=ax)
        cbar.set_label("predicted probability of label 1")
    else:
        if Z.max() > Z.min():
            cs = ax.contourf(xx, yy, Z, levels=12, cmap=cmap, alpha=0.8)
        else:  # constant score: fill the plane with one colour
            cs = ax.contourf(xx, yy, Z, levels=[Z.min() - 0.5, Z.min() + 0.5], cmap=cmap, alpha=0.8)
        cbar = fig.colorbar(cs, ax=ax)
        cbar.set_label("prediction")
    if in_unit and Z.min() < 0.5 < Z.max():
        ax.contour(xx, yy, Z, levels=[0.5], colors="k", linewidths=1.0, linestyles="--")
    _scatter_labels(ax, Xf, y, 2)
    ax.set_xlim(x_min, x_max)
    ax.set_ylim(y_min, y_max)
    ax.set_title(title if title is not None else "decision boundary")
    fig.tight_layout()
    return _save(fig, path)


def image_grid(
    path: PathLike,
    images: Any,
    *,
    titles: Sequence[str] | None = None,
    ncols: int = 5,
    title: str | None = None,
    image_shape: tuple[int, int, int] | None = None,
) -> Path:
    """Show images in a grid, optionally with one caption each (e.g. ``"pred: cat / true: non-cat"``).

    ``images`` is ``(k, H, W, 3)``, either uint8 (other integer dtypes with values in 0..255
    are accepted) or float in [0, 1]. With ``image_shape=(H, W, 3)`` it is instead a course-layout
    matrix ``(H*W*3, k)`` whose columns are images flattened in C order (the cat data's ``X``,
    divided by 255 or not). ``titles`` is a list of ``k`` strings. With ``k == 0`` the figure just
    says "no images".
    """
    path = _check_path(path)
    title = _check_title(title)
    ncols = _check_int("ncols", ncols, minimum=1)
    arr = _as_numeric("images", images)
    if image_shape is not None:
        if (
            not isinstance(image_shape, (tuple, list))
            or len(image_shape) != 3
            or any(isinstance(d, bool) or not isinstance(d, (int, np.integer)) or d < 1 for d in image_shape)
            or image_shape[2] != 3
        ):
            raise InvalidValueError(
                f"image_shape must be a tuple (H, W, 3) of positive ints, got {image_shape!r}"
            )
        n = int(np.prod(image_shape))
        if arr.ndim != 2 or arr.shape[0] != n:
            raise ShapeError(
                f"images must have shape (H*W*3, k) = ({n}, k) for image_shape={tuple(image_shape)} "
                f"(one flattened image per column), got shape {arr.shape}"
            )
        arr = arr.T.reshape((arr.shape[1], *(int(d) for d in image_shape)))
    elif arr.ndim != 4 or arr.shape[3] != 3:
        hint = ""
        if arr.ndim == 2:
            hint = " (for a course-layout matrix of flattened columns pass image_shape=(64, 64, 3))"
        elif arr.ndim == 3 and arr.shape[-1] == 3:
            hint = " (for a single image pass images[None])"
        raise ShapeError(f"images must have shape (k, H, W, 3), got shape {arr.shape}{hint}")
    k = arr.shape[0]
    if k > 0 and (arr.shape[1] < 1 or arr.shape[2] < 1):
        raise ShapeError(f"images must have H, W >= 1, got image shape {arr.shape[1:]}")

    if arr.dtype == np.bool_:
        raise InvalidTypeError("images must be uint8 or float in [0, 1], got dtype bool")
    if np.issubdtype(arr.dtype, np.integer):
        if arr.dtype != np.uint8:
            if arr.size and (arr.min() < 0 or arr.max() > 255):
                raise InvalidValueError(
                    f"integer images must have values in 0..255, got range [{arr.min()}, {arr.max()}]"
                )
            arr = arr.astype(np.uint8)
    else:
        _check_finite("images", arr)
        if arr.size and (arr.min() < 0.0 or arr.max() > 1.0):
            raise InvalidValueError(
                f"float images must have values in [0, 1], got range [{arr.min():.4g}, {arr.max():.4g}]"
                " (divide 0..255 pixel values by 255)"
            )
        arr = arr.astype(np.float32)

    if titles is not None:
        if isinstance(titles, (str, bytes)) or not isinstance(titles, Sequence):
            raise InvalidTypeError(
                f"titles must be a list of {k} strings (one per image), got {type(titles).__name__}"
            )
        if len(titles) != k:
            raise InvalidValueError(f"titles must have one entry per image ({k}), got {len(titles)}")
        titles = [str(t) for t in titles]

    if k == 0:
        fig = _new_figure((4.0, 2.5))
        fig.text(0.5, 0.5, "no images", ha="center", va="center", fontsize=16, color="0.3")
        if title is not None:
            fig.suptitle(title)
        return _save(fig, path)

    cols = min(ncols, k)
    rows = math.ceil(k / cols)
    aspect = arr.shape[1] / arr.shape[2]
    cell_w = 2.2
    caption_h = 0.45 if titles is not None else 0.1
    cell_h = cell_w * aspect + caption_h
    title_h = 0.5 if title is not None else 0.0
    fig = _new_figure((cell_w * cols, cell_h * rows + title_h))
    for i in range(rows * cols):
        ax = fig.add_subplot(rows, cols, i + 1)
        ax.set_axis_off()
        if i >= k:
            continue
        ax.imshow(arr[i], interpolation="nearest")
        if titles is not None:
            ax.set_title(titles[i].replace(" / ", "\n"), fontsize=9)
    if title is not None:
        fig.suptitle(title, fontsize=13)
    top = 1.0 - title_h / (cell_h * rows + title_h) if title is not None else 0.98
    fig.subplots_adjust(left=0.02, right=0.98, bottom=0.02, top=top - 0.01, wspace=0.08,
                        hspace=(caption_h + 0.1) / (cell_w * aspect))
    return _save(fig, path)


def grad_comparison(path: PathLike, table: Mapping[str, Mapping[str, Any]], *, title: str | None = None) -> Path:
    """Bar chart of the gradient check's relative differences, per parameter and per pair.

    ``table`` maps a parameter name (``"W1"``, ``"b1"``, ...) to a dict from pair name (e.g.
    ``"manual vs autodiff"``) to the relative difference ``||a - b|| / (||a|| + ||b||)``, a
    float >= 0 or NaN for "not computed" (a missing pair counts as NaN). Bars share a log y axis;
    exact zeros (and values below 1e-18) are drawn at 1e-18 and labelled "0" (or "<1e-18"), NaNs
    are labelled "n/a". A dashed line marks the course's threshold of 1e-7.
    """
    path = _check_path(path)
    title = _check_title(title)
    if not isinstance(table, Mapping):
        raise InvalidTypeError(
            f"table must be a dict mapping parameter name -> dict of pair name -> relative "
            f"difference, got {type(table).__name__}"
        )
    if len(table) == 0:
        raise InvalidValueError("table must hold at least one parameter, got an empty mapping")
    params: list[str] = []
    pairs: list[str] = []
    values: dict[tuple[str, str], float] = {}
    for pname, row in table.items():
        if not isinstance(row, Mapping):
            raise InvalidTypeError(
                f"table[{pname!r}] must be a dict mapping pair name -> relative difference, "
                f"got {type(row).__name__}"
            )
        params.append(str(pname))
        for pair, v in row.items():
            name = f"table[{pname!r}][{pair!r}]"
            arr = _as_numeric(name, v)
            if arr.size != 1:
                raise ShapeError(f"{name} must be a single number, got shape {arr.shape}")
            fv = float(arr.reshape(()))
            if math.isinf(fv) or fv < 0:
                raise InvalidValueError(f"{name} must be a relative difference >= 0 (or NaN), got {fv}")
            if str(pair) not in pairs:
                pairs.append(str(pair))
            values[(str(pname), str(pair))] = fv
    if not pairs:
        raise InvalidValueError("table holds no pairs: every parameter maps to an empty dict")

    n_p, n_q = len(params), len(pairs)
    V = np.full((n_p, n_q), np.nan)
    for i, pn in enumerate(params):
        for j, q in enumerate(pairs):
            V[i, j] = values.get((pn, q), np.nan)
    finite = V[np.isfinite(V)]
    shown = np.where(np.isfinite(V), np.maximum(V, _ZERO_FLOOR), np.nan)
    lo_val = min([_ZERO_FLOOR if np.any(finite < _ZERO_FLOOR) else np.inf,
                  *(shown[np.isfinite(shown)].tolist()), COURSE_GRAD_THRESHOLD])
    hi_val = max([*(shown[np.isfinite(shown)].tolist()), COURSE_GRAD_THRESHOLD])
    y_bottom = 10.0 ** (math.floor(math.log10(lo_val)) - 1)
    y_top = 10.0 ** (math.ceil(math.log10(hi_val)) + 1)

    fig = _new_figure((max(6.5, 1.0 + 0.35 * n_p * n_q + 0.4 * n_p), 5.0))
    ax = fig.add_subplot(1, 1, 1)
    ax.set_yscale("log")
    group = 0.8
    width = group / n_q
    x = np.arange(n_p)
    colors = _cmap("tab10")
    for j, q in enumerate(pairs):
        xs = x - group / 2 + width * (j + 0.5)
        h = shown[:, j]
        ok = np.isfinite(h)
        ax.bar(xs[ok], h[ok] - y_bottom, bottom=y_bottom, width=width * 0.95, color=colors(j % 10),
               edgecolor="k", linewidth=0.5, label=q, zorder=2)
        for xi, vi, hi in zip(xs, V[:, j], h):
            if np.isnan(vi):
                ax.text(xi, y_bottom * 1.6, "n/a", ha="center", va="bottom", fontsize=8, rotation=90, color="0.3")
            elif vi == 0.0:
                ax.text(xi, hi * 1.4, "0", ha="center", va="bottom", fontsize=8, fontweight="bold")
            elif vi < _ZERO_FLOOR:
                ax.text(xi, hi * 1.4, "<1e-18", ha="center", va="bottom", fontsize=7, rotation=90)
    ax.axhline(COURSE_GRAD_THRESHOLD, color="crimson", linestyle="--", linewidth=1.4,
               label="course threshold (1e-7)", zorder=3)
    ax.set_ylim(y_bottom, y_top)
    ax.set_xticks(x)
    ax.set_xticklabels(params)
    ax.set_xlim(-0.6, n_p - 0.4)
    ax.set_xlabel("parameter")
    ax.set_ylabel("relative difference  $\\|a-b\\| / (\\|a\\|+\\|b\\|)$")
    ax.grid(True, axis="y", which="major", alpha=0.3, zorder=0)
    ax.set_title(title if title is not None else "gradient check")
    ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), fontsize=9, framealpha=0.9)
    notes = []
    if np.any(V == 0.0):
        notes.append("0 = exactly zero\n(drawn at 1e-18)")
    if np.any((V > 0) & (V < _ZERO_FLOOR)):
        notes.append("<1e-18 = clipped\nto 1e-18")
    if np.any(np.isnan(V)):
        notes.append("n/a = not computed")
    if notes:
        ax.text(1.03, 0.0, "\n".join(notes), transform=ax.transAxes, ha="left", va="bottom",
                fontsize=8, color="0.25")
    fig.tight_layout()
    return _save(fig, path)


def predicted_vs_true(path: PathLike, y_true: Any, y_pred: Any, *, title: str | None = None) -> Path:
    """Regression scatter of predictions against targets with the ``y = x`` line.

    ``y_true`` and ``y_pred`` have the same shape: ``(n_y, m)`` (course layout, one row per
    output, drawn in its own colour) or ``(m,)``. The corner shows RMSE and R^2.
    """
    path = _check_path(path)
    title = _check_title(title)
    t = _as_numeric("y_true", y_true)
    p = _as_numeric("y_pred", y_pred)
    for name, a in (("y_true", t), ("y_pred", p)):
        if a.ndim not in (1, 2) or a.size == 0:
            raise ShapeError(f"{name} must have shape (n_y, m) or (m,) with m >= 1, got shape {a.shape}")
    if t.shape != p.shape:
        raise ShapeError(f"y_pred must have the same shape as y_true {t.shape}, got shape {p.shape}")
    t = np.atleast_2d(t.astype(np.float64))
    p = np.atleast_2d(p.astype(np.float64))
    _check_finite("y_true", t)
    _check_finite("y_pred", p)

    fig = _new_figure((6.0, 6.0))
    ax = fig.add_subplot(1, 1, 1)
    colors = _cmap("tab10")
    n_y = t.shape[0]
    for r in range(n_y):
        ax.scatter(t[r], p[r], s=18, alpha=0.7, color=colors(r % 10), edgecolors="none",
                   label=f"output {r + 1}" if n_y > 1 else "examples", zorder=3)
    lo = float(min(t.min(), p.min()))
    hi = float(max(t.max(), p.max()))
    if hi - lo <= 0:
        lo, hi = lo - 1.0, hi + 1.0
    margin = 0.05 * (hi - lo)
    lo, hi = lo - margin, hi + margin
    ax.plot([lo, hi], [lo, hi], "k--", linewidth=1.2, label="y = x", zorder=2)
    ax.set_xlim(lo, hi)
    ax.set_ylim(lo, hi)
    ax.set_aspect("equal", adjustable="box")
    rmse = float(np.sqrt(np.mean((p - t) ** 2)))
    ss_tot = float(np.sum((t - t.mean(axis=1, keepdims=True)) ** 2))
    r2 = 1.0 - float(np.sum((p - t) ** 2)) / ss_tot if ss_tot > 0 else float("nan")
    ax.text(0.03, 0.97, f"RMSE = {rmse:.4g}\n$R^2$ = {r2:.4f}", transform=ax.transAxes, ha="left", va="top",
            bbox=dict(boxstyle="round", facecolor="white", alpha=0.85))
    ax.set_xlabel("true")
    ax.set_ylabel("predicted")
    ax.grid(True, alpha=0.3)
    ax.legend(loc="lower right", framealpha=0.9)
    ax.set_title(title if title is not None else "predicted vs true")
    fig.tight_layout()
    return _save(fig, path)


def scatter_2d(path: PathLike, X: Any, Y: Any, *, title: str | None = None) -> Path:
    """Scatter a planar data set (flower, circles, moons, ...) coloured by label.

    ``X`` is ``(2, m)``; ``Y`` is ``(1, m)`` with non-negative integer labels (0/1 for the
    course's sets).
    """
    path = _check_path(path)
    title = _check_title(title)
    Xf, y = _check_xy(X, Y, binary=False)
    fig = _new_figure((6.5, 5.5))
    ax = fig.add_subplot(1, 1, 1)
    _scatter_labels(ax, Xf, y, int(y.max()) + 1)
    ax.grid(True, alpha=0.3)
    ax.set_title(title if title is not None else f"data (m = {Xf.shape[1]})")
    fig.tight_layout()
    return _save(fig, path)
