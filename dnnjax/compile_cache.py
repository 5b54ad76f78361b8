"""JAX's persistent compilation cache in the user's cache folder, for the entry points.

A second ``dnnjax demo`` (or experiment, or lesson) loads its compiled programs from disk instead
of compiling them again. Importing :mod:`dnnjax` sets nothing global: only the entry points (the
``dnnjax`` command, ``experiments/*.py``, the lessons) call :func:`enable`; a library user who
wants the cache calls it too, or sets JAX's own ``jax_compilation_cache_dir``.

    folder   ``$XDG_CACHE_HOME/dnnjax``, or ``~/.cache/dnnjax`` when XDG_CACHE_HOME is unset/empty
    off      ``DNNJAX_NO_COMPILE_CACHE=1`` (any value but "", "0", "false", "no")
    kept     a folder already set through ``jax_compilation_cache_dir`` is left as it is

The cache is trusted code (JAX's warning): the folder is created private to the user (0700).
"""
from __future__ import annotations

import os
import warnings
from pathlib import Path

import jax

ENV_OFF = "DNNJAX_NO_COMPILE_CACHE"

# JAX caches only programs that took >= 1 s to compile by default; the course's programs compile
# in 0.01-2 s each and `dnnjax demo` has 67 of them, so all are kept: a second demo with a 0.05 s
# floor still compiled 47 small programs (4.3 s in all, vs 2.9 s with every program cached;
# the cache holds 67 entries, 0.6 MB).
MIN_COMPILE_SECS = 0.0
# and every size: JAX's docs (persistent compilation cache, quick start) set -1, "no size
# restriction"; its default 0 lets JAX pick a floor per file system (0 on a local disk today).
MIN_ENTRY_BYTES = -1


def disabled_by_env() -> bool:
    """True when ``DNNJAX_NO_COMPILE_CACHE`` asks for no cache."""
    return os.environ.get(ENV_OFF, "").strip().lower() not in ("", "0", "false", "no")


def cache_dir() -> Path:
    """The folder the cache goes to: ``$XDG_CACHE_HOME/dnnjax`` or ``~/.cache/dnnjax``."""
    base = os.environ.get("XDG_CACHE_HOME", "").strip()
    root = Path(base) if base else Path.home() / ".cache"
    return root / "dnnjax"


def enable() -> Path | None:
    """Turn on JAX's persistent compilation cache; returns the folder in use, or None when off.

    Idempotent: a second call changes nothing. Off when ``DNNJAX_NO_COMPILE_CACHE`` is set. A
    folder the user already chose through JAX's config is kept. A folder that cannot be created
    gives a warning and no cache (a run never fails for want of a cache).
    """
    if disabled_by_env():
        return None
    current = jax.config.jax_compilation_cache_dir
    if current:
        return Path(current)
    folder = cache_dir()
    try:
        folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    except OSError as err:
        warnings.warn(f"dnnjax: no compilation cache ({folder}: {err})", RuntimeWarning, stacklevel=2)
        return None
    jax.config.update("jax_persistent_cache_min_compile_time_secs", MIN_COMPILE_SECS)
    if jax.config.jax_persistent_cache_min_entry_size_bytes == 0:  # a size the user set is kept
        jax.config.update("jax_persistent_cache_min_entry_size_bytes", MIN_ENTRY_BYTES)
    jax.config.update("jax_compilation_cache_dir", str(folder))
    return folder
