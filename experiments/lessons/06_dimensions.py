# %% [markdown]
# # Lesson 6: the shapes of every matrix
#
# The article's 5-layer network, `n = [2, 3, 5, 4, 2, 1]` (`n[0] = n_x = 2` inputs), on m
# examples stacked in columns. The course's rules, for `l = 1..L`:
#
# | array | shape | why |
# |---|---|---|
# | `W[l]`, `dW[l]` | `(n[l], n[l-1])` | maps `n[l-1]` inputs to `n[l]` units |
# | `b[l]`, `db[l]` | `(n[l], 1)` | one per unit, broadcast over the m columns |
# | `Z[l]`, `A[l]`, `dZ[l]`, `dA[l]` | `(n[l], m)` | one column per example |
# | `A[0] = X` | `(n_x, m)` | |
#
# The run reads every shape off dnnjax's own parameters, the course layer's caches and
# gradients, and `jax.grad`, checks it against the rule, and checks the backward formulas
# `dW = (1/m) dZ A[l-1]^T`, `db = (1/m) sum(dZ, axis=1)`, `dA[l-1] = W^T dZ` with the numbers.
#
# Run: `python experiments/lessons/06_dimensions.py [--out DIR] [--quick]`

# %%
import jax
import jax.numpy as jnp
import matplotlib.pyplot as plt
import numpy as np

import dnnjax
import dnnjax.compile_cache
from _lesson import save, start

out, quick = start("06_dimensions", "Lesson 6: the shapes of every matrix")
dnnjax.compile_cache.enable()  # JAX's persistent compilation cache: a second run skips compiling

# %% [markdown]
# ## Parameters, forward caches and gradients
# m = 7 (different from every `n[l]`, so a transposed array cannot pass for the right one).
# The forward caches come from `dnnjax.course.deep.L_model_forward` (ReLU hidden layers, sigmoid
# output), the course's `dA`, `dW`, `db` from `L_model_backward`, and `dnnjax.grads` gives the
# gradient pytree, the same keys and shapes as the parameters.

# %%
n, m = [2, 3, 5, 4, 2, 1], 7
L = len(n) - 1
kx, ky, kp = jax.random.split(jax.random.key(0), 3)
X = jax.random.normal(kx, (n[0], m))
Y = (jax.random.uniform(ky, (1, m)) > 0.5).astype(jnp.float32)
params = dnnjax.init_params(kp, n, scale="sqrt_n")
AL, caches = dnnjax.course.deep.L_model_forward(X, params)
course_grads = dnnjax.course.deep.L_model_backward(AL, Y, caches)
g = dnnjax.grads(params, X, Y)  # jax.grad of dnnjax's cost (mean over m)


# %% [markdown]
# `dZ[l]` and `dA[l]` are not outputs of anything above. `jax.grad` gets them anyway: add a
# zero "offset" to every `Z[l]` and `A[l]` in the forward pass and differentiate the cost with
# respect to the offsets. Note the factor m: the course's `dZ`, `dA` are derivatives of the
# per-example loss (the `1/m` waits until `dW`, `db`), JAX's are derivatives of the mean cost.

# %%
def cost_with_offsets(offsets, params, X, Y):
    A = X + offsets["A0"]
    for l in range(1, L + 1):
        Z = params[f"W{l}"] @ A + params[f"b{l}"] + offsets[f"Z{l}"]
        A = (jax.nn.sigmoid(Z) if l == L else jax.nn.relu(Z)) + offsets[f"A{l}"]
    return -jnp.mean(Y * jnp.log(A) + (1 - Y) * jnp.log(1 - A))


zeros = {f"{k}{l}": jnp.zeros((n[l], m)) for l in range(L + 1) for k in "ZA" if not (k == "Z" and l == 0)}
d = jax.jit(jax.grad(cost_with_offsets))(zeros, params, X, Y)  # d["Z3"] = dJ/dZ[3], etc.
# from here on only shapes and NumPy arithmetic: bring everything to NumPy once
X, Y, AL, params, g, d, course_grads, caches = jax.tree.map(np.asarray, (X, Y, AL, params, g, d, course_grads, caches))

# %% [markdown]
# ## Every shape against the rule

