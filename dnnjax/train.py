"""Training: ``fit`` runs gradient descent (or any optax optimizer) compiled end to end.

The whole loop is one ``jit``: an outer ``lax.scan`` over logging chunks and an inner
``lax.scan`` over the ``log_every`` iterations of a chunk, so there is no Python loop over
iterations and no host sync inside it. The cost recorded for a chunk is the cost at its first
iteration, computed from the parameters *before* that iteration's update (the course's
convention). Parameters and optimizer state are donated, and compiled functions are cached on
(shapes, dtypes, hidden, output, method, optimizer, chunk sizes): a second ``fit`` with the same
configuration does not recompile.

:func:`run` is the engine, shared with :mod:`dnnjax.course` (which passes its own gradient
function) and :mod:`dnnjax.sweep` (which ``vmap``s it).
"""
from __future__ import annotations

from typing import Callable

import jax
import jax.numpy as jnp
import optax

from dnnjax import dual
from dnnjax.compiled import platform_jit
from dnnjax import gradients as grads_mod
from dnnjax import inputs, narrow, network, parallel, validate
from dnnjax.errors import TrainingDivergedError


def core_value_and_grad(params, X, Y, config):
    """``(cost, grads)`` of the core network; ``config = (hidden, output, method)``."""
    hidden, output, method = config
    return grads_mod.value_and_grad(params, X, Y, hidden, output, method)


def _all_finite(tree):
    return jnp.all(jnp.stack([jnp.all(jnp.isfinite(x)) for x in jax.tree.leaves(tree)]))


def train_chunks(params, opt_state, X, Y, learning_rate, start, *, grad_fn, config, optimizer, n_chunks, chunk,
                 cost_fn=None):
    """Pure loop: ``n_chunks * chunk`` iterations; returns ``(params, opt_state, costs, bad)``.

    ``costs`` (n_chunks,) holds the cost at the start of every chunk; ``bad`` is the first
    iteration whose cost was non-finite (or ``start + n_chunks*chunk`` if only the final
    parameters are), else -1. With ``cost_fn(params, X, Y, config)`` the recorded costs come
    from it, once per chunk, and the value ``grad_fn`` returns is only tested for finiteness
    (:mod:`dnnjax.narrow`'s check, so the cost is not computed at every iteration).
    """

    def step(carry, _):
        params, opt_state, it, bad = carry
        cost, g = grad_fn(params, X, Y, config)
        if optimizer is None:  # the course's update: W := W - learning_rate * dW
            params = jax.tree.map(lambda p, d: p - learning_rate * d, params, g)
        else:
            with jax.numpy_dtype_promotion("standard"):  # optax mixes Python floats and int counts
                updates, opt_state = optimizer.update(g, opt_state, params)
            params = optax.apply_updates(params, updates)
        bad = jnp.where((bad < 0) & ~jnp.isfinite(cost), it, bad)
        return (params, opt_state, it + 1, bad), (cost if cost_fn is None else None)

    def run_chunk(carry, _):
        first = None if cost_fn is None else cost_fn(carry[0], X, Y, config)
        # unroll: fewer loop round-trips for tiny networks (planar: ~10 % per iteration)
        carry, costs = jax.lax.scan(step, carry, length=chunk, unroll=min(chunk, 4))
        return carry, (costs[0] if cost_fn is None else first)

    carry0 = (params, opt_state, jnp.asarray(start, jnp.int32), jnp.asarray(-1, jnp.int32))
    (params, opt_state, it, bad), costs = jax.lax.scan(run_chunk, carry0, length=n_chunks)
    bad = jnp.where((bad < 0) & ~_all_finite(params), it, bad)
    return params, opt_state, costs, bad


_STATIC = ("grad_fn", "config", "optimizer", "n_chunks", "chunk", "cost_fn")
_train_chunks_jit = platform_jit(train_chunks, static_argnames=_STATIC, donate_argnames=("params", "opt_state"))


def run(params, X, Y, *, grad_fn: Callable, config, learning_rate, num_iterations: int, log_every: int,
        optimizer=None, progress: Callable | None = None, start_iteration: int = 0, gram=None, cost_fn=None):
    """Engine: train ``params`` (copied, never mutated) and return ``(params, costs)``.

    ``grad_fn(params, X, Y, config) -> (cost, grads)`` must be a module-level function and
    ``config`` hashable, so the compiled loop is cached across calls. Without ``progress``
    the whole run is at most two compiled calls (full chunks, then the remainder); with
    ``progress(iteration, cost)`` it returns to Python once per logged chunk.
    With ``gram = X^T X`` (core network, plain GD) the first layer runs in the dual form of
    :mod:`dnnjax.dual`; with ``cost_fn``, see :func:`train_chunks`.
    Raises TrainingDivergedError naming the first iteration with a non-finite cost.
    """
    dtype = jax.tree.leaves(params)[0].dtype
    params = jax.tree.map(lambda p: jnp.array(p, dtype, copy=True), params)  # donated below
    opt_state = optimizer.init(params) if optimizer is not None else ()
    lr = jnp.asarray(learning_rate, dtype)
    full, rest = divmod(num_iterations, log_every)
    plan = [(1, log_every)] * full if progress else ([(full, log_every)] if full else [])
    if rest:
        plan.append((1, rest))
    it, costs, bads = start_iteration, [], []
    for n_chunks, chunk in plan:
        if gram is not None:
            params, c, bad = dual.train_chunks_jit(params, X, Y, gram, lr, it, config=config, n_chunks=n_chunks,
                                                   chunk=chunk)
        else:
            params, opt_state, c, bad = _train_chunks_jit(
                params, opt_state, X, Y, lr, it, grad_fn=grad_fn, config=config, optimizer=optimizer,
                n_chunks=n_chunks, chunk=chunk, cost_fn=cost_fn)
        costs.append(c)
        bads.append(bad)
        if progress is not None:
            _raise_if_diverged(bad, learning_rate)
            progress(it, float(c[0]))
        it += n_chunks * chunk
    for bad in bads:
        _raise_if_diverged(bad, learning_rate)
    costs = jnp.concatenate(costs) if costs else jnp.zeros((0,), dtype)
    return params, costs


