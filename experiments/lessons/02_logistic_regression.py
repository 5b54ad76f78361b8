# %% [markdown]
# # Lesson 2: logistic regression on one example, then on m, and why vectorisation matters
#
# One example with two features `x1, x2`:
#
#     z = w1 x1 + w2 x2 + b      a = sigmoid(z)      L(a, y) = -(y log a + (1 - y) log(1 - a))
#
# Backward, as the article derives it: `da = -y/a + (1-y)/(1-a)`, `dz = a - y`,
# `dw1 = x1 dz`, `dw2 = x2 dz`, `db = dz`. Then over m examples the cost is the mean
# `J = (1/m) sum_i L(a_i, y_i)` and the gradients are the means of the per-example ones: first
# with the article's loop over `i = 1..m`, then with `jax.vmap` (the same per-example function,
# vectorised by JAX), then in matrix form `Z = w^T X + b`. Same numbers, very different times.
#
# Run: `python experiments/lessons/02_logistic_regression.py [--out DIR] [--quick]`

# %%
import math

import jax
import jax.numpy as jnp
import matplotlib.pyplot as plt
import numpy as np

import dnnjax
import dnnjax.compile_cache
from _lesson import save, start, timed

out, quick = start("02_logistic_regression", "Lesson 2: logistic regression on one example, then m")
dnnjax.compile_cache.enable()  # JAX's persistent compilation cache: a second run skips compiling

# %% [markdown]
# ## One example: the article's derivation against `jax.grad` (float64)

# %%
def loss(w1, w2, b, x1, x2, y):
    a = jax.nn.sigmoid(w1 * x1 + w2 * x2 + b)
    return -(y * jnp.log(a) + (1 - y) * jnp.log(1 - a))


with jax.enable_x64(True):
    w1, w2, b, x1, x2, y = (jnp.float64(v) for v in (0.3, -0.8, 0.1, 1.5, 0.7, 1.0))
    z = w1 * x1 + w2 * x2 + b
    a = jax.nn.sigmoid(z)
    da = -y / a + (1 - y) / (1 - a)
    dz = a - y
    dw1, dw2, db = x1 * dz, x2 * dz, dz
    auto = jax.grad(loss, argnums=(0, 1, 2))(w1, w2, b, x1, x2, y)
    auto_da = jax.grad(lambda a: -(y * jnp.log(a) + (1 - y) * jnp.log(1 - a)))(a)
    auto_dz = jax.grad(lambda z: loss(0.0, 0.0, z, x1, x2, y))(z)  # L as a function of z alone
    print(f"by hand : da {float(da):+.6f}  dz {float(dz):+.6f}  dw1 {float(dw1):+.6f}  dw2 {float(dw2):+.6f}  db {float(db):+.6f}")
    print(f"jax.grad: da {float(auto_da):+.6f}  dz {float(auto_dz):+.6f}  dw1 {float(auto[0]):+.6f}  "
          f"dw2 {float(auto[1]):+.6f}  db {float(auto[2]):+.6f}")
    np.testing.assert_allclose([da, dz, dw1, dw2, db], [auto_da, auto_dz, *auto], rtol=1e-12)

# %% [markdown]
# ## m examples, four ways
# Data: m examples of n_x features (random, with labels from a hidden linear rule), and one set
# of parameters. Each way returns `(J, dw (n_x, 1), db)`; they must agree.

# %%
rng = np.random.RandomState(0)
n_x, m = (20, 2000) if quick else (20, 20000)
X = rng.randn(n_x, m)
Y = (rng.randn(1, n_x) @ X + 0.5 * rng.randn(1, m) > 0).astype(np.float64)
w = 0.1 * rng.randn(n_x, 1)
b = 0.2


def python_loop(w, b, X, Y):
    """The article's code: a loop over examples and, inside it, one over features."""
    n_x, m = X.shape
    J, dw, db = 0.0, [0.0] * n_x, 0.0
    wl, Xl, Yl = w[:, 0].tolist(), X.T.tolist(), Y[0].tolist()
    for i in range(m):
        z = sum(wl[j] * Xl[i][j] for j in range(n_x)) + b
        a = 1 / (1 + math.exp(-z))
        J += -(Yl[i] * math.log(a) + (1 - Yl[i]) * math.log(1 - a))
        dz = a - Yl[i]
        for j in range(n_x):
            dw[j] += Xl[i][j] * dz
        db += dz
    return J / m, np.array(dw).reshape(n_x, 1) / m, db / m


