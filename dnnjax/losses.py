"""Costs. The core ones work from logits ``Z_L`` (n_L, m) and labels ``Y`` (n_L, m).

- ``sigmoid``: mean binary cross-entropy, ``-(1/m) sum(Y log s(Z) + (1-Y) log s(-Z))``, via
  optax's stable ``sigmoid_binary_cross_entropy`` (``log_sigmoid``): finite for any logit.
- ``softmax``: mean categorical cross-entropy with one-hot ``Y`` (C, m), ``log_softmax`` over rows.
- ``linear``: mean squared error, ``(1/m) sum((Z - Y)^2)`` (summed over output rows).

``probability_cross_entropy`` is the course's own cost on probabilities ``A`` (used by
:mod:`dnnjax.course` so it returns the course's numbers for any input).
"""
from __future__ import annotations

import jax
import jax.numpy as jnp
import optax

from dnnjax import network as fwd
from dnnjax import inputs


def sigmoid_cross_entropy(Z, Y):
    return jnp.sum(optax.sigmoid_binary_cross_entropy(Z, Y)) / Z.shape[1]


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
