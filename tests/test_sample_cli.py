"`chargpt_sample` as a user runs it: streaming, reproducibility, and a one-line error for every bad input."
import os, subprocess, sys
from pathlib import Path

import pytest
import torch

from conftest import one_line_error, run_main as run
from chargpt_nb.tool.checkpoint import CKPT_NAME


@pytest.fixture(scope='module')
def ckpt_dir(tmp_path_factory, shakespeare_dir):
    "A checkpoint of the tiny preset, trained for a few seconds."
    root = tmp_path_factory.mktemp('sample')
    r = run('chargpt_train', '--preset', 'tiny', '--data_dir', shakespeare_dir, '--out_dir', root/'out', '--device', 'cpu')
    assert r.returncode == 0, r.stderr
    return root/'out'


def test_same_seed_same_text(ckpt_dir):
    a = run('chargpt_sample', '--out_dir', ckpt_dir, '--start', 'ROMEO:', '--max_new_tokens', 80, '--seed', 3)
    b = run('chargpt_sample', '--out_dir', ckpt_dir, '--start', 'ROMEO:', '--max_new_tokens', 80, '--seed', 3, '--no_stream')
    c = run('chargpt_sample', '--out_dir', ckpt_dir, '--start', 'ROMEO:', '--max_new_tokens', 80, '--seed', 4)
    assert a.returncode == b.returncode == c.returncode == 0, a.stderr + b.stderr + c.stderr
    assert a.stdout == b.stdout and a.stdout.startswith('ROMEO:') and len(a.stdout) == len('ROMEO:') + 80 + 1
    assert c.stdout != a.stdout


def test_several_samples_and_prompt_file(ckpt_dir, tmp_path):
    (tmp_path/'prompt.txt').write_text('JULIET:\n')
    r = run('chargpt_sample', '--out_dir', ckpt_dir/CKPT_NAME, '--start', f'FILE:{tmp_path/"prompt.txt"}',
            '--num_samples', 3, '--max_new_tokens', 40, '--temperature', 0)
    assert r.returncode == 0, r.stderr
    assert r.stdout.endswith('\n')
    samples = r.stdout[:-1].split('\n' + '-' * 40 + '\n')
    assert len(samples) == 3 and all(s.startswith('JULIET:\n') for s in samples)
    assert samples[0] == samples[1] == samples[2]  # temperature 0 is greedy: every sample is the same


def test_degenerate_settings_still_sample(ckpt_dir):
    "A vanishing temperature or top_p leaves only the likeliest character: greedy text, no traceback."
    runs = [run('chargpt_sample', '--out_dir', ckpt_dir, '--start', 'ROMEO:', '--max_new_tokens', 40, *a)
            for a in ([], ['--temperature', 0], ['--temperature', '1e-45'], ['--temperature', '1e-300'], ['--top_p', '1e-300'])]
    assert all(r.returncode == 0 for r in runs), [r.stderr for r in runs]
    assert runs[1].stdout == runs[2].stdout == runs[3].stdout == runs[4].stdout


def test_shipped_model_by_name_and_folder(tmp_path, monkeypatch):
    "The model shipped in the package samples by its name, from anywhere, and from its folder; a damaged copy is one line."
    from chargpt_nb.tool.models import PRETRAINED
    monkeypatch.chdir(tmp_path)
    a = run('chargpt_sample', '--out_dir', 'shakespeare-cpu', '--start', 'ROMEO:', '--max_new_tokens', '60', '--seed', '1', '--dtype', 'float32')
    b = run('chargpt_sample', '--out_dir', PRETRAINED/'shakespeare-cpu', '--start', 'ROMEO:', '--max_new_tokens', 60,
            '--seed', 1, '--dtype', 'float32')
    assert a.returncode == b.returncode == 0, a.stderr + b.stderr
    assert a.stdout == b.stdout and a.stdout.startswith('ROMEO:') and len(a.stdout) == len('ROMEO:') + 60 + 1
    import shutil
    shutil.copytree(PRETRAINED/'shakespeare-cpu', tmp_path/'copy')
    (tmp_path/'copy'/'vocab.json').write_text('{"vocab": ["a", "b"]}')
    r = run('chargpt_sample', '--out_dir', tmp_path/'copy')
    assert r.returncode == 1 and r.stderr.count('\n') == 1 and 'has 2 characters but the model was built for 65' in r.stderr, r.stderr


