"`chargpt_export` as a user runs it: both formats, and a one-line error for every bad input."
import os

import numpy as np
import torch

from conftest import run_main
from chargpt_nb.tool.models import AllLogits, load_model


def run(*args): return run_main('chargpt_export', *args)


def test_safetensors_and_onnx(tmp_path):
    import onnxruntime as ort
    a = run('--out_dir', 'shakespeare-cpu', '--to', tmp_path/'st')
    b = run('--out_dir', 'shakespeare-cpu', '--format', 'onnx', '--to', tmp_path/'onnx')
    assert a.returncode == b.returncode == 0, a.stderr + b.stderr
    assert sorted(os.listdir(tmp_path/'st')) == ['config.json', 'model.safetensors', 'vocab.json']
    assert sorted(os.listdir(tmp_path/'onnx')) == ['config.json', 'model.onnx', 'vocab.json']
    ref, _ = load_model('shakespeare-cpu')
    st, _ = load_model(tmp_path/'st')
    x = torch.randint(0, 65, (2, 50), generator=torch.Generator().manual_seed(0))
    with torch.no_grad(): want = AllLogits(ref)(x).numpy()
    with torch.no_grad(): assert np.array_equal(AllLogits(st)(x).numpy(), want)
    out, = ort.InferenceSession(str(tmp_path/'onnx'/'model.onnx'), providers=['CPUExecutionProvider']).run(None, {'idx': x.numpy()})
    assert np.abs(out - want).max() < 1e-4


def test_bad_input_is_one_line(tmp_path):
    (tmp_path/'a-file').write_text('x')
    cases = {('--model', tmp_path/'nowhere', '--to', tmp_path/'x'): 'no model at',
             ('--out_dir', 'shakespeare-cpu', '--format', 'tflite', '--to', tmp_path/'x'): "unknown format 'tflite'",
             ('--out_dir', 'shakespeare-cpu'): 'say where to write the export: --to FOLDER',
             ('--out_dir', 'shakespeare-cpu', '--to', tmp_path/'a-file'): 'exists and is not a folder',
             ('--out_dir', 'shakespeare-cpu', '--to', tmp_path/'a-file'/'sub'): 'could not write'}
    for args, msg in cases.items():
        r = run(*args)
        assert r.returncode == 1 and msg in r.stderr and r.stderr.count('\n') == 1 and not r.stdout, (args, r.stderr)
