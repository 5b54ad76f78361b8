"""Every lesson in experiments/lessons/ runs top to bottom in quick mode, so the lessons cannot rot.

Each lesson checks its own claims with asserts (an AssertionError fails the test) and must write
at least one PNG into ``--out``. They run in this process with ``runpy`` under the test suite's
strict JAX settings (conftest.py: rank promotion raises, strict dtype promotion), so a lesson
that relies on a silent broadcast fails here too. ``DNNJAX_NO_COMPILE_CACHE=1`` keeps the
lessons' ``dnnjax.compile_cache.enable()`` from switching on JAX's persistent cache (a global
setting) for the rest of the test session.
"""
from __future__ import annotations

import runpy
import sys
from pathlib import Path

import matplotlib.pyplot as plt
import pytest

LESSONS_DIR = Path(__file__).resolve().parents[1] / "experiments" / "lessons"
LESSONS = sorted(LESSONS_DIR.glob("[0-9][0-9]_*.py"))


def test_lessons_found():
    assert len(LESSONS) >= 9, [p.name for p in LESSONS]


@pytest.mark.parametrize("path", LESSONS, ids=[p.stem for p in LESSONS])
def test_lesson_is_a_percent_notebook(path):
    """jupytext's percent format: a markdown title cell "Lesson N: ..." first, then text and code cells."""
    text = path.read_text()
    number = int(path.name[:2])
    assert text.startswith(f"# %% [markdown]\n# # Lesson {number}: "), text[:80]
    cells = text.split("\n# %%")
    markdown = [c for c in cells if c.lstrip("# %").startswith("[markdown]")]
    assert len(markdown) >= 3 and len(cells) - len(markdown) >= 3, (len(cells), len(markdown))
    assert all(line.startswith("#") or not line.strip() for c in markdown for line in c.splitlines()[1:])


@pytest.mark.parametrize("path", LESSONS, ids=[p.stem for p in LESSONS])
def test_lesson_runs(path, tmp_path, monkeypatch, capsys):
    monkeypatch.syspath_prepend(str(LESSONS_DIR))  # for `from _lesson import ...`, as when run as a script
    monkeypatch.setenv("DNNJAX_NO_COMPILE_CACHE", "1")
    # "-f kernel.json" is what Jupyter's kernel passes: a lesson must ignore what it does not know
    monkeypatch.setattr(sys, "argv", [str(path), "--quick", "--out", str(tmp_path), "-f", "kernel.json"])
    runpy.run_path(str(path), run_name="__main__")
    plt.close("all")
    pngs = sorted(tmp_path.glob("*.png"))
    assert pngs, f"{path.name} wrote no figure"
    assert all(p.stat().st_size > 5000 for p in pngs), [(p.name, p.stat().st_size) for p in pngs]
    printed = capsys.readouterr().out
    assert all(f"figure: {p}" in printed for p in pngs)  # each figure announced to the learner
