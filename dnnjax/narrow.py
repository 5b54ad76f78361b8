"""The hand-written step for narrow networks, written for few kernels per iteration.

A network whose every layer is at most :data:`MAX_WIDTH` units wide (the planar 2-4-1) does
~30 kFLOP per iteration: on XLA:CPU its time is the number of kernels launched, not the
arithmetic (``python experiments/profile.py --workload planar``). This is the same backward
pass as :mod:`dnnjax.backprop`, arranged so the compiler fuses it into a handful of loops:

- every contraction over a narrow axis (``W[l] A[l-1]`` over ``n[l-1]``, ``W[l]^T dZ[l]`` over
  ``n[l]``) is an unrolled sum of broadcast products, element-wise work that fuses with the
  bias, the activation and its derivative, instead of a tiny matmul kernel each;
- every reduction over the examples (each ``dW[l]`` entry, each ``db[l]``) is one row of a
  single ``(P, m)`` array summed once, whose rows are laid out in the parameters' order;
- the cost is not evaluated at every iteration: :func:`value_and_grad` returns a *check*, 0
  when every logit (every squared residual, for ``linear``) is finite and NaN otherwise,
  from one more row of the same sum; the training loop records the real cost with
  :func:`cost` where it logs (the start of each chunk). The check is non-finite exactly when
  the logits are, and with them the cost (barring a mean of finite losses above the float
  range, ~1e38).

Same iterates as ``method="manual"`` everywhere else, different rounding (tests: equal to
:func:`dnnjax.backprop.value_and_grad` to 1e-12 in float64 for every hidden x output).
``fit(..., method="manual")`` and the sweeps use it when :func:`applies`; ``fit``'s default
``method="autodiff"`` uses :mod:`dnnjax.narrow_autodiff` there (``jax.grad``, same check and
:func:`cost`): its packed form alone (``value_and_grad``) for a single fit, and under ``vmap``
(the sweeps), where that form's stacked ``(B, P, m)`` reduction is materialised (6.8x slower
for 64 planar models), its per-unit form (``value_and_grad_batched``).
"""
from __future__ import annotations

import jax.numpy as jnp

from dnnjax import activations, backprop, losses, narrow_autodiff
from dnnjax.network import num_layers

MAX_WIDTH = 8
"""Widest layer (``n_x`` and ``n_L`` included) the narrow form is used for."""


def applies(layer_dims) -> bool:
    """Whether every width in ``layer_dims`` (``[n_x, n_1, ..., n_L]``) is at most :data:`MAX_WIDTH`."""
    return max(layer_dims) <= MAX_WIDTH


def step_functions(method: str, batched: bool = False):
    """``(grad_fn, cost_fn)`` of the narrow form: the manual step (``batched``: its ``vmap``
    variant) or :func:`dnnjax.narrow_autodiff.value_and_grad`, with :func:`cost` to log."""
    if method == "manual":
        return (value_and_grad_batched if batched else value_and_grad), cost
    return narrow_autodiff.value_and_grad, cost


def _matmul(W, A):
    """``W @ A`` for ``W`` (n, k), ``A`` (k, m), small ``k``: ``sum_k W[:, k] A[k, :]``."""
    out = W[:, 0:1] * A[0:1]
    for k in range(1, W.shape[1]):
        out = out + W[:, k:k + 1] * A[k:k + 1]
    return out


def _matmul_t(W, dZ):
    """``W^T @ dZ`` for ``W`` (n, k), ``dZ`` (n, m), small ``n``: ``sum_j W[j, :]^T dZ[j, :]``."""
    out = W[0:1].T * dZ[0:1]
    for j in range(1, W.shape[0]):
        out = out + W[j:j + 1].T * dZ[j:j + 1]
    return out


def _forward(params, X, hidden):
    g = activations.HIDDEN[hidden].fn
    A, caches = X, []
    L = num_layers(params)
    for l in range(1, L + 1):
        Z = _matmul(params[f"W{l}"], A) + params[f"b{l}"]
        caches.append((A, Z))
        if l < L:
            A = g(Z)
    return Z, caches


def _check_row(Z_L, Y, output):
    """(1, m): 0 where the example's logits (squared residuals) are finite, NaN otherwise."""
    r = jnp.square(Z_L - Y) if output == "linear" else Z_L
    return 0 * jnp.sum(r, axis=0, keepdims=True)


def value_and_grad(params, X, Y, config):
    """``(check, grads)``: the manual gradients (same pytree as ``jax.grad``) and the check.

    ``config = (hidden, output, method)`` as for :func:`dnnjax.train.core_value_and_grad`.
    """
    hidden, output, _ = config
    g_prime = activations.HIDDEN[hidden].grad
    L = num_layers(params)
    Z_L, caches = _forward(params, X, hidden)
    dZ = backprop.output_delta(Z_L, Y, output)  # 1/m inside
    rows, layout = {}, {}
    for l in range(L, 0, -1):
        A_prev, _ = caches[l - 1]
        n, k = dZ.shape[0], A_prev.shape[0]
        rows[f"W{l}"] = (dZ[:, None, :] * A_prev[None, :, :]).reshape(n * k, -1)  # row j*k+i: dZ[j] A_prev[i]
        rows[f"b{l}"] = dZ
        layout[f"W{l}"], layout[f"b{l}"] = (n, k), (n, 1)
        if l > 1:
            dZ = _matmul_t(params[f"W{l}"], dZ) * g_prime(caches[l - 2][1])
    names = sorted(rows)
    S = jnp.sum(jnp.concatenate([rows[k] for k in names] + [_check_row(Z_L, Y, output)], axis=0), axis=1)
    grads, start = {}, 0
    for k in names:
        size = layout[k][0] * layout[k][1]
        grads[k] = S[start:start + size].reshape(layout[k])
        start += size
    return S[start], grads


def value_and_grad_batched(params, X, Y, config):
    """:func:`value_and_grad` for ``vmap`` (the sweeps): the same check, with the gradients
    from :func:`dnnjax.backprop.backward` (each ``dW[l]`` a product, each ``db[l]`` a sum).

    Batched over ``B`` models, the stacked rows would be a ``(B, P, m)`` array written and
    read once per iteration; instead ``dW1`` becomes one ``(B n_1, m) @ (m, n_x)`` GEMM (``X``
    is shared by the batch) and the rest small batched products and sums (64 planar models:
    ~30 % less time per iteration than the stacked form, which wins for a single model).
    """
    hidden, output, _ = config
    Z_L, caches = _forward(params, X, hidden)
    grads, _ = backprop.backward(params, caches, backprop.output_delta(Z_L, Y, output), hidden)
    return jnp.sum(_check_row(Z_L, Y, output)), {k: grads[k] for k in sorted(grads)}


def cost(params, X, Y, config):
    """The cost of ``params`` (what the training loop records), from the narrow forward pass."""
    hidden, output, _ = config
    return losses.loss_from_logits(_forward(params, X, hidden)[0], Y, output)
