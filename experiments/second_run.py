"""First vs second ``dnnjax demo``: wall time from a clean compilation cache, then from a warm one.

    python experiments/second_run.py [--pairs 5] [--quick] [--no-profile]

Each pair gets a fresh temporary ``XDG_CACHE_HOME`` (so a fresh ``dnnjax`` compilation cache) and
runs ``python -m dnnjax demo`` twice in fresh processes: the first run compiles and fills the
cache, the second loads from it. Both walls include Python's start and every import. Pairs run one
after the other (first, second, first, second, ...), so a slow spell of a shared machine hits both
kinds; the figures are medians. The ratio is median(second) / median(first) against the 0.45 target
(issue 13), with the median of the per-pair ratios beside it.

Then (unless ``--no-profile``) one more pair runs instrumented (``--child``: the demo in this
script's process, its functions wrapped) and prints where each run's time goes: Python start,
imports, JAX's tracing and lowering (a cache hit still pays both: the cache key is the lowered
program), XLA compiles or cache loads, and the rest of each phase (init, training, evaluation,
gradient check, plots, files: their own Python and arithmetic). The shares are exclusive: a phase's
row has the JAX compile work inside it taken out. A benchmark that prints figures, not a test.
"""
from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
TARGET = 0.45  # issue 13: second run <= 0.45x the first


def demo_argv(quick: bool, out: Path) -> list:
    return ["demo", "--out", str(out)] + (["--quick"] if quick else [])


def env_for(cache_home: Path) -> dict:
    env = {k: v for k, v in os.environ.items() if k != "DNNJAX_NO_COMPILE_CACHE"}
    env["XDG_CACHE_HOME"] = str(cache_home)
    env["PYTHONPATH"] = str(REPO) + os.pathsep + env.get("PYTHONPATH", "")
    return env


