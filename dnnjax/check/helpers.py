"""The course's helper modules, served by dnnjax while a solution is checked.

A solution imports ``dnn_utils``, ``dnn_app_utils_v3``, ``planar_utils``, ``lr_utils``,
``testCases_v4a``, ``public_tests``, ``test_utils`` ... which live next to the notebook on the
course's servers, not on a learner's machine. :func:`serving` puts the solution's own folder first
on ``sys.path`` (a helper file next to the solution, or an installed module, is used if present)
and appends a meta-path finder that serves the rest:

- ``dnn_utils``, ``dnn_utils_v2``: ``sigmoid``, ``relu``, ``sigmoid_backward``, ``relu_backward``
  with the course's semantics (:mod:`dnnjax.check.reference`);
- ``dnn_app_utils*``: those plus the week 4 functions (reference implementations);
- ``planar_utils``: ``sigmoid(x)``;
- everything else these modules hold (data loaders, plotting, test cases, graders) is a stand-in
  that raises :class:`NotServed` if called: the checker never runs it, a checked function should not.

On exit the finder, the path entry and every module imported from them are removed again.
"""
from __future__ import annotations

import contextlib
import importlib.abc
import importlib.machinery
import sys
import types

from dnnjax.check import reference
from dnnjax.errors import DnnjaxError

_DEEP = reference.DEEP_HELPERS
_CONTENTS = {
    "dnn_utils": (_DEEP, ()),
    "dnn_utils_v2": (_DEEP, ()),
    "dnn_app_utils": ({**_DEEP, **reference.APP}, ("load_data", "print_mislabeled_images")),
    "planar_utils": (reference.PLANAR_HELPERS, ("plot_decision_boundary", "load_planar_dataset",
                                                "load_extra_datasets")),
    "lr_utils": ({}, ("load_dataset",)),
}
_TEST_MODULES = ("testCases", "public_tests", "test_utils", "testcase", "test_cases")


class NotServed(DnnjaxError, RuntimeError):
    """A helper-module function dnnjax does not provide (data loaders, plots, the course's tests)."""


def _contents(name: str):
    if name in _CONTENTS:
        return _CONTENTS[name]
    if name.startswith("dnn_app_utils"):
        return _CONTENTS["dnn_app_utils"]
    if name.startswith("dnn_utils"):
        return _CONTENTS["dnn_utils"]
    if any(name.startswith(t) for t in _TEST_MODULES):
        return {}, ()
    return None


def served_names():
    """The module names (or prefixes) dnnjax serves."""
    return sorted(_CONTENTS) + [f"{t}*" for t in _TEST_MODULES]


def _stand_in(module: str, name: str):
    def stand_in(*args, **kwargs):
        raise NotServed(f"{module}.{name} is not provided by dnnjax check (only the course's math helpers are); "
                        f"a checked function should not need it")
    stand_in.__name__ = stand_in.__qualname__ = name
    return stand_in


def make_module(name: str) -> types.ModuleType | None:
    """A fresh served module ``name``, or None when dnnjax does not serve it."""
    found = _contents(name)
    if found is None:
        return None
    functions, stand_ins = found
    mod = types.ModuleType(name, f"The course's {name}, served by dnnjax check (not the original file).")
    mod.__dict__.update(functions)
    for s in stand_ins:
        setattr(mod, s, _stand_in(name, s))
    mod.__all__ = list(functions) + list(stand_ins)

    def __getattr__(attr):  # any other name the notebook's module had: a stand-in
        if attr.startswith("__"):
            raise AttributeError(attr)
        return _stand_in(name, attr)

    mod.__getattr__ = __getattr__
    mod.__dnnjax_served__ = True
    return mod


class _Finder(importlib.abc.MetaPathFinder, importlib.abc.Loader):
    """Last on ``sys.meta_path``: serves the helper modules nothing else found."""

    def find_spec(self, fullname, path=None, target=None):
        if "." in fullname or _contents(fullname) is None:
            return None
        return importlib.machinery.ModuleSpec(fullname, self, origin="dnnjax check")

    def create_module(self, spec):
        return make_module(spec.name)

    def exec_module(self, module):
        pass


def _is_helper(name: str, mod, folder) -> bool:
    if getattr(mod, "__dnnjax_served__", False):
        return True
    file = getattr(mod, "__file__", None) or ""
    return bool(folder) and file.startswith(folder)


@contextlib.contextmanager
def serving(folder=None):
    """Serve the helper modules (and ``folder``'s own modules) inside the block; clean up after."""
    finder = _Finder()
    before = set(sys.modules)
    folder = str(folder) if folder else None
    if folder:
        sys.path.insert(0, folder)
    sys.meta_path.append(finder)
    try:
        yield
    finally:
        with contextlib.suppress(ValueError):
            sys.meta_path.remove(finder)
        if folder:
            with contextlib.suppress(ValueError):
                sys.path.remove(folder)
        for name in set(sys.modules) - before:
            if _is_helper(name, sys.modules[name], folder):
                del sys.modules[name]
