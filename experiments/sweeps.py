"""Many models in one compiled call (dnnjax.sweep), on the course's own sweeps.

    python experiments/sweeps.py [--data DIR] [--out DIR] [--x64] [--quick] [--reps N]

(a) the course's learning-rate comparison on cat / non-cat (logistic regression = layer_dims
    [12288, 1], zero init, lr 0.01 / 0.001 / 0.0001, 1500 it.) as one call (needs the h5 files:
    --data, else $DNNJAX_DATA_DIR, else ../shared/data/catvnoncat; skipped without them);
(b) 64 seeds of the planar 4-unit tanh network (x0.01 init, lr 1.2, 10000 it.): the spread of
    train accuracies, and where the course's 90.75 % falls (how lucky was the course's seed?);
(c) the hidden-size sweep n_h = 1, 2, 3, 4, 5, 20, 50 (5000 it., lr 1.2) as one masked 50-wide
    call from the course's initial parameters (NumPy seed 2, per size), checked against separate
    fits, and once more from one jax.random init;
(d) time: 64 planar models in one call vs 64 separate dnnjax.fit calls, manual and autodiff (median of --reps).
Prints tables; writes results.json and plots into --out (default runs/sweeps). ``main(argv)``
returns the results dict. --quick: fewer iterations and one timing repetition.
"""
from __future__ import annotations

import argparse
import json
import os
import statistics
import time
from pathlib import Path

import jax
import jax.numpy as jnp
import numpy as np

import dnnjax
from dnnjax import compile_cache, data, plots, sweep

REPO = Path(__file__).resolve().parents[1]
LRS = (0.01, 0.001, 0.0001)
COURSE_LR = {0.01: (99.52, 68.0), 0.001: (89.00, 64.0), 0.0001: (68.42, 36.0)}  # train %, test %
SIZES = (1, 2, 3, 4, 5, 20, 50)
COURSE_SIZES = (67.5, 67.25, 90.75, 90.5, 91.25, 90.0, 90.25)  # "~90", "~90.25" for 20 and 50
COURSE_PLANAR = 90.75


def accuracy(params, X, Y, hidden="relu") -> float:
    return float(100.0 * np.mean(np.asarray(dnnjax.predict(params, X, hidden=hidden)) == np.asarray(Y)))


def accuracies(batch, X, Y, hidden="relu") -> list[float]:
    batch = jax.tree.map(np.asarray, batch)
    return [accuracy(sweep.take(batch, i), X, Y, hidden) for i in range(batch["W1"].shape[0])]


def course_planar_init(n_h, dtype, width=None):
    """The course's ``np.random.seed(2); W1 = randn(n_h, 2) * .01; W2 = randn(1, n_h) * .01``
    (zero biases), zero-padded to ``width`` hidden units when given."""
    rs = np.random.RandomState(2)
    W1, W2 = rs.randn(n_h, 2) * 0.01, rs.randn(1, n_h) * 0.01
    w = width or n_h
    p = {"W1": np.zeros((w, 2)), "b1": np.zeros((w, 1)), "W2": np.zeros((1, w)), "b2": np.zeros((1, 1))}
    p["W1"][:n_h], p["W2"][:, :n_h] = W1, W2
    return {k: v.astype(dtype) for k, v in p.items()}


def table(title, headers, rows) -> str:
    cells = [list(map(str, headers))] + [[f"{v:.2f}" if isinstance(v, float) else str(v) for v in r] for r in rows]
    widths = [max(len(r[j]) for r in cells) for j in range(len(headers))]
    lines = ["  ".join(c.rjust(w) for c, w in zip(r, widths)) for r in cells]
    text = "\n".join([title, lines[0], "  ".join("-" * w for w in widths), *lines[1:]])
    print(text + "\n")
    return text


