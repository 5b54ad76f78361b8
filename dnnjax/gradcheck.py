"""Gradient checking as a user feature: manual vs autodiff vs central finite differences.

``check_grads`` returns a :class:`GradCheckReport` whose ``str()`` is a readable table of the
course's relative difference ``||a - b|| / (||a|| + ||b||)`` per parameter and overall.
Finite differences with ``eps = 1e-7`` are only meaningful in float64; in float32 the report
says so and how to switch. Everything runs under ``default_matmul_precision("highest")`` so
the comparison holds on GPU/TPU, where float32 matmuls may otherwise use reduced precision.
"""
from __future__ import annotations

import dataclasses
import math
from functools import partial

import jax
import jax.numpy as jnp
import numpy as np

from dnnjax import backprop, inputs, losses, validate

PAIRS = ("manual vs autodiff", "manual vs finite diff", "autodiff vs finite diff")
AGREE_TOL = 1e-10  # manual vs autodiff in float64: both exact up to rounding (~1e-15)
FD_TOL = 1e-7  # the course's threshold for finite differences with eps = 1e-7


def relative_difference(a, b) -> float:
    """The course's ``||a - b|| / (||a|| + ||b||)`` (0.0 when both are zero)."""
    a, b = np.ravel(np.asarray(a, np.float64)), np.ravel(np.asarray(b, np.float64))
    den = np.linalg.norm(a) + np.linalg.norm(b)
    return 0.0 if den == 0 else float(np.linalg.norm(a - b) / den)


@dataclasses.dataclass(frozen=True)
class GradCheckReport:
    """Per-parameter and overall relative differences for each pair in ``PAIRS``."""

    per_param: dict  # name -> {pair: float}
    overall: dict  # pair -> float
    shapes: dict  # name -> shape
    fd_checked: dict  # name -> number of coordinates checked by finite differences
    dtype: str
    eps: float
    fd_max_abs: float = 0.0  # largest |manual - finite diff| over the checked coordinates
    fd_noise: float = 0.0  # rounding floor of a central difference: ~ 8 eps_machine max(1, |J|) / eps

    @property
    def fd_meaningful(self) -> bool:
        return self.dtype == "float64"

    @property
    def ok(self) -> bool:
        agree = self.overall["manual vs autodiff"] <= (AGREE_TOL if self.fd_meaningful else 1e-5)
        # relative difference within the course's threshold, or (tiny gradients, where the
        # relative figure is all rounding) every coordinate within the difference's noise floor
        fd = all(self.overall[p] <= FD_TOL for p in PAIRS[1:]) or self.fd_max_abs <= self.fd_noise
        return agree and (fd or not self.fd_meaningful)

    def __str__(self) -> str:
        head = f"{'param':<7}{'shape':<14}" + "".join(f"{p:>25}" for p in PAIRS) + f"{'fd coords':>12}"
        lines = [f"Gradient check ({self.dtype}, eps={self.eps:g}): relative difference ||a-b|| / (||a|| + ||b||)", head]
        for name, row in self.per_param.items():
            n = math.prod(self.shapes[name])
            lines.append(f"{name:<7}{str(self.shapes[name]):<14}" + "".join(f"{row[p]:>25.3e}" for p in PAIRS)
                         + f"{self.fd_checked[name]:>6}/{n:<5}")
        lines.append(f"{'overall':<21}" + "".join(f"{self.overall[p]:>25.3e}" for p in PAIRS))
        if not self.fd_meaningful:
            lines.append(
                f"WARNING: {self.dtype} cannot resolve a step of eps={self.eps:g}: finite differences are dominated by "
                "rounding (relative errors near 1) and say nothing here. Rerun in float64: wrap the call in "
                "`with jax.enable_x64(True):` and pass float64 arrays, e.g. "
                "params = jax.tree.map(lambda p: jnp.asarray(p, jnp.float64), params)."
            )
        if self.fd_meaningful:
            verdict = "OK" if self.ok else "MISMATCH"
            if self.ok and not all(self.overall[p] <= FD_TOL for p in PAIRS[1:]):
                lines.append(f"note: the gradients are small, so the relative figures are rounding: every coordinate is "
                             f"within {self.fd_max_abs:.1e} of the finite difference, under its noise floor {self.fd_noise:.1e}")
            lines.append(f"verdict: {verdict} (needs manual vs autodiff <= {AGREE_TOL:g} and each vs finite diff <= {FD_TOL:g})")
        else:
            verdict = "agree to float32 rounding" if self.ok else "MISMATCH"
            lines.append(f"verdict: manual vs autodiff {verdict} (<= 1e-5); finite differences not checked in {self.dtype}")
        return "\n".join(lines)


