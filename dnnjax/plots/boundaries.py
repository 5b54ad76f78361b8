"""Planar data plots: a classifier's decision regions and a labelled scatter of ``X (2, m)``.

Both colour the points by label with the course's Spectral colormap (label 0 at the red end).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

from dnnjax.errors import InvalidTypeError, InvalidValueError, ShapeError
from dnnjax.plots._checks import _as_numeric, _check_finite, _check_int, _check_title, _check_x, _check_xy
from dnnjax.plots._io import PathLike, _check_path, _cmap, _new_figure, _save

__all__ = ["boundary_grid", "decision_boundary", "scatter_2d"]


def _class_colors(n: int):
    """Colours for labels 0..n-1 from the Spectral map (0 -> red end, last -> blue end)."""
    cmap = _cmap()
    if n <= 1:
        return [cmap(0.0)]
    return [cmap(i / (n - 1)) for i in range(n)]


def _scatter_labels(ax, X: np.ndarray, y: np.ndarray, n_classes: int) -> None:
    """Scatter ``X (2, m)`` on ``ax`` coloured by label ``y (m,)`` in 0..n_classes-1, with a legend."""
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
    ax.set_xlabel("x₁")
    ax.set_ylabel("x₂")


def _check_grid_args(resolution, padding) -> tuple[int, float]:
    resolution = _check_int("resolution", resolution, minimum=2)
    if isinstance(padding, bool) or not isinstance(padding, (int, float, np.integer, np.floating)):
        raise InvalidTypeError(f"padding must be a float >= 0, got {type(padding).__name__}")
    padding = float(padding)
    if not (math.isfinite(padding) and padding >= 0):
        raise InvalidValueError(f"padding must be a finite float >= 0, got {padding}")
    return resolution, padding


def _mesh(Xf: np.ndarray, dtype, resolution: int, padding: float):
    """``(bounds, xx, yy, grid)``: the data's range extended by ``padding``, the
    ``(resolution, resolution)`` mesh over it and its points as a ``(2, resolution**2)`` grid."""
    x_min, x_max = Xf[0].min() - padding, Xf[0].max() + padding
    y_min, y_max = Xf[1].min() - padding, Xf[1].max() + padding
    if x_max - x_min <= 0:  # all points on one vertical line and no padding
        x_min, x_max = x_min - 0.5, x_max + 0.5
    if y_max - y_min <= 0:
        y_min, y_max = y_min - 0.5, y_max + 0.5
    xx, yy = np.meshgrid(np.linspace(x_min, x_max, resolution), np.linspace(y_min, y_max, resolution))
    grid_dtype = np.result_type(dtype, np.float32) if np.issubdtype(dtype, np.floating) else np.float32
    grid = np.stack([xx.ravel(), yy.ravel()]).astype(grid_dtype)
    return (x_min, x_max, y_min, y_max), xx, yy, grid


def boundary_grid(X: Any, *, resolution: int = 300, padding: float = 1.0) -> np.ndarray:
    """The ``(2, resolution**2)`` grid points :func:`decision_boundary` passes to its
    ``predict_fn`` for the same ``X``, ``resolution`` and ``padding`` (a caller that predicts on
    it together with other data, in one compiled program, can hand the result back)."""
    X_in = _as_numeric("X", X)
    Xf = _check_x(X)
    resolution, padding = _check_grid_args(resolution, padding)
    return _mesh(Xf, X_in.dtype, resolution, padding)[3]


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
    resolution, padding = _check_grid_args(resolution, padding)
    title = _check_title(title)
    (x_min, x_max, y_min, y_max), xx, yy, grid = _mesh(Xf, X_in.dtype, resolution, padding)
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
