"""Gradients of a weighted mean cost, for a minibatch padded to a fixed width and masked.

``w`` (B,) gives each column's weight (``1/r`` on the ``r`` real columns, 0 on the padding);
the cost is ``sum_i w_i loss_i``, where ``loss_i`` is :func:`dnnjax.losses.loss_from_logits` of
column ``i`` alone: the mean over the real columns, exactly what the unpadded batch gives.
Both gradient methods: ``jax.grad`` of that cost, or the hand-written backward pass
(:mod:`dnnjax.backprop`) with ``dZ_L`` reweighted from ``1/B`` per column to ``w_i``.
"""
from __future__ import annotations

import jax
import jax.numpy as jnp

from dnnjax import backprop, gradients, losses, network


def per_example_loss(Z_L, Y, output: str):
    """(m,) the loss of each column of ``Z_L`` (n_L, m) against ``Y`` (n_L, m)."""
    one = lambda z, y: losses.loss_from_logits(z[:, None], y[:, None], output)
    return jax.vmap(one, in_axes=1)(Z_L, Y)


def value_and_grad(params, X, Y, config, w=None):
    """``(sum_i w_i loss_i, grads)``; ``config = (hidden, output, method)``; ``X`` (n_x, B).
    Without ``w``, the plain mean cost's (:func:`dnnjax.gradients.value_and_grad`)."""
    hidden, output, method = config
    if w is None:
        return gradients.value_and_grad(params, X, Y, hidden, output, method)
    w = w.astype(X.dtype)
    if method == "autodiff":
        cost_of = lambda p: jnp.sum(w * per_example_loss(network.logits(p, X, hidden), Y, output))
        return jax.value_and_grad(cost_of)(params)
    Z_L, caches = network.forward_cache(params, X, hidden)
    cost = jnp.sum(w * per_example_loss(Z_L, Y, output))
    dZ = backprop.output_delta(Z_L, Y, output) * (w * Z_L.shape[1])[None, :]  # 1/B inside -> w_i
    grads, _ = backprop.backward(params, caches, dZ, hidden)
    return cost, {k: grads[k] for k in sorted(grads)}
