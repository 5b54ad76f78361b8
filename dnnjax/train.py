"""Training: ``fit`` runs gradient descent (or any optax optimizer) compiled end to end,
full batch (course 1) or on minibatches (course 2's semantics).

The loop is the engine of :mod:`dnnjax.training`: one ``jit`` of nested ``lax.scan`` over
logging chunks, units (iterations or epochs) and the schedule's steps, so there is no Python
loop over iterations and no host sync inside. The cost recorded for a chunk is the cost of its
first unit, computed from the parameters *before* that unit's updates (the course's
convention). Compiled functions are cached on (shapes, dtypes, hidden, output, method,
optimizer, schedule, chunk sizes): a second ``fit`` with the same configuration does not recompile.

This module chooses the step (:func:`step_functions`, the one place) and the schedule, checks
the arguments, and hands them to :func:`run`, the engine shared with :mod:`dnnjax.course` and
:mod:`dnnjax.sweep`.
"""
from __future__ import annotations

import weakref

import jax
import jax.numpy as jnp
import optax

from dnnjax import dual
from dnnjax import gradients as grads_mod
from dnnjax import inputs, losses, narrow, narrow_autodiff, network, parallel, validate
from dnnjax.training import masked as masked_step
from dnnjax.training.engine import plan_chunks, run, train_chunks  # noqa: F401  (the engine's public names)
from dnnjax.training.engine import train_chunks_jit as _train_chunks_jit  # noqa: F401
from dnnjax.training.schedules import Minibatch, course_permutations, rows_layout  # noqa: F401
from dnnjax.training.schedules import permutation as epoch_permutation  # noqa: F401
from dnnjax.training.state import TrainState  # noqa: F401
from dnnjax.training import options


def core_value_and_grad(params, X, Y, config):
    """``(cost, grads)`` of the core network; ``config = (hidden, output, method)``."""
    hidden, output, method = config
    return grads_mod.value_and_grad(params, X, Y, hidden, output, method)


def core_checked_grad(params, X, Y, config):
    """``(check, grads)`` of the core network by ``jax.grad`` (:func:`dnnjax.gradients.checked_grad`)."""
    hidden, output, _ = config
    return grads_mod.checked_grad(params, X, Y, hidden, output)


def core_cost(params, X, Y, config):
    """The core network's cost (what the loop records once per chunk with :func:`core_checked_grad`)."""
    hidden, output, _ = config
    return losses.network_cost(params, X, Y, hidden, output)


