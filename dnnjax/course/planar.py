"""Week 3: planar data classification with one hidden (tanh) layer, under the course's names.

Shapes: ``X`` (n_x, m), ``Y`` (n_y, m), ``W1`` (n_h, n_x), ``b1`` (n_h, 1), ``W2`` (n_y, n_h),
``b2`` (n_y, 1). Forward: ``A1 = tanh(W1 X + b1)``, ``A2 = sigmoid(W2 A1 + b2)``. Backward as in
the course: ``dZ2 = A2 - Y``, ``dZ1 = W2^T dZ2 * (1 - A1**2)`` (tanh' from the cached ``A1``),
``dW = (1/m) dZ A_prev^T``, ``db = (1/m) sum(dZ, axis=1)``. The course's numbers for any finite
input; training runs on the engine :func:`dnnjax.train.run` (one compiled ``lax.scan``).
"""
from __future__ import annotations

import jax
import jax.numpy as jnp

from dnnjax import activations, init, losses, train
from dnnjax import network as net
from dnnjax.course import _checks, _compiled
from dnnjax.errors import InvalidTypeError, ShapeError

_KEYS = ("W1", "b1", "W2", "b2")


def layer_sizes(X, Y):
    """``(n_x, n_h, n_y) = (X.shape[0], 4, Y.shape[0])``."""
    X, Y = _checks.real_array(X, "X"), _checks.real_array(Y, "Y")
    for name, a in (("X", X), ("Y", Y)):
        if a.ndim != 2:
            raise ShapeError(f"{name} must be 2-D (rows, m) with examples in columns; got shape {tuple(a.shape)}")
    if X.shape[1] != Y.shape[1]:
        raise ShapeError(f"X {tuple(X.shape)} and Y {tuple(Y.shape)} must have the same number m of columns")
    return (int(X.shape[0]), 4, int(Y.shape[0]))


def initialize_parameters(n_x, n_h, n_y, *, key):
    """``W1 = normal(n_h, n_x) * 0.01``, ``b1 = 0 (n_h, 1)``, ``W2 = normal(n_y, n_h) * 0.01``, ``b2 = 0``.

    ``key`` replaces the course's ``np.random.seed``; it is split into one key per layer.
    """
    dims = [_checks.count(n, name, 1) for n, name in ((n_x, "n_x"), (n_h, "n_h"), (n_y, "n_y"))]
    return init.init_params(_checks.key(key), dims, scale=0.01, dtype=_checks.default_float())


def _forward(params, X):
    Z2, ((_, Z1), (A1, _)) = net.forward_cache(params, X, "tanh")
    A2 = activations.sigmoid(Z2)
    return A2, {"Z1": Z1, "A1": A1, "Z2": Z2, "A2": A2}


def forward_propagation(X, parameters):
    """``(A2 (n_y, m), cache {"Z1", "A1", "Z2", "A2"})``."""
    dims, params = _checks.weights(parameters, layers=2)
    X, _ = _checks.data(X, None, dims, params["W1"].dtype)
    return _forward_jit(params, X)


def compute_cost(A2, Y):
    """``-(1/m) sum(Y log A2 + (1-Y) log(1-A2))`` as a 0-d array (no clipping: any finite input)."""
    A2, Y = _checks.cost_inputs(A2, Y, "A2")
    return _compiled.cost(A2, Y)


def _backward(params, cache, X, Y):
    m = X.shape[1]
    A1, A2, W2 = cache["A1"], cache["A2"], params["W2"]
    dZ2 = A2 - Y
    dW2 = (1 / m) * (dZ2 @ A1.T)
    db2 = (1 / m) * jnp.sum(dZ2, axis=1, keepdims=True)
    dZ1 = (W2.T @ dZ2) * (1 - A1 ** 2)
    dW1 = (1 / m) * (dZ1 @ X.T)
    db1 = (1 / m) * jnp.sum(dZ1, axis=1, keepdims=True)
    return {"dW1": dW1, "db1": db1, "dW2": dW2, "db2": db2}


# one program per shapes for a learner's calls (_compiled.py); the engine traces the plain ones
_forward_jit, _backward_jit = jax.jit(_forward), jax.jit(_backward)


def backward_propagation(parameters, cache, X, Y):
    """``{"dW1", "db1", "dW2", "db2"}``, shaped like ``W1, b1, W2, b2``; uses ``cache["A1"]``, ``cache["A2"]``."""
    dims, params = _checks.weights(parameters, layers=2)
    dtype = params["W1"].dtype
    X, Y = _checks.data(X, Y, dims, dtype)
    if not isinstance(cache, dict) or not {"A1", "A2"} <= set(cache):
        raise InvalidTypeError(f"cache must be the dict forward_propagation returns (keys Z1, A1, Z2, A2); got {cache!r:.80}")
    A1 = _checks.as_float(cache["A1"], "cache['A1']", dtype, ndim=2)
    A2 = _checks.as_float(cache["A2"], "cache['A2']", dtype, ndim=2)
    _checks.expect_shape(A1, "cache['A1']", (dims[1], X.shape[1]), "(n_h, m)")
    _checks.expect_shape(A2, "cache['A2']", Y.shape, "the shape of Y")
    grads = _backward_jit(params, {"A1": A1, "A2": A2}, X, Y)
    return {k: grads[k] for k in ("dW1", "db1", "dW2", "db2")}  # jit sorts a dict's keys


def update_parameters(parameters, grads, learning_rate=1.2):
    """A new dict ``{k: parameters[k] - learning_rate * grads["d" + k]}`` (the input is not modified)."""
    _, params = _checks.weights(parameters, layers=2)
    lr = _checks.rate(learning_rate)
    return _compiled.update(params, _checks.grads_for(params, grads), lr)


def _value_and_grad(params, X, Y, config=None):
    """Engine gradient: the course's forward, cost and backward; grads keyed like ``params``."""
    A2, cache = _forward(params, X)
    g = _backward(params, cache, X, Y)
    return losses.probability_cross_entropy(A2, Y), {k: g[f"d{k}"] for k in params}


def _train(parameters, X, Y, num_iterations=10000, learning_rate=1.2, print_cost=False):
    """:func:`nn_model`'s loop from given ``parameters``: the trained parameters (a new dict)."""
    dims, params = _checks.weights(parameters, layers=2)
    X, Y = _checks.data(X, Y, dims, params["W1"].dtype)
    n = _checks.count(num_iterations, "num_iterations")
    show = (lambda i, c: print("Cost after iteration %i: %f" % (i, c))) if print_cost else None
    params, _ = train.run(params, X, Y, grad_fn=_value_and_grad, config=None,
                          learning_rate=_checks.rate(learning_rate), num_iterations=n, log_every=1000,
                          progress=show)
    return {k: params[k] for k in _KEYS}


def nn_model(X, Y, n_h, num_iterations=10000, print_cost=False, *, key):
    """Train the 1-hidden-layer network (x0.01 init from ``key``, learning rate 1.2).

    Returns the trained parameters; with ``print_cost`` prints the cost every 1000 iterations.
    """
    n_x, _, n_y = layer_sizes(X, Y)
    parameters = initialize_parameters(n_x, n_h, n_y, key=key)
    return _train(parameters, X, Y, num_iterations, 1.2, print_cost)


def predict(parameters, X):
    """Boolean ``(n_y, m)``: ``A2 > 0.5``."""
    A2, _ = forward_propagation(X, parameters)
    return A2 > 0.5
