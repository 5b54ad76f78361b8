"""Resolve ``dnnjax train`` flags into one run's settings, fresh or resumed from a checkpoint.

Fresh run: flags, else :data:`DEFAULTS`. ``--resume CKPT``: the data (name, seed, split), the
architecture (layers, hidden, output), the dtype and the schedule (full batch, or minibatches of
the checkpoint's batch size and shuffling key) come from the checkpoint, and flags that
contradict them are errors; training settings (lr, log-every, method, checkpoint-every) default
to the checkpoint's and may be changed; the optimizer too, but its state is then not the
checkpoint's (``--reset-optimizer``). ``--iterations`` / ``--epochs`` count the units of this run.
"""
from __future__ import annotations

from dataclasses import dataclass

from dnnjax.commands.common import CliError, OPTIMIZERS, STATELESS

DEFAULTS = {"layers": ["auto", 4, "auto"], "hidden": "tanh", "lr": 1.2, "optimizer": "gd", "init": 0.01,
            "seed": 3, "method": "autodiff", "checkpoint_every": None}
DEFAULT_ITERATIONS, DEFAULT_EPOCHS = 10000, 100
DEFAULT_LOG_EVERY = {"iteration": 100, "epoch": 1}


@dataclass
class Settings:
    data: str
    data_seed: int | None
    test_fraction: float
    split: str  # "stratified", or "random" (checkpoints from before splits were stratified)
    layers: list  # first and last entries may be "auto" (fresh runs only)
    hidden: str
    output: str | None  # None: from the data (sigmoid binary, softmax multi-class, linear regression)
    x64: bool
    lr: float
    optimizer: str
    init: object
    seed: int
    log_every: int
    method: str
    checkpoint_every: int | None
    batch_size: int | None  # None: full batch
    shuffle_seed: int | None  # minibatch only; the key comes from it (fresh) or the checkpoint (resumed)
    steps: int  # iterations (full batch) or epochs (minibatch) of this run
    reset_optimizer: bool = False

    @property
    def unit(self) -> str:
        return "epoch" if self.batch_size else "iteration"


def _steps(args, minibatch: bool) -> int:
    if minibatch:
        if args.iterations is not None:
            raise CliError("--iterations counts full-batch steps; a minibatch run (--batch-size) counts --epochs")
        return args.epochs if args.epochs is not None else DEFAULT_EPOCHS
    if args.epochs is not None:
        raise CliError("--epochs counts passes over the data in minibatches and needs --batch-size B; "
                       "full-batch training counts --iterations")
    return args.iterations if args.iterations is not None else DEFAULT_ITERATIONS


def resolve(args, meta: dict | None) -> Settings:
    """Settings for ``args`` (an argparse namespace of ``dnnjax train``); ``meta`` a checkpoint's."""
    if meta is None:
        if args.data is None:
            raise CliError("--data: required (one of flower, moons, circles, blobs, quantiles, houses, digits, cat) "
                           "unless --resume names a checkpoint")
        if args.reset_optimizer:
            raise CliError("--reset-optimizer: only with --resume (a fresh run starts its optimizer afresh anyway)")
        if args.shuffle_seed is not None and not args.batch_size:
            raise CliError("--shuffle-seed: only for minibatch runs (--batch-size B); full batch does not shuffle")
        pick = {k: getattr(args, k) if getattr(args, k) is not None else v for k, v in DEFAULTS.items()}
        unit = "epoch" if args.batch_size else "iteration"
        return Settings(data=args.data, data_seed=args.data_seed, test_fraction=args.test_fraction or 0.0,
                        split="stratified", output=args.output, x64=args.x64, batch_size=args.batch_size,
                        shuffle_seed=(args.shuffle_seed if args.shuffle_seed is not None else pick["seed"])
                        if args.batch_size else None, steps=_steps(args, bool(args.batch_size)),
                        log_every=args.log_every or DEFAULT_LOG_EVERY[unit], **pick)
    fixed = {"data": meta["data"], "data_seed": meta.get("data_seed"),
             "test_fraction": meta.get("test_fraction", 0.0), "hidden": meta["hidden"], "output": meta["output"],
             "batch_size": meta.get("batch_size"), "shuffle_seed": meta.get("shuffle_seed")}
    for key, value in fixed.items():
        given = getattr(args, key)
        if given is not None and given != value:
            flag = "--" + key.replace("_", "-")
            has = "full batch" if key in ("batch_size", "shuffle_seed") and value is None else value
            raise CliError(f"{flag} {given} contradicts the checkpoint given to --resume, which has {has}; "
                           f"leave {flag} out to continue with the checkpoint's")
    dims = list(meta["layer_dims"])
    if args.layers is not None:
        want = [dims[0] if n == "auto" and i == 0 else dims[-1] if n == "auto" else n
                for i, n in enumerate(args.layers)]
        if want != dims:
            raise CliError(f"--layers {','.join(map(str, args.layers))} contradicts the checkpoint given to "
                           f"--resume, which has {','.join(map(str, dims))}")
    x64 = args.x64 or meta["dtype"] == "float64"
    unit = "epoch" if fixed["batch_size"] else "iteration"
    inherit = {}
    for key in ("lr", "optimizer", "init", "seed", "log_every", "method", "checkpoint_every"):
        given = getattr(args, key)
        default = DEFAULT_LOG_EVERY[unit] if key == "log_every" else DEFAULTS[key]
        inherit[key] = given if given is not None else meta.get(key, default)
    if inherit["optimizer"] not in OPTIMIZERS:
        raise CliError(f"--resume: the checkpoint's optimizer {inherit['optimizer']!r} is not one of {list(OPTIMIZERS)}")
    old = meta.get("optimizer", "gd")
    changed = inherit["optimizer"] != old and not (old in STATELESS and inherit["optimizer"] in STATELESS)
    if changed and not args.reset_optimizer and "opt_state" in meta:
        raise CliError(f"--optimizer {inherit['optimizer']} contradicts the checkpoint given to --resume, which holds "
                       f"the state of {old}; leave --optimizer out to continue it, or add --reset-optimizer to start "
                       f"{inherit['optimizer']}'s state from zero")
    return Settings(layers=dims, x64=x64, split=meta.get("split", "random"), steps=_steps(args, bool(fixed["batch_size"])),
                    reset_optimizer=args.reset_optimizer, **fixed, **inherit)
