"""A synthetic regression set (house prices from four raw features) and feature scaling.

``house_prices`` returns ``X (4, m)``, ``Y (1, m)``; ``standardize`` scales rows of ``X`` to zero
mean and unit variance, reusing a training set's statistics on a test set.
"""
from __future__ import annotations

import numpy as np

from dnnjax.data._generate import _rng_and_m
from dnnjax.errors import InvalidValueError, ShapeError

__all__ = ["house_prices", "standardize"]


def house_prices(seed: int = 0, m: int = 200):
    """Synthetic house prices: X (4, m) raw features, Y (1, m) price in thousands of USD.

    Rows of X: 0 living area (square feet, 600..3500, multiples of 10); 1 bedrooms (count 1..6);
    2 zip code (an index 0..9 of ten neighbourhoods, stored as float); 3 wealth (neighbourhood
    median household income, thousands of USD per year). The price hides a nonlinear story:
    family size from area and bedrooms, walkability from the zip code, school quality from zip
    and wealth, plus Gaussian noise (sd 15k USD). Features are not standardised: see
    :func:`standardize`.
    """
    rng, m = _rng_and_m(seed, m, 1)
    size = np.round(rng.uniform(600, 3500, m), -1)
    beds = np.clip(np.round(size / 700 + rng.normal(0, 0.7, m)), 1, 6)
    zipc = rng.randint(0, 10, m).astype(np.float64)
    wealth = np.round(np.exp(rng.normal(np.log(45 + 9 * zipc), 0.3)), 1)
    family = 1 + 0.9 * (beds - 1) + 0.4 * np.tanh((size - 1500) / 800)
    walk = 0.5 + 0.5 * np.cos(0.9 * zipc)
    school = 1 / (1 + np.exp(-(wealth - 80) / 25 - 0.25 * (zipc - 4.5)))
    price = (60 + 0.09 * size * (0.8 + 0.4 * walk) + 35 * np.sqrt(family) + 150 * school**2
             + rng.normal(0, 15, m))
    return np.stack([size, beds, zipc, wealth]), price.reshape(1, m)


def standardize(X, mean=None, std=None):
    """Return ``(X_std (n_x, m), mean (n_x, 1), std (n_x, 1))`` with ``X_std = (X - mean) / std``.

    Without ``mean``/``std`` they are X's row means and (population) standard deviations, a
    constant row getting std 1; pass a training set's ``mean``/``std`` to scale a test set alike.
    """
    X = np.asarray(X, dtype=np.float64)
    if X.ndim != 2:
        raise ShapeError(f"X: expected (n_x, m), got shape {X.shape}")
    if (mean is None) != (std is None):
        raise InvalidValueError("mean, std: give both (to reuse a training set's scaling) or neither")
    if mean is None:
        mean, std = X.mean(axis=1, keepdims=True), X.std(axis=1, keepdims=True)
        std = np.where(std > 0, std, 1.0)
    mean, std = np.asarray(mean, np.float64), np.asarray(std, np.float64)
    if mean.shape != (X.shape[0], 1) or std.shape != (X.shape[0], 1):
        raise ShapeError(f"mean, std: expected shape ({X.shape[0]}, 1), got {mean.shape}, {std.shape}")
    return (X - mean) / std, mean, std
