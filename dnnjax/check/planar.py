"""Week 3 checks: the one-hidden-layer (tanh) network, forward against :mod:`dnnjax.course.planar`,
the backward pass against ``jax.grad`` of the forward definition (:mod:`dnnjax.check.oracle`).

The caches come from the reference forward pass, so ``1 - np.power(A1, 2)`` and
``1 - np.tanh(Z1)**2`` both pass; ``compute_cost`` is called with ``(A2, Y)`` or, for the 2017-2020
notebooks' signature, ``(A2, Y, parameters)``.
"""
from __future__ import annotations

import inspect

import numpy as np

from dnnjax.check import cases as cs
from dnnjax.check import oracle, props
from dnnjax.check.deep import FORWARD, cost_cases, update_cases
from dnnjax.check.reference import PLANAR as REF
from dnnjax.check.runner import MODEL_TIMEOUT, PIECE_TIMEOUT, Case, Fail, expect, expect_dict, pair

FUNCTIONS = ("layer_sizes", "initialize_parameters", "forward_propagation", "compute_cost",
             "backward_propagation", "update_parameters", "nn_model", "predict")
HELPERS = ("sigmoid",)
# n_y = 1: the 2017-2020 notebooks assert A2.shape == (1, m)
NETS = (("n_x=2, n_h=4, m=5", (2, 4, 1), 5), ("n_x=3, n_h=5, m=6", (3, 5, 1), 6))
TANH_DERIVATIVE_LIKE = {"sigmoid'": lambda A1: A1 * (1 - A1), "relu'": lambda A1: (A1 > 0) * 1.0,
                        "(1 - A1)**2": lambda A1: (1 - A1) ** 2,
                        "no derivative (dZ1 = W2^T dZ2)": lambda A1: np.ones_like(A1)}


def _layer_sizes_cases(rng):
    X, Y = rng.standard_normal((5, 7)), np.ones((2, 7))

    def run(call):
        got = call(X, Y)
        try:
            ok = tuple(int(v) for v in got) == (5, 4, 2)
        except (TypeError, ValueError):
            ok = False
        if not ok:
            raise Fail([f"returned {got!r}, expected (n_x, n_h, n_y) = (5, 4, 2) for X (5, 7), Y (2, 7) "
                        f"(n_x = X.shape[0], n_h = 4, n_y = Y.shape[0])"])
    return [Case("X (5, 7), Y (2, 7)", run)]


def _init_cases(rng):
    def run(call):
        props.expect_init("parameters", call(40, 25, 3), (40, 25, 3), {"0.01": lambda n: 0.01})
    return [Case("n_x=40, n_h=25, n_y=3", run)]


def _net(rng, dims, m):
    X, Y = cs.data(rng, dims[0], m, dims[-1])
    p = cs.params(rng, dims)
    A2, cache = REF["forward_propagation"](X, p)
    return X, Y, p, A2, cache


def _forward_cases(rng, batch):
    def make(dims, m):
        X, _, p, _, _ = _net(rng, dims, m)
        want = batch.add(oracle.planar_forward, X, p)

        def hidden(g):
            return cs.sigmoid(p["W2"] @ g(p["W1"] @ X + p["b1"]) + p["b2"])

        def run(call):
            A2, cache = want.value
            out = pair(call(X, p), ("A2", "cache"), A2)
            alts = {f"a {k} hidden layer": hidden(g) for k, g in FORWARD.items() if k in ("relu", "sigmoid")}
            alts["a tanh output layer"] = np.tanh(p["W2"] @ cache["A1"] + p["b2"])
            expect("A2", out[0], A2, alternatives=alts)
            got = out[1]
            if not isinstance(got, dict):
                raise Fail([f"cache: a {type(got).__name__} where the dict {{Z1, A1, Z2, A2}} is expected"])
            expect_dict("cache", {k: got[k] for k in got if k in cache}, cache)
        return run
    return [Case(label, make(dims, m)) for label, dims, m in NETS]


def _cost_cases(rng, batch):
    p = cs.params(rng, (2, 3, 1))

    def make(A, Y, run):
        return lambda call: run(lambda a, y: call(a, y, p) if _wants_parameters(call.fn) else call(a, y))
    return [Case(label, make(A, Y, run)) for label, A, Y, run in cost_cases(rng, batch)]


def _wants_parameters(fn) -> bool:
    try:
        ps = [q for q in inspect.signature(fn).parameters.values()
              if q.kind in (q.POSITIONAL_ONLY, q.POSITIONAL_OR_KEYWORD) and q.default is q.empty]
    except (TypeError, ValueError):
        return False
    return len(ps) >= 3


