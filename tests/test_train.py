"""dnnjax.fit: the course's cost-logging convention, gradient descent and optax against loops
written by hand with the public API, dtypes, NumPy inputs, callbacks, caching and divergence.

Hand loops run eagerly, one update at a time, with dnnjax.grads/dnnjax.cost; the compiled fit
runs the same float64 arithmetic in a different fusion order, so 1e-10 relative is the bar.
"""
import logging
import math

import jax
import jax.numpy as jnp
import numpy as np
import optax
import pytest

import dnnjax


def problem(dims=(4, 5, 1), m=12, seed=0, dtype=np.float64, output="sigmoid"):
    rng = np.random.RandomState(seed)
    params = {}
    for l in range(1, len(dims)):
        params[f"W{l}"] = (rng.randn(dims[l], dims[l - 1]) * 0.5).astype(dtype)
        params[f"b{l}"] = np.zeros((dims[l], 1), dtype)
    X = rng.randn(dims[0], m).astype(dtype)
    Y = (X[:1] + 0.3 * rng.randn(1, m) > 0).astype(dtype) if output == "sigmoid" else rng.randn(dims[-1], m).astype(dtype)
    return params, X, Y


def hand_gd(params, X, Y, lr, n, **kw):
    """The course's loop: record cost(params) then params -= lr * grads, n times."""
    p, costs = {k: jnp.asarray(v) for k, v in params.items()}, []
    for _ in range(n):
        costs.append(float(dnnjax.cost(p, X, Y, **kw)))
        g = dnnjax.grads(p, X, Y, **kw)
        p = {k: p[k] - lr * g[k] for k in p}
    return p, np.array(costs)


def assert_params_close(a, b, rtol):
    assert set(a) == set(b)
    for k in a:
        np.testing.assert_allclose(a[k], b[k], rtol=rtol, atol=1e-14)


@pytest.mark.parametrize("n, log_every", [(10, 3), (9, 3), (1, 5), (7, 1), (100, 100)])
def test_costs_length_is_ceil(n, log_every):
    params, X, Y = problem(dtype=np.float32)
    _, costs = dnnjax.fit(params, X, Y, num_iterations=n, log_every=log_every)
    assert costs.shape == (math.ceil(n / log_every),)
    np.testing.assert_allclose(costs[0], dnnjax.cost(params, X, Y), rtol=1e-6)  # cost at init


@pytest.mark.parametrize("method", ["autodiff", "manual"])
def test_logging_convention_and_plain_gd_match_a_hand_loop(x64, method):
    """costs[k] = cost of the parameters after k*log_every updates; final params after n."""
    params, X, Y = problem()
    hand_p, hand_costs = hand_gd(params, X, Y, 0.3, 7, hidden="tanh")
    p, costs = dnnjax.fit(params, X, Y, hidden="tanh", learning_rate=0.3, num_iterations=7, log_every=3,
                          method=method)
    np.testing.assert_allclose(costs, hand_costs[[0, 3, 6]], rtol=1e-10)
    assert_params_close(p, hand_p, 1e-10)
    assert hand_costs[6] < hand_costs[0]


def test_optax_sgd_equals_optimizer_none(x64):
    params, X, Y = problem(seed=1)
    p_none, c_none = dnnjax.fit(params, X, Y, learning_rate=0.1, num_iterations=20, log_every=4)
    p_sgd, c_sgd = dnnjax.fit(params, X, Y, optimizer=optax.sgd(0.1), num_iterations=20, log_every=4)
    np.testing.assert_allclose(c_sgd, c_none, rtol=1e-12)
    assert_params_close(p_sgd, p_none, 1e-12)


def test_optax_adam_matches_a_hand_optax_loop(x64):
    params, X, Y = problem(seed=2)
    opt = optax.adam(0.05)
    p = {k: jnp.asarray(v) for k, v in params.items()}
    state, hand_costs = opt.init(p), []
    with jax.numpy_dtype_promotion("standard"):  # optax mixes Python floats and int counts
        for _ in range(30):
            hand_costs.append(float(dnnjax.cost(p, X, Y)))
            updates, state = opt.update(dnnjax.grads(p, X, Y), state, p)
            p = optax.apply_updates(p, updates)
    fitted, costs = dnnjax.fit(params, X, Y, optimizer=opt, num_iterations=30, log_every=5)
    np.testing.assert_allclose(costs, np.array(hand_costs)[::5], rtol=1e-10)
    assert_params_close(fitted, p, 1e-9)
    assert float(dnnjax.cost(fitted, X, Y)) < 0.8 * hand_costs[0]


def test_manual_and_autodiff_fit_agree_in_float64(x64):
    params, X, Y = problem(dims=(3, 6, 4, 1), seed=3)
    kw = dict(hidden="leaky_relu", learning_rate=0.2, num_iterations=50, log_every=10)
    p_a, c_a = dnnjax.fit(params, X, Y, method="autodiff", **kw)
    p_m, c_m = dnnjax.fit(params, X, Y, method="manual", **kw)
    np.testing.assert_allclose(c_m, c_a, rtol=1e-10)
    assert_params_close(p_m, p_a, 1e-10)


