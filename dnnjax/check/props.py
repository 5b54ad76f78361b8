"""Checks by property where values cannot be compared: initialisation and recorded costs.

Initialisation functions seed NumPy's global RNG with version-dependent seeds, so their values
are not compared (DESIGN section 8): the keys, the shapes, zero biases, weights that are distinct
normal draws of the course's scale (``0.01``, or ``1/sqrt(n[l-1])`` where that is the course's),
a mean near 0. The learner's training loops record costs at iterations 0, 100, ... (some versions
also the last iteration): :func:`expect_costs` accepts either.
"""
from __future__ import annotations

import numpy as np

from dnnjax.check import diagnose as dg
from dnnjax.check.runner import Fail


def _shape_phrase(got_shape, shape, names=("n", "n_prev")):
    phrase = f"shape {dg.fmt_shape(got_shape)} where {dg.fmt_shape(shape)} is expected"
    if len(shape) == 2 and tuple(got_shape) == tuple(shape)[::-1] and shape[0] != shape[1]:
        phrase += f": ({names[1]}, {names[0]}) for ({names[0]}, {names[1]}), transposed"
    elif len(got_shape) == 1 and len(shape) == 2 and 1 in shape:
        phrase += " (a 1-D array: keep the axis, e.g. np.zeros((n, 1)))"
    return phrase


def expect_init(label, params, dims, scales):
    """``params`` a fresh initialisation for layer sizes ``dims``; ``scales``: ``{name: fn(n_prev)}``
    of the acceptable weight scales (e.g. ``{"0.01": lambda n: 0.01}``)."""
    L = len(dims) - 1
    keys = [f"{c}{l}" for l in range(1, L + 1) for c in "Wb"]
    if not isinstance(params, dict):
        raise Fail([f"{label}: returned {dg.as_values(params)[1] or type(params).__name__} where a dict "
                    f"with keys {keys} is expected"])
    lines = []
    missing = [k for k in keys if k not in params]
    extra = [k for k in params if k not in keys]
    if missing:
        lines.append(f"missing keys {missing} (expected {keys})")
    if extra:
        lines.append(f"extra keys {extra} (expected only {keys})")
    weights = {}
    for l in range(1, L + 1):
        for c, shape in (("W", (dims[l], dims[l - 1])), ("b", (dims[l], 1))):
            k = f"{c}{l}"
            if k not in params:
                continue
            v, problem = dg.as_values(params[k])
            if problem:
                lines.append(f"{k}: {problem} where an array of shape {shape} is expected")
            elif v.shape != shape:
                lines.append(f"{k}: {_shape_phrase(v.shape, shape)}")
            elif not np.isfinite(v).all():
                lines.append(f"{k}: not finite")
            elif c == "b" and np.any(v):
                lines.append(f"{k}: not zeros (biases start at 0; the largest entry is {dg.fmt(np.abs(v).max())})")
            elif c == "W":
                weights[l] = v
    lines += _weight_lines(weights, dims, scales)
    if lines:
        raise Fail([f"{label}:"] + [f"  {ln}" for ln in lines])


def _weight_lines(weights, dims, scales):
    out = []
    for l, v in weights.items():
        if not np.any(v):
            out.append(f"W{l}: all zeros (the weights must be random to break the symmetry)")
        elif np.unique(v).size < v.size:
            out.append(f"W{l}: {v.size - np.unique(v).size} repeated entries (expected distinct random draws)")
    if out or not weights:
        return out
    fits = []
    for name, scale in scales.items():
        ratios = {l: float(np.std(v)) / scale(dims[l - 1]) for l, v in weights.items()}
        if all(1 / 1.6 < r < 1.6 for r in ratios.values()):
            fits.append(name)
    if not fits:
        name, scale = next(iter(scales.items()))
        l, v = max(weights.items(), key=lambda kv: abs(np.log(np.std(kv[1]) / scale(dims[kv[0] - 1]))))
        want = " or ".join(scales)
        out.append(f"W{l}: the entries have standard deviation {dg.fmt(np.std(v))}, off by a factor "
                   f"{dg.fmt(np.std(v) / scale(dims[l - 1]))} from the course's scale ({want}: "
                   f"{dg.fmt(scale(dims[l - 1]))} here; np.random.randn(...) * scale)")
    for l, v in weights.items():
        if abs(np.mean(v)) > 6 * np.std(v) / np.sqrt(v.size):
            out.append(f"W{l}: mean {dg.fmt(np.mean(v))} is far from 0 (np.random.randn draws normal "
                       f"values around 0; np.random.rand is uniform on [0, 1))")
    return out


def expect_costs(label, costs, trajectory, **kw):
    """``costs``: the cost at iteration 0, then possibly some later ones in order (every 100 and/or
    the last); ``trajectory[i]`` is the reference cost at iteration ``i`` (before its update)."""
    if not isinstance(costs, (list, tuple, np.ndarray)) or len(costs) == 0:
        raise Fail([f"{label}: {dg.as_values(costs)[1] or 'an empty list'} where the list of recorded costs "
                    f"is expected (the cost at iteration 0 first)"])
    first = dg.diagnose(costs[0], trajectory[0], **kw)
    if first:
        raise Fail([f"{label}: costs[0] (iteration 0, before the first update): {'; '.join(first)}"])
    allowed = [i for i in range(1, len(trajectory)) if i % 100 == 0 or i == len(trajectory) - 1]
    at = 0
    for j, c in enumerate(list(costs)[1:], start=1):
        hit = next((i for i in allowed if i > at and not dg.diagnose(c, trajectory[i], **kw)), None)
        if hit is None:
            raise Fail([f"{label}: costs[{j}] = {dg.fmt(np.asarray(c, float).ravel()[0]) if np.size(c) else c} is "
                        f"not a cost recorded by the course (iterations 0, 100, ... of {len(trajectory)}"
                        f" and maybe the last one)"])
        at = hit
