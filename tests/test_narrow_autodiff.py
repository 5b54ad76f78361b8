"""The narrow autodiff step (dnnjax.narrow_autodiff) is jax.grad of the cost, rearranged; and the
stable cross-entropy it relies on (dnnjax.losses) is finite for any finite logit.

float64: the same cost differentiated by jax.grad in a different arrangement, so gradients agree
with the core ``jax.grad`` to 1e-12 relative and training runs to 1e-10 (RTOL_TRAIN, as the other
loop-vs-loop comparisons). The cross-entropy against optax's: float rounding (float32 2 ulp,
float64 1e-15); a wrong branch at large |z| would be off by |z|, far above that.
"""
import jax
import jax.numpy as jnp
import numpy as np
import optax
import pytest
from helpers import RTOL64, RTOL_TRAIN, close
from test_dual import problem, rel
from test_narrow import HIDDEN, OUTPUTS, core_fit

import dnnjax
from dnnjax import losses, narrow, narrow_autodiff, train

DIMS = [[2, 4], [3, 5, 4], [8, 1, 8]]
CONFIGS = [(h, o, n, DIMS[(i + j) % 3]) for i, h in enumerate(HIDDEN) for j, (o, n) in enumerate(OUTPUTS)]


@pytest.mark.parametrize("hidden,output,n_out,dims", CONFIGS)  # each hidden x output, each dims 4 times
def test_gradients_equal_core_jax_grad_float64(x64, hidden, output, n_out, dims):
    p, X, Y = problem(dims + [n_out], 37, output)
    config = (hidden, output, "autodiff")
    _, ref = train.core_value_and_grad(p, X, Y, config)
    check, g = jax.jit(narrow_autodiff.value_and_grad, static_argnums=3)(p, X, Y, config)
    assert sorted(g) == sorted(ref)
    for k in ref:
        assert g[k].shape == ref[k].shape
        close(g[k], ref[k], RTOL64)
    assert float(check) == 0.0


def test_pack_unpack_round_trip(x64):
    p, _, _ = problem([3, 5, 2], 4, "sigmoid")
    theta = narrow_autodiff.pack(p)
    assert theta.shape == (3 * 5 + 5 + 5 * 2 + 2 + 1,) and float(theta[-1]) == 0.0
    back, last = narrow_autodiff.unpack(theta, narrow_autodiff.layout(p))
    assert float(last) == 0.0
    for k in p:
        np.testing.assert_array_equal(back[k], p[k])


@pytest.mark.parametrize("form,hidden,where", [("value_and_grad", "relu", (0, 3)),
                                                ("value_and_grad_batched", "tanh", (1, 2))])
@pytest.mark.parametrize("output,n_out", OUTPUTS)
def test_check_is_nan_exactly_when_the_cost_is_not_finite(output, n_out, form, hidden, where):
    """Both jax.grad forms (the single fit's packed one, the sweeps' per-unit one) and the manual step."""
    p, X, Y = problem([2, 4, n_out], 9, output)
    p, Y = {k: np.asarray(v, np.float32) for k, v in p.items()}, np.asarray(Y, np.float32)
    seen = set()
    for bad in (np.inf, -np.inf, np.nan, 1e30, 1.0):  # 1e30: finite logits; for "linear" a cost of inf
        Xb = np.array(X, np.float32)
        Xb[where] = bad
        cost_ok = bool(np.isfinite(losses.network_cost(p, Xb, Y, hidden, output)))
        check, _ = getattr(narrow_autodiff, form)(p, Xb, Y, (hidden, output, "autodiff"))
        manual_check, _ = narrow.value_and_grad(p, Xb, Y, (hidden, output, "manual"))
        assert bool(np.isnan(check)) == (not cost_ok) == bool(np.isnan(manual_check))
        assert cost_ok == (float(check) == 0.0)
        seen.add(cost_ok)
    assert seen == {True, False}


@pytest.mark.parametrize("hidden,output,n_out,lr", [("tanh", "sigmoid", 1, 1.2), ("leaky_relu", "softmax", 3, 0.5)])
def test_fit_autodiff_uses_it_and_equals_core_loop_float64(x64, monkeypatch, hidden, output, n_out, lr):
    calls = []
    real = narrow_autodiff.value_and_grad
    monkeypatch.setattr(narrow_autodiff, "value_and_grad", lambda *a: calls.append(1) or real(*a))
    p, X, Y = problem([2, 4, n_out], 60, output)
    kw = dict(hidden=hidden, output=output, learning_rate=lr, num_iterations=300, log_every=50)
    got, c_got = dnnjax.fit(p, X, Y, method="autodiff", **kw)
    assert calls, "fit(method='autodiff') did not use the narrow autodiff step"
    ref, c_ref = core_fit(p, X, Y, method="autodiff", **kw)
    assert rel(got, ref) < RTOL_TRAIN
    close(c_got, c_ref, RTOL_TRAIN)


