"""dnnjax.sweep: many models in one compiled call equal separate dnnjax.fit calls.

Tolerances: float64 1e-10 (absolute, on parameters of size ~1 and costs ~0.7): the batched
program sums the same terms as the single one, possibly in another order, so the two differ by
rounding (~1e-16 per step) that gradient descent at these stable rates does not amplify.
float32 1e-5: the same rounding at float32's eps (~1.2e-7) accumulated over 60 steps.
"""
from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np
import optax
import pytest

import dnnjax
from dnnjax import data, sweep
from dnnjax.errors import InvalidTypeError, InvalidValueError, ShapeError

FLOWER = data.planar_flower(m=120)
KW = dict(hidden="tanh", num_iterations=40, log_every=20)  # one configuration, so compiled loops are shared


def _close(a, b, tol):
    for k in a:
        np.testing.assert_allclose(np.asarray(a[k]), np.asarray(b[k]), rtol=0, atol=tol, err_msg=k)


def _params(dims, seed, dtype=np.float64, scale=0.5):
    """NumPy-made parameters (no eager JAX ops, so the tests compile only what they test)."""
    rng = np.random.default_rng(seed)
    return {f"{c}{l}": (rng.normal(size=(dims[l], dims[l - 1] if c == "W" else 1)) * (scale if c == "W" else 0.1)).astype(dtype)
            for l in range(1, len(dims)) for c in "Wb"}


def _batch(n, dims, dtype=np.float64):
    ps = [_params(dims, seed, dtype) for seed in range(n)]
    return ps, {k: np.stack([p[k] for p in ps]) for k in ps[0]}


def _np(res):
    return jax.tree.map(np.asarray, res)


@pytest.mark.parametrize("method", ["autodiff", "manual"])
def test_fit_many_equals_separate_fits_float64(x64, method):
    X, Y = FLOWER
    lrs = [1.2, 0.5, 0.05]
    ps, batch = _batch(3, [2, 4, 1])
    kw = dict(hidden="tanh", num_iterations=50, log_every=20, method=method)  # 2 full chunks + a rest of 10
    res = _np(sweep.fit_many(batch, X, Y, learning_rates=lrs, **kw))
    assert res.costs.shape == (3, 3) and res.params["W1"].shape == (3, 4, 2)
    assert not np.any(res.diverged) and np.all(np.asarray(res.first_bad) == -1)
    for i, (p, lr) in enumerate(zip(ps, lrs)):
        p_fit, c_fit = dnnjax.fit(p, X, Y, learning_rate=lr, **kw)
        _close(sweep.take(res.params, i), p_fit, 1e-10)
        np.testing.assert_allclose(res.costs[i], c_fit, rtol=0, atol=1e-10)
    assert np.max(np.abs(res.params["W1"][0] - res.params["W1"][2])) > 1e-3  # the models really differ


def test_fit_many_float32_and_shared_start():
    X, Y = FLOWER
    p = _params([2, 4, 1], 0, np.float32)
    lrs = [1.0, 0.1]
    res = _np(sweep.fit_many(p, X, Y, learning_rates=lrs, **KW))  # one network shared by every model
    assert res.params["W1"].dtype == np.float32 and res.costs.shape == (2, 2)
    for i, lr in enumerate(lrs):
        p_fit, c_fit = dnnjax.fit(p, X, Y, learning_rate=lr, **KW)
        _close(sweep.take(res.params, i), p_fit, 1e-5)
        np.testing.assert_allclose(res.costs[i], c_fit, rtol=0, atol=1e-5)


def test_fit_seeds_equals_init_then_fit(x64, key):
    X, Y = FLOWER
    keys = jax.random.split(key, 3)
    res = _np(sweep.fit_seeds(keys, [2, 4, 1], X, Y, scale="xavier", dtype=jnp.float64, learning_rates=1.2, **KW))
    for i in range(3):
        p0 = dnnjax.init_params(keys[i], [2, 4, 1], scale="xavier", dtype=jnp.float64)
        p_fit, c_fit = dnnjax.fit(p0, X, Y, learning_rate=1.2, **KW)
        _close(sweep.take(res.params, i), p_fit, 1e-10)
        np.testing.assert_allclose(res.costs[i], c_fit, rtol=0, atol=1e-10)
    raw = sweep.fit_seeds(jax.random.key_data(keys), [2, 4, 1], X, Y, scale="xavier", dtype=jnp.float64,
                          learning_rates=1.2, **KW)  # raw (B, 2) uint32 keys: the same models
    _close(_np(raw.params), res.params, 0.0)


@pytest.mark.parametrize("hidden, sizes", [("tanh", [1, 4, 8]), ("sigmoid", [4, 8])])  # sigmoid: a masked unit outputs 0.5
def test_hidden_size_sweep_equals_small_networks(x64, hidden, sizes):
    X, Y = FLOWER
    p0 = _params([2, 8, 1], 3)
    kw = {**KW, "hidden": hidden}
    res = _np(sweep.fit_hidden_sizes(p0, X, Y, sizes, learning_rates=1.2, **kw))
    for i, n in enumerate(sizes):
        p_fit, c_fit = dnnjax.fit(sweep.sub_network(p0, n), X, Y, learning_rate=1.2, **kw)
        full = sweep.take(res.params, i)
        _close(sweep.sub_network(full, n), p_fit, 1e-10)
        np.testing.assert_allclose(res.costs[i], c_fit, rtol=0, atol=1e-10)
        assert np.all(full["W1"][n:] == 0) and np.all(full["b1"][n:] == 0) and np.all(full["W2"][:, n:] == 0)