def _backward_cases(rng, batch):
    def make(dims, m):
        X, Y, p, A2, cache = _net(rng, dims, m)
        want = batch.add(oracle.planar_gradients, X, Y, p)
        A1, dZ2 = cache["A1"], A2 - Y
        alts = {}
        for name, d in TANH_DERIVATIVE_LIKE.items():
            dZ1 = (p["W2"].T @ dZ2) * d(A1)
            alts[name] = {"dW1": dZ1 @ X.T / m, "db1": dZ1.sum(axis=1, keepdims=True) / m}
        per_key = {k: {name: a[k] for name, a in alts.items()} for k in ("dW1", "db1")}

        def run(call):
            expect_dict("grads", call(p, cache, X, Y), want.value, m=m, alternatives=per_key,
                        axis_names={"dW1": ("n_h", "n_x"), "dW2": ("n_y", "n_h")})
        return run
    return [Case(label, make(dims, m)) for label, dims, m in NETS]


def _update_cases(rng):
    return update_cases(rng, (("learning_rate=0.5", (2, 4, 1), 0.5), ("the default learning_rate (1.2)", (3, 5, 1), None)))


def _model_cases(rng):
    dims, m, n = (2, 3, 1), 6, 3
    X, Y = cs.data(rng, dims[0], m)
    X[:, 0] = rng.standard_normal(dims[0])
    p0 = cs.params(rng, dims, zero_first_bias=False)
    p = dict(p0)
    for _ in range(n):
        A2, cache = REF["forward_propagation"](X, p)
        p = REF["update_parameters"](p, REF["backward_propagation"](p, cache, X, Y), 1.2)
    calls = []

    def stub(*args, **kwargs):
        calls.append(tuple(int(a) for a in args))
        return {k: v.copy() for k, v in p0.items()}

    def run(call):
        calls.clear()
        out = call(X, Y, dims[1], n, False)
        if calls != [dims]:
            raise Fail([f"expected one call initialize_parameters{dims}; got "
                        + (", ".join(f"initialize_parameters{c}" for c in calls) or "none")])
        if isinstance(out, tuple) and len(out) == 2 and isinstance(out[0], dict):
            out = out[0]  # (parameters, costs) variants
        expect_dict(f"parameters after training (learning_rate 1.2)", out if not isinstance(out, dict)
                    else {k: out.get(k) for k in p}, p)
    return [Case(f"n_h={dims[1]}, m={m}, {n} iterations", run, inject={"initialize_parameters": stub})]


def _predict_cases(rng, batch):
    X, _ = cs.data(rng, 2, 6)
    p = cs.params(rng, (2, 4, 1))
    p["b1"][:] = 0.0
    p["b2"][:] = 0.0  # example 0 (all zeros): A2 == 0.5 exactly, predicted False (A2 > 0.5)
    want = batch.add(oracle.planar_forward, X, p)

    def run(call):
        A2 = want.value[0]
        got = call(p, X)
        expect("predictions", np.asarray(got, float) if np.ndim(got) else got, (A2 > 0.5) * 1.0,
               masks={"A2 == 0.5": A2 == 0.5})
    return [Case("m=6, one example with A2 == 0.5", run)]


def _sigmoid_cases(rng):
    z = rng.standard_normal((3, 4)) * 3
    return [Case("x (3, 4)", lambda call: expect("sigmoid(x)", call(z), cs.sigmoid(z)))]


def specs(rng, batch):
    """``{name: (build_cases, timeout)}`` for the week 3 functions and helpers, in the course's order."""
    return {
        "sigmoid": (lambda: _sigmoid_cases(rng), PIECE_TIMEOUT),
        "layer_sizes": (lambda: _layer_sizes_cases(rng), PIECE_TIMEOUT),
        "initialize_parameters": (lambda: _init_cases(rng), PIECE_TIMEOUT),
        "forward_propagation": (lambda: _forward_cases(rng, batch), PIECE_TIMEOUT),
        "compute_cost": (lambda: _cost_cases(rng, batch), PIECE_TIMEOUT),
        "backward_propagation": (lambda: _backward_cases(rng, batch), PIECE_TIMEOUT),
        "update_parameters": (lambda: _update_cases(rng), PIECE_TIMEOUT),
        "nn_model": (lambda: _model_cases(rng), MODEL_TIMEOUT),
        "predict": (lambda: _predict_cases(rng, batch), PIECE_TIMEOUT),
    }
