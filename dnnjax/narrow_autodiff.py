"""``jax.grad`` for narrow networks, arranged so its backward pass is as few kernels as the manual one.

For a network no wider than :data:`dnnjax.narrow.MAX_WIDTH` anywhere (the planar 2-4-1), an
iteration's time on XLA:CPU is the number of kernels, not the arithmetic. ``jax.grad`` of the
core cost gives eight tiny dots and four reductions per iteration; here it is ``jax.grad`` of
the same cost, written so that the backward pass it derives fuses:

- all parameters are packed into one vector ``theta`` (P + 1,) and broadcast to ``(P + 1, m)``,
  one copy per example, then split into rows: the transpose of the broadcast is *one* sum over
  the examples of every parameter's per-example gradient (the manual form's stacked reduction),
  and the transpose of the split a concatenation (slices would transpose to pads);
- every contraction over a narrow axis is an element-wise product with the per-example copy of
  ``W[l]`` summed over that axis: it fuses with the bias and the activation, and its transpose
  (each ``dW[l]`` entry per example) is element-wise too, one block of the stacked reduction;
- the cost is the stable cross-entropy of :mod:`dnnjax.losses`, whose derivative rule
  ``s(Z) - Y`` is one kernel with the output layer's sum (12 kernels per planar iteration, the
  manual step 11; without the rule ``jax.grad`` keeps ``exp(-|Z|)`` for two uses: 13);
- the last entry of ``theta`` is 0 and multiplies ``0 * Z_L`` (``0 * (Z_L - Y)^2`` for
  ``linear``), a term worth exactly 0 that adds 0 to every other gradient: its own gradient is
  the *check* of :mod:`dnnjax.narrow`, 0 when every logit is finite and NaN otherwise, from the
  same reduction. The loop takes only the gradient at each iteration (the cost's value is dead
  code that XLA removes) and records the cost with :func:`dnnjax.narrow.cost` once per chunk.

The gradients are ``jax.grad``'s, not a hand-written backward pass: equal to the core
``jax.grad`` to float rounding (tests: 1e-12 in float64, every hidden x output). ``fit``'s
default ``method="autodiff"`` uses it where :func:`dnnjax.narrow.applies` (full batch, no Gram form);
the sweeps (``vmap``) use :func:`value_and_grad_batched`, the same cost written for a batch of models.
"""
from __future__ import annotations

import functools

import jax
import jax.numpy as jnp
import numpy as np
from jax.custom_batching import custom_vmap

from dnnjax import activations, losses
from dnnjax.network import num_layers


def layout(params):
    """``[(name, shape), ...]``: the order of the parameters in ``theta`` (W1, b1, W2, b2, ...)."""
    return [(f"{p}{l}", params[f"{p}{l}"].shape) for l in range(1, num_layers(params) + 1) for p in ("W", "b")]


def pack(params):
    """``theta`` (P + 1,): every parameter raveled (row-major) in :func:`layout` order, then the check's 0."""
    leaves = [params[name].reshape(-1) for name, _ in layout(params)]
    return jnp.concatenate(leaves + [jnp.zeros((1,), leaves[0].dtype)])


def unpack(theta, shapes):
    """``(params, last)``: the inverse of :func:`pack` (``last`` is its final entry)."""
    params, at = {}, 0
    for name, (n, k) in shapes:
        params[name] = theta[at:at + n * k].reshape(n, k)
        at += n * k
    return params, theta[at]


def _cost_and_check(theta, X, Y, hidden, output, shapes):
    """The mean cost of the network whose parameters are ``theta``, plus the check's 0 term.

    ``theta`` is broadcast to ``(P + 1, m)`` and split into per-example blocks: ``W[l]`` as
    ``(n[l], n[l-1], m)``, ``b[l]`` as ``(n[l], m)``; ``Z[l] = sum_i W[l][:, i] A[l-1][i] + b[l]``
    is an element-wise product summed over the narrow middle axis.
    """
    m = X.shape[1]
    g = activations.HIDDEN[hidden].fn
    offsets = np.cumsum([n * k for _, (n, k) in shapes]).tolist()
    blocks = jnp.split(jnp.broadcast_to(theta[:, None], (theta.shape[0], m)), offsets, axis=0)
    A, L = X, len(shapes) // 2
    for l in range(L):
        n, k = shapes[2 * l][1]
        Z = jnp.sum(blocks[2 * l].reshape(n, k, m) * A[None], axis=1) + blocks[2 * l + 1]
        A = g(Z) if l < L - 1 else Z
    watched = jnp.square(Z - Y) if output == "linear" else Z
    zero = blocks[-1] * (0 * jnp.sum(watched, axis=0, keepdims=True))  # (1, m): 0, or NaN where a logit is not finite
    return losses.loss_from_logits(Z, Y, output) + jnp.sum(zero) / m


def value_and_grad(params, X, Y, config):
    """``(check, grads)``: ``jax.grad`` of the cost (same pytree as ``params``) and the check.

    ``config = (hidden, output, method)`` as for :func:`dnnjax.train.core_value_and_grad`;
    the check is 0 when every logit is finite, NaN otherwise (see the module doc).
    """
    hidden, output, _ = config
    shapes = layout(params)
    g = jax.grad(lambda theta: _cost_and_check(theta, X, Y, hidden, output, shapes))(pack(params))
    grads, check = unpack(g, shapes)
    return check, grads


