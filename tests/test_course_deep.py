"""dnnjax.course.deep against an independent NumPy transcription of the week-4 notebooks.

Tolerances (elementwise, with atol = rtol * max|expected| for entries a sum made small):
- float64, rtol 1e-12: the same formulas in the same order; only the summation order inside
  dot/sum may differ (a few m * 2.2e-16 relative to the summands, m <= 64), and the sigmoid
  derivative is s*(1-s) taken as one factor (one rounding more or less).
- float32, rtol 1e-5: inputs rounded to float32 first, reference in float64 from those values;
  float32 roundoff (6e-8) through a few layers of short sums, exp, log and divisions stays below 1e-5.
- training, float64, rtol 1e-10: each iteration agrees to ~1e-15 and a few hundred gradient
  descent steps at these rates do not amplify it anywhere near 1e-10.
"""
from __future__ import annotations

import logging

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from dnnjax import data, init_params
from dnnjax.course import deep
from dnnjax.errors import InvalidTypeError, InvalidValueError, ShapeError

from helpers import RTOL64, RTOL_TRAIN, close


# ----------------------------------------------------------------------------- the course, in NumPy
def np_sigmoid(Z):
    return 1 / (1 + np.exp(-Z)), Z


def np_relu(Z):
    return np.maximum(0, Z), Z


def np_relu_backward(dA, Z):
    dZ = np.array(dA, copy=True)
    dZ[Z <= 0] = 0
    return dZ


def np_sigmoid_backward(dA, Z):
    s = 1 / (1 + np.exp(-Z))
    return dA * s * (1 - s)


def np_linear_forward(A, W, b):
    return W.dot(A) + b, (A, W, b)


def np_linear_activation_forward(A_prev, W, b, activation):
    Z, linear_cache = np_linear_forward(A_prev, W, b)
    A, activation_cache = (np_sigmoid if activation == "sigmoid" else np_relu)(Z)
    return A, (linear_cache, activation_cache)


def np_L_model_forward(X, parameters):
    caches, A, L = [], X, len(parameters) // 2
    for l in range(1, L):
        A, cache = np_linear_activation_forward(A, parameters["W" + str(l)], parameters["b" + str(l)], "relu")
        caches.append(cache)
    AL, cache = np_linear_activation_forward(A, parameters["W" + str(L)], parameters["b" + str(L)], "sigmoid")
    caches.append(cache)
    return AL, caches


def np_compute_cost(AL, Y):
    m = Y.shape[1]
    cost = (-1 / m) * np.sum(np.multiply(Y, np.log(AL)) + np.multiply(1 - Y, np.log(1 - AL)))
    return np.squeeze(cost)


def np_linear_backward(dZ, cache):
    A_prev, W, b = cache
    m = A_prev.shape[1]
    dW = 1. / m * np.dot(dZ, A_prev.T)
    db = 1. / m * np.sum(dZ, axis=1, keepdims=True)
    return np.dot(W.T, dZ), dW, db


def np_linear_activation_backward(dA, cache, activation):
    linear_cache, Z = cache
    dZ = np_relu_backward(dA, Z) if activation == "relu" else np_sigmoid_backward(dA, Z)
    return np_linear_backward(dZ, linear_cache)


def np_L_model_backward(AL, Y, caches):
    grads, L = {}, len(caches)
    Y = Y.reshape(AL.shape)
    dAL = - (np.divide(Y, AL) - np.divide(1 - Y, 1 - AL))
    grads["dA" + str(L - 1)], grads["dW" + str(L)], grads["db" + str(L)] = \
        np_linear_activation_backward(dAL, caches[L - 1], "sigmoid")
    for l in reversed(range(L - 1)):
        grads["dA" + str(l)], grads["dW" + str(l + 1)], grads["db" + str(l + 1)] = \
            np_linear_activation_backward(grads["dA" + str(l + 1)], caches[l], "relu")
    return grads


