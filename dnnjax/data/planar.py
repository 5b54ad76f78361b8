"""Planar binary data sets ``X (2, m)``, ``Y (1, m)`` float64 0./1.: the course's "flower" and
the four extra sets of week 3, taken from scikit-learn's generators (``seed=s`` is
``random_state=s``; the arguments are the course's). scikit-learn is imported on first use."""
from __future__ import annotations

import numpy as np

from dnnjax.data._generate import _check_int, _course_layout, _rng_and_m
from dnnjax.errors import InvalidValueError

__all__ = ["planar_flower", "noisy_circles", "noisy_moons", "blobs", "gaussian_quantiles"]


def planar_flower(seed: int = 1, m: int = 400):
    """The course's planar "flower": X (2, m), Y (1, m) float64 0./1. (m even; m//2 per class)."""
    rng, m = _rng_and_m(seed, m, 2)
    if m % 2:
        raise InvalidValueError(f"m: expected an even number of points (two equal classes), got {m}")
    N, a = m // 2, 4
    X, Y = np.zeros((m, 2)), np.zeros((m, 1), dtype="uint8")
    for j in range(2):
        ix = range(N * j, N * (j + 1))
        t = np.linspace(j * 3.12, (j + 1) * 3.12, N) + rng.randn(N) * 0.2  # theta
        r = a * np.sin(4 * t) + rng.randn(N) * 0.2  # radius
        X[ix] = np.c_[r * np.sin(t), r * np.cos(t)]
        Y[ix] = j
    return _course_layout(X, Y.ravel())


def _seed_m(seed, m, m_min: int) -> tuple[int, int]:
    return _check_int("seed", seed, 0, 2**32), _check_int("m", m, m_min, 10**8)


def noisy_circles(seed: int = 1, m: int = 200, *, factor: float = 0.5, noise: float = 0.3):
    """``make_circles(m, factor=.5, noise=.3)``: outer circle label 0, inner (radius ``factor``) 1."""
    from sklearn.datasets import make_circles

    seed, m = _seed_m(seed, m, 2)
    return _course_layout(*make_circles(n_samples=m, factor=factor, noise=noise, random_state=seed))


def noisy_moons(seed: int = 1, m: int = 200, *, noise: float = 0.2):
    """``make_moons(m, noise=.2)``: two interleaved half circles, labels 0 (upper) and 1 (lower)."""
    from sklearn.datasets import make_moons

    seed, m = _seed_m(seed, m, 2)
    return _course_layout(*make_moons(n_samples=m, noise=noise, random_state=seed))


def blobs(seed: int = 5, m: int = 200, *, centers: int = 6):
    """``make_blobs(m, random_state=5, n_features=2, centers=6)``, label = centre index % 2.

    Centres uniform in [-10, 10]^2, unit standard deviation. The default seed 5 is the course's.
    """
    from sklearn.datasets import make_blobs

    seed, m = _seed_m(seed, m, 1)
    X, y = make_blobs(n_samples=m, random_state=seed, n_features=2, centers=centers)
    return _course_layout(X, y % 2)


def gaussian_quantiles(seed: int = 1, m: int = 200, *, cov: float = 0.5):
    """``make_gaussian_quantiles(cov=.5, n_samples=m, n_features=2, n_classes=2)``.

    Points from N(0, cov I); the m//2 nearest the origin are label 0, the rest label 1.
    """
    from sklearn.datasets import make_gaussian_quantiles

    seed, m = _seed_m(seed, m, 2)
    return _course_layout(*make_gaussian_quantiles(mean=None, cov=cov, n_samples=m, n_features=2, n_classes=2,
                                                   shuffle=True, random_state=seed))
