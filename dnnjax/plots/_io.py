"""matplotlib access and PNG writing for :mod:`dnnjax.plots`.

matplotlib is imported only inside these functions, never at module import, and only through
``matplotlib.figure.Figure`` with an explicit Agg canvas: no pyplot, no global figure state, no
backend switching. :func:`_save` writes a PNG atomically (temporary file in the same folder,
then :func:`os.replace`), so a reader never sees a partial file.

No label of ours is mathtext (``$...$``): matplotlib builds its TeX parser on first use, a
quarter of a second or more per process, so labels use Unicode (``x₁``, ``R²``, ``‖a−b‖``)
and log axes get :func:`_log_y`'s plain-text ``10⁻⁷`` ticks.
"""

from __future__ import annotations

import functools
import os
import re
from pathlib import Path
from typing import Any

from dnnjax.errors import InvalidTypeError, InvalidValueError
from dnnjax.files import atomic_write

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


_SUPERSCRIPT = str.maketrans("0123456789-+.", "⁰¹²³⁴⁵⁶⁷⁸⁹⁻⁺·")


def _unmath(label: str) -> str:
    """A log formatter's ``$\\mathdefault{2\\times10^{-7}}$`` as plain ``2×10⁻⁷`` (other text as is)."""
    if not (len(label) > 1 and label[0] == label[-1] == "$"):
        return label
    text = label[1:-1].replace("\\mathdefault", "").replace("\\times", "×")
    text = re.sub(r"\^\{([^}]*)\}", lambda m: m.group(1).translate(_SUPERSCRIPT), text)
    return text.replace("{", "").replace("}", "")


@functools.cache
def _plain_log_formatter():
    """matplotlib's default log-axis formatter, its labels in plain text (no mathtext)."""
    from matplotlib.ticker import LogFormatterSciNotation

    class PlainLogFormatter(LogFormatterSciNotation):
        def __call__(self, x, pos=None):
            return _unmath(super().__call__(x, pos))

    return PlainLogFormatter


def _log_y(ax) -> None:
    """Put ``ax``'s y axis on a log scale with plain-text tick labels: the same labels
    (``10⁻⁷``, minor ``2×10⁻¹``) as matplotlib's, without building mathtext."""
    ax.set_yscale("log")
    axis, formatter = ax.yaxis, _plain_log_formatter()
    axis.set_major_formatter(formatter())
    axis.set_minor_formatter(formatter(labelOnlyBase=False))


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


def _save(fig, path: Path) -> Path:
    """Write ``fig`` as PNG to ``path`` atomically: temp file in the same folder, then replace.

    Missing parent folders are created; on any failure the temporary file is removed and an
    existing file at ``path`` is left untouched. Returns ``path``.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    return atomic_write(path, lambda fh: fig.savefig(fh, format="png", dpi=_DPI), suffix=".tmp.png")
