"""Load a learner's solution: only its imports and top-level function definitions are run.

A ``.py`` file or an ``.ipynb`` notebook (every code cell, in order). IPython syntax is stripped
first (``%matplotlib inline``, ``!ls``, ``x = !cmd``, ``obj?``, cell magics such as ``%%bash``),
then each cell is parsed with :mod:`ast` and only ``import`` / ``from ... import`` statements and
``def`` statements at the top level are executed, one by one, in one fresh namespace: loading
data, training, plotting, tests or ``raise`` at the top level never run. An import that fails is
noted (the names it would have bound remember why) and loading goes on; a definition that fails
(its decorator or a default raised) is noted too. A later definition replaces an earlier one,
as when the notebook is run top to bottom.

Tracebacks point at the learner's file and line; a notebook cell is named ``PATH [cell N]`` and
its source is registered with :mod:`linecache`, so its lines show in tracebacks.
"""
from __future__ import annotations

import ast
import json
import linecache
import re
from dataclasses import dataclass, field
from pathlib import Path

from dnnjax.errors import DnnjaxError

# line magics, shell escapes, `x = !cmd` / `x = %magic`, `obj?` help: replaced by `pass` (same line count)
_IPYTHON_LINE = re.compile(r"^(\s*)([%!]|[\w.\[\], ]+=\s*[%!]|[\w.]+\?\??\s*$)")
_PYTHON_CELL_MAGICS = {"time", "timeit", "capture", "prun"}


class SolutionError(DnnjaxError, ValueError):
    """The solution cannot be checked: missing or unreadable file, a syntax error (with its line)."""


@dataclass
class FailedImport:
    line: str       # "PATH:LINE" of the statement
    statement: str  # its source
    error: str      # "ModuleNotFoundError: No module named 'PIL'"


@dataclass
class Solution:
    """A loaded solution: its namespace and what happened while loading it."""

    path: Path | None
    namespace: dict
    defined: dict = field(default_factory=dict)         # name -> function defined by the learner
    failed_imports: dict = field(default_factory=dict)  # bound name -> FailedImport
    failed_defs: dict = field(default_factory=dict)     # name -> error words
    filenames: set = field(default_factory=set)         # code filenames of the learner's functions

    def failed_import_of(self, name):
        return self.failed_imports.get(name)


def strip_ipython(source: str) -> str:
    """``source`` with IPython-only lines replaced by ``pass`` (same number of lines).

    A cell magic other than ``%%time``/``%%timeit``/``%%capture``/``%%prun`` makes the whole cell
    non-Python (``%%bash``, ``%%writefile``, ``%%html`` ...): it becomes blank lines.
    """
    lines = source.splitlines()
    first = next((ln.strip() for ln in lines if ln.strip()), "")
    if first.startswith("%%"):
        magic = first[2:].split()[0] if len(first) > 2 else ""
        if magic not in _PYTHON_CELL_MAGICS:
            return "\n" * len(lines)
    out = []
    for ln in lines:
        match = _IPYTHON_LINE.match(ln)
        out.append(f"{match.group(1)}pass" if match else ln)
    return "\n".join(out) + "\n"


def _cells(path: Path):
    """``[(filename, source)]``: one item for a ``.py`` file, one per code cell of a notebook."""
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as e:
        raise SolutionError(f"{path} is not a UTF-8 text file ({e.reason} at byte {e.start})") from None
    if path.suffix.lower() != ".ipynb":
        return [(str(path), text)]
    try:
        nb = json.loads(text)
    except json.JSONDecodeError as e:
        raise SolutionError(f"{path} is not a notebook: invalid JSON at line {e.lineno} ({e.msg})") from None
    cells = nb.get("cells") if isinstance(nb, dict) else None
    if cells is None and isinstance(nb, dict) and nb.get("worksheets"):  # nbformat 3 (2014-2015 notebooks)
        cells = [c for w in nb["worksheets"] for c in w.get("cells", [])]
    if not isinstance(cells, list):
        raise SolutionError(f"{path} is not a notebook: no 'cells' list (nbformat 4 expected)")
    out = []
    for n, cell in enumerate(cells, start=1):
        if isinstance(cell, dict) and cell.get("cell_type") == "code":
            src = cell.get("source", cell.get("input", ""))
            src = "".join(src) if isinstance(src, list) else str(src)
            name = f"{path} [cell {n}]"
            linecache.cache[name] = (len(src), None, src.splitlines(True) or ["\n"], name)
            out.append((name, src))
    return out


def _parse(filename: str, source: str):
    try:
        return ast.parse(strip_ipython(source), filename=filename)
    except SyntaxError as e:
        shown = (e.text or "").rstrip("\n")
        raise SolutionError(f"syntax error in {filename}, line {e.lineno}: {e.msg}"
                            + (f"\n    {shown.strip()}" if shown.strip() else "")) from None


def _bound_names(node) -> list[str]:
    if isinstance(node, ast.Import):
        return [a.asname or a.name.split(".")[0] for a in node.names]
    return [a.asname or a.name for a in node.names if a.name != "*"]


def load(path) -> Solution:
    """Run the imports and top-level ``def`` statements of the file at ``path``; see the module docstring."""
    path = Path(path)
    if not path.exists():
        raise SolutionError(f"no such file: {path}")
    if not path.is_file():
        raise SolutionError(f"{path} is not a file (a .py or .ipynb solution is expected)")
    cells = [(name, _parse(name, src)) for name, src in _cells(path)]
    namespace = {"__name__": "learner_solution", "__file__": str(path), "__builtins__": __builtins__,
                 "get_ipython": _NoIPython}
    sol = Solution(path=path, namespace=namespace, filenames={name for name, _ in cells})
    for filename, tree in cells:
        for node in tree.body:
            if isinstance(node, (ast.Import, ast.ImportFrom)):
                _run(node, filename, namespace, sol, importing=True)
            elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                _run(node, filename, namespace, sol, importing=False)
    sol.defined = {k: v for k, v in namespace.items()
                   if callable(v) and getattr(getattr(v, "__code__", None), "co_filename", None) in sol.filenames}
    return sol


def _run(node, filename, namespace, sol, *, importing):
    code = compile(ast.Module(body=[node], type_ignores=[]), filename, "exec")
    try:
        exec(code, namespace)  # noqa: S102 - the learner's own imports and definitions, nothing else
    except (Exception, SystemExit) as e:  # a failing import or def is noted, the load goes on
        words = f"{type(e).__name__}: {e}"
        if importing:
            failed = FailedImport(f"{filename}:{node.lineno}", ast.unparse(node), words)
            for name in _bound_names(node) or ["*"]:
                sol.failed_imports[name] = failed
        else:
            sol.failed_defs[node.name] = f"{words} (while defining it at {filename}:{node.lineno})"
    else:
        if not importing:
            sol.failed_defs.pop(node.name, None)
        for name in _bound_names(node) if importing else []:
            sol.failed_imports.pop(name, None)


class _NoIPython:
    """``get_ipython()`` outside IPython: every magic is a no-op."""

    def __getattr__(self, name):
        return lambda *a, **k: None


def from_namespace(obj) -> Solution:
    """A :class:`Solution` from a dict, module or object whose attributes are the learner's functions."""
    namespace = dict(obj) if isinstance(obj, dict) else dict(vars(obj))
    defined = {k: v for k, v in namespace.items() if callable(v) and hasattr(v, "__code__")
               and not getattr(v, "__module__", "").startswith("dnnjax")}
    return Solution(path=None, namespace=namespace, defined=defined,
                    filenames={v.__code__.co_filename for v in defined.values()})
