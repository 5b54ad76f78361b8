"""Week 2: logistic regression as a neural network, under the course's names.

Shapes: ``w`` (n_x, 1), ``b`` a scalar, ``X`` (n_x, m), ``Y`` (1, m). The numbers are the
course's for any finite input (labels outside {0, 1} included): ``A = sigmoid(w^T X + b)``,
``cost = -(1/m) sum(Y log A + (1-Y) log(1-A))``, ``dw = (1/m) X (A-Y)^T``, ``db = (1/m) sum(A-Y)``.
Training runs on the engine :func:`dnnjax.train.run` (one compiled ``lax.scan``).
"""
from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np

from dnnjax import activations, losses, train
from dnnjax.course import _checks
from dnnjax.errors import ShapeError


def sigmoid(z):
    """``1 / (1 + exp(-z))`` elementwise, any shape (integers become the default float)."""
    arr = _checks.real_array(z, "z")
    return activations.sigmoid(jnp.asarray(arr, _checks.float_dtype(arr)))


def initialize_with_zeros(dim):
    """``(w, b)``: ``w`` zeros of shape (dim, 1) in the default float dtype, ``b`` the float 0.0."""
    dim = _checks.count(dim, "dim", 1)
    return jnp.zeros((dim, 1), _checks.default_float()), 0.0


def _inputs(w, b, X, Y=None):
    """Checked ``(params {"w", "b"}, X, Y)`` in the dtype of ``w``."""
    dtype = _checks.float_dtype(w, X)
    w = _checks.as_float(w, "w", dtype, ndim=2)
    if w.shape[1] != 1:
        raise ShapeError(f"w must have shape (n_x, 1); got {w.shape}")
    b = _checks.as_float(b, "b", dtype)
    if b.ndim != 0:
        raise ShapeError(f"b must be a scalar (a number or 0-d array); got shape {b.shape}")
    X, Y = _checks.data(X, Y, (w.shape[0], 1), dtype)
    return {"b": b, "w": w}, X, Y


def _value_and_grad(params, X, Y, config=None):
    """Engine gradient: ``(cost, {"b": db, "w": dw})`` by the course's formulas."""
    w, b = params["w"], params["b"]
    m = X.shape[1]
    A = activations.sigmoid(w.T @ X + b)
    cost = losses.probability_cross_entropy(A, Y)
    dw = (1 / m) * (X @ (A - Y).T)
    db = (1 / m) * jnp.sum(A - Y)
    return cost, {"b": db, "w": dw}


def propagate(w, b, X, Y):
    """Forward and backward pass: ``(grads {"dw": (n_x, 1), "db": 0-d}, cost 0-d)``."""
    params, X, Y = _inputs(w, b, X, Y)
    cost, g = _value_and_grad_jit(params, X, Y)
    return {"dw": g["w"], "db": g["b"]}, cost


_value_and_grad_jit = jax.jit(_value_and_grad)  # one program per shapes for a learner's calls (_compiled.py)


@jax.jit
def _last_step(params, X, Y, lr):
    cost, g = _value_and_grad(params, X, Y)
    return jax.tree.map(lambda p, d: p - lr * d, params, g), cost, g


def optimize(w, b, X, Y, num_iterations=100, learning_rate=0.009, print_cost=False):
    """Gradient descent: ``(params {"w", "b"}, grads {"dw", "db"}, costs)``.

    ``grads`` are those of the last iteration (computed before its update); ``costs`` is a
    list of 0-d arrays, the cost at iterations 0, 100, 200, ... (before each update).
    """
    n = _checks.count(num_iterations, "num_iterations", 1)  # the course's loop needs >= 1 to define grads
    lr = _checks.rate(learning_rate)
    params, X, Y = _inputs(w, b, X, Y)
    show = (lambda i, c: print("Cost after iteration %i: %f" % (i, c))) if print_cost else None
    params, costs = train.run(params, X, Y, grad_fn=_value_and_grad, config=None, learning_rate=lr,
                              num_iterations=n - 1, log_every=100, progress=show)
    costs = list(costs)
    params, cost, g = _last_step(params, X, Y, jnp.asarray(lr, X.dtype))
    if (n - 1) % 100 == 0:
        costs.append(cost)
        if print_cost:
            show(n - 1, float(cost))
    return {"w": params["w"], "b": params["b"]}, {"dw": g["w"], "db": g["b"]}, costs


def predict(w, b, X):
    """``(1, m)`` float 0./1.: 1 where ``sigmoid(w^T X + b) > 0.5`` (``w`` is reshaped to (n_x, 1))."""
    Xa = _checks.real_array(X, "X")
    wa = _checks.real_array(w, "w")
    if Xa.ndim != 2:
        raise ShapeError(f"X must be 2-D (n_x, m); got shape {tuple(Xa.shape)}")
    if wa.size != Xa.shape[0]:
        raise ShapeError(f"w must hold n_x = {Xa.shape[0]} weights (one per row of X); got shape {tuple(wa.shape)}")
    params, X, _ = _inputs(jnp.reshape(jnp.asarray(wa), (Xa.shape[0], 1)), b, Xa)
    return _predict(params, X)


@jax.jit
def _predict(params, X):
    A = activations.sigmoid(params["w"].T @ X + params["b"])
    return (A > 0.5).astype(X.dtype)


def _accuracy(prediction, Y):
    """The course's ``100 - mean(|prediction - Y|) * 100`` (NumPy float64, for printing)."""
    return 100 - np.mean(np.abs(np.asarray(prediction, np.float64) - np.asarray(Y, np.float64))) * 100


def model(X_train, Y_train, X_test, Y_test, num_iterations=2000, learning_rate=0.5, print_cost=False):
    """Zero init, :func:`optimize`, then predictions; returns the course's dict.

    Keys: ``costs`` (list of 0-d arrays), ``Y_prediction_test`` (1, m_test),
    ``Y_prediction_train`` (1, m_train), ``w`` (n_x, 1), ``b`` (0-d), ``learning_rate``,
    ``num_iterations``. With ``print_cost`` it also prints train and test accuracy.
    """
    Xtr, Xte = _checks.real_array(X_train, "X_train"), _checks.real_array(X_test, "X_test")
    if Xtr.ndim != 2:
        raise ShapeError(f"X_train must be 2-D (n_x, m_train); got shape {tuple(Xtr.shape)}")
    if Xte.ndim != 2 or Xte.shape[0] != Xtr.shape[0]:
        raise ShapeError(f"X_test must be 2-D (n_x, m_test) with n_x = {Xtr.shape[0]} like X_train; "
                         f"got shape {tuple(Xte.shape)}")
    _checks.expect_shape(_checks.real_array(Y_test, "Y_test"), "Y_test", (1, Xte.shape[1]),
                         "one label per column of X_test")
    w, b = initialize_with_zeros(Xtr.shape[0])
    params, grads, costs = optimize(w, b, Xtr, Y_train, num_iterations, learning_rate, print_cost)
    w, b = params["w"], params["b"]
    Y_prediction_test = predict(w, b, Xte)
    Y_prediction_train = predict(w, b, Xtr)
    if print_cost:
        print("train accuracy: {} %".format(_accuracy(Y_prediction_train, Y_train)))
        print("test accuracy: {} %".format(_accuracy(Y_prediction_test, Y_test)))
    return {"costs": costs, "Y_prediction_test": Y_prediction_test, "Y_prediction_train": Y_prediction_train,
            "w": w, "b": b, "learning_rate": learning_rate, "num_iterations": num_iterations}
