"""Validate and convert the arguments every public function shares.

``prepare`` checks names, the parameter pytree, ``X`` and (optionally) ``Y`` against the
course's shape rules, then returns JAX arrays in the parameters' floating dtype.
"""
from __future__ import annotations

import jax.numpy as jnp

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
    dtype = jnp.asarray(params["W1"]).dtype
    params = {k: jnp.asarray(v, dtype) for k, v in params.items()}
    X = jnp.asarray(X, dtype)
    if Y is not None:
        Y = jnp.asarray(Y, dtype)
    return params, X, Y
