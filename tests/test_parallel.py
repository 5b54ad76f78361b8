"""Data-parallel fit over a device mesh (dnnjax.parallel), checked in child processes that see
4 fake CPU devices (XLA_FLAGS=--xla_force_host_platform_device_count, set before jax starts),
and across 2 processes x 2 devices on localhost with jax.distributed.

Tolerances: the sharded run does the same float operations as the single-device one except the
sums over examples (the cost, dW = dZ A^T, db = sum dZ), which become a per-device partial sum
plus an all-reduce: a different summation order. In float32 that moves a sum of m = 64 terms by
a few ulps (~1e-7 relative) per step; over 100 steps of a contracting descent the parameters
and costs (all O(1)) stay within 1e-6. In float64 the same reordering stays within 1e-12.
"""
import json
import os
import socket
import subprocess
import sys
from pathlib import Path

import jax
import numpy as np
import pytest

import dnnjax
from dnnjax import parallel
from dnnjax.errors import InvalidTypeError, InvalidValueError

TESTS = Path(__file__).resolve().parent
F32_TOL, F64_TOL = 1e-6, 1e-12
KW = dict(learning_rate=0.1, num_iterations=100, log_every=10)


def problem(dtype=np.float32, m=64, dims=(5, 8, 4, 1)):
    """NumPy He-initialised params, X (5, m) and 0/1 labels Y (1, m) of a nonlinear rule."""
    rng = np.random.default_rng(0)
    params = {}
    for l in range(1, len(dims)):
        params[f"W{l}"] = (rng.normal(size=(dims[l], dims[l - 1])) * np.sqrt(2 / dims[l - 1])).astype(dtype)
        params[f"b{l}"] = np.zeros((dims[l], 1), dtype)
    X = rng.normal(size=(dims[0], m)).astype(dtype)
    Y = (X[0:1] + X[1:2] ** 2 > 0.5).astype(dtype)
    return params, X, Y


def maxdiff(a, b):
    """Largest |difference| over the params and costs of two fit results."""
    (pa, ca), (pb, cb) = a, b
    return max([float(np.max(np.abs(np.asarray(pa[k]) - np.asarray(pb[k])))) for k in pa]
               + [float(np.max(np.abs(np.asarray(ca) - np.asarray(cb))))])


def run_children(code, n_devices, argvs, timeout=80):
    """Run ``python -c code *argv`` for each argv concurrently; return their last stdout lines as JSON."""
    # backend optimisation level 0 only speeds up CPU code generation (3x faster compiles);
    # sharding propagation and the SPMD partitioner (what is tested) run as usual.
    flags = f"--xla_force_host_platform_device_count={n_devices} --xla_backend_optimization_level=0"
    env = dict(os.environ, JAX_PLATFORMS="cpu", PYTHONPATH=f"{TESTS}{os.pathsep}{os.environ.get('PYTHONPATH', '')}",
               XLA_FLAGS=f"{os.environ.get('XLA_FLAGS', '')} {flags}")
    procs = [subprocess.Popen([sys.executable, "-c", code, *argv], env=env, text=True,
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE) for argv in argvs]
    results = []
    try:
        for p in procs:
            out, err = p.communicate(timeout=timeout)
            assert p.returncode == 0, f"child failed (rc {p.returncode}):\n{err[-3000:]}"
            results.append(json.loads(out.strip().splitlines()[-1]))
    finally:
        for p in procs:
            if p.poll() is None:
                p.kill()
                p.communicate()
    return results


