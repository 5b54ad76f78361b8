"""What is wrong with an array, in words: the diagnosis of a checked result.

``diagnose(got, expected)`` returns ``[]`` when ``got`` matches (same shape, ``allclose``), else
short phrases that use these words where they apply: wrong **shape** ("shape (4,) where (4, 1)
is expected"), **transposed**, **sign** flipped, off by a constant **factor** ("missing 1/m"),
not **finite**, "differs only at N of M entries (where Z == 0)" (named masks), "equals what
<name> would give" (named alternatives), else where the largest error is and its size.
``diagnose_dict`` does the same for a dict of arrays (missing / extra keys, one line per wrong
key, the first wrong layer counting from the output).

Values are compared, not types: Python floats, NumPy and JAX arrays, 0-d, ``(1,)`` and ``(1, 1)``
scalars are all accepted where a single number is expected (DESIGN section 8).
"""
from __future__ import annotations

import numbers
import re
from collections.abc import Mapping

import numpy as np

__all__ = ["diagnose", "diagnose_dict", "layer_of", "largest_error", "as_values"]


def as_values(x):
    """``(float64 ndarray, None)`` for anything numeric (Python numbers, NumPy/JAX arrays, lists of
    numbers), else ``(None, "a tuple of 2 items")``-style words for what it is."""
    if x is None:
        return None, "None (nothing returned)"
    if isinstance(x, (tuple, list)):
        return None, f"a {type(x).__name__} of {len(x)} item{'s' if len(x) != 1 else ''}"
    if isinstance(x, (str, bytes, Mapping)) or not (isinstance(x, numbers.Number) or hasattr(x, "__array__")):
        return None, f"a {type(x).__name__}"
    arr = np.asarray(x)
    if arr.dtype.kind not in "biuf" and not _is_ml_float(arr.dtype):
        return None, f"an array of dtype {arr.dtype} (not real numbers)"
    return arr.astype(np.float64), None


def _is_ml_float(dtype) -> bool:
    """bfloat16 and friends (``ml_dtypes``, what JAX arrays of those dtypes become in NumPy)."""
    return dtype.kind == "V" and dtype.name in ("bfloat16", "float8_e4m3fn", "float8_e5m2")


def close(g, e, tol):
    return np.isclose(g, e, rtol=tol["rtol"], atol=tol["atol"], equal_nan=True)


def largest_error(g, e):
    """``(size, index)`` of the largest ``|g - e|`` (NaN counts as largest) of same-shape arrays."""
    err = np.abs(np.asarray(g, np.float64) - np.asarray(e, np.float64))
    flat = int(np.argmax(np.where(np.isnan(err), np.inf, err)))
    index = np.unravel_index(flat, err.shape) if err.ndim else ()
    return float(err[index]), tuple(int(i) for i in index)


def fmt(v) -> str:
    return f"{float(v):.4g}"


def fmt_shape(shape) -> str:
    return str(tuple(int(d) for d in shape))


def fmt_index(index) -> str:
    return fmt_shape(index)


def diagnose(got, expected, *, rtol=1e-6, atol=1e-9, m=None, masks=None, alternatives=None,
             axis_names=None) -> list[str]:
    """Phrases saying how ``got`` differs from ``expected``; ``[]`` when it matches.

    Args:
      got: what the code under test returned (anything; a non-array is described).
      expected: the reference value (array-like).
      rtol, atol: entrywise ``|got - expected| <= atol + rtol |expected|``.
      m: the number of examples; a factor of ``m`` reads "missing 1/m", ``1/m`` "an extra 1/m".
      masks: ``{name: bool array}`` (e.g. ``{"Z == 0": Z == 0}``), broadcast to ``expected``'s shape;
        the first that equals (else contains) the set of differing entries is named.
      alternatives: ``{name: array}``: "equals what <name> would give" when ``got`` matches one.
      axis_names: names of ``expected``'s axes, e.g. ``("n", "n_prev")``, used when a shape is wrong.
    """
    e, problem = as_values(expected)
    if problem:
        raise TypeError(f"diagnose: expected must be numeric array-like; it is {problem}")
    g, problem = as_values(got)
    if problem:
        return [f"{problem} where {_what(e)} is expected"]
    tol = dict(rtol=rtol, atol=atol)
    if g.size == 1 and e.size == 1:  # a cost as float, 0-d or (1, 1): compare the number
        return _values(g.reshape(()), e.reshape(()), tol, m, masks, alternatives)
    if g.shape == e.shape:
        return _values(g, e, tol, m, masks, alternatives)
    return _wrong_shape(g, e, tol, m, masks, alternatives, axis_names)


def _what(e) -> str:
    return "a number" if e.size == 1 else f"an array of shape {fmt_shape(e.shape)}"


