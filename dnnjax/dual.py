"""Full-batch gradient descent with the first layer in dual (Gram) form.

With plain gradient descent on the whole batch, every update of the first layer lies in the
span of the data: ``dW1 = dZ1 X^T`` (``1/m`` inside ``dZ1``), so

    W1' X = W1 X - lr dZ1 (X^T X)          and after k steps      W1_k = W1_0 - lr (sum dZ1) X^T.

The loop therefore carries ``P = W1 X`` (n_1, m) and updates it with the Gram matrix
``G = X^T X`` (m, m), computed once per ``fit``: each iteration costs ``2 n_1 m^2`` flops for
the first layer instead of ``4 n_1 n_x m``, a large saving when ``m << n_x`` (the cat images:
n_x = 12288, m = 209). Every :data:`SEGMENT` iterations (and at the end of every logging
chunk) ``W1`` is rebuilt with one product and ``P`` recomputed from it.

**Why segments (float32).** The carried ``P`` picks up the rounding of every step since it
was last recomputed, and ``dZ1 G`` rounds worse than the primal products: for all-positive data
(pixels in [0, 1]) ``G`` is dominated by its rank-one part (entries ~2000-3000 against
example-to-example differences of ~10-800), so each product cancels large terms. Most of the
time that error is harmless, but a ReLU run passes moments where a few pre-activations sit at
zero, and there an error of ~1e-6 decides which side they fall on. Carried for whole chunks
of 50 iterations or more, the float32 Gram form fell on the other side far more often than the
primal float32 loop: 8.5e-4 from float64 against 7e-7 (uniform data, 300 iterations), and on
the cat images after 2500 iterations a geometric mean of 4e-4 to 8e-3 over six nudged starts
against 1.8e-4 for the primal loop. Rebuilding every 10 iterations brings it to the primal
loop's distribution (1.0e-4) for one primal-sized pair of products per 10 iterations. Also
measured, and not enough: ``P = P0 - lr S G`` from the running sum, Kahan summation of ``P``,
``G`` from float64 (rounded, or as a float32 pair), and centring ``X`` (exact for uniform data,
3-5x the primal distance on the cat images). A single run can still fall either way (so can
the primal loop: its two methods differ by up to 100x there); ``experiments/gram_drift.py``
measures it.

The iterates are the course's gradient descent; only the rounding differs. Only for
``optimizer=None`` (an optax optimizer's update is not a fixed multiple of the gradient),
without a device mesh.
"""
from __future__ import annotations

import jax
import jax.numpy as jnp

from dnnjax import backprop, losses, network
from dnnjax.compiled import platform_jit

MAX_M = 4096  # G is (m, m): 64 MiB in float32 at this size
MIN_CHUNK = 10  # each chunk pays two (n_1, n_x, m) products to rebuild W1 and P
SEGMENT = 10  # iterations between rebuilds of W1 and P inside a chunk (see the module docstring)


def worthwhile(n_x: int, m: int, log_every: int) -> bool:
    """Whether the dual form saves work: ``m <= n_x`` and chunks long enough to amortise."""
    return m <= n_x and m <= MAX_M and log_every >= MIN_CHUNK


def gram(X):
    """``X^T X`` (m, m)."""
    return X.T @ X


def value_and_grad(P, rest, Y, hidden: str, output: str, method: str):
    """``(cost, dZ1, grads of rest)`` with ``Z1 = P + b1``; ``rest`` is params without ``W1``."""
    if method == "manual":
        cost, g = backprop.value_and_grad(rest, None, Y, hidden, output, Z1=P + rest["b1"])
        dZ1 = g.pop("Z1")
        return cost, dZ1, g

    def cost_of(P, rest):
        Z_L = network.forward_cache(rest, None, hidden, Z1=P + rest["b1"])[0]
        return losses.loss_from_logits(Z_L, Y, output)

    cost, (dZ1, g) = jax.value_and_grad(cost_of, argnums=(0, 1))(P, rest)  # dJ/dP = dJ/dZ1
    return cost, dZ1, g


def train_chunks(params, X, Y, G, learning_rate, start, *, config, n_chunks, chunk, segment=SEGMENT):
    """Like :func:`dnnjax.train.train_chunks` (plain GD), first layer in dual form, ``W1``
    rebuilt every ``segment`` iterations. Returns ``(params, costs (n_chunks,), bad)``."""
    hidden, output, method = config

    def step(carry, _):
        P, S, rest, it, bad = carry
        cost, dZ1, g = value_and_grad(P, rest, Y, hidden, output, method)
        P = P - learning_rate * (dZ1 @ G)
        S = S + dZ1
        rest = jax.tree.map(lambda p, d: p - learning_rate * d, rest, g)
        bad = jnp.where((bad < 0) & ~jnp.isfinite(cost), it, bad)
        return (P, S, rest, it + 1, bad), cost

    def run_segment(carry, length):
        params, it, bad = carry
        W1 = params["W1"]
        rest = {k: v for k, v in params.items() if k != "W1"}
        P = W1 @ X
        (P, S, rest, it, bad), costs = jax.lax.scan(step, (P, jnp.zeros_like(P), rest, it, bad), length=length)
        return (dict(rest, W1=W1 - learning_rate * (S @ X.T)), it, bad), costs[0]

    full, rest = divmod(chunk, segment)

    def run_chunk(carry, _):
        if full:
            carry, firsts = jax.lax.scan(lambda c, _: run_segment(c, segment), carry, length=full)
        if rest:
            carry, last = run_segment(carry, rest)
        return carry, (firsts[0] if full else last)

    carry0 = (params, jnp.asarray(start, jnp.int32), jnp.asarray(-1, jnp.int32))
    (params, it, bad), costs = jax.lax.scan(run_chunk, carry0, length=n_chunks)
    finite = jnp.all(jnp.stack([jnp.all(jnp.isfinite(x)) for x in jax.tree.leaves(params)]))
    bad = jnp.where((bad < 0) & ~finite, it, bad)
    return params, costs, bad


train_chunks_jit = platform_jit(train_chunks, static_argnames=("config", "n_chunks", "chunk", "segment"),
                                donate_argnames=("params",))