SHARDED_CHILD = r'''
import json, jax, numpy as np, optax
jax.config.update("jax_numpy_rank_promotion", "raise"); jax.config.update("jax_numpy_dtype_promotion", "strict")
import dnnjax
from dnnjax import parallel, train
from test_parallel import KW, maxdiff, problem
out, seen = {"device_count": jax.device_count()}, {}
params, X, Y = problem()
for method in ("autodiff", "manual"):
    for name, opt in (("gd", None), ("adam", optax.adam(0.01))):
        ref = dnnjax.fit(params, X, Y, method=method, optimizer=opt, **KW)
        par = dnnjax.fit(params, X, Y, method=method, optimizer=opt, devices=4, **KW)
        out[f"{method}/{name}"] = {"diff": maxdiff(ref, par), "drop": float(ref[1][0] - ref[1][-1]),
            "replicated": [v.sharding.spec == jax.P() and len(v.sharding.device_set) == 4 for v in (*par[0].values(), par[1])]}
        if (method, name) == ("autodiff", "gd"):
            base = ref
out["explicit_mesh"] = maxdiff(base, dnnjax.fit(params, X, Y, mesh=jax.make_mesh((4,), ("batch",)), **KW))
out["two_devices"] = maxdiff(base, dnnjax.fit(params, X, Y, devices=jax.devices()[:2], **KW))
with jax.enable_x64(True):
    p64, X64, Y64 = problem(np.float64)
    out["float64"] = maxdiff(dnnjax.fit(p64, X64, Y64, **KW), dnnjax.fit(p64, X64, Y64, devices=4, **KW))
mesh = parallel.make_mesh(4)
def note(name, target):  # what the compiler chose for an array inside the compiled loop
    return lambda s: seen.__setitem__(name, s.is_equivalent_to(target, 2))
def inspecting_grad(params, X, Y, config):
    jax.debug.inspect_array_sharding(X, callback=note("X", parallel.batch_sharding(mesh)))
    jax.debug.inspect_array_sharding(params["W1"], callback=note("W1", parallel.replicated(mesh)))
    return core(params, X, Y, config)
adam = optax.adam(0.01)
def update(g, state, params=None):
    jax.debug.inspect_array_sharding(state[0].mu["W1"], callback=note("adam_mu", parallel.replicated(mesh)))
    return adam.update(g, state, params)
narrow_applies, train.narrow.applies = train.narrow.applies, lambda dims: False  # the core step, inspected
core, train.core_value_and_grad = train.core_value_and_grad, inspecting_grad
dnnjax.fit(params, X, Y, devices=4, optimizer=optax.GradientTransformation(adam.init, update), num_iterations=4, log_every=2)
train.core_value_and_grad, train.narrow.applies = core, narrow_applies
out["inside"] = seen
pp, Xs, Ys = parallel.prepare(params, X, Y, mesh, hidden="relu", output="sigmoid")
for method in ("autodiff", "manual"):
    step = jax.jit(core, static_argnums=3).lower(pp, Xs, Ys, ("relu", "sigmoid", method)).compile()
    out[f"hlo/{method}"] = {"all_reduce": "all-reduce" in step.as_text(),
        "out_replicated": all(s.is_fully_replicated for s in jax.tree.leaves(step.output_shardings))}
logs = []
class Collect(__import__("logging").Handler):
    def emit(self, record): logs.append(record.getMessage())
__import__("logging").getLogger("jax").addHandler(Collect())
with jax.log_compiles(True):
    dnnjax.fit(params, X, Y, devices=4, **KW)
out["recompiles"] = [m[:120] for m in logs if m.startswith("Compiling")]
try:
    dnnjax.fit(params, X[:, :62], Y[:, :62], devices=4, **KW)
except Exception as e:
    out["indivisible"] = [type(e).__name__, str(e)]
print(json.dumps(out))
'''


@pytest.fixture(scope="module")
def sharded():
    return run_children(SHARDED_CHILD, 4, [[]])[0]


@pytest.mark.parametrize("config", ["autodiff/gd", "autodiff/adam", "manual/gd", "manual/adam"])
def test_sharded_fit_equals_single_device(sharded, config):
    r = sharded[config]
    assert sharded["device_count"] == 4
    assert r["drop"] > 0.05  # training really moved: the comparison is not of two unchanged inits
    assert r["diff"] < F32_TOL, r
    assert all(r["replicated"]), "returned params/costs must be P() over the 4 devices"


def test_mesh_argument_and_device_list(sharded):
    assert sharded["explicit_mesh"] < F32_TOL  # a user's mesh (Explicit axes by default)
    assert sharded["two_devices"] < F32_TOL  # devices=[d0, d1]


def test_sharded_fit_float64(sharded):
    assert sharded["float64"] < F64_TOL


