"""``dnnjax gradcheck``: manual vs autodiff vs finite differences on random data.

Prints :func:`dnnjax.check_grads`' report for a network of ``--layers`` on ``--m`` random
examples: ``X`` (n_x, m) standard normal; ``Y`` (1, m) random 0/1 labels for a sigmoid output,
one-hot (n_L, m) classes for softmax, standard normal (n_L, m) targets for linear. Exit code 0
when the report says OK, 1 on a mismatch. It runs in float64, where finite differences with
``eps = 1e-7`` mean something; ``--float32`` shows why float32 cannot resolve such a step
(``--x64``, the old way to ask for float64, is still accepted and changes nothing).
``--manual FILE[:FUNCTION]`` checks your own gradient function instead of dnnjax's backward pass
(:func:`dnnjax.check_grads` with ``manual=``); the file is loaded as ``dnnjax check`` loads a
solution (imports and ``def`` statements only). If your function raises or runs past ``--timeout``
the verdict is FAIL with your line, exit code 1.
"""
from __future__ import annotations

import dataclasses
import os
import re

import jax
import jax.numpy as jnp

import dnnjax
from dnnjax import activations
from dnnjax.check.user_code import UserCodeError
from dnnjax.commands import common


def add_parser(sub) -> None:
    p = sub.add_parser("gradcheck", help="check hand-written backprop against jax.grad and finite differences",
                       description="Gradient check of dnnjax's hand-written backward pass (or, with --manual, of "
                                   "your own gradient function) against jax.grad and central finite differences, "
                                   "on random data, in float64. Exit code 0 if OK, 1 on a mismatch.",
                       epilog="In Python: dnnjax.check_grads(params, X, Y, manual=your_fn). "
                              "A whole course solution: 'dnnjax check'.")
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
    p.add_argument("--manual", metavar="FILE[:FUNCTION]",
                   help="check your function FUNCTION(params, X, Y) -> {'W1': dW1, 'b1': db1, ...} from a .py or "
                        ".ipynb file (only its imports and defs are run) instead of dnnjax's backward pass; "
                        "FUNCTION may be left out when the file defines one function")
    p.add_argument("--timeout", type=common.positive_float, default=60.0, metavar="S",
                   help="seconds your --manual function may run before it is stopped (default 60)")
    p.set_defaults(func=run)


def load_manual(spec: str):
    """The function ``--manual FILE[:FUNCTION]`` names, loaded as ``dnnjax check`` loads a solution."""
    from dnnjax.check import loader

    path, name = spec, None
    match = re.fullmatch(r"(.+):([A-Za-z_]\w*)", spec)
    if match and not os.path.exists(spec):
        path, name = match.groups()
    defined = loader.load(path).defined
    names = ", ".join(sorted(defined)) or "none"
    if name is None:
        if len(defined) != 1:
            raise common.CliError(f"--manual {spec}: name the function, e.g. --manual {path}:NAME "
                                  f"({path} defines {len(defined)} functions: {names})")
        return next(iter(defined.values()))
    if name not in defined:
        raise common.CliError(f"--manual {spec}: {path} defines no function {name!r} (it defines: {names})")
    return defined[name]


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
    if args.manual and args.float32:
        raise common.CliError("--manual is always checked in float64 (finite differences need it); drop --float32")
    manual = load_manual(args.manual) if args.manual else None
    x64 = not args.float32
    print(f"network {'-'.join(map(str, args.layers))} ({args.hidden} hidden, {args.output} output), "
          f"{args.m} random examples, seed {args.seed}")
    with common.precision(x64):
        dtype = jnp.float64 if x64 else jnp.float32
        kp, X, Y = random_problem(jax.random.key(args.seed), args.layers, args.output, args.m, dtype)
        params = dnnjax.init_params(kp, args.layers, scale=args.init, dtype=dtype)
        try:
            report = dnnjax.check_grads(params, X, Y, hidden=args.hidden, output=args.output, eps=args.eps,
                                        manual=manual, timeout=args.timeout if manual else None)
        except UserCodeError as error:  # their function failed: the check's verdict, not a usage error
            print(f"verdict: FAIL: {error}")
            return 1
    report = dataclasses.replace(report, float64_hint=CLI_FLOAT64_HINT)  # the reader is at a shell, not in Python
    print(report)
    return 0 if report.ok else 1
