"""Week 4: deep L-layer networks (step by step + application), under the course's names.

Shapes: ``X`` (n_x, m), ``Y`` (1, m), ``W{l}`` (n[l], n[l-1]), ``b{l}`` (n[l], 1). Hidden layers
are ReLU, the output sigmoid. Caches have the course's structure: a layer's cache is
``((A_prev, W, b), Z)``. The backward pass takes the course's route for any finite input (labels
outside {0, 1} and ``AL`` unrelated to the cached ``Z_L`` included): ``dAL = -(Y/AL - (1-Y)/(1-AL))``,
``dZ = dA * g'(Z)`` (``relu'(0) = 0``), ``dW = (1/m) dZ A_prev^T``, ``db = (1/m) sum(dZ, axis=1)``,
``dA_prev = W^T dZ``. Training runs on the engine :func:`dnnjax.train.run` (one compiled
``lax.scan``); the step functions are thin wrappers over :mod:`dnnjax.network`,
:mod:`dnnjax.backprop`, :mod:`dnnjax.activations` and :mod:`dnnjax.losses`.
"""
from __future__ import annotations

import jax
import numpy as np

from dnnjax import activations, backprop, init, losses, train, validate
from dnnjax import network as net
from dnnjax.course import _checks, _compiled
from dnnjax.course._checks import checked_cache, checked_caches, grads_for
from dnnjax.errors import InvalidValueError, ShapeError

ACTIVATIONS = ("sigmoid", "relu")


def initialize_parameters(n_x, n_h, n_y, *, key):
    """Two layers, ``W = normal * 0.01`` from ``key`` (one key per layer), zero biases."""
    dims = [_checks.count(n, name, 1) for n, name in ((n_x, "n_x"), (n_h, "n_h"), (n_y, "n_y"))]
    return init.init_params(_checks.key(key), dims, scale=0.01, dtype=_checks.default_float())


def initialize_parameters_deep(layer_dims, *, key):
    """``{"W1", "b1", ..., "WL", "bL"}`` with ``W{l} = normal(n[l], n[l-1]) * 0.01``, zero biases."""
    return init.init_params(_checks.key(key), validate.layer_dims(layer_dims), scale=0.01,
                            dtype=_checks.default_float())


def linear_forward(A, W, b):
    """``(Z, (A, W, b))`` with ``Z = W A + b`` (n[l], m)."""
    (A, W, b), _ = checked_cache(((A, W, b), None), "", names=("A", "W", "b"))
    return _linear_forward(A, W, b), (A, W, b)


_linear_forward = jax.jit(net.linear_forward)  # the public functions call compiled programs (_compiled.py)


def _activate(Z, activation):
    return activations.sigmoid(Z) if activation == "sigmoid" else activations.relu(Z)


@jax.jit(static_argnames="activation")
def _linear_activation_forward(A_prev, W, b, activation):
    Z = net.linear_forward(A_prev, W, b)
    return _activate(Z, activation), Z


def linear_activation_forward(A_prev, W, b, activation):
    """``(A, ((A_prev, W, b), Z))`` with ``A = g(W A_prev + b)``, ``g`` = "sigmoid" or "relu"."""
    validate.one_of(activation, ACTIVATIONS, "activation")
    (A_prev, W, b), _ = checked_cache(((A_prev, W, b), None), "", names=("A", "W", "b"))
    A, Z = _linear_activation_forward(A_prev, W, b, activation)
    return A, ((A_prev, W, b), Z)


def _L_model_forward(params, X):
    Z_L, core = net.forward_cache(params, X, "relu")
    caches = [((A_prev, params[f"W{l}"], params[f"b{l}"]), Z) for l, (A_prev, Z) in enumerate(core, start=1)]
    return activations.sigmoid(Z_L), caches


def L_model_forward(X, parameters):
    """``(AL (n_L, m), caches)``: ReLU for layers 1..L-1, sigmoid for layer L; ``len(caches) == L``."""
    dims, params = _checks.weights(parameters)
    X, _ = _checks.data(X, None, dims, params["W1"].dtype)
    return _L_model_forward_jit(params, X)


