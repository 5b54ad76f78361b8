"""Minibatch fit (course 2's semantics) and resuming a fit (opt_state, start, return_state).

The reference is a NumPy transcription of course 2's loop (``random_mini_batches`` + ``model``):
shuffle the columns with a permutation, complete batches ``[k*B:(k+1)*B]`` then the partial one,
each step forward / sum-of-losses cost / backward with ``1/m_batch`` / update; the epoch's cost
is ``cost_total / m``. Same permutations on both sides (``permutations=``), float64: fit runs the
same arithmetic in a different fusion and summation order, so 1e-10 relative is the bar (as in
test_train.py). Resumed runs are the same compiled steps on the same values: exactly equal.
"""
import json
import logging
import os
import subprocess
import sys
from pathlib import Path

import jax
import jax.numpy as jnp
import numpy as np
import optax
import pytest

import dnnjax
from dnnjax import train
from dnnjax.errors import InvalidTypeError, InvalidValueError, ShapeError

RTOL = 1e-10


def problem(dims=(4, 6, 1), m=37, seed=0, output="sigmoid", dtype=np.float64):
    rng = np.random.RandomState(seed)
    p = {}
    for l in range(1, len(dims)):
        p[f"W{l}"] = (rng.randn(dims[l], dims[l - 1]) * np.sqrt(2 / dims[l - 1])).astype(dtype)
        p[f"b{l}"] = (0.1 * rng.randn(dims[l], 1)).astype(dtype)
    X = rng.randn(dims[0], m).astype(dtype)
    if output == "softmax":
        Y = np.eye(dims[-1])[rng.randint(0, dims[-1], m)].T.astype(dtype)
    else:
        Y = (X[:1] + X[1:2] ** 2 + 0.3 * rng.randn(1, m) > 0.5).astype(dtype)
    return p, X, Y


