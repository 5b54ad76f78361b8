"""Costs. The core ones work from logits ``Z_L`` (n_L, m) and labels ``Y`` (n_L, m).

- ``sigmoid``: mean binary cross-entropy, ``-(1/m) sum(Y log s(Z) + (1-Y) log s(-Z))``, written
  as ``max(Z, 0) - Y Z + log1p(exp(-|Z|))`` (:func:`binary_cross_entropy_from_logits`): finite
  for any finite logit, and a backward pass of one fused element-wise expression.
- ``softmax``: mean categorical cross-entropy with one-hot ``Y`` (C, m), ``log_softmax`` over rows.
- ``linear``: mean squared error, ``(1/m) sum((Z - Y)^2)`` (summed over output rows).

``probability_cross_entropy`` is the course's own cost on probabilities ``A`` (used by
:mod:`dnnjax.course` so it returns the course's numbers for any input).
"""
from __future__ import annotations

import jax
import jax.numpy as jnp

from dnnjax import network as fwd
from dnnjax import inputs


def binary_cross_entropy_from_logits(Z, Y):
    """Per-example ``-(Y log s(Z) + (1-Y) log s(-Z))`` = ``max(Z, 0) - Y Z + log1p(exp(-|Z|))``.

    Both branches are picked by one ``Z >= 0`` test, so ``jax.grad`` is ``s(Z) - Y`` on both
    sides and at 0 (``1 - Y - 1/2`` there); ``exp`` only ever sees ``-|Z| <= 0``: no overflow.
    The same values as ``optax.sigmoid_binary_cross_entropy`` to float rounding, with a
    backward pass that is one element-wise expression (optax's ``log_sigmoid`` backward is
    several kernels and a ``log1p`` on XLA:CPU). Any shape; ``Y`` may hold soft labels.
    """
    pos = Z >= 0
    return jnp.where(pos, Z, 0) - Y * Z + jnp.log1p(jnp.exp(jnp.where(pos, -Z, Z)))


def sigmoid_cross_entropy(Z, Y):
    return jnp.sum(binary_cross_entropy_from_logits(Z, Y)) / Z.shape[1]


def softmax_cross_entropy(Z, Y):
    return -jnp.sum(Y * jax.nn.log_softmax(Z, axis=0)) / Z.shape[1]


def mean_squared_error(Z, Y):
    return jnp.sum((Z - Y) ** 2) / Z.shape[1]


FROM_LOGITS = {
    "sigmoid": sigmoid_cross_entropy,
    "softmax": softmax_cross_entropy,
    "linear": mean_squared_error,
}


def probability_cross_entropy(A, Y):
    """The course's ``-(1/m) sum(Y log A + (1-Y) log(1-A))`` on probabilities ``A`` (1, m)."""
    m = Y.shape[1]
    return -jnp.sum(Y * jnp.log(A) + (1 - Y) * jnp.log(1 - A)) / m


def loss_from_logits(Z, Y, output: str):
    return FROM_LOGITS[output](Z, Y)


def network_cost(params, X, Y, hidden: str, output: str):
    """Pure (unvalidated) cost of the network: what ``jax.grad`` differentiates."""
    return loss_from_logits(fwd.logits(params, X, hidden), Y, output)


_network_cost_jit = jax.jit(network_cost, static_argnames=("hidden", "output"))


def cost(params, X, Y, *, hidden="relu", output="sigmoid"):
    """The mean cost over the ``m`` examples, a 0-d array (see the module doc per output)."""
    params, X, Y = inputs.prepare(params, X, Y, hidden=hidden, output=output)
    return _network_cost_jit(params, X, Y, hidden=hidden, output=output)