def test_shardings_inside_compiled_loop(sharded):
    assert sharded["inside"] == {"X": True, "W1": True, "adam_mu": True}
    for method in ("autodiff", "manual"):
        assert sharded[f"hlo/{method}"] == {"all_reduce": True, "out_replicated": True}


def test_second_sharded_fit_does_not_recompile(sharded):
    assert sharded["recompiles"] == []


def test_indivisible_m_is_a_clear_error(sharded):
    name, msg = sharded["indivisible"]
    assert name == "ShapeError" and "m = 62" in msg and "4 devices" in msg


def test_bad_devices_and_mesh_arguments():
    params, X, Y = problem(m=8)
    n = len(jax.devices())
    cases = [(dict(devices=n + 1), InvalidValueError, f"the {n} available"), (dict(devices=0), InvalidValueError, "got devices=0"),
             (dict(devices="2"), InvalidTypeError, "got str"), (dict(devices=[]), InvalidTypeError, "non-empty list"),
             (dict(mesh="batch"), InvalidTypeError, "jax.sharding.Mesh"), (dict(mesh=jax.make_mesh((1,), ("x",))), InvalidValueError, "'batch'"),
             (dict(devices=1, mesh=parallel.make_mesh(1)), InvalidValueError, "not both")]
    for kwargs, err, text in cases:
        with pytest.raises(err, match=text):
            dnnjax.fit(params, X, Y, num_iterations=1, **kwargs)


def test_one_device_mesh_matches_plain_fit():
    params, X, Y = problem(np.float64, m=8)  # NumPy float64 without x64: both paths train in float32
    plain, meshed = dnnjax.fit(params, X, Y, **KW), dnnjax.fit(params, X, Y, devices=1, **KW)
    assert meshed[0]["W1"].dtype == meshed[1].dtype == np.float32
    assert maxdiff(plain, meshed) < F32_TOL and meshed[0]["W1"].sharding.spec == jax.P()


MULTIPROCESS_CHILD = r"""
import json, sys, jax, numpy as np
pid, port = int(sys.argv[1]), sys.argv[2]
UNSUPPORTED = ("not implemented", "aren't implemented", "unimplemented", "not supported", "collectives")
try:
    jax.distributed.initialize(coordinator_address=f"127.0.0.1:{port}", num_processes=2, process_id=pid,
                               initialization_timeout=40)
    import dnnjax
    from dnnjax import parallel
    from test_parallel import KW, problem
    params, X, Y = problem()
    mesh, half = parallel.make_mesh(), X.shape[1] // 2
    cols = slice(pid * half, (pid + 1) * half)  # this process's block of examples
    Xg, Yg = parallel.from_process_local(X[:, cols], Y[:, cols], mesh)
    p, c = dnnjax.fit(params, Xg, Yg, mesh=mesh, **KW)
except Exception as e:
    if any(u in str(e).lower() for u in UNSUPPORTED):
        print(json.dumps({"skip": f"{type(e).__name__}: {e}"[:400]}))
        sys.exit(0)
    raise
local_cols = sum(s.data.shape[1] for s in Xg.addressable_shards)
print(json.dumps({"processes": jax.process_count(), "devices": jax.device_count(),
                  "X": [list(Xg.shape), Xg.is_fully_addressable, local_cols],
                  "costs": np.asarray(c).tolist(), "params": {k: np.asarray(v).tolist() for k, v in p.items()}}))
jax.distributed.shutdown()
"""


def test_two_processes_match_single_process():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = str(s.getsockname()[1])
    results = run_children(MULTIPROCESS_CHILD, 2, [["0", port], ["1", port]])
    skips = [r["skip"] for r in results if "skip" in r]
    if skips:
        pytest.skip(f"this jax's CPU backend has no multi-process collectives: {skips[0]}")
    params, X, Y = problem()
    with jax.default_device(jax.devices("cpu")[0]):  # the children ran on CPU (GPU f32 matmuls may differ)
        ref = dnnjax.fit(params, X, Y, **KW)
    for r in results:
        assert r["processes"] == 2 and r["devices"] == 4 and r["X"] == [[5, 64], False, 32]
        assert maxdiff(ref, (r["params"], r["costs"])) < F32_TOL
