"""Per-example gradients: ``vmap`` over the columns (axis 1) of ``X`` and ``Y``.

Example ``i``'s gradient is the gradient of the cost of the one-column data set
``(X[:, i:i+1], Y[:, i:i+1])`` (the cost with ``m = 1``), so the mean over the ``m`` examples
is exactly :func:`dnnjax.grads` (every cost here is a mean over examples).

- :func:`per_example_grads` -> the parameters' pytree with a leading ``m`` axis:
  ``{"W1": (m, n_1, n_0), "b1": (m, n_1, 1), ...}``.
- :func:`per_example_grad_norms` -> (m,): each example's global L2 norm over all parameters,
  optionally computed ``batch_size`` examples at a time (``lax.map``) to bound memory.

``method="autodiff"`` vmaps ``jax.grad`` of the cost, ``"manual"`` vmaps the hand-written
:func:`dnnjax.backprop.value_and_grad`.
"""
from __future__ import annotations

from functools import partial

import jax
import jax.numpy as jnp

from dnnjax import gradients, inputs, validate


def example_grads(params, x, y, hidden: str, output: str, method: str):
    """Gradients for one example: ``x`` (n_x,), ``y`` (n_L,) -> ``{"W1": (n_1, n_0), ...}``."""
    return gradients.value_and_grad(params, x[:, None], y[:, None], hidden, output, method)[1]


def global_norm(tree):
    """``sqrt(sum of squares over every leaf)``: a 0-d array."""
    return jnp.sqrt(sum(jnp.sum(jnp.square(g)) for g in jax.tree.leaves(tree)))


@partial(jax.jit, static_argnames=("hidden", "output", "method"))
def _per_example_jit(params, X, Y, hidden, output, method):
    one = partial(example_grads, hidden=hidden, output=output, method=method)
    return jax.vmap(one, in_axes=(None, 1, 1))(params, X, Y)


@partial(jax.jit, static_argnames=("hidden", "output", "method", "batch_size"))
def _norms_jit(params, X, Y, hidden, output, method, batch_size):
    def one(xy):
        return global_norm(example_grads(params, xy[0], xy[1], hidden, output, method))
    if batch_size is None:
        return jax.vmap(one)((X.T, Y.T))
    return jax.lax.map(one, (X.T, Y.T), batch_size=batch_size)


def _prepare(params, X, Y, hidden, output, method):
    validate.one_of(method, inputs.METHODS, "method")
    return inputs.prepare(params, X, Y, hidden=hidden, output=output)


def per_example_grads(params, X, Y, *, hidden="relu", output="sigmoid", method="autodiff"):
    """Gradient of each example's cost (the cost with ``m = 1``) for every parameter.

    Args:
      params: ``{"W1": (n_1, n_0), "b1": (n_1, 1), ...}``.
      X: (n_x, m), examples in columns; Y: (n_L, m).
      method: "autodiff" or "manual".

    Returns:
      ``{"W1": (m, n_1, n_0), "b1": (m, n_1, 1), ...}``; the mean over axis 0 equals
      ``dnnjax.grads(params, X, Y, ...)``. Memory is ``m`` times the parameters'.
    """
    params, X, Y = _prepare(params, X, Y, hidden, output, method)
    return _per_example_jit(params, X, Y, hidden, output, method)


def per_example_grad_norms(params, X, Y, *, hidden="relu", output="sigmoid", method="autodiff", batch_size=None):
    """Global L2 norm of each example's gradient, shape (m,).

    ``batch_size``: None (all ``m`` at once) or an int >= 1: examples are processed that many
    at a time, so only ``batch_size`` gradient pytrees are alive at once.
    """
    params, X, Y = _prepare(params, X, Y, hidden, output, method)
    if batch_size is not None:
        batch_size = min(validate.positive_int(batch_size, "batch_size"), X.shape[1])
    return _norms_jit(params, X, Y, hidden, output, method, batch_size)
