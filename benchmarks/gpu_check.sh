#!/usr/bin/env bash
# The lab on a GPU in one command (at most 8 minutes on one H100-class GPU):
#
#   bash benchmarks/gpu_check.sh OUTDIR                   # on the GPU machine
#   bash benchmarks/gpu_check.sh OUTDIR --device cpu --tiny   # toy sizes on a CPU, to debug the script first
#
# Runs `lab run smoke` on the device, the throughput/MFU table in fp32 and bf16 against the
# matrix-multiply peak measured in the same run, batched against sequential training, torch.compile
# against eager, the fixed cost of a step, and a slice of the `gpu` preset with the full preset's
# projected time; everything goes to OUTDIR/gpu_check.json (see benchmarks/gpu_check.py).
set -euo pipefail
if [[ $# -lt 1 || "$1" == -* ]]; then
    echo "usage: $0 OUTDIR [--device cuda|cpu] [--tiny]" >&2
    exit 2
fi
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
python="${PYTHON:-$here/../.venv/bin/python}"
[[ -x "$python" ]] || python="$(command -v python3)"
export OMP_WAIT_POLICY=PASSIVE  # idle OpenMP threads must not spin (CPU runs)
# 480 s: the whole check must leave time on an 8-minute slot; SIGINT first so that the JSON written so far stays
exec timeout --signal=INT --kill-after=20 "${GPU_CHECK_TIMEOUT:-480}" "$python" "$here/gpu_check.py" "$@"
