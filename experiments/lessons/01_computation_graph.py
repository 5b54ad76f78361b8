# %% [markdown]
# # Lesson 1: the computation graph, and derivatives as slopes
#
# The course computes `J(a, b, c) = 3(a + bc)` in three steps, left to right (the forward pass):
#
#     u = b c        v = a + u        J = 3 v
#
# and then walks the same graph right to left (the backward pass), one chain-rule step per
# edge: `dJ/dv = 3`, `dJ/du = dJ/dv * dv/du = 3`, `dJ/da = dJ/dv * dv/da = 3`,
# `dJ/db = dJ/du * du/db = 3 c = 6`, `dJ/dc = dJ/du * du/dc = 3 b = 9`.
#
# In JAX this is not an analogy: `jax.make_jaxpr` shows the graph JAX records, and `jax.grad`
# is that graph walked backwards.
#
# Run: `python experiments/lessons/01_computation_graph.py [--out DIR] [--quick]`

# %%
import jax
import jax.numpy as jnp
import matplotlib.pyplot as plt
import numpy as np

import dnnjax.compile_cache
from _lesson import save, start

out, quick = start("01_computation_graph", "Lesson 1: the computation graph, and derivatives as slopes")
dnnjax.compile_cache.enable()  # JAX's persistent compilation cache: a second run skips compiling

# %% [markdown]
# ## Forward, by hand, at a = 5, b = 3, c = 2

# %%
a, b, c = 5.0, 3.0, 2.0
u = b * c
v = a + u
J = 3 * v
print(f"u = bc = {u}, v = a + u = {v}, J = 3v = {J}")
assert (u, v, J) == (6.0, 11.0, 33.0)  # the article's numbers

# %% [markdown]
# ## Backward, by hand, against `jax.grad`
# Each step multiplies the derivative arriving from the right by the local derivative of one node.

# %%
dJ_dv = 3.0                 # J = 3v
dJ_du = dJ_dv * 1.0         # v = a + u
dJ_da = dJ_dv * 1.0
dJ_db = dJ_du * c           # u = bc
dJ_dc = dJ_du * b
by_hand = (dJ_da, dJ_db, dJ_dc)


def J_fn(a, b, c):
    return 3 * (a + b * c)


by_jax = tuple(float(g) for g in jax.grad(J_fn, argnums=(0, 1, 2))(a, b, c))
print(f"by hand: dJ/da, dJ/db, dJ/dc = {by_hand};  jax.grad: {by_jax}")
assert by_hand == by_jax == (3.0, 6.0, 9.0)  # exact: every step is a product of small integers

# %% [markdown]
# ## The graph JAX builds
# `jax.make_jaxpr` traces the function once and prints its graph: one line per node. The second
# jaxpr is `jax.grad`'s: the forward lines again, then the backward ones, in which you can read
# `dJ/dv = 3`, `dJ/dc = b * 3` and `dJ/db = 3 * c`.

# %%
graph = jax.make_jaxpr(J_fn)(a, b, c)
print(graph)
print(jax.make_jaxpr(jax.grad(J_fn, argnums=(0, 1, 2)))(a, b, c))
prims = [eqn.primitive.name for eqn in graph.jaxpr.eqns]
assert prims == ["mul", "add", "mul"], prims  # u = b*c, v = a + u, J = 3*v: the course's three steps


# %% [markdown]
# Now draw it. The nodes are the jaxpr's inputs and equations; each node's value is computed by
# running its primitive (`eqn.primitive.bind`) on its inputs' values, so the picture is JAX's own
# graph, evaluated. Below each node (red) the derivative of J with respect to it, by hand above.

# %%
def graph_values(closed, args):
    """Value of every jaxpr variable, evaluating one equation at a time."""
    env = dict(zip(closed.jaxpr.invars, args))
    read = lambda x: x.val if hasattr(x, "val") else env[x]  # noqa: E731  (a Literal has .val)
    for eqn in closed.jaxpr.eqns:
        env[eqn.outvars[0]] = eqn.primitive.bind(*[read(x) for x in eqn.invars], **eqn.params)
    return env, read


env, read = graph_values(graph, (a, b, c))
course_names = dict(zip(graph.jaxpr.invars, "abc")) | dict(zip([e.outvars[0] for e in graph.jaxpr.eqns], "uvJ"))
derivs = {"a": dJ_da, "b": dJ_db, "c": dJ_dc, "u": dJ_du, "v": dJ_dv, "J": 1.0}
assert float(env[graph.jaxpr.eqns[-1].outvars[0]]) == J  # the evaluated graph gives J = 33

pos = {"a": (0, 2), "b": (0, 1), "c": (0, 0), "u": (1, 0.5), "v": (2, 1.5), "J": (3, 1.5)}
fig, ax = plt.subplots(figsize=(9, 4))
for eqn in graph.jaxpr.eqns:
    name = course_names[eqn.outvars[0]]
    for x in eqn.invars:
        if hasattr(x, "val"):  # the constant 3: a small grey input of its own
            src = (pos[name][0] - 0.55, pos[name][1] + 0.85)
            ax.annotate(f"{float(x.val):g}", src, color="grey", ha="center", va="center", fontsize=11)
        else:
            src = pos[course_names[x]]
        ax.annotate("", pos[name], src, arrowprops=dict(arrowstyle="->", shrinkA=22, shrinkB=22, color="k"))
    ax.text(pos[name][0], pos[name][1] + 0.42, f"{eqn.primitive.name}", ha="center", color="tab:blue", fontsize=10)
