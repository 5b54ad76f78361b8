"""The reference functions a learner's code calls during a check: NumPy in, NumPy out.

These are what the course's helper modules hold and what a learner's function calls: the helpers
(``dnn_utils``' ``sigmoid(Z) -> (A, Z)``, ``relu(Z) -> (A, Z)``, ``relu_backward(dA, Z)`` (copies
``dA``, zeroes it where ``Z <= 0``), ``sigmoid_backward(dA, Z)``; ``planar_utils.sigmoid(x)``)
and, in ``REFERENCE[assignment]``, the assignment functions with the notebooks' signatures and
return structures. They are NumPy on purpose: a learner's code does ``dZ[Z <= 0] = 0`` or
``copy.deepcopy`` on what they return, exactly as on the notebook's arrays, and a check makes
hundreds of such small calls, which in eager JAX would compile every primitive for every shape.
They are injected in place of the learner's own callees when a function is checked in isolation
(:mod:`dnnjax.check.runner`) and served as the helper modules' contents (:mod:`dnnjax.check.helpers`).
They are not the oracle: expected values come from :mod:`dnnjax.check.oracle` (``dnnjax.course``'s
forward definitions and ``jax.vjp``/``jax.grad``), and ``tests/test_check_solution.py`` pins these
functions to :mod:`dnnjax.course`.
"""
from __future__ import annotations

import numpy as np


# ----------------------------------------------------------------------------- helper modules (NumPy)
def sigmoid(Z):
    """dnn_utils: ``(A, cache)`` with ``A = 1 / (1 + exp(-Z))`` and ``cache = Z``."""
    A = 1 / (1 + np.exp(-Z))
    return A, Z


def relu(Z):
    """dnn_utils: ``(A, cache)`` with ``A = max(0, Z)`` and ``cache = Z``."""
    A = np.maximum(0, Z)
    return A, Z


def relu_backward(dA, cache):
    """dnn_utils: ``dZ``, a copy of ``dA`` set to 0 where ``Z <= 0`` (``dA`` is not modified)."""
    Z = cache
    dZ = np.array(dA, copy=True)
    dZ[Z <= 0] = 0
    return dZ


def sigmoid_backward(dA, cache):
    """dnn_utils: ``dZ = dA * s * (1 - s)`` with ``s = sigmoid(Z)``."""
    s = 1 / (1 + np.exp(-cache))
    return dA * s * (1 - s)


def planar_sigmoid(x):
    """planar_utils: ``1 / (1 + exp(-x))`` (one array back)."""
    return 1 / (1 + np.exp(-x))


DEEP_HELPERS = {"sigmoid": sigmoid, "relu": relu, "relu_backward": relu_backward,
                "sigmoid_backward": sigmoid_backward}
PLANAR_HELPERS = {"sigmoid": planar_sigmoid}


# ----------------------------------------------------------------------------- assignment functions (NumPy)
def _rng():
    return np.random.RandomState(1)  # a local RNG: the learner's global NumPy state is left alone


def initialize_with_zeros(dim):
    return np.zeros((dim, 1)), 0.0


def propagate(w, b, X, Y):
    m = X.shape[1]
    A = planar_sigmoid(w.T @ X + b)
    cost = np.squeeze(-np.sum(Y * np.log(A) + (1 - Y) * np.log(1 - A)) / m)
    return {"dw": X @ (A - Y).T / m, "db": np.sum(A - Y) / m}, cost


def optimize(w, b, X, Y, num_iterations=100, learning_rate=0.009, print_cost=False):
    costs = []
    for i in range(num_iterations):
        grads, cost = propagate(w, b, X, Y)
        w = w - learning_rate * grads["dw"]
        b = b - learning_rate * grads["db"]
        if i % 100 == 0:
            costs.append(cost)
    return {"w": w, "b": b}, grads, costs


def logistic_predict(w, b, X):
    A = planar_sigmoid(w.reshape(X.shape[0], 1).T @ X + b)
    return (A > 0.5) * 1.0


def layer_sizes(X, Y):
    return X.shape[0], 4, Y.shape[0]


def initialize_parameters(n_x, n_h, n_y):
    rng = _rng()
    return {"W1": rng.randn(n_h, n_x) * 0.01, "b1": np.zeros((n_h, 1)),
            "W2": rng.randn(n_y, n_h) * 0.01, "b2": np.zeros((n_y, 1))}


def forward_propagation(X, parameters):
    Z1 = parameters["W1"] @ X + parameters["b1"]
    A1 = np.tanh(Z1)
    Z2 = parameters["W2"] @ A1 + parameters["b2"]
    A2 = planar_sigmoid(Z2)
    return A2, {"Z1": Z1, "A1": A1, "Z2": Z2, "A2": A2}


def compute_cost(A, Y, parameters=None):  # the 2017-2020 week 3 notebooks also pass the parameters
    m = Y.shape[1]
    return np.squeeze(-np.sum(Y * np.log(A) + (1 - Y) * np.log(1 - A)) / m)


