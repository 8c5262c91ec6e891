"The modern variants of 15 through the commands: train, resume, sample and export every variant with Muon, and refuse what does not fit."
import csv
from pathlib import Path

import numpy as np
import pytest
import torch

from conftest import run_main as cli
from chargpt_nb.tool.models import AllLogits, load_model
from chargpt_nb.modern import VARIANTS, ModernConfig

ALL = ','.join(VARIANTS)


@pytest.fixture
def data(shakespeare_dir): return shakespeare_dir


def val_losses(out_dir):
    with open(Path(out_dir)/'log.csv', newline='') as f: return [r['val_loss'] for r in csv.DictReader(f)]


def tiny(data, out, *args):
    return cli('chargpt_train', '--preset', 'tiny', '--data_dir', data, '--out_dir', out, '--variants', ALL,
               '--optimizer', 'muon', *args)


def test_train_resume_sample_export(data, tmp_path):
    whole, part = tmp_path/'whole', tmp_path/'part'
    r = tiny(data, whole, '--max_iters', 20)
    assert r.returncode == 0, r.stderr
    assert tiny(data, part, '--max_iters', 10).returncode == 0
    r = cli('chargpt_train', '--data_dir', data, '--out_dir', part, '--resume', '--max_iters', 20)   # config from the checkpoint
    assert r.returncode == 0, r.stderr
    assert val_losses(part) == val_losses(whole)            # Muon's and AdamW's states both restored exactly
    s = cli('chargpt_sample', '--out_dir', whole, '--start', 'ROMEO:', '--max_new_tokens', 40, '--seed', 3, '--dtype', 'float32')
    assert s.returncode == 0 and s.stdout.startswith('ROMEO:'), s.stderr
    for dtype in ('auto', 'bfloat16'):                      # the sampling precisions (int8 weights where the CPU has the kernel)
        q = cli('chargpt_sample', '--out_dir', whole, '--start', 'ROMEO:', '--max_new_tokens', 40, '--seed', 3, '--dtype', dtype)
        assert q.returncode == 0 and q.stdout.startswith('ROMEO:') and len(q.stdout) >= 46, (dtype, q.stderr)
    for fmt in ('safetensors', 'onnx'):
        e = cli('chargpt_export', '--out_dir', whole, '--format', fmt, '--to', tmp_path/fmt)
        assert e.returncode == 0, e.stderr
    s2 = cli('chargpt_sample', '--out_dir', tmp_path/'safetensors', '--start', 'ROMEO:', '--max_new_tokens', 40, '--seed', 3, '--dtype', 'float32')
    assert s2.stdout == s.stdout                            # the untied head is saved, not dropped as a tied copy
    import onnxruntime as ort
    ref, _ = load_model(whole)
    x = torch.randint(0, 65, (2, 32), generator=torch.Generator().manual_seed(0))
    with torch.no_grad(): want = AllLogits(ref)(x).numpy()
    out, = ort.InferenceSession(str(tmp_path/'onnx'/'model.onnx'), providers=['CPUExecutionProvider']).run(None, {'idx': x.numpy()})
    assert np.abs(out - want).max() < 1e-4


def test_refused_in_one_line(data, tmp_path):
    r = cli('chargpt_train', '--preset', 'tiny', '--data_dir', data, '--out_dir', tmp_path/'a', '--variants', 'rope,alibi')
    assert r.returncode == 1 and r.stderr.strip() == ("error: unknown variant 'alibi'; choose from " + ', '.join(VARIANTS) + ' (comma-separated)'), r.stderr
    r = cli('chargpt_train', '--preset', 'tiny', '--data_dir', data, '--out_dir', tmp_path/'a', '--optimizer', 'sgd')
    assert r.returncode == 1 and 'optimizer must be one of adamw, muon' in r.stderr and '\n' not in r.stderr.strip()
    assert tiny(data, tmp_path/'b', '--max_iters', 10).returncode == 0
    r = tiny(data, tmp_path/'b', '--max_iters', 20, '--resume', '--optimizer', 'adamw')
    assert r.returncode == 1 and 'it was trained with --optimizer muon, not adamw' in r.stderr, r.stderr
    r = tiny(data, tmp_path/'b', '--max_iters', 20, '--resume', '--variants', 'rope')
    assert r.returncode == 1 and "different shape (variants '" + ALL + "' -> 'rope')" in r.stderr, r.stderr