def compute_cost(AL, Y):
    """``-(1/m) sum(Y log AL + (1-Y) log(1-AL))`` as a 0-d array (no clipping: any finite input)."""
    AL, Y = _checks.cost_inputs(AL, Y, "AL")
    return _compiled.cost(AL, Y)


def _linear_backward(dZ, cache):
    A_prev, W, _ = cache
    m = A_prev.shape[1]
    dA_prev, dW, db = backprop.linear_backward(dZ, A_prev, W)
    return dA_prev, (1 / m) * dW, (1 / m) * db


def linear_backward(dZ, cache):
    """``(dA_prev (n[l-1], m), dW (n[l], n[l-1]), db (n[l], 1))`` from ``dZ`` (n[l], m), ``cache = (A_prev, W, b)``."""
    (A_prev, W, b), dZ = checked_cache((cache, dZ), "cache", z_name="dZ")
    return _linear_backward_jit(dZ, (A_prev, W, b))


def _linear_activation_backward(dA, cache, activation):
    linear_cache, Z = cache
    grad = activations.sigmoid_grad if activation == "sigmoid" else activations.relu_grad
    return _linear_backward(dA * grad(Z), linear_cache)


def linear_activation_backward(dA, cache, activation):
    """``(dA_prev, dW, db)`` with ``dZ = dA * g'(Z)`` from the cached ``Z`` (``relu'(0) = 0``)."""
    validate.one_of(activation, ACTIVATIONS, "activation")
    linear_cache, Z = checked_cache(cache, "cache")
    dA = _checks.as_float(dA, "dA", Z.dtype, ndim=2)
    _checks.expect_shape(dA, "dA", Z.shape, "the shape of the cached Z")
    return _linear_activation_backward_jit(dA, (linear_cache, Z), activation)


def _L_model_backward(AL, Y, caches):
    L = len(caches)
    grads = {}
    dA = -(Y / AL - (1 - Y) / (1 - AL))  # the course's route: no shortcut to dZ_L = AL - Y
    for l in range(L, 0, -1):
        dA, grads[f"dW{l}"], grads[f"db{l}"] = _linear_activation_backward(
            dA, caches[l - 1], "sigmoid" if l == L else "relu")
        grads[f"dA{l - 1}"] = dA
    return grads


# one program per signature (the number of layers and the shapes), for a learner's calls; the
# engine's _value_and_grad below traces the plain functions into its training loop
_L_model_forward_jit = jax.jit(_L_model_forward)
_linear_backward_jit = jax.jit(_linear_backward)
_linear_activation_backward_jit = jax.jit(_linear_activation_backward, static_argnames="activation")
_L_model_backward_jit = jax.jit(_L_model_backward)


def L_model_backward(AL, Y, caches):
    """``{"dA0".."dA{L-1}", "dW1".."dWL", "db1".."dbL"}``; ``Y`` is reshaped to ``AL``'s shape like the course."""
    caches = checked_caches(caches)
    dtype = caches[-1][1].dtype
    AL = _checks.as_float(AL, "AL", dtype, ndim=2)
    _checks.expect_shape(AL, "AL", caches[-1][1].shape, "the shape of the last cached Z")
    Y = _checks.as_float(Y, "Y", dtype)
    if Y.size != AL.size:
        raise ShapeError(f"Y must hold one label per entry of AL {AL.shape}; got shape {Y.shape}")
    return _L_model_backward_jit(AL, Y.reshape(AL.shape), caches)


def update_parameters(params, grads, learning_rate):
    """A new dict ``W{l} - learning_rate * dW{l}``, ``b{l} - learning_rate * db{l}`` (inputs not modified)."""
    _, params = _checks.weights(params, "params")
    lr = _checks.rate(learning_rate)
    return _compiled.update(params, grads_for(params, grads), lr)


