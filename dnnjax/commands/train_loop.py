"""The training loop of ``dnnjax train``: :func:`dnnjax.fit` called chunk by chunk, so that the
run can log test metrics, write checkpoints and stop on Ctrl-C (or SIGTERM) between chunks.

Chunk boundaries are the logged units (multiples of ``--log-every``), the checkpoint units
(multiples of ``--checkpoint-every``) and the end; a unit is an iteration (full batch) or an
epoch (minibatch). A chunk that would take longer than :data:`MAX_CHUNK_S` at the measured
speed is cut at multiples of a power of two that take about :data:`TARGET_CHUNK_S`, so Ctrl-C
is honoured within a second or two whatever ``--log-every`` is (:class:`Pace`: the speed comes
from chunks whose program was already compiled). Each chunk is one ``fit(..., opt_state=, start=, return_state=True)`` from
the previous one's state, so the chunks together are exactly one run (``fit`` numbers
iterations, shuffles epochs and logs costs from the absolute ``start``), and repeated chunk
lengths reuse one compiled program. A SIGINT or SIGTERM sets a flag (:class:`StopRequest`)
that the loop reads at the next boundary; a second one stops at once.
"""
from __future__ import annotations

import signal
import threading
import time
from dataclasses import dataclass, field
from typing import Callable

import dnnjax


MAX_CHUNK_S, TARGET_CHUNK_S = 1.0, 0.5
PROBE_UNITS = 128  # before any speed is known, a chunk longer than 8 x this starts with this many
REPEAT_S = 4.0  # a first chunk (its compile included) that took at most this long is run once more, uncut


@dataclass
class History:
    """What was logged: ``counts`` (the units), the training ``costs`` there and, with a test
    split, the test cost and metric from the same parameters (None where not measured)."""

    counts: list = field(default_factory=list)
    costs: list = field(default_factory=list)
    test_costs: list = field(default_factory=list)
    test_metrics: list = field(default_factory=list)


@dataclass
class RunState:
    """The whole training state: parameters, optax state (``()`` for gd), units done (absolute)."""

    params: dict
    opt_state: object
    done: int
    history: History


class StopRequest:
    """While active, the first SIGINT (Ctrl-C) or SIGTERM (``kill``, a scheduler's stop) only
    records itself in :attr:`signum` (so :attr:`requested`); after that a SIGINT raises
    KeyboardInterrupt and a SIGTERM goes to the previous handler (by default: the process ends
    at once; atomic writes keep the files whole).

    The previous handlers are restored on exit. Outside the main thread (where Python cannot
    install signal handlers) it does nothing and the signals behave as usual.
    """

    SIGNALS = (signal.SIGINT, signal.SIGTERM)

    def __init__(self):
        self.signum, self._old = None, {}

    @property
    def requested(self) -> bool:
        return self.signum is not None

    def _handler(self, signum, frame):
        if self.signum is None:
            self.signum = signum
        elif signum == signal.SIGINT:
            raise KeyboardInterrupt
        else:
            signal.signal(signum, self._old.pop(signum))
            signal.raise_signal(signum)

    def __enter__(self):
        if threading.current_thread() is threading.main_thread():
            for signum in self.SIGNALS:
                old = signal.signal(signum, self._handler)
                self._old[signum] = signal.SIG_DFL if old is None else old  # None: not set from Python
        return self

    def __exit__(self, *exc):
        while self._old:
            signum, old = self._old.popitem()
            signal.signal(signum, old)
        return False


