"""Test configuration in the spirit of Equinox's: strict promotion rules, explicit keys.

- ``jax_numpy_rank_promotion="raise"``: a (5,) vs (1, 5) mix-up fails loudly instead of
  broadcasting quietly, so the library itself must never rely on rank promotion.
- ``jax_numpy_dtype_promotion="strict"``: no silent float32 -> float64 mixing in library code.
- ``x64`` fixture: float64 inside the test (gradient checks, exact course reproduction).
"""
from __future__ import annotations

import os
from pathlib import Path

import jax
import numpy as np
import pytest

jax.config.update("jax_numpy_rank_promotion", "raise")
jax.config.update("jax_numpy_dtype_promotion", "strict")
os.environ.setdefault("DNNJAX_NO_COMPILE_CACHE", "1")  # entry points (cli.main, subprocesses) leave ~/.cache alone

REPO = Path(__file__).resolve().parents[1]


def _find_cat_dir() -> Path | None:
    candidates = [os.environ.get("DNNJAX_DATA_DIR", ""), REPO.parent / "shared" / "data" / "catvnoncat"]
    for c in candidates:
        if c and (Path(c) / "train_catvnoncat.h5").is_file():
            return Path(c)
    return None


CAT_DIR = _find_cat_dir()
needs_cat_data = pytest.mark.skipif(CAT_DIR is None, reason="cat/non-cat h5 files not found (set DNNJAX_DATA_DIR)")


def pytest_xdist_auto_num_workers(config):
    """``-n auto`` (pyproject.toml's addopts): xdist's one worker per CPU for a run of several
    files; none (the tests run in this process) for one file or test, where the extra workers
    would only start up."""
    files = {str(a).split("::")[0] for a in config.args}
    return 0 if len(files) == 1 and files.pop().endswith(".py") else None


@pytest.fixture
def x64():
    with jax.enable_x64(True):
        yield


@pytest.fixture(params=["float64", "float32"])
def prec(request):
    """(input dtype, rtol) for course-layer comparisons; float64 runs inside jax.enable_x64."""
    from helpers import RTOL32, RTOL64

    if request.param == "float64":
        with jax.enable_x64(True):
            yield np.float64, RTOL64
    else:
        yield np.float32, RTOL32


@pytest.fixture
def key():
    return jax.random.key(0)


@pytest.fixture
def cat_dir():
    if CAT_DIR is None:
        pytest.skip("cat/non-cat h5 files not found (set DNNJAX_DATA_DIR)")
    return CAT_DIR
