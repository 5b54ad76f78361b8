"""Bar chart of a gradient check: relative differences per parameter and per pair of methods
(manual, autodiff, finite differences) on a log axis, against the course's 1e-7 threshold."""

from __future__ import annotations

import math
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np

from dnnjax.errors import InvalidTypeError, InvalidValueError, ShapeError
from dnnjax.plots._checks import _as_numeric, _check_title
from dnnjax.plots._io import PathLike, _check_path, _cmap, _log_y, _new_figure, _save

__all__ = ["grad_comparison", "COURSE_GRAD_THRESHOLD"]

#: The course's "your backward propagation works" bound on the relative difference.
COURSE_GRAD_THRESHOLD = 1e-7

_ZERO_FLOOR = 1e-18  # where exact-zero relative differences are drawn on the log axis


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
    _log_y(ax)
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
    ax.set_ylabel("relative difference  ‖a−b‖ / (‖a‖+‖b‖)")
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