def numpy_loop(w, b, X, Y):
    """One loop left (over examples); the feature loop becomes a NumPy dot product."""
    m = X.shape[1]
    J, dw, db = 0.0, np.zeros_like(w), 0.0
    for i in range(m):
        x = X[:, i:i + 1]
        a = 1 / (1 + np.exp(-(w.T @ x).item() - b))
        J += -(Y[0, i] * np.log(a) + (1 - Y[0, i]) * np.log(1 - a))
        dw += x * (a - Y[0, i])
        db += a - Y[0, i]
    return J / m, dw / m, db / m


def numpy_matrix(w, b, X, Y):
    """No loop: Z = w^T X + b (1, m), A = sigmoid(Z), dZ = A - Y, dw = X dZ^T / m, db = mean(dZ)."""
    A = 1 / (1 + np.exp(-(w.T @ X + b)))
    dZ = A - Y
    J = -np.mean(Y * np.log(A) + (1 - Y) * np.log(1 - A))
    return J, X @ dZ.T / X.shape[1], np.mean(dZ)


def example_loss(w, b, x, y):
    """One example: x (n_x,) and y (1,), column i of X and of Y. The function the loop body computes."""
    a = jax.nn.sigmoid(jnp.dot(w[:, 0], x) + b)
    return -(y[0] * jnp.log(a) + (1 - y[0]) * jnp.log(1 - a))


@jax.jit
def jax_vmap(w, b, X, Y):
    """The loop body, vectorised by JAX: vmap over the columns (axis 1) of X and Y."""
    per_example = jax.vmap(jax.value_and_grad(example_loss, argnums=(0, 1)), in_axes=(None, None, 1, 1))
    J, (dw, db) = per_example(w, b, X, Y)  # J (m,), dw (m, n_x, 1), db (m,)
    return J.mean(), dw.mean(axis=0), db.mean()


@jax.jit
def jax_matrix(w, b, X, Y):
    """The matrix form in JAX (the same lines as numpy_matrix)."""
    A = jax.nn.sigmoid(w.T @ X + b)
    dZ = A - Y
    J = -jnp.mean(Y * jnp.log(A) + (1 - Y) * jnp.log(1 - A))
    return J, X @ dZ.T / X.shape[1], jnp.mean(dZ)


# %% [markdown]
# The four ways agree in float64 (and with `dnnjax.grads`, which sees logistic regression as
# the network `[n_x, 1]` with `W1 = w^T` of shape `(1, n_x)` and `b1` of shape `(1, 1)`).

# %%
with jax.enable_x64(True):
    Xj, Yj, wj, bj = jnp.asarray(X), jnp.asarray(Y), jnp.asarray(w), jnp.float64(b)
    ways = {"Python loop": (python_loop, (w, b, X, Y)), "NumPy loop": (numpy_loop, (w, b, X, Y)),
            "JAX vmap": (jax_vmap, (wj, bj, Xj, Yj)), "NumPy matrix": (numpy_matrix, (w, b, X, Y)),
            "JAX matrix": (jax_matrix, (wj, bj, Xj, Yj))}
    results = {name: fn(*args) for name, (fn, args) in ways.items()}
    ref = results["NumPy matrix"]
    for name, (J, dw, db) in results.items():
        print(f"{name:13s} J = {float(J):.12f}  db = {float(db):+.12f}")
        np.testing.assert_allclose([float(J), float(db)], [ref[0], ref[2]], rtol=1e-10)
        np.testing.assert_allclose(np.asarray(dw).reshape(n_x, 1), ref[1], rtol=1e-9, atol=1e-14)
    params = {"W1": jnp.asarray(w.T), "b1": jnp.full((1, 1), b)}
    g = dnnjax.grads(params, Xj, Yj)
    np.testing.assert_allclose(float(dnnjax.cost(params, Xj, Yj)), ref[0], rtol=1e-10)
    np.testing.assert_allclose(np.asarray(g["W1"]).T, ref[1], rtol=1e-9, atol=1e-14)

# %% [markdown]
# ## Their times, side by side (float32, this machine, ratios only)
# Ratios to the fastest way, measured in this run: absolute times depend on the machine and on
# what else runs on it. The JAX functions are timed the JAX way (`_lesson.timed`): the first
# call, which traces and compiles, on its own; then the median of several calls, each waited
# for with `jax.block_until_ready` because JAX returns before the work is done.

