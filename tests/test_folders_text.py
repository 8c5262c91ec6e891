"""Where a careless user still broke it (issue 26): which model a folder means, text in any locale and any bytes,
defaults resolved in order, bounds on what can be asked for, and the Python API's promises."""
import io, json, os, shutil, subprocess, sys
from pathlib import Path
from unittest import mock

import pytest
import torch

from chargpt_nb.data import ChargptError
from chargpt_nb.tool.checkpoint import CKPT_NAME
from chargpt_nb.tool.cli import config_from_args
from chargpt_nb.tool.config import PRESETS, TrainConfig
from chargpt_nb.tool.files import prepare
from chargpt_nb.tool.models import export_model, load_model
from chargpt_nb.tool.preflight import resume_or_new
from conftest import ENV, one_line_error, run_main

TINY = ('--preset', 'tiny', '--max_iters', '4', '--eval_interval', '2', '--eval_iters', '1', '--device', 'cpu')


@pytest.fixture(scope='module')
def run_dir(shakespeare_dir, tmp_path_factory):
    "A finished tiny training run (its folder: ckpt.pt, log.csv, loss.png)."
    d = tmp_path_factory.mktemp('run')/'run'
    r = run_main('chargpt_train', *TINY, '--data_dir', shakespeare_dir, '--out_dir', d)
    assert r.returncode == 0, r.stderr
    return d


def sample(*args):
    return run_main('chargpt_sample', '--max_new_tokens', 8, '--seed', 1, '--device', 'cpu', *args)


# 1. One rule for which model a name means

def test_export_refuses_a_training_folder(run_dir):
    one_line_error(run_main('chargpt_export', '--model', run_dir, '--to', run_dir), 'is a training folder (ckpt.pt)')
    assert not (run_dir/'model.safetensors').exists()


def test_training_refuses_an_export_folder(shakespeare_dir, tmp_path):
    export_model('shakespeare-cpu', 'safetensors', tmp_path/'export')
    r = run_main('chargpt_train', *TINY, '--data_dir', shakespeare_dir, '--out_dir', tmp_path/'export')
    one_line_error(r, 'holds an exported model (model.safetensors)')
    assert not (tmp_path/'export'/CKPT_NAME).exists()


def test_a_folder_with_two_models_is_refused_until_told_which(run_dir, tmp_path):
    "A checkpoint and a (stale) export side by side, as copying by hand or an older version could leave them."
    d = tmp_path/'both'; shutil.copytree(run_dir, d)
    export_model('shakespeare-cpu', 'safetensors', tmp_path/'export')
    for f in ('model.safetensors', 'config.json', 'vocab.json'): shutil.copy(tmp_path/'export'/f, d)
    one_line_error(sample('--model', d), 'holds two models, a training checkpoint (ckpt.pt, written ')
    with pytest.raises(ChargptError, match='holds two models'): load_model(d)
    one_line_error(run_main('chargpt_export', '--model', d, '--to', tmp_path/'again'), 'holds two models')
    assert sample('--model', d/CKPT_NAME).returncode == 0
    assert sample('--model', d/'model.safetensors').returncode == 0
    assert load_model(d/CKPT_NAME)[0].config.n_layer != load_model(d/'model.safetensors')[0].config.n_layer  # two models indeed


def test_a_shipped_name_shadowed_by_a_folder_is_named(tmp_path, monkeypatch, run_dir):
    monkeypatch.chdir(tmp_path)
    (tmp_path/'shakespeare-cpu').mkdir()                       # empty
    msg = 'shakespeare-cpu is both a folder here and a shipped model: pass ./shakespeare-cpu for yours or shipped:shakespeare-cpu'
    one_line_error(sample('--model', 'shakespeare-cpu'), msg)
    one_line_error(sample('--model', './shakespeare-cpu'), './shakespeare-cpu holds no model (no ckpt.pt, no model.safetensors)')
    assert sample('--model', 'shipped:shakespeare-cpu').returncode == 0
    shutil.rmtree('shakespeare-cpu'); shutil.copytree(run_dir, 'shakespeare-cpu')   # a folder that holds a checkpoint
    one_line_error(sample('--model', 'shakespeare-cpu'), msg)
    assert sample('--model', './shakespeare-cpu').returncode == 0