def _models_cost_and_check(P, c, X, Y, hidden, output):
    """The summed cost of ``B`` models, every layer after the first written one unit at a time,
    plus each model's ``c[b] * sum(0 * Z_L[b])``.

    ``P``: ``{"W1": (B, n_1, n_x), "b1": (B, n_1, 1), ...}``; ``c``: (B,) zeros (each model's
    check is its gradient). Every row of ``A[l]`` and ``Z[l]`` is its own ``(B, m)`` array
    (``jnp.unstack``, whose transpose is a stack; slices would transpose to pads) and every later
    weight a ``(B,)`` vector: ``Z[l][j] = sum_k W[l][:, j, k] A[l-1][k] + b[l][:, j]`` is
    element-wise, so there is no tiny batched dot and no 3-D broadcast; each of those weights'
    gradients is one sum over the examples. The first layer is one GEMM of ``W1`` stacked units-major,
    ``(n_1 B, n_x) @ X``, so each unit's rows ``Z1[j]`` are one contiguous ``(B, m)`` block (under
    ``vmap`` they are strided slices of ``(B, n_1, m)``). The models are independent, so the gradient of the sum is each model's own gradient.
    """
    g = activations.HIDDEN[hidden].fn
    L = num_layers(P)
    B, n_1, _ = P["W1"].shape
    W1 = jnp.transpose(P["W1"], (1, 0, 2)).reshape(n_1 * B, -1)
    Z = (W1 @ X).reshape(n_1, B, X.shape[1]) + jnp.transpose(P["b1"], (1, 0, 2))
    for l in range(2, L + 1):
        A = jnp.unstack(g(Z), axis=0) if l == 2 else [g(z) for z in Z]
        W = [jnp.unstack(row, axis=1) for row in jnp.unstack(P[f"W{l}"], axis=1)]  # W[j][k]: (B,)
        b = jnp.unstack(P[f"b{l}"][:, :, 0], axis=1)
        Z = []
        for j, Wj in enumerate(W):
            z = Wj[0][:, None] * A[0]
            for k in range(1, len(A)):
                z = z + Wj[k][:, None] * A[k]
            Z.append(z + b[j][:, None])
    Z = jnp.stack(Z, axis=1) if isinstance(Z, list) else jnp.transpose(Z, (1, 0, 2))  # (B, n_L, m)
    watched = jnp.square(Z - Y[None]) if output == "linear" else Z
    costs = jax.vmap(lambda z: losses.loss_from_logits(z, Y, output))(Z)
    return jnp.sum(costs) + jnp.sum(c * jnp.sum(0 * watched, axis=(1, 2)))


@functools.lru_cache(maxsize=None)
def _batched_step(hidden: str, output: str):
    """``(params, X, Y) -> (check, grads)``: ``jax.grad`` of :func:`_models_cost_and_check`, for
    one model (as a batch of one) and, under a ``vmap`` over the parameters alone (``X``, ``Y``
    shared: the sweeps), for the whole batch at once."""
    def models(P, X, Y):
        grads, check = jax.grad(_models_cost_and_check, argnums=(0, 1))(
            P, jnp.zeros((jax.tree.leaves(P)[0].shape[0],), X.dtype), X, Y, hidden, output)
        return check, grads

    def one(params, X, Y):
        check, grads = models(jax.tree.map(lambda v: v[None], params), X, Y)
        return check[0], jax.tree.map(lambda v: v[0], grads)

    step = custom_vmap(one)

    @step.def_vmap
    def _models(axis_size, in_batched, params, X, Y):
        p_batched, x_batched, y_batched = in_batched
        everything = jax.tree.map(lambda _: True, params)
        if x_batched or y_batched or not all(jax.tree.leaves(p_batched)):  # not a sweep's shape: plain vmap
            axes = (jax.tree.map(lambda b: 0 if b else None, p_batched), 0 if x_batched else None,
                    0 if y_batched else None)
            return jax.vmap(one, in_axes=axes, axis_size=axis_size)(params, X, Y), (True, everything)
        return models(params, X, Y), (True, everything)

    return step


def value_and_grad_batched(params, X, Y, config):
    """:func:`value_and_grad` for ``vmap`` (the sweeps): ``(check, grads)``, ``jax.grad`` of
    :func:`_models_cost_and_check` (the check its gradient in ``c`` at ``c = 0``, as
    :func:`dnnjax.gradients.checked_grad`).

    Batched over ``B`` models, the packed form's ``(B, P + 1, m)`` broadcast is materialised
    (6.8x slower for 64 planar models). Here the first layer and ``dW1`` are GEMMs with the
    shared ``X`` (as the manual batched step's ``dW1``) and the later layers element-wise on
    ``(B, m)`` rows, each of their gradient entries a ``(B, m) -> (B,)`` sum. Under ``vmap`` over
    the parameters alone (``jax.custom_batching.custom_vmap``) the cost is taken for the ``B``
    models at once, its first layer stacked units-major so each unit's rows are contiguous: 64 planar models, 28 kernels per iteration, 0.87-0.98 of the
    time of ``vmap`` of the one-model form (side by side), which is what any other ``vmap`` gets.
    """
    hidden, output, _ = config
    return _batched_step(hidden, output)(params, X, Y)
