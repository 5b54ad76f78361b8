"""scikit-learn's bundled handwritten digits (no download): a multi-class set in the course layout.

``digits()`` returns ``X (64, 1797)``: each 8x8 image flattened in C order (row, column) to a
column, the 0..16 pixel counts divided by 16 so features lie in [0, 1]; and ``Y (10, 1797)``
one-hot float64 (``Y[c, i] == 1`` iff image ``i`` shows the digit ``c``), or with
``one_hot=False`` the class indices ``(1, 1797)`` float64.
"""
from __future__ import annotations

import numpy as np

from dnnjax.errors import InvalidValueError, ShapeError

__all__ = ["digits", "one_hot", "DIGIT_SHAPE", "DIGIT_CLASSES"]

DIGIT_SHAPE = (8, 8)  #: height, width of one image
DIGIT_CLASSES = 10


def one_hot(labels, n_classes: int) -> np.ndarray:
    """Class indices ``(1, m)`` (or ``(m,)``), integers in ``0..n_classes-1`` -> one-hot ``(n_classes, m)`` float64."""
    y = np.asarray(labels)
    if y.ndim == 2 and y.shape[0] == 1:
        y = y[0]
    if y.ndim != 1:
        raise ShapeError(f"labels: expected class indices of shape (1, m) or (m,), got {np.shape(labels)}")
    if y.size and (not np.all(y == np.round(y)) or y.min() < 0 or y.max() >= n_classes):
        raise InvalidValueError(f"labels: expected integers in 0..{n_classes - 1}, got values "
                                f"{np.unique(y)[:10].tolist()}")
    out = np.zeros((n_classes, y.size), np.float64)
    out[y.astype(np.int64), np.arange(y.size)] = 1.0
    return out


def digits(*, one_hot_labels: bool = True):
    """The 1797 8x8 digits: ``X (64, m)`` in [0, 1], ``Y (10, m)`` one-hot (or ``(1, m)`` indices)."""
    from sklearn.datasets import load_digits

    bunch = load_digits()
    X = np.ascontiguousarray(bunch.data.T / 16.0, dtype=np.float64)
    labels = bunch.target.astype(np.float64).reshape(1, -1)
    return X, (one_hot(labels, DIGIT_CLASSES) if one_hot_labels else labels)
