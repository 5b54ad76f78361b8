"""Shape and type checks shared by the course modules (no value checks: any finite input goes).

The course layer accepts what the NumPy notebooks accept: NumPy or JAX arrays, nested lists,
Python numbers, and labels of any real dtype (bool, uint8, int, float). Everything is cast to one
floating dtype per call: that of the parameters (or ``X``), canonicalised, so float32 by default
and float64 under ``jax.enable_x64``. Errors are :mod:`dnnjax.errors` exceptions that name the
argument, what was expected and what came, raised before anything is traced.
"""
from __future__ import annotations

import numbers

import jax
import jax.numpy as jnp
import numpy as np

from dnnjax.errors import InvalidTypeError, InvalidValueError, ShapeError


def default_float():
    """float32, or float64 under ``jax.enable_x64``."""
    return jnp.dtype(jax.dtypes.canonicalize_dtype(jnp.float64))


def float_dtype(*xs):
    """The canonical dtype of the first floating array among ``xs``, else :func:`default_float`."""
    for x in xs:
        dt = getattr(x, "dtype", None)
        if dt is not None and jnp.issubdtype(dt, jnp.floating):
            return jnp.dtype(jax.dtypes.canonicalize_dtype(dt))
    return default_float()


def real_array(x, name):
    """``x`` as an array (NumPy or JAX, not copied) after checking it holds real numbers."""
    if isinstance(x, (jax.Array, np.ndarray, np.generic)):
        arr = x
    elif isinstance(x, (list, tuple, numbers.Real)):
        arr = np.asarray(x)
    else:
        raise InvalidTypeError(f"{name} must be an array of real numbers; got {type(x).__name__}")
    if np.dtype(arr.dtype).kind not in "biuf":
        raise InvalidTypeError(f"{name} must hold real numbers (bool, int or float); got dtype {arr.dtype}")
    return arr


def as_float(x, name, dtype, ndim=None):
    """``x`` as a JAX array of ``dtype``; with ``ndim``, a ShapeError unless it has that rank."""
    arr = real_array(x, name)
    if ndim is not None and arr.ndim != ndim:
        hint = " (reshape it with .reshape(1, -1))" if ndim == 2 and arr.ndim == 1 else ""
        raise ShapeError(f"{name} must be {ndim}-D; got shape {tuple(arr.shape)}{hint}")
    return jnp.asarray(arr, dtype)


def expect_shape(arr, name, shape, why):
    """ShapeError unless ``arr.shape == shape``; ``why`` says where the expectation comes from."""
    if tuple(arr.shape) != tuple(shape):
        raise ShapeError(f"{name} must have shape {tuple(shape)} ({why}); got {tuple(arr.shape)}")


def weights(parameters, name="parameters", layers=None):
    """Check a ``{"W1", "b1", ..., "WL", "bL"}`` dict; return ``(dims, {k: jax array})``.

    ``dims = (n_x, n_1, ..., n_L)``; every leaf is cast to the canonical dtype of ``W1``.
    ``layers`` (an int) demands exactly that many layers.
    """
    from dnnjax import validate  # the core's pytree check (keys, W{l} (n[l], n[l-1]), b{l} (n[l], 1))

    try:
        dims = validate.params(parameters)
    except (ShapeError, InvalidValueError, InvalidTypeError) as e:
        raise type(e)(str(e).replace("params", name, 1)) from None
    if layers is not None and len(dims) - 1 != layers:
        raise InvalidValueError(f"{name} must hold a {layers}-layer network (W1..W{layers}, b1..b{layers}); "
                                f"got {len(dims) - 1} layer(s)")
    dtype = float_dtype(parameters["W1"])
    return dims, {k: jnp.asarray(v, dtype) for k, v in parameters.items()}


def data(X, Y, dims, dtype, *, y_name="Y"):
    """``X`` (n_x, m) and ``Y`` (n_L, m) as JAX arrays of ``dtype``, shapes checked against ``dims``."""
    X = as_float(X, "X", dtype, ndim=2)
    if X.shape[0] != dims[0]:
        raise ShapeError(f"X must have n_x = {dims[0]} rows (the input size of the parameters); got shape {X.shape}")
    if X.shape[1] == 0:
        raise ShapeError(f"X has zero examples (shape {X.shape}); need at least one column")
    if Y is None:
        return X, None
    Y = as_float(Y, y_name, dtype, ndim=2)
    expect_shape(Y, y_name, (dims[-1], X.shape[1]), "n_L rows, one column per example of X")
    return X, Y


def key(k):
    """A ``jax.random`` key (new-style typed key or legacy uint32 (2,) array)."""
    dt = getattr(k, "dtype", None)
    if dt is not None and (jax.dtypes.issubdtype(dt, jax.dtypes.prng_key)
                           or (np.dtype(dt) == np.uint32 and tuple(k.shape) == (2,))):
        return k
    raise InvalidTypeError(f"key must be a jax.random key such as jax.random.key(0); got {type(k).__name__} {k!r}"
                           + (" (the course's np.random.seed is replaced by an explicit key)" if k is None else ""))


