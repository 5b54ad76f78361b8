"""The oracle: expected values from :mod:`dnnjax.course`'s forward definitions, gradients by
``jax.vjp`` / ``jax.grad`` of them. Nothing here is a hand-written backward pass.

Gradients are put in the course's convention: ``dW``, ``db`` are derivatives of the mean cost
(``1/m`` included); ``dA``, ``dZ`` are per-example (``m`` times the derivative of the mean cost),
as the course's ``dA_prev = W^T dZ`` is. ReLU's derivative at 0 is 0 (``jax.nn.relu``), like the
course's ``relu_backward``.

A check needs a few dozen small results of many shapes; computed one by one in eager JAX every
primitive would compile for every shape. So the cases register their requests in a
:class:`Batch` and one ``jax.jit`` of all of them runs once, in float64: one compile per check.
"""
from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np

from dnnjax import activations, losses
from dnnjax import network as net
from dnnjax.course import deep as _deep
from dnnjax.course import planar as _planar

ACTIVATIONS = {"sigmoid": activations.sigmoid, "relu": activations.relu, "tanh": activations.tanh,
               "identity": lambda z: z}


# The program is the same for every seed (the case tables fix the shapes), so it is compiled once
# per process (``_COMPILED``) and, where the entry point enables JAX's persistent cache
# (:mod:`dnnjax.compile_cache`), once per machine. Tiny float64 programs: XLA's backend
# optimisations would take longer than they save.
_OPTIONS = {"xla_backend_optimization_level": 0, "xla_llvm_disable_expensive_passes": True}
_COMPILED: dict = {}


def _run_all(spec, args):
    return [fn(*a, **dict(static)) for (fn, static), a in zip(spec, args)]


class Batch:
    """Requests ``add(fn, *arrays, **static) -> Result``, computed together by :meth:`compute`."""

    def __init__(self):
        self._jobs, self._results = [], None

    def add(self, fn, *arrays, **static):
        self._jobs.append(((fn, tuple(sorted(static.items()))), arrays))
        self._results = None
        return Result(self, len(self._jobs) - 1)

    def compute(self):
        spec = tuple(s for s, _ in self._jobs)
        with jax.enable_x64(True):
            args = jax.tree.map(lambda a: jnp.asarray(a, jnp.float64), [a for _, a in self._jobs])
            key = (spec, str(jax.tree.structure(args)), tuple(np.shape(x) for x in jax.tree.leaves(args)))
            if key not in _COMPILED:
                lowered = jax.jit(_run_all, static_argnums=0).lower(spec, args)
                _COMPILED[key] = lowered.compile(compiler_options=_OPTIONS)
            self._results = jax.tree.map(np.array, _COMPILED[key](args))
        return self


class Result:
    """One request's value (NumPy), available once its batch is computed."""

    def __init__(self, batch, index):
        self._batch, self._index = batch, index

    @property
    def value(self):
        if self._batch._results is None:
            self._batch.compute()
        return self._batch._results[self._index]


# ----------------------------------------------------------------------------- forward (dnnjax.course)
def layer_forward(A_prev, W, b, activation="identity"):
    """``(A, Z)`` of one layer: ``Z = W A_prev + b``, ``A = g(Z)``."""
    Z = net.linear_forward(A_prev, W, b)
    return ACTIVATIONS[activation](Z), Z


def deep_forward(X, params):
    """``(AL, caches)`` of :func:`dnnjax.course.deep.L_model_forward`."""
    return _deep._L_model_forward(params, X)


def planar_forward(X, params):
    """``(A2, cache)`` of :func:`dnnjax.course.planar.forward_propagation`."""
    return _planar._forward(params, X)


def cost(A, Y):
    """The course's cross-entropy of probabilities (no clipping)."""
    return losses.probability_cross_entropy(A, Y)


# ----------------------------------------------------------------------------- gradients (jax.vjp / jax.grad)
def layer_backward(dA, A_prev, W, b, activation="identity"):
    """``(dA_prev, dW, db)`` for ``A = g(W A_prev + b)`` and upstream ``dA``: the VJP, dW and db / m."""
    m = A_prev.shape[1]
    _, vjp = jax.vjp(lambda a, w, c: layer_forward(a, w, c, activation)[0], A_prev, W, b)
    dA_prev, dW, db = vjp(dA)
    return dA_prev, dW / m, db / m


def deep_gradients(X, Y, params, hidden="relu"):
    """The course's ``L_model_backward`` dict ``{dA0..dA{L-1}, dW1..dWL, db1..dbL}`` by ``jax.grad``.

    ``dA{l}`` is the gradient with respect to layer ``l``'s output (``dA0``: the input ``X``), taken
    by differentiating with respect to a zero shift added to each ``A{l}``.
    """
    L = len(params) // 2
    m = X.shape[1]

    def mean_cost(p, shifts):
        A = X + shifts[0]
        for l in range(1, L + 1):
            act = "sigmoid" if l == L else hidden
            A = layer_forward(A, p[f"W{l}"], p[f"b{l}"], act)[0] + (shifts[l] if l < L else 0)
        return cost(A, Y)

    widths = [X.shape[0]] + [params[f"W{l}"].shape[0] for l in range(1, L)]
    shifts = [jnp.zeros((n, m), X.dtype) for n in widths]
    dp, ds = jax.grad(mean_cost, argnums=(0, 1))(params, shifts)
    out = {f"dA{l}": ds[l] * m for l in range(L)}
    out.update({f"d{k}": v for k, v in dp.items()})
    return out


def planar_gradients(X, Y, params, hidden="tanh"):
    """``{dW1, db1, dW2, db2}`` of the one-hidden-layer network by ``jax.grad`` of its mean cost."""
    def mean_cost(p):
        A1 = layer_forward(X, p["W1"], p["b1"], hidden)[0]
        return cost(layer_forward(A1, p["W2"], p["b2"], "sigmoid")[0], Y)

    return {f"d{k}": v for k, v in jax.grad(mean_cost)(params).items()}


def logistic_gradients(w, b, X, Y):
    """``({"dw": (n_x, 1), "db": 0-d}, cost)`` of ``A = sigmoid(w^T X + b)`` by ``jax.value_and_grad``."""
    def mean_cost(w, b):
        return cost(activations.sigmoid(w.T @ X + b), Y)

    c, (dw, db) = jax.value_and_grad(mean_cost, argnums=(0, 1))(w, b)
    return {"dw": dw, "db": db}, c
