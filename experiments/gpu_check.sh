#!/usr/bin/env bash
# GPU check (issue 13): on a machine with a CUDA GPU and JAX's CUDA plugin, run the device-relevant
# tests and the bench on the GPU (dnnjax vs PyTorch CUDA eager where torch sees the GPU), print the
# table. Under 8 minutes: tests <= TEST_S (default 180 s), bench <= BENCH_S (default 270 s).
#
#     experiments/gpu_check.sh            # from anywhere; output also in runs/gpu_check/
#
# Without a CUDA device (no nvidia-smi, or JAX sees no gpu) it prints why and exits 0 having run
# nothing on any device. Exit code: 0 when everything it ran passed (or nothing could run), else 1.
set -u
cd "$(dirname "$0")/.."
OUT=${GPU_CHECK_OUT:-runs/gpu_check}
TEST_S=${TEST_S:-180}
BENCH_S=${BENCH_S:-270}
PY=${PYTHON:-python3}

if ! command -v nvidia-smi >/dev/null 2>&1 || ! nvidia-smi -L >/dev/null 2>&1; then
    echo "gpu_check: no CUDA GPU here (nvidia-smi missing or lists no device): nothing run"
    exit 0
fi
if ! "$PY" -c "import jax; assert any(d.platform == 'gpu' for d in jax.devices())" >/dev/null 2>&1; then
    echo "gpu_check: nvidia-smi sees a GPU but JAX does not (install jax[cuda12] / the CUDA plugin): nothing run"
    exit 0
fi
"$PY" -c "import dnnjax" 2>/dev/null || "$PY" -m pip install -q --no-deps -e . || exit 1
mkdir -p "$OUT"
nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv,noheader | tee "$OUT/gpu.txt"
"$PY" -c "import jax; print('jax', jax.__version__, jax.devices())" | tee -a "$OUT/gpu.txt"

if "$PY" -c "import torch, sys; sys.exit(0 if torch.cuda.is_available() else 1)" >/dev/null 2>&1; then
    export BENCH_TORCH_DEVICE=cuda
    IMPLS=dnnjax,pytorch
else
    echo "gpu_check: torch missing or without CUDA: the bench runs dnnjax (and the NumPy reference) only"
    IMPLS=dnnjax
fi
export DNNJAX_NO_COMPILE_CACHE=1  # measure compiles, leave no cache behind

status=0
echo "== tests on the GPU (the device-relevant part, <= ${TEST_S} s)"
timeout "$TEST_S" "$PY" -m pytest -q -x -p no:cacheprovider \
    tests/test_core_api.py tests/test_train.py tests/test_gradients.py tests/test_narrow.py \
    tests/test_narrow_autodiff.py tests/test_sweep.py tests/test_dual.py tests/test_per_example.py \
    tests/test_parallel.py 2>&1 | tee "$OUT/tests.txt" | tail -25
[ "${PIPESTATUS[0]}" -eq 0 ] || { echo "gpu_check: tests FAILED or timed out (see $OUT/tests.txt)"; status=1; }

echo "== bench on the GPU (<= ${BENCH_S} s): planar, wide, cat-deep, the 64-model sweep"
timeout "$BENCH_S" "$PY" experiments/bench.py --reps 3 --impls "$IMPLS" --only planar,wide,cat-deep,sweep \
    --out "$OUT/bench.json" 2>&1 | tee "$OUT/bench.txt"
[ "${PIPESTATUS[0]}" -eq 0 ] || { echo "gpu_check: bench FAILED or timed out (see $OUT/bench.txt)"; status=1; }
echo "gpu_check: done (exit $status); files in $OUT"
exit $status
