"""Gradients of the cost: automatic (``jax.grad``) or hand-written (:mod:`dnnjax.backprop`).

Both return the parameters' pytree (``{"W1": dW1, "b1": db1, ...}``), so they compare leaf
by leaf. :func:`value_and_grad` is the pure function the training loop compiles.
"""
from __future__ import annotations

from functools import partial

import jax
import jax.numpy as jnp

from dnnjax import backprop, inputs, losses, network, validate

METHODS = inputs.METHODS


def value_and_grad(params, X, Y, hidden: str, output: str, method: str):
    """``(cost, grads)`` by ``method`` ("autodiff" or "manual"); pure and jit-friendly."""
    if method == "autodiff":
        return jax.value_and_grad(losses.network_cost)(params, X, Y, hidden, output)
    if method == "manual":
        return backprop.value_and_grad(params, X, Y, hidden, output)
    raise ValueError(f"unknown method {method!r}")


def checked_grad(params, X, Y, hidden: str, output: str):
    """``(check, grads)``: ``jax.grad`` of the cost, without its value; pure and jit-friendly.

    ``check`` is 0 when every logit (every squared residual, for ``linear``) is finite and NaN
    otherwise: the gradient of a term ``c * sum(0 * Z_L)`` at ``c = 0``, worth exactly 0, so
    the other gradients are unchanged. It is what the training loop tests for divergence at
    every iteration (as :mod:`dnnjax.narrow`'s check), recording the real cost once per logged
    chunk; the cost's own value (its ``log1p`` pass, its per-iteration output) is dead code.
    """
    def cost_and_check(p, c):
        Z = network.logits(p, X, hidden)
        watched = jnp.square(Z - Y) if output == "linear" else Z
        return losses.loss_from_logits(Z, Y, output) + c * jnp.sum(0 * watched)

    grads, check = jax.grad(cost_and_check, argnums=(0, 1))(params, jnp.zeros((), X.dtype))
    return check, grads


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