def _fd_indices(sizes, max_fd_coords, seed=0):
    """Coordinates (into each leaf's ravel) to check: all, or an even random sample."""
    total = sum(sizes)
    rng = np.random.RandomState(seed)
    per_leaf = max(1, max_fd_coords // len(sizes)) if total > max_fd_coords else None
    out = []
    for n in sizes:
        out.append(np.arange(n) if per_leaf is None or n <= per_leaf else np.sort(rng.choice(n, per_leaf, replace=False)))
    return out


@partial(jax.jit, static_argnames=("hidden", "output"))
def _gradients_three_ways(params, X, Y, flat_idx, eps, hidden, output):
    """Manual grads, autodiff grads, and central differences at the ``flat_idx`` coordinates of
    the parameters laid end to end in ``params``' key order. One compiled function, cached
    per shapes/config, so repeated checks do not recompile."""
    _, manual = backprop.value_and_grad(params, X, Y, hidden, output)
    auto = jax.grad(losses.network_cost)(params, X, Y, hidden, output)
    names = sorted(params)  # the order jit gives dict keys; check_grads uses the same
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
    return manual, auto, jax.lax.map(central, flat_idx, batch_size=64), cost


def check_grads(params, X, Y, *, hidden="relu", output="sigmoid", eps=1e-7, max_fd_coords=4096):
    """Compare hand-written, automatic and finite-difference gradients of the cost.

    Args:
      params, X, Y, hidden, output: as for :func:`dnnjax.cost`.
      eps: central-difference step ``(J(theta + eps) - J(theta - eps)) / (2 eps)``.
      max_fd_coords: finite differences cost two forward passes per coordinate; above this
        many parameters an evenly spread random sample (fixed seed) is checked per leaf.

    Returns:
      GradCheckReport; ``print(report)`` shows the table, ``report.ok`` the verdict.
    """
    eps = validate.positive_float(eps, "eps")
    max_fd_coords = validate.positive_int(max_fd_coords, "max_fd_coords")
    params, X, Y = inputs.prepare(params, X, Y, hidden=hidden, output=output)
    dtype = params["W1"].dtype
    names = sorted(params)
    sizes = [params[k].size for k in names]
    offsets = np.cumsum([0] + sizes[:-1])
    picks = _fd_indices(sizes, max_fd_coords)
    flat_idx = jnp.asarray(np.concatenate([o + p for o, p in zip(offsets, picks)]))
    with jax.default_matmul_precision("highest"):
        manual, auto, fd, J = _gradients_three_ways(params, X, Y, flat_idx, jnp.asarray(eps, dtype), hidden, output)
    fd = np.asarray(fd)
    fd_noise = 8 * float(jnp.finfo(dtype).eps) * max(1.0, abs(float(J))) / eps
    fd_by_name = dict(zip(names, np.split(fd, np.cumsum([len(p) for p in picks])[:-1])))
    pick_by_name = dict(zip(names, picks))
    names = [f"{c}{l}" for l in range(1, len(names) // 2 + 1) for c in "Wb"]  # report in layer order
    per_param, fd_checked = {}, {}
    cols = {p: ([], []) for p in PAIRS}
    for name in names:
        pick, fd_leaf = pick_by_name[name], fd_by_name[name]
        m, a = np.ravel(manual[name]), np.ravel(auto[name])
        pairs = {PAIRS[0]: (m, a), PAIRS[1]: (m[pick], fd_leaf), PAIRS[2]: (a[pick], fd_leaf)}
        per_param[name] = {p: relative_difference(*ab) for p, ab in pairs.items()}
        for p, (u, v) in pairs.items():
            cols[p][0].append(u), cols[p][1].append(v)
        fd_checked[name] = len(pick)
    overall = {p: relative_difference(np.concatenate(u), np.concatenate(v)) for p, (u, v) in cols.items()}
    fd_max_abs = max(float(np.max(np.abs(np.ravel(manual[k])[pick_by_name[k]] - fd_by_name[k]))) for k in names)
    return GradCheckReport(per_param, overall, {k: tuple(params[k].shape) for k in names}, fd_checked,
                           jnp.dtype(dtype).name, eps, fd_max_abs, fd_noise)
