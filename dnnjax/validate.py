"""Input checks run on concrete values *before* anything is traced.

Each check raises a :mod:`dnnjax.errors` exception naming the argument, what was expected
and what came. Value checks (NaN, label ranges) are skipped for tracers, so the public
functions still work inside a user's own ``jit``; shape checks always run.
"""
from __future__ import annotations

import math
import numbers
import re
import weakref
from collections.abc import Mapping, Sequence

import jax
import jax.numpy as jnp
import numpy as np

from dnnjax.errors import InvalidTypeError, InvalidValueError, ShapeError

_KEY = re.compile(r"^([Wb])([1-9][0-9]*)$")


def is_concrete(x) -> bool:
    return not isinstance(x, jax.core.Tracer)


def _shape(x, name):
    shape = getattr(x, "shape", None)
    if shape is None:
        raise InvalidTypeError(f"{name} must be an array; got {type(x).__name__}")
    return tuple(shape)


_FINITE: dict[int, weakref.ref] = {}
"""JAX arrays (immutable) already found finite, by ``id`` while they live: a ``fit`` called
again on the same device array (chunked runs, resumes, sweeps of settings) does not test it
again (two eager reductions and a host sync, ~1 ms per call on the digits data)."""


def _all_finite(x) -> bool:
    if not is_concrete(x):
        return True
    if isinstance(x, jax.Array):
        hit = _FINITE.get(id(x))
        if hit is not None and hit() is x:
            return True
        # eagerly, even when called while tracing (a concrete X closed over by a user's jit)
        with jax.ensure_compile_time_eval():
            ok = bool(jnp.all(jnp.isfinite(x)))
        if ok:
            _remember_finite(x)
        return ok
    return bool(np.all(np.isfinite(x)))


def _remember_finite(x) -> None:
    try:
        ref = weakref.ref(x, lambda _, k=id(x): _FINITE.pop(k, None))
    except TypeError:  # an array type without weak references: test it every time
        return
    if len(_FINITE) >= 64:
        _FINITE.clear()
    _FINITE[id(x)] = ref


def _as_array(x, name):
    if isinstance(x, (jax.Array, np.ndarray)):
        arr = x
    elif isinstance(x, (list, tuple, numbers.Number)):
        arr = np.asarray(x)
    else:
        raise InvalidTypeError(f"{name} must be an array; got {type(x).__name__}")
    kind = np.dtype(arr.dtype).kind
    if kind not in "biuf":
        raise InvalidTypeError(f"{name} must hold real numbers; got dtype {arr.dtype}")
    return arr


def one_of(value, valid, name):
    if not isinstance(value, str) or value not in valid:
        raise InvalidValueError(f"{name} must be one of {', '.join(map(repr, valid))}; got {value!r}")
    return value


def layer_dims(dims) -> tuple[int, ...]:
    if isinstance(dims, (str, bytes)) or not isinstance(dims, (Sequence, np.ndarray)):
        raise InvalidTypeError(f"layer_dims must be a list of ints like [n_x, n_1, ..., n_L]; got {dims!r}")
    dims = list(dims)
    if len(dims) < 2:
        raise InvalidValueError(f"layer_dims needs at least 2 entries [n_x, ..., n_L]; got {dims!r}")
    for i, n in enumerate(dims):
        if isinstance(n, bool) or not isinstance(n, (numbers.Integral, np.integer)) or n < 1:
            raise InvalidValueError(f"layer_dims[{i}] must be a positive int; got {n!r} in {dims!r}")
    return tuple(int(n) for n in dims)


def init_scale(scale, names):
    if isinstance(scale, str):
        one_of(scale, names, "scale")
    elif isinstance(scale, bool) or not isinstance(scale, numbers.Real) or not math.isfinite(scale):
        raise InvalidValueError(f"scale must be a finite float or one of {names}; got {scale!r}")


def float_dtype(dtype):
    dt = jnp.dtype(dtype)
    if not jnp.issubdtype(dt, jnp.floating):
        raise InvalidTypeError(f"dtype must be a floating dtype (float32, float64); got {dt}")
    if dt == jnp.float64 and not jax.config.jax_enable_x64:
        raise InvalidValueError("dtype=float64 needs 64-bit mode: wrap the call in `with jax.enable_x64(True):`")
    return dt