def test_onnx_folders_typos_and_the_default(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    os.mkdir('onnx'); Path('onnx/model.onnx').write_bytes(b''); Path('onnx/config.json').write_text('{}')
    one_line_error(sample('--model', 'onnx'), 'onnx is an ONNX export (model.onnx): load_model and chargpt_sample read checkpoints')
    one_line_error(sample('--model', 'onnx/model.onnx'), 'is an ONNX export')
    one_line_error(sample('--model', 'shakespeare-cup'), 'did you mean the shipped model shakespeare-cpu?')
    one_line_error(sample('--model', 'shipped:shakespeare'), "'shakespeare' is not a shipped model; did you mean the shipped model shakespeare-cpu?")
    one_line_error(sample(), 'no model at out-shakespeare-char, where chargpt_train writes by default')
    one_line_error(sample('--model', 'a', '--out_dir', 'b'), '--model a and --out_dir b name the same input')
    assert sample('--out_dir', 'shakespeare-cpu').returncode == 0                    # the old name still works
    assert sample('--model', 'shakespeare-cpu', '--out_dir', 'shakespeare-cpu').returncode == 0


# 2. Text in any locale and any bytes

C_LOCALE = dict(LC_ALL='C', LANG='C', PYTHONUTF8='0', PYTHONCOERCECLOCALE='0')


def command(tmp, name, *args, env=None, warn_encoding=False):
    "Run console script `name` in a new Python, as its entry point does (optionally failing where our code opens a text file without an encoding)."
    flags = ['-X', 'warn_default_encoding'] if warn_encoding else []     # (errors only where our code, or pathlib for it, opens)
    strict = "import warnings; warnings.filterwarnings('error', category=EncodingWarning, module='chargpt_nb|pathlib')\n" if warn_encoding else ''
    script = Path(tmp)/f'{name}{"_strict" if warn_encoding else ""}.py'   # (a script file: what an entry point runs)
    script.write_text(f'{strict}import sys\nfrom chargpt_nb.tool.cli import {name}\nsys.exit({name}())\n', encoding='utf-8')
    return subprocess.run([sys.executable, *flags, str(script), *map(str, args)], capture_output=True,
                          env={**os.environ, **ENV, **(env or {})}, timeout=600)


def test_c_locale_end_to_end(tmp_path):
    "Under the C locale with UTF-8 mode off, every command reads and writes UTF-8 and prints any text; no text file is opened without an encoding."
    text = ('Le café est chaud. 日本の夏は暑い。 Ça va? ' * 700)
    (tmp_path/'uni.txt').write_text(text, encoding='utf-8')
    r = command(tmp_path, 'chargpt_prepare', '--input', tmp_path/'uni.txt', '--out_dir', tmp_path/'d', env=C_LOCALE, warn_encoding=True)
    assert r.returncode == 0, r.stderr.decode()
    meta = json.loads((tmp_path/'d'/'meta.json').read_bytes().decode('utf-8'))
    assert {'é', '日', 'Ç'} <= set(meta['vocab'])
    r = command(tmp_path, 'chargpt_train', *TINY, '--data_dir', tmp_path/'d', '--out_dir', tmp_path/'o', env=C_LOCALE, warn_encoding=True)
    assert r.returncode == 0, r.stderr.decode()
    r = command(tmp_path, 'chargpt_sample', '--model', tmp_path/'o', '--start', '日本', '--max_new_tokens', 30, env=C_LOCALE, warn_encoding=True)
    assert r.returncode == 0 and r.stdout.decode('utf-8').startswith('日本'), r.stderr.decode()
    r = command(tmp_path, 'chargpt_export', '--model', tmp_path/'o', '--to', tmp_path/'st', env=C_LOCALE, warn_encoding=True)
    assert r.returncode == 0, r.stderr.decode()
    assert '日' in json.loads((tmp_path/'st'/'vocab.json').read_bytes().decode('utf-8'))['vocab']
    r = command(tmp_path, 'chargpt_sample', '--model', tmp_path/'o', '--start', 'é', '--max_new_tokens', 5, env={'PYTHONIOENCODING': 'latin-1'})
    assert r.returncode == 0 and r.stdout.startswith(b'\xe9'), r.stderr.decode()     # the terminal's encoding, kept
    r = command(tmp_path, 'chargpt_sample', '--model', tmp_path/'o', '--start', '日本', '--max_new_tokens', 5, env={'PYTHONIOENCODING': 'latin-1'})
    assert r.returncode == 0 and r.stdout.startswith(b'\\u65e5\\u672c'), r.stderr.decode()   # what it cannot hold: escapes


TEXT_OPENERS = {'open', 'read_text', 'write_text', 'fdopen', 'TextIOWrapper'}


def test_every_text_file_is_opened_as_utf8():
    "No call in the package opens a file as text without saying `encoding=` (it would use the locale's)."
    import ast, chargpt_nb
    bad = []
    for f in Path(chargpt_nb.__file__).parent.rglob('*.py'):
        for node in ast.walk(ast.parse(f.read_text(encoding='utf-8'))):
            if not (isinstance(node, ast.Call) and getattr(node.func, 'attr', getattr(node.func, 'id', None)) in TEXT_OPENERS): continue
            mode = next((a.value for a in node.args[1:2] if isinstance(a, ast.Constant)), None)
            mode = next((k.value.value for k in node.keywords if k.arg == 'mode' and isinstance(k.value, ast.Constant)), mode)
            binary = isinstance(mode, str) and 'b' in mode or any(k.arg == 'mode' and not isinstance(k.value, ast.Constant) for k in node.keywords)
            name = getattr(node.func, 'attr', getattr(node.func, 'id', ''))
            if name == 'open' and isinstance(node.func, ast.Attribute) and getattr(node.func.value, 'id', '') == 'os': continue  # (file descriptors)
            if not binary and not any(k.arg == 'encoding' for k in node.keywords): bad.append(f'{f.name}:{node.lineno}')
    assert not bad, bad


def test_arguments_and_paths_that_are_not_text(shakespeare_dir, tmp_path):
    "In a UTF-8 locale, bytes that are not UTF-8 (Python keeps them as surrogate escapes): a one-line error, or it works."
    one_line_error(sample('--model', 'shakespeare-cpu', '--start', os.fsdecode(b'\xff')), '--start is not UTF-8 text (byte 0xff at byte 0)')
    odd = tmp_path/os.fsdecode(b'bad\xffname.txt')
    odd.write_text('to be or not to be\n' * 50, encoding='utf-8')
    r = run_main('chargpt_prepare', '--input', odd, '--out_dir', tmp_path/'d', '--block_size', 8)
    assert r.returncode == 0, r.stderr
    assert json.loads((tmp_path/'d'/'meta.json').read_text(encoding='utf-8'))['source'] == 'bad\\xffname.txt'
    out = tmp_path/os.fsdecode(b'o\xffdir')
    r = run_main('chargpt_train', *TINY, '--data_dir', shakespeare_dir, '--out_dir', out)
    assert r.returncode == 0 and 'Traceback' not in r.stderr, r.stderr
    assert (out/CKPT_NAME).is_file() and (out/'loss.png').stat().st_size > 0


# 3. Defaults resolved in one order

@pytest.mark.parametrize('preset', [None, *PRESETS])
@pytest.mark.parametrize('give_out_dir', [False, True])
@pytest.mark.parametrize('mode', [[], ['--resume'], ['--resume', 'auto']])
def test_resume_looks_where_the_run_writes(run_dir, tmp_path, monkeypatch, preset, give_out_dir, mode):
    "Every --resume mode, with and without --out_dir, under every preset: the checkpoint is looked for where this run would write."
    monkeypatch.chdir(tmp_path)
    where = 'mine' if give_out_dir else PRESETS[preset or 'shakespeare_char']['out_dir']
    args = [*(['--preset', preset] if preset else []), *(['--out_dir', where] if give_out_dir else []), *mode]
    decoy = TrainConfig.out_dir if where != TrainConfig.out_dir else 'out-tiny'   # a checkpoint in a folder not meant
    shutil.copytree(run_dir, decoy)

    def decision():
        cfg, resume, _, ck = config_from_args(args)
        assert cfg.out_dir == where
        return resume_or_new(Path(cfg.out_dir)/CKPT_NAME, resume), ck      # (what the runner decides from them)

    if mode == ['--resume']:
        with pytest.raises(ChargptError, match=f'nothing to resume: {where}/ckpt.pt does not exist'): decision()
    else: assert decision() == (False, None)                               # nothing there: a new run
    shutil.copytree(run_dir, where, dirs_exist_ok=True)
    if not mode:
        with pytest.raises(ChargptError, match=f'{where}/ckpt.pt already exists: pass --resume'): decision()
    else:
        resume, ck = decision()
        assert resume is True and ck['iter_num'] == 4


def test_preset_resume_auto_twice_without_out_dir(shakespeare_dir, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    args = ('--preset', 'tiny', '--eval_interval', '2', '--eval_iters', '1', '--device', 'cpu', '--data_dir', shakespeare_dir, '--resume', 'auto')
    assert run_main('chargpt_train', *args, '--max_iters', 2).returncode == 0
    r = run_main('chargpt_train', *args, '--max_iters', 4)
    assert r.returncode == 0 and 'resuming out-tiny/ckpt.pt at iter 2' in r.stdout, r.stderr


def test_a_relative_data_dir_from_the_checkpoint(shakespeare_dir, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    shutil.copytree(shakespeare_dir, 'data')
    assert run_main('chargpt_train', *TINY, '--data_dir', 'data', '--out_dir', 'run').returncode == 0
    (tmp_path/'elsewhere').mkdir(); monkeypatch.chdir(tmp_path/'elsewhere')
    one_line_error(run_main('chargpt_train', '--resume', '--out_dir', '../run', '--max_iters', 6),
                   'data_dir data, recorded in ../run/ckpt.pt when the run started (relative to the folder the run started in), '
                   'is not a prepared dataset seen from')
    assert run_main('chargpt_train', '--resume', '--out_dir', '../run', '--max_iters', 6, '--data_dir', '../data').returncode == 0


# 4. Bounds on what the user can ask for

@pytest.mark.parametrize('flag, value, msg', [('--max_time', '3e38', 'max_time must be at most 2**53'),
                                             ('--max_iters', str(10**20), 'max_iters must be at most 2**53')])
def test_no_unbounded_counts(shakespeare_dir, tmp_path, flag, value, msg):
    one_line_error(run_main('chargpt_train', *TINY, '--data_dir', shakespeare_dir, '--out_dir', tmp_path/'o', flag, value), msg)


def console(monkeypatch, columns=200):
    "stdout as a terminal of `columns` columns, captured."
    out = io.StringIO(); out.isatty = lambda: True
    monkeypatch.setattr(sys, 'stdout', out); monkeypatch.setenv('COLUMNS', str(columns))
    return out


def test_progress_bar_fits_a_narrow_terminal_and_any_total(monkeypatch):
    from chargpt_nb.tool.log import Progress
    out = console(monkeypatch, columns=20)
    p = Progress(2**53)
    for i in range(3): p.drawn = 0; p.update(i, f'iter {i} loss 4.1234 and a long comment')
    p.write('iter      0 | train 4.17 | val 4.17'); p.close(done=True)
    for piece in out.getvalue().replace('\n', '\r').split('\r'): assert len(piece) <= 39, repr(piece)   # (the write is a whole line)
    assert max(len(s) for s in out.getvalue().split('\r')[:-1] if s and 'train' not in s) <= 19


def test_progress_bar_is_not_redrawn_from_zero_after_the_end(monkeypatch):
    "The final evaluation's notes come after the budget is spent: the bar stays where it was, and is full once, at the end."
    from chargpt_nb.tool.log import Progress
    console(monkeypatch)
    p = Progress(150)
    seen = []
    real = p.bar.update
    p.bar.update = lambda v: (seen.append(v), real(v))
    for v in (0, 100, 150, 151):                 # the clock passes the budget
        p.drawn = 0; p.update(v, 'iter')
    for k in range(3): p.drawn = 0; p.note(f'evaluating at iter 150: batch {k} of 20')
    p.close(done=True); p.note('late'); p.close()
    assert seen == sorted(seen) and seen.count(150) == 1 and seen[-1] == 150, seen   # never back to 0; full once, last


def test_a_budget_that_allows_no_step_says_so(shakespeare_dir, tmp_path):
    r = run_main('chargpt_train', *TINY, '--data_dir', shakespeare_dir, '--out_dir', tmp_path/'o', '--max_time', '1e-300')
    assert r.returncode == 0
    assert 'warning: the time budget (max_time 1e-300 s) ran out in the first evaluation: no step was taken and no checkpoint was written' in r.stderr
    assert not (tmp_path/'o'/CKPT_NAME).exists()


# 5. The Python API keeps its promises

@pytest.mark.skipif(torch.cuda.is_available(), reason='a CUDA GPU is present')
def test_load_model_on_missing_cuda(run_dir):
    with pytest.raises(ChargptError, match='no CUDA GPU is available'): load_model(run_dir, 'cuda')
    with pytest.raises(ChargptError, match='no CUDA GPU is available'): load_model('shakespeare-cpu', 'cuda:0')
