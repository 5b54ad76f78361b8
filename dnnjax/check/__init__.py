"""Checking code under test against dnnjax's references (DESIGN section 8).

- :mod:`dnnjax.check.diagnose`: what is wrong with an array (or a dict of arrays), in words:
  shape, transposed, sign, a constant factor ("missing 1/m"), not finite, which entries differ.
- :mod:`dnnjax.check.user_code`: call a user's function safely: their exception with *their*
  file:line, a time limit, and detection of inputs modified in place.
- :mod:`dnnjax.check.gradcheck` (``check_grads``), :mod:`dnnjax.check.gradcheck_report`
  (``GradCheckReport``), :mod:`dnnjax.check.manual_grads` (a user's ``manual=`` function under test).
- ``dnnjax check`` / :func:`dnnjax.course.check_solution`, a learner's course solution function by
  function: :mod:`~dnnjax.check.solution` (the report), :mod:`~dnnjax.check.loader` (imports and
  defs of a ``.py``/``.ipynb``), :mod:`~dnnjax.check.helpers` and :mod:`~dnnjax.check.reference`
  (the course's helper modules, served; the reference callees), :mod:`~dnnjax.check.oracle`
  (expected values: ``dnnjax.course``'s forward, ``jax.vjp``/``jax.grad``, one compile),
  :mod:`~dnnjax.check.cases` and :mod:`~dnnjax.check.props` (inputs; checks by property),
  :mod:`~dnnjax.check.logistic`, :mod:`~dnnjax.check.planar`, :mod:`~dnnjax.check.deep`,
  :mod:`~dnnjax.check.deep_models` (each assignment's cases), :mod:`~dnnjax.check.runner` (in
  isolation, then with the learner's own callees).

``import dnnjax`` imports this package (for ``check_grads``) before ``dnnjax``'s own names exist:
keep imports here light and never ``from dnnjax import <function>``.
"""
