"""Interleaved timing of implementations, each in its own process (shared by the benchmarks).

Each implementation's ``worker(conn, label, spec)`` runs in a freshly spawned process (only its
own library loaded, so thread pools never compete): it sends one reply after its warm-up
(compiles), then one reply per ``True`` it receives, and returns on ``False``. Warm-ups run one at
a time; the timed runs are interleaved across implementations with a pause before each, so one
library's spinning worker threads never steal the next one's cores.
"""
from __future__ import annotations

import multiprocessing as mp
import time

PAUSE = 0.5  # seconds before each timed run


def race(worker, labels, spec, reps, *, pause=PAUSE, join_timeout=60):
    """``(first, replies)``: each label's warm-up reply and its list of ``reps`` timed replies."""
    ctx = mp.get_context("spawn")
    workers, first, replies = {}, {}, {label: [] for label in labels}
    for label in labels:
        parent, child = ctx.Pipe()
        proc = ctx.Process(target=worker, args=(child, label, spec), daemon=True)
        proc.start()
        child.close()  # so a worker that dies is an EOFError here, not a wait forever
        workers[label] = (proc, parent)
        first[label] = parent.recv()
    for _ in range(reps):
        for label, (_, conn) in workers.items():
            time.sleep(pause)
            conn.send(True)
            replies[label].append(conn.recv())
    for proc, conn in workers.values():
        conn.send(False)
        proc.join(timeout=join_timeout)
    return first, replies
