"""Validate and convert the arguments every public function shares.

``prepare`` checks names, the parameter pytree, ``X`` and (optionally) ``Y`` against the
course's shape rules, then returns JAX arrays in the parameters' floating dtype. NumPy data is
converted on the host (the same rounding as XLA's convert) and placed with ``jax.device_put``,
so it costs no compiled program per shape (``jnp.asarray`` of a NumPy array compiles a ``stage``
program, of another dtype a ``convert_element_type`` one); JAX arrays are converted by JAX.
"""
from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np

from dnnjax import activations, validate
from dnnjax.errors import InvalidValueError

METHODS = ("autodiff", "manual")


def names(hidden: str, output: str) -> None:
    validate.one_of(hidden, tuple(activations.HIDDEN), "hidden")
    validate.one_of(output, activations.OUTPUTS, "output")


def prepare(params, X, Y=None, *, hidden: str, output: str):
    """Return ``(params, X, Y)`` as JAX arrays of ``W1``'s dtype, after every check.

    Raises ShapeError / InvalidValueError / InvalidTypeError naming the bad argument.
    """
    names(hidden, output)
    dims = validate.params(params)
    X = validate.X(X, dims)
    m = X.shape[1]
    if Y is not None:
        Y = validate.Y(Y, m, dims[-1], output)
    if output == "softmax" and dims[-1] < 2:
        raise InvalidValueError(f"output='softmax' needs n_L >= 2 classes; the last layer has {dims[-1]} unit")
    dtype = jax.dtypes.canonicalize_dtype(params["W1"].dtype)  # float64 is float32 without x64
    params = {k: as_jax(v, dtype) for k, v in params.items()}
    X = as_jax(X, dtype)
    if Y is not None:
        Y = as_jax(Y, dtype)
    return params, X, Y


def as_jax(x, dtype):
    """``x`` as a JAX array of ``dtype``: a JAX array (or tracer) of that dtype as it is (``fit``
    called again on the same arrays pays no ~50 us ``jnp.asarray`` per leaf), other JAX arrays
    through ``jnp.asarray``, anything else converted by NumPy on the host and copied to the
    device (no compiled program)."""
    if isinstance(x, jax.Array):
        if x.dtype == dtype and not x.weak_type:
            return x
        return jnp.asarray(x, dtype)
    return jax.device_put(np.asarray(x, dtype))