def boundaries(start: int, end: int, log_every: int, checkpoint_every: int | None) -> list[int]:
    """The units after ``start`` where a chunk ends: multiples of either interval, and ``end``."""
    stops = {end}
    for every in filter(None, (log_every, checkpoint_every)):
        stops.update(range((start // every + 1) * every, end, every))
    return sorted(stops)


def next_stop(done: int, stop_at: int, seconds_per_unit: float | None) -> int:
    """Where the chunk from ``done`` ends: ``stop_at``, or earlier when that would take longer than
    :data:`MAX_CHUNK_S`, at the next multiple of the largest power of two units taking at most
    :data:`TARGET_CHUNK_S` (so the few chunk lengths repeat and compile once). With no speed
    measured yet, a long chunk is probed with :data:`PROBE_UNITS` first."""
    if seconds_per_unit is None:
        long = stop_at - done > 8 * PROBE_UNITS
        return min(stop_at, (done // PROBE_UNITS + 1) * PROBE_UNITS) if long else stop_at
    if (stop_at - done) * seconds_per_unit <= MAX_CHUNK_S:
        return stop_at
    step = 1 << max(0, int(TARGET_CHUNK_S / seconds_per_unit).bit_length() - 1)
    return min(stop_at, (done // step + 1) * step)


class Pace:
    """Where each chunk ends, from the speed measured so far.

    A chunk of a new length compiles its program, so its time is only an upper bound on the
    speed (compilation often takes longer than the chunk's training); trusting it would cut the
    next chunks into new lengths that compile in turn. So the speed (the fastest so far) comes
    from chunks of a length already run. Until one has run, a chunk that would be cut at the upper
    bound repeats the first chunk's length instead (no compile), when that chunk took at most
    :data:`REPEAT_S`.
    """

    def __init__(self):
        self.seconds_per_unit, self.first = None, {}  # the measured speed; length -> its compiling chunk's time

    def next_stop(self, done: int, stop_at: int) -> int:
        if self.seconds_per_unit is not None or not self.first:
            return next_stop(done, stop_at, self.seconds_per_unit)
        n, seconds = min(self.first.items(), key=lambda item: item[1] / item[0])
        upper = seconds / n
        if (stop_at - done) * upper > MAX_CHUNK_S and seconds <= REPEAT_S and done + n <= stop_at:
            return done + n
        return next_stop(done, stop_at, upper)

    def record(self, units: int, seconds: float) -> None:
        if units not in self.first:
            self.first[units] = seconds
        elif self.seconds_per_unit is None or seconds / units < self.seconds_per_unit:
            self.seconds_per_unit = seconds / units


def train(state: RunState, X, Y, *, end: int, fit_kwargs: dict, minibatch: bool, log_every: int,
          checkpoint_every: int | None, stop: StopRequest, measure: Callable | None,
          on_log: Callable, on_chunk: Callable, save: Callable) -> bool:
    """Run ``state`` on to unit ``end``, updating it in place; True when stopped first (``stop.signum``).

    ``measure(params) -> (test_cost, test_metric)`` at every logged unit (None: no test split);
    ``on_log(unit, cost, test)`` prints; ``on_chunk(done)`` moves a progress bar; ``save(state)``
    writes the checkpoint at multiples of ``checkpoint_every``.
    """
    length = "num_epochs" if minibatch else "num_iterations"
    h = state.history
    pace = Pace()
    for stop_at in boundaries(state.done, end, log_every, checkpoint_every):
        while state.done < stop_at:
            a = state.done
            b = pace.next_stop(a, stop_at)
            test = measure(state.params) if measure is not None and a % log_every == 0 else None
            t0 = time.perf_counter()
            params, costs, ts = dnnjax.fit(state.params, X, Y, opt_state=state.opt_state, start=a,
                                           return_state=True, log_every=log_every, **{length: b - a}, **fit_kwargs)
            costs = costs.tolist()  # waits for the chunk
            pace.record(b - a, time.perf_counter() - t0)
            state.params, state.opt_state, state.done = params, ts.opt_state, ts.step
            first = -(-a // log_every) * log_every  # fit logs the multiples of log_every: here at most a itself
            for k, c in enumerate(costs):
                t = test if k == 0 and first == a else None
                h.counts.append(first + k * log_every)
                h.costs.append(float(c))
                h.test_costs.append(None if t is None else t[0])
                h.test_metrics.append(None if t is None else t[1])
                on_log(h.counts[-1], h.costs[-1], t)
            on_chunk(state.done)
            if state.done < end:
                if checkpoint_every and state.done % checkpoint_every == 0:
                    save(state)
                if stop.requested:
                    return True
    return False
