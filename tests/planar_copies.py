"""The hand-written copies of scikit-learn's four planar generators that dnnjax shipped before it
depended on scikit-learn (same draws in the same order), kept as the reference that
tests/test_data.py compares :mod:`dnnjax.data.planar` (now scikit-learn itself) against."""
from __future__ import annotations

import numpy as np


def _rng_and_m(seed, m, m_min):
    return np.random.RandomState(seed), m


def _course_layout(X, y):
    return np.ascontiguousarray(X.T, dtype=np.float64), y.astype(np.float64).reshape(1, -1)


def _shuffle(rng, X, y):
    """scikit-learn's ``utils.shuffle``: permute an index vector in place with ``rng.shuffle``."""
    idx = np.arange(X.shape[0])
    rng.shuffle(idx)
    return X[idx], y[idx]


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
