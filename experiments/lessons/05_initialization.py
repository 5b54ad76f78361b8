# %% [markdown]
# # Lesson 5: initialisation -- why the weights must not start at zero, nor too large
#
# If every hidden unit of a layer starts with the same weights, every unit computes the same
# `a`, receives the same `dz`, and gets the same update: they stay identical for ever
# (symmetry), and n units are worth one. Zero weights are the extreme case. Small random
# weights (the course's `randn * 0.01`) break the symmetry. Too large weights push tanh and
# sigmoid into their flat parts (saturation), where `g'(z)` is near 0. For deep networks the
# scale must also keep the signal from shrinking or growing layer by layer: `1/sqrt(n[l-1])`
# (the course's deep initialisation, `"sqrt_n"`) or He's `sqrt(2/n[l-1])` for ReLU.
#
# Run: `python experiments/lessons/05_initialization.py [--out DIR] [--quick]`

# %%
import jax
import jax.numpy as jnp
import matplotlib.pyplot as plt
import numpy as np

import dnnjax
import dnnjax.compile_cache
from _lesson import save, start

out, quick = start("05_initialization", "Lesson 5: initialisation")
dnnjax.compile_cache.enable()  # JAX's persistent compilation cache: a second run skips compiling

X, Y = dnnjax.data.planar_flower()  # X (2, 400), Y (1, 400)
ITER = 1500 if quick else 5000
LR = 1.2  # the course's week-3 setting: [2, 4, 1], tanh


def accuracy(params, hidden="tanh"):
    return float((dnnjax.predict(params, X, hidden=hidden) == Y).mean())


def train(params, hidden="tanh", lr=LR, iterations=ITER):
    return dnnjax.fit(params, X, Y, hidden=hidden, learning_rate=lr, num_iterations=iterations, log_every=50)


# %% [markdown]
# ## Zero initialisation: nothing but `b2` ever moves
# With `W1 = 0`, `A1 = tanh(0) = 0`, so `dW2 = dZ2 A1^T / m = 0`; with `W2 = 0`,
# `dA1 = W2^T dZ2 = 0`, so `dW1 = 0`. Both stay exactly zero; the output is the same number
# for every point: a constant guess, as blind as logistic regression is on this data (the
# course's 47 %).

# %%
zero, zero_costs = train(dnnjax.init_params(jax.random.key(0), [2, 4, 1], scale="zeros"))
lr_params, _ = train(dnnjax.init_params(jax.random.key(0), [2, 1], scale="zeros"))
print(f"zero init after {ITER} iterations: max |W1| = {float(jnp.abs(zero['W1']).max())}, "
      f"max |W2| = {float(jnp.abs(zero['W2']).max())}, b2 = {float(zero['b2'][0, 0]):.2e}")
print(f"accuracy: zero-initialised [2, 4, 1] {accuracy(zero):.1%}, logistic regression [2, 1] {accuracy(lr_params, 'relu'):.1%}")
assert float(jnp.abs(zero["W1"]).max()) == 0.0 and float(jnp.abs(zero["W2"]).max()) == 0.0
assert accuracy(zero) <= 0.5 and accuracy(lr_params, "relu") < 0.55  # both at chance on the flower

# %% [markdown]
# ## Symmetric, but not zero: the units stay identical
# Start every hidden unit with the same row of `W1` and the same entry of `W2`. After training
# the four rows are still equal, so the network is a one-unit network in disguise: its output is
# a monotone function of one `w . x + b`, and its decision boundary a straight line -- a
# linear classifier, like logistic regression. The run checks it is exactly the same function
# as a `[2, 1, 1]` network with that row and the summed output weight.

# %%
sym0 = {"W1": jnp.tile(jnp.array([[0.5, -0.3]]), (4, 1)), "b1": jnp.zeros((4, 1)),
        "W2": jnp.full((1, 4), 0.2), "b2": jnp.zeros((1, 1))}
