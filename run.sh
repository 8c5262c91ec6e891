#!/usr/bin/env bash
# The main job: set up, then prepare tiny Shakespeare into data/shakespeare_char.
set -euo pipefail
cd "$(dirname "$0")"
bash tools/setup.sh
.venv/bin/chargpt_prepare --out_dir data/shakespeare_char