def test_hidden_size_masks_deep_layer():
    m = sweep.hidden_size_masks([3, 6, 5, 2], [2, 5], layer=2)
    assert m["W2"].shape == (2, 5, 6) and m["W3"].shape == (2, 2, 5) and m["W1"].shape == (2, 6, 3)
    np.testing.assert_array_equal(m["b2"][0, :, 0], [1, 1, 0, 0, 0])
    np.testing.assert_array_equal(m["W3"][0], [[1, 1, 0, 0, 0]] * 2)
    assert np.all(m["W1"] == 1) and np.all(m["W2"][1] == 1)
    np.testing.assert_array_equal(m["W2"][0].sum(axis=1), [6, 6, 0, 0, 0])


def test_divergence_is_reported_not_raised():
    X = np.random.default_rng(5).normal(size=(3, 40)).astype(np.float32)
    Y = np.sum(X, axis=0, keepdims=True)
    p = _params([3, 4, 1], 6, np.float32)
    kw = dict(hidden="relu", output="linear", num_iterations=40, log_every=10)
    res = _np(sweep.fit_many(p, X, Y, learning_rates=[0.01, 1e3], **kw))
    np.testing.assert_array_equal(res.diverged, [False, True])
    with pytest.raises(dnnjax.TrainingDivergedError) as err:
        dnnjax.fit(p, X, Y, learning_rate=1e3, **kw)
    assert int(res.first_bad[1]) == err.value.iteration and int(res.first_bad[0]) == -1
    p_fit, _ = dnnjax.fit(p, X, Y, learning_rate=0.01, **kw)
    _close(sweep.take(res.params, 0), p_fit, 1e-5)  # the healthy model is untouched by its neighbour


def test_optimizer_factory_equals_fit_with_optax(x64):
    X, Y = FLOWER
    p = _params([2, 4, 1], 7)
    res = _np(sweep.fit_many(p, X, Y, learning_rates=[0.05, 0.005], optimizer=optax.adam, **KW))
    for i, lr in enumerate([0.05, 0.005]):
        p_fit, c_fit = dnnjax.fit(p, X, Y, optimizer=optax.adam(lr), **KW)
        _close(sweep.take(res.params, i), p_fit, 1e-10)
        np.testing.assert_allclose(res.costs[i], c_fit, rtol=0, atol=1e-10)


def test_compiles_once_per_configuration(key):
    X, Y = FLOWER
    _, batch = _batch(2, [2, 4, 1], np.float32)
    sweep.fit_many(batch, X, Y, learning_rates=[0.1, 0.2], **KW)
    n = sweep._fit_many_jit._cache_size()
    other = jax.tree.map(lambda a: a * 2, batch)  # new values, same shapes: no recompilation
    r = sweep.fit_many(other, X, Y, learning_rates=[0.5, 0.6], **KW)
    assert sweep._fit_many_jit._cache_size() == n and np.all(np.isfinite(r.costs))
    sweep.fit_many(batch, X, Y, learning_rates=0.1, **{**KW, "num_iterations": 20})  # new plan: new program
    assert sweep._fit_many_jit._cache_size() == n + 1
    with jax.enable_x64(True):  # the configuration of test_fit_seeds_equals_init_then_fit
        sweep.fit_seeds(jax.random.split(key, 3), [2, 4, 1], X, Y, scale="xavier", dtype=jnp.float64, **KW)
        n = sweep._fit_seeds_jit._cache_size()
        sweep.fit_seeds(jax.random.split(jax.random.key(1), 3), [2, 4, 1], X, Y, scale="xavier", dtype=jnp.float64,
                        learning_rates=[1.0, 2.0, 3.0], **KW)
        assert sweep._fit_seeds_jit._cache_size() == n


def test_bad_inputs_raise_clear_errors():
    X, Y = FLOWER
    _, batch = _batch(3, [2, 3, 1], np.float32)
    with pytest.raises(ShapeError, match="learning_rates"):
        sweep.fit_many(batch, X, Y, learning_rates=[0.1, 0.2])
    with pytest.raises(InvalidValueError, match="learning_rates"):
        sweep.fit_many(batch, X, Y, learning_rates=[0.1, -0.2, 0.3])
    with pytest.raises(InvalidValueError, match="learning_rates"):
        sweep.fit_many(batch, X, Y, learning_rates=float("nan"))
    with pytest.raises(ShapeError, match="X"):
        sweep.fit_many(batch, X[:1], Y)
    with pytest.raises(ShapeError, match="batch size"):
        sweep.fit_many({**batch, "b2": batch["b2"][:2]}, X, Y)
    with pytest.raises(InvalidValueError, match="method"):
        sweep.fit_many(batch, X, Y, method="numeric")
    with pytest.raises(InvalidValueError, match="masks"):
        sweep.fit_many(batch, X, Y, masks={k: 0.5 * np.ones(v.shape) for k, v in batch.items()})
    with pytest.raises(InvalidTypeError, match="keys"):
        sweep.fit_seeds([1, 2, 3], [2, 3, 1], X, Y)
    with pytest.raises(InvalidValueError, match="sizes"):
        sweep.fit_hidden_sizes(sweep.take(batch, 0), X, Y, [1, 4])
    with pytest.raises(InvalidValueError, match="layer"):
        sweep.hidden_size_masks([2, 3, 1], [1], layer=2)
    with pytest.raises(InvalidTypeError, match="optimizer"):
        sweep.fit_many(batch, X, Y, optimizer="adam")
