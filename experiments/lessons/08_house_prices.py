# %% [markdown]
# # Lesson 8: from one neuron to a network -- house prices
#
# The course's first picture: six houses, price against size. A straight line fits them, but a
# price cannot be negative, so bend the line to zero where it would go below: `price =
# max(0, w * size + b)`. That is one neuron with a ReLU activation, the smallest neural network.
# Then more features (size, bedrooms, zip code, wealth of the neighbourhood) and a hidden layer
# whose units can stand for things the lecture names (family size, walkability, school
# quality): a small network, trained by the same gradient descent.
#
# Run: `python experiments/lessons/08_house_prices.py [--out DIR] [--quick]`

# %%
import jax
import jax.numpy as jnp
import matplotlib.pyplot as plt
import numpy as np

import dnnjax
import dnnjax.compile_cache
from _lesson import save, start

out, quick = start("08_house_prices", "Lesson 8: from one neuron to a network, house prices")
dnnjax.compile_cache.enable()  # JAX's persistent compilation cache: a second run skips compiling

# %% [markdown]
# ## Six houses, one ReLU neuron, in plain JAX
# Sizes in square feet, prices in thousands of USD (made up, roughly on a line). Gradient
# descent needs the input on a reasonable scale, so the size is standardised first
# (`dnnjax.data.standardize`: zero mean, unit variance) and the price divided by 100; the
# fitted line is converted back for the picture. The training loop is `jax.lax.fori_loop`
# inside `jax.jit`: one compiled loop, no Python loop over iterations.

# %%
size = np.array([[850.0, 1100.0, 1400.0, 1700.0, 2100.0, 2600.0]])  # (1, 6): one feature, six examples
price = np.array([[72.0, 118.0, 183.0, 236.0, 325.0, 418.0]])       # (1, 6)
Xs, mu, sd = dnnjax.data.standardize(size)
Xs, Ys = jnp.asarray(Xs, jnp.float32), jnp.asarray(price / 100, jnp.float32)


def neuron(w, b, x):
    return jax.nn.relu(w * x + b)


def mse(wb, x, y):
    return jnp.mean((neuron(wb[0], wb[1], x) - y) ** 2) / 2


@jax.jit
def gradient_descent(wb, x, y, lr=0.1, iterations=2000):
    step = lambda _, wb: wb - lr * jax.grad(mse)(wb, x, y)  # noqa: E731
    return jax.lax.fori_loop(0, iterations, step, wb)


w, b = np.asarray(gradient_descent(jnp.array([0.5, 0.5]), Xs, Ys), np.float64)
w_raw = w * 100 / sd[0, 0]             # thousands of USD per square foot
b_raw = b * 100 - w_raw * mu[0, 0]     # thousands of USD
bend = -b_raw / w_raw                  # the size below which the neuron outputs 0
print(f"one ReLU neuron: price = max(0, {w_raw * 1000:.1f} USD/sq ft * size {b_raw:+.1f}k); zero below {bend:.0f} sq ft")

# %% [markdown]
# The neuron is active (`w * size + b > 0`) on every one of the six houses, so on them it is an
# ordinary straight line, and gradient descent must land on the least-squares line
# (`np.polyfit`). The bend only matters for sizes below the data. dnnjax's `[1, 1]` network with
# a linear output (`output="linear"`: mean squared error) is that line too.

# %%
slope, intercept = np.polyfit(size[0], price[0], 1)
print(f"least squares: slope {slope * 1000:.1f} USD/sq ft, intercept {intercept:+.1f}k")
np.testing.assert_allclose([w_raw, b_raw], [slope, intercept], rtol=1e-3)
line, _ = dnnjax.fit(dnnjax.init_params(jax.random.key(0), [1, 1], scale="zeros"), Xs, Ys, output="linear",
                     learning_rate=0.1, num_iterations=2000)
np.testing.assert_allclose([float(line["W1"][0, 0]), float(line["b1"][0, 0])], [w, b], rtol=1e-4)
assert 0 < bend < size.min()  # the line crosses zero below the smallest house: the ReLU bend is real

