"""``dnnjax.gradcheck``: kept importable; the gradient check lives in :mod:`dnnjax.check.gradcheck`
(``check_grads``) and :mod:`dnnjax.check.gradcheck_report` (``GradCheckReport``)."""
from dnnjax.check.gradcheck import _autodiff_and_fd, _fd_indices, _gradients_three_ways, check_grads  # noqa: F401
from dnnjax.check.gradcheck_report import (AGREE_TOL, FD_TOL, PAIRS, PYTHON_FLOAT64_HINT,  # noqa: F401
                                           GradCheckReport, relative_difference)

__all__ = ["check_grads", "GradCheckReport", "relative_difference", "PAIRS", "AGREE_TOL", "FD_TOL"]