def np_update_parameters(params, grads, learning_rate):
    parameters = dict(params)
    for l in range(len(parameters) // 2):
        for c in "Wb":
            parameters[c + str(l + 1)] = parameters[c + str(l + 1)] - learning_rate * grads["d" + c + str(l + 1)]
    return parameters


def np_two_layer_model(X, Y, parameters, learning_rate, num_iterations):
    """The course's explicit two-layer loop (its own forward/backward calls, not L_model_*)."""
    costs = []
    W1, b1, W2, b2 = (parameters[k] for k in ("W1", "b1", "W2", "b2"))
    for i in range(num_iterations):
        A1, cache1 = np_linear_activation_forward(X, W1, b1, "relu")
        A2, cache2 = np_linear_activation_forward(A1, W2, b2, "sigmoid")
        cost = np_compute_cost(A2, Y)
        dA2 = - (np.divide(Y, A2) - np.divide(1 - Y, 1 - A2))
        dA1, dW2, db2 = np_linear_activation_backward(dA2, cache2, "sigmoid")
        dA0, dW1, db1 = np_linear_activation_backward(dA1, cache1, "relu")
        grads = {"dW1": dW1, "db1": db1, "dW2": dW2, "db2": db2}
        parameters = np_update_parameters(parameters, grads, learning_rate)
        W1, b1, W2, b2 = (parameters[k] for k in ("W1", "b1", "W2", "b2"))
        if i % 100 == 0:
            costs.append(cost)
    return parameters, costs


def np_L_layer_model(X, Y, parameters, learning_rate, num_iterations):
    costs = []
    for i in range(num_iterations):
        AL, caches = np_L_model_forward(X, parameters)
        cost = np_compute_cost(AL, Y)
        grads = np_L_model_backward(AL, Y, caches)
        parameters = np_update_parameters(parameters, grads, learning_rate)
        if i % 100 == 0:
            costs.append(cost)
    return parameters, costs


# ----------------------------------------------------------------------------- helpers
def f64(a):
    return np.asarray(a, np.float64)


def net(seed, dims, m=12, dtype=np.float64, scale=1.0):
    """Random parameters (biases non-zero), X and labels including 2.5, -1, 0.7."""
    rng = np.random.default_rng(seed)
    p = {}
    for l in range(1, len(dims)):
        p[f"W{l}"] = (rng.normal(size=(dims[l], dims[l - 1])) * scale).astype(dtype)
        p[f"b{l}"] = (rng.normal(size=(dims[l], 1)) * scale).astype(dtype)
    X = rng.normal(size=(dims[0], m)).astype(dtype)
    Y = rng.choice([0.0, 1.0, 2.5, -1.0, 0.7], size=(dims[-1], m)).astype(dtype)
    return p, X, Y


def random_cache(rng, n_prev, n, m, dtype):
    A_prev, W, b, Z = (rng.normal(size=s).astype(dtype) for s in ((n_prev, m), (n, n_prev), (n, 1), (n, m)))
    Z[0, :3] = 0.0  # exact zeros: relu'(0) = 0
    return (A_prev, W, b), Z


# ----------------------------------------------------------------------------- initialisation
def test_initializers_are_init_params(key):
    p = deep.initialize_parameters(3, 2, 1, key=key)
    for k, v in init_params(key, [3, 2, 1], scale=0.01).items():
        np.testing.assert_array_equal(p[k], v)
    q = deep.initialize_parameters_deep([5, 4, 3], key=key)
    assert list(q) == ["W1", "b1", "W2", "b2"] and q["W2"].shape == (3, 4) and q["b1"].dtype == jnp.float32
    for k, v in init_params(key, [5, 4, 3], scale=0.01).items():
        np.testing.assert_array_equal(q[k], v)
    with jax.enable_x64(True):
        assert deep.initialize_parameters_deep([5, 4, 3], key=key)["W1"].dtype == jnp.float64
    with pytest.raises(InvalidTypeError, match="key"):
        deep.initialize_parameters_deep([5, 4], key=None)


# ----------------------------------------------------------------------------- forward and cost
@pytest.mark.parametrize("activation", ["sigmoid", "relu"])
def test_linear_activation_forward(prec, activation):
    dtype, rtol = prec
    rng = np.random.default_rng(0)
    (A_prev, W, b), _ = random_cache(rng, 4, 3, 10, dtype)
    A_prev[:, 0] = 0.0
    b[0] = 0.0  # Z[0, 0] is exactly 0
    A, ((cA, cW, cb), Z) = deep.linear_activation_forward(A_prev, W, b, activation)
    ref_A, ((_, _, _), ref_Z) = np_linear_activation_forward(f64(A_prev), f64(W), f64(b), activation)
    assert A.dtype == dtype and A.shape == (3, 10)
    close(A, ref_A, rtol)
    close(Z, ref_Z, rtol)
    for got, given in ((cA, A_prev), (cW, W), (cb, b)):
        np.testing.assert_array_equal(got, given)
    Z2, (lA, lW, lb) = deep.linear_forward(A_prev, W, b)
    np.testing.assert_array_equal(Z2, Z)
    np.testing.assert_array_equal(lW, W)


@pytest.mark.parametrize("dims", [[4, 1], [5, 4, 3, 2, 1]])
def test_L_model_forward(prec, dims):
    dtype, rtol = prec
    p, X, _ = net(1, dims, dtype=dtype)
    AL, caches = deep.L_model_forward(X, p)
    ref_AL, ref_caches = np_L_model_forward(f64(X), {k: f64(v) for k, v in p.items()})
    assert len(caches) == len(dims) - 1 and AL.shape == (dims[-1], 12)
    close(AL, ref_AL, rtol)
    for (lin, Z), (ref_lin, ref_Z) in zip(caches, ref_caches):
        close(Z, ref_Z, rtol)
        for got, want in zip(lin, ref_lin):
            close(got, want, rtol)


def test_compute_cost_any_probabilities_and_labels(prec):
    dtype, rtol = prec
    AL = np.array([[0.3, 0.9, 0.05, 0.5, 0.8]], dtype)
    Y = np.array([[0.7, 2.5, -1.0, 1.0, 0.0]], dtype)
    cost = deep.compute_cost(AL, Y)
    assert cost.shape == () and cost.dtype == dtype
    close(cost, np_compute_cost(f64(AL), f64(Y)), rtol)


# ----------------------------------------------------------------------------- backward
def test_linear_backward(prec):
    dtype, rtol = prec
    rng = np.random.default_rng(2)
    (A_prev, W, b), dZ = random_cache(rng, 5, 3, 9, dtype)
    got = deep.linear_backward(dZ, (A_prev, W, b))
    for g, r in zip(got, np_linear_backward(f64(dZ), (f64(A_prev), f64(W), f64(b)))):
        assert g.dtype == dtype
        close(g, r, rtol)


@pytest.mark.parametrize("activation", ["sigmoid", "relu"])
def test_linear_activation_backward(prec, activation):
    dtype, rtol = prec
    rng = np.random.default_rng(3)
    cache = random_cache(rng, 5, 3, 9, dtype)
    dA = rng.normal(size=(3, 9)).astype(dtype)
    got = deep.linear_activation_backward(dA, cache, activation)
    ref_cache = (tuple(f64(a) for a in cache[0]), f64(cache[1]))
    for g, r in zip(got, np_linear_activation_backward(f64(dA), ref_cache, activation)):
        close(g, r, rtol)


@pytest.mark.parametrize("L", [1, 3])
def test_L_model_backward_takes_the_course_route(prec, L):
    """AL unrelated to the cached Z_L and labels 2.5 / -1 / 0.7, like the course's own tests."""
    dtype, rtol = prec
    rng = np.random.default_rng(10 + L)
    dims = [4, 3, 2, 1][-(L + 1):]
    caches = [random_cache(rng, dims[l], dims[l + 1], 8, dtype) for l in range(L)]
    AL = rng.uniform(0.05, 0.95, (1, 8)).astype(dtype)
    Y = np.array([[0.0, 1.0, 2.5, -1.0, 0.7, 1.0, 0.0, 0.3]], dtype)
    grads = deep.L_model_backward(AL, Y, caches)
    ref_caches = [(tuple(f64(a) for a in lin), f64(Z)) for lin, Z in caches]
    ref = np_L_model_backward(f64(AL), f64(Y), ref_caches)
    assert set(grads) == set(ref) == {f"dA{l}" for l in range(L)} | {f"{d}{l}" for l in range(1, L + 1) for d in ("dW", "db")}
    for k in ref:
        close(grads[k], ref[k], rtol)
    # the course's labels may also come as (m,): it reshapes Y to AL's shape
    close(deep.L_model_backward(AL, Y.ravel(), caches)[f"dW{L}"], ref[f"dW{L}"], rtol)
    # not the shortcut dZ_L = AL - Y (which needs AL = sigmoid(Z_L)): that gives other numbers
    (A_prev, _, _), _ = ref_caches[-1]
    shortcut = np.dot(f64(AL) - f64(Y), A_prev.T) / 8
    assert not np.allclose(np.asarray(grads[f"dW{L}"], np.float64), shortcut, rtol=1e-2)


def test_update_parameters_returns_a_new_dict(x64):
    p, X, Y = net(4, [3, 2, 1])
    before = {k: v.copy() for k, v in p.items()}
    AL, caches = np_L_model_forward(X, p)
    grads = np_L_model_backward(AL, Y, caches)
    new = deep.update_parameters(p, grads, 0.1)
    ref = np_update_parameters(p, grads, 0.1)
    for k in ref:
        close(new[k], ref[k], RTOL64)
        np.testing.assert_array_equal(p[k], before[k])


@pytest.mark.parametrize("label_dtype", [bool, np.uint8, np.int32])
def test_labels_of_any_dtype(label_dtype):
    p, X, _ = net(5, [3, 2, 1], dtype=np.float32)
    Y = (np.arange(12) % 3 == 0).reshape(1, 12)
    AL, caches = deep.L_model_forward(X, p)
    ref = deep.L_model_backward(AL, Y.astype(np.float32), caches)
    got = deep.L_model_backward(AL, Y.astype(label_dtype), caches)
    for k in ref:
        np.testing.assert_array_equal(got[k], ref[k])
    np.testing.assert_array_equal(deep.compute_cost(AL, Y.astype(label_dtype)), deep.compute_cost(AL, Y.astype(np.float32)))


# ----------------------------------------------------------------------------- training
def labelled(seed, dims, m=30):
    p, X, _ = net(seed, dims, m=m, scale=0.5)
    Y = (np.random.default_rng(seed + 100).random((1, m)) > 0.5).astype(np.float64)
    return p, X, Y


def test_two_layer_model_matches_course_loop(x64):
    p, X, Y = labelled(6, [4, 3, 1])
    before = {k: v.copy() for k, v in p.items()}
    got, costs = deep.two_layer_model(X, Y, (4, 3, 1), learning_rate=0.05, num_iterations=250, parameters=p)
    ref, ref_costs = np_two_layer_model(X, Y, p, 0.05, 250)
    assert list(got) == ["W1", "b1", "W2", "b2"] and len(costs) == 3
    close(np.array(costs), np.array(ref_costs), RTOL_TRAIN)
    for k in ref:
        close(got[k], ref[k], RTOL_TRAIN)
        np.testing.assert_array_equal(p[k], before[k])  # the caller's parameters are untouched


def test_L_layer_model_matches_course_loop_and_prints(x64, capsys):
    p, X, Y = labelled(7, [4, 5, 3, 1])
    got, costs = deep.L_layer_model(X, Y, [4, 5, 3, 1], 0.05, 201, print_cost=True, parameters=p)
    ref, ref_costs = np_L_layer_model(X, Y, p, 0.05, 201)
    assert len(costs) == 3 and all(c.shape == () for c in costs)
    close(np.array(costs), np.array(ref_costs), RTOL_TRAIN)
    for k in ref:
        close(got[k], ref[k], RTOL_TRAIN)
    lines = capsys.readouterr().out.splitlines()  # 0, 100 and the last iteration, 200, once
    assert [line.rsplit(" ", 1)[0] for line in lines] == [f"Cost after iteration {i}:" for i in (0, 100, 200)]
    close(np.array([float(line.rsplit(" ", 1)[1]) for line in lines]), np.array(ref_costs), RTOL_TRAIN)


def test_models_from_key_use_the_course_inits(key):
    p, X, Y = labelled(8, [4, 3, 1])
    got, costs = deep.L_layer_model(X, Y, [4, 3, 1], num_iterations=150, key=key)
    want, want_costs = deep.L_layer_model(X, Y, [4, 3, 1], num_iterations=150,
                                          parameters=init_params(key, [4, 3, 1], scale="sqrt_n"))
    got2, _ = deep.two_layer_model(X, Y, (4, 3, 1), num_iterations=150, key=key)
    want2, _ = deep.two_layer_model(X, Y, (4, 3, 1), num_iterations=150,
                                    parameters=init_params(key, [4, 3, 1], scale=0.01))
    assert got["W1"].dtype == jnp.float32 and len(costs) == 2
    for k in want:
        np.testing.assert_array_equal(got[k], want[k])
        np.testing.assert_array_equal(got2[k], want2[k])



def test_models_compile_once(key, caplog):
    """A second call with other values but the same shapes compiles nothing (jax.log_compiles)."""
    p, X, Y = labelled(8, [4, 3, 1])
    deep.L_layer_model(X, Y, [4, 3, 1], num_iterations=150, key=key)
    with jax.log_compiles(True), caplog.at_level(logging.WARNING):
        deep.L_layer_model(X + 1, Y, [4, 3, 1], learning_rate=0.01, num_iterations=150, key=jax.random.key(1))
    assert not [r for r in caplog.records if "Compiling" in r.getMessage()]


def test_predict_prints_the_course_accuracy(x64, capsys):
    p, X, _ = net(9, [4, 3, 1], m=25)
    y = (np.arange(25) % 2).reshape(1, 25).astype(np.float64)
    pred = deep.predict(X, y, p)
    AL, _ = np_L_model_forward(X, p)
    ref = (AL > 0.5).astype(np.float64)
    assert pred.dtype == jnp.float64 and pred.shape == (1, 25)
    np.testing.assert_array_equal(pred, ref)
    assert capsys.readouterr().out == "Accuracy: " + str(np.sum((ref == y) / 25)) + "\n"


def test_cat_data_initial_costs(x64, cat_dir):
    """The course's published iteration-0 costs from its np.random.seed(1) initial parameters."""
    train_x, train_y, _, _, _ = data.load_catvnoncat(cat_dir)
    rs = np.random.RandomState(1)
    two = {"W1": rs.randn(7, 12288) * 0.01, "b1": np.zeros((7, 1)), "W2": rs.randn(1, 7) * 0.01, "b2": np.zeros((1, 1))}
    dims, rs, four = [12288, 20, 7, 5, 1], np.random.RandomState(1), {}
    for l in range(1, 5):
        four[f"W{l}"] = rs.randn(dims[l], dims[l - 1]) / np.sqrt(dims[l - 1])
        four[f"b{l}"] = np.zeros((dims[l], 1))
    for params, published in ((two, 0.693049735659989), (four, 0.7717493284237686)):
        AL, _ = deep.L_model_forward(train_x, params)
        close(deep.compute_cost(AL, train_y), published, RTOL64)


# ----------------------------------------------------------------------------- bad input
def test_errors_name_the_argument():
    p, X, Y = net(11, [3, 2, 1])
    rng = np.random.default_rng(0)
    (A_prev, W, b), Z = random_cache(rng, 3, 2, 5, np.float32)
    with pytest.raises(ShapeError, match=r"A must have n\[l-1\] = 3 rows"):
        deep.linear_forward(A_prev[:2], W, b)
    with pytest.raises(ShapeError, match=r"b must have shape \(2, 1\)"):
        deep.linear_forward(A_prev, W, b.ravel()[:, None][:1])
    with pytest.raises(InvalidValueError, match="activation"):
        deep.linear_activation_forward(A_prev, W, b, "tanh")
    with pytest.raises(ShapeError, match=r"dA must have shape \(2, 5\)"):
        deep.linear_activation_backward(np.zeros((2, 4)), ((A_prev, W, b), Z), "relu")
    with pytest.raises(InvalidTypeError, match="layer cache"):
        deep.linear_activation_backward(np.zeros((2, 5)), (A_prev, W, b), "relu")
    with pytest.raises(ShapeError, match=r"caches\[0\]\[1\] \(Z\)"):
        deep.L_model_backward(np.full((1, 5), 0.5), np.ones((1, 5)),
                              [((A_prev, W, b), Z), random_cache(rng, 4, 1, 5, np.float32)])
    with pytest.raises(ShapeError, match="layers_dims"):
        deep.L_layer_model(X, Y, [3, 4, 1], parameters=p)
    with pytest.raises(ShapeError, match=r"Y must have shape \(1, 12\)"):
        deep.L_layer_model(X, Y[:, :4], [3, 2, 1], parameters=p)
    with pytest.raises(InvalidTypeError, match="key"):
        deep.two_layer_model(X, Y, (3, 2, 1))
    with pytest.raises(InvalidValueError, match="grads is missing"):
        deep.update_parameters(p, {"dW1": np.zeros((2, 3))}, 0.1)
