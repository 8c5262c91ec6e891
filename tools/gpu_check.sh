#!/usr/bin/env bash
# The GPU check (issue 24), for a bare CUDA machine: PyTorch and Python there, but no internet and no nbdev or fastcore.
#
#   here, with the package registries:   bash tools/gpu_check.sh --prepare
#       fills .gpu/ (git-ignored): wheels of what chargpt_nb needs besides torch, for that machine's Python
#       (GPU_PY_VERSION, default 3.12), tiny Shakespeare, and nanoGPT from ../shared/reference/nanoGPT.
#   there (the device tool, carrying .gpu):   bash tools/gpu_check.sh
#       installs the wheels into a venv over the machine's own torch and runs tools/gpu_check.py: the seed config
#       trained until val <= 1.47 (the time it took), 500 sampled characters, and nanoGPT's own train.py and
#       sample.py on the same GPU. A table on stdout; the figures in $OUT/gpu_check.json (or .gpu/out).
#   GPU_CHECK_DEVICE=cpu GPU_CHECK_SMALL=1 bash tools/gpu_check.sh   runs the same steps, small, on a CPU (a check of the script).
set -euo pipefail
cd "$(dirname "$0")/.."
G=.gpu
NEEDS=('fastcore>=1.12.3,<1.13' 'fastprogress>=1.0.3' 'safetensors>=0.4' 'psutil>=5.9' 'numpy>=1.24' 'matplotlib>=3.7')
if [ "${1:-}" = --prepare ]; then
  V=${GPU_PY_VERSION:-3.12}
  rm -rf "$G/wheels" "$G/nanoGPT"; mkdir -p "$G/wheels" "$G/data"
  python3 -m pip download -q --disable-pip-version-check --only-binary=:all: --implementation cp --python-version "$V" \
    --platform manylinux_2_28_x86_64 --platform manylinux_2_17_x86_64 --platform manylinux2014_x86_64 \
    -d "$G/wheels" "${NEEDS[@]}"
  cp ../shared/data/tinyshakespeare.txt "$G/data/tinyshakespeare.txt"
  mkdir -p "$G/nanoGPT" && cp -r ../shared/reference/nanoGPT/{train.py,sample.py,model.py,configurator.py,config,data} "$G/nanoGPT/"
  echo "gpu_check: .gpu is ready ($(du -sh "$G" | cut -f1)) for Python $V: carry it to the GPU machine"
  exit 0
fi
PY=${PYTHON:-python3}
"$PY" -c 'import torch' 2>/dev/null || { echo "gpu_check: $PY has no torch" >&2; exit 1; }
[ -d "$G/wheels" ] || { echo "gpu_check: no $G/wheels here: run 'bash tools/gpu_check.sh --prepare' where the registries are, and carry .gpu" >&2; exit 1; }
VENV=${GPU_CHECK_VENV:-/tmp/gpu_check_venv}
[ -x "$VENV/bin/python" ] || "$PY" -m venv --system-site-packages "$VENV"
"$VENV/bin/python" -m pip install -q --disable-pip-version-check --no-index --find-links "$G/wheels" "${NEEDS[@]}"
PYTHONPATH="$PWD${PYTHONPATH:+:$PYTHONPATH}" exec "$VENV/bin/python" tools/gpu_check.py "$G" "${OUT:-$G/out}"
