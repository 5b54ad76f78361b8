"""``python -m dnnjax``: the ``dnnjax`` command (see :mod:`dnnjax.cli`)."""
from dnnjax.cli import main

if __name__ == "__main__":
    raise SystemExit(main())