sym, sym_costs = train(sym0)
spread = float(jnp.abs(sym["W1"] - sym["W1"][:1]).max())
print(f"symmetric init: rows of W1 after training\n{np.asarray(sym['W1']).round(4)}\nlargest difference between rows {spread:.1e}")
assert spread <= 1e-6 * float(jnp.abs(sym["W1"]).max())  # identical up to float32 rounding
one_unit = {"W1": sym["W1"][:1], "b1": sym["b1"][:1], "W2": sym["W2"].sum(axis=1, keepdims=True), "b2": sym["b2"]}
same = float((dnnjax.predict(one_unit, X, hidden="tanh") == dnnjax.predict(sym, X, hidden="tanh")).mean())
assert same == 1.0  # the 4-unit symmetric network predicts exactly what one unit predicts

# %% [markdown]
# ## Small random weights (x0.01) break the symmetry
# The course's setting; the units drift apart and the network draws the flower.

# %%
small0 = dnnjax.init_params(jax.random.key(3), [2, 4, 1], scale=0.01)
small, small_costs = train(small0)
row_gap = float(jnp.abs(small["W1"][:, None, :] - small["W1"][None, :, :]).sum(-1)[np.triu_indices(4, 1)].min())
print(f"x0.01: closest pair of W1 rows differs by {row_gap:.2f}; accuracy {accuracy(small):.1%}")
assert row_gap > 0.1 and accuracy(small) > 0.85

# %% [markdown]
# ## Large weights (x10) with tanh: saturation
# With `W1 ~ 10 randn`, most `|z1|` are large, `tanh` sits at +-1 and `tanh' = 1 - a^2` is near
# zero: the first layer hardly receives any gradient, and the output layer starts out confidently
# wrong on many points (a huge first cost). How much it hurts depends on the problem: on this
# small network the output layer's gradient still flows, the cost recovers after a few hundred
# iterations, and in our runs it even ended lower than x0.01 (see the curves): saturation slows
# the start here; it does not doom a network this small. In deep networks it compounds layer by
# layer (next section, and lesson 4's vanishing gradients).

# %%
big0 = dnnjax.init_params(jax.random.key(3), [2, 4, 1], scale=10.0)
big, big_costs = train(big0)
for name, p0 in (("x0.01", small0), ("x10", big0)):
    A1 = jnp.tanh(p0["W1"] @ X + p0["b1"])
    g = dnnjax.grads(p0, X, Y, hidden="tanh")
    print(f"{name:6s} at init: |a1| > 0.99 for {float((jnp.abs(A1) > 0.99).mean()):5.1%} of units x examples; "
          f"mean tanh'(z1) {float((1 - A1**2).mean()):.3f}; ||dW1|| / ||W1|| {float(jnp.linalg.norm(g['W1']) / jnp.linalg.norm(p0['W1'])):.1e}; "
          f"first cost {float(small_costs[0] if name == 'x0.01' else big_costs[0]):.2f}")
A1_big = jnp.tanh(big0["W1"] @ X + big0["b1"])
assert float((jnp.abs(A1_big) > 0.99).mean()) > 0.5  # most hidden activations saturated
assert float((1 - A1_big**2).mean()) < 0.2  # ... so tanh' is small on average (at x0.01 it is ~1)
assert float(big_costs[0]) > 5 * float(small_costs[0])  # confidently wrong at the start
assert float(big_costs[2]) > float(small_costs[2])  # behind after 100 iterations

fig, axes = plt.subplots(1, 2, figsize=(11, 4))
steps = np.arange(len(small_costs)) * 50
for costs, label in ((zero_costs, "zeros"), (sym_costs, "symmetric"), (small_costs, "x0.01"), (big_costs, "x10")):
    axes[0].plot(steps, costs, label=f"{label}: final {float(costs[-1]):.3f}")
