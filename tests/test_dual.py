"""The dual (Gram) form of the first layer gives the primal gradient-descent iterates.

float64: the two loops differ only in rounding (W1 X carried through X^T X instead of
recomputed), so parameters and costs agree to 1e-10 relative over hundreds of iterations
on well-conditioned problems (centred X, stable learning rates: there a 1e-13 nudge of the
start moves the result by ~1e-13; with uncentred X in [0, 1] the same nudge grows to 1e-5,
and any two summation orders, primal manual vs autodiff included, differ that much). float32: to 1e-4 relative (rounding ~1e-7 per step, amplified
mildly over 300 steps; a real error, e.g. a missing 1/m or a dropped b1 gradient, is O(1)).
"""
import jax.numpy as jnp
import numpy as np
import pytest

import dnnjax
from dnnjax import dual


def problem(dims, m, output, seed=0):
    rng = np.random.RandomState(seed)
    p = {}
    for l in range(1, len(dims)):
        p[f"W{l}"] = rng.randn(dims[l], dims[l - 1]) / np.sqrt(dims[l - 1])
        p[f"b{l}"] = rng.randn(dims[l], 1) * 0.1
    X = rng.rand(dims[0], m) - 0.5  # centred: well-conditioned, so rounding is not amplified
    if output == "softmax":
        Y = np.eye(dims[-1])[rng.randint(0, dims[-1], m)].T
    elif output == "sigmoid":
        Y = (rng.rand(dims[-1], m) > 0.5).astype(float)
    else:
        Y = rng.randn(dims[-1], m)
    return p, X, Y


def rel(a, b):
    return max(float(jnp.max(jnp.abs(a[k] - b[k])) / jnp.max(jnp.abs(b[k]))) for k in b)


@pytest.mark.parametrize("hidden,output,n_out,lr", [("relu", "sigmoid", 1, 0.05), ("tanh", "softmax", 3, 0.05),
                                                    ("leaky_relu", "linear", 2, 0.005), ("sigmoid", "sigmoid", 1, 0.5)])
@pytest.mark.parametrize("method", ["autodiff", "manual"])
def test_dual_equals_primal_float64(x64, hidden, output, n_out, lr, method):
    p, X, Y = problem([300, 7, 5, n_out], 50, output)
    kw = dict(hidden=hidden, output=output, learning_rate=lr, num_iterations=333, method=method, log_every=50)
    primal, c_primal = dnnjax.fit(p, X, Y, gram=False, **kw)
    dualp, c_dual = dnnjax.fit(p, X, Y, gram=True, **kw)
    assert rel(dualp, primal) < 1e-10
    np.testing.assert_allclose(c_dual, c_primal, rtol=1e-10)
    assert c_primal[-1] < c_primal[0]  # it trained: the comparison is not between two no-ops


def test_dual_equals_primal_float32_logistic_regression():
    p, X, Y = problem([400, 1], 60, "sigmoid", seed=1)
    kw = dict(learning_rate=0.01, num_iterations=300, log_every=30)
    primal, c_primal = dnnjax.fit(p, X, Y, gram=False, **kw)
    dualp, c_dual = dnnjax.fit(p, X, Y, gram=True, **kw)
    assert rel(dualp, primal) < 1e-4
    np.testing.assert_allclose(c_dual, c_primal, rtol=1e-4)


def test_auto_picks_dual_only_where_it_saves_work(monkeypatch):
    calls = []
    real = dual.train_chunks_jit
    monkeypatch.setattr(dual, "train_chunks_jit", lambda *a, **k: calls.append(1) or real(*a, **k))
    p, X, Y = problem([40, 3, 1], 20, "sigmoid")
    dnnjax.fit(p, X, Y, num_iterations=20, log_every=10)  # m <= n_x, chunks of 10: dual
    assert len(calls) == 1
    dnnjax.fit(p, X, Y, num_iterations=20, log_every=1)  # chunks too short to amortise W1 rebuilds
    dnnjax.fit(p, X, Y, num_iterations=20, log_every=10, optimizer=__import__("optax").sgd(0.01))  # not plain GD
    q, Xw, Yw = problem([5, 3, 1], 20, "sigmoid")
    dnnjax.fit(q, Xw, Yw, num_iterations=20, log_every=10)  # m > n_x
    assert len(calls) == 1
    assert dual.worthwhile(12288, 209, 100) and not dual.worthwhile(784, 10000, 100)


def test_dual_divergence_names_the_iteration():
    p, X, Y = problem([300, 7, 1], 50, "linear")
    kw = dict(output="linear", learning_rate=10.0, num_iterations=200, log_every=20)
    with pytest.raises(dnnjax.TrainingDivergedError) as err:
        dnnjax.fit(p, X * 10, Y, gram=True, **kw)
    with pytest.raises(dnnjax.TrainingDivergedError) as ref:
        dnnjax.fit(p, X * 10, Y, gram=False, **kw)
    assert err.value.iteration == ref.value.iteration
    assert f"iteration {err.value.iteration}" in str(err.value)


def test_gram_argument_is_checked():
    p, X, Y = problem([30, 1], 10, "sigmoid")
    with pytest.raises(dnnjax.InvalidValueError, match="gram"):
        dnnjax.fit(p, X, Y, gram="yes")