def params(p) -> tuple[int, ...]:
    """Check a ``{"W1", "b1", ...}`` pytree; return the layer dims ``(n_0, ..., n_L)``."""
    if not isinstance(p, Mapping):
        raise InvalidTypeError(f"params must be a dict {{'W1': ..., 'b1': ...}}; got {type(p).__name__}")
    bad = sorted(k for k in p if not (isinstance(k, str) and _KEY.match(k)))
    if bad:
        raise InvalidValueError(f"params has unexpected keys {bad}; expected only 'W1', 'b1', ..., 'WL', 'bL'")
    L = max((int(_KEY.match(k).group(2)) for k in p), default=0)
    if L == 0:
        raise InvalidValueError("params is empty; expected keys 'W1', 'b1', ..., 'WL', 'bL'")
    expected = [f"{c}{l}" for l in range(1, L + 1) for c in "Wb"]
    missing = [k for k in expected if k not in p]
    if missing:
        raise InvalidValueError(f"params is missing {missing} (a {L}-layer network needs {expected})")
    dims = []
    for l in range(1, L + 1):
        W, b = p[f"W{l}"], p[f"b{l}"]
        ws, bs = _shape(W, f"params['W{l}']"), _shape(b, f"params['b{l}']")
        for name, arr in ((f"W{l}", W), (f"b{l}", b)):
            if not jnp.issubdtype(jnp.dtype(arr.dtype), jnp.floating):
                raise InvalidTypeError(f"params['{name}'] must be floating point; got dtype {arr.dtype}")
        if len(ws) != 2:
            raise ShapeError(f"params['W{l}'] must be 2-D (n[{l}], n[{l-1}]); got shape {ws}")
        if l == 1:
            dims.append(ws[1])
        elif ws[1] != dims[-1]:
            # n[l] is best read off b{l} when it is a column; else W's own first axis
            n_l = bs[0] if len(bs) == 2 and bs[1] == 1 else ws[0]
            hint = "; it looks transposed" if ws == (dims[-1], n_l) else ""
            raise ShapeError(
                f"params['W{l}'] must have shape (n[{l}], n[{l-1}]) = ({n_l}, {dims[-1]}) "
                f"to follow W{l-1} of shape ({dims[-1]}, {dims[-2]}); got {ws}{hint}")
        dims.append(ws[0])
        if bs != (ws[0], 1):
            raise ShapeError(f"params['b{l}'] must have shape (n[{l}], 1) = ({ws[0]}, 1); got {bs}")
    return tuple(dims)


def X(x, dims):
    x = _as_array(x, "X")
    shape = tuple(x.shape)
    if len(shape) != 2:
        hint = " (reshape a single feature vector to (n_x, 1) or a row of examples to (1, m))" if len(shape) == 1 else ""
        raise ShapeError(f"X must be 2-D (n_x, m) with examples in columns; got shape {shape}{hint}")
    if shape[0] != dims[0]:
        raise ShapeError(f"X must have n_x = {dims[0]} rows to match W1 of shape ({dims[1]}, {dims[0]}); got X of shape {shape}")
    if shape[1] == 0:
        raise ShapeError(f"X has zero examples (shape {shape}); need at least one column")
    if not _all_finite(x):
        raise InvalidValueError("X contains NaN or inf")
    return x


def Y(y, m: int, n_out: int, output: str):
    y = _as_array(y, "Y")
    shape = tuple(y.shape)
    if len(shape) != 2:
        raise ShapeError(f"Y must be 2-D ({n_out}, m) with examples in columns; got shape {shape}"
                         + (" (use Y.reshape(1, -1))" if len(shape) == 1 else ""))
    if shape != (n_out, m):
        raise ShapeError(f"Y must have shape ({n_out}, {m}): n_L = {n_out} rows and one column per example of X; got {shape}")
    if not is_concrete(y):
        return y
    if not _all_finite(y):
        raise InvalidValueError("Y contains NaN or inf")
    v = np.asarray(y)
    if output == "sigmoid" and ((v < 0).any() or (v > 1).any()):
        raise InvalidValueError(f"Y must hold labels in [0, 1] for output='sigmoid'; got values in [{v.min()}, {v.max()}]")
    if output == "softmax":
        if not (((v == 0) | (v == 1)).all() and (v.sum(axis=0) == 1).all()):
            raise InvalidValueError("Y must be one-hot (C, m) for output='softmax': each column a single 1, zeros elsewhere")
    return y


def positive_float(v, name):
    if isinstance(v, bool) or not isinstance(v, (numbers.Real, np.floating, np.integer)) or not (math.isfinite(v) and v > 0):
        raise InvalidValueError(f"{name} must be a finite number > 0; got {v!r}")
    return float(v)


def nonneg_int(v, name):
    if isinstance(v, bool) or not isinstance(v, (numbers.Integral, np.integer)) or v < 0:
        raise InvalidValueError(f"{name} must be an int >= 0; got {v!r}")
    return int(v)


def positive_int(v, name):
    if isinstance(v, bool) or not isinstance(v, (numbers.Integral, np.integer)) or v < 1:
        raise InvalidValueError(f"{name} must be an int >= 1; got {v!r}")
    return int(v)