def numpy_course2(params, X, Y, perms, B, lr, output):
    """Course 2's model loop in NumPy (ReLU hidden layers): ``(params, epoch costs)``."""
    p = {k: np.array(v, np.float64) for k, v in params.items()}
    L, m, costs = len(p) // 2, X.shape[1], []
    for perm in perms:
        Xs, Ys, total = X[:, perm], Y[:, perm], 0.0
        for k in range(-(-m // B)):
            A, Yb = Xs[:, k * B:(k + 1) * B], Ys[:, k * B:(k + 1) * B]
            mb, cache = A.shape[1], []
            for l in range(1, L + 1):
                Z = p[f"W{l}"] @ A + p[f"b{l}"]
                cache.append((A, Z))
                A = np.maximum(Z, 0) if l < L else A
            if output == "sigmoid":
                AL = 1 / (1 + np.exp(-Z))
                total += -np.sum(Yb * np.log(AL) + (1 - Yb) * np.log(1 - AL))  # compute_cost: the sum
            else:
                E = np.exp(Z - Z.max(axis=0))
                AL = E / E.sum(axis=0)
                total += -np.sum(Yb * np.log(AL))
            dZ = (AL - Yb) / mb
            for l in range(L, 0, -1):
                A_prev, _ = cache[l - 1]
                dW, db = dZ @ A_prev.T, dZ.sum(axis=1, keepdims=True)
                if l > 1:
                    dZ = (p[f"W{l}"].T @ dZ) * (cache[l - 2][1] > 0)
                p[f"W{l}"] -= lr * dW
                p[f"b{l}"] -= lr * db
        costs.append(total / m)
    return p, np.array(costs)


def assert_close(a, b, rtol=RTOL):
    assert set(a) == set(b)
    for k in a:
        np.testing.assert_allclose(np.asarray(a[k]), np.asarray(b[k]), rtol=rtol, atol=1e-13, err_msg=k)


# partial batch of 5, single columns, a partial of 1, one batch; the manual step on the partial batch
@pytest.mark.parametrize("B, method", [(8, "autodiff"), (1, "autodiff"), (36, "autodiff"), (37, "autodiff"),
                                       (8, "manual"), (36, "manual")])
def test_steps_equal_numpy_course2_loop(x64, B, method):
    p, X, Y = problem()
    perms = train.course_permutations(37, 4)
    ref, ref_costs = numpy_course2(p, X, Y, perms, B, 0.05, "sigmoid")
    got, costs = dnnjax.fit(p, X, Y, learning_rate=0.05, batch_size=B, num_epochs=4, permutations=perms,
                            log_every=1, method=method)
    np.testing.assert_allclose(costs, ref_costs, rtol=RTOL)
    assert_close(got, ref)
    assert ref_costs[-1] < ref_costs[0]


def test_wide_data_gathered_as_rows_equals_numpy_loop(x64):
    assert train.rows_layout(130) and not train.rows_layout(4)  # X^T row gathers from n_x >= 128
    p, X, Y = problem(dims=(130, 6, 1), seed=6)
    perms = train.course_permutations(37, 3)
    ref, ref_costs = numpy_course2(p, X, Y, perms, 8, 0.02, "sigmoid")
    Xj = jnp.asarray(X)
    for _ in range(2):  # the second fit reuses the cached X^T of the same device array
        got, costs = dnnjax.fit(p, Xj, Y, learning_rate=0.02, batch_size=8, num_epochs=3,
                                permutations=perms, log_every=1)
        np.testing.assert_allclose(costs, ref_costs, rtol=RTOL)
        assert_close(got, ref)


def test_softmax_deep_network_equals_numpy_loop_with_key_permutations(x64):
    p, X, Y = problem(dims=(5, 7, 6, 3), m=50, output="softmax", seed=1)
    key = jax.random.key(7)
    perms = np.stack([np.asarray(train.epoch_permutation(key, e, 50)) for e in range(6)])
    assert all(sorted(r) == list(range(50)) for r in perms) and len({tuple(r) for r in perms}) == 6
    ref, ref_costs = numpy_course2(p, X, Y, perms, 16, 0.1, "softmax")
    got, costs = dnnjax.fit(p, X, Y, output="softmax", learning_rate=0.1, batch_size=16, num_epochs=6, key=key,
                            log_every=2)
    np.testing.assert_allclose(costs, ref_costs[::2], rtol=RTOL)
    assert_close(got, ref)


def test_permutations_drawn_in_blocks_are_each_epochs_own(x64):
    """The engine draws the permutations of several epochs at once (``units_per_draw``); each is
    still ``permutation(key, epoch)``: a chunk of 5 epochs drawn 2 at a time (two blocks and a
    rest of 1) trains exactly like the NumPy loop on the per-epoch permutations."""
    from dnnjax.training import engine, schedules

    key = jax.random.key(4)
    one_by_one = np.stack([np.asarray(train.epoch_permutation(key, e, 50)) for e in range(3, 8)])
    np.testing.assert_array_equal(schedules.permutations(key, 3, 5, 50), one_by_one)
    p, X, Y = problem(dims=(5, 7, 3), m=50, output="softmax", seed=8)
    perms = np.stack([np.asarray(train.epoch_permutation(key, e, 50)) for e in range(5)])
    ref, ref_costs = numpy_course2(p, X, Y, perms, 16, 0.1, "softmax")
    schedule = schedules.Minibatch(50, 16, draw_elements=100)
    assert schedule.units_per_draw == 2 and schedule.masked
    grad_fn, _ = train.step_functions(p, "autodiff", minibatch=True, masked=True)
    got, costs = engine.run(p, jnp.asarray(X), jnp.asarray(Y), grad_fn=grad_fn, config=("relu", "softmax", "autodiff"),
                            learning_rate=0.1, num_iterations=5, log_every=5, schedule=schedule, key=key)
    np.testing.assert_allclose(costs, ref_costs[:1], rtol=RTOL)
    assert_close(got, ref)


def test_course_permutations_are_course2_seeds():
    perms = train.course_permutations(10, 3)
    for e in range(3):
        np.random.seed(10 + e + 1)  # model(): seed = seed + 1, then random_mini_batches(..., seed)
        np.testing.assert_array_equal(perms[e], np.random.permutation(10))


@pytest.mark.parametrize("shuffle", [True, False])
def test_batch_size_m_is_full_batch_gradient_descent(x64, shuffle):
    p, X, Y = problem(seed=2)
    full, full_costs = dnnjax.fit(p, X, Y, learning_rate=0.1, num_iterations=12, log_every=3)
    mb, mb_costs = dnnjax.fit(p, X, Y, learning_rate=0.1, batch_size=37, num_epochs=12, log_every=3, shuffle=shuffle,
                              key=jax.random.key(3))
    np.testing.assert_allclose(mb_costs, full_costs, rtol=RTOL)
    assert_close(mb, full)


def test_shuffle_false_is_column_order_and_the_key_decides_the_rest(x64):
    p, X, Y = problem(seed=3)
    kw = dict(learning_rate=0.1, batch_size=10, num_epochs=3, log_every=1)
    ordered = dnnjax.fit(p, X, Y, shuffle=False, **kw)
    identity = dnnjax.fit(p, X, Y, permutations=np.tile(np.arange(37), (3, 1)), **kw)
    assert_close(ordered[0], identity[0], 0)
    a = dnnjax.fit(p, X, Y, key=jax.random.key(1), **kw)
    again = dnnjax.fit(p, X, Y, key=jax.random.key(1), **kw)
    other = dnnjax.fit(p, X, Y, key=jax.random.key(2), **kw)
    assert_close(a[0], again[0], 0)
    np.testing.assert_array_equal(a[1], again[1])
    assert not np.allclose(a[0]["W1"], other[0]["W1"]) and not np.allclose(a[0]["W1"], ordered[0]["W1"])
    raw = dnnjax.fit(p, X, Y, key=jax.random.PRNGKey(1), **kw)  # a raw uint32 key is the same key
    assert_close(a[0], raw[0], 0)


def hand_optax(p, X, Y, perms, B, opt, **kw):
    """Eager loop with dnnjax.grads on each batch and optax's own update."""
    p = {k: jnp.asarray(v) for k, v in p.items()}
    state, m = opt.init(p), X.shape[1]
    with jax.numpy_dtype_promotion("standard"):
        for perm in perms:
            for k in range(0, m, B):
                idx = perm[k:k + B]
                updates, state = opt.update(dnnjax.grads(p, X[:, idx], Y[:, idx], **kw), state, p)
                p = optax.apply_updates(p, updates)
    return p


@pytest.mark.parametrize("method", ["autodiff", "manual"])
def test_optax_adam_minibatch_matches_a_hand_loop(x64, method):
    p, X, Y = problem(dims=(4, 5, 3), output="softmax", seed=4)
    opt, perms = optax.adam(0.02), train.course_permutations(37, 3)
    got, _ = dnnjax.fit(p, X, Y, output="softmax", optimizer=opt, method=method, batch_size=8, num_epochs=3,
                        permutations=perms)
    assert_close(got, hand_optax(p, X, Y, perms, 8, opt, output="softmax", method=method), 1e-9)


OPTIMIZERS = {"gd": None, "momentum": optax.sgd(0.05, momentum=0.9), "adam": optax.adam(0.01),
              "rmsprop": optax.rmsprop(0.01)}


@pytest.mark.parametrize("name, method, minibatch", [(n, "autodiff", False) for n in OPTIMIZERS]
                         + [("gd", "autodiff", True), ("adam", "autodiff", True), ("rmsprop", "manual", True),
                            ("adam", "manual", False)])
def test_resumed_fit_equals_one_fit_exactly(x64, name, method, minibatch):
    """Split at 5 with log_every=2: the first call ends mid-chunk, the second starts unlogged."""
    p, X, Y = problem(dims=(4, 5, 3), output="softmax", seed=5)
    kw = dict(output="softmax", optimizer=OPTIMIZERS[name], learning_rate=0.05, log_every=2, method=method)
    n = "num_iterations"
    if minibatch:
        kw.update(batch_size=8, key=jax.random.key(0))
        n = "num_epochs"
    whole, whole_costs, whole_state = dnnjax.fit(p, X, Y, **{n: 10}, return_state=True, **kw)
    half, c1, s1 = dnnjax.fit(p, X, Y, **{n: 5}, return_state=True, **kw)
    assert isinstance(s1, train.TrainState) and s1.step == 5
    seen = []
    rest, c2, s2 = dnnjax.fit(half, X, Y, **{n: 5}, opt_state=s1.opt_state, start=s1.step, return_state=True,
                              progress=lambda i, c: seen.append(i), **kw)
    assert seen == [6, 8] and s2.step == 10 == whole_state.step  # logging stays on multiples of log_every
    np.testing.assert_array_equal(np.concatenate([c1, c2]), whole_costs)
    assert_close(rest, whole, 0)
    for a, b in zip(jax.tree.leaves(s2.opt_state), jax.tree.leaves(whole_state.opt_state)):
        np.testing.assert_array_equal(a, b)


def test_repeated_fits_do_not_recompile():
    p, X, Y = problem(dims=(3, 4, 1), m=29, dtype=np.float32)
    opt = optax.adam(0.01)
    kw = dict(optimizer=opt, batch_size=7, num_epochs=4, log_every=2, key=jax.random.key(0))
    jit = train._train_chunks_jit
    _, _, s = dnnjax.fit(p, X, Y, return_state=True, **kw)
    before = jit._cache_size()
    q, _, s = dnnjax.fit({k: v * 2 for k, v in p.items()}, X + 1, Y, return_state=True, **kw)
    dnnjax.fit(q, X, Y, opt_state=s.opt_state, start=s.step, key=jax.random.key(5),
               **{k: v for k, v in kw.items() if k != "key"})
    full = dict(optimizer=opt, num_iterations=6, log_every=3)
    dnnjax.fit(p, X, Y, **full)
    mid = jit._cache_size()
    dnnjax.fit(q, X, Y, **full, start=6)
    assert jit._cache_size() == mid and mid == before + 1  # only the full-batch loop was new


def test_divergence_names_epoch_and_step():
    p, X, Y = problem(dims=(3, 1), m=20, dtype=np.float32)
    Yl = X[:1] * 3.0
    kw = dict(output="linear", learning_rate=20.0, batch_size=6, num_epochs=50, shuffle=False)
    with pytest.raises(dnnjax.TrainingDivergedError, match=r"epoch \d+, step \d \(batch \d of 4\)") as info:
        dnnjax.fit(p, X, Yl, **kw)
    e, k = info.value.epoch, info.value.step
    assert info.value.iteration == e and 0 <= k < 4 and (e, k) > (0, 2)
    # the hand loop: first step whose batch cost is non-finite (or parameters, before it)
    q = {key: jnp.asarray(v) for key, v in p.items()}
    for epoch in range(50):
        for s in range(4):
            c = dnnjax.training.masked.per_example_loss(q["W1"] @ X[:, 6 * s:6 * s + 6] + q["b1"], Yl[:, 6 * s:6 * s + 6],
                                                        "linear").mean()
            if not np.isfinite(float(c)):
                assert (e, k) == (epoch, s)
                return
            g = dnnjax.grads(q, X[:, 6 * s:6 * s + 6], Yl[:, 6 * s:6 * s + 6], output="linear")
            q = {key: q[key] - 20.0 * g[key] for key in q}
    pytest.fail("the hand loop never diverged")


def test_minibatch_progress_counts_epochs():
    p, X, Y = problem(dtype=np.float32)
    seen = []
    _, costs = dnnjax.fit(p, X, Y, batch_size=10, num_epochs=7, log_every=3, key=jax.random.key(0),
                          progress=lambda e, c: seen.append((e, c)))
    assert [e for e, _ in seen] == [0, 3, 6] and costs.shape == (3,)
    np.testing.assert_allclose([c for _, c in seen], costs, rtol=1e-6)


BAD = [
    (dict(batch_size=0, num_epochs=2), InvalidValueError, r"batch_size must be an int in \[1, m\] = \[1, 37\]"),
    (dict(batch_size=38, num_epochs=2), InvalidValueError, "batch_size"),
    (dict(batch_size=2.0, num_epochs=2), InvalidValueError, "batch_size"),
    (dict(batch_size=4, num_epochs=-1), InvalidValueError, "num_epochs must be an int >= 0"),
    (dict(batch_size=4, num_epochs=1.5), InvalidValueError, "num_epochs"),
    (dict(batch_size=4), InvalidValueError, "batch_size needs num_epochs"),
    (dict(num_epochs=4), InvalidValueError, "num_epochs needs batch_size"),
    (dict(batch_size=4, num_epochs=2, num_iterations=10), InvalidValueError, "not both"),
    (dict(batch_size=4, num_epochs=2, gram=True), InvalidValueError, "gram=True"),
    (dict(batch_size=4, num_epochs=2, key=None), InvalidValueError, "shuffle=True needs key"),
    (dict(batch_size=4, num_epochs=2, key=3), InvalidTypeError, "key must be a jax.random key"),
    (dict(batch_size=4, num_epochs=2, permutations=np.zeros((2, 37), int)), InvalidValueError, r"permutations\[0\]"),
    (dict(batch_size=4, num_epochs=2, permutations=np.zeros((3, 37), int)), ShapeError, "permutations"),
    (dict(num_iterations=3, start=-1), InvalidValueError, "start"),
    (dict(num_iterations=3, opt_state=optax.adam(0.1).init({"W1": np.zeros((1, 1))})), InvalidValueError, "opt_state"),
]


@pytest.mark.parametrize("kwargs, exc, msg", BAD)
def test_bad_arguments_raise_before_tracing(kwargs, exc, msg):
    p, X, Y = problem(dtype=np.float32)
    kwargs = {"key": jax.random.key(0), **kwargs}
    with pytest.raises(exc, match=msg):
        dnnjax.fit(p, X, Y, **kwargs)


def test_opt_state_is_checked_against_the_optimizer():
    p, X, Y = problem(dtype=np.float32)
    adam = optax.adam(0.1)
    with pytest.raises(InvalidValueError, match="opt_state must be None or"):
        dnnjax.fit(p, X, Y, num_iterations=2, opt_state=adam.init(p))  # optimizer=None keeps no state
    with pytest.raises(InvalidValueError, match="tree structure"):
        dnnjax.fit(p, X, Y, num_iterations=2, optimizer=adam, opt_state=optax.sgd(0.1, momentum=0.9).init(p))
    state = adam.init({k: np.zeros(v.shape, np.float32) for k, v in p.items()})
    bad = state[0]._replace(mu={**state[0].mu, "W1": np.zeros((2, 2), np.float32)})
    with pytest.raises(ShapeError, match=r"opt_state\[0\]\.mu\['W1'\] must have shape \(6, 4\)"):
        dnnjax.fit(p, X, Y, num_iterations=2, optimizer=adam, opt_state=(bad,) + tuple(state[1:]))
    kept = jax.tree.map(np.array, state)
    dnnjax.fit(p, X, Y, num_iterations=2, optimizer=adam, opt_state=state)  # still usable: copied, not donated
    for a, b in zip(jax.tree.leaves(state), jax.tree.leaves(kept)):
        np.testing.assert_array_equal(np.asarray(a), b)


CHILD = r"""
import json, jax, numpy as np, optax, dnnjax, sys
sys.path.insert(0, sys.argv[1])
from test_minibatch import problem
jax.config.update("jax_enable_x64", True)
p, X, Y = problem(dims=(4, 6, 3), m=45, output="softmax")
out = {}
for name, opt in (("gd", None), ("adam", optax.adam(0.01))):
    kw = dict(output="softmax", optimizer=opt, learning_rate=0.1, batch_size=8, num_epochs=3, key=jax.random.key(0),
              log_every=1)
    one, c1 = dnnjax.fit(p, X, Y, **kw)
    four, c4 = dnnjax.fit(p, X, Y, devices=4, **kw)
    out[name] = max([float(np.max(np.abs(one[k] - four[k]) / (np.abs(one[k]) + 1e-12))) for k in one]
                    + [float(np.max(np.abs(c1 - c4) / c1))])
    # resumed on the mesh: 2 epochs, then 1 from the returned state, against the 3 in one call
    half, h1, st = dnnjax.fit(p, X, Y, devices=4, num_epochs=2, return_state=True,
                              **{k: v for k, v in kw.items() if k != "num_epochs"})
    rest, h2 = dnnjax.fit(half, X, Y, devices=4, num_epochs=1, opt_state=st.opt_state, start=st.step,
                          **{k: v for k, v in kw.items() if k != "num_epochs"})
    out[name + " resumed"] = bool(all(np.array_equal(rest[k], four[k]) for k in four)
                                  and np.array_equal(np.concatenate([h1, h2]), c4))
try:
    dnnjax.fit(p, X, Y, output="softmax", batch_size=6, num_epochs=1, key=jax.random.key(0), devices=4)
except Exception as e:
    out["indivisible"] = [type(e).__name__, str(e)]
print(json.dumps(out))
"""


def test_four_fake_devices_equal_one_and_resume_exactly():
    env = dict(os.environ, XLA_FLAGS="--xla_force_host_platform_device_count=4", JAX_PLATFORMS="cpu")
    here = str(Path(__file__).resolve().parent)
    res = subprocess.run([sys.executable, "-c", CHILD, here], capture_output=True, text=True, env=env, timeout=300)
    assert res.returncode == 0, res.stderr[-3000:]
    out = json.loads(res.stdout.strip().splitlines()[-1])
    assert out["gd"] < 1e-12 and out["adam"] < 1e-12, out  # float64: only the sums' order differs
    assert out["gd resumed"] and out["adam resumed"], out  # a run resumed on the mesh is bit for bit the whole one
    assert out["indivisible"][0] == "ShapeError" and "batch_size = 6" in out["indivisible"][1]
