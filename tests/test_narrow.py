"""The narrow form (dnnjax.narrow) is the manual backward pass, rearranged for few kernels.

float64: the same formulas with a different summation order, so gradients agree with
``dnnjax.backprop`` to 1e-12 relative and training runs to 1e-10 (RTOL_TRAIN, as the other
loop-vs-loop comparisons); float32: 1e-4 over a few hundred steps (~1e-7 rounding per op,
mildly amplified; a real error such as a missing 1/m is O(1)).
"""
import jax
import jax.numpy as jnp
import numpy as np
import pytest
from helpers import RTOL64, RTOL_TRAIN, close
from test_dual import problem, rel

import dnnjax
from dnnjax import backprop, narrow, train

HIDDEN = ["relu", "tanh", "sigmoid", "leaky_relu"]
OUTPUTS = [("sigmoid", 1), ("softmax", 3), ("linear", 2)]


@pytest.mark.parametrize("hidden", HIDDEN)
@pytest.mark.parametrize("output,n_out", OUTPUTS)
@pytest.mark.parametrize("dims", [[2, 4], [3, 5, 4], [8, 1, 8]])
def test_gradients_equal_backprop_float64(x64, hidden, output, n_out, dims):
    p, X, Y = problem(dims + [n_out], 37, output)
    _, ref = backprop.value_and_grad(p, X, Y, hidden, output)
    for fn in (narrow.value_and_grad, narrow.value_and_grad_batched):
        check, g = jax.jit(fn, static_argnums=3)(p, X, Y, (hidden, output, "manual"))
        assert list(g) == list(ref)
        for k in ref:
            close(g[k], ref[k], RTOL64)
        assert float(check) == 0.0
    cost = narrow.cost(p, X, Y, (hidden, output, "manual"))
    close(cost, dnnjax.cost(p, X, Y, hidden=hidden, output=output), RTOL64)


@pytest.mark.parametrize("output,n_out", OUTPUTS)
def test_check_is_nan_exactly_when_logits_are_not_finite(output, n_out):
    p, X, Y = problem([2, 4, n_out], 9, output)
    config = ("tanh", output, "manual")
    for fn in (narrow.value_and_grad, narrow.value_and_grad_batched):
        assert float(fn(p, X, Y, config)[0]) == 0.0
    p["b2"][0, 0] = np.inf
    for fn in (narrow.value_and_grad, narrow.value_and_grad_batched):
        assert np.isnan(float(fn(p, X, Y, config)[0]))
    assert not np.isfinite(float(dnnjax.cost(p, X, Y, hidden="tanh", output=output)))


def test_applies_to_narrow_networks_only():
    assert narrow.applies([2, 4, 1]) and narrow.applies([8, 8, 8])
    assert not narrow.applies([9, 4, 1]) and not narrow.applies([2, 50, 1]) and not narrow.applies([12288, 7, 1])


def core_fit(p, X, Y, **kw):
    """``fit``'s loop with the core step functions (no narrow form)."""
    config = (kw.pop("hidden"), kw.pop("output"), kw.pop("method"))
    params, X, Y = dnnjax.inputs.prepare(p, X, Y, hidden=config[0], output=config[1])
    return train.run(params, X, Y, grad_fn=train.core_value_and_grad, config=config, **kw)


@pytest.mark.parametrize("hidden,output,n_out,lr", [("tanh", "sigmoid", 1, 1.2), ("relu", "softmax", 3, 0.5),
                                                    ("leaky_relu", "linear", 2, 0.05)])
def test_fit_manual_uses_narrow_form_and_equals_core_loop_float64(x64, monkeypatch, hidden, output, n_out, lr):
    calls = []
    real = narrow.value_and_grad
    monkeypatch.setattr(narrow, "value_and_grad", lambda *a: calls.append(1) or real(*a))
    p, X, Y = problem([2, 4, n_out], 400, output)
    kw = dict(hidden=hidden, output=output, learning_rate=lr, num_iterations=350, log_every=100, method="manual")
    got, c_got = dnnjax.fit(p, X, Y, **kw)
    assert calls  # traced through the narrow step
    ref, c_ref = core_fit(p, X, Y, **kw)
    assert rel(got, ref) < RTOL_TRAIN
    close(c_got, c_ref, RTOL_TRAIN)
    assert c_ref[-1] < c_ref[0]  # it trained


