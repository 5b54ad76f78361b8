"""Plumbing shared by the generated data sets: validated seed and size, a seeded
``np.random.RandomState`` (the global NumPy RNG is never touched) and the conversion to the
course layout."""
from __future__ import annotations

import numpy as np

from dnnjax.errors import InvalidTypeError, InvalidValueError


def _check_int(name: str, value, lo: int, hi: int) -> int:
    """``int(value)`` for an int (not bool) with ``lo <= value < hi``, else a named dnnjax error."""
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
        raise InvalidTypeError(f"{name}: expected an int, got {type(value).__name__} {value!r}")
    if not lo <= value < hi:
        raise InvalidValueError(f"{name}: expected an int in [{lo}, {hi}), got {value}")
    return int(value)


def _rng_and_m(seed, m, m_min: int):
    """Validated ``(np.random.RandomState(seed), m)``."""
    return np.random.RandomState(_check_int("seed", seed, 0, 2**32)), _check_int("m", m, m_min, 10**8)


def _course_layout(X: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(m, 2) points and (m,) labels -> X (2, m) float64, Y (1, m) float64."""
    return np.ascontiguousarray(X.T, dtype=np.float64), y.astype(np.float64).reshape(1, -1)

