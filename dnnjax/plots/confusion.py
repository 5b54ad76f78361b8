"""A confusion matrix of a classifier: counts of (true class, predicted class) pairs.

``confusion_matrix`` draws the ``(C, C)`` table, rows the true class, columns the predicted one,
each cell with its count, the diagonal being the correct predictions; the title gives the
overall accuracy. :func:`confusion_counts` is the table itself.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from dnnjax.errors import InvalidTypeError, InvalidValueError, ShapeError
from dnnjax.plots._checks import _as_numeric, _check_finite, _check_int, _check_title
from dnnjax.plots._io import PathLike, _check_path, _new_figure, _save

__all__ = ["confusion_matrix", "confusion_counts"]


def _labels(name: str, value: Any) -> np.ndarray:
    arr = _as_numeric(name, value)
    if arr.ndim == 2 and arr.shape[0] == 1:
        arr = arr[0]
    if arr.ndim != 1:
        raise ShapeError(f"{name} must hold class indices of shape (1, m) or (m,), got shape {arr.shape}")
    _check_finite(name, arr)
    if arr.size and (np.any(arr < 0) or np.any(arr != np.round(arr))):
        raise InvalidValueError(f"{name} must hold class indices 0, 1, ..., got values {np.unique(arr)[:10].tolist()}")
    return arr.astype(np.int64)


def confusion_counts(y_true: Any, y_pred: Any, n_classes: int) -> np.ndarray:
    """``(n_classes, n_classes)`` int64 counts: entry ``[t, p]`` is how many of class ``t`` were predicted ``p``."""
    t, p = _labels("y_true", y_true), _labels("y_pred", y_pred)
    if t.shape != p.shape:
        raise ShapeError(f"y_pred must have one class index per example like y_true ({t.size}), got {p.size}")
    n_classes = _check_int("classes", n_classes, minimum=2)
    if t.size and max(t.max(), p.max()) >= n_classes:
        raise InvalidValueError(f"class indices must be below classes={n_classes}, got {max(t.max(), p.max())}")
    counts = np.zeros((n_classes, n_classes), np.int64)
    np.add.at(counts, (t, p), 1)
    return counts


def confusion_matrix(path: PathLike, y_true: Any, y_pred: Any, *, classes: int | Sequence[str],
                     title: str | None = None) -> Path:
    """Draw the confusion matrix of class indices ``y_true`` and ``y_pred`` (each ``(1, m)`` or ``(m,)``).

    ``classes`` is the number of classes ``C`` (labelled 0..C-1) or a list of ``C`` names.
    """
    path = _check_path(path)
    title = _check_title(title)
    if isinstance(classes, (str, bytes)) or not isinstance(classes, (int, np.integer, Sequence)) \
            or isinstance(classes, bool):
        raise InvalidTypeError(f"classes must be an int (the number of classes) or a list of names, "
                               f"got {type(classes).__name__}")
    names = [str(c) for c in classes] if isinstance(classes, Sequence) else [str(c) for c in range(int(classes))]
    counts = confusion_counts(y_true, y_pred, len(names))
    C, m = len(names), int(counts.sum())
    accuracy = 100.0 * np.trace(counts) / m if m else float("nan")

    side = min(1.2 + 0.55 * C, 12.0)
    fig = _new_figure((side + 1.2, side))
    ax = fig.add_subplot(1, 1, 1)
    image = ax.imshow(counts, cmap="Blues", interpolation="nearest", vmin=0)
    fig.colorbar(image, ax=ax, fraction=0.046, pad=0.04, label="examples")
    high = counts.max() / 2 if m else 0
    for t in range(C):
        for p in range(C):
            if counts[t, p]:
                ax.text(p, t, str(counts[t, p]), ha="center", va="center", fontsize=9 if C <= 12 else 6,
                        color="white" if counts[t, p] > high else "black")
    ax.set_xticks(range(C), names)
    ax.set_yticks(range(C), names)
    ax.set_xlabel("predicted class")
    ax.set_ylabel("true class")
    ax.set_title(title if title is not None else f"confusion matrix: {accuracy:.2f} % of {m} correct")
    fig.tight_layout()
    return _save(fig, path)