def fit(params, X, Y, *, hidden="relu", output="sigmoid", learning_rate=0.0075, num_iterations=None,
        optimizer=None, method="autodiff", log_every=100, progress=None, mesh=None, devices=None, gram="auto",
        batch_size=None, num_epochs=None, shuffle=True, key=None, permutations=None,
        opt_state=None, start=0, return_state=False):
    """Train ``params`` on ``X``/``Y``; returns ``(params, costs)`` (or with ``state``, below).

    Args:
      params: ``{"W1": (n_1, n_x), "b1": (n_1, 1), ...}`` (JAX or NumPy arrays; not modified).
      X: (n_x, m); Y: (n_L, m), as for :func:`dnnjax.cost`.
      learning_rate: step of plain gradient descent (used when ``optimizer`` is None).
      num_iterations: full-batch iterations (default 2500); not with ``batch_size``.
      optimizer: any ``optax.GradientTransformation``; reuse the same object to reuse the
        compiled loop (a new object is a new static configuration).
      method: "autodiff" (``jax.grad``) or "manual" (the hand-written backward pass; for a
        full-batch network no wider than 8 units anywhere, in the fused arrangement of :mod:`dnnjax.narrow`).
      log_every: record the cost at iterations (epochs) ``0, log_every, 2*log_every, ...``.
      progress: optional ``progress(iteration_or_epoch, cost)`` called after each logged chunk.
      devices: data-parallel over an int ``N`` (the first ``N`` of ``jax.devices()``) or a
        list of devices; ``mesh``: or over a ``jax.sharding.Mesh`` with a ``"batch"`` axis.
        Full batch: the columns of X/Y are split over the devices (``m`` must divide evenly);
        minibatch: X/Y are replicated and each step's batch is split (``batch_size`` must
        divide evenly). Parameters and optimizer state replicated; see :mod:`dnnjax.parallel`.
      gram: run the first layer in dual form (:mod:`dnnjax.dual`): carry ``W1 X`` and update
        it through ``X^T X`` (m, m), for full-batch plain GD without a mesh. ``"auto"``
        (default) uses it when it saves work (``m <= n_x``, ``log_every >= 10``); ``True``
        forces it where it applies; ``False`` never. The same gradient descent, rounded
        differently; in float32 about as close to a float64 run as the primal loop (see :mod:`dnnjax.dual`).
      batch_size, num_epochs: minibatch training (course 2): each epoch visits every column
        once in batches of ``batch_size``, the last partial batch a step of its own (its mean
        over its own columns); ``costs`` holds the mean per-example loss of an epoch (each
        batch's loss before its update), every ``log_every`` epochs.
      shuffle: a fresh permutation of the columns each epoch, from
        ``jax.random.fold_in(key, epoch)`` (so a resumed run continues the same sequence);
        False keeps column order. ``key``: a ``jax.random`` key, required to shuffle.
      permutations: (num_epochs, m) ints, one permutation of ``range(m)`` per epoch of this
        call, used instead of the key's (e.g. :func:`course_permutations`: the course's own).
      opt_state: the optax state to start from (default ``optimizer.init(params)``); its tree
        must match ``optimizer.init(params)``. ``start``: iterations (epochs) already done:
        logged iterations, ``progress``, divergence messages and shuffling continue from it.
      return_state: return ``(params, costs, TrainState(opt_state, step))``, ``step`` =
        ``start`` + iterations (epochs) done: pass them back to continue the run exactly.

    Returns:
      ``(params, costs)``; ``costs`` has one entry per logged iteration (epoch) of this call,
      ``ceil(num_iterations / log_every)`` from ``start=0`` (with a mesh: replicated).
    """
    validate.one_of(method, inputs.METHODS, "method")
    learning_rate = validate.positive_float(learning_rate, "learning_rate")
    log_every = validate.positive_int(log_every, "log_every")
    start = validate.nonneg_int(start, "start")
    if optimizer is not None and not isinstance(optimizer, optax.GradientTransformation):
        raise validate.InvalidTypeError(f"optimizer must be None or an optax.GradientTransformation; got {type(optimizer).__name__}")
    if gram not in ("auto", True, False):
        raise validate.InvalidValueError(f"gram must be 'auto', True or False; got {gram!r}")
    if progress is not None and not callable(progress):
        raise validate.InvalidTypeError(f"progress must be a function (iteration, cost) or None; got {type(progress).__name__}")
    minibatch = options.minibatch_requested(batch_size, num_epochs, num_iterations, gram, permutations)
    mesh = parallel.resolve(mesh, devices)
    if mesh is None:
        params, X, Y = inputs.prepare(params, X, Y, hidden=hidden, output=output)
    else:
        params, X, Y = parallel.prepare(params, X, Y, mesh, hidden=hidden, output=output, split_columns=not minibatch)
        if opt_state is not None:
            opt_state = parallel.replicate(opt_state, mesh)
    config = (hidden, output, method)
    common = dict(config=config, learning_rate=learning_rate, log_every=log_every, optimizer=optimizer,
                  progress=progress, start_iteration=start, opt_state=opt_state, return_state=return_state)
    n_x, m = X.shape
    if minibatch:
        mb = options.minibatch(m, batch_size, num_epochs, shuffle, key, permutations, mesh)
        schedule = Minibatch(m, mb.batch_size, shuffle, mb.permutations is not None, rows_layout(n_x),
                             None if mesh is None else parallel.batch_sharding(mesh))
        grad_fn, _ = step_functions(params, method, minibatch=True, masked=schedule.masked)
        return run(params, _rows_of(X) if schedule.rows else X, Y, grad_fn=grad_fn, num_iterations=mb.num_epochs,
                   schedule=schedule, key=mb.key, permutations=mb.permutations, **common)
    num_iterations = validate.nonneg_int(2500 if num_iterations is None else num_iterations, "num_iterations")
    use_gram = optimizer is None and mesh is None and (gram is True or (gram == "auto" and dual.worthwhile(n_x, m, log_every)))
    grad_fn, cost_fn = step_functions(params, method, use_gram)
    return run(params, X, Y, grad_fn=grad_fn, num_iterations=num_iterations,
               gram=_gram_jit(X) if use_gram else None, cost_fn=cost_fn, **common)


def step_functions(params, method, use_gram=False, batched=False, minibatch=False, masked=False):
    """``(grad_fn, cost_fn)`` for :func:`run`. Full batch, primal: the narrow form when every
    layer is narrow (:func:`dnnjax.narrow.applies`): the fused manual step for ``method="manual"``
    (``batched``: its variant for ``vmap``), the packed ``jax.grad`` step of
    :mod:`dnnjax.narrow_autodiff` for ``"autodiff"`` (``batched``: its one-unit-at-a-time
    variant, the cost once per chunk); wider networks under ``vmap`` take
    :func:`core_checked_grad` (``jax.grad`` of the core network, the cost once per chunk).
    Else the core functions. ``minibatch``: a step whose value is the batch's cost (the epoch's
    cost sums them); ``masked``: one that takes the columns' weights too."""
    if masked:
        return masked_step.value_and_grad, None
    if use_gram or minibatch:
        return core_value_and_grad, None
    dims = [params["W1"].shape[1]] + [params[f"W{l}"].shape[0] for l in range(1, network.num_layers(params) + 1)]
    if narrow.applies(dims):
        if batched and method == "autodiff":
            return narrow_autodiff.value_and_grad_batched, core_cost
        return narrow.step_functions(method, batched)
    if batched and method == "autodiff":
        return core_checked_grad, core_cost
    return core_value_and_grad, None


_gram_jit = jax.jit(dual.gram)
_transpose_jit = jax.jit(jnp.transpose)
_ROWS: dict = {}  # id(X) -> (weakref to X, X^T): one entry, dropped when X is collected


def _rows_of(X):
    """``X^T`` (m, n_x) for row gathers; the last one is reused while its ``X`` lives, so fits
    called again on the same device array (chunked runs, resumes) do not transpose it again."""
    hit = _ROWS.get(id(X))
    if hit is not None and hit[0]() is X:
        return hit[1]
    XT = _transpose_jit(X)
    _ROWS.clear()
    _ROWS[id(X)] = (weakref.ref(X, lambda _, k=id(X): _ROWS.pop(k, None)), XT)
    return XT
