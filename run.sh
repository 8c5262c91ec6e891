#!/usr/bin/env bash
# The main job: set up, prepare tiny Shakespeare, train the `cpu` preset (10 minutes of wall clock on any machine;
# on a GPU the same budget trains it further), then print a sample from the trained model.
set -euo pipefail
cd "$(dirname "$0")"
bash tools/setup.sh
.venv/bin/chargpt_prepare --out_dir data/shakespeare_char
.venv/bin/chargpt_train --preset cpu --data_dir data/shakespeare_char --out_dir out-cpu --resume auto
.venv/bin/chargpt_sample --out_dir out-cpu --start "ROMEO:" --max_new_tokens 500
