# %% [markdown]
# # Lesson 9: finding a bug with gradient checking -- and where finite differences mislead
#
# You wrote the backward pass of the course's week-3 network (`[2, 4, 1]`, tanh hidden layer,
# sigmoid output) by hand, in NumPy. Is it right? Compare it, parameter by parameter, with
# `jax.grad` of the cost (exact up to rounding) and with central finite differences
# `(J(theta + eps) - J(theta - eps)) / (2 eps)`, using the course's relative difference
# `||a - b|| / (||a|| + ||b||)`: below ~1e-7 is right, above ~1e-3 is a bug.
# `dnnjax.check_grads(params, X, Y, manual=your_function)` does all of it, in float64, and
# says which parameter is wrong and how.
#
# Run: `python experiments/lessons/09_gradient_checking.py [--out DIR] [--quick]`

# %%
import jax
import jax.numpy as jnp
import matplotlib.pyplot as plt
import numpy as np

import dnnjax
import dnnjax.compile_cache
from _lesson import save, start

out, quick = start("09_gradient_checking", "Lesson 9: finding a bug with gradient checking")
dnnjax.compile_cache.enable()  # JAX's persistent compilation cache: a second run skips compiling

X, Y = dnnjax.data.planar_flower()
X, Y = X[:, ::10], Y[:, ::10]  # 40 examples are plenty for a check
params = dnnjax.init_params(jax.random.key(0), [2, 4, 1], scale=1.0)  # scale 1: gradients well away from 0


# %% [markdown]
# ## The learner's backward pass, with a planted bug
# The course's formulas: `dZ2 = A2 - Y`, `dW2 = (1/m) dZ2 A1^T`, `db2 = (1/m) sum(dZ2)`,
# `dZ1 = W2^T dZ2 * g'(Z1)` with `tanh'(Z1) = 1 - A1^2`, `dW1 = (1/m) dZ1 X^T`,
# `db1 = (1/m) sum(dZ1)`. Two easy slips: `1 - A1` for the derivative, and a forgotten `1/m`.

# %%
def backward_propagation(params, X, Y, bug=None):
    """The learner's code (NumPy), returning the course's keys {"dW1", "db1", "dW2", "db2"}."""
    W1, b1, W2, b2 = params["W1"], params["b1"], params["W2"], params["b2"]
    m = X.shape[1]
    A1 = np.tanh(W1 @ X + b1)
    A2 = 1 / (1 + np.exp(-(W2 @ A1 + b2)))
    dZ2 = A2 - Y
    dW2 = (1 / m) * dZ2 @ A1.T
    db2 = np.sum(dZ2, axis=1, keepdims=True) * (1 if bug == "no 1/m" else 1 / m)
    dZ1 = (W2.T @ dZ2) * ((1 - A1) if bug == "tanh'" else (1 - A1**2))
    dW1 = (1 / m) * dZ1 @ X.T
    db1 = (1 / m) * np.sum(dZ1, axis=1, keepdims=True)
    return {"dW1": dW1, "db1": db1, "dW2": dW2, "db2": db2}


with_tanh_bug = lambda p, X, Y: backward_propagation(p, X, Y, bug="tanh'")  # noqa: E731
with_m_bug = lambda p, X, Y: backward_propagation(p, X, Y, bug="no 1/m")  # noqa: E731

# %% [markdown]
# ## The check finds it, and names the parameters
# With `1 - A1` in place of `1 - A1^2`, `dW2` and `db2` are still right (they come before the
# mistake on the way back); `dW1` and `db1` are wrong. The report's table says so, and the
# finite differences agree with `jax.grad`, not with the learner: the bug is in the learner's code.

# %%
report = dnnjax.check_grads(params, X, Y, hidden="tanh", manual=with_tanh_bug)
print(report)
assert not report.ok and set(report.problems) == {"W1", "b1"}
assert report.per_param["W1"]["autodiff vs finite diff"] < 1e-7  # the reference is sound
assert report.per_param["W2"]["manual vs autodiff"] < 1e-12     # the layer before the bug is right