@pytest.mark.parametrize('dtype', ['float32', 'bfloat16', 'int8'])
def test_every_cpu_precision(ckpt_dir, dtype):
    r = run('chargpt_sample', '--out_dir', ckpt_dir, '--start', 'ROMEO:', '--max_new_tokens', 30, '--num_samples', 2,
            '--device', 'cpu', '--dtype', dtype, '--no_stream')
    assert r.returncode == 0, r.stderr
    samples = r.stdout[:-1].split('\n' + '-' * 40 + '\n')
    assert [len(s) for s in samples] == [len('ROMEO:') + 30] * 2 and all(s.startswith('ROMEO:') for s in samples)


def _bad_files(d):
    good = (d/'good.pt')
    (d/'truncated.pt').write_bytes(good.read_bytes()[:good.stat().st_size // 2])
    (d/'random.pt').write_bytes(os.urandom(4096))
    (d/'empty.pt').write_bytes(b'')
    torch.save({'weights': torch.zeros(3)}, d/'other.pt')
    ck = torch.load(good, weights_only=True); ck['format_version'] = 999; torch.save(ck, d/'future.pt')


@pytest.mark.parametrize('args, msg', [
    (['--start', 'Ça va?'], "not in the vocabulary: 'Ç'"),
    (['--start', 'FILE:{tmp}/empty.txt'], 'is empty'),
    (['--start', 'FILE:{tmp}/nowhere.txt'], 'no such file'),
    (['--temperature', -1], 'temperature must be >= 0'),
    (['--temperature', 'inf'], 'temperature must be >= 0 and finite'),
    (['--seed', -1], 'seed must be an integer in [0, 2**63), got -1'),
    (['--seed', 2**63], 'seed must be an integer in [0, 2**63)'),
    (['--top_k', 0], 'top_k must be an integer >= 1'),
    (['--top_p', 0], 'top_p must be in (0, 1]'),
    (['--top_p', 1.5], 'top_p must be in (0, 1]'),
    (['--max_new_tokens', -1], 'max_new_tokens must be an integer >= 0'),
    (['--num_samples', 0], 'num_samples must be an integer >= 1'),
    (['--dtype', 'fp8'], 'dtype must be one of'),
    (['--device', 'tpu'], "device must be auto, cpu, mps, cuda or cuda:N, got 'tpu'"),
    (['--model', '{tmp}/missing'], 'no model at'),
    (['--model', '{tmp}/truncated.pt'], 'truncated or corrupt'),
    (['--model', '{tmp}/random.pt'], 'corrupt'),
    (['--model', '{tmp}/empty.pt'], 'is empty'),
    (['--model', '{tmp}/other.pt'], 'not a chargpt_nb checkpoint'),
    (['--out_dir', '{tmp}/future.pt'], 'format version 999'),
])
def test_bad_input(ckpt_dir, tmp_path, args, msg):
    (tmp_path/'good.pt').write_bytes((ckpt_dir/CKPT_NAME).read_bytes())
    (tmp_path/'empty.txt').write_text('')
    _bad_files(tmp_path)
    args = [str(a).format(tmp=tmp_path) for a in args]
    if '--out_dir' not in args and '--model' not in args: args = ['--model', ckpt_dir, *args]
    one_line_error(run('chargpt_sample', *args), msg)


def test_commands_do_not_load_pyplot():
    "Start-up: importing the commands (and the lesson modules under them) leaves matplotlib.pyplot unloaded until a plot is drawn."
    code = ('import sys, chargpt_nb.tool.cli, chargpt_nb.tool.runner, chargpt_nb.modern, chargpt_nb.sample, chargpt_nb.overview; '
            'print("matplotlib.pyplot" in sys.modules)')
    out = subprocess.run([sys.executable, '-c', code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == 'False', out.stdout + out.stderr


def test_sampling_does_not_load_the_runner():
    "Start-up: the commands' module leaves the training runner (and its progress bar, fastprogress) for chargpt_train to import."
    code = 'import sys, chargpt_nb.tool.cli; print(sorted(m for m in ("chargpt_nb.tool.runner", "fastprogress") if m in sys.modules))'
    out = subprocess.run([sys.executable, '-c', code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == '[]', out.stdout + out.stderr
