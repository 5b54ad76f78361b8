"""Call a user's function safely: their error at *their* line, a time limit, inputs kept intact.

``call_user(fn, *args, timeout=None, **kwargs)`` returns ``fn(*args, **kwargs)`` or raises
:class:`UserCodeError` (a :class:`dnnjax.errors.DnnjaxError`) carrying the user's exception, its
type and message, and the file, line and source text of the innermost frame *in the user's code*
(frames in dnnjax, the standard library and installed packages such as NumPy and JAX are
skipped). ``timeout`` (seconds) stops a function that hangs with :class:`UserCodeTimeout`.

The time limit uses ``SIGALRM``, so it works on Unix in the main thread only; elsewhere (Windows,
or a call from another thread) the function runs without a limit. The alarm interrupts Python
code; a single long-running NumPy/XLA kernel is stopped when it returns to Python.

Code compiled from a string (a notebook cell) has no file to read its lines from: pass its text to
``register_source(filename, text)`` and compile it with that ``filename``.

``InputWatch`` copies every NumPy array reachable from the arguments (through dicts, lists and
tuples) before a call; ``modified()`` lists the ones whose *contents* changed afterwards (rebinding
a key of a dict is not a modification, DESIGN section 8). ``call_user_watched`` does both.
"""
from __future__ import annotations

import inspect
import numbers
import linecache
import os
import signal
import sysconfig
import threading
import time
import traceback
from collections.abc import Mapping

import numpy as np

import dnnjax
from dnnjax.errors import DnnjaxError, InvalidValueError

__all__ = ["UserCodeError", "UserCodeTimeout", "call_user", "call_user_watched", "InputWatch",
           "register_source", "user_frame"]


class UserCodeError(DnnjaxError, RuntimeError):
    """A user's function raised (or hung). ``exception``: the original exception (None on a timeout);
    ``exc_type``, ``exc_message``: its type name and message; ``filename``, ``lineno``, ``source_line``:
    where in the user's code (None when unknown); ``function``: the function's name."""

    def __init__(self, message, *, function, exception=None, filename=None, lineno=None, source_line=None):
        super().__init__(message)
        self.function, self.exception = function, exception
        self.exc_type = type(exception).__name__ if exception is not None else None
        self.exc_message = str(exception) if exception is not None else None
        self.filename, self.lineno, self.source_line = filename, lineno, source_line

    @property
    def where(self) -> str:
        """``"file.py:12: dW = dZ @ A.T"`` (empty when the line is unknown)."""
        if self.filename is None:
            return ""
        return f"{_display(self.filename)}:{self.lineno}" + (f": {self.source_line}" if self.source_line else "")


class UserCodeTimeout(UserCodeError):
    """A user's function ran past its time limit and was stopped (``where`` is where it was)."""


class _Stop(BaseException):  # BaseException: a user's ``except Exception`` must not swallow the alarm
    pass


def register_source(filename: str, text: str) -> None:
    """Make tracebacks of code compiled with ``filename`` show the lines of ``text``."""
    lines = [line + "\n" for line in text.splitlines()]
    linecache.cache[filename] = (len(text), None, lines, filename)


_PACKAGE = os.path.dirname(os.path.abspath(dnnjax.__file__)) + os.sep
_LIBRARY = tuple({os.path.abspath(p) + os.sep for k, p in sysconfig.get_paths().items()
                  if k in ("stdlib", "platstdlib", "purelib", "platlib")})


def is_user_file(filename: str) -> bool:
    """False for dnnjax, the standard library, installed packages and unreadable pseudo-files."""
    if filename.startswith("<"):
        return filename in linecache.cache  # "<string>" code registered with register_source
    path = os.path.abspath(filename)
    return not (path.startswith(_PACKAGE) or path.startswith(_LIBRARY)
                or f"{os.sep}site-packages{os.sep}" in path or f"{os.sep}dist-packages{os.sep}" in path)


def user_frame(tb):
    """The innermost ``traceback.FrameSummary`` of ``tb`` that is in the user's code, or None."""
    frames = [f for f in traceback.extract_tb(tb) if is_user_file(f.filename)]
    return frames[-1] if frames else None


def _display(filename: str) -> str:
    if filename.startswith("<"):
        return filename
    rel = os.path.relpath(filename)
    return filename if rel.startswith("..") else rel


def _error(cls, fn, exc, tb, what: str):
    name = getattr(fn, "__qualname__", None) or type(fn).__name__
    frame = user_frame(tb)
    if frame is not None:
        where = dict(filename=frame.filename, lineno=frame.lineno, source_line=(frame.line or "").strip() or None)
        at = f"{_display(frame.filename)}:{frame.lineno} in {frame.name}" + (f": {where['source_line']}"
                                                                           if where["source_line"] else "")
    else:  # e.g. a TypeError for the wrong number of arguments, raised at the call itself
        code = getattr(fn, "__code__", None)
        where = dict(filename=code.co_filename, lineno=code.co_firstlineno,
                     source_line=linecache.getline(code.co_filename, code.co_firstlineno).strip() or None) if code else {}
        at = f"the call of {name} (defined at {_display(code.co_filename)}:{code.co_firstlineno})" if code else f"the call of {name}"
    return cls(f"{name} {what} at {at}", function=name, exception=exc, **where)


