"`chargpt_bench`: bad options get a one-line error and exit status 1 before anything is measured; `--nanogpt` runs nanoGPT's own scripts beside ours."
import json, math, os, subprocess, sys
from pathlib import Path

import pytest

from conftest import BIN, run_main


@pytest.mark.parametrize('args, msg', [
    (['--parts', 'fly'], "unknown benchmark part(s) ['fly']; choose from train, sample, prepare"),
    (['--iters', 0], 'iters must be at least 1, got 0'),
    (['--batch_size', -3], 'batch_size must be at least 1, got -3'),
    (['--warmup', -1], 'warmup must not be negative, got -1'),
    (['--prepare_mb', 0], 'prepare_mb must be at least 1, got 0'),
    (['--device', 'tpu'], "device must be auto, cpu, mps, cuda or cuda:N, got 'tpu'"),
])
def test_bad_options(args, msg):
    r = run_main('chargpt_bench', *args)
    assert r.returncode == 1 and r.stdout == ''
    assert r.stderr.strip() == f'error: {msg}', r.stderr


NANOGPT = Path(__file__).resolve().parents[2]/'shared'/'reference'/'nanoGPT'   # ../shared beside the repository


def test_not_a_nanogpt_checkout(tmp_path):
    r = run_main('chargpt_bench', '--nanogpt', tmp_path)
    assert r.returncode == 1 and r.stdout == ''
    assert r.stderr.startswith('error: ') and 'is not a nanoGPT checkout' in r.stderr, r.stderr


@pytest.mark.skipif(not NANOGPT.is_dir(), reason=f'no nanoGPT checkout at {NANOGPT} (../shared/reference/nanoGPT beside the repository)')
def test_side_by_side_tiny():
    "nanoGPT's own train.py and sample.py run beside ours on the tiny preset; every figure is read back."
    r = subprocess.run([str(BIN/'chargpt_bench'), '--nanogpt', str(NANOGPT), '--quick', '--preset', 'tiny',
                        '--sample_tokens', '100', '--json'], capture_output=True, text=True, timeout=600)
    assert r.returncode == 0, r.stderr
    res = json.loads(r.stdout)
    train, sample = res['train'], res['sample']
    assert [row['who'] for row in train] == ['nanoGPT train.py', '+ chunked passes (default)']
    assert [row['steps'] for row in train] == [2, 2]                       # nanoGPT's first iteration is left out
    assert train[0]['vs_nanogpt'] == 1.0 and all(row['ms_per_iter'] > 0 and row['tokens_per_s'] > 0 for row in train)
    assert sample[0]['who'] == 'nanoGPT sample.py' and sample[1]['chars_per_s'] > 0
    nano = sample[0]['chars_per_s']                  # NaN when start-up noise swamps the sampling time
    assert nano > 0 or math.isnan(nano)
    assert 'tiny model, batch' in res['setting']
