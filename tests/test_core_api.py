"""The core API of DESIGN.md section 3: init_params, forward, cost, predict.

References are written here in plain NumPy (float64) from the course's formulas, so the
comparisons are against an independent implementation, not the library's own code:
float64 results must match to 1e-12 relative (same maths, different summation order);
float32 stability checks use 1e-6 relative (float32 epsilon ~1.2e-7 with a little headroom).
"""
import jax
import jax.numpy as jnp
import numpy as np
import pytest

import dnnjax

NP_HIDDEN = {"relu": lambda z: np.maximum(z, 0), "tanh": np.tanh,
             "sigmoid": lambda z: 1 / (1 + np.exp(-z)), "leaky_relu": lambda z: np.where(z > 0, z, 0.01 * z)}


def np_logits(params, X, hidden):
    """Z_L (n_L, m) by the course's forward pass in NumPy."""
    L, A = len(params) // 2, np.asarray(X, np.float64)
    for l in range(1, L + 1):
        Z = np.asarray(params[f"W{l}"], np.float64) @ A + np.asarray(params[f"b{l}"], np.float64)
        A = NP_HIDDEN[hidden](Z)
    return Z


def random_net(dims, seed=0, dtype=np.float64):
    rng = np.random.RandomState(seed)
    p = {}
    for l in range(1, len(dims)):
        p[f"W{l}"] = rng.randn(dims[l], dims[l - 1]).astype(dtype)
        p[f"b{l}"] = rng.randn(dims[l], 1).astype(dtype)
    return p, rng.randn(dims[0], 7).astype(dtype)


# ---------------------------------------------------------------- init_params

def test_init_shapes_zero_biases_and_default_dtype(key):
    dims = [5, 4, 3, 1]
    p = dnnjax.init_params(key, dims)
    assert set(p) == {"W1", "b1", "W2", "b2", "W3", "b3"}
    for l in range(1, 4):
        assert p[f"W{l}"].shape == (dims[l], dims[l - 1]) and p[f"b{l}"].shape == (dims[l], 1)
        assert p[f"W{l}"].dtype == jnp.float32 and p[f"b{l}"].dtype == jnp.float32
        assert np.all(np.asarray(p[f"b{l}"]) == 0)
        assert np.all(np.asarray(p[f"W{l}"]) != 0)
    lr = dnnjax.init_params(key, (6, 1))  # logistic regression; a tuple works too
    assert lr["W1"].shape == (1, 6) and lr["b1"].shape == (1, 1)


def test_init_keys_per_layer(key):
    same_shapes = [3, 3, 3, 3]
    a, b = dnnjax.init_params(key, same_shapes), dnnjax.init_params(key, same_shapes)
    for k in a:  # same key -> same parameters
        np.testing.assert_array_equal(a[k], b[k])
    # layers of equal shape draw from their own keys, so they differ
    assert not np.allclose(a["W1"], a["W2"]) and not np.allclose(a["W2"], a["W3"])
    c = dnnjax.init_params(jax.random.key(1), same_shapes)
    assert not np.allclose(a["W1"], c["W1"])


@pytest.mark.parametrize("scale, std", [
    (0.01, lambda n_prev, n: 0.01),
    (0.5, lambda n_prev, n: 0.5),
    ("sqrt_n", lambda n_prev, n: 1 / np.sqrt(n_prev)),  # the course's deep init
    ("he", lambda n_prev, n: np.sqrt(2 / n_prev)),  # He et al. 2015
    ("xavier", lambda n_prev, n: np.sqrt(2 / (n_prev + n))),  # Glorot & Bengio 2010, normal
])
def test_init_scales_multiply_the_same_normal_draws(key, scale, std):
    dims = [6, 4, 2]
    unit = dnnjax.init_params(key, dims, scale=1.0)
    p = dnnjax.init_params(key, dims, scale=scale)
    for l in (1, 2):
        expected = np.asarray(unit[f"W{l}"]) * std(dims[l - 1], dims[l])
        np.testing.assert_allclose(p[f"W{l}"], expected, rtol=1e-6)  # float32 product rounding
        assert np.all(np.asarray(p[f"b{l}"]) == 0)


