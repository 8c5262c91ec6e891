"`chargpt_bench` refuses bad options with a one-line error and exit status 1, before measuring anything."
import os, subprocess, sys
from pathlib import Path

import pytest

BIN = Path(sys.executable).parent


@pytest.mark.parametrize('args, msg', [
    (['--parts', 'fly'], "unknown benchmark part(s) ['fly']; choose from train, sample, prepare"),
    (['--iters', 0], 'iters must be at least 1, got 0'),
    (['--batch_size', -3], 'batch_size must be at least 1, got -3'),
    (['--warmup', -1], 'warmup must not be negative, got -1'),
    (['--prepare_mb', 0], 'prepare_mb must be at least 1, got 0'),
    (['--device', 'tpu'], "device must be auto, cpu, mps, cuda or cuda:N, got 'tpu'"),
])
def test_bad_options(args, msg):
    r = subprocess.run([str(BIN/'chargpt_bench'), *map(str, args)], capture_output=True, text=True, timeout=120,
                       env=dict(os.environ, OMP_NUM_THREADS='1'))
    assert r.returncode == 1 and r.stdout == ''
    assert r.stderr.strip() == f'error: {msg}', r.stderr
