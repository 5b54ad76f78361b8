"""The sweep figure of ``experiments/bench.py``: B planar models in one compiled call
(:func:`dnnjax.sweep.fit_many`) against B separate :func:`dnnjax.fit` calls.

Runs in its own process, repetitions interleaved (each repetition: one call, then the B fits,
for each method in turn, so the autodiff/manual ratio sees the same machine noise), medians. It
also times a floor for the batched step: the ``B x n_h x m`` tanh evaluations one iteration
must do, alone in a compiled loop of the same length. If that floor is above the target
fraction of the separate fits, no arrangement of the rest of the step can meet the target
on this machine.
"""
from __future__ import annotations

import time

import numpy as np


def _median_time(fn, reps):
    out = []
    for _ in range(reps):
        t = time.perf_counter(); fn(); out.append(time.perf_counter() - t)
    return float(np.median(out))


def sweep_worker(conn, spec, n_models, reps, pause):
    """Send ``{method: {"one_call_s", "separate_s", "ratio"}, "tanh_floor_s": ...}``."""
    import jax
    import jax.numpy as jnp

    import dnnjax
    from bench import make_problem
    from dnnjax.compiled import platform_jit

    dims, m, hidden, lr, iters = spec
    _, X, Y = make_problem(dims, m)
    keys = jax.random.split(jax.random.key(0), n_models)
    ps = [{k: np.asarray(v) for k, v in dnnjax.init_params(k_, dims, scale=0.01).items()} for k_ in keys]
    batch = {k: np.stack([p[k] for p in ps]) for k in ps[0]}
    Xj, Yj = jnp.asarray(X), jnp.asarray(Y)
    out = {"n_models": n_models, "iterations": iters}
    runs = {}
    for method in ("manual", "autodiff"):
        kw = dict(hidden=hidden, num_iterations=iters, log_every=100, method=method)
        one = lambda kw=kw: jax.block_until_ready(dnnjax.sweep.fit_many(batch, Xj, Yj, learning_rates=lr, **kw).params)
        sep = lambda kw=kw: jax.block_until_ready([dnnjax.fit(p, Xj, Yj, learning_rate=lr, **kw)[0] for p in ps])
        one(), sep()  # compile both
        runs[method] = (one, sep)
    times = {method: ([], []) for method in runs}
    for _ in range(reps):  # interleaved: each repetition times all four, so the methods' ratio sees the same noise
        for method, (one, sep) in runs.items():
            time.sleep(pause); times[method][0].append(_median_time(one, 1))
            time.sleep(pause); times[method][1].append(_median_time(sep, 1))
    for method, (t_one, t_sep) in times.items():
        out[method] = {"one_call_s": float(np.median(t_one)), "separate_s": float(np.median(t_sep)),
                       "ratio": float(np.median(t_one) / np.median(t_sep))}
    Z = jnp.full((n_models, dims[1], m), 0.3, jnp.float32)
    # compiled like the training loops (same XLA:CPU options), so the floor is on equal terms
    tanh_loop = platform_jit(lambda z: jax.lax.fori_loop(0, iters, lambda i, z: jnp.tanh(z) * 0.9 + 0.01, z))
    jax.block_until_ready(tanh_loop(Z))
    time.sleep(pause)
    out["tanh_floor_s"] = _median_time(lambda: jax.block_until_ready(tanh_loop(Z)), reps)
    conn.send(out)
    conn.close()


def report(res, target=0.1):
    """Lines for the bench's printout."""
    n, iters = res["n_models"], res["iterations"]
    per = lambda s: s / (n * iters) * 1e6
    lines = [f"sweep: {n} planar models x {iters} it., one compiled call vs {n} separate fits (us per model-iteration)"]
    floor = res["tanh_floor_s"]
    for method in ("manual", "autodiff"):
        r = res[method]
        lines.append(f"  {method:<9} one call {per(r['one_call_s']):6.2f}   separate {per(r['separate_s']):6.2f}   "
                     f"ratio {r['ratio']:.2f} (target <= {target}; the tanh floor alone is {floor / r['separate_s']:.2f})")
    lines.append(f"  floor: the {n} models' tanh evaluations alone take {per(floor):.2f} us per model-iteration")
    return lines
