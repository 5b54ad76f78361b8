"""Forward propagation: ``Z[l] = W[l] A[l-1] + b[l]``, ``A[l] = g(Z[l])``.

``X`` is ``(n_x, m)``; every ``Z[l]`` and ``A[l]`` is ``(n[l], m)``. The pure functions
here take static activation names and trace cleanly under ``jit``/``vmap``/``grad``;
:func:`forward` is the validated public entry point.
"""
from __future__ import annotations


from functools import partial

import jax
import jax.numpy as jnp

from dnnjax import activations, inputs


def num_layers(params) -> int:
    """``L``: the number of layers (one ``b{l}`` each; the dual form drops ``W1``)."""
    return sum(1 for k in params if k[0] == "b")


def linear_forward(A_prev, W, b):
    """``Z = W @ A_prev + b``: (n[l], n[l-1]) @ (n[l-1], m) + (n[l], 1) -> (n[l], m)."""
    return W @ A_prev + b


def forward_cache(params, X, hidden: str, Z1=None):
    """Logits ``Z_L`` (n_L, m) and the per-layer caches ``[(A_prev, Z), ...]`` for backprop.

    ``caches[l-1]`` holds layer ``l``'s input ``A[l-1]`` and pre-activation ``Z[l]``.
    Given ``Z1`` (n_1, m), layer 1's product is skipped and ``X`` may be None (the dual
    form of :mod:`dnnjax.dual`, which tracks ``W1 X`` itself).
    """
    g = activations.HIDDEN[hidden].fn
    L = num_layers(params)
    A, caches = X, []
    for l in range(1, L + 1):
        Z = Z1 if (l == 1 and Z1 is not None) else linear_forward(A, params[f"W{l}"], params[f"b{l}"])
        caches.append((A, Z))
        if l < L:
            A = g(Z)
    return Z, caches


def logits(params, X, hidden: str):
    """``Z_L`` (n_L, m): the network's output before the output activation."""
    return forward_cache(params, X, hidden)[0]


def forward(params, X, *, hidden="relu", output="sigmoid"):
    """The network's output ``A_L`` of shape ``(n_L, m)``.

    ``output="sigmoid"`` gives probabilities, ``"softmax"`` a distribution over the rows,
    ``"linear"`` the raw regression output.
    """
    params, X, _ = inputs.prepare(params, X, None, hidden=hidden, output=output)
    return _output_jit(params, X, hidden, output)


@partial(jax.jit, static_argnames=("hidden", "output"))
def _output_jit(params, X, hidden, output):
    return activations.output_activation(logits(params, X, hidden), output)

def predictions_from_logits(Z_L, output: str):
    """Sigmoid: (1, m) float 0./1. with class 1 iff sigmoid(Z) > 0.5; softmax: (1, m) argmax
    class index; linear: the output itself (n_L, m)."""
    if output == "sigmoid":
        return (activations.sigmoid(Z_L) > 0.5).astype(Z_L.dtype)
    if output == "softmax":
        return jnp.argmax(Z_L, axis=0, keepdims=True)
    return Z_L


def predict(params, X, *, hidden="relu", output="sigmoid"):
    """Predictions of the network for the columns of ``X`` (see :func:`predictions_from_logits`)."""
    params, X, _ = inputs.prepare(params, X, None, hidden=hidden, output=output)
    return _predict_jit(params, X, hidden, output)


@partial(jax.jit, static_argnames=("hidden", "output"))
def _predict_jit(params, X, hidden, output):
    return predictions_from_logits(logits(params, X, hidden), output)
