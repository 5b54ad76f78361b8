"""Validation inside a user's own jit and the wording of layer-shape errors."""
import jax
import jax.numpy as jnp
import numpy as np
import pytest

import dnnjax
from dnnjax.errors import ShapeError


def _data():
    params = dnnjax.init_params(jax.random.key(0), [2, 3, 5, 4, 1])
    X = jnp.asarray(np.random.default_rng(0).normal(size=(2, 6)), jnp.float32)
    Y = jnp.asarray([[0, 1, 1, 0, 1, 0]], jnp.float32)
    return params, X, Y


def test_public_functions_work_under_a_users_jit_with_data_closed_over():
    params, X, Y = _data()
    eager = float(dnnjax.cost(params, X, Y))
    assert float(jax.jit(lambda p: dnnjax.cost(p, X, Y))(params)) == pytest.approx(eager, rel=1e-6)
    g = jax.jit(lambda p: dnnjax.grads(p, X, Y))(params)
    np.testing.assert_allclose(g["W2"], dnnjax.grads(params, X, Y)["W2"], rtol=1e-5, atol=1e-7)
    assert jax.jit(lambda p: dnnjax.forward(p, X))(params).shape == (1, 6)


def test_nan_in_closed_over_X_is_still_refused_under_jit():
    params, X, Y = _data()
    X = X.at[0, 0].set(jnp.nan)
    with pytest.raises(ValueError, match="X contains NaN"):
        jax.jit(lambda p: dnnjax.cost(p, X, Y))(params)


def test_transposed_weight_names_the_right_shape():
    params, X, Y = _data()
    params["W3"] = params["W3"].T                       # (5, 4) instead of (4, 5)
    with pytest.raises(ShapeError, match=r"= \(4, 5\) to follow W2 of shape \(5, 3\); got \(5, 4\); it looks transposed"):
        dnnjax.cost(params, X, Y)


def test_finiteness_is_remembered_only_for_finite_arrays_while_they_live():
    from dnnjax import validate

    params, X, Y = _data()
    bad = X.at[0, 0].set(jnp.inf)
    for _ in range(2):  # a non-finite array is refused on every call, never remembered
        with pytest.raises(ValueError, match="X contains NaN or inf"):
            dnnjax.fit(params, bad, Y, num_iterations=1)
    assert id(bad) not in validate._FINITE
    dnnjax.fit(params, X, Y, num_iterations=1)
    assert validate._FINITE[id(X)]() is X  # the next fit on this X skips the test
    key = id(X)
    del X
    import gc

    gc.collect()
    assert key not in validate._FINITE  # forgotten with the array (its id may be reused)
