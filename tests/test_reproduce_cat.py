"""Exact reproduction of the course's cat / non-cat results (DESIGN.md section 5).

The course's initial parameters come from NumPy's legacy global RNG (``np.random.seed(1)``,
then ``randn`` per layer, ``W1`` first), so they are built here with NumPy and handed to
dnnjax. In float64 the published costs (NumPy float64) must come back to 1e-8 relative:
both sides compute the same float64 sums, so what differs is only summation order in the
matmuls (relative ~1e-13 per step, amplified mildly over 2500 steps); 1e-8 leaves ample room
while still pinning every printed digit that matters. Accuracies are compared as integer
counts of correct predictions (train 209 images, test 50).

Each test trains 2500 full-batch iterations on (12288, 209) and takes tens of seconds, hence
``slow``; they skip when the data files are absent (the ``cat_dir`` fixture).
"""
import jax
import numpy as np
import pytest

import dnnjax
from dnnjax.data import load_catvnoncat


def course_init(layer_dims, deep: bool) -> dict:
    """The course's initial parameters: seed 1, ``randn * 0.01`` (2-layer) or
    ``randn / sqrt(n[l-1])`` (deep), zero biases; W{l} (n[l], n[l-1]), b{l} (n[l], 1)."""
    np.random.seed(1)
    params = {}
    for l in range(1, len(layer_dims)):
        W = np.random.randn(layer_dims[l], layer_dims[l - 1])
        params[f"W{l}"] = W / np.sqrt(layer_dims[l - 1]) if deep else W * 0.01
        params[f"b{l}"] = np.zeros((layer_dims[l], 1))
    return params


def n_correct(params, X, Y) -> int:
    pred = np.asarray(dnnjax.predict(params, X))
    assert pred.shape == Y.shape
    return int(np.sum(pred == Y))


def reproduce(cat_dir, layer_dims, deep, method):
    train_x, train_y, test_x, test_y, _ = load_catvnoncat(cat_dir)
    params0 = course_init(layer_dims, deep)
    assert all(v.dtype == np.float64 for v in params0.values())
    with jax.enable_x64(True):
        params, costs = dnnjax.fit(params0, train_x, train_y, learning_rate=0.0075, num_iterations=2500,
                                   log_every=1, method=method)
        assert params["W1"].dtype == np.float64 and costs.dtype == np.float64
        assert costs.shape == (2500,)
        costs = np.asarray(costs)
        counts = n_correct(params, train_x, train_y), n_correct(params, test_x, test_y)
    return costs, counts


@pytest.mark.slow
def test_two_layer_cat_reproduces_course(cat_dir):
    """12288-7-1, x0.01 init, lr 0.0075, 2500 it.: 0.693049735659989 @0 -> 0.04421498215868951 @2499;
    train 100 % (209/209), test 72 % (36/50). Trained with jax.grad."""
    costs, (train_ok, test_ok) = reproduce(cat_dir, [12288, 7, 1], deep=False, method="autodiff")
    np.testing.assert_allclose(costs[0], 0.693049735659989, rtol=1e-8)
    np.testing.assert_allclose(costs[2499], 0.04421498215868951, rtol=1e-8)
    assert np.all(np.isfinite(costs)) and costs[2499] < costs[0]
    assert (train_ok, test_ok) == (209, 36)


@pytest.mark.slow
def test_four_layer_cat_reproduces_course(cat_dir):
    """12288-20-7-5-1, 1/sqrt(n_prev) init, lr 0.0075, 2500 it.: 0.7717493284237686 @0 ->
    0.088439943441702 @2499; train 98.56 % (206/209), test 80 % (40/50). Hand-written backprop."""
    costs, (train_ok, test_ok) = reproduce(cat_dir, [12288, 20, 7, 5, 1], deep=True, method="manual")
    np.testing.assert_allclose(costs[0], 0.7717493284237686, rtol=1e-8)
    np.testing.assert_allclose(costs[2499], 0.088439943441702, rtol=1e-8)
    assert np.all(np.isfinite(costs)) and costs[2499] < costs[0]
    assert (train_ok, test_ok) == (206, 40)
