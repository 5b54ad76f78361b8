"""Input validation shared by the plots: each check raises a :mod:`dnnjax.errors` exception
naming the argument, what was expected and what came, before anything is drawn."""

from __future__ import annotations

from typing import Any

import numpy as np

from dnnjax.errors import InvalidTypeError, InvalidValueError, ShapeError


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
    """InvalidValueError if a floating ``arr`` holds NaN or inf (integers always pass)."""
    if arr.size and np.issubdtype(arr.dtype, np.floating) and not np.all(np.isfinite(arr)):
        bad = int(np.size(arr) - np.count_nonzero(np.isfinite(arr)))
        raise InvalidValueError(f"{name} must be finite, got {bad} NaN/inf value(s)")


def _check_x(X: Any) -> np.ndarray:
    """Planar points: X (2, m), m >= 1, finite; returned as a NumPy array (booleans as float64)."""
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
    return X


def _check_xy(X: Any, Y: Any, *, binary: bool) -> tuple[np.ndarray, np.ndarray]:
    """Planar data: X (2, m) finite, Y (1, m) labels (0/1 if ``binary``, else integers >= 0).

    Returns ``(X (2, m) float64, y (m,) int64)``.
    """
    X = _check_x(X)
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
    """``int(value)`` for an int (not bool) >= ``minimum``, else a named dnnjax error."""
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
        raise InvalidTypeError(f"{name} must be an int >= {minimum}, got {type(value).__name__} {value!r}")
    if value < minimum:
        raise InvalidValueError(f"{name} must be an int >= {minimum}, got {value}")
    return int(value)


def _check_title(title: Any) -> str | None:
    """``title`` if it is a ``str`` or ``None``, else InvalidTypeError."""
    if title is not None and not isinstance(title, str):
        raise InvalidTypeError(f"title must be a str or None, got {type(title).__name__}")
    return title
