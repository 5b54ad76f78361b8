"""Exceptions dnnjax raises for bad input, before any tracing.

Every error names the argument, what was expected and what came. They subclass the
built-in exception a Python user would try to catch (``ValueError``/``TypeError``).
"""


class DnnjaxError(Exception):
    """Base class of every error dnnjax raises on purpose."""


class ShapeError(DnnjaxError, ValueError):
    """An array has the wrong rank or shape (course rules: X is (n_x, m), W[l] is (n[l], n[l-1]))."""


class InvalidValueError(DnnjaxError, ValueError):
    """An argument has a value outside what is allowed (NaN/inf, labels not 0/1, lr <= 0, ...)."""


class InvalidTypeError(DnnjaxError, TypeError):
    """An argument has the wrong type (e.g. a string where a number was expected)."""


class TrainingDivergedError(DnnjaxError, FloatingPointError):
    """Training produced a non-finite cost or parameters; names the first bad iteration."""

    def __init__(self, message: str, iteration: int):
        super().__init__(message)
        self.iteration = iteration
