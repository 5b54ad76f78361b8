"""Training state for resuming: :class:`TrainState` and the check of an ``opt_state`` passed in.

``fit(p, X, Y, num_iterations=N, return_state=True)`` returns ``(params, costs, state)``;
``fit(params, X, Y, num_iterations=N, opt_state=state.opt_state, start=state.step)`` then
continues the same run (the optimizer's moments and step count, the iteration or epoch
numbering, the epoch's shuffling): the two calls equal one ``fit`` of ``2N``.
"""
from __future__ import annotations

import functools
from typing import Any, NamedTuple

import jax
import jax.numpy as jnp
import numpy as np

from dnnjax.errors import InvalidTypeError, InvalidValueError, ShapeError


class TrainState(NamedTuple):
    """``opt_state``: the optax state after the last step (``()`` for plain gradient descent);
    ``step``: iterations (full batch) or epochs (minibatch) done, ``start`` included."""
    opt_state: Any
    step: int


def initial_opt_state(optimizer, params, opt_state):
    """A fresh copy (the loop donates it) of ``opt_state``, or ``optimizer.init(params)``.

    Raises InvalidValueError / ShapeError / InvalidTypeError when ``opt_state`` is not a state of
    ``optimizer`` for these parameters (tree structure, then each leaf's shape and dtype).
    """
    if optimizer is None:
        if opt_state is None or opt_state == ():
            return ()
        raise InvalidValueError("opt_state must be None or () with optimizer=None (plain gradient descent keeps "
                                f"no state); got {type(opt_state).__name__}")
    if opt_state is None:
        return _init(params, optimizer=optimizer)
    expected = jax.eval_shape(optimizer.init, params)
    want, got = jax.tree.structure(expected), jax.tree.structure(opt_state)
    if want != got:
        raise InvalidValueError("opt_state does not match optimizer.init(params): expected the tree structure "
                                f"{want}; got {got} (pass the TrainState.opt_state of a fit with the same optimizer)")
    out = []
    paths = jax.tree_util.tree_flatten_with_path(expected)[0]
    for (path, e), leaf in zip(paths, jax.tree.leaves(opt_state)):
        name = "opt_state" + jax.tree_util.keystr(path)
        if not hasattr(leaf, "shape") or not hasattr(leaf, "dtype"):
            raise InvalidTypeError(f"{name} must be an array of shape {e.shape}; got {type(leaf).__name__}")
        if tuple(leaf.shape) != tuple(e.shape):
            raise ShapeError(f"{name} must have shape {tuple(e.shape)} (as optimizer.init(params)); got {tuple(leaf.shape)}")
        if np.dtype(leaf.dtype) != np.dtype(e.dtype):
            raise InvalidValueError(f"{name} must have dtype {e.dtype} (as optimizer.init(params)); got {leaf.dtype}")
        out.append(jnp.array(leaf, copy=True))
    return jax.tree.unflatten(want, out)


@functools.partial(jax.jit, static_argnames="optimizer")
def _init(params, *, optimizer):
    """``optimizer.init(params)`` as one compiled program per (optimizer, parameter shapes), not
    one eager op per leaf shape (adam's zeros for each moment, its int32 count)."""
    return optimizer.init(params)
