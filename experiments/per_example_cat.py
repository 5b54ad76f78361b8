"""Which cat / non-cat training images pull hardest on the 4-layer network? Per-example gradients.

    python experiments/per_example_cat.py [--data DIR] [--out DIR] [--iterations N] [--course-init]
                                          [--checkpoint FILE] [--top K] [--x64]

Trains the course's 12288-20-7-5-1 network (ReLU hidden, sigmoid out, 1/sqrt(n[l-1]) init from
jax.random, or with --course-init the course's own: np.random.seed(1), randn / sqrt(n[l-1]) per
layer; lr 0.0075) for --iterations (default 2500, the course's run), or loads its
parameters from a dnnjax checkpoint (--checkpoint, layer dims [12288, ..., 1]). Then computes
every training image's gradient of its own cost (dnnjax.per_example, vmap over the columns of
X), ranks the images by the global L2 norm of that gradient, prints the top K (index, label,
prediction, sigmoid output, norm) and saves them as an image grid. A large per-example gradient
means the example's cost is far from its minimum (for a sigmoid output dJ/dZ_L = a - y): the
ranking lists the misclassified and the least confident images first.
Writes top_grad_norm.png and results.json into --out (default runs/per_example_cat).
``main(argv)`` returns the results dict.
"""
from __future__ import annotations

import argparse
import json
import os
import time
from pathlib import Path

import jax
import jax.numpy as jnp
import numpy as np

import dnnjax
from dnnjax import checkpoint, compile_cache, data, plots
from dnnjax.errors import InvalidValueError
from dnnjax.per_example import per_example_grad_norms

REPO = Path(__file__).resolve().parents[1]
LAYERS = [12288, 20, 7, 5, 1]
NAMES = ("non-cat", "cat")


def _cat_dir(given):
    for c in (given, os.environ.get("DNNJAX_DATA_DIR"), REPO.parent / "shared" / "data" / "catvnoncat"):
        if c and (Path(c) / "train_catvnoncat.h5").is_file() and (Path(c) / "test_catvnoncat.h5").is_file():
            return Path(c)
    raise InvalidValueError("--data: the cat/non-cat h5 files were not found; pass --data DIR (a folder holding "
                            "train_catvnoncat.h5 and test_catvnoncat.h5) or set DNNJAX_DATA_DIR")


def _params(args, X, Y, dtype):
    if args.checkpoint is not None:
        params, meta = checkpoint.load(args.checkpoint)
        if params["W1"].shape[1] != X.shape[0] or params[f"W{len(params) // 2}"].shape[0] != 1:
            raise InvalidValueError(f"--checkpoint: expected a network [12288, ..., 1]; got W1 {params['W1'].shape}")
        return {k: jnp.asarray(v, dtype) for k, v in params.items()}, f"checkpoint {args.checkpoint}"
    if args.course_init:
        rs = np.random.RandomState(1)  # == np.random.seed(1), then randn per layer, W1 first
        p0 = {k: (rs.randn(n, LAYERS[l - 1]) / np.sqrt(LAYERS[l - 1]) if k[0] == "W" else np.zeros((n, 1))).astype(dtype)
              for l, n in enumerate(LAYERS[1:], 1) for k in (f"W{l}", f"b{l}")}
    else:
        p0 = dnnjax.init_params(jax.random.key(args.seed), LAYERS, scale="sqrt_n", dtype=dtype)
    t = time.perf_counter()
    params, costs = dnnjax.fit(p0, X, Y, learning_rate=0.0075, num_iterations=args.iterations, log_every=100)
    costs = np.asarray(costs)
    print(f"trained {LAYERS} for {args.iterations} it. in {time.perf_counter() - t:.1f} s: cost "
          f"{costs[0]:.4f} @0 -> {costs[-1]:.4f} @{(len(costs) - 1) * 100}" if len(costs) else "no training")
    return params, f"trained {args.iterations} it. from " + ("the course's init" if args.course_init else f"jax.random.key({args.seed})")


