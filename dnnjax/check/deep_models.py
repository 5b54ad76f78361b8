"""Week 4 checks, part 2: the training loops (``two_layer_model``, ``L_layer_model``), ``predict``
and the ``dnn_utils`` helpers when a solution defines its own.

A training loop runs 3 iterations from parameters ``p0``: the learner's init call is replaced by
a stub that hands out copies of ``p0`` and records its arguments, and the result is compared with
the reference loop (forward, cost, backward, update) and the recorded costs
(:func:`dnnjax.check.props.expect_costs`).
"""
from __future__ import annotations

import numpy as np

from dnnjax.check import cases as cs
from dnnjax.check import oracle, props
from dnnjax.check.reference import DEEP as REF
from dnnjax.check.reference import relu_backward, sigmoid_backward
from dnnjax.check.runner import Case, Fail, expect, expect_dict

_FORWARD = {"sigmoid": cs.sigmoid, "relu": lambda Z: np.maximum(Z, 0)}


def masks(Z):
    """Where a ReLU derivative may go wrong: the named sign regions of ``Z``."""
    return {"Z == 0": Z == 0, "Z < 0": Z < 0, "Z > 0": Z > 0, "Z <= 0": Z <= 0}


def model_cases(rng, init_name, dims, m):
    """The learner's training loop from parameters ``p0`` (their init replaced by a stub that hands
    out copies of ``p0`` and records its arguments) against the reference loop, 3 iterations."""
    X, Y = cs.data(rng, dims[0], m)
    X[:, 0] = rng.standard_normal(dims[0])
    p0 = cs.params(rng, dims, zero_first_bias=False)
    lr, n = 0.05, 3
    trajectory, p = [], dict(p0)
    for _ in range(n):
        AL, caches = REF["L_model_forward"](X, p)
        trajectory.append(REF["compute_cost"](AL, Y))
        p = REF["update_parameters"](p, REF["L_model_backward"](AL, Y, caches), lr)
    deep = init_name == "initialize_parameters_deep"
    want_args = (list(dims),) if deep else tuple(dims)
    calls = []

    def stub(*args, **kwargs):
        calls.append(args)
        return {k: v.copy() for k, v in p0.items()}

    def run(call):
        calls.clear()
        out = call(X, Y, list(dims) if deep else tuple(dims), learning_rate=lr, num_iterations=n, print_cost=False)
        _expect_model(out, calls, want_args, init_name, trajectory, p)
    return [Case(f"layers_dims={list(dims)}, m={m}, {n} iterations, learning_rate={lr}", run,
                 inject={init_name: stub})]


def _expect_model(out, calls, want_args, init_name, trajectory, p_final):
    if len(calls) != 1 or [list(a) if isinstance(a, (tuple, list)) else a for a in calls[0]] != \
            [list(a) if isinstance(a, (tuple, list)) else a for a in want_args]:
        raise Fail([f"expected one call {init_name}{want_args}; got "
                    + (", ".join(f"{init_name}{c}" for c in calls) or "none")])
    params, costs = (out, None) if isinstance(out, dict) else (out if isinstance(out, (tuple, list)) and len(out) == 2
                                                              else (None, None))
    if params is None:
        raise Fail(["expected (parameters, costs) (or parameters alone, as older notebooks return)"])
    expect_dict("parameters after training", {k: params.get(k) for k in p_final}, p_final)
    if costs is not None:
        props.expect_costs("costs", costs, trajectory)


def predict_cases(rng, batch):
    X, Y = cs.data(rng, 3, 6)
    p = cs.params(rng, (3, 4, 1))
    p["b1"][:] = 0.0
    p["b2"][:] = 0.0  # example 0 (all zeros) gives AL == 0.5 exactly: predicted 0 (AL > 0.5)
    want = batch.add(oracle.deep_forward, X, p)

    def run(call):
        AL = want.value[0]
        expect("p", np.asarray(call(X, Y, p), float), (AL > 0.5) * 1.0, masks={"AL == 0.5": AL == 0.5})
    return [Case("m=6, one example with AL == 0.5", run)]


def helper_cases(rng):
    Z = rng.standard_normal((3, 4))
    Z[0, 0] = 0.0
    dA = rng.standard_normal((3, 4))

    def forward(g, name):
        def run(call):
            out = call(Z)
            if not isinstance(out, (tuple, list)) or len(out) != 2:
                raise Fail(["expected (A, cache) like the course's dnn_utils"])
            expect("A", out[0], g(Z))
            expect("cache", out[1], Z)
        return [Case("Z (3, 4)", run)]

    def backward(fn):
        return [Case("dA, Z (3, 4)", lambda call: expect("dZ", call(dA, Z), fn(dA, Z), masks=masks(Z)))]
    return {"sigmoid": forward(cs.sigmoid, "sigmoid"), "relu": forward(_FORWARD["relu"], "relu"),
            "sigmoid_backward": backward(sigmoid_backward), "relu_backward": backward(relu_backward)}
