"""dnnjax: the networks of "Neural Networks and Deep Learning" as pure JAX functions.

The course's flow, one module each:

    init_params   (init.py)       small random W{l} (n[l], n[l-1]), zero b{l} (n[l], 1)
    forward       (network.py)    Z[l] = W[l] A[l-1] + b[l], A[l] = g(Z[l])
    cost          (losses.py)     cross-entropy from logits (stable), softmax CE, MSE
    grads         (gradients.py)  jax.grad, or the hand-written backward pass (backprop.py)
    check_grads   (check/)        manual (yours or dnnjax's) vs autodiff vs finite differences, as a report
    fit           (train.py)      gradient descent / optax, jit + lax.scan, compiled once
    predict       (network.py)    sigmoid > 0.5, softmax argmax, linear identity

Beyond the course: :mod:`dnnjax.sweep` (many models in one ``vmap``), :mod:`dnnjax.per_example`
(per-example gradients), :mod:`dnnjax.parallel` (data-parallel ``fit`` over a device mesh),
:mod:`dnnjax.dual` (the first layer in Gram form for full-batch GD). The course's own function
names live in :mod:`dnnjax.course`.
"""
from dnnjax.errors import DnnjaxError, InvalidTypeError, InvalidValueError, ShapeError, TrainingDivergedError
from dnnjax.network import forward, predict
from dnnjax.gradcheck import GradCheckReport, check_grads
from dnnjax.gradients import grads
from dnnjax.init import init_params
from dnnjax.losses import cost
from dnnjax.per_example import per_example_grad_norms, per_example_grads
from dnnjax.sweep import SweepResult, fit_hidden_sizes, fit_many, fit_seeds
from dnnjax.train import fit
from dnnjax import course, data, parallel  # noqa: E402  (subpackages users reach as dnnjax.X)

__version__ = "0.1.0"

__all__ = [
    "init_params", "forward", "cost", "grads", "check_grads", "fit", "predict",
    "fit_many", "fit_seeds", "fit_hidden_sizes", "SweepResult", "per_example_grads", "per_example_grad_norms",
    "course", "data", "parallel",
    "GradCheckReport", "DnnjaxError", "ShapeError", "InvalidValueError", "InvalidTypeError",
    "TrainingDivergedError", "__version__",
]
