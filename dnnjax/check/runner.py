"""Run one learner function through its cases: in isolation, then with the learner's own callees.

A function's check is a list of :class:`Case` objects; each calls the function through a
:class:`Call` (fresh copies of the inputs, a time limit, the learner's prints swallowed, inputs
watched for in-place changes, the learner's exception turned into a line that points at their
code) and raises :class:`Fail` with diagnosis lines when a result is wrong.

*In isolation* the function runs in a copy of the learner's namespace where every course function
and helper is the reference (:mod:`dnnjax.check.reference`), so a bug is reported where it is.
When the function calls course functions of the learner's own, it is then run again with those;
a difference is reported separately (:func:`check_function`).
"""
from __future__ import annotations

import contextlib
import copy
import io
import types
import warnings
from dataclasses import dataclass, field

import numpy as np

from dnnjax.check import diagnose as dg
from dnnjax.check.user_code import UserCodeError, UserCodeTimeout, call_user_watched

PIECE_TIMEOUT = 10.0   # seconds per call of a step function (a hung loop is stopped)
MODEL_TIMEOUT = 60.0   # seconds per call of a training function (a few iterations)


class Fail(Exception):
    """A case's result is wrong: ``lines`` say how."""

    def __init__(self, lines):
        super().__init__("; ".join(lines))
        self.lines = list(lines)


class Crash(Fail):
    """The learner's function raised or hung: checking it further is pointless."""


@dataclass
class Case:
    """``run(call)`` calls the function and raises :class:`Fail`; ``inject``: names bound for this case."""

    label: str
    run: object
    inject: dict = field(default_factory=dict)


@dataclass
class Outcome:
    name: str
    passed: bool
    lines: list = field(default_factory=list)  # diagnosis (FAIL) or notes (PASS)
    own_fails: bool = False  # correct alone, wrong with the learner's own callees


class Call:
    """Calls ``fn`` like the course's notebook would, recording what went wrong."""

    def __init__(self, fn, name, solution, timeout):
        self.fn, self.name, self.solution, self.timeout = fn, name, solution, timeout

    def __call__(self, *args, **kwargs):
        args, kwargs = copy.deepcopy(args), copy.deepcopy(kwargs)
        out = io.StringIO()
        try:
            with contextlib.redirect_stdout(out), warnings.catch_warnings(), np.errstate(all="ignore"):
                warnings.simplefilter("ignore")
                result, modified = call_user_watched(self.fn, *args, timeout=self.timeout, **kwargs)
        except UserCodeTimeout as e:
            raise Crash([f"did not finish within {self.timeout:g} s and was stopped"
                         + (f" (at {e.where})" if e.where else "")]) from None
        except UserCodeError as e:
            raise Crash([self._explain(e)]) from None
        if modified:
            raise Fail(modified)
        return result

    def _explain(self, e) -> str:
        exc = e.exception
        line = f"raised {e.exc_type}" + (f": {e.exc_message}" if e.exc_message else "")
        line += f" at {e.where}" if e.where else ""
        name = getattr(exc, "name", None) if isinstance(exc, NameError) else None
        failed = self.solution.failed_import_of(name) if name else None
        if failed:
            line += f" ({name} comes from `{failed.statement}` at {failed.line}, which failed: {failed.error})"
        elif name and name in self.solution.failed_defs:
            line += f" ({name} could not be defined: {self.solution.failed_defs[name]})"
        elif name:
            line += (" (dnnjax check runs only the file's imports and top-level defs; a global set by other "
                     "top-level code is not defined)")
        return line


# ----------------------------------------------------------------------------- comparisons
def expect(label, got, expected, **kw):
    """Raise :class:`Fail` with ``label: phrase`` lines unless ``got`` matches ``expected``."""
    phrases = dg.diagnose(got, expected, **kw)
    if phrases:
        raise Fail([f"{label}: {'; '.join(phrases)}"])


def expect_dict(label, got, expected, **kw):
    lines = dg.diagnose_dict(got, expected, **kw)
    if lines:
        raise Fail([f"{label}:"] + [f"  {ln}" for ln in lines])


def pair(out, names, first=None):
    """``out`` as the pair ``names``; "outputs swapped" when its second item is the expected first one."""
    if not isinstance(out, (tuple, list)) or len(out) != 2:
        what = dg.as_values(out)[1] or f"an array of shape {np.shape(out)}"
        raise Fail([f"returned {what} where the pair ({names[0]}, {names[1]}) is expected"])
    swapped = (isinstance(out[1], dict) and not isinstance(out[0], dict)) if isinstance(first, dict) else (
        first is not None and bool(dg.diagnose(out[0], first)) and not dg.diagnose(out[1], first))
    if swapped:
        raise Fail([f"outputs swapped: returns ({names[1]}, {names[0]}) where ({names[0]}, {names[1]}) is expected"])
    return out


