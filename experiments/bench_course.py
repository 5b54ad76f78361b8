"""A learner's calls of the course functions: op by op (before) vs one compiled program (now).

``python experiments/bench_course.py [--before REV] [--reps 7]`` (in a git checkout)

For each function (a 5-layer ``[30, 12, 8, 6, 4, 1]`` network, m = 64, float32): the first call
in a fresh process (op by op compiled one program per operation and shape; the compiled form
compiles its one program) and the median of ``--reps`` repeated calls. "before" is the same
public call in ``dnnjax`` as of ``--before`` (default: the commit before the course functions
were compiled), extracted with ``git archive`` into a temporary folder. Each (function, form)
runs in its own child process, so the first call is a learner's first; the two forms run one
after the other per function. Prints one table with the ratios (before / now).
"""
from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]

CASES = ("deep.L_model_backward", "deep.compute_cost", "deep.update_parameters", "planar.backward_propagation",
         "logistic.propagate")

CHILD = r"""
import json, sys, time
import jax, numpy as np
from dnnjax.course import deep, planar, logistic
rng = np.random.RandomState(0)
X = rng.randn(30, 64).astype(np.float32); Y = (rng.rand(1, 64) > 0.5).astype(np.float32)
p = deep.initialize_parameters_deep([30, 12, 8, 6, 4, 1], key=jax.random.key(0))
AL, caches = deep.L_model_forward(X, p)
grads = {"d" + k: v for k, v in p.items()}
p2 = planar.initialize_parameters(30, 4, 1, key=jax.random.key(2))
A2, cache = planar.forward_propagation(X, p2)
w, b = jax.numpy.zeros((30, 1), np.float32), 0.0
jax.block_until_ready((AL, caches, A2, cache))
f = {"deep.L_model_backward": lambda: deep.L_model_backward(AL, Y, caches),
     "deep.compute_cost": lambda: deep.compute_cost(AL, Y),
     "deep.update_parameters": lambda: deep.update_parameters(p, grads, 0.01),
     "planar.backward_propagation": lambda: planar.backward_propagation(p2, cache, X, Y),
     "logistic.propagate": lambda: logistic.propagate(w, b, X, Y)}
name, reps = sys.argv[1], int(sys.argv[2])
t0 = time.perf_counter(); jax.block_until_ready(f[name]()); first = time.perf_counter() - t0
times = []
for _ in range(reps):
    t0 = time.perf_counter(); jax.block_until_ready(f[name]()); times.append(time.perf_counter() - t0)
print(json.dumps({"first": first, "times": times}))
"""


def child(root, name, reps):
    env = dict(os.environ, PYTHONPATH=str(root), DNNJAX_NO_COMPILE_CACHE="1")
    out = subprocess.run([sys.executable, "-c", CHILD, name, str(reps)], capture_output=True, text=True,
                         check=True, env=env, cwd=root)
    return json.loads(out.stdout.strip().splitlines()[-1])


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--before", default="2130a1b~1", help="git revision of the op-by-op course functions")
    p.add_argument("--reps", type=int, default=7)
    args = p.parse_args(argv)
    with tempfile.TemporaryDirectory() as before:
        archive = subprocess.run(["git", "-C", str(REPO), "archive", args.before, "dnnjax"], capture_output=True,
                                 check=True).stdout
        subprocess.run(["tar", "-x", "-C", before], input=archive, check=True)
        print(f"{'function':30s} {'first: before':>14s} {'now':>9s} {'ratio':>6s}   "
              f"{'repeated: before':>17s} {'now':>9s} {'ratio':>6s}")
        for name in CASES:
            r = {form: child(root, name, args.reps) for form, root in (("before", before), ("now", REPO))}
            first = {k: v["first"] for k, v in r.items()}
            rep = {k: statistics.median(v["times"]) for k, v in r.items()}
            print(f"{name:30s} {first['before'] * 1e3:11.0f} ms {first['now'] * 1e3:6.0f} ms "
                  f"{first['before'] / first['now']:5.1f}x   {rep['before'] * 1e3:14.2f} ms "
                  f"{rep['now'] * 1e3:6.2f} ms {rep['before'] / rep['now']:5.1f}x")


if __name__ == "__main__":
    main()
