"""Check a learner's course solution: ``check_solution(path_or_namespace) -> SolutionReport``.

The file (``.py`` or ``.ipynb``) is loaded by :mod:`dnnjax.check.loader` with the course's helper
modules served (:mod:`dnnjax.check.helpers`); the assignment is detected from the course function
names it defines (``assignment=`` overrides); every course function of that assignment it defines
(and any of the course's helpers it redefines) is checked on consistent random inputs drawn from
``seed``, in isolation and then with the learner's own callees (:mod:`dnnjax.check.runner`).
NumPy's global RNG state is restored afterwards (the learner's functions seed it).

Values are compared with :func:`dnnjax.check.diagnose.diagnose`'s ``rtol=1e-6, atol=1e-9``: both
sides compute in float64 and agree to ~1e-15 for correct code, so the margin only admits other
summation orders and learners' float32 arrays; every bug class we know is off by far more.
"""
from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from dnnjax.check import deep, helpers, loader, logistic, oracle, planar
from dnnjax.check.reference import REFERENCE
from dnnjax.check.runner import check_function
from dnnjax.errors import InvalidValueError

ASSIGNMENTS = {"logistic": logistic, "planar": planar, "deep": deep}
TITLES = {"logistic": "week 2, logistic regression", "planar": "week 3, planar data (one hidden layer)",
          "deep": "week 4, deep network"}


@dataclass
class SolutionReport:
    """``ok``: at least one function checked and every one passed. ``str()``: the printed report."""

    source: str
    assignment: str
    detected: bool
    outcomes: list = field(default_factory=list)
    not_defined: list = field(default_factory=list)
    notes: list = field(default_factory=list)
    seconds: float = 0.0

    @property
    def ok(self) -> bool:
        return bool(self.outcomes) and all(o.passed for o in self.outcomes)

    @property
    def failed(self) -> list:
        return [o.name for o in self.outcomes if not o.passed]

    def __str__(self) -> str:
        how = "detected from its function names" if self.detected else "as asked"
        lines = [f"dnnjax check: {self.source} ({TITLES[self.assignment]}, {how})"]
        lines += [f"note: {n}" for n in self.notes]
        for o in self.outcomes:
            lines.append(f"{'PASS' if o.passed else 'FAIL'}  {o.name}")
            lines += [f"        {ln}" for ln in o.lines]
        if self.not_defined:
            lines.append(f"not defined in the file (not checked): {', '.join(self.not_defined)}")
        n_pass = sum(o.passed for o in self.outcomes)
        verdict = "all pass" if self.ok else f"{len(self.failed)} fail ({', '.join(self.failed)})"
        lines.append(f"{n_pass} of {len(self.outcomes)} functions pass: {verdict} ({self.seconds:.1f} s)")
        return "\n".join(lines)


def detect(defined) -> str | None:
    """The assignment whose own function names the solution defines most (None if no course name)."""
    score = {}
    for name, module in ASSIGNMENTS.items():
        own = set(module.FUNCTIONS) - set().union(*(set(m.FUNCTIONS) | set(m.HELPERS)
                                                     for k, m in ASSIGNMENTS.items() if k != name))
        score[name] = (len(own & set(defined)), len(set(module.FUNCTIONS) & set(defined)))
    best = max(score, key=lambda k: score[k])
    return best if score[best][1] else None


def check_solution(path_or_namespace, *, assignment=None, seed=0) -> SolutionReport:
    """Check a learner's solution file (``.py``/``.ipynb``) or namespace (dict, module, object).

    Raises :class:`dnnjax.check.loader.SolutionError` for a missing file or a syntax error (with its
    line) and when no course function is defined.
    """
    if assignment is not None and assignment not in ASSIGNMENTS:
        raise InvalidValueError(f"assignment must be one of {sorted(ASSIGNMENTS)}; got {assignment!r}")
    start = time.perf_counter()
    is_path = isinstance(path_or_namespace, (str, Path))
    folder = Path(path_or_namespace).resolve().parent if is_path else None
    state = np.random.get_state()
    try:
        with helpers.serving(folder):
            sol = loader.load(path_or_namespace) if is_path else loader.from_namespace(path_or_namespace)
            chosen = assignment or detect(sol.defined)
            if chosen is None:
                names = sorted({n for m in ASSIGNMENTS.values() for n in m.FUNCTIONS})
                raise loader.SolutionError(f"{_source(path_or_namespace)} defines no course function "
                                           f"(looked for {', '.join(names)})")
            report = _check(sol, chosen, seed, _source(path_or_namespace), detected=assignment is None)
            if not report.outcomes:
                raise loader.SolutionError(f"{_source(path_or_namespace)} defines none of the {chosen} assignment's "
                                           f"functions ({', '.join(ASSIGNMENTS[chosen].FUNCTIONS)})")
    finally:
        np.random.set_state(state)
    report.seconds = time.perf_counter() - start
    return report


def _source(x) -> str:
    return str(x) if isinstance(x, (str, Path)) else f"<{type(x).__name__}>"


def _check(sol, assignment, seed, source, detected) -> SolutionReport:
    module = ASSIGNMENTS[assignment]
    rng = np.random.default_rng(seed)
    batch = oracle.Batch()
    specs = module.specs(rng, batch)
    report = SolutionReport(source, assignment, detected)
    report.not_defined = [n for n in module.FUNCTIONS if n not in sol.defined]
    for name, why in sol.failed_defs.items():
        if name in specs:
            report.notes.append(f"{name} could not be defined: {why}")
    built = {name: (build(), timeout) for name, (build, timeout) in specs.items() if name in sol.defined}
    batch.compute()  # every expected value of the cases built, in one compiled program
    outcomes = {}
    for name, (cases, timeout) in built.items():
        outcomes[name] = check_function(name, sol, cases, REFERENCE[assignment], outcomes, timeout=timeout)
    report.outcomes = list(outcomes.values())
    return report
