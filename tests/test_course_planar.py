"""dnnjax.course.planar against an independent NumPy transcription of the week-3 notebook.

Tolerances (elementwise, with atol = rtol * max|expected| for entries a sum made small):
- float64, rtol 1e-12: the same formulas in the same order; only the summation order inside
  dot/sum may differ (a few m * 2.2e-16 relative to the summands, m <= 64).
- float32, rtol 1e-5: inputs rounded to float32 first, reference in float64 from those values;
  float32 roundoff (6e-8) through two layers of short sums, tanh, exp and log stays below 1e-5.
- training, float64, rtol 1e-10: every iteration agrees to ~1e-15 and gradient descent at
  lr 1.2 on this problem does not amplify that over a few hundred iterations.
"""
from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from dnnjax import data, init_params
from dnnjax.course import planar
from dnnjax.errors import InvalidTypeError, InvalidValueError, ShapeError

from helpers import RTOL64, RTOL_TRAIN, close


# ----------------------------------------------------------------------------- the course, in NumPy
def np_sigmoid(x):
    return 1 / (1 + np.exp(-x))


def np_forward_propagation(X, parameters):
    W1, b1, W2, b2 = (parameters[k] for k in ("W1", "b1", "W2", "b2"))
    Z1 = np.dot(W1, X) + b1
    A1 = np.tanh(Z1)
    Z2 = np.dot(W2, A1) + b2
    A2 = np_sigmoid(Z2)
    return A2, {"Z1": Z1, "A1": A1, "Z2": Z2, "A2": A2}


def np_compute_cost(A2, Y):
    m = Y.shape[1]
    logprobs = np.multiply(np.log(A2), Y) + np.multiply(np.log(1 - A2), 1 - Y)
    return np.squeeze(-np.sum(logprobs) / m)


def np_backward_propagation(parameters, cache, X, Y):
    m = X.shape[1]
    W2 = parameters["W2"]
    A1, A2 = cache["A1"], cache["A2"]
    dZ2 = A2 - Y
    dW2 = (1 / m) * np.dot(dZ2, A1.T)
    db2 = (1 / m) * np.sum(dZ2, axis=1, keepdims=True)
    dZ1 = np.dot(W2.T, dZ2) * (1 - np.power(A1, 2))
    dW1 = (1 / m) * np.dot(dZ1, X.T)
    db1 = (1 / m) * np.sum(dZ1, axis=1, keepdims=True)
    return {"dW1": dW1, "db1": db1, "dW2": dW2, "db2": db2}


def np_update_parameters(parameters, grads, learning_rate=1.2):
    return {k: parameters[k] - learning_rate * grads["d" + k] for k in ("W1", "b1", "W2", "b2")}


def np_nn_loop(parameters, X, Y, num_iterations, learning_rate=1.2):
    costs = []
    for i in range(num_iterations):
        A2, cache = np_forward_propagation(X, parameters)
        cost = np_compute_cost(A2, Y)
        grads = np_backward_propagation(parameters, cache, X, Y)
        parameters = np_update_parameters(parameters, grads, learning_rate)
        if i % 1000 == 0:
            costs.append(cost)
    return parameters, costs


# ----------------------------------------------------------------------------- helpers
def problem(seed, n_x=3, n_h=4, n_y=1, m=16, dtype=np.float64, labels="invalid"):
    rng = np.random.default_rng(seed)
    p = {"W1": rng.normal(size=(n_h, n_x)), "b1": rng.normal(size=(n_h, 1)),
         "W2": rng.normal(size=(n_y, n_h)), "b2": rng.normal(size=(n_y, 1))}
    X = rng.normal(size=(n_x, m))
    Y = rng.choice([0.0, 1.0, 2.5, -1.0, 0.7] if labels == "invalid" else [0.0, 1.0], size=(n_y, m))
    return {k: v.astype(dtype) for k, v in p.items()}, X.astype(dtype), Y.astype(dtype)


def f64(tree):
    return {k: np.asarray(v, np.float64) for k, v in tree.items()}


# ----------------------------------------------------------------------------- step functions
def test_layer_sizes():
    assert planar.layer_sizes(np.zeros((5, 3)), np.zeros((2, 3))) == (5, 4, 2)
    with pytest.raises(ShapeError, match="same number m of columns"):
        planar.layer_sizes(np.zeros((5, 3)), np.zeros((1, 4)))
    with pytest.raises(ShapeError, match="Y must be 2-D"):
        planar.layer_sizes(np.zeros((5, 3)), np.zeros(3))


