"""Schedules: which columns of ``X`` (n_x, m) / ``Y`` (n_L, m) each step of the loop sees.

The engine (:mod:`dnnjax.training.engine`) scans *units*; a schedule turns one unit into its
steps: ``schedule.unit(step, carry, X, Y, perm) -> (carry, cost, step_costs)`` calls
``step(carry, Xb, Yb, w)`` once per step and returns the unit's recorded cost and each step's
(``(steps_per_unit,)``, which the engine checks for a non-finite one once per unit). A schedule
that ``draws`` random inputs per unit (permutations) makes them with ``draw(key, first, count)``
for up to ``units_per_draw`` units at once; the engine passes each unit its row as ``perm``.
A schedule is a static (hashable) part of the compiled configuration.

- :data:`FULL_BATCH`: a unit is one iteration, one step on all ``m`` columns (course 1).
- :class:`Minibatch`: a unit is one epoch (course 2's ``random_mini_batches``): a permutation
  of the columns (fresh per epoch from ``fold_in(key, epoch)``, or given, or the identity),
  cut into ``ceil(m / B)`` batches of ``B``; the last, partial batch of ``r = m mod B`` columns
  is padded to ``B`` and masked (weights ``1/r`` on its own columns, 0 on the padding), so every
  step has the same shapes. The complete batches run in one ``lax.scan`` of the plain step; the
  masked step is traced once more for the partial batch (one program, no second compile), so
  the weighting costs nothing on the other steps. The epoch's cost is the mean per-example loss over its batches,
  each taken before its update: ``sum_k cost_k r_k / m``.
"""
from __future__ import annotations

from dataclasses import dataclass

import jax
import jax.numpy as jnp
import numpy as np


@dataclass(frozen=True)
class FullBatch:
    """Every step on all ``m`` columns; a unit is one iteration."""

    steps_per_unit: int = 1
    draws: bool = False

    def unit(self, step, carry, X, Y, perm):
        carry, cost = step(carry, X, Y, None)
        return carry, cost, cost[None]

    def where(self, bad: int):
        return f"iteration {bad}", bad, {}


FULL_BATCH = FullBatch()

PACKED_SORT_MAX_BITS = 20
"""Up to ``m = 2**20`` columns a permutation is one sort of packed ``uint32`` keys (at least
12 random bits above the index): ~4x cheaper on XLA:CPU than ``jax.random.permutation``'s
key-value sorts. Equal random bits keep their columns' order (a stable tie-break: for
``m = 60000`` two given columns tie with probability ``2**-16``), harmless for SGD; beyond
``2**20`` columns, ``jax.random.permutation``."""


def permutation(key, epoch, m: int):
    """A permutation of ``range(m)`` (int32) drawn from ``fold_in(key, epoch)``."""
    k = jax.random.fold_in(key, epoch)
    bits = max(1, (m - 1).bit_length())
    if bits > PACKED_SORT_MAX_BITS:
        return jax.random.permutation(k, m).astype(jnp.int32)
    packed = (jax.random.bits(k, (m,), jnp.uint32) << bits) | jnp.arange(m, dtype=jnp.uint32)
    return (jnp.sort(packed) & jnp.uint32((1 << bits) - 1)).astype(jnp.int32)


DRAW_BLOCK_ELEMENTS = 1 << 21
"""At most this many permutation entries (8 MB of int32) are drawn in one batch."""


def permutations(key, first, count: int, m: int):
    """(count, m) int32: :func:`permutation` of epochs ``first .. first + count``, drawn in one
    batch (one threefry loop and one sort for all of them: on XLA:CPU the per-epoch draw of
    1797 columns costs ~10 % of a digits epoch); the same values as one call per epoch."""
    return jax.vmap(lambda e: permutation(key, e, m))(first + jnp.arange(count, dtype=jnp.int32))


