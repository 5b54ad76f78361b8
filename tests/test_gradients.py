"""Gradients: hand-written backprop vs jax.grad vs central finite differences, the check_grads
report, the gradient pytree, and jit / eager / user-jit agreement.

Tolerances: in float64 manual and automatic gradients are both exact up to rounding
(~1e-15 relative), so they must agree to 1e-10 (the library's AGREE_TOL). Central
differences with eps = 1e-7 carry truncation error ~eps^2 and rounding error ~1e-16/eps ~ 1e-9
relative, so the course's 1e-7 threshold holds in float64 (and only there).
"""
import jax
import jax.numpy as jnp
import numpy as np
import pytest
from hypothesis import HealthCheck, assume, example, given, settings
from hypothesis import strategies as st

import dnnjax
from dnnjax import gradients, losses
from dnnjax.gradcheck import relative_difference

HIDDEN = ("relu", "tanh", "sigmoid", "leaky_relu")


def make_problem(rng, dims, output, labels="binary", scale=1.0, dtype=np.float64):
    """NumPy params {W{l}: (n[l], n[l-1]), b{l}: (n[l], 1)}, X (n_x, m) and Y (n_L, m) for ``output``."""
    m = rng.randint(1, 7)
    params = {}
    for l in range(1, len(dims)):
        params[f"W{l}"] = (rng.randn(dims[l], dims[l - 1]) * scale).astype(dtype)
        params[f"b{l}"] = (rng.randn(dims[l], 1) * 0.5).astype(dtype)
    X = rng.randn(dims[0], m).astype(dtype)
    if output == "sigmoid":
        Y = rng.randint(0, 2, (dims[-1], m)) if labels == "binary" else rng.uniform(0, 1, (dims[-1], m))
    elif output == "softmax":
        Y = np.eye(dims[-1])[:, rng.randint(0, dims[-1], m)]
    else:
        Y = rng.randn(dims[-1], m) * 2
    return params, X, Y.astype(dtype)


def hidden_preactivations(params, X, hidden):
    """Z[1..L-1] by a plain NumPy forward pass (to keep relu kinks away from FD steps)."""
    g = {"relu": lambda z: np.maximum(z, 0), "leaky_relu": lambda z: np.where(z > 0, z, 0.01 * z),
         "tanh": np.tanh, "sigmoid": lambda z: 1 / (1 + np.exp(-z))}[hidden]
    L, A, Zs = len(params) // 2, X, []
    for l in range(1, L):
        Z = params[f"W{l}"] @ A + params[f"b{l}"]
        Zs.append(Z)
        A = g(Z)
    return Zs


@st.composite
def problems(draw):
    n_layers = draw(st.integers(2, 5))  # len(layer_dims): logistic regression up to 4 weight layers
    output = draw(st.sampled_from(("sigmoid", "softmax", "linear")))
    dims = [draw(st.integers(1, 4)) for _ in range(n_layers - 1)]
    dims.append(draw(st.integers(2, 3)) if output == "softmax" else draw(st.integers(1, 2)))
    hidden = draw(st.sampled_from(HIDDEN))
    labels = draw(st.sampled_from(("binary", "fractional")))
    seed = draw(st.integers(0, 2**31 - 1))
    return dims, hidden, output, labels, seed


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@example(problem=([1, 4, 4, 1], "sigmoid", "sigmoid", "fractional", 4))  # tiny gradients: the noise-floor branch
@given(problems())
def test_manual_autodiff_and_finite_differences_agree(problem):
    """check_grads over random architectures: its manual (backprop.py) and autodiff (jax.grad)
    columns are the functions dnnjax.grads uses; the public grads are compared on a fixed grid
    below. Each example costs a few compilations, hence 25 examples."""
    dims, hidden, output, labels, seed = problem
    rng = np.random.RandomState(seed)
    params, X, Y = make_problem(rng, dims, output, labels)
    if hidden in ("relu", "leaky_relu"):  # a kink within eps of some Z would make FD meaningless
        assume(all(np.min(np.abs(Z)) > 1e-5 for Z in hidden_preactivations(params, X, hidden)))
    with jax.enable_x64(True):
        report = dnnjax.check_grads(params, X, Y, hidden=hidden, output=output)
    assert report.dtype == "float64" and report.fd_meaningful
    assert set(report.per_param) == set(params)
    assert report.overall["manual vs autodiff"] <= 1e-10, str(report)
    assert all(row["manual vs autodiff"] <= 1e-10 for row in report.per_param.values()), str(report)
    # The course's 1e-7 on the relative difference, unless the gradients are so small that a
    # central difference's rounding (~8 eps_mach |J| / eps per coordinate) dominates it: then
    # every coordinate must be within that absolute floor instead (an off-by-1 % backprop is not).
    fd_ok = report.overall["manual vs finite diff"] <= 1e-7 and report.overall["autodiff vs finite diff"] <= 1e-7
    assert fd_ok or report.fd_max_abs <= report.fd_noise <= 1e-7, str(report)
    assert report.ok, str(report)
    assert all(report.fd_checked[k] == params[k].size for k in params)  # small nets: every coordinate