def test_wide_networks_and_sweeps_keep_the_core_step():
    wide, _, _ = problem([2, 9, 1], 4, "sigmoid")
    assert train.step_functions(wide, "autodiff") == (train.core_value_and_grad, None)
    small, _, _ = problem([2, 4, 1], 4, "sigmoid")
    assert train.step_functions(small, "autodiff") == (narrow_autodiff.value_and_grad, narrow.cost)
    # under vmap (the sweeps): jax.grad with the check, the cost once per chunk; one unit at a time where narrow
    assert train.step_functions(small, "autodiff", batched=True) == (narrow_autodiff.value_and_grad_batched,
                                                                      train.core_cost)
    assert train.step_functions(wide, "autodiff", batched=True) == (train.core_checked_grad, train.core_cost)


@pytest.mark.parametrize("log_every", [1, 7])
def test_divergence_names_the_same_iteration_as_the_core_loop(log_every):
    p, X, Y = problem([3, 4, 2], 40, "linear")
    kw = dict(hidden="relu", output="linear", learning_rate=30.0, num_iterations=200, log_every=log_every)
    with pytest.raises(dnnjax.TrainingDivergedError) as got:
        dnnjax.fit(p, X * 10, Y, method="autodiff", **kw)
    with pytest.raises(dnnjax.TrainingDivergedError) as ref:
        core_fit(p, (X * 10).astype(np.float32), Y.astype(np.float32), method="autodiff", **kw)
    assert 0 < got.value.iteration < 200
    assert got.value.iteration == ref.value.iteration


BIG = [-3e38, -1e30, -1e8, -1e4, -100.0, -40.0, -17.0, -1.0, -1e-7, 0.0, 1e-7, 1.0, 17.0, 40.0, 100.0, 1e4, 1e8, 1e30, 3e38]


@pytest.mark.parametrize("dtype,rtol", [(np.float32, 2.4e-7), (np.float64, 1e-15)])
@pytest.mark.parametrize("y", [0.0, 1.0, 0.25])
def test_cross_entropy_is_finite_at_any_logit_and_equals_optax(dtype, rtol, y):
    with jax.enable_x64(dtype == np.float64):
        z = jnp.asarray(BIG, dtype)
        Y = jnp.full_like(z, y)
        got = losses.binary_cross_entropy_from_logits(z, Y)
        ref = optax.sigmoid_binary_cross_entropy(z, Y)
        assert bool(jnp.all(jnp.isfinite(got)))
        np.testing.assert_allclose(np.asarray(got), np.asarray(ref), rtol=rtol, atol=0)
        # and against the float64 value in NumPy: (1 - y) z + log(1 + e^-z) for z > 0, -y z + log(1 + e^z) else
        zn = np.asarray(np.asarray(z), np.float64)
        with np.errstate(over="ignore"):
            exact = np.where(zn > 0, (1 - y) * zn + np.log1p(np.exp(-zn)), -y * zn + np.log1p(np.exp(zn)))
        # (atol: float32 flushes subnormal results such as log1p(e^-100) = 3.7e-44 to 0)
        np.testing.assert_allclose(np.asarray(got, np.float64), exact, rtol=4 * rtol, atol=np.finfo(dtype).tiny)
        grad = jax.vmap(jax.grad(losses.binary_cross_entropy_from_logits))(z, Y)
        np.testing.assert_allclose(np.asarray(grad), np.asarray(jax.nn.sigmoid(z) - Y), rtol=0, atol=4 * np.finfo(dtype).eps)


def test_cross_entropy_cost_is_finite_where_the_course_formula_is_not():
    Z = jnp.asarray([[-200.0, 200.0, 50.0]], jnp.float32)
    Y = jnp.asarray([[1.0, 0.0, 1.0]], jnp.float32)
    got = float(losses.sigmoid_cross_entropy(Z, Y))
    assert np.isclose(got, (200.0 + 200.0 + 0.0) / 3, rtol=1e-6)
    assert not np.isfinite(float(losses.probability_cross_entropy(jax.nn.sigmoid(Z), Y)))