def timed(cmd: list, env: dict) -> float:
    """Wall seconds of ``cmd`` in a fresh process (it must succeed); its CPU seconds (user + sys,
    helper processes included) go to CPU_S: on a shared machine they vary less than the wall."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.perf_counter()
    out = subprocess.run(cmd, env=env, cwd=REPO, capture_output=True, text=True)
    wall = time.perf_counter() - t0
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    CPU_S.append(after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime)
    if out.returncode != 0:
        raise SystemExit(f"{' '.join(cmd)} failed ({out.returncode}):\n{out.stderr[-3000:]}")
    return wall


CPU_S: list = []


def run_pairs(pairs: int, quick: bool, scratch: Path):
    firsts, seconds = [], []
    for k in range(pairs):
        cache = scratch / f"cache{k}"
        env = env_for(cache)
        cmd = [sys.executable, "-m", "dnnjax"] + demo_argv(quick, scratch / f"run{k}")
        firsts.append(timed(cmd, env))
        seconds.append(timed(cmd, env))
        entries = len(list((cache / "dnnjax").iterdir()))
        print(f"pair {k + 1}/{pairs}: first {firsts[-1]:6.2f} s  second {seconds[-1]:6.2f} s  "
              f"ratio {seconds[-1] / firsts[-1]:.3f}  (CPU {CPU_S[-2]:.2f} / {CPU_S[-1]:.2f} s; "
              f"{entries} cache files)", flush=True)
    return firsts, seconds, CPU_S[-2 * pairs::2], CPU_S[-2 * pairs + 1::2]


def profiled_pair(quick: bool, scratch: Path):
    env = env_for(scratch / "cache-profile")
    rows = []
    for run in ("first", "second"):
        report = scratch / f"profile-{run}.json"
        cmd = [sys.executable, str(Path(__file__).resolve()), "--child", str(report)] + \
            demo_argv(quick, scratch / f"run-profile-{run}")
        wall = timed(cmd, env)
        rows.append((run, wall, json.loads(report.read_text())))
    return rows


def print_profile(rows) -> None:
    names = []
    for _, _, r in rows:
        names += [n for n in r["seconds"] if n not in names]
    walls = {run: wall for run, wall, _ in rows}
    table = {run: dict(r["seconds"], **{"python start and exit": wall - r["inside_s"]})
             for run, wall, r in rows}
    names = ["python start and exit"] + names
    print(f"\nwhere the time goes (one instrumented pair; seconds, exclusive):")
    print(f"{'':<44}{'first':>9}{'second':>9}{'share of 2nd':>14}")
    for n in names:
        a, b = table["first"].get(n, 0.0), table["second"].get(n, 0.0)
        print(f"{n:<44}{a:>9.2f}{b:>9.2f}{100 * b / walls['second']:>13.1f}%")
    print(f"{'wall':<44}{walls['first']:>9.2f}{walls['second']:>9.2f}")
    for run, _, r in rows:
        print(f"{run}: {r['programs']} programs compiled or loaded ({r['hits']} cache loads)")


def main(argv=None) -> None:
    p = argparse.ArgumentParser(prog="experiments/second_run.py", description=__doc__.split("\n")[0])
    p.add_argument("--pairs", type=int, default=5, help="first/second pairs, each from a clean cache (default 5)")
    p.add_argument("--quick", action="store_true", help="dnnjax demo --quick (a tenth of the iterations)")
    p.add_argument("--no-profile", action="store_true", help="skip the instrumented pair")
    args = p.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="dnnjax-second-run-") as tmp:
        scratch = Path(tmp)
        firsts, seconds, cpu_first, cpu_second = run_pairs(args.pairs, args.quick, scratch)
        f, s = statistics.median(firsts), statistics.median(seconds)
        per_pair = statistics.median(b / a for a, b in zip(firsts, seconds))
        cf, cs = statistics.median(cpu_first), statistics.median(cpu_second)
        print(f"\ndnnjax demo{' --quick' if args.quick else ''}, {args.pairs} pairs, medians: "
              f"first {f:.2f} s, second {s:.2f} s, second/first {s / f:.3f} (per-pair median {per_pair:.3f}); "
              f"target <= {TARGET}: {'met' if s / f <= TARGET else 'NOT met'}")
        print(f"CPU seconds (user + sys, medians): first {cf:.2f}, second {cs:.2f}, second/first {cs / cf:.3f}")
        if not args.no_profile:
            print_profile(profiled_pair(args.quick, scratch))


class Phases:
    """Exclusive seconds per phase (wrapped functions nest; the innermost open one is charged) and
    per JAX compile stage (taken out of the phase it happened in)."""

    def __init__(self):
        self.seconds, self.frames = {}, []
        self.traces = []  # (start, seconds) of trace spans seen, to count a nested trace once
        self.hit, self.programs, self.hits = False, 0, 0

    def _charge(self, name, seconds):
        self.seconds[name] = self.seconds.get(name, 0.0) + seconds

    def run(self, name, fn, *args, **kwargs):
        frame = [time.perf_counter(), 0.0]  # start, time charged to nested phases and JAX
        self.frames.append(frame)
        try:
            return fn(*args, **kwargs)
        finally:
            elapsed = time.perf_counter() - frame[0]
            self.frames.pop()
            self._charge(name, elapsed - frame[1])
            if self.frames:
                self.frames[-1][1] += elapsed

    def wrap(self, owner, attr, name):
        fn = getattr(owner, attr)
        setattr(owner, attr, lambda *a, **k: self.run(name, fn, *a, **k))

    def _jax(self, name, seconds):
        self._charge(name, seconds)
        if self.frames:
            self.frames[-1][1] += seconds

    def on_duration(self, event, duration, **kw):
        from dnnjax import compile_report as cr

        if event == cr.TRACE:  # an outer trace's span contains its nested functions' traces
            start = time.perf_counter() - duration
            nested = sum(d for s, d in self.traces if s >= start)
            self.traces = [(s, d) for s, d in self.traces if s < start] + [(start, duration)]
            self._jax("jax: tracing", duration - nested)
        elif event == cr.LOWER:
            self._jax("jax: lowering to StableHLO", duration)
        elif event == cr.COMPILE:
            self.programs += 1
            self.hits += self.hit
            self._jax("jax: cache loads" if self.hit else "jax: XLA compiles", duration)
            self.hit = False

    def on_event(self, event, **kw):
        from dnnjax import compile_report as cr

        if event == cr.CACHE_HIT:
            self.hit = True


def child(report: Path, argv) -> None:
    """One instrumented ``dnnjax`` run in this process; writes its phases to ``report`` (JSON)."""
    t0 = time.perf_counter()
    phases = Phases()
    import jax.monitoring as monitoring

    import dnnjax
    from dnnjax import cli, demo
    from dnnjax.commands import common
    from dnnjax.plots import background

    phases.seconds["imports (jax, optax, numpy, dnnjax)"] = time.perf_counter() - t0
    monitoring.register_event_duration_secs_listener(phases.on_duration)
    monitoring.register_event_listener(phases.on_event)
    for owner, attr, name in ((dnnjax, "init_params", "init"), (dnnjax, "fit", "training (fit)"),
                              (dnnjax, "predict", "evaluation"), (dnnjax, "cost", "evaluation"),
                              (demo, "evaluate", "evaluation"), (demo, "gradient_check", "gradient check"),
                              (common.Plots, "__init__", "plots (matplotlib)"),
                              (common.Plots, "draw", "plots (matplotlib)"),
                              (background.Drawer, "__init__", "plots: start the helper process"),
                              (background.Drawer, "draw", "plots: queue a figure"),
                              (background.Drawer, "close", "plots: wait for the helper process"),
                              (common, "write_json", "files"), (common, "write_csv", "files")):
        if hasattr(owner, attr):
            phases.wrap(owner, attr, name)
    sys.argv = ["dnnjax", *argv]  # main() as the command runs it (argv=None: gc.freeze after imports, at exit)
    rc = phases.run("other (data, tables, Python)", cli.main)
    if rc != 0:
        raise SystemExit(rc)
    inside = time.perf_counter() - t0
    report.write_text(json.dumps({"seconds": phases.seconds, "inside_s": inside, "programs": phases.programs,
                                  "hits": phases.hits}))


if __name__ == "__main__":
    if len(sys.argv) > 2 and sys.argv[1] == "--child":
        child(Path(sys.argv[2]), sys.argv[3:])
    else:
        main()
