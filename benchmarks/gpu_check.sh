#!/usr/bin/env bash
# End-to-end check of the CUDA path on one GPU, each part time-boxed so that one
# slow part cannot hide the others:
#   1. the CUDA-only tests;
#   2. bench_scale.py on the GPU: sampling, scoring and the fused flows' training
#      step against the bare network on a million rows of 10 columns and on 100
#      columns, torch.compile of the network, of the flows and of the whole
#      training loss (compiled_training with CUDA graphs), and the growth
#      points of a million rows by 10 and by 100 columns;
#   3. the UNet on the digits in float32 and in bf16 autocast (gpu_digits.py);
#   4. with SUITE=1, the whole test suite with the default device='auto', which
#      is CUDA here (needs pytest-xdist), if time is left.
# The parts share BUDGET seconds (default 570); the last two get what is left.
#
# Usage, from the repository root with skbfn importable:
#   bash benchmarks/gpu_check.sh
# A dry run of the script itself on a machine without a GPU:
#   DEVICE=cpu DIGITS_STEPS=5 SCALE_ROWS=2000 GROWTH_ROWS=1000 STEP_COLUMNS= bash benchmarks/gpu_check.sh
set -uo pipefail
PYTHON="${PYTHON:-python}"
DEVICE="${DEVICE:-cuda}"
DIGITS_STEPS="${DIGITS_STEPS:-2000}"
SCALE_ROWS="${SCALE_ROWS:-1000000}"
GROWTH_ROWS="${GROWTH_ROWS:-1000000}"
SUITE="${SUITE:-0}"
STEP_COLUMNS="${STEP_COLUMNS-100}"
WORKERS="${WORKERS:-8}"
BUDGET="${BUDGET:-570}"
left() { local rest=$((BUDGET - SECONDS - $1)); echo $((rest > 10 ? rest : 10)); }

section() { printf '\n=== %s (%s)\n' "$1" "$(date -u +%H:%M:%S)"; }

section "machine"
"$PYTHON" - "$DEVICE" <<'PY'
import sys
import torch
if sys.argv[1] == "cuda" and not torch.cuda.is_available():
    raise SystemExit("gpu_check.sh needs a CUDA GPU: torch.cuda.is_available() is False.")
where = torch.cuda.get_device_name(0) if torch.cuda.is_available() else "no GPU"
print("device:", where, "| torch", torch.__version__)
PY
[ $? -eq 0 ] || exit 1

section "CUDA-only tests"
timeout 90 "$PYTHON" -m pytest -q -p no:cacheprovider tests/test_images.py tests/test_estimator.py \
    -k "cuda and not without_cuda"

section "bench_scale.py on $DEVICE"
# shellcheck disable=SC2086
timeout 330 "$PYTHON" benchmarks/bench_scale.py --device "$DEVICE" --rows "$SCALE_ROWS" --repeats 3 --compile \
    --step-columns $STEP_COLUMNS --growth --growth-rows $GROWTH_ROWS --growth-columns 10 100

section "UNet on the digits on $DEVICE"
timeout "$(left 10)" "$PYTHON" benchmarks/gpu_digits.py --device "$DEVICE" --steps "$DIGITS_STEPS"

if [ "$SUITE" = 1 ]; then
    section "the whole suite, device='auto'"
    timeout "$(left 0)" "$PYTHON" -m pytest -p no:cacheprovider -n "$WORKERS" -q -rfE
fi
section "done"