def test_cross_entropy_derivative_rule_float64(x64):
    """The custom_jvp rule is the derivative of the expression: dZ (s(Z) - Y) - dY Z, and its
    own derivative s(Z)(1 - s(Z)) (so jax.hessian works); constant labels add no 0 * Z term,
    so the gradient stays finite (s(Z) - Y) at infinite logits, as the formula says."""
    z = jnp.asarray([-40.0, -3.0, -1e-3, 0.0, 2.5, 30.0])
    y = jnp.asarray([0.0, 1.0, 0.25, 0.5, 1.0, 0.0])
    f = lambda z, y: jnp.sum(losses.binary_cross_entropy_from_logits(z, y))
    gz, gy = jax.grad(f, argnums=(0, 1))(z, y)
    s = 1 / (1 + np.exp(-np.asarray(z)))
    np.testing.assert_allclose(gz, s - np.asarray(y), rtol=1e-12, atol=1e-300)
    np.testing.assert_allclose(gy, -np.asarray(z), rtol=1e-15)
    # against central differences of the expression itself (float64, h = 1e-6: error ~1e-10)
    h = 1e-6
    num = (losses.binary_cross_entropy_from_logits(z + h, y) - losses.binary_cross_entropy_from_logits(z - h, y)) / (2 * h)
    np.testing.assert_allclose(gz, num, rtol=0, atol=1e-8)
    np.testing.assert_allclose(jnp.diag(jax.hessian(f)(z, y)), s * (1 - s), rtol=1e-10, atol=1e-300)
    _, tangent = jax.jvp(f, (z, y), (jnp.ones_like(z), jnp.ones_like(y)))
    np.testing.assert_allclose(tangent, np.sum(s - np.asarray(y) - np.asarray(z)), rtol=1e-12)
    edge = jnp.asarray([-jnp.inf, -1e30, 1e30, jnp.inf])
    g = jax.grad(f)(edge, jnp.ones_like(edge))
    np.testing.assert_array_equal(g, [-1.0, -1.0, 0.0, 0.0])


@pytest.mark.parametrize("hidden,output,n_out,dims", CONFIGS)
def test_batched_form_equals_core_jax_grad_float64_under_vmap(x64, hidden, output, n_out, dims):
    """narrow_autodiff.value_and_grad_batched (the narrow sweeps' autodiff step): jax.grad of the
    same cost written one unit at a time, so 1e-12 of the core jax.grad, per model under vmap."""
    p, X, Y = problem(dims + [n_out], 37, output)
    config = (hidden, output, "autodiff")
    q = jax.tree.map(lambda a: 0.5 * a - 0.2, p)
    batch = jax.tree.map(lambda a, b: jnp.stack([a, b]), p, q)
    checks, gb = jax.jit(jax.vmap(narrow_autodiff.value_and_grad_batched, in_axes=(0, None, None, None)),
                         static_argnums=3)(batch, X, Y, config)
    np.testing.assert_array_equal(checks, [0.0, 0.0])
    for i, one in enumerate((p, q)):
        _, ref = train.core_value_and_grad(one, X, Y, config)
        assert sorted(gb) == sorted(ref)
        for k in ref:
            assert gb[k][i].shape == ref[k].shape
            close(gb[k][i], ref[k], RTOL64)


@pytest.mark.parametrize("hidden,output,n_out,dims", CONFIGS[1::3])
def test_batched_form_under_other_vmaps_is_the_one_model_form(x64, hidden, output, n_out, dims):
    """Only a vmap over the parameters alone (the sweeps: X and Y shared) takes the models-at-once
    rule; a vmap that also batches X, or only some parameters, is vmap of the one-model form.
    Both equal the core jax.grad per model (float64, 1e-12)."""
    p, X, Y = problem(dims + [n_out], 23, output)
    config = (hidden, output, "autodiff")
    q = jax.tree.map(lambda a: 0.5 * a - 0.2, p)
    batch = jax.tree.map(lambda a, b: jnp.stack([a, b]), p, q)
    Xs = jnp.stack([X, 0.5 * X + 0.1])
    checks, gb = jax.jit(jax.vmap(narrow_autodiff.value_and_grad_batched, in_axes=(0, 0, None, None)),
                         static_argnums=3)(batch, Xs, Y, config)
    np.testing.assert_array_equal(checks, [0.0, 0.0])
    for i, (one, Xi) in enumerate(((p, X), (q, Xs[1]))):
        _, ref = train.core_value_and_grad(one, Xi, Y, config)
        for k in ref:
            close(gb[k][i], ref[k], RTOL64)
    axes = {k: (None if k == "b1" else 0) for k in p}  # b1 shared by both models
    shared = dict(batch, b1=p["b1"])
    _, gs = jax.vmap(narrow_autodiff.value_and_grad_batched, in_axes=(axes, None, None, None))(shared, X, Y, config)
    _, ref = train.core_value_and_grad(dict(q, b1=p["b1"]), X, Y, config)
    for k in ref:
        close(gs[k][1], ref[k], RTOL64)