def lr_comparison(cat, dtype, out):
    train_x, train_y, test_x, test_y, _ = data.load_catvnoncat(cat)
    p0 = dnnjax.init_params(jax.random.key(0), [train_x.shape[0], 1], scale="zeros", dtype=dtype)
    res = sweep.fit_many(p0, train_x, train_y, learning_rates=list(LRS), num_iterations=1500, log_every=100)
    tr, te = accuracies(res.params, train_x, train_y), accuracies(res.params, test_x, test_y)
    rows = [[f"{lr:g}", tr[i], COURSE_LR[lr][0], te[i], COURSE_LR[lr][1], float(res.costs[i, -1])] for i, lr in enumerate(LRS)]
    text = table("(a) logistic regression on cat, 1500 it., zero init: 3 learning rates in one call",
                 ["lr", "train %", "course", "test %", "course", "cost @1400"], rows)
    plots.cost_curves(out / "lr_cat_costs.png", {f"lr = {lr}": res.costs[i] for i, lr in enumerate(LRS)},
                      title="logistic regression on cat: learning rates (one compiled call)")
    return {"learning_rates": list(LRS), "train_acc": tr, "test_acc": te, "costs": np.asarray(res.costs).tolist(),
            "course_train": [COURSE_LR[lr][0] for lr in LRS], "course_test": [COURSE_LR[lr][1] for lr in LRS],
            "table": text}


