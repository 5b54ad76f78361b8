"""The dual (Gram) form of the first layer gives the primal gradient-descent iterates.

float64: the two loops differ only in rounding (W1 X carried through X^T X instead of
recomputed), so parameters and costs agree to 1e-10 relative over hundreds of iterations
on well-conditioned problems (centred X, stable learning rates: there a 1e-13 nudge of the
start moves the result by ~1e-13; with uncentred X in [0, 1] the same nudge grows to 1e-5,
and any two summation orders, primal manual vs autodiff included, differ that much). float32: to 1e-4 relative (rounding ~1e-7 per step, amplified
mildly over 300 steps; a real error, e.g. a missing 1/m or a dropped b1 gradient, is O(1)).

Float32 against float64 (issue 8): the Gram form's final parameters must be as close to a
float64 run of the same gradient descent as the primal float32 loop's are, within 2x of the
primal loop's own distance, on all-positive data (pixels in [0, 1], where ``X^T X`` has a
large rank-one part) at several ``log_every``, both methods. On the synthetic problem below
the Gram form that carried ``W1 X`` for a whole chunk ended 8.5e-4 away at ``log_every`` 50
and 100 against 7e-7 for the primal loop (1200x); the 2x margin is for rounding that differs
but is of the same size (0.6x here since the fix; 0.7-1.24x on the benchmark's cat-shaped
problems, ``experiments/gram_drift.py``). On the cat images over 300 iterations both forms
pass; over 2500 iterations single runs are a lottery for every float32 loop (the dual module's
docstring), too slow and too chaotic for a unit test.
"""
import jax
import jax.numpy as jnp
import numpy as np
import pytest

import dnnjax
from dnnjax import dual
from dnnjax.data.catvnoncat import load_catvnoncat


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


def rel_norm(a, b):
    """``max_k ||a[k] - b[k]|| / ||b[k]||`` (Frobenius norms, in float64)."""
    return max(float(np.linalg.norm(np.asarray(a[k], np.float64) - b[k]) / np.linalg.norm(b[k])) for k in b)


def float64_run(p, X, Y, n):
    with jax.enable_x64(True):
        as64 = lambda a: np.asarray(a, np.float64)
        ref, _ = dnnjax.fit({k: as64(v) for k, v in p.items()}, as64(X), as64(Y), learning_rate=0.0075,
                            num_iterations=n, gram=False, log_every=n)
        return {k: np.asarray(v) for k, v in ref.items()}


def assert_gram_tracks_float64(p, X, Y, n, log_everys, method, ref):
    kw = dict(learning_rate=0.0075, num_iterations=n, method=method)
    primal = rel_norm(dnnjax.fit(p, X, Y, gram=False, log_every=n, **kw)[0], ref)
    gram = {le: rel_norm(dnnjax.fit(p, X, Y, gram=True, log_every=le, **kw)[0], ref) for le in log_everys}
    far = {le: f"{d:.1e}" for le, d in gram.items() if d > 2 * primal}
    assert not far, f"Gram form further than 2x the primal loop's {primal:.1e} from float64 at log_every {far}"
    assert primal < 1e-5  # a well-conditioned run: the distances measure rounding, not chaos


@pytest.fixture(scope="module")
def positive_problem():
    """Shaped like the cat data: 12288-7-1, m = 209, features uniform in [0, 1), the course's
    0.01 initialisation (key 3: the case where the whole-chunk carry drifted), 300 iterations."""
    rng = np.random.RandomState(0)
    X = rng.rand(12288, 209).astype(np.float32)
    Y = (rng.rand(1, 209) > 0.5).astype(np.float32)
    p = {k: np.asarray(v) for k, v in dnnjax.init_params(jax.random.key(3), [12288, 7, 1]).items()}
    return p, X, Y, float64_run(p, X, Y, 300)


@pytest.mark.parametrize("method", ["autodiff", "manual"])
def test_float32_gram_form_tracks_float64_like_the_primal_loop(positive_problem, method):
    p, X, Y, ref = positive_problem
    assert_gram_tracks_float64(p, X, Y, 300, (10, 50, 100, 250), method, ref)


@pytest.fixture(scope="module")
def cat_problem():
    from conftest import CAT_DIR

    if CAT_DIR is None:
        pytest.skip("cat/non-cat h5 files not found (set DNNJAX_DATA_DIR)")
    X, Y = (a.astype(np.float32) for a in load_catvnoncat(CAT_DIR)[:2])
    p = {k: np.asarray(v) for k, v in dnnjax.init_params(jax.random.key(1), [12288, 7, 1]).items()}
    return p, X, Y, float64_run(p, X, Y, 300)


@pytest.mark.parametrize("method", ["autodiff", "manual"])
def test_float32_gram_form_tracks_float64_on_the_cat_data(cat_problem, method):
    p, X, Y, ref = cat_problem
    assert_gram_tracks_float64(p, X, Y, 300, (10, 100, 300), method, ref)