# %% [markdown]
# The forgotten `1/m` in `db2`: the report recognises the constant factor.

# %%
report_m = dnnjax.check_grads(params, X, Y, hidden="tanh", manual=with_m_bug)
print("\n".join(line for line in str(report_m).splitlines() if line.startswith("  ") or "verdict" in line))
assert not report_m.ok and set(report_m.problems) == {"b2"}
assert any("1/m" in phrase for phrase in report_m.problems["b2"])

# %% [markdown]
# ## What the check computes, by hand
# The same comparison in a few lines of JAX, in float64 (finite differences with `eps = 1e-7`
# mean nothing in float32; lesson 1's step-size sweep shows why): `jax.grad` of the cost, and the
# relative difference per parameter.

# %%
def relative_difference(a, b):
    return float(jnp.linalg.norm(a - b) / (jnp.linalg.norm(a) + jnp.linalg.norm(b)))


with jax.enable_x64(True):
    p64 = {k: jnp.asarray(v, jnp.float64) for k, v in params.items()}
    X64, Y64 = jnp.asarray(X, jnp.float64), jnp.asarray(Y, jnp.float64)
    auto = jax.grad(lambda p: dnnjax.cost(p, X64, Y64, hidden="tanh"))(p64)
    mine = with_tanh_bug({k: np.asarray(v) for k, v in p64.items()}, np.asarray(X64), np.asarray(Y64))
    by_hand = {k: relative_difference(jnp.asarray(mine[f"d{k}"]), auto[k]) for k in ("W1", "b1", "W2", "b2")}
for k, r in by_hand.items():
    print(f"{k}: relative difference {r:.3e}   (check_grads: {report.per_param[k]['manual vs autodiff']:.3e})")
    np.testing.assert_allclose(r, report.per_param[k]["manual vs autodiff"], rtol=1e-6, atol=1e-15)

# %% [markdown]
# ## Fixed

# %%
fixed = dnnjax.check_grads(params, X, Y, hidden="tanh", manual=backward_propagation)
print(fixed)
assert fixed.ok and not fixed.problems

fig, ax = plt.subplots(figsize=(8, 4))
names, width = ["W1", "b1", "W2", "b2"], 0.27
for i, (rep, label, color) in enumerate(((report, "1 - A1 for tanh'", "tab:red"), (report_m, "db2 without 1/m", "tab:orange"),
                                         (fixed, "fixed", "tab:green"))):
    vals = [max(rep.per_param[k]["manual vs autodiff"], 1e-17) for k in names]
    ax.bar(np.arange(4) + (i - 1) * width, vals, width, label=label, color=color)
ax.axhline(1e-7, color="k", ls="--", lw=1), ax.text(3.45, 2e-7, "1e-7", fontsize=9, ha="right")
ax.set_yscale("log"), ax.set_xticks(range(4), names), ax.set_ylim(1e-17, 10)
ax.set_ylabel("relative difference, yours vs jax.grad"), ax.legend(loc="upper left", bbox_to_anchor=(1, 1), fontsize=9)
ax.set_title("Gradient check per parameter: the bug shows where it is")
save(fig, out, "check_per_parameter.png")

# %% [markdown]
# ## Where finite differences mislead: a ReLU kink
# ReLU has a kink at `z = 0`. If some example's `z` lies within `eps` of 0, then `J(theta + eps)`
# and `J(theta - eps)` sit on different sides of the kink, and the central difference averages
# two slopes. It then disagrees with the (correct) analytic gradient, which takes the slope on
# one side. Here we place example 0's `z` for hidden unit 1 at `+3e-8`, closer to the kink than
# `eps = 1e-7`: manual and automatic gradients agree to rounding, finite differences do not.
# (No `manual=` here: "manual" is dnnjax's own backward pass, which is right.) The verdict says
# MISMATCH although nothing is wrong: when a check fails only against finite differences, and
# the network has ReLUs, look for a `z` within `eps` of 0 before looking for a bug.