@pytest.mark.parametrize("output", ["sigmoid", "softmax", "linear"])
@pytest.mark.parametrize("hidden", HIDDEN)
def test_public_grads_manual_equals_autodiff_with_the_params_pytree(x64, hidden, output):
    dims = [3, 4, 3, 3] if output == "softmax" else [3, 4, 3, 2]
    params, X, Y = make_problem(np.random.RandomState(len(hidden) + len(output)), dims, output, "fractional")
    manual = dnnjax.grads(params, X, Y, hidden=hidden, output=output, method="manual")
    auto = dnnjax.grads(params, X, Y, hidden=hidden, output=output, method="autodiff")
    for g in (manual, auto):
        assert jax.tree.structure(g) == jax.tree.structure(params)
        assert all(g[k].shape == params[k].shape and g[k].dtype == jnp.float64 for k in params)
    for k in params:
        assert relative_difference(manual[k], auto[k]) <= 1e-10, k
    assert relative_difference(np.concatenate([np.ravel(manual[k]) for k in params]),
                               np.concatenate([np.ravel(auto[k]) for k in params])) <= 1e-10


def test_report_table_rows_overall_and_verdict(x64):
    params, X, Y = make_problem(np.random.RandomState(0), [3, 4, 2, 1], "sigmoid")
    report = dnnjax.check_grads(params, X, Y, hidden="tanh")
    text = str(report)
    lines = text.splitlines()
    for k in ("W1", "b1", "W2", "b2", "W3", "b3"):
        rows = [ln for ln in lines if ln.split()[:1] == [k]]
        assert len(rows) == 1, (k, text)
        assert str(tuple(params[k].shape)) in rows[0]
    assert any(ln.startswith("overall") for ln in lines)
    assert "float64" in text and "verdict: OK" in text
    assert "WARNING" not in text
    for pair in ("manual vs autodiff", "manual vs finite diff", "autodiff vs finite diff"):
        assert pair in text
        assert set(report.overall) >= {pair}


def test_report_in_float32_warns_that_finite_differences_are_meaningless():
    params, X, Y = make_problem(np.random.RandomState(1), [3, 4, 1], "sigmoid", dtype=np.float32)
    report = dnnjax.check_grads(params, X, Y)
    text = str(report)
    assert report.dtype == "float32" and not report.fd_meaningful
    assert "WARNING" in text and "finite diff" in text
    assert "jax.enable_x64" in text and "float64" in text
    # float32 manual vs autodiff still agree to rounding (~1e-7 relative); 1e-5 is the float32 bar
    assert report.overall["manual vs autodiff"] <= 1e-5
    assert report.ok


def test_max_fd_coords_samples_coordinates(x64):
    params, X, Y = make_problem(np.random.RandomState(2), [30, 20, 1], "sigmoid")
    report = dnnjax.check_grads(params, X, Y, hidden="tanh", max_fd_coords=40)
    assert report.fd_checked["W1"] < params["W1"].size == 600
    assert sum(report.fd_checked.values()) <= 40 + len(params)
    assert all(1 <= report.fd_checked[k] <= params[k].size for k in params)
    assert report.ok, str(report)
    assert f"{report.fd_checked['W1']}/600" in str(report)


