"""The gradient check's report: the course's relative differences per parameter and overall.

:class:`GradCheckReport` holds, for each pair in ``PAIRS``, the relative difference
``||a - b|| / (||a|| + ||b||)`` per parameter and overall; ``str()`` is a readable table, then
(with a user's ``manual`` function) one line per wrong parameter with its diagnosis, then the
verdict. ``ok`` is the verdict as a bool.
"""
from __future__ import annotations

import dataclasses
import math

import numpy as np

PAIRS = ("manual vs autodiff", "manual vs finite diff", "autodiff vs finite diff")
AGREE_TOL = 1e-10  # manual vs autodiff in float64: both exact up to rounding (~1e-15)
FD_TOL = 1e-7  # the course's threshold for finite differences with eps = 1e-7

PYTHON_FLOAT64_HINT = ("Rerun in float64: wrap the call in `with jax.enable_x64(True):` and pass float64 arrays, e.g. "
                       "params = jax.tree.map(lambda p: jnp.asarray(p, jnp.float64), params).")


def relative_difference(a, b) -> float:
    """The course's ``||a - b|| / (||a|| + ||b||)`` (0.0 when both are zero)."""
    a, b = np.ravel(np.asarray(a, np.float64)), np.ravel(np.asarray(b, np.float64))
    den = np.linalg.norm(a) + np.linalg.norm(b)
    return 0.0 if den == 0 else float(np.linalg.norm(a - b) / den)


@dataclasses.dataclass(frozen=True)
class GradCheckReport:
    """Per-parameter and overall relative differences for each pair in ``PAIRS``.

    A figure is NaN where it cannot be computed (a user's gradient missing or of another size).
    ``problems``: parameter -> diagnosis phrases of a user's wrong gradient (empty for dnnjax's own
    backward pass); ``errors``: other reasons the check fails (extra keys, inputs modified in place);
    ``notes``: what the check did that the reader should know (e.g. a float32 input compared in float64).
    ``float64_hint``: how the reader switches to float64 (in code for Python, a flag for the CLI).
    """

    per_param: dict  # name -> {pair: float}
    overall: dict  # pair -> float
    shapes: dict  # name -> shape
    fd_checked: dict  # name -> number of coordinates checked by finite differences
    dtype: str
    eps: float
    fd_max_abs: float = 0.0  # largest |manual - finite diff| over the checked coordinates
    fd_noise: float = 0.0  # rounding floor of a central difference: ~ 8 eps_machine max(1, |J|) / eps
    manual_name: str | None = None  # a user's function under test; None: dnnjax's backward pass
    problems: dict = dataclasses.field(default_factory=dict)
    errors: tuple = ()
    notes: tuple = ()
    float64_hint: str = PYTHON_FLOAT64_HINT

    @property
    def fd_meaningful(self) -> bool:
        return self.dtype == "float64"

    @property
    def ok(self) -> bool:
        if self.problems or self.errors:
            return False
        agree = self.overall["manual vs autodiff"] <= (AGREE_TOL if self.fd_meaningful else 1e-5)
        # relative difference within the course's threshold, or (tiny gradients, where the
        # relative figure is all rounding) every coordinate within the difference's noise floor
        fd = all(self.overall[p] <= FD_TOL for p in PAIRS[1:]) or self.fd_max_abs <= self.fd_noise
        return agree and (fd or not self.fd_meaningful)

    def __str__(self) -> str:
        head = f"{'param':<7}{'shape':<14}" + "".join(f"{p:>25}" for p in PAIRS) + f"{'fd coords':>12}"
        lines = [f"Gradient check ({self.dtype}, eps={self.eps:g}): relative difference ||a-b|| / (||a|| + ||b||)"]
        if self.manual_name:
            lines.append(f"manual = {self.manual_name}")
        lines += [*self.notes, head]
        for name, row in self.per_param.items():
            n = math.prod(self.shapes[name])
            lines.append(f"{name:<7}{str(self.shapes[name]):<14}" + "".join(_cell(row[p]) for p in PAIRS)
                         + f"{self.fd_checked[name]:>6}/{n:<5}")
        lines.append(f"{'overall':<21}" + "".join(_cell(self.overall[p]) for p in PAIRS))
        if self.problems or self.errors:
            lines.append("what is wrong (compared with jax.grad):")
            lines += [f"  {name}: {'; '.join(phrases)}" for name, phrases in self.problems.items()]
            lines += [f"  {line}" for line in self.errors]
        if not self.fd_meaningful:
            lines.append(f"WARNING: {self.dtype} cannot resolve a step of eps={self.eps:g}: finite differences are "
                         f"dominated by rounding (relative errors near 1) and say nothing here. {self.float64_hint}")
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


def _cell(x: float) -> str:
    return f"{'n/a':>25}" if math.isnan(x) else f"{x:>25.3e}"
