"""Figures for the course's results: cost curves, decision boundaries, image grids, gradient
checks, regression fits and the planar data sets.

matplotlib is an optional dependency (``pip install "dnnjax[plots]"``). It is imported only
inside the functions, never at module import, and only through ``matplotlib.figure.Figure``
with an explicit Agg canvas: no pyplot, no global figure state, no backend switching, so the
functions are safe to call from scripts, tests, notebooks and threads alike.

Every function validates its inputs before drawing (raising :class:`~dnnjax.errors.ShapeError`,
:class:`~dnnjax.errors.InvalidValueError` or :class:`~dnnjax.errors.InvalidTypeError` that name
the argument, what was expected and what came), writes a PNG to ``path`` (a ``str`` or
``os.PathLike``; missing parent folders are created; the file is written to a temporary file in
the same folder and moved into place with :func:`os.replace`, so a reader never sees a partial
file) and returns ``pathlib.Path(path)``.

Arrays may be NumPy arrays, JAX arrays or anything :func:`numpy.asarray` accepts. Data follow
the course's layout (DESIGN.md section 1): examples in columns, ``X`` is ``(n_x, m)`` and labels
``Y`` are ``(1, m)``.

Modules (none imports matplotlib at import time):

    _io         lazy matplotlib access (Figure + Agg canvas), path checks, atomic PNG save
    _checks     input validation shared by the plots
    curves      cost_curves (training costs), predicted_vs_true (regression fit)
    boundaries  decision_boundary (classifier regions), boundary_grid (its grid), scatter_2d (planar data)
    images      image_grid (pictures with captions; colour or grayscale)
    confusion   confusion_matrix, confusion_counts (a classifier's (true, predicted) counts)
    gradients   grad_comparison (gradient-check bar chart), COURSE_GRAD_THRESHOLD
"""

from dnnjax.plots._io import PathLike  # noqa: F401  (kept importable as dnnjax.plots.PathLike)
from dnnjax.plots.boundaries import boundary_grid, decision_boundary, scatter_2d
from dnnjax.plots.confusion import confusion_counts, confusion_matrix
from dnnjax.plots.curves import cost_curves, predicted_vs_true
from dnnjax.plots.gradients import COURSE_GRAD_THRESHOLD, grad_comparison
from dnnjax.plots.images import image_grid

__all__ = [
    "boundary_grid",
    "cost_curves",
    "confusion_matrix",
    "confusion_counts",
    "decision_boundary",
    "image_grid",
    "grad_comparison",
    "predicted_vs_true",
    "scatter_2d",
    "COURSE_GRAD_THRESHOLD",
]
