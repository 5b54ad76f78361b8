"""Consistent inputs for the checks: real forward passes of the *reference*, never the learner's.

Parameters and data are float64 NumPy arrays drawn from one ``numpy.random.Generator`` (the
``--seed``), small so a check is fast: several depths (L = 1, 2, 3, 5), equal and unequal
widths, several m, non-zero biases. Every network has one exact zero pre-activation (example 0
of ``X`` is all zeros and ``b1[0] = 0``, so ``Z1[0, 0] == 0``, where the layer has more than one
unit, so that every layer keeps a non-zero bias) besides entries of both signs, so a
derivative taken at the wrong side of ReLU's kink shows. Caches come from
:mod:`dnnjax.course`'s forward pass, so ``Z`` is ``W A + b`` (unlike the course's own test cases).
"""
from __future__ import annotations

import numpy as np

from dnnjax.check import reference

#: (label, layer sizes, m): the depths the deep pieces are checked at
DEEP_NETS = (("L=1", (3, 1), 4), ("L=2", (4, 3, 1), 5), ("L=3, equal widths", (3, 3, 3, 1), 4),
             ("L=3", (5, 4, 2, 1), 3), ("L=5", (4, 6, 3, 5, 2, 1), 6))
#: (label, n[l], n[l-1], m): single layers
LAYERS = (("n=3, n_prev=4, m=5", 3, 4, 5), ("n=3, n_prev=3, m=4", 3, 3, 4), ("n=1, n_prev=6, m=3", 1, 6, 3))


def params(rng, dims, *, zero_first_bias=True):
    """``{"W1", "b1", ...}``: ``W ~ N(0, 1/n_prev)`` (activations stay O(1)), ``b ~ N(0, 0.25)``."""
    out = {}
    for l in range(1, len(dims)):
        out[f"W{l}"] = rng.standard_normal((dims[l], dims[l - 1])) / np.sqrt(dims[l - 1]) * 1.5
        out[f"b{l}"] = rng.standard_normal((dims[l], 1)) * 0.5
    if zero_first_bias and dims[1] > 1:  # keep a non-zero bias in every layer
        out["b1"][0, 0] = 0.0
    return out


def data(rng, n_x, m, n_y=1):
    """``X`` (n_x, m) with column 0 all zeros, ``Y`` (n_y, m) labels 0/1 with both classes."""
    X = rng.standard_normal((n_x, m))
    X[:, 0] = 0.0
    Y = (rng.random((n_y, m)) > 0.5).astype(np.float64)
    Y[:, 0], Y[:, -1] = 1.0, 0.0
    return X, Y


def deep_net(rng, dims, m):
    """``(X, Y, params, AL, caches)`` with ``AL, caches`` from the reference ``L_model_forward``."""
    X, Y = data(rng, dims[0], m, dims[-1])
    p = params(rng, dims)
    AL, caches = reference.DEEP["L_model_forward"](X, p)
    return X, Y, p, AL, caches


def layer(rng, n, n_prev, m):
    """``(A_prev, W, b, Z)`` for one layer: ``A_prev`` column 0 zero and (for n > 1) ``b[0] = 0``: ``Z[0, 0] == 0``."""
    A_prev = np.abs(rng.standard_normal((n_prev, m))) if n_prev > 1 else rng.standard_normal((n_prev, m))
    A_prev[:, 0] = 0.0
    W = rng.standard_normal((n, n_prev)) * 1.5 / np.sqrt(n_prev)
    b = rng.standard_normal((n, 1)) * 0.5
    if n > 1:  # keep a non-zero bias
        b[0, 0] = 0.0
    return A_prev, W, b, W @ A_prev + b


def probabilities(rng, shape):
    """Values in (0.05, 0.95), away from 0.5."""
    p = rng.uniform(0.05, 0.45, shape)
    return np.where(rng.random(shape) > 0.5, p, 1 - p)


def sigmoid(z):
    return 1 / (1 + np.exp(-z))