def main(argv=None) -> dict:
    ap = argparse.ArgumentParser(prog="experiments/per_example_cat.py", description=__doc__.split("\n")[0])
    ap.add_argument("--data", type=Path, default=None, metavar="DIR", help="folder with the cat/non-cat h5 files")
    ap.add_argument("--out", type=Path, default=Path("runs/per_example_cat"), metavar="DIR")
    ap.add_argument("--iterations", type=int, default=2500, help="training iterations (default 2500)")
    ap.add_argument("--checkpoint", type=Path, default=None, help="start from these parameters instead of training")
    ap.add_argument("--top", type=int, default=10, help="how many images to list (default 10)")
    ap.add_argument("--seed", type=int, default=1, help="jax.random key for the init (default 1)")
    ap.add_argument("--course-init", action="store_true", help="the course's NumPy init (seed 1) instead of jax.random")
    ap.add_argument("--x64", action="store_true", help="float64 everywhere")
    args = ap.parse_args(argv)
    if args.iterations < 0 or args.top < 1:
        raise InvalidValueError(f"--iterations must be >= 0 and --top >= 1; got {args.iterations}, {args.top}")
    train_x, train_y, test_x, test_y, _ = data.load_catvnoncat(_cat_dir(args.data))
    args.out.mkdir(parents=True, exist_ok=True)
    with jax.enable_x64(args.x64):
        dtype = jnp.float64 if args.x64 else jnp.float32
        params, source = _params(args, train_x, train_y, dtype)
        t = time.perf_counter()
        norms = np.asarray(per_example_grad_norms(params, train_x, train_y, batch_size=64))
        t_norms = time.perf_counter() - t
        prob = np.asarray(dnnjax.forward(params, train_x))[0]
        pred = np.asarray(dnnjax.predict(params, train_x))[0]
        test_acc = float(100 * np.mean(np.asarray(dnnjax.predict(params, test_x)) == test_y))
    y = train_y[0]
    order = np.argsort(-norms, kind="stable")
    top = order[:args.top]
    wrong = np.flatnonzero(pred != y)
    train_acc = float(100 * np.mean(pred == y))
    print(f"{source}: train {train_acc:.2f} %, test {test_acc:.2f} %; per-example gradient norms of "
          f"{len(y)} images in {t_norms:.2f} s (incl. compile)\n")
    print(f"top {args.top} training images by per-example gradient norm")
    print(f"{'rank':>4}  {'index':>5}  {'label':>7}  {'prediction':>10}  {'sigmoid':>8}  {'norm':>10}")
    rows = []
    for r, i in enumerate(top):
        rows.append({"rank": r + 1, "index": int(i), "label": NAMES[int(y[i])], "prediction": NAMES[int(pred[i])],
                     "sigmoid": float(prob[i]), "norm": float(norms[i])})
        print(f"{r + 1:>4}  {i:>5}  {NAMES[int(y[i])]:>7}  {NAMES[int(pred[i])]:>10}  {prob[i]:8.4f}  {norms[i]:10.4g}")
    ranks_of_wrong = sorted(int(np.flatnonzero(order == i)[0]) + 1 for i in wrong)
    print(f"\nmisclassified training images: {len(wrong)}, at ranks {ranks_of_wrong}; median norm "
          f"{np.median(norms):.3g}, max {norms.max():.3g}")
    titles = [f"#{i} {NAMES[int(y[i])]} / pred {NAMES[int(pred[i])]} |g|={norms[i]:.2g}" for i in top]
    plots.image_grid(args.out / "top_grad_norm.png", train_x[:, top], image_shape=(64, 64, 3), titles=titles,
                     title=f"cat / non-cat training images with the largest per-example gradients ({source})")
    results = {"source": source, "x64": args.x64, "train_acc": train_acc, "test_acc": test_acc, "top": rows,
               "norms": norms.tolist(), "misclassified": wrong.tolist(), "ranks_of_misclassified": ranks_of_wrong,
               "norms_seconds": t_norms}
    (args.out / "results.json").write_text(json.dumps(results, indent=1))
    print(f"wrote {args.out / 'top_grad_norm.png'} and {args.out / 'results.json'}")
    return results


if __name__ == "__main__":
    compile_cache.enable()  # a second run loads its programs from disk
    main()