# %%
with jax.enable_x64(True):
    relu_params = {k: jnp.asarray(v, jnp.float64) for k, v in dnnjax.init_params(jax.random.key(1), [2, 3, 1], scale=1.0).items()}
    z0 = float(relu_params["W1"][0] @ X64[:, 0])
    at_kink = dict(relu_params, b1=relu_params["b1"].at[0, 0].set(-z0 + 3e-8))
    kink = dnnjax.check_grads(at_kink, X64, Y64, hidden="relu")
    away = dnnjax.check_grads(dict(at_kink, b1=at_kink["b1"].at[0, 0].add(1e-3)), X64, Y64, hidden="relu")
print(kink)
print(f"b1 at the kink: manual vs autodiff {kink.per_param['b1']['manual vs autodiff']:.1e}, "
      f"autodiff vs finite diff {kink.per_param['b1']['autodiff vs finite diff']:.1e};  "
      f"1e-3 away: {away.per_param['b1']['autodiff vs finite diff']:.1e}")
assert kink.per_param["b1"]["manual vs autodiff"] < 1e-12  # the gradients are right...
assert kink.per_param["b1"]["autodiff vs finite diff"] > 1e-4  # ...and finite differences say otherwise
assert not kink.ok and away.ok  # one step away from the kink, the check passes

# %% [markdown]
# What the central difference sees: the cost as a function of `b1[0]` around the kink, with the
# tangent line (slope from `jax.grad`) subtracted so that the bend shows. Right of the kink the
# curve is the tangent (flat here); left of it, the slope changes. The secant through `b +- eps`
# straddles the bend and takes a slope in between.

# %%
with jax.enable_x64(True):
    b = at_kink["b1"][0, 0]
    J_of = lambda t: dnnjax.cost(dict(at_kink, b1=at_kink["b1"].at[0, 0].set(b + t)), X64, Y64, hidden="relu")  # noqa: E731
    ts = np.linspace(-3e-7, 3e-7, 61 if quick else 241)
    J0 = float(J_of(0.0))
    Js = np.array([float(J_of(t)) - J0 for t in ts])
    slope = float(jax.grad(lambda p: dnnjax.cost(p, X64, Y64, hidden="relu"))(at_kink)["b1"][0, 0])
    eps = kink.eps
    secant = (float(J_of(eps)) - float(J_of(-eps))) / (2 * eps)
print(f"dJ/db1[0]: jax.grad {slope:.6f}, central difference {secant:.6f}")
assert abs(secant - slope) > 1e-3 * abs(slope)

fig, ax = plt.subplots(figsize=(7.5, 4.5))
unit = 1e-12  # the bend is small: example 0 is one of 40 in the mean
ax.plot(ts * 1e7, (Js - slope * ts) / unit, color="k", label="J(b + t) - J(b) - (jax.grad slope) t")
ax.plot(ts * 1e7, (secant - slope) * ts / unit, ":", color="tab:red", lw=2,
        label=f"secant through b +- eps, minus the same line\n(slope {secant:.5f} vs jax.grad {slope:.5f})")
ax.axhline(0, color="tab:blue", ls="--", lw=1, label="tangent (jax.grad), minus itself")
ax.axvline(-3e-8 * 1e7, color="grey", lw=0.8)
ax.text(-0.22, 0.3 * (Js - slope * ts).min() / unit, "kink: z = 0", color="grey", fontsize=9, ha="left")
for s in (-1, 1):
    ax.axvline(s * eps * 1e7, color="tab:red", lw=0.5, alpha=0.6)
ax.set_xlabel("t (units of 1e-7; thin red lines: t = +-eps)"), ax.set_ylabel("cost, less the tangent line (units of 1e-12)")
ax.set_title("A ReLU kink within eps: the central difference averages two slopes", fontsize=11)
ax.legend(fontsize=8, loc="lower right")
save(fig, out, "relu_kink.png")
