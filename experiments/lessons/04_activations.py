# %% [markdown]
# # Lesson 4: activation functions, and what each does to learning
#
# A hidden layer computes `A = g(Z)`; backpropagation multiplies by `g'(Z)` on its way back
# (`dZ = dA * g'(Z)`). So the slope of `g` decides how much gradient reaches the earlier layers.
#
# | g | formula | g'(z) | the article says |
# |---|---|---|---|
# | sigmoid | `1 / (1 + e^-z)` | `a (1 - a)`, at most 1/4 | only for a binary output layer; not zero-centred; saturates |
# | tanh | `(e^z - e^-z) / (e^z + e^-z)` | `1 - a^2`, at most 1 | better than sigmoid for hidden units (zero-centred); still saturates |
# | ReLU | `max(0, z)` | 1 for z > 0, 0 for z < 0 | the default; slope 1 means faster learning; units can "die" |
# | leaky ReLU | `max(0.01 z, z)` | 1 or 0.01 | no dead units; sometimes a little better |
#
# This lesson computes the derivatives with `jax.grad` and `jax.vmap`, trains the same network
# with each on the same data from the same initial weights, and measures the gradient that
# reaches each layer of a 10-layer network.
#
# Run: `python experiments/lessons/04_activations.py [--out DIR] [--quick]`

# %%
import jax
import jax.numpy as jnp
import matplotlib.pyplot as plt
import numpy as np

import dnnjax
import dnnjax.compile_cache
from _lesson import save, start

out, quick = start("04_activations", "Lesson 4: activation functions")
dnnjax.compile_cache.enable()  # JAX's persistent compilation cache: a second run skips compiling

# %% [markdown]
# ## The four functions and their derivatives
# `jax.grad(g)` is the derivative of a scalar function; `jax.vmap` maps it over a whole array of
# `z` values at once. The results must equal the course's formulas.

# %%
ACTS = {"sigmoid": jax.nn.sigmoid, "tanh": jnp.tanh, "relu": jax.nn.relu,
        "leaky_relu": lambda z: jnp.where(z > 0, z, 0.01 * z)}
z = jnp.linspace(-5.0, 5.0, 1001)
values = {name: g(z) for name, g in ACTS.items()}
slopes = {name: jax.vmap(jax.grad(g))(z) for name, g in ACTS.items()}
s, t = values["sigmoid"], values["tanh"]
formulas = {"sigmoid": s * (1 - s), "tanh": 1 - t**2, "relu": (z > 0).astype(z.dtype),
            "leaky_relu": jnp.where(z > 0, 1.0, 0.01)}
for name in ACTS:
    err = float(jnp.max(jnp.abs(slopes[name] - formulas[name])))
    print(f"{name:10s} max |jax.grad - formula| = {err:.1e}   largest slope {float(slopes[name].max()):.4f}")
    assert err < 1e-6, name
assert abs(float(slopes["sigmoid"].max()) - 0.25) < 1e-6 and abs(float(slopes["tanh"].max()) - 1.0) < 1e-6
assert float(slopes["sigmoid"][0]) < 0.01  # at z = -5 the sigmoid is saturated: slope 0.0066

# %% [markdown]
# At the kink `z = 0` a derivative has to be chosen. `jax.nn.relu` says 0 (as the course's
# `relu_backward` does); the same function written as `jnp.maximum(z, 0)` says 1/2, because JAX
# splits a tie in `maximum` evenly. Small things like this matter when you compare your own
# backward pass with `jax.grad` (lesson 9).

# %%
at0 = {"jax.nn.relu": float(jax.grad(jax.nn.relu)(0.0)),
       "jnp.maximum(z, 0)": float(jax.grad(lambda z: jnp.maximum(z, 0.0))(0.0))}
print("derivative at 0:", at0)
assert at0 == {"jax.nn.relu": 0.0, "jnp.maximum(z, 0)": 0.5}

fig, axes = plt.subplots(1, 4, figsize=(14, 3.2), sharex=True)
for ax, name in zip(axes, ACTS):
    ax.plot(z, values[name], label="g(z)")
    ax.plot(z, slopes[name], "--", label="g'(z) (jax.grad)")
    ax.axhline(0, color="grey", lw=0.5), ax.axvline(0, color="grey", lw=0.5)
    ax.set_title(name), ax.set_xlabel("z"), ax.set_ylim(-1.2, 2.0)
axes[0].legend(loc="upper left", fontsize=9)
save(fig, out, "activations.png")

# %% [markdown]
# ## The same network, trained with each activation
# Two data sets of the course (the planar flower and the moons), a `[2, 10, 10, 1]` network,
# Xavier initialisation from the same keys, gradient descent with learning rate 0.5: only the
# hidden activation changes (each start is one `dnnjax.fit`; the loop compiles once per
# activation and data set, then reuses it). We count the iterations until the cost first drops below 0.3. (`--quick`: the
# moons only, one start, 1500 iterations.)

# %%
DIMS, LR, TARGET, LOG_EVERY = [2, 10, 10, 1], 0.5, 0.3, 10
iterations = 1500 if quick else 4000
keys = jax.random.split(jax.random.key(0), 1 if quick else 3)
datasets = {"flower": dnnjax.data.planar_flower(), "moons": dnnjax.data.noisy_moons()}
trained = ["moons"] if quick else list(datasets)  # --quick: one data set (each one is 4 compilations)