for var, name in course_names.items():
    x, y = pos[name]
    ax.add_patch(plt.Circle((x, y), 0.24, fc="white", ec="k"))
    ax.text(x, y, f"{name}\n{float(env[var]):g}", ha="center", va="center", fontsize=11)
    ax.text(x, y - 0.36, f"dJ/d{name} = {derivs[name]:g}", ha="center", va="top", color="tab:red", fontsize=10)
ax.set_xlim(-0.6, 3.6), ax.set_ylim(-0.8, 2.9), ax.set_aspect("equal"), ax.axis("off")
ax.set_title("J = 3(a + bc): the jaxpr's nodes with their values (black) and dJ/dnode (red)")
save(fig, out, "graph.png")

# %% [markdown]
# ## Derivatives as slopes
# The article nudges `a = 2` by 0.001 and reads the slope `(f(a + 0.001) - f(a)) / 0.001`: 3 for
# `3a`, about 4 for `a^2` (exactly 4 + 0.001), about 12 for `a^3`, about 1/2 for `log a`.
# The one-sided slope is off by about `h f''(a) / 2` (Taylor), which the run checks. (float64
# here: in float32 a step of 0.001 on values near 8 loses digits to rounding; see the sweep.)

# %%
funcs = {"3a": lambda x: 3 * x, "a^2": lambda x: x**2, "a^3": lambda x: x**3, "log a": jnp.log}
h = 1e-3
with jax.enable_x64(True):
    a0 = jnp.float64(2.0)
    for name, f in funcs.items():
        slope = float((f(a0 + h) - f(a0)) / h)
        exact, curv = float(jax.grad(f)(a0)), float(jax.grad(jax.grad(f))(a0))
        print(f"f(a) = {name:6s} slope {slope:.6f}   jax.grad {exact:.6f}   difference {slope - exact:+.2e}"
              f"   h f''/2 = {h * curv / 2:+.2e}")
        assert abs(slope - exact - h * curv / 2) < 2e-6, name  # the next Taylor term is O(h^2 f''')
    assert float(jax.grad(funcs["a^3"])(a0)) == 12.0 and float(jax.grad(jnp.log)(a0)) == 0.5


# %% [markdown]
# ## The step-size sweep: truncation against cancellation
# The one-sided difference has truncation error ~ `h`, the centred one `(f(a+h) - f(a-h)) / 2h`
# ~ `h^2`. But `f(a+h) - f(a)` subtracts two nearly equal numbers: each carries a rounding error of
# about `eps_machine * |f|`, so dividing by `h` gives an error ~ `eps_machine |f| / h` that grows as
# h shrinks. float32 (`eps ~ 1.2e-7`) hits that wall much earlier than float64 (`2.2e-16`): that is
# why the course's gradient check (`eps = 1e-7`) needs float64.

# %%
def slope_errors(dtype, steps, f=lambda x: x**3, a=2.0, exact=12.0):
    """Relative errors of the one-sided and centred differences of f at a, computed in dtype."""
    one, cen = [], []
    for s in steps:
        x, hh = jnp.asarray(a, dtype), jnp.asarray(s, dtype)
        one.append(abs(float((f(x + hh) - f(x)) / hh) - exact) / exact)
        cen.append(abs(float((f(x + hh) - f(x - hh)) / (2 * hh)) - exact) / exact)
    return np.array(one), np.array(cen)


steps = np.logspace(-12, -1, 23 if quick else 45)
with jax.enable_x64(True):
    err = {dt: slope_errors(dt, steps) for dt in (jnp.float32, jnp.float64)}
best = {f"{np.dtype(dt).name} {kind}": steps[np.argmin(e[k])] for dt, e in err.items() for k, kind in enumerate(("one-sided", "centred"))}
for label, s in best.items():
    print(f"best step {label:20s} h = {s:.1e}")
e32_one, e32_cen = err[jnp.float32]
e64_one, e64_cen = err[jnp.float64]
i3 = np.argmin(abs(steps - 1e-3))
assert e64_cen[i3] < e64_one[i3] / 100  # at h = 1e-3 the centred difference is >100x closer (h^2 vs h)
assert 1e-4 <= best["float32 centred"] <= 1e-1  # theory: (eps_32)^(1/3) ~ 5e-3
assert 1e-7 <= best["float64 centred"] <= 1e-3  # theory: (eps_64)^(1/3) ~ 6e-6
assert e32_cen[np.argmin(abs(steps - 1e-7))] > 1e-2  # the course's eps = 1e-7 in float32: >1 % wrong
assert e64_cen[np.argmin(abs(steps - 1e-7))] < 1e-7  # ... and in float64: fine

fig, ax = plt.subplots(figsize=(7, 4.5))
for dt, color in ((jnp.float32, "tab:red"), (jnp.float64, "tab:blue")):
    one, cen = err[dt]
    name = np.dtype(dt).name
    ax.loglog(steps, np.maximum(one, 1e-17), "--", color=color, label=f"{name} one-sided")
    ax.loglog(steps, np.maximum(cen, 1e-17), "-", color=color, label=f"{name} centred")
ax.axvline(1e-7, color="grey", lw=0.8)
ax.text(1.3e-7, 3e-12, "course's eps = 1e-7", color="grey", fontsize=9)
ax.set_xlabel("step h"), ax.set_ylabel("relative error of the slope of a^3 at a = 2")
ax.set_title("Too big: truncation (~h, ~h^2). Too small: cancellation (~eps/h)")
ax.legend(fontsize=9), ax.grid(True, which="major", alpha=0.3)
save(fig, out, "step_size_sweep.png")