def test_initialize_parameters(key):
    p = planar.initialize_parameters(2, 4, 1, key=key)
    ref = init_params(key, [2, 4, 1], scale=0.01)
    assert list(p) == ["W1", "b1", "W2", "b2"] and p["W1"].dtype == jnp.float32
    for k in ref:
        np.testing.assert_array_equal(p[k], ref[k])
    assert not np.any(np.asarray(p["b1"])) and p["W2"].shape == (1, 4)
    with jax.enable_x64(True):
        assert planar.initialize_parameters(2, 4, 1, key=key)["W1"].dtype == jnp.float64
    with pytest.raises(InvalidTypeError, match="key"):
        planar.initialize_parameters(2, 4, 1, key=None)
    with pytest.raises(TypeError):
        planar.initialize_parameters(2, 4, 1)  # the key is required: no hidden global seed


@pytest.mark.parametrize("seed", [0, 1])
def test_forward_cost_backward_match_course(prec, seed):
    dtype, rtol = prec
    p, X, Y = problem(seed, dtype=dtype)
    A2, cache = planar.forward_propagation(X, p)
    ref_A2, ref_cache = np_forward_propagation(X.astype(np.float64), f64(p))
    assert A2.dtype == dtype and set(cache) == {"Z1", "A1", "Z2", "A2"}
    close(A2, ref_A2, rtol)
    for k in ref_cache:
        close(cache[k], ref_cache[k], rtol)
    cost = planar.compute_cost(A2, Y)
    assert cost.shape == () and cost.dtype == dtype
    close(cost, np_compute_cost(np.asarray(A2, np.float64), Y.astype(np.float64)), rtol)
    grads = planar.backward_propagation(p, cache, X, Y)
    ref = np_backward_propagation(f64(p), f64(cache), X.astype(np.float64), Y.astype(np.float64))
    assert set(grads) == {"dW1", "db1", "dW2", "db2"}
    for k in ref:
        assert grads[k].shape == p[k[1:]].shape
        close(grads[k], ref[k], rtol)


def test_cost_of_invalid_probabilities_and_labels(x64):
    A2 = np.array([[0.3, 0.9, 0.05, 0.5]])
    Y = np.array([[0.7, 2.5, -1.0, 1.0]])
    close(planar.compute_cost(A2, Y), np_compute_cost(A2, Y), RTOL64)


def test_backward_uses_the_cached_A1(x64):
    """tanh' comes from cache["A1"] (1 - A1**2), whatever Z1 is: a cache with A1 != tanh(Z1)."""
    p, X, Y = problem(2)
    rng = np.random.default_rng(3)
    cache = {"Z1": np.zeros((4, 16)), "A1": rng.uniform(-1, 1, (4, 16)), "Z2": np.zeros((1, 16)),
             "A2": rng.uniform(0.1, 0.9, (1, 16))}
    grads = planar.backward_propagation(p, cache, X, Y)
    ref = np_backward_propagation(p, cache, X, Y)
    for k in ref:
        close(grads[k], ref[k], RTOL64)


def test_update_parameters(x64):
    p, X, Y = problem(4)
    before = {k: v.copy() for k, v in p.items()}
    grads = np_backward_propagation(p, np_forward_propagation(X, p)[1], X, Y)
    new = planar.update_parameters(p, grads)  # default learning_rate=1.2
    ref = np_update_parameters(p, grads)
    assert list(new) == ["W1", "b1", "W2", "b2"]
    for k in ref:
        close(new[k], ref[k], RTOL64)
        np.testing.assert_array_equal(p[k], before[k])
    close(planar.update_parameters(p, grads, 0.1)["W1"], np_update_parameters(p, grads, 0.1)["W1"], RTOL64)