# %%
X32, Y32, w32 = X.astype(np.float32), Y.astype(np.float32), w.astype(np.float32)
Xd, Yd, wd = jnp.asarray(X32), jnp.asarray(Y32), jnp.asarray(w32)
args_np, args_jax = (w32, np.float32(b), X32, Y32), (wd, jnp.float32(b), Xd, Yd)
timings = {}
for name, fn in (("Python loop", python_loop), ("NumPy loop", numpy_loop), ("NumPy matrix", numpy_matrix)):
    timings[name] = timed(fn, *args_np, reps=1 if "loop" in name else 7)
for name, fn in (("JAX vmap", jax_vmap), ("JAX matrix", jax_matrix)):
    timings[name] = timed(fn, *args_jax, reps=21)
fastest = min(med for _, med in timings.values())
for name, (first, med) in timings.items():
    extra = f"   first call / later call = {first / med:6.0f}x (tracing + compiling, or a compile-cache read)" if "JAX" in name else ""
    print(f"{name:13s} {med / fastest:9.1f}x the fastest{extra}")
assert timings["Python loop"][1] > 10 * timings["NumPy matrix"][1]  # vectorised: far faster (typ. 100x+)
assert timings["NumPy loop"][1] > 10 * timings["NumPy matrix"][1]

# %% [markdown]
# ## The course's demo: a dot product of two vectors of 10^6 elements
# (`--quick`: 10^5.) A `for` loop against `np.dot` and `jnp.dot`.

# %%
n = 10**5 if quick else 10**6
u, v = rng.rand(n).astype(np.float32), rng.rand(n).astype(np.float32)
ul, vl = u.tolist(), v.tolist()


def dot_loop(ul, vl):
    c = 0.0
    for i in range(len(ul)):
        c += ul[i] * vl[i]
    return c


jdot = jax.jit(jnp.dot)
dots = {"for loop": timed(dot_loop, ul, vl, reps=1), "np.dot": timed(np.dot, u, v, reps=21),
        "jnp.dot (jit)": timed(jdot, jnp.asarray(u), jnp.asarray(v), reps=21)}
np.testing.assert_allclose([dot_loop(ul, vl), float(jdot(u, v))], float(np.dot(u, v)), rtol=1e-4)  # float32 sums, different order
for name, (_, med) in dots.items():
    print(f"dot of {n} elements, {name:14s} {med / dots['np.dot'][1]:8.1f}x np.dot")
assert dots["for loop"][1] > 10 * dots["np.dot"][1]

# %% [markdown]
# Read the JAX rows with care: on a CPU, for work this small, each JAX call pays a fixed cost
# (Python dispatch, moving the call to the XLA runtime) of some microseconds that NumPy does
# not, so `jnp.dot` can come out slower than `np.dot` here. The gap closes as the work grows,
# and on a GPU the picture reverses. The loop-versus-vectorised gap (hundreds of times) is what
# this lesson is about, and it holds for both libraries.

# %% [markdown]
# ## A sanity check worth knowing: the first cost is ln 2
# With zero initialisation every `z` is 0, so every `a = sigmoid(0) = 1/2` and the loss of each
# example is `-log(1/2) = ln 2 = 0.693147...`, whatever the labels: the course's first printed cost.

# %%
zero = dnnjax.init_params(jax.random.key(0), [n_x, 1], scale="zeros")
J0 = float(dnnjax.cost(zero, Xd, Yd))
print(f"cost at zero initialisation: {J0:.6f}   ln 2 = {math.log(2):.6f}")
assert abs(J0 - math.log(2)) < 1e-6

# %%
fig, axes = plt.subplots(1, 2, figsize=(11, 4))
for ax, table, title in ((axes[0], timings, f"cost and gradients, n_x = {n_x}, m = {m}"),
                         (axes[1], dots, f"dot product of {n:.0e} elements")):
    names = list(table)
    meds = np.array([table[k][1] for k in names])
    ax.barh(names, meds / meds.min(), color=["tab:red" if "loop" in k else "tab:blue" for k in names])
    ax.set_xscale("log"), ax.invert_yaxis()
    for i, r in enumerate(meds / meds.min()):
        ax.text(r, i, f" {r:.0f}x" if r >= 10 else f" {r:.1f}x", va="center")
    ax.set_xlim(0.5, (meds / meds.min()).max() * 8)
    ax.set_xlabel("time relative to the fastest (median, log scale)"), ax.set_title(title, fontsize=10)
fig.suptitle("Loops (red) vs vectorised (blue): measured in this run")
save(fig, out, "vectorisation_times.png")