def backward_propagation(parameters, cache, X, Y):
    m = X.shape[1]
    A1, A2 = cache["A1"], cache["A2"]
    dZ2 = A2 - Y
    dZ1 = (parameters["W2"].T @ dZ2) * (1 - A1 ** 2)
    return {"dW1": dZ1 @ X.T / m, "db1": np.sum(dZ1, axis=1, keepdims=True) / m,
            "dW2": dZ2 @ A1.T / m, "db2": np.sum(dZ2, axis=1, keepdims=True) / m}


def update_parameters(parameters, grads, learning_rate=1.2):
    return {k: v - learning_rate * grads["d" + k] for k, v in parameters.items()}


def planar_predict(parameters, X):
    A2, _ = forward_propagation(X, parameters)
    return A2 > 0.5


def initialize_parameters_deep(layer_dims, scale=0.01):
    rng, parameters = _rng(), {}
    for l in range(1, len(layer_dims)):
        s = scale if scale != "sqrt" else 1 / np.sqrt(layer_dims[l - 1])
        parameters[f"W{l}"] = rng.randn(layer_dims[l], layer_dims[l - 1]) * s
        parameters[f"b{l}"] = np.zeros((layer_dims[l], 1))
    return parameters


def _fits(name, got, shape, why):
    """A clear error when the learner's code hands a reference function an array that cannot fit."""
    if tuple(np.shape(got)) != tuple(shape):
        raise ValueError(f"{name} has shape {tuple(np.shape(got))}, but {why} needs {tuple(shape)}")


def linear_forward(A, W, b):
    _fits("A", A, (np.shape(W)[1], np.shape(A)[-1]), f"W of shape {np.shape(W)}")
    return W @ A + b, (A, W, b)


def linear_activation_forward(A_prev, W, b, activation):
    Z, linear_cache = linear_forward(A_prev, W, b)
    A, activation_cache = sigmoid(Z) if activation == "sigmoid" else relu(Z)
    return A, (linear_cache, activation_cache)


def L_model_forward(X, parameters):
    L, A, caches = len(parameters) // 2, X, []
    for l in range(1, L + 1):
        A, cache = linear_activation_forward(A, parameters[f"W{l}"], parameters[f"b{l}"],
                                             "sigmoid" if l == L else "relu")
        caches.append(cache)
    return A, caches


def linear_backward(dZ, cache):
    A_prev, W, b = cache
    _fits("dZ", dZ, (np.shape(W)[0], np.shape(A_prev)[1]), "the cache (A_prev, W, b)")
    m = A_prev.shape[1]
    return W.T @ dZ, dZ @ A_prev.T / m, np.sum(dZ, axis=1, keepdims=True) / m


def linear_activation_backward(dA, cache, activation):
    linear_cache, activation_cache = cache
    _fits("dA", dA, np.shape(activation_cache), "this layer's cached Z")
    backward = sigmoid_backward if activation == "sigmoid" else relu_backward
    return linear_backward(backward(dA, activation_cache), linear_cache)


def L_model_backward(AL, Y, caches):
    L, grads = len(caches), {}
    Y = Y.reshape(AL.shape)
    dA = -(Y / AL - (1 - Y) / (1 - AL))
    for l in range(L, 0, -1):
        dA, grads[f"dW{l}"], grads[f"db{l}"] = linear_activation_backward(
            dA, caches[l - 1], "sigmoid" if l == L else "relu")
        grads[f"dA{l - 1}"] = dA
    return grads


def deep_predict(X, y, parameters):
    AL, _ = L_model_forward(X, parameters)
    return (AL > 0.5) * 1.0


LOGISTIC = {"sigmoid": planar_sigmoid, "initialize_with_zeros": initialize_with_zeros, "propagate": propagate,
            "optimize": optimize, "predict": logistic_predict}
PLANAR = {"layer_sizes": layer_sizes, "initialize_parameters": initialize_parameters,
          "forward_propagation": forward_propagation, "compute_cost": compute_cost,
          "backward_propagation": backward_propagation, "update_parameters": update_parameters,
          "predict": planar_predict}
DEEP = {"initialize_parameters": initialize_parameters, "initialize_parameters_deep": initialize_parameters_deep,
        "linear_forward": linear_forward, "linear_activation_forward": linear_activation_forward,
        "L_model_forward": L_model_forward, "compute_cost": compute_cost, "linear_backward": linear_backward,
        "linear_activation_backward": linear_activation_backward, "L_model_backward": L_model_backward,
        "update_parameters": update_parameters, "predict": deep_predict}
APP = {**DEEP, "initialize_parameters_deep": lambda layer_dims: initialize_parameters_deep(layer_dims, "sqrt")}

#: what a learner's function may call, per assignment: the course functions and helpers
REFERENCE = {"logistic": LOGISTIC, "planar": {**PLANAR_HELPERS, **PLANAR}, "deep": {**DEEP_HELPERS, **DEEP}}
