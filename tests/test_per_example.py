"""dnnjax.per_example: per-example gradients by vmap over the columns of X and Y.

float64 throughout the comparisons (tolerance 1e-12 absolute on gradients of size <~1: the
vmapped and the per-column programs do the same arithmetic up to summation order, ~1e-16);
the logistic-regression case is checked against the closed form (a - y) x^T.
"""
from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import dnnjax
from dnnjax import losses
from dnnjax.errors import InvalidValueError, ShapeError
from dnnjax.per_example import per_example_grad_norms, per_example_grads

M = 7
_column_grad = jax.jit(jax.grad(losses.network_cost), static_argnums=(3, 4))  # the reference: jax.grad, m = 1

CASES = {  # output: (layer_dims, labels maker); NumPy data keeps the tests free of eager-op compiles
    "sigmoid": ([4, 5, 3, 1], lambda rng: (rng.random((1, M)) < 0.5).astype(np.float64)),
    "softmax": ([4, 5, 3], lambda rng: np.eye(3)[rng.integers(0, 3, M)].T.copy()),
    "linear": ([4, 5, 2], lambda rng: rng.normal(size=(2, M))),
}


def _problem(output, seed=0):
    dims, labels = CASES[output]
    rng = np.random.default_rng(seed)
    params = {}
    for l in range(1, len(dims)):
        params[f"W{l}"] = rng.normal(size=(dims[l], dims[l - 1])) * 0.7
        params[f"b{l}"] = rng.normal(size=(dims[l], 1)) * 0.1
    return params, rng.normal(size=(dims[0], M)), labels(rng)


@pytest.mark.parametrize("output", list(CASES))
def test_equals_per_column_jax_grad_and_mean_equals_grads(x64, output):
    params, X, Y = _problem(output)
    g = jax.tree.map(np.asarray, per_example_grads(params, X, Y, output=output))
    assert set(g) == set(params)
    for k, v in params.items():
        assert g[k].shape == (M, *v.shape) and g[k].dtype == jnp.float64
    for i in range(M):
        ref = _column_grad(params, X[:, i:i + 1], Y[:, i:i + 1], "relu", output)
        for k in params:
            np.testing.assert_allclose(g[k][i], ref[k], rtol=0, atol=1e-12, err_msg=f"{k}, example {i}")
    full = dnnjax.grads(params, X, Y, output=output)
    for k in params:
        np.testing.assert_allclose(np.mean(g[k], axis=0), full[k], rtol=0, atol=1e-12, err_msg=k)


@pytest.mark.parametrize("hidden", ["relu", "tanh"])
def test_manual_equals_autodiff(x64, hidden):
    params, X, Y = _problem("sigmoid", seed=1)
    auto = jax.tree.map(np.asarray, per_example_grads(params, X, Y, hidden=hidden))
    manual = jax.tree.map(np.asarray, per_example_grads(params, X, Y, hidden=hidden, method="manual"))
    for k in params:
        np.testing.assert_allclose(manual[k], auto[k], rtol=0, atol=1e-12, err_msg=k)


def test_logistic_regression_closed_form(x64):
    rng = np.random.default_rng(2)
    params = {"W1": rng.normal(size=(1, 6)), "b1": np.full((1, 1), 0.3)}
    X, Y = rng.normal(size=(6, M)), (rng.random((1, M)) < 0.5).astype(np.float64)
    g = jax.tree.map(np.asarray, per_example_grads(params, X, Y))
    a = 1 / (1 + np.exp(-(params["W1"] @ X + 0.3)))  # (1, M)
    d = (a - Y)[0]  # dJ_i/dz_i of the one-example cost
    np.testing.assert_allclose(g["W1"][:, 0, :], d[:, None] * X.T, rtol=0, atol=1e-12)
    np.testing.assert_allclose(g["b1"][:, 0, 0], d, rtol=0, atol=1e-12)


@pytest.mark.parametrize("batch_size", [None, 3, 100])
def test_norms_are_global_l2_of_each_example(x64, batch_size):
    params, X, Y = _problem("softmax")
    g = per_example_grads(params, X, Y, output="softmax")
    ref = np.sqrt(sum(np.sum(np.asarray(v).reshape(M, -1) ** 2, axis=1) for v in g.values()))
    n = per_example_grad_norms(params, X, Y, output="softmax", batch_size=batch_size)
    assert n.shape == (M,)
    np.testing.assert_allclose(n, ref, rtol=1e-12, atol=0)
    n_manual = per_example_grad_norms(params, X, Y, output="softmax", method="manual", batch_size=batch_size)
    np.testing.assert_allclose(n_manual, ref, rtol=1e-12, atol=0)


def test_float32_stays_float32():
    params = {k: v.astype(np.float32) for k, v in _problem("sigmoid")[0].items()}
    X, Y = np.ones((4, 5), np.float32), np.zeros((1, 5), np.float32)
    g = per_example_grads(params, X, Y)
    assert all(v.dtype == jnp.float32 for v in g.values()) and g["W3"].shape == (5, 1, 3)
    assert per_example_grad_norms(params, X, Y).dtype == jnp.float32


def test_bad_inputs():
    params = {k: v.astype(np.float32) for k, v in _problem("sigmoid")[0].items()}
    X, Y = np.ones((4, 5), np.float32), np.zeros((1, 5), np.float32)
    with pytest.raises(InvalidValueError, match="method"):
        per_example_grads(params, X, Y, method="finite")
    with pytest.raises(ShapeError, match="X"):
        per_example_grads(params, X[:2], Y)
    with pytest.raises(ShapeError, match="Y"):
        per_example_grads(params, X, Y[:, :4])
    with pytest.raises(InvalidValueError, match="batch_size"):
        per_example_grad_norms(params, X, Y, batch_size=0)
    with pytest.raises(InvalidValueError, match="Y"):
        per_example_grads(params, X, Y + 2)
