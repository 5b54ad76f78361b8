"""Gradients of the cost: automatic (``jax.grad``) or hand-written (:mod:`dnnjax.backprop`).

Both return the parameters' pytree (``{"W1": dW1, "b1": db1, ...}``), so they compare leaf
by leaf. :func:`value_and_grad` is the pure function the training loop compiles.
"""
from __future__ import annotations

from functools import partial

import jax

from dnnjax import backprop, inputs, losses, validate

METHODS = inputs.METHODS


def value_and_grad(params, X, Y, hidden: str, output: str, method: str):
    """``(cost, grads)`` by ``method`` ("autodiff" or "manual"); pure and jit-friendly."""
    if method == "autodiff":
        return jax.value_and_grad(losses.network_cost)(params, X, Y, hidden, output)
    if method == "manual":
        return backprop.value_and_grad(params, X, Y, hidden, output)
    raise ValueError(f"unknown method {method!r}")


@partial(jax.jit, static_argnames=("hidden", "output", "method"))
def _grads_jit(params, X, Y, hidden, output, method):
    return value_and_grad(params, X, Y, hidden, output, method)[1]


def grads(params, X, Y, *, hidden="relu", output="sigmoid", method="autodiff"):
    """Gradients of :func:`dnnjax.cost` with respect to every parameter.

    Returns ``{"W1": (n_1, n_x), "b1": (n_1, 1), ...}``, the structure of ``params``.
    """
    validate.one_of(method, METHODS, "method")
    params, X, Y = inputs.prepare(params, X, Y, hidden=hidden, output=output)
    return _grads_jit(params, X, Y, hidden, output, method)