def count(v, name, minimum=0):
    """An int >= ``minimum`` (iteration counts, layer sizes)."""
    if isinstance(v, bool) or not isinstance(v, (numbers.Integral, np.integer)) or v < minimum:
        raise InvalidValueError(f"{name} must be an int >= {minimum}; got {v!r}")
    return int(v)


def rate(v, name="learning_rate"):
    """A finite real learning rate as a Python float (weakly typed: keeps the arrays' dtype)."""
    if isinstance(v, bool) or not isinstance(v, (numbers.Real, np.floating, np.integer)) or not np.isfinite(v):
        raise InvalidValueError(f"{name} must be a finite number; got {v!r}")
    return float(v)


# ----------------------------------------------------------------------------- deep-network caches
def checked_cache(cache, name, *, names=None, z_name=None, dtype=None):
    """Check a layer cache ``((A_prev, W, b), Z)``; return it cast to one float dtype.

    ``A_prev`` (n[l-1], m), ``W`` (n[l], n[l-1]), ``b`` (n[l], 1), ``Z`` (n[l], m) (``Z`` may be
    None). ``names`` / ``z_name`` label the parts in errors (default ``name[0][i]``, ``name[1]``).
    """
    ok = isinstance(cache, (tuple, list)) and len(cache) == 2 and isinstance(cache[0], (tuple, list)) \
        and len(cache[0]) == 3
    if not ok:
        raise InvalidTypeError(f"{name} must be a layer cache ((A_prev, W, b), Z); got {type(cache).__name__} "
                               f"{str(cache)[:60]}")
    (A_prev, W, b), Z = cache
    names = names or tuple(f"{name}[0][{i}] ({n})" for i, n in enumerate(("A_prev", "W", "b")))
    z_name = z_name or f"{name}[1] (Z)"
    dtype = dtype or float_dtype(W, A_prev)
    W = as_float(W, names[1], dtype, ndim=2)
    A_prev = as_float(A_prev, names[0], dtype, ndim=2)
    if A_prev.shape[0] != W.shape[1]:
        raise ShapeError(f"{names[0]} must have n[l-1] = {W.shape[1]} rows (the columns of {names[1]} {W.shape}); "
                         f"got shape {A_prev.shape}")
    b = as_float(b, names[2], dtype, ndim=2)
    expect_shape(b, names[2], (W.shape[0], 1), f"(n[l], 1) for {names[1]} {W.shape}")
    if Z is not None:
        Z = as_float(Z, z_name, dtype, ndim=2)
        expect_shape(Z, z_name, (W.shape[0], A_prev.shape[1]), f"(n[l], m) for {names[1]} {W.shape} "
                     f"and {names[0]} {A_prev.shape}")
    return (A_prev, W, b), Z


def checked_caches(caches):
    """Check the list of L caches ``L_model_forward`` returns; each cast to the dtype of the last ``W``."""
    if not isinstance(caches, (list, tuple)) or not caches:
        raise InvalidTypeError(f"caches must be the non-empty list of layer caches L_model_forward returns; "
                               f"got {type(caches).__name__}")
    (_, W_last, _), _ = checked_cache(caches[-1], f"caches[{len(caches) - 1}]")
    dtype = W_last.dtype
    out = [checked_cache(c, f"caches[{i}]", dtype=dtype) for i, c in enumerate(caches)]
    for i in range(1, len(out)):
        want = (out[i][0][1].shape[1], out[i][1].shape[1])
        expect_shape(out[i - 1][1], f"caches[{i - 1}][1] (Z)", want,
                     f"layer {i + 1}'s W {out[i][0][1].shape} and m = {want[1]} must follow it")
    return out


def grads_for(params, grads):
    """``{k: grads["d" + k]}`` for every parameter ``k``, cast to its dtype and shape-checked."""
    if not isinstance(grads, dict):
        raise InvalidTypeError(f"grads must be a dict {{'dW1': ..., 'db1': ...}}; got {type(grads).__name__}")
    missing = [f"d{k}" for k in params if f"d{k}" not in grads]
    if missing:
        raise InvalidValueError(f"grads is missing {missing} (one gradient per parameter)")
    out = {}
    for k, p in params.items():
        g = as_float(grads[f"d{k}"], f"grads['d{k}']", p.dtype)
        expect_shape(g, f"grads['d{k}']", p.shape, f"the shape of the parameter {k}")
        out[k] = g
    return out


def cost_inputs(A, Y, a_name):
    """``(A, Y)`` as 2-D float arrays of A's dtype, ``Y`` of ``A``'s shape (no value checks)."""
    dtype = float_dtype(A)
    A = as_float(A, a_name, dtype, ndim=2)
    Y = as_float(Y, "Y", dtype, ndim=2)
    expect_shape(Y, "Y", A.shape, f"the shape of {a_name}")
    return A, Y