@pytest.mark.parametrize("as_numpy", [True, False])
def test_inputs_are_not_modified_or_donated(as_numpy):
    params, X, Y = problem(dtype=np.float32)
    if not as_numpy:
        params = {k: jnp.asarray(v) for k, v in params.items()}
    before = {k: np.array(v) for k, v in params.items()}
    p1, c1 = dnnjax.fit(params, X, Y, learning_rate=0.5, num_iterations=5, log_every=2)
    for k in params:  # still readable (not donated) and unchanged
        np.testing.assert_array_equal(np.asarray(params[k]), before[k])
    p2, c2 = dnnjax.fit(params, X, Y, learning_rate=0.5, num_iterations=5, log_every=2)
    np.testing.assert_array_equal(c1, c2)
    assert not np.allclose(p1["W1"], before["W1"])


def test_float32_and_float64_inputs_keep_their_dtype():
    params, X, Y = problem(dtype=np.float32)
    p32, c32 = dnnjax.fit(params, X, Y, num_iterations=30, learning_rate=0.5, log_every=10)
    assert all(v.dtype == jnp.float32 for v in p32.values()) and c32.dtype == jnp.float32
    with jax.enable_x64(True):
        params64 = {k: v.astype(np.float64) for k, v in params.items()}
        p64, c64 = dnnjax.fit(params64, X.astype(np.float64), Y.astype(np.float64), num_iterations=30,
                              learning_rate=0.5, log_every=10)
        assert all(v.dtype == jnp.float64 for v in p64.values()) and c64.dtype == jnp.float64
    # same run, two precisions: float32 rounding (~1e-7) grows little over 30 smooth steps
    np.testing.assert_allclose(c32, c64, rtol=1e-5)


def test_numpy_and_jax_initial_params_give_the_same_run(x64):
    params, X, Y = problem(seed=4)
    p_np, c_np = dnnjax.fit(params, X, Y, num_iterations=8, log_every=2)
    p_jx, c_jx = dnnjax.fit({k: jnp.asarray(v) for k, v in params.items()}, jnp.asarray(X), jnp.asarray(Y),
                            num_iterations=8, log_every=2)
    np.testing.assert_array_equal(c_np, c_jx)
    assert_params_close(p_np, p_jx, 0)


def test_zero_iterations_returns_params_unchanged_and_no_costs():
    params, X, Y = problem(dtype=np.float32)
    p, costs = dnnjax.fit(params, X, Y, num_iterations=0)
    assert costs.shape == (0,)
    for k in params:
        np.testing.assert_array_equal(p[k], params[k])


def test_progress_callback_gets_iteration_and_cost_per_chunk(x64):
    params, X, Y = problem(seed=5)
    seen = []
    _, costs = dnnjax.fit(params, X, Y, num_iterations=10, log_every=3, progress=lambda i, c: seen.append((i, c)))
    assert [i for i, _ in seen] == [0, 3, 6, 9]
    assert all(isinstance(c, float) for _, c in seen)
    np.testing.assert_allclose([c for _, c in seen], costs, rtol=1e-12)


def _compiles(caplog):
    return [r for r in caplog.records if "Compiling" in r.getMessage()]


def test_second_fit_with_same_shapes_and_config_does_not_recompile(caplog):
    params, X, Y = problem(dims=(5, 3, 1), m=9, dtype=np.float32)
    kw = dict(hidden="tanh", learning_rate=0.1, num_iterations=11, log_every=4)
    caplog.set_level(logging.DEBUG)
    with jax.log_compiles(True):
        dnnjax.fit(params, X, Y, **kw)  # first call: compiles (shape never seen in this file)
        first = len(_compiles(caplog))
        caplog.clear()
        params2 = {k: v + 1 for k, v in params.items()}  # new values, same shapes
        dnnjax.fit(params2, X * 2, Y, **kw)
        second = _compiles(caplog)
    assert first >= 1, "the compile detector saw nothing on a first fit"
    assert second == [], [r.getMessage()[:120] for r in second]


def test_divergence_names_the_first_bad_iteration():
    """Linear regression with a step far above 2/lambda_max: the error grows ~60x per update
    and overflows float32. The hand loop finds the first iteration whose cost (or parameters)
    is not finite; fit must name that one."""
    params, X, Y = problem(dims=(3, 1), m=8, dtype=np.float32, output="linear", seed=6)
    lr = 30.0
    p, first_bad = {k: jnp.asarray(v) for k, v in params.items()}, None
    for i in range(200):
        finite_p = all(bool(jnp.all(jnp.isfinite(v))) for v in p.values())
        c = dnnjax.cost(p, X, Y, output="linear") if finite_p else jnp.nan
        if not (finite_p and np.isfinite(c)):
            first_bad = i
            break
        g = dnnjax.grads(p, X, Y, output="linear")
        p = {k: p[k] - lr * g[k] for k in p}
    assert first_bad is not None and first_bad > 3  # a genuinely later iteration, not 0 or 1
    with pytest.raises(dnnjax.TrainingDivergedError, match=rf"iteration {first_bad}\b") as info:
        dnnjax.fit(params, X, Y, output="linear", learning_rate=lr, num_iterations=200, log_every=7)
    assert info.value.iteration == first_bad
