"""The subcommands of the ``dnnjax`` command line (see :mod:`dnnjax.cli`).

Each module defines ``add_parser(subparsers)`` (its flags) and ``run(args) -> int`` (its exit
code): ``train`` (fit a network on a named data set, checkpoint it, resume from a checkpoint),
``gradcheck`` (manual vs autodiff vs finite differences on random data) and ``predict`` (use a
checkpoint). ``demo`` lives in :mod:`dnnjax.demo`; the helpers they share in :mod:`.common`.
"""