def seed_spread(X, Y, dtype, iters, out, n_seeds=64):
    keys = jax.random.split(jax.random.key(0), n_seeds)
    res = sweep.fit_seeds(keys, [2, 4, 1], X, Y, scale=0.01, dtype=dtype, hidden="tanh", learning_rates=1.2,
                          num_iterations=iters, log_every=100)
    acc = np.asarray(accuracies(res.params, X, Y, "tanh"))
    p_c, _ = dnnjax.fit(course_planar_init(4, dtype), X, Y, hidden="tanh", learning_rate=1.2, num_iterations=iters,
                        log_every=100)
    course_acc = accuracy(p_c, X, Y, "tanh")
    below, equal = float(np.mean(acc < COURSE_PLANAR) * 100), float(np.mean(acc == COURSE_PLANAR) * 100)
    stats = {"min": float(acc.min()), "median": float(np.median(acc)), "max": float(acc.max()),
             "mean": float(acc.mean()), "std": float(acc.std())}
    text = table(f"(b) {n_seeds} seeds of the planar 4-unit tanh network ({iters} it., lr 1.2), one call",
                 ["min %", "median %", "max %", "mean %", "std", "course (seed 2) here %", "course published %"],
                 [[stats["min"], stats["median"], stats["max"], stats["mean"], stats["std"], course_acc, COURSE_PLANAR]])
    print(f"the course's {COURSE_PLANAR} %: {below:.1f} % of the {n_seeds} seeds score below it, {equal:.1f} % "
          f"equal, {100 - below - equal:.1f} % above; diverged models: {int(np.sum(res.diverged))}\n")
    order = np.argsort(acc, kind="stable")
    picks = {"worst": int(order[0]), "median": int(order[len(order) // 2]), "best": int(order[-1])}
    plots.cost_curves(out / "seeds_costs.png", {f"{k} seed {i} ({acc[i]:.2f} %)": res.costs[i] for k, i in picks.items()},
                      log_every=100, title=f"planar 4 tanh units: {n_seeds} seeds in one call")
    for name in ("worst", "best"):
        p = sweep.take(jax.tree.map(np.asarray, res.params), picks[name])
        plots.decision_boundary(out / f"seeds_{name}_boundary.png", lambda G, p=p: dnnjax.predict(p, G, hidden="tanh"),
                                X, Y, title=f"{name} of {n_seeds} seeds: {acc[picks[name]]:.2f} %")
    return {"accuracies": acc.tolist(), **stats, "course_seed_acc_here": course_acc, "course_published": COURSE_PLANAR,
            "pct_seeds_below_course": below, "pct_seeds_equal_course": equal, "diverged": int(np.sum(res.diverged)),
            "table": text}


def hidden_sizes(X, Y, dtype, iters, out):
    starts = [course_planar_init(n, dtype, width=max(SIZES)) for n in SIZES]
    batch = {k: np.stack([s[k] for s in starts]) for k in starts[0]}
    kw = dict(hidden="tanh", num_iterations=iters, log_every=100)
    masks = sweep.hidden_size_masks([2, max(SIZES), 1], SIZES)
    t = time.perf_counter()
    res = jax.block_until_ready(sweep.fit_many(batch, X, Y, learning_rates=1.2, masks=masks, **kw))
    t_one = time.perf_counter() - t
    one = accuracies(res.params, X, Y, "tanh")
    sep, diffs, nudged = [], [], []
    dist = lambda a, b: max(float(np.max(np.abs(np.asarray(a[k]) - np.asarray(b[k])))) for k in a)
    for i, n in enumerate(SIZES):
        start = course_planar_init(n, dtype)
        p, _ = dnnjax.fit(start, X, Y, learning_rate=1.2, **kw)
        sep.append(accuracy(p, X, Y, "tanh"))
        diffs.append(dist(p, sweep.sub_network(sweep.take(jax.tree.map(np.asarray, res.params), i), n)))
        # yardstick: how far the same fit lands from a start nudged by 10 eps (relative)
        nudge = {k: v * (1 + 10 * np.finfo(dtype).eps) for k, v in start.items()}
        nudged.append(dist(p, dnnjax.fit(nudge, X, Y, learning_rate=1.2, **kw)[0]))
    p_jax = dnnjax.init_params(jax.random.key(1), [2, max(SIZES), 1], scale=0.01, dtype=dtype)
    res_j = sweep.fit_hidden_sizes(p_jax, X, Y, SIZES, learning_rates=1.2, **kw)
    jx = accuracies(res_j.params, X, Y, "tanh")
    rows = [[n, COURSE_SIZES[i], one[i], sep[i], f"{diffs[i]:.1e}", f"{nudged[i]:.1e}", jx[i]] for i, n in enumerate(SIZES)]
    text = table(f"(c) hidden-size sweep ({iters} it., lr 1.2): one masked 50-wide call (incl. compile {t_one:.1f} s)",
                 ["n_h", "course %", "one call, course init %", "separate fits %", "max |dparam|",
                  "same, 10-eps nudge", "one call, jax init %"], rows)
    print("max |dparam|: one call vs separate fits; '10-eps nudge': a separate fit vs the same fit from a start\n"
          "scaled by 1 + 10 eps. Where the nudge moves the result as much, the dynamics (lr 1.2) amplify rounding:\n"
          "the two programs differ only in summation order, and agree to rounding where the dynamics are tame.\n")
    plots.cost_curves(out / "hidden_sizes_costs.png", {f"n_h = {n}": res.costs[i] for i, n in enumerate(SIZES)},
                      log_every=100, title="planar: hidden sizes in one masked call (course init)")
    for i, n in enumerate(SIZES):
        p = sweep.sub_network(sweep.take(jax.tree.map(np.asarray, res.params), i), n)
        plots.decision_boundary(out / f"hidden_{n}_boundary.png", lambda G, p=p: dnnjax.predict(p, G, hidden="tanh"),
                                X, Y, title=f"n_h = {n}: {one[i]:.2f} % (course {COURSE_SIZES[i]} %)")
    return {"sizes": list(SIZES), "course": list(COURSE_SIZES), "one_call_course_init": one, "separate_fits": sep,
            "max_abs_param_diff": diffs, "nudged_start_diff": nudged, "one_call_jax_init": jx, "table": text}


def timing(X, Y, dtype, iters, reps, n_models=64):
    ps = [dnnjax.init_params(k, [2, 4, 1], scale=0.01, dtype=dtype) for k in jax.random.split(jax.random.key(0), n_models)]
    batch = {k: jnp.stack([p[k] for p in ps]) for k in ps[0]}
    out, texts = {"n_models": n_models, "iterations": iters, "reps": reps, "device": jax.devices()[0].device_kind,
                  "cpu_count": os.cpu_count()}, []
    for method in ("manual", "autodiff"):  # manual: the narrow form (dnnjax/narrow.py), batched variant in the sweep
        kw = dict(hidden="tanh", num_iterations=iters, log_every=1000, method=method)
        one = lambda: jax.block_until_ready(sweep.fit_many(batch, X, Y, learning_rates=1.2, **kw))
        sep = lambda: jax.block_until_ready([dnnjax.fit(p, X, Y, learning_rate=1.2, **kw) for p in ps])
        t = time.perf_counter(); r = one(); first_one = time.perf_counter() - t
        t = time.perf_counter(); s = sep(); first_sep = time.perf_counter() - t
        r_np = jax.tree.map(np.asarray, r.params)
        d = [max(float(np.max(np.abs(r_np[k][i] - np.asarray(s[i][0][k])))) for k in ps[0]) for i in range(n_models)]
        t_one, t_sep = [], []
        for _ in range(reps):  # interleaved, so machine noise hits both alike
            t = time.perf_counter(); one(); t_one.append(time.perf_counter() - t)
            t = time.perf_counter(); sep(); t_sep.append(time.perf_counter() - t)
        m1, ms = statistics.median(t_one), statistics.median(t_sep)
        texts.append(f"  {method}: one call {m1:.3f} s, {n_models} separate fits {ms:.3f} s, ratio {m1 / ms:.3f} "
                     f"(target <= 0.1); first calls incl. compile {first_one:.2f} s / {first_sep:.2f} s; "
                     f"|param diff| one call vs separate: max {max(d):.1e}, median {statistics.median(d):.1e}")
        out[method] = {"one_call_s": t_one, "separate_s": t_sep, "ratio": m1 / ms, "first_one_call_s": first_one,
                       "first_separate_s": first_sep, "param_diff": d}
    text = (f"(d) {n_models} planar models x {iters} it. on {jax.devices()[0].device_kind} ({os.cpu_count()} cores), "
            f"median of {reps}:\n" + "\n".join(texts) + "\n    (why not 0.1 on a CPU: see README, Speed)")
    print(text + "\n")
    out["ratio"] = min(out[m]["ratio"] for m in ("manual", "autodiff"))
    out["text"] = text
    return out


def _cat_dir(given):
    for c in (given, os.environ.get("DNNJAX_DATA_DIR"), REPO.parent / "shared" / "data" / "catvnoncat"):
        if c and (Path(c) / "train_catvnoncat.h5").is_file() and (Path(c) / "test_catvnoncat.h5").is_file():
            return Path(c)
    return None


def main(argv=None) -> dict:
    ap = argparse.ArgumentParser(prog="experiments/sweeps.py", description=__doc__.split("\n")[0])
    ap.add_argument("--data", type=Path, default=None, metavar="DIR", help="folder with the cat/non-cat h5 files")
    ap.add_argument("--out", type=Path, default=Path("runs/sweeps"), metavar="DIR")
    ap.add_argument("--x64", action="store_true", help="float64 everywhere")
    ap.add_argument("--quick", action="store_true", help="1/5 of the iterations, one timing repetition")
    ap.add_argument("--reps", type=int, default=3, help="timing repetitions (default 3)")
    args = ap.parse_args(argv)
    args.out.mkdir(parents=True, exist_ok=True)
    div = 5 if args.quick else 1
    results = {"x64": args.x64, "quick": args.quick}
    with jax.enable_x64(args.x64):
        dtype = jnp.float64 if args.x64 else jnp.float32
        cat = _cat_dir(args.data)
        if cat is None:
            print("(a) skipped: cat/non-cat h5 files not found (pass --data DIR or set DNNJAX_DATA_DIR)\n")
        else:
            results["lr_cat"] = lr_comparison(cat, dtype, args.out)
        X, Y = data.planar_flower()
        results["seeds"] = seed_spread(X, Y, dtype, 10000 // div, args.out)
        results["hidden_sizes"] = hidden_sizes(X, Y, dtype, 5000 // div, args.out)
        results["timing"] = timing(X, Y, dtype, 10000 // div, 1 if args.quick else args.reps)
    (args.out / "results.json").write_text(json.dumps(results, indent=1))
    print(f"wrote {args.out / 'results.json'} and plots")
    return results


if __name__ == "__main__":
    compile_cache.enable()  # a second run loads its programs from disk
    main()
