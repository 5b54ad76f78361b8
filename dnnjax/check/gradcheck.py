"""Gradient checking as a user feature: manual vs autodiff vs central finite differences.

``check_grads`` returns a :class:`GradCheckReport` whose ``str()`` is a readable table of the
course's relative difference ``||a - b|| / (||a|| + ||b||)`` per parameter and overall.
"manual" is dnnjax's hand-written backward pass, or the caller's own function (``manual=``,
:mod:`dnnjax.check.manual_grads`), which is then diagnosed parameter by parameter.
Finite differences with ``eps = 1e-7`` are only meaningful in float64; without ``manual`` the check
runs in the caller's dtype and a float32 report says so and how to switch; with ``manual`` it always
runs in float64. Everything runs under ``default_matmul_precision("highest")`` so the comparison
holds on GPU/TPU, where float32 matmuls may otherwise use reduced precision.
"""
from __future__ import annotations

import contextlib
from functools import partial

import jax
import jax.numpy as jnp
import numpy as np

from dnnjax import backprop, inputs, losses, validate
from dnnjax.check import manual_grads
from dnnjax.check.gradcheck_report import PAIRS, GradCheckReport, relative_difference
from dnnjax.errors import InvalidTypeError


def _fd_indices(sizes, max_fd_coords, seed=0):
    """Coordinates (into each leaf's ravel) to check: all, or an even random sample."""
    total = sum(sizes)
    rng = np.random.RandomState(seed)
    per_leaf = max(1, max_fd_coords // len(sizes)) if total > max_fd_coords else None
    out = []
    for n in sizes:
        out.append(np.arange(n) if per_leaf is None or n <= per_leaf else np.sort(rng.choice(n, per_leaf, replace=False)))
    return out


def _autodiff_and_fd_body(params, X, Y, flat_idx, eps, hidden, output):
    """Autodiff grads, and central differences at the ``flat_idx`` coordinates of the parameters
    laid end to end in sorted key order (the order jit gives dict keys; check_grads uses the same)."""
    auto = jax.grad(losses.network_cost)(params, X, Y, hidden, output)
    names = sorted(params)
    sizes = [params[k].size for k in names]
    theta = jnp.concatenate([params[k].ravel() for k in names])

    def unravel(flat):
        parts = jnp.split(flat, np.cumsum(sizes)[:-1])
        return {k: v.reshape(params[k].shape) for k, v in zip(names, parts)}

    def central(i):
        e = jnp.zeros_like(theta).at[i].set(eps)
        plus = losses.network_cost(unravel(theta + e), X, Y, hidden, output)
        minus = losses.network_cost(unravel(theta - e), X, Y, hidden, output)
        return (plus - minus) / (2 * eps)

    cost = losses.network_cost(params, X, Y, hidden, output)
    return auto, jax.lax.map(central, flat_idx, batch_size=64), cost


@partial(jax.jit, static_argnames=("hidden", "output"))
def _gradients_three_ways(params, X, Y, flat_idx, eps, hidden, output):
    """dnnjax's manual grads with autodiff and finite differences: one compiled function, cached
    per shapes/config, so repeated checks do not recompile."""
    _, manual = backprop.value_and_grad(params, X, Y, hidden, output)
    return (manual, *_autodiff_and_fd_body(params, X, Y, flat_idx, eps, hidden, output))


_autodiff_and_fd = jax.jit(_autodiff_and_fd_body, static_argnames=("hidden", "output"))


def check_grads(params, X, Y, *, hidden="relu", output="sigmoid", eps=1e-7, max_fd_coords=4096,
                manual=None, timeout=None):
    """Compare hand-written, automatic and finite-difference gradients of the cost.

    Args:
      params, X, Y, hidden, output: as for :func:`dnnjax.cost`.
      eps: central-difference step ``(J(theta + eps) - J(theta - eps)) / (2 eps)``.
      max_fd_coords: finite differences cost two forward passes per coordinate; above this
        many parameters an evenly spread random sample (fixed seed) is checked per leaf.
      manual: your own gradient function ``manual(params, X, Y) -> {"W1": dW1, "b1": db1, ...}``
        (the course's ``"dW1"``/``"db1"`` keys are read too; ``"dA…"`` keys are ignored) under test
        instead of dnnjax's backward pass. It is called once, eagerly (it need not be jit-able), on
        writable float64 NumPy copies: ``params`` a dict of ``W{l}`` ``(n[l], n[l-1])`` and ``b{l}``
        ``(n[l], 1)``, ``X`` ``(n_x, m)``, ``Y`` ``(n_L, m)``, with ``jax.enable_x64`` on so JAX code is
        float64 too. The whole check then runs in float64, whatever the caller's dtype (a float32
        input is converted exactly and the report says so). If it raises, a
        :class:`dnnjax.check.user_code.UserCodeError` names your line.
      timeout: seconds ``manual`` may run before it is stopped (Unix main thread; None: no limit).

    Returns:
      GradCheckReport; ``print(report)`` shows the table (and with ``manual`` what is wrong with
      each wrong parameter), ``report.ok`` the verdict.
    """
    eps = validate.positive_float(eps, "eps")
    max_fd_coords = validate.positive_int(max_fd_coords, "max_fd_coords")
    if manual is not None and not callable(manual):
        raise InvalidTypeError(f"manual must be a function manual(params, X, Y) -> grads; got {type(manual).__name__}")
    if timeout is not None:
        timeout = validate.positive_float(timeout, "timeout")
    validate.params(params)
    caller_dtype = jnp.dtype(params["W1"].dtype).name
    x64 = jax.enable_x64(True) if manual is not None else contextlib.nullcontext()
    with x64, jax.default_matmul_precision("highest"):
        if manual is not None:  # float64 parameters (exactly: float32 values are float64 values), so
            params = {k: np.asarray(v, np.float64) for k, v in params.items()}  # prepare keeps X, Y in float64
        params, X, Y = inputs.prepare(params, X, Y, hidden=hidden, output=output)
        dtype = params["W1"].dtype
        sorted_names = sorted(params)
        sizes = [params[k].size for k in sorted_names]
        offsets = np.cumsum([0] + sizes[:-1])
        picks = _fd_indices(sizes, max_fd_coords)
        flat_idx = jnp.asarray(np.concatenate([o + p for o, p in zip(offsets, picks)]))
        step = jnp.asarray(eps, dtype)
        if manual is None:
            manual_out, auto, fd, J = _gradients_three_ways(params, X, Y, flat_idx, step, hidden, output)
            user = None
        else:
            auto, fd, J = _autodiff_and_fd(params, X, Y, flat_idx, step, hidden, output)
            auto = {k: np.asarray(v) for k, v in auto.items()}
            user = manual_grads.run(manual, params, X, Y, auto, hidden=hidden, output=output, timeout=timeout)
            manual_out = user.grads
        fd_noise = 8 * float(jnp.finfo(dtype).eps) * max(1.0, abs(float(J))) / eps
    fd = np.asarray(fd)
    fd_by_name = dict(zip(sorted_names, np.split(fd, np.cumsum([len(p) for p in picks])[:-1])))
    pick_by_name = dict(zip(sorted_names, picks))
    names = [f"{c}{l}" for l in range(1, len(sorted_names) // 2 + 1) for c in "Wb"]  # report in layer order
    table = _table(names, manual_out, auto, fd_by_name, pick_by_name)
    extra = {}
    if user is not None:
        notes = [] if caller_dtype == "float64" else [
            f"note: your parameters were {caller_dtype}; they were converted (exactly) to float64 and the whole check ran "
            f"in float64, where finite differences with eps={eps:g} mean something"]
        extra = dict(manual_name=user.name, problems=user.problems, errors=tuple(user.errors), notes=tuple(notes))
    return GradCheckReport(*table[:2], {k: tuple(params[k].shape) for k in names}, table[2], jnp.dtype(dtype).name,
                           eps, table[3], fd_noise, **extra)


def _table(names, manual, auto, fd_by_name, pick_by_name):
    """``(per_param, overall, fd_checked, fd_max_abs)``; a manual gradient that is missing (None) or
    of another size gives NaN in its two columns and is left out of their overall figures."""
    per_param, fd_checked = {}, {}
    cols = {p: ([], []) for p in PAIRS}
    fd_max_abs = 0.0
    for name in names:
        pick, fd_leaf, a = pick_by_name[name], fd_by_name[name], np.ravel(auto[name])
        m = manual.get(name)
        m = None if m is None else np.ravel(np.asarray(m, np.float64))
        pairs = {PAIRS[2]: (a[pick], fd_leaf)}
        if m is not None and m.size == a.size:
            pairs.update({PAIRS[0]: (m, a), PAIRS[1]: (m[pick], fd_leaf)})
            fd_max_abs = max(fd_max_abs, float(np.max(np.abs(m[pick] - fd_leaf))))
        per_param[name] = {p: relative_difference(*pairs[p]) if p in pairs else float("nan") for p in PAIRS}
        for p, (u, v) in pairs.items():
            cols[p][0].append(u), cols[p][1].append(v)
        fd_checked[name] = len(pick)
    overall = {p: relative_difference(np.concatenate(u), np.concatenate(v)) if u else float("nan")
               for p, (u, v) in cols.items()}
    return per_param, overall, fd_checked, fd_max_abs
