"""Costs. The core ones work from logits ``Z_L`` (n_L, m) and labels ``Y`` (n_L, m).

- ``sigmoid``: mean binary cross-entropy, ``-(1/m) sum(Y log s(Z) + (1-Y) log s(-Z))``, written
  as ``max(Z, 0) - Y Z + log1p(exp(-|Z|))`` (:func:`binary_cross_entropy_from_logits`): finite
  for any finite logit; its derivative rule ``s(Z) - Y`` is one fused element-wise expression.
- ``softmax``: mean categorical cross-entropy with one-hot ``Y`` (C, m), ``log_softmax`` over rows.
- ``linear``: mean squared error, ``(1/m) sum((Z - Y)^2)`` (summed over output rows).

``probability_cross_entropy`` is the course's own cost on probabilities ``A`` (used by
:mod:`dnnjax.course` so it returns the course's numbers for any input).
"""
from __future__ import annotations

import jax
import jax.numpy as jnp
from jax.custom_derivatives import SymbolicZero

from dnnjax import network as fwd
from dnnjax import inputs


@jax.custom_jvp
def binary_cross_entropy_from_logits(Z, Y):
    """Per-example ``-(Y log s(Z) + (1-Y) log s(-Z))`` = ``max(Z, 0) - Y Z + log1p(exp(-|Z|))``.

    Both branches are picked by one ``Z >= 0`` test; ``exp`` only ever sees ``-|Z| <= 0``: no
    overflow, finite for any finite logit. The same values as ``optax.sigmoid_binary_cross_entropy``
    to float rounding. Any shape; ``Y`` may hold soft labels.

    Its derivative is given as a rule (``jax.custom_jvp``, like JAX's own ``logaddexp``):
    ``dZ (s(Z) - Y) - dY Z``, the textbook identity, one element-wise expression with one
    ``exp``. Differentiated as written, ``jax.grad`` keeps ``e = exp(-|Z|)`` for two uses (``1 / (1
    + e)`` and ``e`` times it), which XLA:CPU runs as two kernels where ``s(Z) - Y`` is one (the
    planar loop of :mod:`dnnjax.narrow_autodiff`). Everything upstream of the logits (the
    network's backward pass) is still derived by ``jax.grad``.
    """
    pos = Z >= 0
    return jnp.where(pos, Z, 0) - Y * Z + jnp.log1p(jnp.exp(jnp.where(pos, -Z, Z)))


def _binary_cross_entropy_jvp(primals, tangents):
    (Z, Y), (dZ, dY) = primals, tangents
    terms = [] if isinstance(dZ, SymbolicZero) else [dZ * (jax.nn.sigmoid(Z) - Y)]
    if not isinstance(dY, SymbolicZero):  # labels are constants in training: no 0 * Z term (NaN at Z = inf)
        terms.append(-dY * Z)
    out = binary_cross_entropy_from_logits(Z, Y)
    return out, (sum(terms[1:], terms[0]) if terms else jnp.zeros_like(out))


binary_cross_entropy_from_logits.defjvp(_binary_cross_entropy_jvp, symbolic_zeros=True)


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
