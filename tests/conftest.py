import os, sys, subprocess
from pathlib import Path
import pytest

BIN = Path(sys.executable).parent

def run_cli(name, *args, cwd=None, env=None, timeout=600):
    "Run a console script of this venv; returns CompletedProcess with text stdout/stderr."
    return subprocess.run([str(BIN/name), *map(str, args)], capture_output=True, text=True, cwd=cwd,
                          env={**os.environ, **(env or {})}, timeout=timeout)

@pytest.fixture(scope='session')
def shakespeare_dir(tmp_path_factory):
    "tiny Shakespeare prepared once per test session."
    from chargpt_nb.data import prepare
    d = tmp_path_factory.mktemp('shakespeare_char')
    prepare(out_dir=d)
    return d
