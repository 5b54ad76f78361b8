"""Trace, lowering and compile time per compiled program, from JAX's monitoring events.

    with CompileLog() as log:
        dnnjax.fit(...)
    print(log.table())

One row per program (the jitted function's name): how many times it was traced, lowered to
StableHLO and compiled by XLA, the seconds of each stage, and how many of the compiles were
loads from the persistent cache (:mod:`dnnjax.compile_cache`). Listeners are registered only
inside the ``with`` block (the ``dnnjax`` command's ``--verbose``); nothing is global otherwise.
Nested jitted functions traced inside an outer one get their own trace rows and no compile.
"""
from __future__ import annotations

from dataclasses import dataclass

import jax.monitoring as monitoring

TRACE = "/jax/core/compile/jaxpr_trace_duration"
LOWER = "/jax/core/compile/jaxpr_to_mlir_module_duration"
COMPILE = "/jax/core/compile/backend_compile_duration"
CACHE_HIT = "/jax/compilation_cache/cache_hits"


@dataclass
class ProgramTimes:
    """Seconds per stage and counts for one program name."""
    name: str
    traces: int = 0
    trace_s: float = 0.0
    lower_s: float = 0.0
    compiles: int = 0
    compile_s: float = 0.0
    cache_hits: int = 0

    @property
    def total_s(self) -> float:
        return self.trace_s + self.lower_s + self.compile_s


def _program_name(name: str) -> str:
    if name.startswith("jit(") and name.endswith(")"):  # modules are named jit(<function>)
        return name[4:-1]
    return name[4:] if name.startswith("jit_") else name


class CompileLog:
    """Context manager collecting :class:`ProgramTimes` per program while it is open."""

    def __init__(self):
        self.programs: dict[str, ProgramTimes] = {}
        self._hit = False

    def _row(self, name) -> ProgramTimes:
        name = _program_name(str(name))
        return self.programs.setdefault(name, ProgramTimes(name))

    def _on_duration(self, event, duration, **kw):
        if event == TRACE:
            row = self._row(kw.get("fun_name", "?"))
            row.traces += 1
            row.trace_s += duration
        elif event == LOWER:
            self._row(kw.get("fun_name", "?")).lower_s += duration
        elif event == COMPILE:  # the cache read, when it hits, happens inside this span
            row = self._row(kw.get("fun_name", "?"))
            row.compiles += 1
            row.compile_s += duration
            row.cache_hits += self._hit
            self._hit = False

    def _on_event(self, event, **kw):
        if event == CACHE_HIT:
            self._hit = True

    def __enter__(self):
        monitoring.register_event_duration_secs_listener(self._on_duration)
        monitoring.register_event_listener(self._on_event)
        return self

    def __exit__(self, *exc):
        monitoring.unregister_event_duration_listener(self._on_duration)
        monitoring.unregister_event_listener(self._on_event)
        return False

    def table(self) -> str:
        """The compiled programs, slowest first, and the totals, as a text table."""
        rows = sorted((r for r in self.programs.values() if r.compiles), key=lambda r: -r.total_s)
        traced_only = sum(r.trace_s for r in self.programs.values() if not r.compiles)
        head = f"{'program':<40}{'traces':>7}{'trace s':>9}{'lower s':>9}{'compiles':>9}{'compile s':>10}{'cached':>7}"
        lines = [head, "-" * len(head)]
        for r in rows:
            lines.append(f"{r.name[:39]:<40}{r.traces:>7}{r.trace_s:>9.3f}{r.lower_s:>9.3f}{r.compiles:>9}"
                         f"{r.compile_s:>10.3f}{r.cache_hits:>7}")
        n, hits = sum(r.compiles for r in rows), sum(r.cache_hits for r in rows)
        total = sum(r.total_s for r in rows)  # an outer trace's time includes its nested functions' traces
        lines.append(f"{n} programs compiled ({hits} loaded from the persistent cache) in {total:.2f} s: "
                     f"trace {sum(r.trace_s for r in rows):.2f} s (of it nested functions {traced_only:.2f} s), "
                     f"lower {sum(r.lower_s for r in rows):.2f} s, compile {sum(r.compile_s for r in rows):.2f} s")
        return "\n".join(lines)
