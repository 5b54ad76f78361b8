"""Week 4 checks: the deep network's pieces, forward against :mod:`dnnjax.course.deep`, backward
against the VJP / ``jax.grad`` of the forward definitions (:mod:`dnnjax.check.oracle`).

``specs(rng)`` lists ``(name, cases, timeout)`` in the course's order (callees first). The ReLU
pieces are checked where ``Z == 0`` too (``relu'(0) = 0``); the L-layer pieces at L = 1, 2, 3, 5.
"""
from __future__ import annotations

import numpy as np

from dnnjax.check import cases as cs
from dnnjax.check import oracle, props
from dnnjax.check.deep_models import helper_cases, masks, model_cases, predict_cases
from dnnjax.check.runner import MODEL_TIMEOUT, PIECE_TIMEOUT, Case, Fail, expect, expect_dict, expect_tuple, pair

FUNCTIONS = ("initialize_parameters", "initialize_parameters_deep", "linear_forward", "linear_activation_forward",
             "L_model_forward", "compute_cost", "linear_backward", "linear_activation_backward",
             "L_model_backward", "update_parameters", "two_layer_model", "L_layer_model", "predict")
HELPERS = ("sigmoid", "relu", "sigmoid_backward", "relu_backward")
DERIVATIVES = {"sigmoid'": lambda Z: cs.sigmoid(Z) * (1 - cs.sigmoid(Z)), "relu'": lambda Z: (Z > 0) * 1.0,
               "relu' taken as 1 where Z == 0": lambda Z: (Z >= 0) * 1.0,
               "tanh'": lambda Z: 1 - np.tanh(Z) ** 2, "no derivative (dZ = dA)": lambda Z: np.ones_like(Z)}
FORWARD = {"sigmoid": cs.sigmoid, "relu": lambda Z: np.maximum(Z, 0), "tanh": np.tanh,
           "no activation (Z itself)": lambda Z: Z}
SQRT = {"0.01": lambda n: 0.01, "1/sqrt(n_prev)": lambda n: 1 / np.sqrt(n)}


def _expect_cache(label, got, A_prev, W, b, Z=None):
    """``((A_prev, W, b), Z)`` (``Z=None``: just the linear cache ``(A_prev, W, b)``)."""
    linear = {"A_prev": A_prev, "W": W, "b": b}
    if Z is None:
        return expect_tuple(label, got, linear)
    if isinstance(got, (tuple, list)) and len(got) == 2 and isinstance(got[1], (tuple, list)) \
            and np.shape(got[0]) == Z.shape:
        raise Fail([f"{label}: the two parts are swapped: expected (linear_cache, activation_cache) = "
                    f"((A_prev, W, b), Z)"])
    if not isinstance(got, (tuple, list)) or len(got) != 2:
        raise Fail([f"{label}: expected the pair ((A_prev, W, b), Z); got {type(got).__name__}"
                    + (f" of {len(got)} items" if isinstance(got, (tuple, list)) else "")])
    expect_tuple(f"{label}[0] (the linear cache)", got[0], linear)
    expect(f"{label}[1] (the activation cache Z)", got[1], Z)


def _init_cases(rng):
    def run(call):
        props.expect_init("parameters", call(40, 25, 3), (40, 25, 3), {"0.01": SQRT["0.01"]})
    return [Case("n_x=40, n_h=25, n_y=3", run)]


def _init_deep_cases(rng):
    def make(dims):
        return lambda call: props.expect_init("parameters", call(list(dims)), dims, SQRT)
    return [Case(f"layer_dims={list(d)}", make(d)) for d in ((50, 12, 40, 3), (60, 1))]


def _linear_forward_cases(rng, batch):
    def make(n, n_prev, m):
        A, W, b, _ = cs.layer(rng, n, n_prev, m)
        want = batch.add(oracle.layer_forward, A, W, b)

        def run(call):
            out = pair(call(A, W, b), ("Z", "cache"), want.value[1])
            expect("Z", out[0], want.value[1], alternatives={"W A (without + b)": W @ A})
            _expect_cache("cache", out[1], A, W, b)
        return run
    return [Case(label, make(n, p, m)) for label, n, p, m in cs.LAYERS]


def _activation_forward_cases(rng, batch):
    def make(n, n_prev, m, act):
        A_prev, W, b, Z = cs.layer(rng, n, n_prev, m)
        want = batch.add(oracle.layer_forward, A_prev, W, b, activation=act)

        def run(call):
            out = pair(call(A_prev, W, b, act), ("A", "cache"), want.value[0])
            others = {k: f(Z) for k, f in FORWARD.items() if k != act}
            expect("A", out[0], want.value[0], alternatives=others)
            _expect_cache("cache", out[1], A_prev, W, b, want.value[1])
        return run
    return [Case(f"{act}, {label}", make(n, p, m, act)) for act in ("sigmoid", "relu")
            for label, n, p, m in cs.LAYERS[:2]]


