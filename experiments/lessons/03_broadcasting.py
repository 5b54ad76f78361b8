# %% [markdown]
# # Lesson 3: broadcasting and rank-1 arrays
#
# Broadcasting: when an `(m, n)` array meets a `(1, n)` or an `(m, 1)` one (or a number), the
# smaller one is copied along the missing direction until the shapes match. It is what lets
# `Z = W A + b` add a `(n[l], 1)` bias to every one of the m columns. It is also what turns a
# shape bug into a wrong number instead of an error. The course's advice: never use rank-1
# arrays (`shape (5,)`); use `(5, 1)` or `(1, 5)`, and assert shapes.
#
# Run: `python experiments/lessons/03_broadcasting.py [--out DIR] [--quick]`

# %%
import jax
import jax.numpy as jnp
import matplotlib.pyplot as plt
import numpy as np

import dnnjax
import dnnjax.compile_cache
from _lesson import save, start

out, quick = start("03_broadcasting", "Lesson 3: broadcasting and rank-1 arrays")
dnnjax.compile_cache.enable()  # JAX's persistent compilation cache: a second run skips compiling

# %% [markdown]
# ## The article's calories: column sums, then percentages by broadcasting
# Rows: carbohydrates, protein, fat; columns: apples, beef, eggs, potatoes (calories per 100 g).

# %%
A = np.array([[56.0, 0.0, 4.4, 68.0],
              [1.2, 104.0, 52.0, 8.0],
              [1.8, 135.0, 99.0, 0.9]])
cal = A.sum(axis=0)                       # column sums: (4,)
percentage = 100 * A / cal.reshape(1, 4)  # (3, 4) / (1, 4): the row is copied 3 times
print("calories per food (column sums):", cal)
print("row sums (axis=1):", A.sum(axis=1))
print("percent of calories from each:\n", percentage.round(1))
np.testing.assert_allclose(cal, [59.0, 239.0, 155.4, 76.9])
np.testing.assert_allclose(percentage.sum(axis=0), 100.0)
assert round(percentage[0, 0], 1) == 94.9  # apples: 94.9 % of their calories from carbohydrates
np.testing.assert_allclose(jnp.asarray(A) / jnp.asarray(cal).reshape(1, 4) * 100, percentage, rtol=1e-6)  # JAX alike

# %% [markdown]
# ## The article's other examples
# A `(4, 1)` plus a number; a `(2, 3)` plus a `(1, 3)`; a `(2, 3)` plus a `(2, 1)`.

# %%
col = np.array([[1.0], [2.0], [3.0], [4.0]])
M = np.array([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]])
print(col + 100, M + np.array([[100.0, 200.0, 300.0]]), M + np.array([[100.0], [200.0]]), sep="\n")
np.testing.assert_array_equal(col + 100, [[101], [102], [103], [104]])
np.testing.assert_array_equal(M + np.array([[100.0, 200.0, 300.0]]), [[101, 202, 303], [104, 205, 306]])
np.testing.assert_array_equal(M + np.array([[100.0], [200.0]]), [[101, 102, 103], [204, 205, 206]])

# %% [markdown]
# ## Rank-1 arrays: `randn(5)` vs `randn(5, 1)`
# `randn(5)` has shape `(5,)`: neither a row nor a column. Its transpose is itself, so
# `a @ a.T` is a number (the inner product), not the `(5, 5)` outer product you meant.

# %%
rng = np.random.RandomState(0)
a = rng.randn(5)
print(f"a = randn(5):    a.shape {a.shape}, a.T.shape {a.T.shape}, (a @ a.T).shape {np.shape(a @ a.T)}")
assert a.shape == a.T.shape == (5,) and np.shape(a @ a.T) == ()
a = rng.randn(5, 1)
print(f"a = randn(5, 1): a.shape {a.shape}, a.T.shape {a.T.shape}, (a @ a.T).shape {(a @ a.T).shape}")
assert a.T.shape == (1, 5) and (a @ a.T).shape == (5, 5)

# %% [markdown]
# ## How a rank-1 array gives a wrong answer without an error
# Add a rank-1 `(5,)` to a `(5, 1)` column: broadcasting stretches the first along rows and the
# second along columns, and you get a `(5, 5)` matrix. Summed, it is a plausible number.

# %%
r1, c1 = np.arange(5.0), np.arange(5.0).reshape(5, 1)
surprise = r1 + c1
print(f"(5,) + (5, 1) -> {surprise.shape}; sum {surprise.sum()} instead of {2 * r1.sum()}")
assert surprise.shape == (5, 5) and surprise.sum() == 5 * 2 * r1.sum()

# %% [markdown]
# The course's cost with labels of shape `(m, 1)` instead of `(1, m)`: `Y * log(A)` becomes an
# `(m, m)` matrix, every label meets every prediction, and the mean is some other number.
# A bias of shape `(n,)` instead of `(n, 1)`, when `m == n`: `W X + b` adds `b[j]` to column j
# instead of to row j. Both run; both are wrong.