@pytest.mark.parametrize("method", ["autodiff", "manual"])
def test_grads_in_float32_keep_the_params_pytree_and_dtype(method):
    params, X, Y = make_problem(np.random.RandomState(5), [4, 3, 1], "sigmoid", dtype=np.float32)
    g = dnnjax.grads(params, X, Y, method=method)
    assert jax.tree.structure(g) == jax.tree.structure(params)
    assert all(g[k].shape == params[k].shape and g[k].dtype == jnp.float32 for k in params)


@pytest.mark.parametrize("method", ["autodiff", "manual"])
def test_jit_matches_eager(x64, method):
    """The pure functions traced by jit give eager's numbers (float64: only op fusion differs)."""
    params, X, Y = make_problem(np.random.RandomState(6), [4, 5, 3, 2], "softmax")
    params = jax.tree.map(jnp.asarray, params)
    X, Y = jnp.asarray(X), jnp.asarray(Y)
    with jax.disable_jit():
        c_eager, g_eager = gradients.value_and_grad(params, X, Y, "tanh", "softmax", method)
        cost_eager = losses.network_cost(params, X, Y, "tanh", "softmax")
    jitted = jax.jit(gradients.value_and_grad, static_argnums=(3, 4, 5))
    c_jit, g_jit = jitted(params, X, Y, "tanh", "softmax", method)
    np.testing.assert_allclose(c_jit, c_eager, rtol=1e-12)
    np.testing.assert_allclose(cost_eager, c_eager, rtol=1e-12)
    for k in params:
        np.testing.assert_allclose(g_jit[k], g_eager[k], rtol=1e-10, atol=1e-14)


def test_public_api_inside_a_users_jit(x64):
    params, X, Y = make_problem(np.random.RandomState(7), [3, 4, 1], "sigmoid")
    params = jax.tree.map(jnp.asarray, params)

    @jax.jit
    def everything(p, X, Y):
        return (dnnjax.forward(p, X), dnnjax.cost(p, X, Y), dnnjax.grads(p, X, Y, method="manual"),
                dnnjax.predict(p, X))

    A, c, g, pred = everything(params, X, Y)
    np.testing.assert_allclose(A, dnnjax.forward(params, X), rtol=1e-12)
    np.testing.assert_allclose(c, dnnjax.cost(params, X, Y), rtol=1e-12)
    g_ref = dnnjax.grads(params, X, Y)
    for k in params:
        np.testing.assert_allclose(g[k], g_ref[k], rtol=1e-10)
    np.testing.assert_array_equal(pred, dnnjax.predict(params, X))
    # jax.grad straight through the public cost equals dnnjax.grads
    g_user = jax.grad(lambda p: dnnjax.cost(p, X, Y))(params)
    for k in params:
        np.testing.assert_allclose(g_user[k], g_ref[k], rtol=1e-10)


def test_check_grads_compiles_once_per_shape(x64, caplog):
    """A second check with the same shapes reuses the compiled three-way gradient function."""
    import logging

    import dnnjax
    from dnnjax import gradcheck

    rng = np.random.RandomState(3)
    params = {"W1": rng.randn(3, 4), "b1": rng.randn(3, 1), "W2": rng.randn(1, 3), "b2": rng.randn(1, 1)}
    X, Y = rng.randn(4, 6), (rng.rand(1, 6) > 0.5).astype(float)
    dnnjax.check_grads(params, X, Y)
    before = gradcheck._gradients_three_ways._cache_size()
    with jax.log_compiles(True), caplog.at_level(logging.WARNING):
        report = dnnjax.check_grads({k: v * 1.5 for k, v in params.items()}, X, Y)
    assert report.ok
    assert gradcheck._gradients_three_ways._cache_size() == before
    assert not [r for r in caplog.records if "Compiling" in r.getMessage() and "three_ways" in r.getMessage()]