def test_fit_manual_narrow_float32_equals_autodiff():
    p, X, Y = problem([2, 4, 1], 400, "sigmoid", seed=3)
    kw = dict(hidden="tanh", learning_rate=1.2, num_iterations=300, log_every=50)
    man, c_man = dnnjax.fit(p, X, Y, method="manual", **kw)
    auto, c_auto = dnnjax.fit(p, X, Y, method="autodiff", **kw)
    assert man["W1"].dtype == jnp.float32
    assert rel(man, auto) < 1e-4
    np.testing.assert_allclose(c_man, c_auto, rtol=1e-4)


@pytest.mark.parametrize("log_every", [1, 7, 50])
def test_narrow_divergence_names_the_same_iteration_as_the_core_loop(log_every):
    p, X, Y = problem([3, 4, 2], 40, "linear")
    kw = dict(hidden="relu", output="linear", learning_rate=30.0, num_iterations=200, log_every=log_every)
    with pytest.raises(dnnjax.TrainingDivergedError) as got:
        dnnjax.fit(p, X * 10, Y, method="manual", **kw)
    with pytest.raises(dnnjax.TrainingDivergedError) as ref:
        core_fit(p, (X * 10).astype(np.float32), Y.astype(np.float32), method="manual", **kw)
    assert 0 < got.value.iteration < 200
    assert got.value.iteration == ref.value.iteration


def test_sweep_of_narrow_models_equals_separate_fits_float64(x64):
    ps = [problem([2, 4, 1], 200, "sigmoid", seed=s)[0] for s in range(3)]
    _, X, Y = problem([2, 4, 1], 200, "sigmoid")
    batch = {k: np.stack([p[k] for p in ps]) for k in ps[0]}
    kw = dict(hidden="tanh", output="sigmoid", num_iterations=250, log_every=50, method="manual")
    res = dnnjax.sweep.fit_many(batch, X, Y, learning_rates=[0.5, 1.0, 1.2], **kw)
    for i, (p, lr) in enumerate(zip(ps, [0.5, 1.0, 1.2])):
        ref, c_ref = core_fit(p, X, Y, learning_rate=lr, **kw)
        assert rel(dnnjax.sweep.take(res.params, i), ref) < RTOL_TRAIN
        close(res.costs[i], c_ref, RTOL_TRAIN)
    assert not bool(np.any(res.diverged))


def test_training_loops_compile_with_cpu_options_on_cpu_and_agree_with_plain():
    from dnnjax import compiled

    p, X, Y = problem([2, 4, 1], 400, "sigmoid", seed=5)
    p, X, Y = dnnjax.inputs.prepare(p, X, Y, hidden="tanh", output="sigmoid")
    jit = train._train_chunks_jit
    args = (p, (), X, Y, jnp.float32(1.2), 0)
    kw = dict(grad_fn=narrow.value_and_grad, config=("tanh", "sigmoid", "manual"), optimizer=None, n_chunks=3,
              chunk=50, cost_fn=narrow.cost)
    assert jit.for_args(args) is jit.cpu  # the arrays are on the CPU
    assert compiled.CPU_OPTIONS["xla_cpu_prefer_vector_width"] == 512
    copy = lambda: jax.tree.map(jnp.copy, p)  # both jits donate their params
    cpu = jit.cpu(copy(), *args[1:], **kw)
    plain = jit.plain(copy(), *args[1:], **kw)
    assert rel(cpu[0], plain[0]) < 1e-5  # float32: same program, vector width changes only rounding
    np.testing.assert_allclose(cpu[2], plain[2], rtol=1e-5)


def test_float64_loops_compile_plain(x64):
    p, X, Y = problem([2, 4, 1], 40, "sigmoid")
    p, X, Y = dnnjax.inputs.prepare(p, X, Y, hidden="tanh", output="sigmoid")
    assert X.dtype == jnp.float64
    jit = train._train_chunks_jit
    assert jit.for_args((p, (), X, Y, jnp.float64(1.2), 0)) is jit.plain  # summation order of the pinned results


def test_narrow_with_optax_and_progress_equals_core_loop_float64(x64):
    import optax

    p, X, Y = problem([3, 5, 2], 120, "softmax", seed=2)
    opt = optax.adam(0.02)
    kw = dict(hidden="relu", output="softmax", num_iterations=120, log_every=30, method="manual", optimizer=opt)
    seen = []
    got, c_got = dnnjax.fit(p, X, Y, progress=lambda i, c: seen.append((i, c)), learning_rate=1.0, **kw)
    ref, c_ref = core_fit(p, X, Y, learning_rate=1.0, **kw)
    assert rel(got, ref) < RTOL_TRAIN
    close(c_got, c_ref, RTOL_TRAIN)
    assert [i for i, _ in seen] == [0, 30, 60, 90]
    close([c for _, c in seen], c_ref, RTOL_TRAIN)
    assert c_ref[-1] < c_ref[0]
