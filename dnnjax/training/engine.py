"""The one training loop: a step scanned over a schedule, compiled end to end.

:func:`train_chunks` is pure: an outer ``lax.scan`` over logging chunks, a middle one over the
``chunk`` units of a chunk (iterations, or epochs), and the schedule's steps inside a unit
(:mod:`dnnjax.training.schedules`). Each step is ``grad_fn`` then the update (the course's
``W := W - lr dW``, or an optax optimizer). The cost recorded for a chunk is its first unit's
(course convention: before that unit's updates). A schedule's random draws (a shuffling
schedule's permutations) are made for a block of units at once, before those units run; a
unit's non-finite step is found once per unit, from its steps' costs. No host sync inside; parameters and optimizer
state are donated; the compiled loop is cached on (shapes, dtypes, grad_fn, config, optimizer,
schedule, chunk sizes), so a second run with the same configuration does not recompile.

:func:`run` drives it from the host: the chunk plan (aligned to absolute units, so a resumed run
logs the same units as an uninterrupted one), ``progress``, the divergence error, the dual
(Gram) form's own loop, and the resume state. Shared by :func:`dnnjax.fit`, :mod:`dnnjax.course`
(its own ``grad_fn``) and :mod:`dnnjax.sweep` (which ``vmap``s :func:`train_chunks`).
"""
from __future__ import annotations

import functools
from typing import Callable

import jax
import jax.numpy as jnp
import numpy as np
import optax

from dnnjax import dual
from dnnjax.compiled import platform_jit
from dnnjax.errors import TrainingDivergedError
from dnnjax.training.schedules import FULL_BATCH
from dnnjax.training.state import TrainState, initial_opt_state


@functools.partial(jax.jit, static_argnames="dtype")
def fresh_copy(tree, dtype=None):
    """A copy of every leaf of ``tree`` (cast to ``dtype``) in one compiled program: the
    engine donates its parameters and optimizer state, and never the caller's buffers."""
    return jax.tree.map(lambda p: jnp.array(p, dtype, copy=True), tree)


def _all_finite(tree):
    return jnp.all(jnp.stack([jnp.all(jnp.isfinite(x)) for x in jax.tree.leaves(tree)]))


def train_chunks(params, opt_state, X, Y, learning_rate, start, key=None, perms=None, *, grad_fn, config, optimizer,
                 n_chunks, chunk, cost_fn=None, schedule=FULL_BATCH):
    """Pure loop: ``n_chunks * chunk`` units from unit ``start``; returns ``(params, opt_state, costs, bad)``.

    ``costs`` (n_chunks,) holds each chunk's first unit's cost; ``bad`` is the first step (unit
    ``u``, step ``k``: ``u * schedule.steps_per_unit + k``) whose cost was non-finite (or the
    end, if only the final parameters are), else -1. ``key``: the schedule's shuffling key;
    ``perms`` (n_chunks, chunk, m): given permutations, one per unit. ``grad_fn(params, X, Y,
    config) -> (cost, grads)`` (with a masked schedule, also a fifth argument: the columns'
    weights). With ``cost_fn(params, X, Y, config)`` (full batch only) the recorded costs come
    from it, once per chunk, and ``grad_fn``'s value is only tested for finiteness
    (:mod:`dnnjax.narrow`'s check).
    """
    spu = schedule.steps_per_unit

    def step(carry, Xb, Yb, w):
        params, opt_state, it, bad = carry
        cost, g = grad_fn(params, Xb, Yb, config) if w is None else grad_fn(params, Xb, Yb, config, w)
        if optimizer is None:  # the course's update: W := W - learning_rate * dW
            params = jax.tree.map(lambda p, d: p - learning_rate * d, params, g)
        else:
            with jax.numpy_dtype_promotion("standard"):  # optax mixes Python floats and int counts
                updates, opt_state = optimizer.update(g, opt_state, params)
            params = optax.apply_updates(params, updates)
        return (params, opt_state, it, bad), cost

    def unit(carry, perm):
        (params, opt_state, it, bad), cost, step_costs = schedule.unit(step, carry, X, Y, perm)
        # the first non-finite step of the unit, once per unit (not a kernel per step)
        if spu == 1:
            nonfinite, first = ~jnp.isfinite(step_costs[0]), 0
        else:
            steps = ~jnp.isfinite(step_costs)
            nonfinite, first = jnp.any(steps), jnp.argmax(steps).astype(it.dtype)
        bad = jnp.where((bad < 0) & nonfinite, it * spu + first, bad)
        return (params, opt_state, it + 1, bad), (cost if cost_fn is None else None)

    def units(carry, perms, n):
        # not unrolled: an unrolled body (x4 saved ~10 % per planar iteration) compiles to other
        # rounding than the same steps in a chunk of another length (seen with adam, float64), so
        # a run split at another iteration would not be bit for bit the uninterrupted one
        if perms is not None or not schedule.draws:
            return jax.lax.scan(unit, carry, perms, length=n)
        # the schedule's random draws (permutations) for a block of units at once: one batched
        # draw instead of one per unit (the same values: each comes from its own unit's number)
        drawn = lambda c, count: jax.lax.scan(unit, c, schedule.draw(key, c[2], count), length=count)
        block = schedule.units_per_draw
        if n <= block:
            return drawn(carry, n)
        blocks, rest = divmod(n, block)
        carry, costs = jax.lax.scan(lambda c, _: drawn(c, block), carry, None, length=blocks)
        costs = None if costs is None else costs.reshape(-1)
        if rest:
            carry, last = drawn(carry, rest)
            costs = None if costs is None else jnp.concatenate([costs, last])
        return carry, costs

    def run_chunk(carry, perms):
        first = None if cost_fn is None else cost_fn(carry[0], X, Y, config)
        carry, costs = units(carry, perms, chunk)
        return carry, (costs[0] if cost_fn is None else first)

    carry0 = (params, opt_state, jnp.asarray(start, jnp.int32), jnp.asarray(-1, jnp.int32))
    (params, opt_state, it, bad), costs = jax.lax.scan(run_chunk, carry0, perms, length=n_chunks)
    bad = jnp.where((bad < 0) & ~_all_finite(params), it * spu, bad)
    return params, opt_state, costs, bad


