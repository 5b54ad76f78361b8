"""A first run compiles few programs (issue 13): init, input conversion, optimizer state, the demo.

Each check counts XLA compiles with :class:`dnnjax.compile_report.CompileLog` (a cache cleared
first where another test may have compiled the same program) and checks that the values are the
ones the eager code they replace gave: init bit for bit, the rest exactly.
"""
from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np
import optax
import pytest

import dnnjax
from dnnjax import demo, inputs, plots
from dnnjax.compile_report import CompileLog
from dnnjax.init import _draw, _weight_scale
from dnnjax.training import state


def compiles(log) -> int:
    return sum(r.compiles for r in log.programs.values())


def per_layer_draws(key, dims, scale, dtype):
    """The former init_params: one eager draw per layer, ``normal(keys[l-1]) * s``."""
    keys = jax.random.split(key, len(dims) - 1)
    out = {}
    for l in range(1, len(dims)):
        n_prev, n = dims[l - 1], dims[l]
        s = _weight_scale(scale, n_prev, n)
        out[f"W{l}"] = (jnp.zeros((n, n_prev), dtype) if s == 0.0 else
                        jax.random.normal(keys[l - 1], (n, n_prev), dtype) * jnp.asarray(s, dtype))
        out[f"b{l}"] = jnp.zeros((n, 1), dtype)
    return out


def assert_same_bits(a: dict, b: dict):
    assert list(a) == list(b)  # W1, b1, W2, b2, ... (a jitted function's dict would come back sorted)
    for k in a:
        x, y = np.asarray(a[k]), np.asarray(b[k])
        assert x.dtype == y.dtype and x.shape == y.shape, k
        assert np.array_equal(x.view(np.uint8), y.view(np.uint8)), k  # bit for bit, -0.0 included


@pytest.mark.parametrize("dims, scale, seed", [((2, 20, 7, 5, 1), "he", 3), ((2, 4, 1), 0.01, 0),
                                               ((2, 4, 1), "sqrt_n", 12345), ((3, 1), "zeros", 0)])
def test_init_equals_the_per_layer_draws_bit_for_bit(dims, scale, seed):
    key = jax.random.key(seed)
    assert_same_bits(dnnjax.init_params(key, dims, scale=scale), per_layer_draws(key, dims, scale, jnp.float32))


def test_init_float64_and_legacy_keys_bit_for_bit(x64):
    assert_same_bits(dnnjax.init_params(jax.random.key(2), (2, 4, 1), scale="xavier", dtype=jnp.float64),
                     per_layer_draws(jax.random.key(2), (2, 4, 1), "xavier", jnp.float64))
    legacy = jax.random.PRNGKey(4)  # raw uint32 keys still work
    assert_same_bits(dnnjax.init_params(legacy, (2, 4, 1), scale=1.7, dtype=jnp.float64),
                     per_layer_draws(legacy, (2, 4, 1), 1.7, jnp.float64))


def test_init_is_one_program_per_architecture():
    key = jax.random.key(0)
    _draw.clear_cache()
    with CompileLog() as log:
        dnnjax.init_params(key, (3, 13, 2), scale="he")
        dnnjax.init_params(key, (3, 13, 2), scale=0.3)  # other scales: the same program
        dnnjax.init_params(jax.random.key(5), (3, 13, 2), scale="xavier")
    assert compiles(log) == 1 and log.programs["_draw"].compiles == 1


def test_prepare_converts_numpy_data_without_compiling():
    rng = np.random.default_rng(0)
    params = {"W1": rng.standard_normal((3, 2)).astype(np.float32), "b1": np.zeros((3, 1)),
              "W2": rng.standard_normal((1, 3)).astype(np.float32), "b2": np.zeros((1, 1), np.float32)}
    X, Y = rng.standard_normal((2, 37)), (rng.random((1, 37)) > 0.5).astype(np.int64)
    with CompileLog() as log:
        p, Xj, Yj = inputs.prepare(params, X, Y, hidden="relu", output="sigmoid")
    assert compiles(log) == 0
    assert all(isinstance(v, jax.Array) and v.dtype == jnp.float32 for v in (*p.values(), Xj, Yj))
    np.testing.assert_array_equal(np.asarray(Xj), X.astype(np.float32))  # NumPy's rounding is XLA's
    np.testing.assert_array_equal(np.asarray(jnp.asarray(X, jnp.float32)), np.asarray(Xj))
    np.testing.assert_array_equal(np.asarray(Yj), Y.astype(np.float32))
    Xj32 = jnp.asarray(X, jnp.float32)
    assert inputs.prepare(p, Xj32, None, hidden="relu", output="sigmoid")[1] is Xj32  # JAX arrays: no copy
    weak = jnp.asarray(1.5)  # a weak-typed scalar array is made strongly typed (it would change promotion)
    strong = inputs.as_jax(weak, jnp.float32)
    assert weak.weak_type and not strong.weak_type and strong.dtype == jnp.float32 and float(strong) == 1.5
    assert inputs.as_jax(Xj32.astype(jnp.bfloat16), jnp.float32).dtype == jnp.float32  # other dtypes converted


def test_optimizer_state_is_one_program_and_equals_optax_init():
    params = dnnjax.init_params(jax.random.key(1), (4, 6, 1), scale="he")
    opt = optax.adam(0.02)
    with CompileLog() as log:
        s = state.initial_opt_state(opt, params, None)
    assert compiles(log) == 1 and log.programs["_init"].compiles == 1
    ref = opt.init(params)
    assert jax.tree.structure(s) == jax.tree.structure(ref)
    for a, b in zip(jax.tree.leaves(s), jax.tree.leaves(ref)):
        assert a.dtype == b.dtype and np.array_equal(a, b)
    pointers = [leaf.unsafe_buffer_pointer() for leaf in jax.tree.leaves(s)]
    assert len(set(pointers)) == len(pointers)  # distinct buffers: the engine donates each one


def test_demo_evaluation_is_cost_and_predictions_in_one_program():
    X, Y = dnnjax.data.planar_flower()
    params = dnnjax.init_params(jax.random.key(3), (2, 5, 1), scale="he")
    grid = plots.boundary_grid(X, resolution=7)
    cost, pred, grid_pred = demo.evaluate(params, inputs.as_jax(X, jnp.float32), inputs.as_jax(Y, jnp.float32),
                                          inputs.as_jax(grid, jnp.float32), "tanh")
    # float32; one program instead of three, so XLA may fuse the cost's sum differently: 1e-6 relative
    assert float(cost) == pytest.approx(float(dnnjax.cost(params, X, Y, hidden="tanh")), rel=1e-6)
    np.testing.assert_array_equal(pred, dnnjax.predict(params, X, hidden="tanh"))
    np.testing.assert_array_equal(grid_pred, dnnjax.predict(params, grid, hidden="tanh"))
