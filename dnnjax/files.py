"""Atomic file writes: a reader sees the old file or the whole new one, never a partial file.

:func:`atomic_write` writes through a temporary file in the target's folder, fsyncs it, gives it
the usual ``0666 & ~umask`` permissions (``mkstemp`` makes ``0600``) and ``os.replace``s it over
the target; on any failure (including KeyboardInterrupt) the temporary file is removed and an
existing target is left untouched. Checkpoints, plots and the CLI's JSON/CSV outputs use it.
"""
from __future__ import annotations

import os
import tempfile
from pathlib import Path
from typing import Callable, IO

__all__ = ["atomic_write", "umask"]


def umask() -> int:
    """The process umask, read without changing it where the platform allows."""
    try:
        with open("/proc/self/status", encoding="ascii") as fh:
            for line in fh:
                if line.startswith("Umask:"):
                    return int(line.split()[1], 8)
    except (OSError, ValueError):
        pass
    return 0o022


def atomic_write(path, write: Callable[[IO[bytes]], None], *, suffix: str = ".tmp") -> Path:
    """Call ``write(f)`` on a binary file object, then move the result to ``path``; returns ``Path(path)``.

    Raises OSError when the folder cannot hold the temporary file.
    """
    path = Path(path)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=suffix)
    try:
        with os.fdopen(fd, "wb") as f:
            write(f)
            f.flush()
            os.fsync(f.fileno())
        os.chmod(tmp, 0o666 & ~umask())
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.remove(tmp)
        raise
    try:  # make the rename itself durable; not possible everywhere (e.g. Windows)
        dir_fd = os.open(path.parent, os.O_RDONLY)
        try:
            os.fsync(dir_fd)
        finally:
            os.close(dir_fd)
    except OSError:
        pass
    return path
