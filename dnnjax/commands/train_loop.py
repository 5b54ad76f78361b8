"""The training loop of ``dnnjax train``: :func:`dnnjax.fit` called chunk by chunk, so that the
run can log test metrics, write checkpoints and stop on Ctrl-C between chunks.

Chunk boundaries are the logged units (multiples of ``--log-every``), the checkpoint units
(multiples of ``--checkpoint-every``) and the end; a unit is an iteration (full batch) or an
epoch (minibatch). Each chunk is one ``fit(..., opt_state=, start=, return_state=True)`` from
the previous one's state, so the chunks together are exactly one run (``fit`` numbers
iterations, shuffles epochs and logs costs from the absolute ``start``), and repeated chunk
lengths reuse one compiled program. A SIGINT sets a flag (:class:`StopRequest`) that the loop
reads at the next boundary; a second one interrupts at once.
"""
from __future__ import annotations

import signal
import threading
from dataclasses import dataclass, field
from typing import Callable

import dnnjax


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
    """While active, the first SIGINT only sets :attr:`requested`; a second raises KeyboardInterrupt.

    The previous handler is restored on exit. Outside the main thread (where Python cannot install
    signal handlers) it does nothing and Ctrl-C behaves as usual.
    """

    def __init__(self):
        self.requested, self._old = False, None

    def _handler(self, signum, frame):
        if self.requested:
            raise KeyboardInterrupt
        self.requested = True

    def __enter__(self):
        if threading.current_thread() is threading.main_thread():
            self._old = signal.signal(signal.SIGINT, self._handler)
        return self

    def __exit__(self, *exc):
        if self._old is not None:
            signal.signal(signal.SIGINT, self._old)
        return False


def boundaries(start: int, end: int, log_every: int, checkpoint_every: int | None) -> list[int]:
    """The units after ``start`` where a chunk ends: multiples of either interval, and ``end``."""
    stops = {end}
    for every in filter(None, (log_every, checkpoint_every)):
        stops.update(range((start // every + 1) * every, end, every))
    return sorted(stops)


def train(state: RunState, X, Y, *, end: int, fit_kwargs: dict, minibatch: bool, log_every: int,
          checkpoint_every: int | None, stop: StopRequest, measure: Callable | None,
          on_log: Callable, on_chunk: Callable, save: Callable) -> bool:
    """Run ``state`` on to unit ``end``, updating it in place; True when stopped by Ctrl-C first.

    ``measure(params) -> (test_cost, test_metric)`` at every logged unit (None: no test split);
    ``on_log(unit, cost, test)`` prints; ``on_chunk(done)`` moves a progress bar; ``save(state)``
    writes the checkpoint at multiples of ``checkpoint_every``.
    """
    length = "num_epochs" if minibatch else "num_iterations"
    h = state.history
    for stop_at in boundaries(state.done, end, log_every, checkpoint_every):
        a = state.done
        test = measure(state.params) if measure is not None and a % log_every == 0 else None
        params, costs, ts = dnnjax.fit(state.params, X, Y, opt_state=state.opt_state, start=a, return_state=True,
                                       log_every=log_every, **{length: stop_at - a}, **fit_kwargs)
        state.params, state.opt_state, state.done = params, ts.opt_state, ts.step
        first = -(-a // log_every) * log_every  # fit logs the multiples of log_every: here at most a itself
        for k, c in enumerate(costs.tolist()):
            t = test if k == 0 else None
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