@pytest.mark.parametrize("label_dtype", [bool, np.uint8, np.int64])
def test_labels_of_any_dtype(label_dtype):
    p, X, Y = problem(5, dtype=np.float32, labels="valid")
    _, cache = planar.forward_propagation(X, p)
    ref = planar.backward_propagation(p, cache, X, Y)
    got = planar.backward_propagation(p, cache, X, Y.astype(label_dtype))
    for k in ref:
        np.testing.assert_array_equal(got[k], ref[k])
    np.testing.assert_array_equal(planar.compute_cost(cache["A2"], Y.astype(label_dtype)),
                                  planar.compute_cost(cache["A2"], Y))


def test_predict_is_boolean(prec):
    dtype, _ = prec
    p, X, _ = problem(6, dtype=dtype)
    pred = planar.predict(p, X)
    assert pred.dtype == jnp.bool_ and pred.shape == (1, 16)
    np.testing.assert_array_equal(pred, np_forward_propagation(X.astype(np.float64), f64(p))[0] > 0.5)


# ----------------------------------------------------------------------------- training
def test_training_loop_matches_course(x64):
    p, X, Y = problem(7, labels="valid", m=30)
    p = {k: v * 0.1 for k, v in p.items()}
    got = planar._train(p, X, Y, num_iterations=300, learning_rate=1.2)
    ref, _ = np_nn_loop(p, X, Y, 300)
    for k in ref:
        close(got[k], ref[k], RTOL_TRAIN)


def test_flower_reproduces_the_course(x64, capsys):
    """The course's run: flower data, np.random.seed(2) x0.01 init, lr 1.2, 10000 iterations."""
    X, Y = data.planar_flower()
    rs = np.random.RandomState(2)
    p = {"W1": rs.randn(4, 2) * 0.01, "b1": np.zeros((4, 1)), "W2": rs.randn(1, 4) * 0.01, "b2": np.zeros((1, 1))}
    got = planar._train(p, X, Y, 10000, print_cost=True)
    lines = capsys.readouterr().out.splitlines()
    published = ["0.693048", "0.288083", "0.254385", "0.233864", "0.226792", "0.222644", "0.219731"]
    assert lines[:7] == [f"Cost after iteration {1000 * i}: {c}" for i, c in enumerate(published)]
    assert len(lines) == 10
    pred = np.asarray(planar.predict(got, X), np.float64)
    accuracy = float((np.dot(Y, pred.T) + np.dot(1 - Y, 1 - pred.T))[0, 0] / Y.size * 100)
    assert accuracy == 90.75


def test_nn_model_from_key(x64, key, capsys):
    """nn_model = initialize_parameters(key) + the loop; prints every 1000 iterations.
    (Same data, sizes and dtype as the run above, so the compiled 1000-iteration chunk is reused.)"""
    X, Y = data.planar_flower()
    got = planar.nn_model(X, Y, 4, num_iterations=2000, print_cost=True, key=key)
    lines = capsys.readouterr().out.splitlines()
    assert list(got) == ["W1", "b1", "W2", "b2"] and got["W1"].shape == (4, 2) and got["W1"].dtype == jnp.float64
    ref = planar._train(planar.initialize_parameters(2, 4, 1, key=key), X, Y, 2000, 1.2, print_cost=True)
    assert capsys.readouterr().out.splitlines() == lines
    assert [line.split(":")[0] for line in lines] == ["Cost after iteration 0", "Cost after iteration 1000"]
    for k in ref:
        np.testing.assert_array_equal(got[k], ref[k])


# ----------------------------------------------------------------------------- bad input
def test_errors_name_the_argument():
    p, X, Y = problem(8)
    with pytest.raises(ShapeError, match="X must have n_x = 3 rows"):
        planar.forward_propagation(X[:2], p)
    with pytest.raises(InvalidValueError, match="2-layer"):
        planar.forward_propagation(X, {**p, "W3": np.ones((1, 1)), "b3": np.ones((1, 1))})
    with pytest.raises(ShapeError, match=r"parameters\['b1'\]"):
        planar.forward_propagation(X, {**p, "b1": np.ones((4,))})
    with pytest.raises(ShapeError, match=r"Y must have shape \(1, 16\)"):
        planar.compute_cost(np.full((1, 16), 0.5), Y[:, :3])
    with pytest.raises(InvalidTypeError, match="cache"):
        planar.backward_propagation(p, {"A1": np.zeros((4, 16))}, X, Y)
    with pytest.raises(InvalidValueError, match="grads is missing"):
        planar.update_parameters(p, {"dW1": np.zeros((4, 3))})