axes[0].set_yscale("log"), axes[0].set_xlabel("iteration"), axes[0].set_ylabel("cost")
axes[0].set_title("[2, 4, 1] tanh, lr 1.2, planar flower"), axes[0].legend()
xx, yy = np.meshgrid(np.linspace(-4.5, 4.5, 200), np.linspace(-4.5, 4.5, 200))
grid = jnp.asarray(np.stack([xx.ravel(), yy.ravel()]), jnp.float32)
for p, color, label in ((sym, "tab:orange", "symmetric: a straight line"), (small, "tab:green", "x0.01: the flower")):
    zz = np.asarray(dnnjax.forward(p, grid, hidden="tanh")).reshape(xx.shape)
    axes[1].contour(xx, yy, zz, levels=[0.5], colors=color)
    axes[1].plot([], [], color=color, label=label)
axes[1].scatter(X[0], X[1], c=Y[0], cmap="coolwarm", s=6)
axes[1].set_title("decision boundaries (output = 0.5)"), axes[1].legend(loc="lower right", fontsize=9)
axes[1].set_aspect("equal")
save(fig, out, "symmetry_and_scale.png")

# %% [markdown]
# ## A sweep of scales on a deeper network
# `[2, 20, 20, 20, 20, 1]`, ReLU, learning rate 0.1, the same key for every scale. At x0.01 the
# signal shrinks by ~0.01 * sqrt(20) per layer: the output is ~0 for every point, the gradients
# vanish, the cost stays at ln 2. At x1 or x10 it grows as fast: the first cost is huge and
# gradient descent diverges or kills the ReLUs. `sqrt_n` and `he` keep each layer's output at
# the scale of its input, and they train.

# %%
SCALES = (0.01, 0.1, 1.0, 10.0, "sqrt_n", "he")
deep_dims, deep_iter = [2, 20, 20, 20, 20, 1], (1000 if quick else 3000)
finals, firsts = {}, {}
for scale in SCALES:
    p0 = dnnjax.init_params(jax.random.key(0), deep_dims, scale=scale)
    try:
        _, costs = dnnjax.fit(p0, X, Y, hidden="relu", learning_rate=0.1, num_iterations=deep_iter, log_every=100)
        firsts[scale], finals[scale] = float(costs[0]), float(costs[-1])
    except dnnjax.TrainingDivergedError as e:  # dnnjax stops at the first NaN/inf cost and says where
        firsts[scale], finals[scale] = float(dnnjax.cost(p0, X, Y)), float("nan")
        print(f"scale {scale}: {e}")
    print(f"scale {str(scale):7s} cost at start {firsts[scale]:12.3f}   after {deep_iter} iterations {finals[scale]:.3f}")
assert abs(finals[0.01] - np.log(2)) < 1e-3  # no learning at all
assert finals["sqrt_n"] < 0.35 and finals["he"] < 0.35
assert not finals[10.0] < 0.6  # diverged (nan) or stuck
assert firsts[10.0] > 1e3 * firsts["sqrt_n"]

fig, ax = plt.subplots(figsize=(7, 4))
labels = [str(s) for s in SCALES]
vals = [finals[s] if np.isfinite(finals[s]) else 0 for s in SCALES]
bars = ax.bar(labels, vals, color=["tab:red" if not (np.isfinite(finals[s]) and finals[s] < 0.35) else "tab:green" for s in SCALES])
for b, s in zip(bars, SCALES):
    ax.text(b.get_x() + b.get_width() / 2, b.get_height() + 0.01, "diverged" if not np.isfinite(finals[s]) else f"{finals[s]:.3f}",
            ha="center", fontsize=9)
ax.axhline(np.log(2), color="grey", ls=":", lw=1), ax.text(5.45, np.log(2) + 0.01, "ln 2", color="grey", fontsize=8, ha="right")
ax.set_xlabel("init scale"), ax.set_ylabel(f"cost after {deep_iter} iterations")
ax.set_title("[2, 20, 20, 20, 20, 1] ReLU, lr 0.1: final cost by init scale")
save(fig, out, "scale_sweep.png")
