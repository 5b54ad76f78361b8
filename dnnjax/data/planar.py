"""Planar binary data sets ``X (2, m)``, ``Y (1, m)`` float64 0./1.: the course's "flower" and
the four extra sets of week 3, which follow scikit-learn's generators (same draws in the same
order: ``seed=s`` ~ ``random_state=s``) without depending on it."""
from __future__ import annotations

import numpy as np

from dnnjax.data._generate import _course_layout, _rng_and_m, _shuffle
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


def noisy_circles(seed: int = 1, m: int = 200, *, factor: float = 0.5, noise: float = 0.3):
    """``make_circles(m, factor=.5, noise=.3)``: outer circle label 0, inner (radius ``factor``) 1."""
    rng, m = _rng_and_m(seed, m, 2)
    n_out, n_in = m // 2, m - m // 2
    t_out = np.linspace(0, 2 * np.pi, n_out, endpoint=False)
    t_in = np.linspace(0, 2 * np.pi, n_in, endpoint=False)
    X = np.vstack([np.append(np.cos(t_out), np.cos(t_in) * factor),
                   np.append(np.sin(t_out), np.sin(t_in) * factor)]).T
    X, y = _shuffle(rng, X, np.r_[np.zeros(n_out), np.ones(n_in)])
    return _course_layout(X + rng.normal(scale=noise, size=X.shape), y)


def noisy_moons(seed: int = 1, m: int = 200, *, noise: float = 0.2):
    """``make_moons(m, noise=.2)``: two interleaved half circles, labels 0 (upper) and 1 (lower)."""
    rng, m = _rng_and_m(seed, m, 2)
    n_out, n_in = m // 2, m - m // 2
    t_out, t_in = np.linspace(0, np.pi, n_out), np.linspace(0, np.pi, n_in)
    X = np.vstack([np.append(np.cos(t_out), 1 - np.cos(t_in)),
                   np.append(np.sin(t_out), 1 - np.sin(t_in) - 0.5)]).T
    X, y = _shuffle(rng, X, np.r_[np.zeros(n_out), np.ones(n_in)])
    return _course_layout(X + rng.normal(scale=noise, size=X.shape), y)


def blobs(seed: int = 5, m: int = 200, *, centers: int = 6):
    """``make_blobs(m, random_state=5, n_features=2, centers=6)``, label = centre index % 2.

    Centres uniform in [-10, 10]^2, unit standard deviation. The default seed 5 is the course's.
    """
    rng, m = _rng_and_m(seed, m, 1)
    c = rng.uniform(-10.0, 10.0, size=(centers, 2))
    counts = [m // centers + (i < m % centers) for i in range(centers)]
    X = np.concatenate([rng.normal(loc=c[i], scale=1.0, size=(n, 2)) for i, n in enumerate(counts)])
    X, y = _shuffle(rng, X, np.repeat(np.arange(centers), counts))
    return _course_layout(X, y % 2)


def gaussian_quantiles(seed: int = 1, m: int = 200, *, cov: float = 0.5):
    """``make_gaussian_quantiles(cov=.5, n_samples=m, n_features=2, n_classes=2)``.

    Points from N(0, cov I); the m//2 nearest the origin are label 0, the rest label 1.
    """
    rng, m = _rng_and_m(seed, m, 2)
    X = rng.multivariate_normal(np.zeros(2), cov * np.identity(2), (m,))
    X = X[np.argsort(np.sum(X**2, axis=1))]
    step = m // 2
    y = np.hstack([np.repeat(np.arange(2), step), np.repeat(1, m - 2 * step)])
    return _course_layout(*_shuffle(rng, X, y))
