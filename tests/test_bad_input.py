"""Bad input: every public function raises a dnnjax.errors exception (a ValueError/TypeError)
that names the argument, before anything is traced, so no JAX traceback leaks out.

"Before tracing" is checked from the traceback: no frame of the raise path lies inside JAX
(with JAX's traceback filtering off, which would otherwise hide its own frames).
"""
import os
import re

import jax
import jax.numpy as jnp
import numpy as np
import optax
import pytest

import dnnjax
from dnnjax.errors import DnnjaxError, InvalidTypeError, InvalidValueError, ShapeError

JAX_DIR = os.path.dirname(jax.__file__)


def good(n_out=1):
    """params for [3, 4, n_out], X (3, 5), Y (n_out, 5): binary labels, or one-hot if n_out > 1."""
    rng = np.random.RandomState(0)
    p = {"W1": rng.randn(4, 3).astype(np.float32), "b1": np.zeros((4, 1), np.float32),
         "W2": rng.randn(n_out, 4).astype(np.float32), "b2": np.zeros((n_out, 1), np.float32)}
    X = rng.randn(3, 5).astype(np.float32)
    Y = np.array([[1, 0, 1, 1, 0]], np.float32) if n_out == 1 else np.eye(n_out, dtype=np.float32)[:, [0, 1, 2, 0, 1]]
    return p, X, Y


CALLS = {
    "forward": lambda p, X, Y, **kw: dnnjax.forward(p, X, **kw),
    "predict": lambda p, X, Y, **kw: dnnjax.predict(p, X, **kw),
    "cost": lambda p, X, Y, **kw: dnnjax.cost(p, X, Y, **kw),
    "grads": lambda p, X, Y, **kw: dnnjax.grads(p, X, Y, **kw),
    "check_grads": lambda p, X, Y, **kw: dnnjax.check_grads(p, X, Y, **kw),
    "fit": lambda p, X, Y, **kw: dnnjax.fit(p, X, Y, num_iterations=2, **kw),
}
WITH_Y = ("cost", "grads", "check_grads", "fit")


@pytest.fixture(autouse=True)
def unfiltered_tracebacks():
    old = jax.config.jax_traceback_filtering
    jax.config.update("jax_traceback_filtering", "off")
    yield
    jax.config.update("jax_traceback_filtering", old)


def raises(exc, match, fn, *args, **kw):
    """Assert ``fn`` raises ``exc`` (a DnnjaxError and ValueError/TypeError) matching ``match``,
    from dnnjax's own checks rather than from inside JAX."""
    assert issubclass(exc, DnnjaxError) and issubclass(exc, (ValueError, TypeError))
    with pytest.raises(exc, match=match) as info:
        fn(*args, **kw)
    assert isinstance(info.value, DnnjaxError)
    inside_jax = [e.path for e in info.traceback if str(e.path).startswith(JAX_DIR)]
    assert not inside_jax, f"raised from inside JAX: {inside_jax}"


def test_the_inside_jax_check_can_fail():
    def traced(x):
        raise ShapeError("X is bad")
    with pytest.raises(AssertionError, match="raised from inside JAX"):
        raises(ShapeError, "X", jax.jit(traced), jnp.ones(2))


def _poke(a, value, where=(1, 2)):
    """A copy of ``a`` with one entry set to ``value``."""
    a = np.array(a)
    a[where] = value
    return a


def _x(change):
    p, X, Y = good()
    return change(p, X, Y)


BAD_X = {
    "rank-1": (ShapeError, r"X must be 2-D.*\(3,\)", lambda p, X, Y: (p, X[:, 0], Y)),
    "rank-3": (ShapeError, r"X must be 2-D", lambda p, X, Y: (p, X[None], Y)),
    "rows vs W1": (ShapeError, r"X must have n_x = 3 rows.*W1", lambda p, X, Y: (p, X[:2], Y)),
    "zero examples": (ShapeError, r"X has zero examples", lambda p, X, Y: (p, X[:, :0], Y[:, :0])),
    "nan": (InvalidValueError, r"X contains NaN", lambda p, X, Y: (p, _poke(X, np.nan), Y)),
    "inf": (InvalidValueError, r"X contains NaN or inf", lambda p, X, Y: (p, _poke(X, -np.inf), Y)),
    "jax nan": (InvalidValueError, r"X contains NaN", lambda p, X, Y: (p, jnp.asarray(_poke(X, np.nan)), Y)),
    "string": (InvalidTypeError, r"X must be an array", lambda p, X, Y: (p, "X", Y)),
    "complex": (InvalidTypeError, r"X must hold real numbers", lambda p, X, Y: (p, X.astype(np.complex64), Y)),
}