def _wrong_shape(g, e, tol, m, masks, alternatives, axis_names):
    if e.size == 1:  # a single number expected (a cost): per-example values not reduced?
        out = [f"shape {fmt_shape(g.shape)} where a single number is expected"]
        if g.size and close(g.mean(), e.reshape(()), tol):
            return out + ["not averaged: the mean of its entries is the expected value"]
        if g.size and close(g.sum(), e.reshape(()), tol):
            return out + ["not summed: the sum of its entries is the expected value"]
        return out
    phrase = f"shape {fmt_shape(g.shape)} where {fmt_shape(e.shape)} is expected"
    reversed_2d = g.ndim == e.ndim == 2 and g.shape == e.shape[::-1]
    if reversed_2d and axis_names and len(axis_names) == 2:
        phrase += f": ({axis_names[1]}, {axis_names[0]}) for ({axis_names[0]}, {axis_names[1]})"
    if g.ndim == 1 and e.ndim == 2 and 1 in e.shape and g.size == e.size:
        phrase += " (a 1-D array: keep the axis, e.g. keepdims=True or .reshape" + fmt_shape(e.shape) + ")"
    out = [phrase]
    if reversed_2d:
        if close(g.T, e, tol).all():
            return out + ["transposed"]
        more = _global(g.T, e, tol, m, alternatives)
        if more:
            return out + ["transposed"] + more
    if g.size == e.size and [d for d in g.shape if d != 1] == [d for d in e.shape if d != 1]:
        r = g.reshape(e.shape)  # the same values laid out with extra / missing unit axes
        more = _values(r, e, tol, m, masks, alternatives)
        return out + (more or [f"the values are right once reshaped to {fmt_shape(e.shape)}"])
    if g.ndim == e.ndim:  # a reduction left out: (n, m) where (n, 1) is expected
        axes = [k for k in range(g.ndim) if e.shape[k] == 1 and g.shape[k] > 1]
        if axes and all(g.shape[k] == e.shape[k] for k in range(g.ndim) if k not in axes):
            s = g.sum(axis=tuple(axes), keepdims=True)
            where = ", ".join(map(str, axes))
            if close(s, e, tol).all():
                return out + [f"not summed over axis {where} (np.sum(..., axis={where}, keepdims=True) gives the expected values)"]
            if m and close(s / m, e, tol).all():
                return out + [f"not averaged over axis {where}: missing np.sum(..., axis={where}, keepdims=True) and 1/m"]
    return out


def _values(g, e, tol, m, masks, alternatives):
    """Same-shape comparison of float64 arrays."""
    bad = ~np.isfinite(g) & np.isfinite(e)
    if bad.any():
        kinds = " or ".join(k for k, f in (("NaN", np.isnan), ("inf", np.isinf)) if f(g[bad]).any())
        first = np.argwhere(bad)[0]
        if g.ndim == 0:
            return [f"not finite: {kinds}"]
        phrase = f"not finite: {int(bad.sum())} of {g.size} entries are {kinds} (the first at index {fmt_index(tuple(first))})"
        where = _mask_phrase(bad, masks)
        return [phrase] + ([f"all of them {where}"] if where else [])
    ok = close(g, e, tol)
    if ok.all():
        return []
    found = _global(g, e, tol, m, alternatives)
    if found:
        return found
    if g.ndim == 0:
        return [f"got {fmt(g)}, expected {fmt(e)}"]
    diff = ~ok
    n, total = int(diff.sum()), g.size
    out = []
    if close(g[diff], -e[diff], tol).all():
        out.append(f"sign flipped at {n} of {total} entries")
    where = _mask_phrase(diff, masks)
    if where:
        return out + [f"differs only at {n} of {total} entries ({where})"]
    size, index = largest_error(g, e)
    spread = f"at every entry ({total})" if n == total else f"at {n} of {total} entries"
    return out + [f"differs {spread}; the largest error is {fmt(size)} at index {fmt_index(index)} "
                  f"(got {fmt(g[index])}, expected {fmt(e[index])})"]


def _global(g, e, tol, m, alternatives) -> list[str]:
    """Whole-array explanations: sign, a constant factor, transposed, a named alternative."""
    out = []
    ee = float(np.vdot(e, e))
    if ee > 0 and not np.any(g):
        out.append("all zeros where non-zero values are expected")
    elif close(g, -e, tol).all():
        out.append("sign flipped")
    elif ee > 0:
        c = float(np.vdot(g, e)) / ee
        if close(g, c * e, tol).all() and not np.isclose(c, 1.0, rtol=1e-9, atol=0):
            phrase = _factor_phrase(c, m)
            if g.size > 1 or "1/m" in phrase:  # two single numbers always differ by "a factor"
                out.append(phrase)
    if g.ndim == 2 and g.shape[0] == g.shape[1] and not close(e, e.T, tol).all() and close(g, e.T, tol).all():
        out.append("transposed")
    for name, alt in (alternatives or {}).items():
        a, problem = as_values(alt)
        if not problem and a.shape == g.shape and close(g, a, tol).all():
            out.append(f"equals what {name} would give")
    return out


