"""dnnjax.course.logistic against an independent NumPy transcription of the week-2 notebook.

Tolerances (elementwise, with atol = rtol * max|expected| for entries a sum made small):
- float64, rtol 1e-12: the same formulas in the same order; only the summation order inside
  dot/sum may differ, an error of a few m * 2.2e-16 (m <= 64) relative to the summands.
- float32, rtol 1e-5: the inputs are rounded to float32 first and the reference is computed in
  float64 from those values, so only float32 arithmetic differs: unit roundoff 6e-8 times the
  few-dozen-term sums and exp/log amplification stays below 1e-5.
- training, float64, rtol 1e-10: each iteration matches to ~1e-15 and gradient descent at these
  learning rates does not amplify differences, so a few hundred iterations stay far below 1e-10.
"""
from __future__ import annotations

import logging

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from dnnjax import data
from dnnjax.course import logistic as lr
from dnnjax.errors import InvalidTypeError, InvalidValueError, ShapeError

from helpers import RTOL64, RTOL_TRAIN, close


# ----------------------------------------------------------------------------- the course, in NumPy
def np_sigmoid(z):
    return 1 / (1 + np.exp(-z))


def np_propagate(w, b, X, Y):
    m = X.shape[1]
    A = np_sigmoid(np.dot(w.T, X) + b)
    cost = -1 / m * np.sum(Y * np.log(A) + (1 - Y) * np.log(1 - A))
    dw = 1 / m * np.dot(X, (A - Y).T)
    db = 1 / m * np.sum(A - Y)
    return {"dw": dw, "db": db}, np.squeeze(np.array(cost))


def np_optimize(w, b, X, Y, num_iterations, learning_rate):
    costs = []
    for i in range(num_iterations):
        grads, cost = np_propagate(w, b, X, Y)
        dw, db = grads["dw"], grads["db"]
        w = w - learning_rate * dw
        b = b - learning_rate * db
        if i % 100 == 0:
            costs.append(cost)
    return {"w": w, "b": b}, {"dw": dw, "db": db}, costs


def np_predict(w, b, X):
    m = X.shape[1]
    Y_prediction = np.zeros((1, m))
    A = np_sigmoid(np.dot(w.reshape(X.shape[0], 1).T, X) + b)
    for i in range(A.shape[1]):
        Y_prediction[0, i] = 1 if A[0, i] > 0.5 else 0
    return Y_prediction


# ----------------------------------------------------------------------------- helpers
def problem(seed, n_x=5, m=12, labels="invalid", dtype=np.float64):
    """Random w, b, X and labels; "invalid" labels include 2.5, -1 and 0.7 (the course allows them)."""
    rng = np.random.default_rng(seed)
    w = (rng.normal(size=(n_x, 1)) * 0.5).astype(dtype)
    b = float(rng.normal())
    X = rng.normal(size=(n_x, m)).astype(dtype)
    Y = rng.choice([0.0, 1.0, 2.5, -1.0, 0.7] if labels == "invalid" else [0.0, 1.0], size=(1, m)).astype(dtype)
    return w, b, X, Y


# ----------------------------------------------------------------------------- step functions
def test_sigmoid_matches_course(prec):
    dtype, rtol = prec
    z = np.concatenate([np.linspace(-30, 30, 61), np.random.default_rng(0).normal(0, 4, 50)]).astype(dtype)
    s = lr.sigmoid(z)
    assert s.dtype == dtype
    close(s, np_sigmoid(z.astype(np.float64)), rtol)
    assert float(lr.sigmoid(0.0)) == 0.5 and lr.sigmoid(np.array([[0, 2]])).shape == (1, 2)


def test_initialize_with_zeros():
    w, b = lr.initialize_with_zeros(3)
    assert w.shape == (3, 1) and w.dtype == jnp.float32 and not np.any(np.asarray(w))
    assert type(b) is float and b == 0.0
    with jax.enable_x64(True):
        assert lr.initialize_with_zeros(2)[0].dtype == jnp.float64
    for bad in (0, -1, 2.5, "3"):
        with pytest.raises(InvalidValueError, match="dim"):
            lr.initialize_with_zeros(bad)