def _L_forward_cases(rng, batch):
    def make(dims, m):
        X, _, p, _, _ = cs.deep_net(rng, dims, m)
        want = batch.add(oracle.deep_forward, X, p)
        L = len(dims) - 1

        def run(call):
            AL, caches = want.value
            out = pair(call(X, p), ("AL", "caches"), AL)
            expect("AL", out[0], AL, alternatives={"sigmoid hidden layers": _forward_all(X, p, cs.sigmoid),
                                                   "a relu output layer": _forward_all(X, p, FORWARD["relu"],
                                                                                      FORWARD["relu"])})
            got = out[1]
            if not isinstance(got, (list, tuple)) or len(got) != L:
                n = len(got) if isinstance(got, (list, tuple)) else type(got).__name__
                raise Fail([f"caches: {n} entries where L = {L} are expected (one per layer)"])
            for l, c in enumerate(caches):
                _expect_cache(f"caches[{l}] (layer {l + 1})", got[l], *c[0], c[1])
        return run
    return [Case(label, make(dims, m)) for label, dims, m in cs.DEEP_NETS]


def _forward_all(X, p, g, out=cs.sigmoid):
    A = X
    for l in range(1, len(p) // 2 + 1):
        A = (out if l == len(p) // 2 else g)(p[f"W{l}"] @ A + p[f"b{l}"])
    return A


def cost_cases(rng, batch):
    """Shared with week 3: ``call(A, Y)`` against the cross-entropy (value, not type)."""
    def make(m):
        A = cs.probabilities(rng, (1, m))
        Y = (rng.random((1, m)) > 0.5) * 1.0
        Y[0, :2] = (1.0, 0.0)
        cost, swapped = batch.add(oracle.cost, A, Y), batch.add(oracle.cost, A, 1 - Y)
        return A, Y, lambda call: expect("cost", call(A, Y), cost.value, m=m,
                                         alternatives={"Y and 1 - Y swapped": swapped.value})
    return [(f"m={m}",) + make(m) for m in (4, 7)]


def _linear_backward_cases(rng, batch):
    def make(n, n_prev, m):
        A, W, b, Z = cs.layer(rng, n, n_prev, m)
        dZ = rng.standard_normal(Z.shape)
        want = batch.add(oracle.layer_backward, dZ, A, W, b)

        def run(call):
            expect_tuple("(dA_prev, dW, db)", call(dZ, (A, W, b)), dict(zip(("dA_prev", "dW", "db"), want.value)),
                         dW=dict(m=m, axis_names=("n", "n_prev")), db=dict(m=m), dA_prev=dict(m=m))
        return run
    return [Case(label, make(n, p, m)) for label, n, p, m in cs.LAYERS]


def _activation_backward_cases(rng, batch):
    def make(n, n_prev, m, act):
        A, W, b, Z = cs.layer(rng, n, n_prev, m)
        dA = rng.standard_normal(Z.shape)
        want = batch.add(oracle.layer_backward, dA, A, W, b, activation=act)
        alts = {k: _linear_grads(dA * d(Z), A, W) for k, d in DERIVATIVES.items()
                if k != f"{act}'" and (act == "relu" or "Z == 0" not in k)}
        names = ("dA_prev", "dW", "db")
        kw = {nm: dict(m=m, alternatives={k: v[i] for k, v in alts.items()},
                       masks=masks(Z) if nm != "dA_prev" else None) for i, nm in enumerate(names)}
        kw["dW"]["axis_names"] = ("n", "n_prev")

        def run(call):
            expect_tuple("(dA_prev, dW, db)", call(dA, ((A, W, b), Z), act), dict(zip(names, want.value)), **kw)
        return run
    return [Case(f"{act}, {label}", make(n, p, m, act)) for act in ("sigmoid", "relu") for label, n, p, m in cs.LAYERS]


def _linear_grads(dZ, A, W):
    m = A.shape[1]
    return W.T @ dZ, dZ @ A.T / m, dZ.sum(axis=1, keepdims=True) / m


def _old_dA_keys(got, L):
    """The 2017-2019 notebooks stored ``dA_prev`` of layer ``l`` as ``dA{l}`` (dA1..dAL): renumber."""
    if isinstance(got, dict) and "dA0" not in got and f"dA{L}" in got:
        return {(f"dA{int(k[2:]) - 1}" if k.startswith("dA") and k[2:].isdigit() else k): v for k, v in got.items()}
    return got


def _backward_with(AL, Y, caches, hidden, output):
    """The course's backward loop with the derivatives ``hidden``/``output`` (``DERIVATIVES`` names)."""
    grads, L = {}, len(caches)
    dA = -(Y / AL - (1 - Y) / (1 - AL))
    for l in range(L, 0, -1):
        (A_prev, W, _), Z = caches[l - 1]
        dA, grads[f"dW{l}"], grads[f"db{l}"] = _linear_grads(dA * DERIVATIVES[output if l == L else hidden](Z), A_prev, W)
        grads[f"dA{l - 1}"] = dA
    return grads


def _L_backward_cases(rng, batch):
    def make(dims, m):
        X, Y, p, AL, caches = cs.deep_net(rng, dims, m)
        want = batch.add(oracle.deep_gradients, X, Y, p)
        L = len(dims) - 1
        variants = {"sigmoid' in the hidden layers": ("sigmoid'", "sigmoid'"),
                    "relu' in the output layer": ("relu'", "relu'"),
                    "relu' taken as 1 where Z == 0": ("relu' taken as 1 where Z == 0", "sigmoid'")}
        alts = {name: _backward_with(AL, Y, caches, *ds) for name, ds in variants.items()}

        def run(call):
            got = _old_dA_keys(call(AL, Y, caches), L)
            expect_dict("grads", got, want.value, m=m,
                        alternatives={k: {name: a[k] for name, a in alts.items()} for k in want.value})
        return run
    return [Case(label, make(dims, m)) for label, dims, m in cs.DEEP_NETS]


def update_cases(rng, nets):
    """Shared with week 3: ``call(parameters, grads, lr)`` gives ``p - lr * dp``, compared as steps."""
    def make(dims, lr):
        p = cs.params(rng, dims)
        grads = {f"d{k}": rng.standard_normal(v.shape) for k, v in p.items()}
        grads.update({f"dA{l}": rng.standard_normal((dims[l], 3)) for l in range(len(dims) - 1)})

        def run(call):
            got = call(p, grads, *([lr] if lr is not None else []))
            rate = 1.2 if lr is None else lr
            steps = {k: -rate * grads[f"d{k}"] for k in p}
            if not isinstance(got, dict):
                expect_dict("parameters", got, p)
            missing = [k for k in p if k not in got]
            if missing:
                raise Fail([f"parameters: missing keys {missing} (expected {list(p)})"])
            moved = {k: (np.asarray(got[k], float) - p[k]) if np.shape(got[k]) == p[k].shape
                     else got[k] for k in p}
            expect_dict(f"the update (each new parameter minus the old one), learning_rate {rate}", moved, steps)
        return run
    return [Case(label, make(dims, lr)) for label, dims, lr in nets]


def specs(rng, batch):
    """``{name: (build_cases, timeout)}`` for the week 4 functions and helpers, in the course's order."""
    out = {name: (lambda c=cases: c, PIECE_TIMEOUT) for name, cases in helper_cases(rng).items()}
    out.update({
        "initialize_parameters": (lambda: _init_cases(rng), PIECE_TIMEOUT),
        "initialize_parameters_deep": (lambda: _init_deep_cases(rng), PIECE_TIMEOUT),
        "linear_forward": (lambda: _linear_forward_cases(rng, batch), PIECE_TIMEOUT),
        "linear_activation_forward": (lambda: _activation_forward_cases(rng, batch), PIECE_TIMEOUT),
        "L_model_forward": (lambda: _L_forward_cases(rng, batch), PIECE_TIMEOUT),
        "compute_cost": (lambda: [Case(label, run) for label, _, _, run in cost_cases(rng, batch)], PIECE_TIMEOUT),
        "linear_backward": (lambda: _linear_backward_cases(rng, batch), PIECE_TIMEOUT),
        "linear_activation_backward": (lambda: _activation_backward_cases(rng, batch), PIECE_TIMEOUT),
        "L_model_backward": (lambda: _L_backward_cases(rng, batch), PIECE_TIMEOUT),
        "update_parameters": (lambda: update_cases(rng, (("L=1", (3, 1), 0.1), ("L=3", (4, 3, 2, 1), 0.05))), PIECE_TIMEOUT),
        "two_layer_model": (lambda: model_cases(rng, "initialize_parameters", (4, 3, 1), 6), MODEL_TIMEOUT),
        "L_layer_model": (lambda: model_cases(rng, "initialize_parameters_deep", (4, 5, 3, 1), 6), MODEL_TIMEOUT),
        "predict": (lambda: predict_cases(rng, batch), PIECE_TIMEOUT),
    })
    return out
