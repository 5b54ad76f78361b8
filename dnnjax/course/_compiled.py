"""Compiled versions of the course functions' array work: one program per call signature.

Run op by op, a learner's first ``L_model_backward`` on a 5-layer network compiled and ran some
fifty one-operation programs (seconds); as one ``jax.jit`` function it compiles once per
structure (the number of layers, an activation's name) and shapes and dtypes, then runs as
one call. The public functions check their inputs first, in Python (errors name the
argument, before anything is traced), then call these. The engine's own gradient functions
(``_value_and_grad`` of each module) keep calling the plain functions: they are traced into
the compiled training loop anyway.

:func:`update` is the course's ``W := W - learning_rate * dW`` over a dict; the learning rate
is an argument (weakly typed, so it keeps the parameters' dtype), not a constant, so other
rates reuse the program.
"""
from __future__ import annotations

import jax

from dnnjax import losses


@jax.jit
def _update(params, grads, learning_rate):
    return {k: params[k] - learning_rate * g for k, g in grads.items()}


def update(params, grads, learning_rate):
    """``{k: params[k] - learning_rate * grads[k]}`` for the keys of ``grads``, in their order
    (``jit`` returns a dict's keys sorted)."""
    new = _update(params, grads, learning_rate)
    return {k: new[k] for k in grads}


cost = jax.jit(losses.probability_cross_entropy)
