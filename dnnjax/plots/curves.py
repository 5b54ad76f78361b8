"""Line and scatter plots of training results: cost curves and regression fits.

``cost_curves`` draws costs recorded every ``log_every`` iterations (one line per run);
``predicted_vs_true`` scatters a regression's predictions ``(n_y, m)`` against its targets.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np

from dnnjax.errors import InvalidTypeError, InvalidValueError, ShapeError
from dnnjax.plots._checks import _as_numeric, _check_finite, _check_int, _check_title
from dnnjax.plots._io import PathLike, _check_path, _cmap, _log_y, _new_figure, _save

__all__ = ["cost_curves", "predicted_vs_true"]


def cost_curves(
    path: PathLike,
    curves: Mapping[Any, Any],
    *,
    log_every: int = 100,
    title: str | None = None,
    ylabel: str = "cost",
    logy: bool = False,
    xlabel: str = "iterations",
) -> Path:
    """Plot training costs, one line per entry of ``curves``.

    ``curves`` maps a label (e.g. ``"lr = 0.01"``) to a 1-D array of costs recorded every
    ``log_every`` iterations (the course convention: entry ``i`` is the cost before iteration
    ``i * log_every``), so the x axis shows true iteration counts. A legend is drawn when there is
    more than one curve. Non-finite costs (a diverged run) are left as gaps. ``logy`` puts the
    cost on a log axis (every finite cost must then be > 0). ``xlabel`` names the unit (e.g.
    ``"epochs"`` for minibatch runs, whose costs are logged per epoch).
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
    for name, text in (("ylabel", ylabel), ("xlabel", xlabel)):
        if not isinstance(text, str):
            raise InvalidTypeError(f"{name} must be a str, got {type(text).__name__}")
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
        _log_y(ax)
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    ax.set_title(title if title is not None else f"{ylabel} during training (every {log_every} {xlabel})")
    ax.grid(True, which="major", alpha=0.3)
    if len(data) > 1:
        ax.legend(loc="best", framealpha=0.9)
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
    ax.text(0.03, 0.97, f"RMSE = {rmse:.4g}\nR² = {r2:.4f}", transform=ax.transAxes, ha="left", va="top",
            bbox=dict(boxstyle="round", facecolor="white", alpha=0.85))
    ax.set_xlabel("true")
    ax.set_ylabel("predicted")
    ax.grid(True, alpha=0.3)
    ax.legend(loc="lower right", framealpha=0.9)
    ax.set_title(title if title is not None else "predicted vs true")
    fig.tight_layout()
    return _save(fig, path)
