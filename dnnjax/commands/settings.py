"""Resolve ``dnnjax train`` flags into one run's settings, fresh or resumed from a checkpoint.

Fresh run: flags, else :data:`DEFAULTS`. ``--resume CKPT``: the data (name, seed, split), the
architecture (layers, hidden, output) and the dtype come from the checkpoint, and flags that
contradict them are errors; training settings (lr, optimizer, log-every, method) default to the
checkpoint's and may be changed. ``--iterations`` always counts the iterations of this run.
"""
from __future__ import annotations

from dataclasses import dataclass

from dnnjax.commands.common import CliError, OPTIMIZERS

DEFAULTS = {"layers": ["auto", 4, 1], "hidden": "tanh", "lr": 1.2, "optimizer": "gd", "init": 0.01,
            "seed": 3, "log_every": 100, "method": "autodiff"}


@dataclass
class Settings:
    data: str
    data_seed: int | None
    test_fraction: float
    layers: list  # first entry may be "auto" (fresh runs only)
    hidden: str
    output: str | None  # None: sigmoid for binary data, linear for regression
    x64: bool
    lr: float
    optimizer: str
    init: object
    seed: int
    log_every: int
    method: str


def resolve(args, meta: dict | None) -> Settings:
    """Settings for ``args`` (an argparse namespace of ``dnnjax train``); ``meta`` a checkpoint's."""
    if meta is None:
        if args.data is None:
            raise CliError("--data: required (one of flower, moons, circles, blobs, quantiles, houses, cat) "
                           "unless --resume names a checkpoint")
        pick = {k: getattr(args, k) if getattr(args, k) is not None else v for k, v in DEFAULTS.items()}
        return Settings(data=args.data, data_seed=args.data_seed, test_fraction=args.test_fraction or 0.0,
                        output=args.output, x64=args.x64, **pick)
    fixed = {"data": meta["data"], "data_seed": meta.get("data_seed"),
             "test_fraction": meta.get("test_fraction", 0.0), "hidden": meta["hidden"], "output": meta["output"]}
    for key, value in fixed.items():
        given = getattr(args, key)
        if given is not None and given != value:
            flag = "--" + key.replace("_", "-")
            raise CliError(f"{flag} {given} contradicts the checkpoint given to --resume, which has {value}; "
                           f"leave {flag} out to continue with the checkpoint's")
    dims = list(meta["layer_dims"])
    if args.layers is not None:
        want = [dims[0] if n == "auto" else n for n in args.layers]
        if want != dims:
            raise CliError(f"--layers {','.join(map(str, args.layers))} contradicts the checkpoint given to "
                           f"--resume, which has {','.join(map(str, dims))}")
    x64 = args.x64 or meta["dtype"] == "float64"
    inherit = {}
    for key in ("lr", "optimizer", "init", "seed", "log_every", "method"):
        given = getattr(args, key)
        inherit[key] = given if given is not None else meta.get(key, DEFAULTS[key])
    if inherit["optimizer"] not in OPTIMIZERS:
        raise CliError(f"--resume: the checkpoint's optimizer {inherit['optimizer']!r} is not one of {list(OPTIMIZERS)}")
    return Settings(layers=dims, x64=x64, **fixed, **inherit)
