"""matplotlib access and PNG writing for :mod:`dnnjax.plots`.

matplotlib is imported only inside these functions, never at module import, and only through
``matplotlib.figure.Figure`` with an explicit Agg canvas: no pyplot, no global figure state, no
backend switching. :func:`_save` writes a PNG atomically (temporary file in the same folder,
then :func:`os.replace`), so a reader never sees a partial file.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path
from typing import Any

from dnnjax.errors import InvalidTypeError, InvalidValueError

_DPI = 100
_CMAP = "Spectral"  # the course's colormap for the planar plots
_INSTALL_HINT = 'matplotlib is needed for dnnjax.plots; install it with: pip install "dnnjax[plots]"'

PathLike = str | os.PathLike


def _new_figure(figsize: tuple[float, float]):
    """A fresh ``Figure`` attached to its own Agg canvas (no pyplot, no global state)."""
    try:
        from matplotlib.backends.backend_agg import FigureCanvasAgg
        from matplotlib.figure import Figure
    except ImportError as exc:  # matplotlib missing or broken
        raise ImportError(_INSTALL_HINT) from exc
    fig = Figure(figsize=figsize, dpi=_DPI)
    FigureCanvasAgg(fig)
    return fig


def _cmap(name: str = _CMAP):
    """The registered colormap ``name`` (a callable mapping [0, 1] to RGBA)."""
    from matplotlib import colormaps

    return colormaps[name]


def _check_path(path: Any) -> Path:
    """``Path(path)`` for a ``str``/``os.PathLike`` naming a file, else a named dnnjax error."""
    if isinstance(path, bytes) or not isinstance(path, (str, os.PathLike)):
        raise InvalidTypeError(
            f"path must be a str or os.PathLike naming the PNG to write, got {type(path).__name__}"
        )
    p = Path(path)
    if str(path) == "" or p.name == "":
        raise InvalidValueError(f"path must name a file, got {str(path)!r}")
    return p


def _umask() -> int:
    """The process umask, read without changing it where the platform allows."""
    try:
        with open("/proc/self/status", encoding="ascii") as fh:
            for line in fh:
                if line.startswith("Umask:"):
                    return int(line.split()[1], 8)
    except (OSError, ValueError):
        pass
    return 0o022


def _save(fig, path: Path) -> Path:
    """Write ``fig`` as PNG to ``path`` atomically: temp file in the same folder, then replace.

    Missing parent folders are created; on any failure the temporary file is removed and an
    existing file at ``path`` is left untouched. Returns ``path``.
    """
    parent = path.parent
    parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=parent, prefix=f".{path.name}.", suffix=".tmp.png")
    try:
        with os.fdopen(fd, "wb") as fh:
            fig.savefig(fh, format="png", dpi=_DPI)
            fh.flush()
            os.fsync(fh.fileno())
        os.chmod(tmp, 0o666 & ~_umask())  # mkstemp makes 0600; give the usual permissions
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except FileNotFoundError:
            pass
        raise
    return path
