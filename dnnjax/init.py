"""Parameter initialisation: ``init_params(key, layer_dims)`` -> ``{"W1", "b1", ...}``.

``W{l}`` has shape ``(n[l], n[l-1])`` and ``b{l}`` has shape ``(n[l], 1)``; biases start at
zero. One PRNG key is split into one key per layer, so layer ``l`` draws from its own key.

All the draws of a network are one compiled program per (layer dims, zero layers, dtype); the
scales are an argument, so other scales reuse it. Its values are bit for bit those of drawing
layer by layer (``jax.random.normal(keys[l-1], (n, n_prev), dtype) * s``), which is what a first
run compiled before: one program per layer shape (the draw, the key slice, the multiply).
"""
from __future__ import annotations

import functools
import math

import jax
import jax.numpy as jnp
import numpy as np

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
    scales = [_weight_scale(scale, dims[l - 1], dims[l]) for l in range(1, len(dims))]
    zero = tuple(s == 0.0 for s in scales)
    drawn = _draw(key, np.asarray(scales, dtype), dims=dims, zero=zero, dtype=dtype)
    return {k: drawn[k] for l in range(1, len(dims)) for k in (f"W{l}", f"b{l}")}  # jit sorts dict keys


@functools.partial(jax.jit, static_argnames=("dims", "zero", "dtype"))
def _draw(key, scales, *, dims, zero, dtype):
    """``{"W1", "b1", ...}``: ``W{l} = normal(keys[l-1]) * scales[l-1]`` (zeros where ``zero[l-1]``).

    ``scales`` (L,) is an argument, not a constant. The barrier keeps XLA from rewriting the
    product together with the normal's own arithmetic (without it most draws with a scale other
    than 1 differed from the eager ones in the last bit), so each ``W`` is the same IEEE product
    as the eager ``normal * s``.
    """
    keys = jax.random.split(key, len(dims) - 1)
    params = {}
    for l in range(1, len(dims)):
        n_prev, n = dims[l - 1], dims[l]
        if zero[l - 1]:
            params[f"W{l}"] = jnp.zeros((n, n_prev), dtype)
        else:
            z = jax.lax.optimization_barrier(jax.random.normal(keys[l - 1], (n, n_prev), dtype))
            params[f"W{l}"] = z * scales[l - 1]
        params[f"b{l}"] = jnp.zeros((n, 1), dtype)
    return params