def iterations_to(costs, target=TARGET):
    """First logged iteration with cost < target (iterations if never: a lower bound)."""
    below = np.flatnonzero(np.asarray(costs) < target)
    return int(below[0]) * LOG_EVERY if below.size else iterations


def shown(n):
    return f">={n}" if n >= iterations else str(n)  # never reached within the run


curves, reach = {}, {}
for dname in trained:
    X, Y = datasets[dname]
    for act in ACTS:
        starts = [dnnjax.init_params(k, DIMS, scale="xavier") for k in keys]  # the same for every activation
        curves[dname, act] = np.stack([dnnjax.fit(p, X, Y, hidden=act, learning_rate=LR, num_iterations=iterations,
                                                  log_every=LOG_EVERY)[1] for p in starts])
        reach[dname, act] = int(np.median([iterations_to(c) for c in curves[dname, act]]))
    row = "   ".join(f"{act} {shown(reach[dname, act]):>5}" for act in ACTS)
    print(f"{dname:6s} iterations to cost < {TARGET} (median over {len(keys)} starts): {row}")

for dname in trained:
    fastest_other = max(reach[dname, a] for a in ("tanh", "relu", "leaky_relu"))
    assert reach[dname, "sigmoid"] >= 3 * fastest_other, (dname, reach)  # sigmoid hidden units: slowest by far
ratio = {d: reach[d, "tanh"] / reach[d, "relu"] for d in trained}
print("tanh / ReLU iterations:", {d: round(r, 2) for d, r in ratio.items()})

# %% [markdown]
# Does ReLU learn faster, as the article says? Faster than sigmoid, by far, on both sets. Against
# tanh it depends on the data: the ratio printed above (> 1: ReLU faster) is measured in this run;
# in our runs ReLU was faster on the moons and tanh on the flower. The robust lesson is the
# article's first one: do not use sigmoid in hidden layers.

# %%
fig, axes = plt.subplots(1, len(trained), figsize=(5.5 * len(trained), 4), sharey=True, squeeze=False)
colors = dict(zip(ACTS, ("tab:red", "tab:blue", "tab:green", "tab:olive")))
steps = np.arange(curves[trained[0], "relu"].shape[1]) * LOG_EVERY
for ax, dname in zip(axes[0], trained):
    for act in ACTS:
        for i, c in enumerate(curves[dname, act]):
            ax.plot(steps, c, color=colors[act], alpha=0.9, lw=1.2, label=f"{act} ({shown(reach[dname, act])} it.)" if i == 0 else None)
    ax.axhline(TARGET, color="grey", ls=":", lw=1)
    ax.set_xscale("symlog", linthresh=100), ax.set_xlim(0, steps[-1]), ax.set_title(f"{dname}: [2, 10, 10, 1], lr {LR}, Xavier init")
    ax.set_xlabel("iteration"), ax.legend(title=f"iterations to cost < {TARGET}", fontsize=9)
axes[0, 0].set_ylabel("cost")
save(fig, out, "training_by_activation.png")

# %% [markdown]
# ## Vanishing gradients: 10 layers at initialisation
# A `[2, 20, 20, ..., 20, 1]` network (9 hidden layers of 20), the course's deep initialisation
# `W = randn / sqrt(n[l-1])`, the flower data. Going backwards, each sigmoid layer multiplies the
# gradient by `g'(Z) <= 1/4` (and by `W`): by layer 1 almost nothing is left. tanh and ReLU keep
# their slope near 1, and the gradient stays the same size through the layers.

# %%
X, Y = datasets["flower"]
deep_dims = [2] + [20] * 9 + [1]
p0 = dnnjax.init_params(jax.random.key(0), deep_dims, scale="sqrt_n")
norms = {}
for act in ("sigmoid", "tanh", "relu"):
    g = dnnjax.grads(p0, X, Y, hidden=act)
    norms[act] = np.array([float(jnp.linalg.norm(g[f"W{l}"])) for l in range(1, len(deep_dims))])
    print(f"{act:8s} ||dW1|| / ||dW10|| = {norms[act][0] / norms[act][-1]:.1e}")
assert norms["sigmoid"][0] / norms["sigmoid"][-1] < 1e-3  # vanished: a million times smaller in our runs
for act in ("tanh", "relu"):
    assert norms[act][0] / norms[act][-1] > 1e-2, act
    assert norms[act][0] / norms[act][-1] > 100 * norms["sigmoid"][0] / norms["sigmoid"][-1]

fig, ax = plt.subplots(figsize=(7, 4))
for act in norms:
    ax.semilogy(range(1, len(deep_dims)), norms[act], "o-", color=colors[act], label=act)
ax.set_xticks(range(1, len(deep_dims)))
ax.set_xlabel("layer l (1 = next to the input)"), ax.set_ylabel("||dW[l]|| at initialisation")
ax.set_title("Gradient reaching each layer of a 10-layer network"), ax.legend()
save(fig, out, "gradient_norms_by_layer.png")