def test_init_sqrt_n_standard_deviation_statistically(key):
    """W1 (200, 400): 80 000 N(0, 1/400) draws. The sample std's relative standard error is
    1/sqrt(2N) = 0.25 %, so 2 % is 8 sigma; the mean's standard error is std/sqrt(N)."""
    p = dnnjax.init_params(key, [400, 200, 50], scale="sqrt_n")
    for l, n_prev in ((1, 400), (2, 200)):
        W = np.asarray(p[f"W{l}"], np.float64)
        sd = 1 / np.sqrt(n_prev)
        assert abs(W.std() / sd - 1) < 8 / np.sqrt(2 * W.size)
        assert abs(W.mean()) < 8 * sd / np.sqrt(W.size)


def test_init_zeros(key):
    p = dnnjax.init_params(key, [4, 1], scale="zeros")
    assert np.all(np.asarray(p["W1"]) == 0) and np.all(np.asarray(p["b1"]) == 0)


def test_init_float64(key, x64):
    p = dnnjax.init_params(key, [3, 2, 1], dtype=jnp.float64)
    assert all(v.dtype == jnp.float64 for v in p.values())


def test_init_float64_without_x64_is_a_clear_error(key):
    with pytest.raises(dnnjax.InvalidValueError, match=r"float64.*jax\.enable_x64"):
        dnnjax.init_params(key, [3, 2, 1], dtype=jnp.float64)


# ---------------------------------------------------------------- forward and cost

@pytest.mark.parametrize("hidden", ["relu", "tanh", "sigmoid", "leaky_relu"])
def test_forward_matches_numpy(x64, hidden):
    p, X = random_net([4, 5, 3, 2], seed=1)
    Z = np_logits(p, X, hidden)
    np.testing.assert_allclose(dnnjax.forward(p, X, hidden=hidden), 1 / (1 + np.exp(-Z)), rtol=1e-12)
    soft = dnnjax.forward(p, X, hidden=hidden, output="softmax")
    np.testing.assert_allclose(soft, np.exp(Z) / np.exp(Z).sum(axis=0), rtol=1e-12)
    np.testing.assert_allclose(np.sum(soft, axis=0), 1.0, rtol=1e-14)
    np.testing.assert_allclose(dnnjax.forward(p, X, hidden=hidden, output="linear"), Z, rtol=1e-12)
    assert dnnjax.forward(p, X, hidden=hidden).shape == (2, 7)


@pytest.mark.parametrize("labels", ["binary", "fractional"])
def test_sigmoid_cost_is_the_course_cross_entropy(x64, labels):
    p, X = random_net([4, 3, 1], seed=2)
    rng = np.random.RandomState(0)
    Y = rng.randint(0, 2, (1, 7)).astype(float) if labels == "binary" else rng.uniform(0, 1, (1, 7))
    A = 1 / (1 + np.exp(-np_logits(p, X, "relu")))
    course = -np.sum(Y * np.log(A) + (1 - Y) * np.log(1 - A)) / 7
    c = dnnjax.cost(p, X, Y)
    assert c.shape == () and c.dtype == jnp.float64
    np.testing.assert_allclose(c, course, rtol=1e-12)


def test_softmax_and_linear_costs(x64):
    p, X = random_net([4, 3, 3], seed=3)
    Y = np.eye(3)[:, [0, 2, 1, 1, 0, 2, 2]]
    Z = np_logits(p, X, "tanh")
    logsm = Z - Z.max(axis=0) - np.log(np.exp(Z - Z.max(axis=0)).sum(axis=0))
    np.testing.assert_allclose(dnnjax.cost(p, X, Y, hidden="tanh", output="softmax"),
                               -np.sum(Y * logsm) / 7, rtol=1e-12)
    p1, X1 = random_net([4, 3, 1], seed=4)
    Yr = np.random.RandomState(1).randn(1, 7)
    Z1 = np_logits(p1, X1, "tanh")
    np.testing.assert_allclose(dnnjax.cost(p1, X1, Yr, hidden="tanh", output="linear"),
                               np.mean((Z1 - Yr) ** 2), rtol=1e-12)