def call_user(fn, *args, timeout=None, **kwargs):
    """``fn(*args, **kwargs)``; a raise becomes :class:`UserCodeError`, a hang past ``timeout``
    seconds :class:`UserCodeTimeout` (Unix main thread only; no limit elsewhere)."""
    if timeout is not None and (isinstance(timeout, bool) or not (isinstance(timeout, numbers.Real) and timeout > 0)):
        raise InvalidValueError(f"timeout must be a number of seconds > 0 or None; got {timeout!r}")
    armed = (timeout is not None and hasattr(signal, "SIGALRM")
             and threading.current_thread() is threading.main_thread())
    state = {"active": True}

    def alarm(signum, frame):
        if state["active"]:
            raise _Stop

    if armed:
        previous = signal.signal(signal.SIGALRM, alarm)
        earlier, _ = signal.setitimer(signal.ITIMER_REAL, float(timeout))
        start = time.monotonic()
    try:
        result = fn(*args, **kwargs)
        state["active"] = False
        return result
    except _Stop as stop:
        error = _error(UserCodeTimeout, fn, None, stop.__traceback__, f"did not finish within {timeout:g} s and was stopped")
        raise error.with_traceback(stop.__traceback__) from None  # the printed traceback ends at their line
    except KeyboardInterrupt:
        raise
    except (Exception, SystemExit) as exc:
        what = f"raised {type(exc).__name__}" + (f": {exc}" if str(exc) else "")
        raise _error(UserCodeError, fn, exc, exc.__traceback__, what).with_traceback(exc.__traceback__) from None
    finally:
        state["active"] = False
        if armed:
            signal.setitimer(signal.ITIMER_REAL, 0)
            signal.signal(signal.SIGALRM, previous if previous is not None else signal.SIG_DFL)
            if earlier:  # an outer timer was running: give it back what is left of it
                signal.setitimer(signal.ITIMER_REAL, max(1e-3, earlier - (time.monotonic() - start)))


class InputWatch:
    """Copies of the NumPy arrays in ``args``/``kwargs``; ``modified()`` names those changed since.

    ``names``: labels of the positional arguments (default "argument 1", ...); nested entries read
    ``cache[0]``, ``params['W1']``. Each array object is watched once, under its first label.
    """

    def __init__(self, args=(), kwargs=None, names=None):
        self._watched, seen = [], set()
        labels = [names[i] if names and i < len(names) else f"argument {i + 1}" for i in range(len(args))]
        for label, value in [*zip(labels, args), *(kwargs or {}).items()]:
            self._collect(value, label, 0, seen)

    def _collect(self, x, label, depth, seen):
        if isinstance(x, np.ndarray):
            if id(x) not in seen:
                seen.add(id(x))
                self._watched.append((label, x, x.copy()))
        elif depth < 4 and isinstance(x, Mapping):
            for k, v in x.items():
                self._collect(v, f"{label}[{k!r}]", depth + 1, seen)
        elif depth < 4 and isinstance(x, (list, tuple)):
            for i, v in enumerate(x):
                self._collect(v, f"{label}[{i}]", depth + 1, seen)

    def modified(self) -> list[str]:
        """``"modifies its input in place: dA changed at 3 of 20 entries"``, one per changed array."""
        out = []
        for label, now, before in self._watched:
            if now.shape != before.shape:
                out.append(f"modifies its input in place: {label} was resized from {before.shape} to {now.shape}")
                continue
            try:
                same = (now == before) | (np.isnan(now) & np.isnan(before)) if now.dtype.kind in "fc" else now == before
            except TypeError:  # object arrays
                same = np.array([a is b or a == b for a, b in zip(now.ravel(), before.ravel())]).reshape(now.shape)
            n = int(np.size(same) - np.count_nonzero(same))
            if n:
                out.append(f"modifies its input in place: {label} changed at {n} of {now.size} entries")
        return out


def arg_names(fn, n: int) -> list[str]:
    """Names of ``fn``'s first ``n`` positional parameters (``*args`` and unknowns: "argument i")."""
    try:
        params = [p.name for p in inspect.signature(fn).parameters.values()
                  if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)]
    except (TypeError, ValueError):
        params = []
    return [params[i] if i < len(params) else f"argument {i + 1}" for i in range(n)]


def call_user_watched(fn, *args, timeout=None, **kwargs):
    """``(result, modified)``: :func:`call_user`, and the :meth:`InputWatch.modified` phrases
    with the arguments named by ``fn``'s own parameter names."""
    watch = InputWatch(args, kwargs, names=arg_names(fn, len(args)))
    result = call_user(fn, *args, timeout=timeout, **kwargs)
    return result, watch.modified()