def _drop(p, k):
    return {kk: v for kk, v in p.items() if kk != k}


BAD_PARAMS = {
    "not a dict": (InvalidTypeError, r"params must be a dict", lambda p: list(p.values())),
    "empty": (InvalidValueError, r"params is empty", lambda p: {}),
    "missing W2": (InvalidValueError, r"params is missing \['W2'\]", lambda p: _drop(p, "W2")),
    "missing b1": (InvalidValueError, r"params is missing \['b1'\]", lambda p: _drop(p, "b1")),
    "extra key": (InvalidValueError, r"params has unexpected keys \['gamma'\]", lambda p: {**p, "gamma": p["b1"]}),
    "W0 key": (InvalidValueError, r"unexpected keys \['W0'\]", lambda p: {**p, "W0": p["W1"]}),
    "b rank-1": (ShapeError, r"params\['b1'\] must have shape \(n\[1\], 1\) = \(4, 1\); got \(4,\)",
                 lambda p: {**p, "b1": p["b1"][:, 0]}),
    "b transposed": (ShapeError, r"params\['b2'\]", lambda p: {**p, "b2": np.zeros((1, 4), np.float32)}),
    "W rank-1": (ShapeError, r"params\['W1'\] must be 2-D", lambda p: {**p, "W1": p["W1"].ravel()}),
    "W2 vs W1": (ShapeError, r"params\['W2'\] must have shape \(n\[2\], n\[1\]\) = \(1, 4\)",
                 lambda p: {**p, "W2": np.zeros((1, 3), np.float32)}),
    "integer W": (InvalidTypeError, r"params\['W1'\] must be floating", lambda p: {**p, "W1": p["W1"].astype(np.int32)}),
    "list leaf": (InvalidTypeError, r"params\['W1'\] must be an array", lambda p: {**p, "W1": p["W1"].tolist()}),
}


@pytest.mark.parametrize("fn", list(CALLS))
@pytest.mark.parametrize("case", list(BAD_X))
def test_bad_X_rejected_by_every_function(fn, case):
    exc, match, change = BAD_X[case]
    raises(exc, match, CALLS[fn], *_x(change))


@pytest.mark.parametrize("fn", list(CALLS))
@pytest.mark.parametrize("case", list(BAD_PARAMS))
def test_bad_params_rejected_by_every_function(fn, case):
    exc, match, change = BAD_PARAMS[case]
    p, X, Y = good()
    raises(exc, match, CALLS[fn], change(p), X, Y)


BAD_Y = {
    "rank-1": (ShapeError, r"Y must be 2-D.*\(5,\)", lambda Y: Y[0], 1),
    "columns vs X": (ShapeError, r"Y must have shape \(1, 5\).*got \(1, 4\)", lambda Y: Y[:, :4], 1),
    "rows vs n_L": (ShapeError, r"Y must have shape \(1, 5\)", lambda Y: np.vstack([Y, Y]), 1),
    "above 1": (InvalidValueError, r"Y must hold labels in \[0, 1\]", lambda Y: Y * 2, 1),
    "negative": (InvalidValueError, r"Y must hold labels in \[0, 1\]", lambda Y: Y - 0.5, 1),
    "nan": (InvalidValueError, r"Y contains NaN", lambda Y: _poke(Y, np.nan, (0, 3)), 1),
    "inf": (InvalidValueError, r"Y contains NaN or inf", lambda Y: _poke(Y, np.inf, (0, 3)), 1),
    "string": (InvalidTypeError, r"Y must be an array", lambda Y: "labels", 1),
    "soft labels for softmax": (InvalidValueError, r"Y must be one-hot", lambda Y: np.full_like(Y, 1 / 3), 3),
    "two ones in a column": (InvalidValueError, r"Y must be one-hot", lambda Y: np.ones_like(Y), 3),
    "empty column": (InvalidValueError, r"Y must be one-hot", lambda Y: Y * np.array([1, 1, 1, 1, 0], np.float32), 3),
}