# %%
m = 4
A_pred = np.array([[0.9, 0.2, 0.8, 0.3]])         # (1, m)
Y_row = np.array([[1.0, 0.0, 1.0, 0.0]])          # (1, m), right
course_cost = lambda A, Y: -np.mean(Y * np.log(A) + (1 - Y) * np.log(1 - A))  # noqa: E731
right, wrong = course_cost(A_pred, Y_row), course_cost(A_pred, Y_row.T)
print(f"cost with Y (1, m): {right:.4f};   with Y (m, 1): {wrong:.4f}  (no error)")
assert abs(right - wrong) > 0.1
W, Xm, b_col = rng.randn(4, 3), rng.randn(3, m), np.arange(4.0).reshape(4, 1)
assert not np.allclose(W @ Xm + b_col, W @ Xm + b_col[:, 0])  # same shapes out, different numbers

# %% [markdown]
# ## JAX: broadcasts like NumPy by default, and can be told to refuse
# `jax.numpy_rank_promotion("raise")` turns mixing ranks into an error (dnnjax's test suite runs
# with it on). Same-rank broadcasting such as `(2, 3) + (1, 3)` stays allowed.

# %%
with jax.numpy_rank_promotion("allow"):
    assert (jnp.arange(5.0) + jnp.arange(5.0).reshape(5, 1)).shape == (5, 5)  # like NumPy
with jax.numpy_rank_promotion("raise"):
    assert (jnp.asarray(M) + jnp.array([[100.0, 200.0, 300.0]])).shape == (2, 3)
    try:
        jnp.arange(5.0) + jnp.arange(5.0).reshape(5, 1)
        raise AssertionError("rank promotion should have raised")
    except ValueError as e:
        print("with numpy_rank_promotion('raise'):", str(e).splitlines()[0])

# %% [markdown]
# ## What dnnjax answers
# dnnjax checks shapes before it computes anything: a `(m,)` label vector, labels of shape
# `(m, 1)`, or an `(n,)` bias are refused with a message that names the argument, what it
# expected and what came.

# %%
X, Y = dnnjax.data.planar_flower()                 # X (2, 400), Y (1, 400)
params = dnnjax.init_params(jax.random.key(0), [2, 4, 1])
bad_bias = dict(params, b1=params["b1"][:, 0])     # (4,) instead of (4, 1)
cases = {"Y of shape (m,)": (params, X, Y[0]), "Y of shape (m, 1)": (params, X, Y.T),
         "b1 of shape (4,)": (bad_bias, X, Y)}
for label, (p, x, y) in cases.items():
    try:
        dnnjax.cost(p, x, y)
        raise AssertionError(f"dnnjax accepted {label}")
    except dnnjax.ShapeError as e:
        print(f"{label:18s} -> ShapeError: {e}")
        name = label.split()[0]
        assert name in str(e) and str(tuple(y.shape if name == "Y" else p["b1"].shape)) in str(e), str(e)
print("correct shapes -> cost", float(dnnjax.cost(params, X, Y)))


# %% [markdown]
# ## Figure: three broadcasts, the copies drawn faint

# %%
def draw(ax, M, x0, y0, faint=None, color="tab:blue"):
    """Draw matrix M with its top-left cell at (x0, y0); cells where faint[i, j] is True are copies."""
    M = np.atleast_2d(M)
    for i in range(M.shape[0]):
        for j in range(M.shape[1]):
            copy = faint is not None and faint[i, j]
            ax.add_patch(plt.Rectangle((x0 + j, y0 - i - 1), 1, 1, fc=color, alpha=0.12 if copy else 0.4, ec="k"))
            ax.text(x0 + j + 0.5, y0 - i - 0.5, f"{M[i, j]:g}", ha="center", va="center", fontsize=9,
                    color="grey" if copy else "k")
    return x0 + M.shape[1]


def broadcast_row(ax, y0, left, right, title):
    out_shape = np.broadcast_shapes(np.shape(left), np.shape(right))
    L, R = np.broadcast_to(left, out_shape), np.broadcast_to(right, out_shape)
    faint = lambda a: np.broadcast_to(np.ones_like(np.asarray(a), bool), out_shape).copy()  # noqa: E731
    fl, fr = faint(left), faint(right)
    fl[tuple(slice(0, s) for s in np.atleast_2d(left).shape)] = False
    fr[tuple(slice(0, s) for s in np.atleast_2d(right).shape)] = False
    x = draw(ax, L, 0, y0, fl)
    ax.text(x + 0.5, y0 - 0.5, "+", fontsize=14, ha="center", va="center")
    x = draw(ax, R, x + 1, y0, fr, color="tab:orange")
    ax.text(x + 0.5, y0 - 0.5, "=", fontsize=14, ha="center", va="center")
    draw(ax, L + R, x + 1, y0, color="tab:green")
    ax.text(0, y0 + 0.35, title, fontsize=10)


fig, ax = plt.subplots(figsize=(10, 8))
broadcast_row(ax, 0, col, 100.0, "(4, 1) + 100: the number is copied into a (4, 1) column")
broadcast_row(ax, -5.5, M, np.array([[100.0, 200.0, 300.0]]), "(2, 3) + (1, 3): the row is copied down")
broadcast_row(ax, -9, np.arange(5.0), np.arange(5.0).reshape(5, 1),
              "(5,) + (5, 1): both are stretched, and a (5, 5) comes out -- the rank-1 trap")
ax.set_xlim(-0.5, 17.5), ax.set_ylim(-14.5, 1), ax.set_aspect("equal"), ax.axis("off")
save(fig, out, "broadcasting.png")
