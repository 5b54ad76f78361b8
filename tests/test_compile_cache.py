"""The persistent-compilation-cache switch (dnnjax.compile_cache): folder, env off, nothing on import.

Each check that turns the cache on runs in a fresh interpreter (the setting is process-global
in JAX) with XDG_CACHE_HOME pointing into tmp_path, so no test writes to the user's cache.
"""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from dnnjax import compile_cache

REPO = Path(__file__).resolve().parents[1]

PROBE = """
import json, sys
import jax, jax.numpy as jnp
import dnnjax
after_import = jax.config.jax_compilation_cache_dir
from dnnjax import compile_cache
first = compile_cache.enable()
second = compile_cache.enable()
jax.jit(lambda x: jnp.tanh(x) @ x.T + 1.0)(jnp.ones((64, 64))).block_until_ready()
print(json.dumps({"after_import": after_import, "first": None if first is None else str(first),
                  "second": None if second is None else str(second),
                  "config": jax.config.jax_compilation_cache_dir,
                  "min_secs": jax.config.jax_persistent_cache_min_compile_time_secs,
                  "min_bytes": jax.config.jax_persistent_cache_min_entry_size_bytes}))
"""


def probe(env_changes: dict) -> dict:
    env = {k: v for k, v in os.environ.items() if k not in ("DNNJAX_NO_COMPILE_CACHE", "XDG_CACHE_HOME")}
    env.update({k: v for k, v in env_changes.items() if v is not None})
    env["PYTHONPATH"] = str(REPO) + os.pathsep + env.get("PYTHONPATH", "")
    out = subprocess.run([sys.executable, "-c", PROBE], env=env, capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    return json.loads(out.stdout.strip().splitlines()[-1])


def test_import_sets_nothing_enable_uses_xdg_folder_and_is_idempotent(tmp_path):
    r = probe({"XDG_CACHE_HOME": str(tmp_path)})
    assert r["after_import"] is None  # importing dnnjax leaves JAX's config alone
    assert r["first"] == r["second"] == r["config"] == str(tmp_path / "dnnjax")
    assert r["min_secs"] == compile_cache.MIN_COMPILE_SECS  # every program is kept, however quick
    assert r["min_bytes"] == compile_cache.MIN_ENTRY_BYTES == -1  # and however small
    folder = tmp_path / "dnnjax"
    assert folder.is_dir() and (folder.stat().st_mode & 0o077) == 0  # private: the cache is trusted code


def test_env_variable_turns_it_off(tmp_path):
    r = probe({"XDG_CACHE_HOME": str(tmp_path), "DNNJAX_NO_COMPILE_CACHE": "1"})
    assert r["first"] is None and r["config"] is None
    assert not (tmp_path / "dnnjax").exists()


@pytest.mark.parametrize("value, off", [("1", True), ("yes", True), ("0", False), ("", False), ("false", False)])
def test_env_values(monkeypatch, value, off):
    monkeypatch.setenv("DNNJAX_NO_COMPILE_CACHE", value)
    assert compile_cache.disabled_by_env() is off


def test_folder_without_xdg_is_home_cache(monkeypatch, tmp_path):
    monkeypatch.delenv("XDG_CACHE_HOME", raising=False)
    monkeypatch.setenv("HOME", str(tmp_path))
    assert compile_cache.cache_dir() == tmp_path / ".cache" / "dnnjax"
    monkeypatch.setenv("XDG_CACHE_HOME", "")  # empty counts as unset (XDG spec)
    assert compile_cache.cache_dir() == tmp_path / ".cache" / "dnnjax"
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    assert compile_cache.cache_dir() == tmp_path / "xdg" / "dnnjax"


def test_the_suite_itself_runs_with_the_cache_off():
    assert compile_cache.disabled_by_env()  # conftest: cli.main and subprocess runs leave ~/.cache alone


def test_compile_log_has_one_row_per_program_and_stops_listening():
    import jax
    import jax.numpy as jnp

    from dnnjax.compile_report import CompileLog

    def my_program(x):
        return jnp.tanh(x) * 2.0

    f = jax.jit(my_program)
    x3, x4, x5 = jnp.ones((3,)), jnp.ones((4,)), jnp.ones((5,))
    with CompileLog() as log:
        f(x3).block_until_ready()
        f(x3).block_until_ready()  # same shape: no second trace or compile
        f(x4).block_until_ready()  # new shape: one more
    row = log.programs["my_program"]
    assert (row.traces, row.compiles, row.cache_hits) == (2, 2, 0)
    assert row.compile_s > 0 and row.trace_s > 0
    assert "my_program" in log.table() and "programs compiled" in log.table()
    jax.jit(lambda x: x + 1)(x5).block_until_ready()  # after the block: not recorded
    assert set(log.programs) == {"my_program"}


def test_cli_verbose_prints_the_compile_table_on_stderr(capsys):
    from dnnjax.cli import main

    assert main(["gradcheck", "--layers", "3,2,1", "--verbose"]) == 0
    err = capsys.readouterr().err
    assert "programs compiled" in err and "compile s" in err


def test_a_second_run_loads_every_program_from_the_cache(tmp_path):
    """Two `dnnjax gradcheck --verbose` processes on one cache folder: the second compiles nothing."""
    import re

    env = {k: v for k, v in os.environ.items() if k != "DNNJAX_NO_COMPILE_CACHE"}
    env.update(XDG_CACHE_HOME=str(tmp_path), PYTHONPATH=str(REPO) + os.pathsep + env.get("PYTHONPATH", ""))
    totals = []
    for _ in range(2):
        out = subprocess.run([sys.executable, "-m", "dnnjax", "gradcheck", "--layers", "3,2,1", "--verbose"],
                             env=env, capture_output=True, text=True, timeout=180)
        assert out.returncode == 0, out.stderr
        n, hits = re.search(r"(\d+) programs compiled \((\d+) loaded from the persistent cache\)", out.stderr).groups()
        totals.append((int(n), int(hits)))
    (n1, hits1), (n2, hits2) = totals
    assert n1 > 0 and hits1 == 0  # a clean cache: everything compiled
    assert n2 == n1 and hits2 == n2  # the same programs, every one a cache load


def test_the_command_freezes_the_collector_at_exit_a_caller_does_not(monkeypatch):
    import atexit
    import gc

    from dnnjax import cli

    registered, frozen = [], []
    monkeypatch.setattr(atexit, "register", lambda fn, *a, **k: registered.append(fn))
    monkeypatch.setattr(gc, "freeze", lambda: frozen.append(True))  # not this test process's collector
    assert cli.main(["gradcheck", "--help"]) == 0  # a caller's main([...]): its process, its collector
    assert registered == [] and frozen == []
    monkeypatch.setattr(sys, "argv", ["dnnjax", "gradcheck", "--help"])
    assert cli.main() == 0  # the command itself (console script, python -m dnnjax)
    assert registered == [gc.freeze] and frozen == [True]  # after the imports, and at exit