@pytest.mark.parametrize("output,n_out", OUTPUTS)
def test_batched_check_is_nan_for_exactly_the_models_whose_logits_are_not(output, n_out):
    """Under the sweeps' vmap each model's check is its own: a model with an infinite or NaN
    weight gets NaN, the others 0, and their gradients stay those of a model trained alone."""
    p, X, Y = problem([2, 4, n_out], 9, output)
    p, X, Y = ({k: np.asarray(v, np.float32) for k, v in p.items()}, np.asarray(X, np.float32),
               np.asarray(Y, np.float32))
    config = ("tanh", output, "autodiff")
    models = []
    for bad in (None, np.inf, np.nan, None):
        W2 = p["W2"].copy()
        if bad is not None:
            W2[0, 1] = bad
        models.append(dict(p, W2=W2))
    batch = {k: jnp.stack([m[k] for m in models]) for k in p}
    checks, gb = jax.jit(jax.vmap(narrow_autodiff.value_and_grad_batched, in_axes=(0, None, None, None)),
                         static_argnums=3)(batch, X, Y, config)
    assert [bool(np.isnan(c)) for c in np.asarray(checks)] == [False, True, True, False]
    assert float(checks[0]) == 0.0 and float(checks[3]) == 0.0
    _, alone = narrow_autodiff.value_and_grad_batched(p, X, Y, config)
    for k in alone:
        close(gb[k][0], alone[k], 1e-5)  # float32: same cost, the models' sums in another order
        close(gb[k][3], alone[k], 1e-5)


@pytest.mark.parametrize("hidden,output,n_out,dims", CONFIGS[::2])
def test_checked_grad_equals_core_jax_grad_float64_and_under_vmap(x64, hidden, output, n_out, dims):
    """dnnjax.gradients.checked_grad (the sweeps' autodiff step): the same jax.grad of the same
    cost (bitwise up to XLA's fusion: 1e-12), a check of exactly 0, and per model under vmap."""
    p, X, Y = problem(dims + [n_out], 37, output)
    config = (hidden, output, "autodiff")
    _, ref = train.core_value_and_grad(p, X, Y, config)
    check, g = jax.jit(train.core_checked_grad, static_argnums=3)(p, X, Y, config)
    assert sorted(g) == sorted(ref) and float(check) == 0.0
    for k in ref:
        close(g[k], ref[k], RTOL64)
    q = jax.tree.map(lambda a: 0.5 * a + 0.1, p)
    batch = jax.tree.map(lambda a, b: jnp.stack([a, b]), p, q)
    checks, gb = jax.jit(jax.vmap(train.core_checked_grad, in_axes=(0, None, None, None)), static_argnums=3)(
        batch, X, Y, config)
    _, ref_q = train.core_value_and_grad(q, X, Y, config)
    np.testing.assert_array_equal(checks, [0.0, 0.0])
    for k in ref:
        close(gb[k][0], ref[k], RTOL64)
        close(gb[k][1], ref_q[k], RTOL64)


@pytest.mark.parametrize("output,n_out", OUTPUTS)
def test_checked_grad_check_is_nan_exactly_when_the_cost_is_not_finite(output, n_out):
    p, X, Y = problem([2, 9, n_out], 9, output)  # 9 > MAX_WIDTH: the core network
    p, Y = {k: np.asarray(v, np.float32) for k, v in p.items()}, np.asarray(Y, np.float32)
    seen = set()
    for bad in (np.inf, -np.inf, np.nan, 1e30, 1.0):
        Xb = np.array(X, np.float32)
        Xb[1, 4] = bad
        cost_ok = bool(np.isfinite(losses.network_cost(p, Xb, Y, "tanh", output)))
        check, _ = train.core_checked_grad(p, Xb, Y, ("tanh", output, "autodiff"))
        assert cost_ok == (float(check) == 0.0) and (not cost_ok) == bool(np.isnan(check))
        seen.add(cost_ok)
    assert seen == {True, False}
