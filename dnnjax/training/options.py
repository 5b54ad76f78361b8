"""Checks of ``fit``'s minibatch arguments, run before anything is traced.

Each raises a :mod:`dnnjax.errors` exception naming the argument, what was expected and what came.
"""
from __future__ import annotations

from typing import NamedTuple

import jax
import jax.numpy as jnp
import numpy as np

from dnnjax import parallel, validate
from dnnjax.errors import InvalidTypeError, InvalidValueError, ShapeError


class MinibatchArgs(NamedTuple):
    batch_size: int
    num_epochs: int
    key: object  # a typed jax.random key, or None (no shuffling, or given permutations)
    permutations: object  # (num_epochs, m) int32 jax.Array, or None


def minibatch_requested(batch_size, num_epochs, num_iterations, gram, permutations) -> bool:
    """Whether ``fit`` trains on minibatches; raises on contradictory arguments."""
    if batch_size is None and num_epochs is None:
        if permutations is not None:
            raise InvalidValueError("permutations= needs minibatch training: give batch_size and num_epochs too")
        return False
    if batch_size is None or num_epochs is None:
        given, missing = ("batch_size", "num_epochs") if num_epochs is None else ("num_epochs", "batch_size")
        raise InvalidValueError(f"{given} needs {missing} too: minibatch training is fit(..., batch_size=B, "
                                "num_epochs=E) (batch_size=m gives full-batch epochs)")
    if num_iterations is not None:
        raise InvalidValueError(f"give either num_iterations (full-batch) or batch_size/num_epochs (minibatch), not "
                                f"both; got num_iterations={num_iterations!r}, batch_size={batch_size!r}")
    if gram is True:
        raise InvalidValueError("gram=True is for full-batch gradient descent (the dual form needs every column at "
                                "every step); it cannot be used with batch_size")
    return True


def as_key(key):
    """A typed ``jax.random`` key from a typed key or a raw ``(2,)`` uint32 ``PRNGKey``."""
    if isinstance(key, jax.Array) and jnp.issubdtype(key.dtype, jax.dtypes.prng_key):
        if key.shape != ():
            raise ShapeError(f"key must be a single jax.random key (shape ()); got a batch of shape {key.shape}")
        return key
    if isinstance(key, (jax.Array, np.ndarray)) and key.dtype == np.uint32 and key.shape == (2,):
        return jax.random.wrap_key_data(jnp.asarray(key))
    if key is None:
        raise InvalidValueError("shuffle=True needs key=jax.random.key(seed) (each epoch's permutation is drawn from "
                                "it); pass one, or shuffle=False to keep column order")
    raise InvalidTypeError(f"key must be a jax.random key, e.g. jax.random.key(0); got {type(key).__name__} "
                           f"{getattr(key, 'dtype', '')} {getattr(key, 'shape', '')}".rstrip())


def check_permutations(perms, num_epochs: int, m: int):
    """(num_epochs, m) ints, each row a permutation of ``range(m)`` -> int32 jax.Array."""
    if not isinstance(perms, (np.ndarray, jax.Array, list, tuple)):
        raise InvalidTypeError(f"permutations must be an array (num_epochs, m) of ints; got {type(perms).__name__}")
    arr = np.asarray(perms)
    if arr.shape != (num_epochs, m):
        raise ShapeError(f"permutations must have shape (num_epochs, m) = ({num_epochs}, {m}); got {arr.shape}")
    if arr.size and arr.dtype.kind not in "iu":
        raise InvalidTypeError(f"permutations must hold ints; got dtype {arr.dtype}")
    bad = [e for e in range(num_epochs) if not np.array_equal(np.sort(arr[e]), np.arange(m))]
    if bad:
        raise InvalidValueError(f"permutations[{bad[0]}] is not a permutation of range({m}) (each row must hold every "
                                "column index once)")
    return jnp.asarray(arr, jnp.int32)


def minibatch(m, batch_size, num_epochs, shuffle, key, permutations, mesh) -> MinibatchArgs:
    """The checked minibatch arguments for ``m`` examples (and ``mesh``, if any)."""
    if isinstance(batch_size, bool) or not isinstance(batch_size, (int, np.integer)) or not 1 <= batch_size <= m:
        raise InvalidValueError(f"batch_size must be an int in [1, m] = [1, {m}]; got {batch_size!r}")
    num_epochs = validate.nonneg_int(num_epochs, "num_epochs")
    if not isinstance(shuffle, (bool, np.bool_)):
        raise InvalidTypeError(f"shuffle must be True or False; got {shuffle!r}")
    if mesh is not None:
        parallel.check_batch_divisible(int(batch_size), mesh)
    if permutations is not None:
        return MinibatchArgs(int(batch_size), num_epochs, None, check_permutations(permutations, num_epochs, m))
    return MinibatchArgs(int(batch_size), num_epochs, as_key(key) if shuffle else None, None)