# %%
rule = {"W": lambda l: (n[l], n[l - 1]), "b": lambda l: (n[l], 1), "Z": lambda l: (n[l], m), "A": lambda l: (n[l], m)}
shapes = {}
for l in range(1, L + 1):
    (A_prev, W, b), Z = caches[l - 1]
    shapes[l] = {"W": params[f"W{l}"].shape, "b": params[f"b{l}"].shape, "Z": Z.shape,
                 "A": (AL if l == L else caches[l][0][0]).shape, "dW": g[f"W{l}"].shape, "db": g[f"b{l}"].shape,
                 "dZ": d[f"Z{l}"].shape, "dA": d[f"A{l}"].shape, "dW (course)": course_grads[f"dW{l}"].shape}
    assert A_prev.shape == (n[l - 1], m) and W.shape == rule["W"](l) and b.shape == rule["b"](l)
    for name, shape in shapes[l].items():
        assert shape == rule[name.lstrip("d")[0]](l), (l, name, shape)
print(f"{'l':>2} " + "".join(f"{k:>14}" for k in shapes[1]))
for l, row in shapes.items():
    print(f"{l:>2} " + "".join(f"{str(s):>14}" for s in row.values()))
assert X.shape == (n[0], m) and course_grads["dA0"].shape == X.shape

# %% [markdown]
# ## The backward formulas, with the numbers
# (float32: agreement to a few units of 1e-6 relative.)

# %%
close = lambda a, b: np.testing.assert_allclose(a, b, rtol=2e-5, atol=1e-6)  # noqa: E731
for l in range(1, L + 1):
    A_prev = X if l == 1 else caches[l - 1][0][0]
    dZ_course = m * d[f"Z{l}"]
    close(g[f"W{l}"], dZ_course @ A_prev.T / m)                         # dW = (1/m) dZ A[l-1]^T
    close(g[f"b{l}"], dZ_course.sum(axis=1, keepdims=True) / m)        # db = (1/m) sum(dZ, axis=1)
    close(course_grads[f"dA{l - 1}"], params[f"W{l}"].T @ dZ_course)  # dA[l-1] = W^T dZ
    close(course_grads[f"dW{l}"], g[f"W{l}"])
    close(course_grads[f"dA{l - 1}"], m * d[f"A{l - 1}"])
close(m * d[f"Z{L}"], AL - Y)  # the output layer: dZ[L] = A[L] - Y
print("dW = (1/m) dZ A^T, db = (1/m) sum(dZ), dA[l-1] = W^T dZ, dZ[L] = A[L] - Y: all hold")

# %% [markdown]
# ## What dnnjax says when a shape is wrong
# Checked before anything is computed; the message names the array, what it expected and what came.

# %%
bad = {"X with 3 rows": (params, np.ones((3, m), np.float32), Y),
       "W3 transposed": (dict(params, W3=params["W3"].T), X, Y),
       "b2 of shape (1, 5)": (dict(params, b2=params["b2"].T), X, Y)}
for label, (p, x, y) in bad.items():
    try:
        dnnjax.grads(p, x, y)
        raise AssertionError(f"dnnjax accepted {label}")
    except dnnjax.ShapeError as e:
        print(f"{label:20s} -> {e}")
        assert label.split()[0] in str(e), str(e)

# %% [markdown]
# ## Figure: the arrays drawn to scale (height = rows, width = columns)

# %%
fig, ax = plt.subplots(figsize=(12, 5))
xw = xa = 0.0
for l in range(L + 1):
    if l > 0:  # top row: W[l] (n[l], n[l-1]) and b[l] (n[l], 1)
        ax.add_patch(plt.Rectangle((xw, 0), n[l - 1], n[l], fc="tab:blue", alpha=0.5, ec="k"))
        ax.text(xw + n[l - 1] / 2, n[l] + 0.3, f"W{l}\n{rule['W'](l)}", ha="center", fontsize=9)
        ax.add_patch(plt.Rectangle((xw + n[l - 1] + 0.4, 0), 1, n[l], fc="tab:orange", alpha=0.5, ec="k"))
        ax.text(xw + n[l - 1] + 0.9, -0.3, f"b{l}\n{rule['b'](l)}", ha="center", va="top", fontsize=8)
        xw += n[l - 1] + 3.5
    # bottom row: A[l] (and Z[l]) (n[l], m)
    ax.add_patch(plt.Rectangle((xa, -9), m, n[l], fc="tab:green", alpha=0.4, ec="k"))
    ax.text(xa + m / 2, -9 + n[l] + 0.3, ("X = A0" if l == 0 else f"A{l}, Z{l}") + f"\n({n[l]}, {m})", ha="center", fontsize=9)
    xa += m + 1.5
ax.text(0, 7.5, f"n = {n}, m = {m}: W[l] (n[l], n[l-1]) blue, b[l] (n[l], 1) orange; "
        "A[l], Z[l], dA[l], dZ[l] (n[l], m) green", fontsize=10)
ax.set_xlim(-0.5, max(xw, xa)), ax.set_ylim(-9.5, 8.5), ax.set_aspect("equal"), ax.axis("off")
save(fig, out, "shapes.png")