def course_permutations(m: int, num_epochs: int, seed: int = 10, start: int = 0) -> np.ndarray:
    """(num_epochs, m) int: the permutations of course 2's ``model`` loop, which sets
    ``seed = seed + 1`` before each epoch's ``random_mini_batches``
    (``np.random.seed(seed); np.random.permutation(m)``). Pass as ``fit(..., permutations=)``
    to follow the course batch for batch; ``start`` skips the first ``start`` epochs."""
    return np.stack([np.random.RandomState(seed + 1 + start + e).permutation(m) for e in range(num_epochs)]) \
        if num_epochs else np.zeros((0, m), np.int64)


@dataclass(frozen=True)
class Minibatch:
    """Epochs of ``ceil(m / batch_size)`` steps on batches of columns.

    ``shuffle``: a fresh permutation per epoch from the key (else column order, unless the
    permutations are given: ``explicit``). ``rows``: ``X`` is passed transposed, (m, n_x), so a
    batch is a gather of contiguous rows (wide data; see :func:`rows_layout`). ``sharding``:
    where each gathered batch goes (a mesh's column split), or None. ``draw_elements``: at most
    this many permutation entries are drawn in one batch (``units_per_draw`` epochs).
    """

    m: int
    batch_size: int
    shuffle: bool = True
    explicit: bool = False
    rows: bool = False
    sharding: object = None
    draw_elements: int = DRAW_BLOCK_ELEMENTS

    @property
    def steps_per_unit(self) -> int:
        return -(-self.m // self.batch_size)

    @property
    def draws(self) -> bool:
        return self.shuffle

    @property
    def units_per_draw(self) -> int:
        return max(1, self.draw_elements // self.m)

    def draw(self, key, first, count: int):
        return permutations(key, first, count, self.m)

    @property
    def masked(self) -> bool:
        return self.m % self.batch_size != 0

    def counts(self) -> np.ndarray:
        """(steps_per_unit,) the number of real columns in each batch."""
        c = np.full(self.steps_per_unit, self.batch_size)
        c[-1] = self.m - (self.steps_per_unit - 1) * self.batch_size
        return c

    def weights(self, dtype):
        """(steps_per_unit, B): each column's weight in its batch's mean (0 on the padding)."""
        B, c = self.batch_size, self.counts()
        w = (np.arange(B)[None, :] < c[:, None]) / c[:, None]
        return jnp.asarray(w, dtype)

    def gather(self, X, Y, idx):
        Xb = X[idx].T if self.rows else jnp.take(X, idx, axis=1)
        Yb = jnp.take(Y, idx, axis=1)
        if self.sharding is not None:
            Xb = jax.lax.with_sharding_constraint(Xb, self.sharding)
            Yb = jax.lax.with_sharding_constraint(Yb, self.sharding)
        return Xb, Yb

    def unit(self, step, carry, X, Y, perm):
        m, B, n = self.m, self.batch_size, self.steps_per_unit
        if perm is None:  # shuffled epochs get theirs from draw()
            perm = jnp.arange(m, dtype=jnp.int32)
        pad = n * B - m
        idx = (jnp.concatenate([perm, perm[:pad]]) if pad else perm).reshape(n, B)
        full = n - 1 if self.masked else n  # complete batches; then the masked partial one, traced apart

        def body(c, ids):
            Xb, Yb = self.gather(X, Y, ids)
            return step(c, Xb, Yb, None)

        carry, costs = jax.lax.scan(body, carry, idx[:full])
        if self.masked:
            Xb, Yb = self.gather(X, Y, idx[-1])
            carry, last = step(carry, Xb, Yb, self.weights(Y.dtype)[-1])
            costs = jnp.concatenate([costs, last[None]])
        return carry, jnp.sum(costs * jnp.asarray(self.counts(), costs.dtype)) / m, costs

    def where(self, bad: int):
        epoch, k = divmod(bad, self.steps_per_unit)
        return (f"epoch {epoch}, step {k} (batch {k + 1} of {self.steps_per_unit})", epoch,
                {"epoch": epoch, "step": k})


def rows_layout(n_x: int) -> bool:
    """Whether batches are gathered as rows of ``X^T``: for wide data a column gather of the
    course layout reads ``n_x`` strided values per example (measured ~50 % of a 784-wide step);
    narrow data keeps the course layout, which wins there."""
    return n_x >= ROWS_MIN_FEATURES


ROWS_MIN_FEATURES = 128