def _factor_phrase(c, m) -> str:
    sign = "sign flipped and " if c < 0 else ""
    a = abs(c)
    if m and m != 1 and np.isclose(a, m, rtol=1e-6):
        return f"{sign}off by a constant factor {fmt(c)} = {'-' if c < 0 else ''}m: missing 1/m"
    if m and m != 1 and np.isclose(a, 1 / m, rtol=1e-6):
        return f"{sign}off by a constant factor {fmt(c)} = {'-' if c < 0 else ''}1/m: an extra 1/m"
    for digits in range(4, 13):  # enough digits to tell the factor from 1 (1.00001, not "1")
        text = f"{c:.{digits}g}"
        if abs(float(text) - c) <= 0.01 * abs(c - 1):
            break
    return f"{sign}off by a constant factor {text} (got = {text} * expected)"


def _mask_phrase(diff, masks) -> str | None:
    """``"where <name>"`` for the first mask equal to ``diff``, else the first containing it."""
    contains = None
    for name, mask in (masks or {}).items():
        try:
            mk = np.broadcast_to(np.asarray(mask, bool), diff.shape)
        except ValueError:
            continue
        if np.array_equal(mk, diff):
            return f"where {name}"
        if contains is None and not (diff & ~mk).any():
            contains = f"all where {name}"
    return contains


_KEY = re.compile(r"^(d?)([A-Za-z]+?)(\d+)$")


def layer_of(key) -> int | None:
    """The layer a course key belongs to: ``W3``/``dW3``/``db3`` -> 3, ``dA2`` -> 3 (the course's
    ``dA{l-1}`` comes out of layer l's backward step), ``A2``/``Z2`` -> 2; None otherwise."""
    match = _KEY.match(str(key))
    if not match:
        return None
    d, name, num = match.groups()
    return int(num) + (1 if d and name == "A" else 0)


def diagnose_dict(got, expected: Mapping, *, rtol=1e-6, atol=1e-9, m=None, masks=None, alternatives=None,
                  axis_names=None, layer=layer_of) -> list[str]:
    """Lines saying how the dict ``got`` differs from ``expected``; ``[]`` when every key matches.

    ``masks``, ``alternatives`` and ``axis_names`` are per key (``{key: {...}}`` / ``{key: names}``).
    For results spanning several layers (``layer(key)``), the first line names the first wrong layer
    counting from the output with its largest error; then one ``"key: phrase; phrase"`` line per
    wrong key, from the output layer down. Missing / extra keys come first.
    """
    keys = list(expected)
    if not isinstance(got, Mapping):
        g, problem = as_values(got)
        what = problem or f"an array of shape {fmt_shape(g.shape)}"
        return [f"{what} where a dict with keys {keys} is expected"]
    out = []
    missing = [k for k in keys if k not in got]
    extra = [k for k in got if k not in expected]
    if missing:
        out.append(f"missing keys {missing} (expected {keys})")
    if extra:
        out.append(f"extra keys {extra} (expected only {keys})")
    wrong = {}
    for k in keys:
        if k in got:
            phrases = diagnose(got[k], expected[k], rtol=rtol, atol=atol, m=m, masks=(masks or {}).get(k),
                               alternatives=(alternatives or {}).get(k), axis_names=(axis_names or {}).get(k))
            if phrases:
                wrong[k] = phrases
    layers = {k: layer(k) for k in keys}
    order = sorted(wrong, key=lambda k: -(layers[k] or 0))  # from the output down (stable within a layer)
    n_layers = len({v for v in layers.values() if v is not None})
    numbered = [k for k in order if layers[k] is not None] + [k for k in missing if layers[k] is not None]
    if n_layers > 1 and numbered:
        top = max(layers[k] for k in numbered)
        out.insert(0, _layer_line(top, max(layers[k] for k in keys if layers[k] is not None),
                                  [k for k in keys if layers[k] == top and (k in wrong or k in missing)], got, expected))
    return out + [f"{k}: {'; '.join(wrong[k])}" for k in order]


def _layer_line(top, L, keys, got, expected) -> str:
    line = f"the first wrong layer counting from the output is layer {top} of {L} ({', '.join(keys)})"
    errs = []
    for k in keys:
        if k in got:
            g, problem = as_values(got[k])
            e, _ = as_values(expected[k])
            if not problem and (g.shape == e.shape or g.size == e.size == 1):
                size, index = largest_error(g.reshape(e.shape), e)
                errs.append((size, k, index))
    if errs:
        size, k, index = max(errs, key=lambda t: t[0] if np.isfinite(t[0]) else np.inf)
        line += (f"; the largest error is {fmt(size)} in {k} at index {fmt_index(index)}" if np.isfinite(size)
                 else f"; {k} is not finite at index {fmt_index(index)}")
    return line