@pytest.mark.parametrize("fn", WITH_Y)
@pytest.mark.parametrize("case", list(BAD_Y))
def test_bad_Y_rejected(fn, case):
    exc, match, change, n_out = BAD_Y[case]
    p, X, Y = good(n_out)
    out = "softmax" if n_out > 1 else "sigmoid"
    raises(exc, match, CALLS[fn], p, X, change(Y), output=out)


@pytest.mark.parametrize("fn", list(CALLS))
def test_unknown_activation_names_list_the_valid_ones(fn):
    p, X, Y = good()
    raises(InvalidValueError, r"hidden must be one of 'relu', 'tanh', 'sigmoid', 'leaky_relu'; got 'swish'",
           CALLS[fn], p, X, Y, hidden="swish")
    raises(InvalidValueError, r"output must be one of 'sigmoid', 'softmax', 'linear'; got 'tanh'",
           CALLS[fn], p, X, Y, output="tanh")


@pytest.mark.parametrize("fn", ["grads", "fit"])
def test_unknown_method_lists_the_valid_ones(fn):
    p, X, Y = good()
    raises(InvalidValueError, r"method must be one of 'autodiff', 'manual'; got 'numeric'", CALLS[fn], p, X, Y,
           method="numeric")


def test_softmax_needs_two_classes():
    p, X, Y = good(1)
    raises(InvalidValueError, r"output='softmax' needs n_L >= 2", dnnjax.forward, p, X, output="softmax")


@pytest.mark.parametrize("arg, value", [
    ("learning_rate", 0), ("learning_rate", -0.1), ("learning_rate", float("nan")), ("learning_rate", float("inf")),
    ("learning_rate", "0.01"), ("learning_rate", None),
    ("num_iterations", -1), ("num_iterations", 2.0), ("num_iterations", 2.5), ("num_iterations", True),
    ("num_iterations", "10"),
    ("log_every", 0), ("log_every", -5), ("log_every", 1.5),
])
def test_bad_fit_numbers_name_the_argument(arg, value):
    p, X, Y = good()
    kw = {"num_iterations": 2, arg: value}
    raises(InvalidValueError, rf"{arg} must be .*; got {re.escape(repr(value))}$",
           dnnjax.fit, p, X, Y, **kw)


@pytest.mark.parametrize("optimizer", ["adam", optax.adam, 0.1, {"update": None}])
def test_fit_rejects_a_non_optax_optimizer(optimizer):
    p, X, Y = good()
    raises(InvalidTypeError, r"optimizer must be None or an optax.GradientTransformation", dnnjax.fit, p, X, Y,
           optimizer=optimizer, num_iterations=2)


@pytest.mark.parametrize("arg, value", [("eps", 0.0), ("eps", -1e-7), ("eps", float("nan")), ("max_fd_coords", 0),
                                        ("max_fd_coords", 2.5)])
def test_bad_check_grads_settings(arg, value):
    p, X, Y = good()
    raises(InvalidValueError, rf"{arg} must be", dnnjax.check_grads, p, X, Y, **{arg: value})


@pytest.mark.parametrize("dims, match", [
    ([5], r"layer_dims needs at least 2 entries"), ([], r"layer_dims needs at least 2 entries"),
    ([3, 0, 1], r"layer_dims\[1\] must be a positive int"), ([3, -2, 1], r"layer_dims\[1\] must be a positive int"),
    ([3, 2.5, 1], r"layer_dims\[1\] must be a positive int"), ([3, True], r"layer_dims\[1\] must be a positive int"),
])
def test_bad_layer_dims(key, dims, match):
    raises(InvalidValueError, match, dnnjax.init_params, key, dims)


def test_layer_dims_of_the_wrong_type(key):
    raises(InvalidTypeError, r"layer_dims must be a list of ints", dnnjax.init_params, key, "3,4,1")
    raises(InvalidTypeError, r"layer_dims must be a list of ints", dnnjax.init_params, key, 3)


@pytest.mark.parametrize("scale, match", [
    ("glorot", r"scale must be one of 'sqrt_n', 'he', 'xavier', 'zeros'; got 'glorot'"),
    (float("nan"), r"scale must be a finite float"), (None, r"scale must be a finite float"),
])
def test_unknown_init_scale(key, scale, match):
    raises(InvalidValueError, match, dnnjax.init_params, key, [3, 1], scale=scale)


def test_integer_dtype_for_init(key):
    raises(InvalidTypeError, r"dtype must be a floating dtype", dnnjax.init_params, key, [3, 1], dtype=jnp.int32)