def saturated_nets():
    """Float32 nets whose logits are exactly +-1e4: logistic regression and a ReLU 1-2-1 net
    (relu(x) and relu(-x) recombined as 1e4 * x). X = [1, -1, 1, -1], Y = [1, 1, 0, 0]."""
    X = np.array([[1.0, -1.0, 1.0, -1.0]], np.float32)
    lr = {"W1": np.array([[1e4]], np.float32), "b1": np.zeros((1, 1), np.float32)}
    deep = {"W1": np.array([[1.0], [-1.0]], np.float32), "b1": np.zeros((2, 1), np.float32),
            "W2": np.array([[1e4, -1e4]], np.float32), "b2": np.zeros((1, 1), np.float32)}
    return X, np.array([[1.0, 1.0, 0.0, 0.0]], np.float32), [lr, deep]


@pytest.mark.parametrize("which", [0, 1])
def test_cost_and_gradients_stable_at_logits_1e4(which):
    """Right-side examples cost log(1 + e^-1e4) = 0, wrong-side ones |z| = 1e4 (in float32
    log(sigmoid(-1e4)) would be -inf): mean = (0 + 1e4 + 1e4 + 0) / 4 = 5000."""
    X, Y, nets = saturated_nets()
    p = nets[which]
    np.testing.assert_array_equal(dnnjax.forward(p, X, output="linear"), [[1e4, -1e4, 1e4, -1e4]])
    c = dnnjax.cost(p, X, Y)
    assert np.isfinite(c)
    np.testing.assert_allclose(c, 5000.0, rtol=1e-6)
    for method in ("autodiff", "manual"):
        g = dnnjax.grads(p, X, Y, method=method)
        assert all(np.all(np.isfinite(v)) for v in g.values()), (method, g)
        if which == 0:  # dJ/dW = mean((s(z) - y) x) = (0 + 1 + 1 + 0) / 4, dJ/db = (0 - 1 + 1 + 0) / 4
            np.testing.assert_allclose(g["W1"], [[0.5]], atol=1e-6)
            np.testing.assert_allclose(g["b1"], [[0.0]], atol=1e-6)


# ---------------------------------------------------------------- predict

def test_predict_sigmoid_threshold_is_strictly_above_half():
    p = {"W1": np.array([[1.0]], np.float32), "b1": np.zeros((1, 1), np.float32)}
    X = np.array([[0.0, 1e-3, -1e-3, 5.0, -5.0]], np.float32)  # logit exactly 0 -> sigmoid 0.5 -> 0
    pred = dnnjax.predict(p, X)
    assert pred.shape == (1, 5) and pred.dtype == jnp.float32
    np.testing.assert_array_equal(pred, [[0.0, 1.0, 0.0, 1.0, 0.0]])


def test_predict_softmax_argmax_and_linear_identity(x64):
    p, X = random_net([4, 5, 3], seed=5)
    pred = dnnjax.predict(p, X, output="softmax")
    assert pred.shape == (1, 7) and jnp.issubdtype(pred.dtype, jnp.integer)
    np.testing.assert_array_equal(pred, np.argmax(np_logits(p, X, "relu"), axis=0)[None, :])
    lin = dnnjax.predict(p, X, hidden="tanh", output="linear")
    assert lin.shape == (3, 7)
    np.testing.assert_allclose(lin, np_logits(p, X, "tanh"), rtol=1e-12)


def test_predict_sigmoid_matches_forward_threshold(x64):
    p, X = random_net([4, 3, 1], seed=6)
    A = np.asarray(dnnjax.forward(p, X))
    np.testing.assert_array_equal(dnnjax.predict(p, X), (A > 0.5).astype(np.float64))
