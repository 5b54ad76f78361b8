"""``check_grads(..., manual=fn)``: call a user's gradient function and say what is wrong with it.

``run`` calls ``fn(params, X, Y)`` once on writable float64 NumPy copies (``jax.enable_x64`` is on
in the caller), checks that the inputs were not modified, reads the returned dict (``"W1"`` or
the course's ``"dW1"`` keys) and diagnoses each gradient against ``jax.grad`` with
:func:`dnnjax.check.diagnose.diagnose` (``m`` given, so "missing 1/m" appears; the other hidden
activations' gradients as alternatives, so "equals what hidden='tanh' would give" appears).
"""
from __future__ import annotations

import dataclasses
import re
from collections.abc import Mapping

import jax
import numpy as np

from dnnjax import activations, losses
from dnnjax.check.diagnose import as_values, diagnose, largest_error
from dnnjax.check.gradcheck_report import AGREE_TOL, relative_difference
from dnnjax.check.user_code import InputWatch, call_user

_COURSE_KEY = re.compile(r"^d([Wb][1-9][0-9]*)$")
_COURSE_DA = re.compile(r"^dA[0-9]+$")
RTOL = 1e-6  # entrywise, float64 against jax.grad: right code agrees to ~1e-12


@dataclasses.dataclass
class ManualResult:
    name: str  # how the report names the function
    grads: dict  # param name -> float64 ndarray (or the raw value when it is not an array)
    problems: dict  # param name -> diagnosis phrases, only wrong parameters, in layer order
    errors: list  # lines not tied to one parameter: not a dict, extra keys, inputs modified in place


def run(fn, params, X, Y, auto, *, hidden, output, timeout=None) -> ManualResult:
    """Call ``fn`` and compare its result with ``auto`` (the float64 ``jax.grad``, layer-ordered keys)."""
    label = getattr(fn, "__qualname__", None) or type(fn).__name__
    p = {k: np.array(v, np.float64) for k, v in params.items()}
    x, y = np.array(X, np.float64), np.array(Y, np.float64)
    watch = InputWatch((p, x, y), names=("params", "X", "Y"))
    result = call_user(fn, p, x, y, timeout=timeout)  # a raise -> UserCodeError at the user's line
    out = ManualResult(f"{label} (your function)", {}, {}, [f"{label} {w}" for w in watch.modified()])
    names = [f"{c}{l}" for l in range(1, len(auto) // 2 + 1) for c in "Wb"]
    if not isinstance(result, Mapping):
        _, what = as_values(result)
        what = what or f"an array of shape {np.shape(result)}"
        out.errors.insert(0, f"{label} returned {what}; expected a dict {{'W1': dW1, 'b1': db1, ...}} with keys {names}")
        return out
    result = _course_keys(result, names)
    extra = [k for k in result if k not in auto]
    if extra:
        out.errors.insert(0, f"extra keys {extra} in what {label} returned (expected only {names})")
    m = int(X.shape[1])
    atol = 1e-9 * max(1e-300, max(float(np.max(np.abs(a))) for a in auto.values()))
    alternatives = None
    for name in names:
        if name not in result:
            out.problems[name] = [f"missing from the result (expected an array of shape {auto[name].shape})"]
            continue
        value = result[name]
        phrases = diagnose(value, auto[name], rtol=RTOL, atol=atol, m=m, axis_names=_axis_names(name))
        if phrases and alternatives is None:
            alternatives = _other_hidden(params, X, Y, hidden, output)
        if phrases and alternatives.get(name):
            phrases = diagnose(value, auto[name], rtol=RTOL, atol=atol, m=m, axis_names=_axis_names(name),
                               alternatives=alternatives[name])
        g, not_array = as_values(value)
        out.grads[name] = g if not_array is None else None
        if not_array is None:
            dtype = np.asarray(value).dtype
            if dtype != np.float64:
                phrases.insert(0, f"dtype {dtype} where float64 is expected (the inputs were float64)")
            if not phrases and g.size == auto[name].size:
                rel = relative_difference(g, auto[name])
                if rel > AGREE_TOL:
                    phrases.append(f"agrees with jax.grad only to {rel:.1e} relative (needs <= {AGREE_TOL:g})")
        if phrases:
            out.problems[name] = phrases
    _first_wrong_layer(out, auto, len(names) // 2)
    return out


def _first_wrong_layer(out, auto, L):
    """With several layers wrong, say where backprop first goes wrong: the layers below it may only
    inherit its error (dZ flows from the output down)."""
    layers = sorted({int(k[1:]) for k in out.problems}, reverse=True)
    if L < 2 or len(layers) < 2:
        return
    top = layers[0]
    line = f"the first wrong layer counting from the output is layer {top} of {L}"
    errs = [(*largest_error(g.reshape(auto[k].shape), auto[k]), k) for k in (f"W{top}", f"b{top}")
            if (g := out.grads.get(k)) is not None and g.size == auto[k].size]
    if errs:
        size, index, k = max(errs, key=lambda t: t[0] if np.isfinite(t[0]) else np.inf)
        line += (f"; its largest error is {size:.4g} in {k} at index {tuple(index)}" if np.isfinite(size)
                 else f"; {k} is not finite at index {tuple(index)}")
    out.errors.append(line + " (the layers below may only inherit its error)")


def _course_keys(result, names):
    """``{"dW1": ..., "db1": ..., "dA0": ...}`` -> ``{"W1": ..., "b1": ...}`` when no key is a plain name."""
    if any(k in names for k in result) or not any(isinstance(k, str) and _COURSE_KEY.match(k) for k in result):
        return dict(result)
    out = {}
    for k, v in result.items():
        match = _COURSE_KEY.match(k) if isinstance(k, str) else None
        if match:
            out[match.group(1)] = v
        elif not (isinstance(k, str) and _COURSE_DA.match(k)):
            out[k] = v
    return out


def _axis_names(name):
    l = int(name[1:])
    return (f"n[{l}]", f"n[{l - 1}]") if name[0] == "W" else (f"n[{l}]", "1")


def _other_hidden(params, X, Y, hidden, output):
    """``{param: {"hidden='tanh'": grad, ...}}``: jax.grad with each other hidden activation."""
    if len(params) < 4:  # one layer: no hidden activation to mistake
        return {}
    out = {k: {} for k in params}
    for other in activations.HIDDEN:
        if other != hidden:
            g = _grad(params, X, Y, other, output)
            for k, v in g.items():
                out[k][f"hidden={other!r}"] = np.asarray(v)
    return out


_grad = jax.jit(jax.grad(losses.network_cost), static_argnums=(3, 4))
