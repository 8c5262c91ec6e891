#!/usr/bin/env bash
# The whole test suite: set up, check the package is in sync with the notebooks, run every notebook and test file.
set -euo pipefail
cd "$(dirname "$0")"
bash tools/setup.sh
export PATH="$PWD/.venv/bin:$PATH" MPLBACKEND=Agg
start=$(date +%s)
echo "== nbdev_export leaves the package unchanged"
nbdev_export
if [ -n "$(git status --porcelain -- chargpt_nb 2>/dev/null)" ]; then
  git status --porcelain -- chargpt_nb; echo "FAIL: chargpt_nb/ is out of sync with the notebooks: run nbdev_export and commit"; exit 1
fi
echo "== README.md is generated from nbs/index.ipynb"
python tools/readme.py --check
echo "== nbdev_test (every notebook)"
nbdev_test --do_print --timing --n_workers 1   # one at a time: two notebooks sharing 2 cores ran ~3-7x slower each
echo "== pytest (tests/)"
python -m pytest -q -rs tests   # -rs: say why a test was skipped (e.g. no Chromium)
echo "== all tests passed in $(( $(date +%s) - start ))s"
