#!/usr/bin/env bash
# Set up .venv with everything chargpt_nb needs; safe to run again (it only installs what is missing).
# Torch: a CUDA build where an NVIDIA GPU is visible, otherwise a CPU build (never the multi-GB CUDA wheel).
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PYTHON:-python3}
if [ ! -x .venv/bin/python ]; then
  echo "setup: creating .venv with $($PY --version)"
  "$PY" -m venv .venv
fi
VPY=.venv/bin/python
pip() { "$VPY" -m pip --disable-pip-version-check "$@" 2>&1 | grep -v -e 'is ignored: it is neither' -e '^$' || true; }
"$VPY" -c 'import sys; assert sys.version_info >= (3, 10), "chargpt_nb needs Python 3.10 or newer"'

has_torch() { "$VPY" -c 'import torch' >/dev/null 2>&1; }
if ! has_torch; then
  if command -v nvidia-smi >/dev/null 2>&1 && nvidia-smi -L >/dev/null 2>&1; then
    echo "setup: NVIDIA GPU found, installing CUDA torch"
    pip install "torch>=2.9"
  else
    echo "setup: no CUDA GPU, installing a CPU build of torch"
    # 1. a CPU wheel that pip can already see offline (a wheelhouse in pip's find-links), then its dependencies;
    # 2. otherwise PyTorch's CPU index (Linux/Windows); macOS wheels on PyPI are CPU builds already.
    if "$VPY" -m pip install -q --disable-pip-version-check --no-index --no-deps "torch>=2.9" >/dev/null 2>&1; then
      pip install -q "torch==$("$VPY" -c 'import importlib.metadata as m; print(m.version("torch"))')"
    elif [ "$(uname -s)" = Darwin ]; then
      pip install -q "torch>=2.9"
    else
      pip install -q "torch>=2.9" --index-url https://download.pytorch.org/whl/cpu --extra-index-url https://pypi.org/simple
    fi
  fi
fi
has_torch || { echo "setup: torch failed to install" >&2; exit 1; }

# The package itself (editable) with its dev tools; pip keeps the torch chosen above.
if ! "$VPY" -c 'import chargpt_nb, nbdev, jupyterlab, pytest, material, latex2mathml, playwright, safetensors, onnx, onnxscript, onnxruntime' >/dev/null 2>&1 || [ setup.py -nt .venv/.chargpt_installed ] || [ settings.ini -nt .venv/.chargpt_installed ]; then
  echo "setup: installing chargpt_nb and its dev tools"
  pip install -q -e ".[dev]"
  touch .venv/.chargpt_installed
fi

# Tests and CI use the shared copy of tiny Shakespeare when there is one (checksum verified, then cached).
if [ -f ../shared/data/tinyshakespeare.txt ]; then
  .venv/bin/python -c 'import sys; from chargpt_nb.tool.files import cache_text; cache_text(sys.argv[1])' ../shared/data/tinyshakespeare.txt
fi
echo "setup: ready ($("$VPY" -c 'import torch; print("torch", torch.__version__)'))"