@pytest.mark.parametrize("labels", ["valid", "invalid"])
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_propagate_matches_course(prec, labels, seed):
    dtype, rtol = prec
    w, b, X, Y = problem(seed, labels=labels, dtype=dtype)
    grads, cost = lr.propagate(w, b, X, Y)
    ref_grads, ref_cost = np_propagate(*(np.asarray(a, np.float64) for a in (w, b, X, Y)))
    assert cost.shape == () and cost.dtype == dtype and grads["db"].shape == ()
    assert grads["dw"].shape == w.shape and grads["dw"].dtype == dtype
    close(cost, ref_cost, rtol)
    close(grads["dw"], ref_grads["dw"], rtol)
    close(grads["db"], ref_grads["db"], rtol)


def test_propagate_course_probabilities_and_labels(x64):
    """Labels like 0.7 with probabilities like 0.3 give the course's (non-negative-cross-entropy) numbers."""
    X = np.array([[1.0, -2.0, 0.0]])
    w = np.array([[np.log(0.3 / 0.7)]])  # A = 0.3 at x = 1
    Y = np.array([[0.7, 2.5, -1.0]])
    grads, cost = lr.propagate(w, 0.0, X, Y)
    ref_grads, ref_cost = np_propagate(w, 0.0, X, Y)
    close(cost, ref_cost, RTOL64)
    close(grads["dw"], ref_grads["dw"], RTOL64)
    close(grads["db"], ref_grads["db"], RTOL64)


@pytest.mark.parametrize("label_dtype", [bool, np.uint8, np.int32, np.int64, np.float32, np.float64])
def test_labels_of_any_dtype(label_dtype):
    w, b, X, Y = problem(3, labels="valid", dtype=np.float32)
    g_ref, c_ref = lr.propagate(w, b, X, Y)
    g, c = lr.propagate(w, b, X, Y.astype(label_dtype))
    assert c.dtype == jnp.float32
    np.testing.assert_array_equal(c, c_ref)
    np.testing.assert_array_equal(g["dw"], g_ref["dw"])


# ----------------------------------------------------------------------------- training
@pytest.mark.parametrize("num_iterations", [1, 201, 300])
def test_optimize_matches_course_loop(x64, num_iterations):
    w, b, X, Y = problem(4, m=20, labels="invalid")
    params, grads, costs = lr.optimize(w, b, X, Y, num_iterations, 0.05)
    ref_params, ref_grads, ref_costs = np_optimize(w, b, X, Y, num_iterations, 0.05)
    assert isinstance(costs, list) and len(costs) == len(ref_costs)  # 1, 3 (0, 100, 200), 3
    assert all(c.shape == () for c in costs)
    close(np.array(costs), np.array(ref_costs), RTOL_TRAIN)
    for k in ("w", "b"):
        close(params[k], ref_params[k], RTOL_TRAIN)
    for k in ("dw", "db"):  # the last iteration's gradients, taken before its update
        close(grads[k], ref_grads[k], RTOL_TRAIN)
    np.testing.assert_array_equal(w, problem(4, m=20)[0])  # the caller's w is untouched


def test_optimize_float32_tracks_float64_course():
    """float32 training vs the float64 course loop from the same (float32) inputs, 100 iterations:
    each step adds a relative error ~1e-6 of the update, at most 100 of them -> rtol 1e-4."""
    w, b, X, Y = problem(5, m=20, labels="valid", dtype=np.float32)
    params, grads, costs = lr.optimize(w, b, X, Y, 100, 0.1)
    ref_params, ref_grads, ref_costs = np_optimize(*(np.asarray(a, np.float64) for a in (w, b, X, Y)), 100, 0.1)
    assert params["w"].dtype == jnp.float32
    close(params["w"], ref_params["w"], 1e-4)
    close(params["b"], ref_params["b"], 1e-4)
    close(grads["dw"], ref_grads["dw"], 1e-4)


def test_optimize_prints_the_course_lines(x64, capsys):
    w, b, X, Y = problem(6, m=10)
    _, _, costs = lr.optimize(w, b, X, Y, 201, 0.01, print_cost=True)
    _, _, ref_costs = np_optimize(w, b, X, Y, 201, 0.01)
    expected = ["Cost after iteration %i: %f" % (i, c) for i, c in zip((0, 100, 200), ref_costs)]
    assert capsys.readouterr().out.splitlines() == expected


def test_optimize_compiles_once(caplog):
    """A second call with other values but the same shapes compiles nothing (jax.log_compiles)."""
    w, b, X, Y = problem(5, m=20, labels="valid", dtype=np.float32)  # as in the float32 test: compiled loop reused
    lr.optimize(w, b, X, Y, 100, 0.01)
    with jax.log_compiles(True), caplog.at_level(logging.WARNING):
        lr.optimize(w + 1, b, X, Y, 100, 0.02)
    assert not [r for r in caplog.records if "Compiling" in r.getMessage()]


