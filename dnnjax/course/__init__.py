"""The course's own functions, under the course's names, one module per assignment.

- :mod:`dnnjax.course.logistic` (week 2): ``sigmoid``, ``initialize_with_zeros``, ``propagate``,
  ``optimize``, ``predict``, ``model``.
- :mod:`dnnjax.course.planar` (week 3): ``layer_sizes``, ``initialize_parameters``,
  ``forward_propagation``, ``compute_cost``, ``backward_propagation``, ``update_parameters``,
  ``nn_model``, ``predict``.
- :mod:`dnnjax.course.deep` (week 4): ``initialize_parameters``, ``initialize_parameters_deep``,
  ``linear_forward``, ``linear_activation_forward``, ``L_model_forward``, ``compute_cost``,
  ``linear_backward``, ``linear_activation_backward``, ``L_model_backward``,
  ``update_parameters``, ``two_layer_model``, ``L_layer_model``, ``predict``.

Argument order, defaults and return structures are the notebooks', so the NumPy code can sit
beside these line by line; where the course seeds NumPy's global RNG these take a ``key``
keyword (a ``jax.random`` key, split per layer). The numbers are the course's for any finite
input of the right shapes, valid probabilities and labels or not (no clipping, no value checks);
shapes are checked up front (:class:`dnnjax.ShapeError`). Arrays come back as JAX arrays in
float32, or float64 under ``jax.enable_x64``; costs are 0-d arrays. Training loops run on the
compiled engine :func:`dnnjax.train.run` (``lax.scan``), not a Python loop; the step functions
(``L_model_backward``, ``propagate``, ...) check their inputs in Python, then run one compiled
program per call signature (:mod:`dnnjax.course._compiled`), not one per operation.
"""
from dnnjax.course import deep, logistic, planar


def check_solution(path_or_namespace, *, assignment=None, seed=0):
    """Check a learner's own solution (a ``.py``/``.ipynb`` path, or a dict/module of functions)
    function by function; see :func:`dnnjax.check.solution.check_solution` (``print`` the report;
    ``report.ok``)."""
    from dnnjax.check.solution import check_solution as check

    return check(path_or_namespace, assignment=assignment, seed=seed)


__all__ = ["logistic", "planar", "deep", "check_solution"]
