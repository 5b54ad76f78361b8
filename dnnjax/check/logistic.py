"""Week 2 checks: logistic regression, against :mod:`dnnjax.course.logistic` and ``jax.grad``.

``propagate``'s gradients are ``jax.value_and_grad`` of the course's cost of
``A = sigmoid(w^T X + b)``; ``optimize`` and ``model`` run a few iterations from the course's zero
(or given) start and are compared with the reference loop; ``predict`` is checked where
``A == 0.5`` exactly too (the course predicts 1 only for ``A > 0.5``).
"""
from __future__ import annotations

import numpy as np

from dnnjax.check import cases as cs
from dnnjax.check import oracle
from dnnjax.check.reference import LOGISTIC as REF
from dnnjax.check.runner import MODEL_TIMEOUT, PIECE_TIMEOUT, Case, Fail, expect, expect_dict, pair

FUNCTIONS = ("sigmoid", "initialize_with_zeros", "propagate", "optimize", "predict", "model")
HELPERS = ()


def _sigmoid_cases(rng):
    def make(z):
        return lambda call: expect("sigmoid(z)", call(z), cs.sigmoid(np.asarray(z, float)),
                                   alternatives={"sigmoid(-z)": cs.sigmoid(-np.asarray(z, float)),
                                                 "tanh(z)": np.tanh(z), "exp(-z)": np.exp(-np.asarray(z, float))})
    zs = (("z = [0, 2]", np.array([0.0, 2.0])), ("z (3, 4), both signs", rng.standard_normal((3, 4)) * 3),
          ("z = 1.5 (a number)", 1.5))
    return [Case(label, make(z)) for label, z in zs]


def _zeros_cases(rng):
    def run(call):
        out = pair(call(5), ("w", "b"), np.zeros((5, 1)))
        expect("w", out[0], np.zeros((5, 1)))
        if np.size(out[1]) != 1:
            raise Fail([f"b: shape {np.shape(out[1])} where a number (0.0) is expected"])
        expect("b", out[1], 0.0)
    return [Case("dim=5", run)]


def _problem(rng, n_x, m, b=None):
    w = rng.standard_normal((n_x, 1))
    X, Y = cs.data(rng, n_x, m)
    return w, (rng.standard_normal() if b is None else b), X, Y


def _propagate_cases(rng, batch):
    def make(n_x, m):
        w, b, X, Y = _problem(rng, n_x, m)
        want = batch.add(oracle.logistic_gradients, w, b, X, Y)

        def run(call):
            grads, cost = want.value
            out = pair(call(w, b, X, Y), ("grads", "cost"), grads)
            expect_dict("grads", out[0], grads, m=m, axis_names={"dw": ("n_x", "1")})
            expect("cost", out[1], cost, m=m)
        return run
    return [Case(f"n_x={n}, m={m}", make(n, m)) for n, m in ((4, 7), (2, 3))]


def _optimize_cases(rng):
    w, b, X, Y = _problem(rng, 3, 6)
    n, lr = 5, 0.1
    params, grads, costs = REF["optimize"](w, b, X, Y, n, lr)

    def run(call):
        out = call(w, b, X, Y, n, lr, False)
        if not isinstance(out, (tuple, list)) or len(out) != 3:
            raise Fail(["expected (params, grads, costs)"])
        expect_dict("params", out[0], params)
        expect_dict("grads (of the last iteration, before its update)", out[1], grads, m=X.shape[1])
        _expect_cost_list(out[2], costs)
    return [Case(f"n_x=3, m=6, {n} iterations, learning_rate={lr}", run)]


def _expect_cost_list(got, costs):
    if not isinstance(got, (list, tuple, np.ndarray)) or len(got) != len(costs):
        n = len(got) if isinstance(got, (list, tuple, np.ndarray)) else type(got).__name__
        raise Fail([f"costs: {n} entries where {len(costs)} are expected (the cost at iterations 0, 100, ...)"])
    for i, (g, e) in enumerate(zip(got, costs)):
        expect(f"costs[{i}]", g, e)


def _predict_cases(rng):
    w, _, X, _ = _problem(rng, 3, 6, b=0.0)  # example 0 is all zeros and b = 0: A == 0.5 exactly
    A = cs.sigmoid(w.T @ X)

    def run(call):
        got = call(w, 0.0, X)
        expect("Y_prediction", np.asarray(got, float) if np.ndim(got) else got, (A > 0.5) * 1.0,
               masks={"A == 0.5": A == 0.5})
    w2, b2, X2, _ = _problem(rng, 4, 5)
    A2 = cs.sigmoid(w2.T @ X2 + b2)
    run2 = lambda call: expect("Y_prediction", np.asarray(call(w2, b2, X2), float), (A2 > 0.5) * 1.0)  # noqa: E731
    return [Case("n_x=3, m=6, b=0, one example with A == 0.5", run), Case("n_x=4, m=5", run2)]


def _model_cases(rng):
    _, _, X, Y = _problem(rng, 3, 8)
    _, _, X_test, Y_test = _problem(rng, 3, 4)
    n, lr = 5, 0.1
    w0, b0 = REF["initialize_with_zeros"](3)
    params, _, costs = REF["optimize"](w0, b0, X, Y, n, lr)
    want = {"w": params["w"], "b": params["b"],
            "Y_prediction_test": REF["predict"](params["w"], params["b"], X_test),
            "Y_prediction_train": REF["predict"](params["w"], params["b"], X)}

    def run(call):
        d = call(X, Y, X_test, Y_test, n, lr, False)
        if not isinstance(d, dict):
            raise Fail([f"returned a {type(d).__name__} where the dict d {{costs, Y_prediction_test, ...}} is expected"])
        missing = [k for k in (*want, "costs", "learning_rate", "num_iterations") if k not in d]
        if missing:
            raise Fail([f"d: missing keys {missing}"])
        expect_dict("d", {k: d[k] for k in want}, want)
        _expect_cost_list(d["costs"], costs)
        for k, v in (("learning_rate", lr), ("num_iterations", n)):
            expect(f"d['{k}']", d[k], v)
    return [Case(f"n_x=3, m_train=8, m_test=4, {n} iterations, learning_rate={lr}", run)]


def specs(rng, batch):
    """``{name: (build_cases, timeout)}`` for the week 2 functions, in the course's order."""
    return {
        "sigmoid": (lambda: _sigmoid_cases(rng), PIECE_TIMEOUT),
        "initialize_with_zeros": (lambda: _zeros_cases(rng), PIECE_TIMEOUT),
        "propagate": (lambda: _propagate_cases(rng, batch), PIECE_TIMEOUT),
        "optimize": (lambda: _optimize_cases(rng), MODEL_TIMEOUT),
        "predict": (lambda: _predict_cases(rng), PIECE_TIMEOUT),
        "model": (lambda: _model_cases(rng), MODEL_TIMEOUT),
    }
