"""Parameter initialisation: ``init_params(key, layer_dims)`` -> ``{"W1", "b1", ...}``.

``W{l}`` has shape ``(n[l], n[l-1])`` and ``b{l}`` has shape ``(n[l], 1)``; biases start at
zero. One PRNG key is split into one key per layer, so layer ``l`` draws from its own key.
"""
from __future__ import annotations

import math

import jax
import jax.numpy as jnp

from dnnjax import validate

SCALES = ("sqrt_n", "he", "xavier", "zeros")


def _weight_scale(scale, n_prev: int, n: int) -> float:
    if scale == "sqrt_n":  # the course's deep-network init: randn / sqrt(n[l-1])
        return 1.0 / math.sqrt(n_prev)
    if scale == "he":  # He et al. 2015, for ReLU: sqrt(2 / n[l-1])
        return math.sqrt(2.0 / n_prev)
    if scale == "xavier":  # Glorot & Bengio 2010 (normal): sqrt(2 / (n[l-1] + n[l]))
        return math.sqrt(2.0 / (n_prev + n))
    if scale == "zeros":
        return 0.0
    return float(scale)


def init_params(key, layer_dims, *, scale=0.01, dtype=jnp.float32) -> dict:
    """Small random weights and zero biases for a network with ``layer_dims``.

    Args:
      key: a ``jax.random`` key; split into one key per layer.
      layer_dims: ``[n_x, n_1, ..., n_L]``, at least two positive integers.
        ``[n_x, 1]`` is logistic regression.
      scale: a finite float ``s`` (``W = normal * s``; the course's 0.01), or one of
        ``"sqrt_n"`` (``normal / sqrt(n[l-1])``, the course's deep init), ``"he"``,
        ``"xavier"``, ``"zeros"``.
      dtype: floating dtype of every leaf (float64 needs ``jax.enable_x64``).

    Returns:
      ``{"W1": (n_1, n_x), "b1": (n_1, 1), ..., "WL": (n_L, n_{L-1}), "bL": (n_L, 1)}``.
    """
    dims = validate.layer_dims(layer_dims)
    validate.init_scale(scale, SCALES)
    dtype = validate.float_dtype(dtype)
    keys = jax.random.split(key, len(dims) - 1)
    params = {}
    for l in range(1, len(dims)):
        n_prev, n = dims[l - 1], dims[l]
        s = _weight_scale(scale, n_prev, n)
        if s == 0.0:
            params[f"W{l}"] = jnp.zeros((n, n_prev), dtype)
        else:
            params[f"W{l}"] = jax.random.normal(keys[l - 1], (n, n_prev), dtype) * jnp.asarray(s, dtype)
        params[f"b{l}"] = jnp.zeros((n, 1), dtype)
    return params