def _value_and_grad(params, X, Y, config=None):
    """Engine gradient: the course's forward, cost and backward; grads keyed like ``params``."""
    AL, caches = _L_model_forward(params, X)
    grads = _L_model_backward(AL, Y, caches)
    return losses.probability_cross_entropy(AL, Y), {k: grads[f"d{k}"] for k in params}


def _model(X, Y, layers_dims, learning_rate, num_iterations, print_cost, parameters):
    """The shared loop of the two models: ``(parameters, costs)`` (costs at 0, 100, ...)."""
    dims, params = _checks.weights(parameters)
    if dims != tuple(layers_dims):
        raise ShapeError(f"parameters have layer sizes {list(dims)}, but layers_dims is {list(layers_dims)}")
    X, Y = _checks.data(X, Y, dims, params["W1"].dtype)
    n = _checks.count(num_iterations, "num_iterations")
    run = dict(grad_fn=_value_and_grad, config=None, learning_rate=_checks.rate(learning_rate))
    as_np = np.dtype(X.dtype).type  # print like np.squeeze(cost): float32 costs with float32 digits
    show = (lambda i, c: print("Cost after iteration {}: {}".format(i, as_np(c)))) if print_cost else None
    if show is None or n == 0:
        params, costs = train.run(params, X, Y, num_iterations=n, log_every=100, **run)
        costs = list(costs)
    else:  # the course also prints the last iteration's cost
        params, costs = train.run(params, X, Y, num_iterations=n - 1, log_every=100, progress=show, **run)
        params, last = train.run(params, X, Y, num_iterations=1, log_every=1, start_iteration=n - 1, **run)
        show(n - 1, float(last[0]))
        costs = list(costs) + ([last[0]] if (n - 1) % 100 == 0 else [])
    return {f"{c}{l}": params[f"{c}{l}"] for l in range(1, len(dims)) for c in "Wb"}, costs


def two_layer_model(X, Y, layers_dims, learning_rate=0.0075, num_iterations=3000, print_cost=False, *,
                    key=None, parameters=None):
    """LINEAR->RELU->LINEAR->SIGMOID, ``layers_dims = (n_x, n_h, n_y)``: ``(parameters, costs)``.

    Starts from ``parameters`` if given (not modified), else from
    ``initialize_parameters(n_x, n_h, n_y, key=key)`` (x0.01).
    """
    dims = validate.layer_dims(layers_dims)
    if len(dims) != 3:
        raise InvalidValueError(f"layers_dims must be (n_x, n_h, n_y) for two_layer_model; got {list(dims)}")
    if parameters is None:
        parameters = initialize_parameters(*dims, key=key)
    return _model(X, Y, dims, learning_rate, num_iterations, print_cost, parameters)


def L_layer_model(X, Y, layers_dims, learning_rate=0.0075, num_iterations=3000, print_cost=False, *,
                  key=None, parameters=None):
    """[LINEAR->RELU]*(L-1)->LINEAR->SIGMOID: ``(parameters, costs)``.

    Starts from ``parameters`` if given (not modified), else from the course's deep init
    ``normal(n[l], n[l-1]) / sqrt(n[l-1])`` drawn from ``key``.
    """
    dims = validate.layer_dims(layers_dims)
    if parameters is None:
        parameters = init.init_params(_checks.key(key), dims, scale="sqrt_n", dtype=_checks.default_float())
    return _model(X, Y, dims, learning_rate, num_iterations, print_cost, parameters)


def predict(X, y, parameters):
    """``(1, m)`` float 0./1. (``AL > 0.5``); prints ``"Accuracy: ..."`` against the labels ``y``."""
    dims, params = _checks.weights(parameters)
    if dims[-1] != 1:
        raise ShapeError(f"predict needs a single sigmoid output unit; the parameters end with n_L = {dims[-1]}")
    X, y = _checks.data(X, y, dims, params["W1"].dtype, y_name="y")
    AL, _ = _L_model_forward_jit(params, X)
    p = (AL > 0.5).astype(X.dtype)
    print("Accuracy: " + str(np.sum((np.asarray(p) == np.asarray(y)) / X.shape[1])))
    return p
