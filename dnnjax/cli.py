"""The ``dnnjax`` command: ``demo``, ``train``, ``gradcheck``, ``predict``, ``check``.

    dnnjax demo [--out DIR] [--x64]                       the course's planar models, no downloads
    dnnjax train --data flower --layers 2,4,1 --hidden tanh --lr 1.2 --iterations 10000
    dnnjax train --resume runs/train-flower-.../checkpoint.npz --iterations 5000
    dnnjax train --data digits --optimizer adam --lr 0.003 --batch-size 32 --epochs 40 --test-fraction 0.2
    dnnjax gradcheck --layers 4,5,3,1 --hidden relu --output sigmoid      (float64; --float32 to compare)
    dnnjax predict --checkpoint runs/train-flower-.../checkpoint.npz
    dnnjax check my_solution.ipynb                        a learner's own week 2/3/4 code, function by function

``main(argv)`` returns the exit code (the console script and ``python -m dnnjax`` pass it to
``sys.exit``): 0 on success, 1 for a failed gradient check, 2 for any usage or input error, which
is reported as one ``dnnjax: error: ...`` line on stderr without a traceback (bad flags, missing
data, unreadable checkpoints, any :class:`dnnjax.errors.DnnjaxError` or ``OSError``). Anything
else is a bug and keeps its traceback.

Run as the command (``argv=None``), it freezes the garbage collector (``gc.freeze``) after the
imports and again at exit: the interpreter's last collections would walk every object jax and
matplotlib made, 0.5-0.7 s of a second ``dnnjax demo``, for memory the OS takes back anyway, and
the full collections during the run would walk the imported modules each time. A caller's
``main([...])`` does neither.
"""
from __future__ import annotations

import argparse
import atexit
import contextlib
import gc
import os
import sys

from dnnjax import __version__, compile_cache, demo
from dnnjax.commands import check, gradcheck, predict, train
from dnnjax.compile_report import CompileLog
from dnnjax.errors import DnnjaxError

USAGE_ERROR = 2


class _Parser(argparse.ArgumentParser):
    """argparse with a one-line error (no usage dump) that points to ``--help``."""

    def error(self, message: str):
        self.exit(USAGE_ERROR, f"dnnjax: error: {message} (see '{self.prog} --help')\n")


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="dnnjax", description="Course 1 of the Deep Learning Specialization in JAX: "
                                                "train, check and use fully-connected networks.")
    parser.add_argument("--version", action="version", version=f"dnnjax {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for module in (demo, train, gradcheck, predict, check):
        module.add_parser(sub)
    for command in sub.choices.values():  # every command: --verbose after the command's name
        if "--verbose" not in command._option_string_actions:
            command.add_argument("--verbose", action="store_true",
                                 help="print trace / lower / compile seconds per compiled program (stderr)")
    return parser


def _one_line(error: BaseException) -> str:
    return " ".join(str(error).split()) or type(error).__name__


def main(argv=None) -> int:
    """Run the command line ``argv`` (default ``sys.argv[1:]``); return the exit code."""
    if argv is None:  # the command itself (console script, python -m dnnjax), not a caller's main([...])
        gc.freeze()  # what the imports made lives until exit: later collections need not walk it
        atexit.register(gc.freeze)
    parser = build_parser()
    try:
        try:
            args = parser.parse_args(argv)
        except SystemExit as stop:  # --help, --version, or a usage error already printed
            return stop.code if isinstance(stop.code, int) else (0 if stop.code is None else USAGE_ERROR)
        compile_cache.enable()  # a second run loads its programs from disk (DNNJAX_NO_COMPILE_CACHE=1: off)
        if not getattr(args, "verbose", False):
            return args.func(args)
        with CompileLog() as log:
            try:
                return args.func(args)
            finally:
                print(log.table(), file=sys.stderr)
    except BrokenPipeError:  # stdout closed early (e.g. `dnnjax demo | head`): stop quietly
        with contextlib.suppress(OSError, ValueError):
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 1
    except (DnnjaxError, OSError) as error:
        print(f"dnnjax: error: {_one_line(error)}", file=sys.stderr)
        return USAGE_ERROR
    except KeyboardInterrupt:
        print("dnnjax: interrupted", file=sys.stderr)
        return 130
