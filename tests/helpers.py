"""Helpers shared by several test files (import as ``from helpers import ...``)."""
from __future__ import annotations

import numpy as np

from dnnjax.cli import main

# course-layer comparisons with an independent NumPy transcription:
# float64: same formulas, only summation order differs -> 1e-12; float32: ~1e-7 rounding per op -> 1e-5;
# training loops over a few hundred iterations in float64 -> 1e-10
RTOL64, RTOL32, RTOL_TRAIN = 1e-12, 1e-5, 1e-10


def close(actual, expected, rtol):
    """Shapes equal and values within ``rtol`` (plus ``rtol * max|expected|`` for entries summed near 0)."""
    actual, expected = np.asarray(actual, np.float64), np.asarray(expected, np.float64)
    assert actual.shape == expected.shape
    np.testing.assert_allclose(actual, expected, rtol=rtol, atol=rtol * np.max(np.abs(expected)))


def run_cli(capsys, *argv):
    """``dnnjax.cli.main`` in-process: ``(exit code, stdout, stderr)``."""
    rc = main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return rc, out, err


def assert_one_line_error(rc, err, *needles):
    """A CLI error: exit code 2, one ``dnnjax: error:`` line holding every needle, no traceback."""
    lines = err.strip().splitlines()
    assert rc == 2, err
    assert len(lines) == 1 and lines[0].startswith("dnnjax: error: "), err
    assert "Traceback" not in err
    for needle in needles:
        assert needle in lines[0], lines[0]