def test_optimize_needs_an_iteration():
    w, b, X, Y = problem(8)
    with pytest.raises(InvalidValueError, match="num_iterations"):
        lr.optimize(w, b, X, Y, 0)


def test_predict_matches_course(prec):
    dtype, _ = prec
    w, b, X, _ = problem(9, m=30, dtype=dtype)
    p = lr.predict(w, b, X)
    assert p.shape == (1, 30) and p.dtype == dtype
    np.testing.assert_array_equal(p, np_predict(w.astype(np.float64), b, X.astype(np.float64)))
    np.testing.assert_array_equal(lr.predict(w.ravel(), b, X), p)  # the course reshapes w
    # sigmoid(0) = 0.5 exactly is not > 0.5: class 0
    np.testing.assert_array_equal(lr.predict(np.zeros((5, 1)), 0.0, X), np.zeros((1, 30)))


def test_model_matches_course(x64, capsys):
    _, _, X, Y = problem(10, m=10, labels="valid")  # the shapes of the test above: compiled loop reused
    _, _, Xt, Yt = problem(11, m=15, labels="valid")
    d = lr.model(X, Y, Xt, Yt, num_iterations=201, learning_rate=0.1, print_cost=True)
    assert set(d) == {"costs", "Y_prediction_test", "Y_prediction_train", "w", "b", "learning_rate", "num_iterations"}
    w0, b0 = np.zeros((5, 1)), 0.0
    ref, _, ref_costs = np_optimize(w0, b0, X, Y, 201, 0.1)
    close(np.array(d["costs"]), np.array(ref_costs), RTOL_TRAIN)
    close(d["w"], ref["w"], RTOL_TRAIN)
    close(d["b"], ref["b"], RTOL_TRAIN)
    np.testing.assert_array_equal(d["Y_prediction_train"], np_predict(ref["w"], ref["b"], X))
    np.testing.assert_array_equal(d["Y_prediction_test"], np_predict(ref["w"], ref["b"], Xt))
    assert d["learning_rate"] == 0.1 and d["num_iterations"] == 201
    out = capsys.readouterr().out.splitlines()
    acc = 100 - np.mean(np.abs(np_predict(ref["w"], ref["b"], Xt) - Yt)) * 100
    assert out[-1] == "test accuracy: {} %".format(acc) and out[-2].startswith("train accuracy: ")


def test_model_reproduces_the_course_on_cat_data(x64, cat_dir):
    train_x, train_y, test_x, test_y, _ = data.load_catvnoncat(cat_dir)
    d = lr.model(train_x, train_y, test_x, test_y, num_iterations=2000, learning_rate=0.005)
    costs = np.array(d["costs"])
    assert len(costs) == 20
    assert ["%.6f" % costs[i] for i in (0, 1, 19)] == ["0.693147", "0.584508", "0.140872"]
    train_acc = 100 - np.mean(np.abs(np.asarray(d["Y_prediction_train"]) - train_y)) * 100
    test_acc = 100 - np.mean(np.abs(np.asarray(d["Y_prediction_test"]) - test_y)) * 100
    assert (round(train_acc, 2), round(test_acc, 2)) == (99.04, 70.0)


# ----------------------------------------------------------------------------- bad input
def test_shape_errors_name_the_argument():
    w, b, X, Y = problem(12)
    with pytest.raises(ShapeError, match=r"X must have n_x = 5 rows"):
        lr.propagate(w, b, X[:4], Y)
    with pytest.raises(ShapeError, match=r"Y must be 2-D.*reshape"):
        lr.propagate(w, b, X, Y.ravel())
    with pytest.raises(ShapeError, match=r"Y must have shape \(1, 12\)"):
        lr.propagate(w, b, X, Y[:, :5])
    with pytest.raises(ShapeError, match=r"w must have shape \(n_x, 1\)"):
        lr.propagate(w.T, b, X, Y)
    with pytest.raises(ShapeError, match=r"b must be a scalar"):
        lr.propagate(w, np.zeros((2, 1)), X, Y)
    with pytest.raises(InvalidTypeError, match=r"X must"):
        lr.propagate(w, b, "X", Y)
    with pytest.raises(ShapeError, match=r"w must hold n_x = 5"):
        lr.predict(w[:3], b, X)
    with pytest.raises(ShapeError, match=r"Y_test must have shape \(1, 12\)"):
        lr.model(X, Y, X, Y[:, :3])
