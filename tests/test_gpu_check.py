"""experiments/gpu_check.sh runs nothing without a CUDA GPU (checked with stand-ins for
nvidia-smi and python, so this test never touches a real device)."""
import os
import shutil
import subprocess
from pathlib import Path

import pytest

SCRIPT = Path(__file__).resolve().parents[1] / "experiments" / "gpu_check.sh"


def fake_bin(tmp_path, nvidia_rc):
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    for tool in ("dirname", "bash", "env"):
        shutil.copy(shutil.which(tool), bin_dir / tool)
    smi = bin_dir / "nvidia-smi"
    smi.write_text(f"#!/bin/sh\nexit {nvidia_rc}\n")
    smi.chmod(0o755)
    py = bin_dir / "fake-python"
    py.write_text("#!/bin/sh\necho ran >> \"$(dirname \"$0\")/python-calls\"\nexit 1\n")
    py.chmod(0o755)
    return bin_dir


@pytest.mark.parametrize("nvidia_rc, says", [(1, "no CUDA GPU here"), (0, "JAX does not")])
def test_without_a_gpu_it_runs_nothing_and_exits_0(tmp_path, nvidia_rc, says):
    bin_dir = fake_bin(tmp_path, nvidia_rc)
    env = {"PATH": str(bin_dir), "PYTHON": str(bin_dir / "fake-python"), "GPU_CHECK_OUT": str(tmp_path / "out")}
    out = subprocess.run([str(bin_dir / "bash"), str(SCRIPT)], env=env, capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    assert says in out.stdout and "nothing run" in out.stdout
    calls = (bin_dir / "python-calls").read_text().split() if (bin_dir / "python-calls").exists() else []
    assert len(calls) == (0 if nvidia_rc else 1)  # only the "does JAX see a gpu" probe, never the tests or bench
    assert not (tmp_path / "out").exists()
