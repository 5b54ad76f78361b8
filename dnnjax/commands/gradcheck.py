"""``dnnjax gradcheck``: manual vs autodiff vs finite differences on random data.

Prints :func:`dnnjax.check_grads`' report for a network of ``--layers`` on ``--m`` random
examples: ``X`` (n_x, m) standard normal; ``Y`` (1, m) random 0/1 labels for a sigmoid output,
one-hot (n_L, m) classes for softmax, standard normal (n_L, m) targets for linear. Exit code 0
when the report says OK, 1 on a mismatch. It runs in float64, where finite differences with
``eps = 1e-7`` mean something; ``--float32`` shows why float32 cannot resolve such a step
(``--x64``, the old way to ask for float64, is still accepted and changes nothing).
"""
from __future__ import annotations

import dataclasses

import jax
import jax.numpy as jnp

import dnnjax
from dnnjax import activations
from dnnjax.commands import common


def add_parser(sub) -> None:
    p = sub.add_parser("gradcheck", help="check hand-written backprop against jax.grad and finite differences",
                       description="Gradient check of dnnjax's hand-written backward pass against jax.grad and "
                                   "central finite differences, on random data, in float64. Exit code 0 if OK, "
                                   "1 on a mismatch.",
                       epilog="To check your own gradient code, call dnnjax.check_grads(params, X, Y, manual=your_fn) "
                              "in Python, or grade a course solution with 'dnnjax check'.")
    p.add_argument("--layers", type=common.fixed_layers, required=True, metavar="N0,N1,...", help="layer sizes, e.g. 4,5,3,1")
    p.add_argument("--hidden", choices=tuple(activations.HIDDEN), default="relu", help="hidden activation (default relu)")
    p.add_argument("--output", choices=activations.OUTPUTS, default="sigmoid", help="output layer (default sigmoid)")
    p.add_argument("--m", type=common.positive_int, default=20, help="number of random examples (default 20)")
    p.add_argument("--seed", type=int, default=0, help="PRNG seed of the parameters and data (default 0)")
    p.add_argument("--init", type=common.init_scale, default="xavier", help="parameter init (default xavier)")
    p.add_argument("--eps", type=common.positive_float, default=1e-7, help="finite-difference step (default 1e-7)")
    precision = p.add_mutually_exclusive_group()
    precision.add_argument("--float32", action="store_true",
                           help="run in float32 instead, to see it fail to resolve eps (finite differences off by ~1)")
    precision.add_argument("--x64", action="store_true", help="float64, the default (accepted for older scripts)")
    p.set_defaults(func=run)


def random_problem(key, dims, output: str, m: int, dtype):
    """``(params_key, X (n_x, m), Y (n_L, m))`` drawn from ``key`` as the module docstring says."""
    kp, kx, ky = jax.random.split(key, 3)
    X = jax.random.normal(kx, (dims[0], m), dtype)
    n_out = dims[-1]
    if output == "sigmoid":
        Y = jax.random.bernoulli(ky, 0.5, (n_out, m)).astype(dtype)
    elif output == "softmax":
        Y = jax.nn.one_hot(jax.random.randint(ky, (m,), 0, n_out), n_out, dtype=dtype).T
    else:
        Y = jax.random.normal(ky, (n_out, m), dtype)
    return kp, X, Y


CLI_FLOAT64_HINT = "Rerun without --float32: float64 is the default."


def run(args) -> int:
    if args.output == "softmax" and args.layers[-1] < 2:  # said in flags, before the library says it in code
        raise common.CliError(f"--output softmax needs at least 2 classes: the last of --layers "
                              f"{','.join(map(str, args.layers))} is {args.layers[-1]}")
    x64 = not args.float32
    with common.precision(x64):
        dtype = jnp.float64 if x64 else jnp.float32
        kp, X, Y = random_problem(jax.random.key(args.seed), args.layers, args.output, args.m, dtype)
        params = dnnjax.init_params(kp, args.layers, scale=args.init, dtype=dtype)
        report = dnnjax.check_grads(params, X, Y, hidden=args.hidden, output=args.output, eps=args.eps)
    report = dataclasses.replace(report, float64_hint=CLI_FLOAT64_HINT)  # the reader is at a shell, not in Python
    print(f"network {'-'.join(map(str, args.layers))} ({args.hidden} hidden, {args.output} output), "
          f"{args.m} random examples, seed {args.seed}")
    print(report)
    return 0 if report.ok else 1
