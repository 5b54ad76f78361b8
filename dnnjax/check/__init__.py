"""Checking code under test against dnnjax's references (DESIGN section 8).

- :mod:`dnnjax.check.diagnose`: what is wrong with an array (or a dict of arrays), in words:
  shape, transposed, sign, a constant factor ("missing 1/m"), not finite, which entries differ.
- :mod:`dnnjax.check.user_code`: call a user's function safely: their exception with *their*
  file:line, a time limit, and detection of inputs modified in place.
- :mod:`dnnjax.check.gradcheck` (``check_grads``), :mod:`dnnjax.check.gradcheck_report`
  (``GradCheckReport``), :mod:`dnnjax.check.manual_grads` (a user's ``manual=`` function under test).

``import dnnjax`` imports this package (for ``check_grads``) before ``dnnjax``'s own names exist:
keep imports here light and never ``from dnnjax import <function>``.
"""
