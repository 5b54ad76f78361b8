"""Full-batch gradient descent with the first layer in dual (Gram) form.

With plain gradient descent on the whole batch, every update of the first layer lies in the
span of the data: ``dW1 = dZ1 X^T`` (``1/m`` inside ``dZ1``), so

    W1' X = W1 X - lr dZ1 (X^T X)          and after k steps      W1_k = W1_0 - lr (sum dZ1) X^T.

The loop therefore carries ``P = W1 X`` (n_1, m) and updates it with the Gram matrix
``G = X^T X`` (m, m), computed once per ``fit``: each iteration costs ``2 n_1 m^2`` flops for
the first layer instead of ``4 n_1 n_x m``, a large saving when ``m << n_x`` (the cat images:
n_x = 12288, m = 209). ``W1`` is rebuilt with one product at the end of every logging chunk,
where ``P`` is also recomputed from it, so rounding drift never spans more than one chunk.
The iterates are the course's gradient-descent iterates; only the rounding differs (tests:
equal to the primal loop to 1e-10 in float64). Only for ``optimizer=None`` (an optax
optimizer's update is not a fixed multiple of the gradient), without a device mesh.
"""
from __future__ import annotations

import jax
import jax.numpy as jnp

from dnnjax import backprop, losses, network
from dnnjax.compiled import platform_jit

MAX_M = 4096  # G is (m, m): 64 MiB in float32 at this size
MIN_CHUNK = 10  # each chunk pays two (n_1, n_x, m) products to rebuild W1 and P


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


def train_chunks(params, X, Y, G, learning_rate, start, *, config, n_chunks, chunk):
    """Like :func:`dnnjax.train.train_chunks` (plain GD), first layer in dual form."""
    hidden, output, method = config

    def step(carry, _):
        P, S, rest, it, bad = carry
        cost, dZ1, g = value_and_grad(P, rest, Y, hidden, output, method)
        P = P - learning_rate * (dZ1 @ G)
        S = S + dZ1
        rest = jax.tree.map(lambda p, d: p - learning_rate * d, rest, g)
        bad = jnp.where((bad < 0) & ~jnp.isfinite(cost), it, bad)
        return (P, S, rest, it + 1, bad), cost

    def run_chunk(carry, _):
        params, it, bad = carry
        W1 = params["W1"]
        rest = {k: v for k, v in params.items() if k != "W1"}
        P = W1 @ X
        (P, S, rest, it, bad), costs = jax.lax.scan(step, (P, jnp.zeros_like(P), rest, it, bad), length=chunk)
        return (dict(rest, W1=W1 - learning_rate * (S @ X.T)), it, bad), costs[0]

    carry0 = (params, jnp.asarray(start, jnp.int32), jnp.asarray(-1, jnp.int32))
    (params, it, bad), costs = jax.lax.scan(run_chunk, carry0, length=n_chunks)
    finite = jnp.all(jnp.stack([jnp.all(jnp.isfinite(x)) for x in jax.tree.leaves(params)]))
    bad = jnp.where((bad < 0) & ~finite, it, bad)
    return params, costs, bad


train_chunks_jit = platform_jit(train_chunks, static_argnames=("config", "n_chunks", "chunk"), donate_argnames=("params",))