def expect_tuple(label, got, expected: dict, **kw):
    """``got`` a tuple/list of ``len(expected)`` items matching the named ``expected`` values.

    A wrong item that equals another expected item reads "outputs swapped". ``kw`` per item name
    (``{"dW": {"m": 5}}``) or shared.
    """
    names = list(expected)
    if not isinstance(got, (tuple, list)) or len(got) != len(names):
        what = dg.as_values(got)[1] or f"an array of shape {np.shape(got)}"
        raise Fail([f"{label}: returned {what} where a tuple ({', '.join(names)}) is expected"])
    lines = []
    for i, name in enumerate(names):
        phrases = dg.diagnose(got[i], expected[name], **kw.get(name, {}))
        if not phrases:
            continue
        twin = [o for j, o in enumerate(names) if j != i and not dg.diagnose(got[i], expected[o])]
        if twin:
            phrases = [f"outputs swapped: it is {twin[0]} (expected the order {', '.join(names)})"]
        lines.append(f"{name}: {'; '.join(phrases)}")
    if lines:
        raise Fail([f"{label}:"] + [f"  {ln}" for ln in lines])


# ----------------------------------------------------------------------------- binding and running
def referenced_names(code) -> set:
    """Global names a code object (and its nested functions) may read."""
    names = set(code.co_names)
    for const in code.co_consts:
        if isinstance(const, types.CodeType):
            names |= referenced_names(const)
    return names


def bind(fn, namespace: dict):
    """``fn`` with its globals replaced by ``namespace`` (fn itself if it is not a plain function)."""
    if not isinstance(fn, types.FunctionType):
        return fn
    new = types.FunctionType(fn.__code__, namespace, fn.__name__, fn.__defaults__, fn.__closure__)
    new.__kwdefaults__ = fn.__kwdefaults__
    new.__qualname__ = fn.__qualname__
    return new


def run_cases(fn, name, solution, cases, namespace, timeout):
    """``(failure lines or [], labels passed)`` over ``cases`` with ``fn`` bound to ``namespace``."""
    failure, passed, failed = [], [], []
    for case in cases:
        bound = bind(fn, {**namespace, **case.inject})
        try:
            case.run(Call(bound, name, solution, timeout))
        except Fail as e:
            failed.append(case.label)
            failure = failure or [f"{case.label}: {ln}" if i == 0 else ln for i, ln in enumerate(e.lines)]
            if isinstance(e, Crash):
                break  # a raise or a hang: the other cases would only repeat it
        else:
            passed.append(case.label)
    if failure and passed:
        failure.append(f"(passes: {'; '.join(passed)}. fails: {'; '.join(failed)})")
    elif failure and len(failed) > 1:
        failure.append(f"(fails in all {len(failed)} cases)")
    return failure, passed


def _own_callees(fn, name, solution, reference) -> list:
    """The course functions / helpers ``fn`` calls that are not dnnjax's in the learner's namespace:
    their own definitions, or a helper module of theirs (a ``dnn_utils.py`` next to the file)."""
    code = getattr(fn, "__code__", None)
    if code is None:
        return []
    found = []
    for n in sorted(referenced_names(code)):
        obj = solution.namespace.get(n)
        if n != name and n in reference and obj is not None and obj is not reference[n] \
                and not str(getattr(obj, "__module__", "")).startswith("dnnjax"):
            found.append(n)
    return found


def _named(n, solution):
    if n in solution.defined:
        return n
    return f"{n} (from {getattr(solution.namespace[n], '__module__', '?')})"


def check_function(name, solution, cases, reference, outcomes, *, timeout=PIECE_TIMEOUT):
    """:class:`Outcome` of the learner's ``name``: in isolation, then with their own callees."""
    fn = solution.defined[name]
    isolated = {**solution.namespace, **reference}
    failure, _ = run_cases(fn, name, solution, cases, isolated, timeout)
    if failure:
        return Outcome(name, False, failure)
    own = _own_callees(fn, name, solution, reference)
    if not own:
        return Outcome(name, True)
    failure, _ = run_cases(fn, name, solution, cases, dict(solution.namespace), timeout)
    if not failure:
        return Outcome(name, True)
    broken = [n for n in own if n in outcomes and (not outcomes[n].passed or outcomes[n].own_fails)]
    if broken:
        return Outcome(name, True, [f"correct with dnnjax's {', '.join(broken)}; with your own "
                                    f"{', '.join(broken)} (see there) it gives wrong results too"], own_fails=True)
    alone = " (each of which passes alone)" if all(n in outcomes for n in own) else ""
    return Outcome(name, False, [f"correct with dnnjax's {', '.join(own)}, but wrong with your own "
                                 f"{', '.join(_named(n, solution) for n in own)}{alone}:"]
                   + [f"  {ln}" for ln in failure])