_STATIC = ("grad_fn", "config", "optimizer", "n_chunks", "chunk", "cost_fn", "schedule")
train_chunks_jit = platform_jit(train_chunks, static_argnames=_STATIC, donate_argnames=("params", "opt_state"))


def plan_chunks(start: int, n: int, log_every: int, per_chunk: bool):
    """``[(n_chunks, chunk, recorded), ...]`` covering units ``start .. start + n``: costs are
    recorded at the units divisible by ``log_every``; a leading stretch up to the first such
    unit (a resumed run) is run unrecorded. ``per_chunk`` (a progress callback): one chunk a call."""
    lead = min(-start % log_every, n)
    full, rest = divmod(n - lead, log_every)
    plan = [(1, lead, False)] if lead else []
    plan += [(1, log_every, True)] * full if per_chunk else ([(full, log_every, True)] if full else [])
    return plan + ([(1, rest, True)] if rest else [])


def run(params, X, Y, *, grad_fn: Callable, config, learning_rate, num_iterations: int, log_every: int,
        optimizer=None, progress: Callable | None = None, start_iteration: int = 0, gram=None, cost_fn=None,
        opt_state=None, schedule=FULL_BATCH, key=None, permutations=None, return_state: bool = False):
    """Engine: train ``params`` (copied, never mutated) and return ``(params, costs)``.

    ``num_iterations`` units (iterations, or epochs of a minibatch ``schedule``) from unit
    ``start_iteration``. ``grad_fn(params, X, Y, config) -> (cost, grads)`` must be a
    module-level function and ``config`` hashable, so the compiled loop is cached across calls.
    Without ``progress`` the whole run is at most three compiled calls; with
    ``progress(unit, cost)`` it returns to Python once per logged chunk. With ``gram = X^T X``
    (core network, plain GD, full batch) the first layer runs in the dual form of
    :mod:`dnnjax.dual`; with ``cost_fn``, see :func:`train_chunks`. ``opt_state``: the optax
    state to start from (checked; default ``optimizer.init(params)``); ``permutations``
    (num_iterations, m): one per epoch; ``return_state``: also return a :class:`TrainState`.
    Raises TrainingDivergedError naming the first iteration (epoch and step) with a non-finite cost.
    """
    dtype = jax.tree.leaves(params)[0].dtype
    params = fresh_copy(params, dtype)  # donated below
    opt_state = initial_opt_state(optimizer, params, opt_state)
    lr = np.asarray(learning_rate, dtype)  # a host scalar: no eager convert program
    done, costs, bads = 0, [], []
    for n_chunks, chunk, recorded in plan_chunks(start_iteration, num_iterations, log_every, progress is not None):
        it = start_iteration + done
        if gram is not None:
            params, c, bad = dual.train_chunks_jit(params, X, Y, gram, lr, it, config=config, n_chunks=n_chunks,
                                                   chunk=chunk)
        else:
            perms = None if permutations is None else \
                permutations[done:done + n_chunks * chunk].reshape(n_chunks, chunk, -1)
            params, opt_state, c, bad = train_chunks_jit(
                params, opt_state, X, Y, lr, it, key, perms, grad_fn=grad_fn, config=config, optimizer=optimizer,
                n_chunks=n_chunks, chunk=chunk, cost_fn=cost_fn, schedule=schedule)
        if recorded:
            costs.append(c)
        bads.append(bad)
        if progress is not None:
            _raise_if_diverged(bad, learning_rate, schedule)
            if recorded:
                progress(it, float(c[0]))
        done += n_chunks * chunk
    for bad in bads:
        _raise_if_diverged(bad, learning_rate, schedule)
    costs = (costs[0] if len(costs) == 1 else jnp.concatenate(costs)) if costs else jnp.zeros((0,), dtype)
    if return_state:
        return params, costs, TrainState(opt_state, start_iteration + num_iterations)
    return params, costs


def _raise_if_diverged(bad, learning_rate, schedule):
    bad = int(bad)
    if bad >= 0:
        where, unit, extra = schedule.where(bad)
        err = TrainingDivergedError(
            f"training diverged: the cost or parameters became NaN/inf at {where} "
            f"(learning_rate={learning_rate}); lower the learning rate or rescale X", unit)
        for name, value in extra.items():
            setattr(err, name, value)
        raise err