def _raise_if_diverged(bad, learning_rate):
    bad = int(bad)
    if bad >= 0:
        raise TrainingDivergedError(
            f"training diverged: the cost or parameters became NaN/inf at iteration {bad} "
            f"(learning_rate={learning_rate}); lower the learning rate or rescale X", bad)


def fit(params, X, Y, *, hidden="relu", output="sigmoid", learning_rate=0.0075, num_iterations=2500,
        optimizer=None, method="autodiff", log_every=100, progress=None, mesh=None, devices=None, gram="auto"):
    """Full-batch training; returns ``(params, costs)``.

    Args:
      params: ``{"W1": (n_1, n_x), "b1": (n_1, 1), ...}`` (JAX or NumPy arrays; not modified).
      X: (n_x, m); Y: (n_L, m), as for :func:`dnnjax.cost`.
      learning_rate: step of plain gradient descent (used when ``optimizer`` is None).
      optimizer: any ``optax.GradientTransformation``; reuse the same object to reuse the
        compiled loop (a new object is a new static configuration).
      method: "autodiff" (``jax.grad``) or "manual" (the hand-written backward pass; for a
        network no wider than 8 units anywhere, in the fused arrangement of :mod:`dnnjax.narrow`).
      log_every: record the cost at iterations ``0, log_every, 2*log_every, ...``.
      progress: optional ``progress(iteration, cost)`` called after each logged chunk.
      devices: data-parallel over an int ``N`` (the first ``N`` of ``jax.devices()``) or a
        list of devices; ``mesh``: or over a ``jax.sharding.Mesh`` with a ``"batch"`` axis.
        The columns of X/Y are split over the devices (``m`` must divide evenly), parameters
        and optimizer state replicated; see :mod:`dnnjax.parallel`.

      gram: run the first layer in dual form (:mod:`dnnjax.dual`): carry ``W1 X`` and update
        it through ``X^T X`` (m, m), for plain GD without a mesh. ``"auto"`` (default) uses it
        when it saves work (``m <= n_x``, ``log_every >= 10``); ``True`` forces it where it
        applies; ``False`` never. Same iterates, different rounding.

    Returns:
      ``(params, costs)`` with ``costs`` of shape ``(ceil(num_iterations / log_every),)``
      (with a mesh: replicated over its devices).
    """
    validate.one_of(method, inputs.METHODS, "method")
    learning_rate = validate.positive_float(learning_rate, "learning_rate")
    num_iterations = validate.nonneg_int(num_iterations, "num_iterations")
    log_every = validate.positive_int(log_every, "log_every")
    if optimizer is not None and not isinstance(optimizer, optax.GradientTransformation):
        raise validate.InvalidTypeError(f"optimizer must be None or an optax.GradientTransformation; got {type(optimizer).__name__}")
    mesh = parallel.resolve(mesh, devices)
    if mesh is None:
        params, X, Y = inputs.prepare(params, X, Y, hidden=hidden, output=output)
    else:
        params, X, Y = parallel.prepare(params, X, Y, mesh, hidden=hidden, output=output)
    if gram not in ("auto", True, False):
        raise validate.InvalidValueError(f"gram must be 'auto', True or False; got {gram!r}")
    n_x, m = X.shape
    use_gram = optimizer is None and mesh is None and (gram is True or (gram == "auto" and dual.worthwhile(n_x, m, log_every)))
    grad_fn, cost_fn = step_functions(params, method, use_gram)
    return run(params, X, Y, grad_fn=grad_fn, config=(hidden, output, method),
               learning_rate=learning_rate, num_iterations=num_iterations, log_every=log_every,
               optimizer=optimizer, progress=progress, gram=_gram_jit(X) if use_gram else None, cost_fn=cost_fn)


def step_functions(params, method, use_gram=False, batched=False):
    """``(grad_fn, cost_fn)`` for :func:`run`: the narrow form for ``method="manual"`` when
    every layer is narrow (:func:`dnnjax.narrow.applies`; ``batched``: its variant for
    ``vmap``), else the core functions."""
    dims = [params["W1"].shape[1]] + [params[f"W{l}"].shape[0] for l in range(1, network.num_layers(params) + 1)]
    if not use_gram and narrow.applies(dims) and (method == "manual" or not batched):
        return narrow.step_functions(method, batched)
    return core_value_and_grad, None


_gram_jit = jax.jit(dual.gram)