fig, ax = plt.subplots(figsize=(7, 4.5))
s_grid = np.linspace(0, 3000, 301)
ax.plot(s_grid, np.maximum(0, w_raw * s_grid + b_raw), color="tab:blue", label="one ReLU neuron: max(0, w size + b)")
ax.plot(s_grid, w_raw * s_grid + b_raw, ":", color="grey", label="the straight line below zero")
ax.scatter(size[0], price[0], color="tab:red", zorder=3, label="six houses")
ax.axhline(0, color="k", lw=0.6), ax.axvline(bend, color="tab:blue", lw=0.6, ls="--")
ax.text(bend + 30, 250, f"bend at {bend:.0f} sq ft", color="tab:blue", fontsize=9)
ax.set_xlabel("size (square feet)"), ax.set_ylabel("price (thousands of USD)"), ax.legend(loc="upper left")
ax.set_title("The smallest neural network: one neuron")
save(fig, out, "one_neuron.png")

# %% [markdown]
# ## Four features and a hidden layer
# `dnnjax.data.house_prices`: 200 synthetic houses, `X (4, m)` = size, bedrooms, zip code
# (a neighbourhood index) and wealth (median income there); the price hides a nonlinear story
# (family size from size and bedrooms, walkability from the zip code, school quality from zip
# and wealth). 150 houses to train, 50 held out. Features and price standardised with the
# training set's statistics; the cost is the MSE of the standardised price; the error is
# reported as RMSE in thousands of USD on the held-out houses.
#
# Models: linear regression `[4, 1]` (one linear neuron), the lecture's picture `[4, 3, 1]`
# (three ReLU units), and a wider `[4, 16, 1]`; gradient descent, learning rate 0.05; the
# hidden-layer models from 5 random starts each (the median is reported: a small ReLU layer
# depends on its start, since a unit that is off for every house never recovers).

# %%
ds = dnnjax.data.load("houses", seed=0, test_fraction=0.25)
Xtr, x_mu, x_sd = dnnjax.data.standardize(ds.train_x)
Xte, _, _ = dnnjax.data.standardize(ds.test_x, x_mu, x_sd)
Ytr, y_mu, y_sd = dnnjax.data.standardize(ds.train_y)
ITER = 2000 if quick else 5000
models = {"linear [4, 1]": ([4, 1], "zeros"), "lecture [4, 3, 1]": ([4, 3, 1], "sqrt_n"),
          "wider [4, 16, 1]": ([4, 16, 1], "sqrt_n")}
STARTS = 5  # random starts per hidden-layer model: with 3 ReLU units, one dead unit costs a lot
rmse, preds = {}, {}
baseline = float(np.sqrt(np.mean((ds.test_y - y_mu) ** 2)))  # always predict the training mean
for label, (dims, scale) in models.items():
    runs = []
    for k in range(1 if scale == "zeros" else STARTS):  # zero init is deterministic: one start
        p, costs = dnnjax.fit(dnnjax.init_params(jax.random.key(k), dims, scale=scale), Xtr, Ytr, hidden="relu",
                              output="linear", learning_rate=0.05, num_iterations=ITER)
        pred = np.asarray(dnnjax.predict(p, Xte, output="linear"), np.float64) * y_sd + y_mu
        runs.append((float(np.sqrt(np.mean((pred - ds.test_y) ** 2))), pred))
    runs.sort(key=lambda r: r[0])
    rmse[label], preds[label] = runs[len(runs) // 2]  # the median start
    spread = f"  (starts: {', '.join(f'{r:.1f}' for r, _ in runs)})" if len(runs) > 1 else ""
    print(f"{label:18s} held-out RMSE {rmse[label]:6.1f}k USD" + (f", median start{spread}" if spread else ""))
print(f"{'predict the mean':18s} held-out RMSE {baseline:6.1f}k USD")
assert rmse["linear [4, 1]"] < 0.7 * baseline  # even a line learns a lot from four features
assert rmse["lecture [4, 3, 1]"] < rmse["linear [4, 1]"]  # the hidden layer captures the nonlinear story
assert rmse["wider [4, 16, 1]"] < rmse["linear [4, 1]"]

# %%
fig, axes = plt.subplots(1, len(models), figsize=(13, 4.2), sharex=True, sharey=True)
lo, hi = float(ds.test_y.min()) - 20, float(ds.test_y.max()) + 20
for ax, label in zip(axes, models):
    ax.scatter(ds.test_y[0], preds[label][0], s=14)
    ax.plot([lo, hi], [lo, hi], color="grey", lw=0.8)
    ax.set_title(f"{label}: RMSE {rmse[label]:.1f}k", fontsize=10), ax.set_xlabel("true price (k USD)")
axes[0].set_ylabel("predicted price (k USD)")
fig.suptitle("50 held-out houses: predicted against true (on the grey line = exact)")
save(fig, out, "four_features.png")
