"""Hand-written backward propagation: the course's building blocks, in JAX.

The reference the automatic gradients are checked against. Shapes follow the course:
``dZ[l]``, ``dA[l]`` are ``(n[l], m)``, ``dW[l]`` is ``(n[l], n[l-1])``, ``db[l]`` is ``(n[l], 1)``.

For every output the cost's derivative with respect to the logits is ``(A_L - Y) / m``
(sigmoid + binary CE, softmax + categorical CE) or ``2 (Z_L - Y) / m`` (linear + MSE). The
``1/m`` is folded into ``dZ_L`` once, so ``dW[l] = dZ[l] A[l-1]^T`` and ``db[l] = sum(dZ[l])``
need no further scaling, and ``dA[0] = W[1]^T dZ[1]`` (unused) is never computed.
"""
from __future__ import annotations

import jax
import jax.numpy as jnp

from dnnjax import activations, losses
from dnnjax import network as fwd
from dnnjax.network import num_layers


def output_delta(Z_L, Y, output: str):
    """``dJ/dZ_L`` (n_L, m) for the mean cost of ``output``."""
    m = Z_L.shape[1]
    if output == "sigmoid":
        return (jax.nn.sigmoid(Z_L) - Y) / m
    if output == "softmax":
        return (jax.nn.softmax(Z_L, axis=0) - Y) / m
    if output == "linear":
        return 2 * (Z_L - Y) / m
    raise ValueError(f"unknown output {output!r}")


def linear_backward(dZ, A_prev, W):
    """Course ``linear_backward`` with ``1/m`` already inside ``dZ``: -> ``(dA_prev, dW, db)``."""
    dW = dZ @ A_prev.T
    db = jnp.sum(dZ, axis=1, keepdims=True)
    dA_prev = None if W is None else W.T @ dZ
    return dA_prev, dW, db


def activation_backward(dA, Z, hidden: str):
    """``dZ = dA * g'(Z)`` for the hidden activation ``g``."""
    return dA * activations.HIDDEN[hidden].grad(Z)


def backward(params, caches, dZ, hidden: str):
    """From ``dZ_L`` down to layer 1: ``({"W{l}": dW, "b{l}": db}, dZ1)``.

    ``dW1`` is skipped when layer 1's input is not cached (None): the dual form needs ``dZ1``.
    """
    grads = {}
    for l in range(num_layers(params), 0, -1):
        A_prev, _ = caches[l - 1]
        W = params[f"W{l}"] if l > 1 else None  # dA0 = W1^T dZ1 is not needed
        if A_prev is None:
            grads[f"b{l}"] = jnp.sum(dZ, axis=1, keepdims=True)
            continue
        dA_prev, grads[f"W{l}"], grads[f"b{l}"] = linear_backward(dZ, A_prev, W)
        if l > 1:
            dZ = activation_backward(dA_prev, caches[l - 2][1], hidden)
    return grads, dZ


def value_and_grad(params, X, Y, hidden: str, output: str, Z1=None):
    """``(cost, grads)`` by hand: the same pytree and keys as ``jax.grad`` of the cost.

    With ``Z1`` given (dual form), ``grads`` has no ``W1`` and holds ``"Z1"``: ``dJ/dZ1``.
    """
    Z_L, caches = fwd.forward_cache(params, X, hidden, Z1=Z1)
    cost = losses.loss_from_logits(Z_L, Y, output)
    grads, dZ1 = backward(params, caches, output_delta(Z_L, Y, output), hidden)
    if Z1 is not None:
        grads["Z1"] = dZ1
    return cost, {k: grads[k] for k in sorted(grads)}
