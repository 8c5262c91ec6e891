"""`chargpt_train` as a user runs it: exit codes and one-line errors, kill-and-resume, and torchrun with 2 CPU processes.

Most runs happen in this process (`run_main`: the command's own argv parsing, exit status and output, without starting
Python and torch again); what only a process shows (a kill, a lock held by another process, torchrun) runs as one."""
import csv, os, signal, subprocess, sys, time
from pathlib import Path

import pytest
import torch

from conftest import BIN, ENV, run_main, one_line_error as assert_one_line_error
from chargpt_nb.tool.files import prepare
from chargpt_nb.tool.checkpoint import CKPT_NAME, load_checkpoint

PENV = dict(os.environ, **ENV)
LOSSES = ('iter', 'train_loss', 'val_loss', 'val_bpc', 'lr', 'saved')


@pytest.fixture(scope='module')
def data(shakespeare_dir): return shakespeare_dir


def train(*args, check=True):
    "Run `chargpt_train ARGS` in this process; with `check`, assert it succeeded."
    r = run_main('chargpt_train', *args)
    if check: assert r.returncode == 0, r.stderr
    return r


def losses(out_dir):
    "The loss columns of a run's log.csv, as written (full-precision text, so equality is exact)."
    with open(Path(out_dir)/'log.csv', newline='') as f: return [tuple(r[k] for k in LOSSES) for r in csv.DictReader(f)]


# --- bad input: each is one line on stderr, exit status 1, and nothing written or lost --------------------------

BAD_ARGS = {
    'missing data_dir':     (['--data_dir', '{tmp}/nowhere'], 'is not a prepared dataset'),
    'unprepared data_dir':  (['--data_dir', '{tmp}'], 'is not a prepared dataset (no meta.json)'),
    'block_size too large': (['--block_size', '200000'], 'block_size 200000 is too large'),
    'n_embd vs n_head':     (['--n_embd', '30', '--n_head', '4'], 'n_embd (30) must be divisible by n_head (4)'),
    'dropout':              (['--dropout', '1'], 'dropout must be a number in [0, 1)'),
    'negative seed':        (['--seed', '-1'], 'seed must be an integer in [0, 2**63), got -1'),
    'seed 2**63':           (['--seed', str(2**63)], 'seed must be an integer in [0, 2**63)'),
    'learning_rate 1e300':  (['--learning_rate', '1e300'], 'learning_rate must be a finite float (within float32 range'),
    'min_lr':               (['--min_lr', '1', '--learning_rate', '0.1'], 'min_lr (1.0) must not exceed learning_rate'),
    'zero eval_iters':      (['--eval_iters', '0'], 'eval_iters must be at least 1'),
    'non-finite lr':        (['--learning_rate', 'nan'], 'learning_rate must be a finite float'),
    'unknown preset':       (['--preset', 'huge'], "unknown preset 'huge'; choose one of: shakespeare_char, cpu, cpu_gpt2, tiny"),
    'unknown field':        (['--n_layers', '2'], 'unknown option --n_layers (did you mean --n_layer?)'),
    'abbreviated field':    (['--n_lay', '2'], 'unknown option --n_lay'),
    'stray argument':       (['extra'], "unexpected argument 'extra'"),
    'wrong type':           (['--n_layer', 'two'], "argument --n_layer: invalid int value: 'two'"),
    'wrong bool':           (['--bias', 'maybe'], "expected true or false, got 'maybe'"),
    'bad dtype':            (['--dtype', 'fp8'], 'dtype must be one of'),
    'float16 on cpu':       (['--dtype', 'float16', '--device', 'cpu'], 'dtype float16 needs a GPU'),
    'out_dir under a file': (['--out_dir', '{tmp}/a_file/out'], 'cannot create out_dir {tmp}/a_file/out (Not a directory)'),
    'out_dir is a file':    (['--out_dir', '{tmp}/a_file'], 'exists and is not a folder'),
    'out_dir in /proc':     (['--out_dir', '/proc/chargpt_out'], 'cannot create out_dir /proc/chargpt_out'),
    'nothing to resume':    (['--resume', '--out_dir', '{tmp}/empty'], 'nothing to resume'),
}
if not torch.cuda.is_available(): BAD_ARGS['no cuda'] = (['--device', 'cuda'], 'no CUDA GPU is available')


@pytest.mark.parametrize('case', BAD_ARGS)
def test_bad_input(case, data, tmp_path):
    args, expected = BAD_ARGS[case]
    (tmp_path/'a_file').write_text('x')
    base = ['--preset', 'tiny', '--data_dir', data, '--out_dir', tmp_path/'out']
    r = train(*base, *[a.format(tmp=tmp_path) for a in args], check=False)
    assert_one_line_error(r, expected.format(tmp=tmp_path))
    assert not (tmp_path/'out').exists()  # failed before writing anything


@pytest.mark.skipif(os.geteuid() == 0, reason='root can write to a read-only folder')
def test_read_only_out_dir(data, tmp_path):
    ro = tmp_path/'ro'; ro.mkdir(); ro.chmod(0o500)
    assert_one_line_error(train('--preset', 'tiny', '--data_dir', data, '--out_dir', ro/'out', check=False), 'is not writable')


def test_help_lists_every_field():
    from dataclasses import fields
    from chargpt_nb.tool.config import TrainConfig
    r = train('--help')
    for f in fields(TrainConfig): assert f'--{f.name} ' in r.stdout, f.name
    assert '--preset' in r.stdout and '--resume' in r.stdout


# --- checkpoints: the tiny run, resumed, broken ------------------------------------------------------------------

@pytest.fixture(scope='module')
def reference(data, tmp_path_factory):
    "An uninterrupted tiny run of 120 steps that saves at every evaluation."
    out = tmp_path_factory.mktemp('ref')/'out'
    r = train('--preset', 'tiny', '--data_dir', data, '--out_dir', out, '--max_iters', 120, '--lr_decay_iters', 120,
              '--always_save_checkpoint', 'true')
    assert r.stdout.count('| saved') == 12 and r.stderr == '', r.stdout + r.stderr  # one line per evaluation, no other output
    return out


def test_resume_gives_identical_losses(data, reference, tmp_path):
    "Stop at 60, resume to 120 (the command of the first part plus --resume): the same log as one run to 120."
    args = ['--preset', 'tiny', '--data_dir', data, '--out_dir', tmp_path, '--lr_decay_iters', 120, '--always_save_checkpoint', 'true']
    train(*args, '--max_iters', 60)
    assert load_checkpoint(tmp_path)['iter_num'] == 60
    r = train(*args, '--max_iters', 120, '--resume')
    assert 'resuming' in r.stdout and 'at iter 60' in r.stdout
    assert losses(tmp_path) == losses(reference)


def test_kill_and_resume(data, reference, tmp_path):
    "SIGKILL a run at an arbitrary moment after its first checkpoint; resuming it gives the reference losses."
    args = ['--preset', 'tiny', '--data_dir', data, '--out_dir', tmp_path, '--max_iters', 120, '--lr_decay_iters', 120,
            '--always_save_checkpoint', 'true']
    p = subprocess.Popen([str(BIN/'chargpt_train'), *map(str, args)], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=PENV)
    deadline = time.time() + 120
    while not (tmp_path/CKPT_NAME).exists() and p.poll() is None and time.time() < deadline: time.sleep(0.01)
    time.sleep(0.05)
    p.send_signal(signal.SIGKILL); p.wait()
    killed_at = load_checkpoint(tmp_path)['iter_num']  # whatever the instant, the checkpoint loads
    assert p.returncode == -signal.SIGKILL and killed_at < 120, (p.returncode, killed_at)
    r = train(*args, '--resume')
    assert f'at iter {killed_at}' in r.stdout
    assert losses(tmp_path) == losses(reference)
    assert not [f for f in os.listdir(tmp_path) if f.startswith('.')]  # no temp files left behind


def test_resume_with_saved_config(data, reference, tmp_path):
    "`--resume` without --preset continues with the checkpoint's config (here only max_iters changes)."
    import shutil
    shutil.copytree(reference, tmp_path/'out')
    r = train('--resume', '--out_dir', tmp_path/'out', '--max_iters', 130)
    assert 'at iter 120' in r.stdout and 'iter    130' in r.stdout
    assert load_checkpoint(tmp_path/'out')['config']['n_layer'] == load_checkpoint(reference)['config']['n_layer']


def test_checkpoint_contents(reference):
    ck = load_checkpoint(reference)
    assert ck['format_version'] == 1 and ck['iter_num'] == 120 and ck['world_size'] == 1
    assert not any(k.startswith(('_orig_mod.', 'module.')) for k in ck['model'])
    assert ck['config']['n_layer'] == 2 and len(ck['vocab']) == 65
    assert set(ck['rng'][0]) == {'torch', 'cuda', 'data', 'numpy', 'python'}


@pytest.fixture
def run_dir(reference, tmp_path):
    "A copy of the reference run's out_dir to break."
    import shutil
    shutil.copytree(reference, tmp_path/'out')
    return tmp_path/'out'


def _future(p):
    ck = torch.load(p, weights_only=True); ck['format_version'] = 2; torch.save(ck, p)

BREAK = {
    'truncated': (lambda p: p.write_bytes(p.read_bytes()[:1000]), 'is truncated or corrupt'),
    'random bytes': (lambda p: p.write_bytes(os.urandom(5000)), 'corrupt'),
    'empty': (lambda p: p.write_bytes(b''), 'is empty (0 bytes)'),
    'not a checkpoint': (lambda p: torch.save({'a': torch.zeros(1)}, p), 'not a chargpt_nb checkpoint'),
    'future version': (_future, 'format version 2; this chargpt_nb reads version 1'),
}


@pytest.mark.parametrize('case', BREAK)
def test_resume_broken_checkpoint(case, data, run_dir):
    breaker, expected = BREAK[case]
    breaker(run_dir/CKPT_NAME)
    before = (run_dir/CKPT_NAME).read_bytes()
    variants = [[]] + ([['--preset', 'tiny', '--data_dir', data]] if case == 'truncated' else [])  # saved config; preset
    for args in variants:
        assert_one_line_error(train(*args, '--out_dir', run_dir, '--max_iters', 140, '--resume', check=False), expected)
    assert (run_dir/CKPT_NAME).read_bytes() == before


def test_resume_incompatible(data, run_dir, tmp_path):
    base = ['--data_dir', data, '--out_dir', run_dir, '--max_iters', 140, '--resume']
    assert_one_line_error(train('--preset', 'tiny', *base, '--n_embd', 32, check=False), 'its model has a different shape (n_embd 64 -> 32)')
    other = tmp_path/'other.txt'; other.write_text('abcdefgh ' * 2000)
    prepare(other, out_dir=tmp_path/'other')
    r = train('--preset', 'tiny', *base, '--data_dir', tmp_path/'other', check=False)
    assert_one_line_error(r, 'has a different vocabulary (9 characters) from the checkpoint (65 characters)')
    assert_one_line_error(train('--preset', 'tiny', '--data_dir', data, '--out_dir', run_dir, check=False),
                          'already exists: pass --resume to continue that run')


def test_non_finite_loss_keeps_checkpoint(data, run_dir):
    before = (run_dir/CKPT_NAME).read_bytes()
    r = train('--resume', '--out_dir', run_dir, '--max_iters', 140, '--learning_rate', 1e30, '--decay_lr', 'false',
              '--grad_clip', 0, check=False)
    assert_one_line_error(r, 'training loss is not finite at iter 12')
    assert 'the last good checkpoint (iter 120, val loss' in r.stderr
    assert (run_dir/CKPT_NAME).read_bytes() == before


# --- several processes -------------------------------------------------------------------------------------------

def test_torchrun_two_processes(data, tmp_path):
    "DDP with gloo on the CPU: rank 0 alone prints and writes; the checkpoint holds both processes' RNG states."
    out = tmp_path/'ddp'
    cmd = [str(BIN/'torchrun'), '--standalone', '--nproc_per_node=2', str(BIN/'chargpt_train'), '--preset', 'tiny',
           '--data_dir', str(data), '--out_dir', str(out), '--max_iters', '20', '--eval_interval', '10']
    r = subprocess.run(cmd, capture_output=True, text=True, env=PENV, timeout=300)
    assert r.returncode == 0, r.stdout + r.stderr
    assert '2 processes (DDP, gloo)' in r.stdout and '512 tokens per iteration' in r.stdout
    assert [' '.join(l.split('|')[0].split()) for l in r.stdout.splitlines() if l.startswith('iter ')] == ['iter 0', 'iter 10', 'iter 20']
    ck = load_checkpoint(out)
    assert ck['world_size'] == 2 and len(ck['rng']) == 2 and ck['iter_num'] == 20
    assert not torch.equal(ck['rng'][0]['data'], ck['rng'][1]['data'])  # each process draws its own batches
    assert sorted(os.listdir(out)) == ['ckpt.pt', 'log.csv', 'loss.png']


def test_resume_auto(data, tmp_path):
    "`--resume auto` starts a new run where there is no checkpoint, and continues (here: has nothing left to do) where there is."
    args = ['--preset', 'tiny', '--data_dir', data, '--out_dir', tmp_path, '--max_iters', 10, '--resume', 'auto']
    r = train(*args)
    assert 'resuming' not in r.stdout and load_checkpoint(tmp_path)['iter_num'] == 10
    before = (tmp_path/CKPT_NAME).read_bytes()
    r = train(*args)
    assert 'nothing to do: max_iters is 10' in r.stdout
    assert (tmp_path/CKPT_NAME).read_bytes() == before


def test_torchrun_time_budget(data, tmp_path):
    "Under DDP with a time budget every process stops at the same iteration (rank 0's clock decides)."
    out = tmp_path/'ddp'
    cmd = [str(BIN/'torchrun'), '--standalone', '--nproc_per_node=2', str(BIN/'chargpt_train'), '--preset', 'tiny',
           '--data_dir', str(data), '--out_dir', str(out), '--max_iters', '1000000', '--lr_decay_iters', '1000000',
           '--max_time', '3', '--warmup_iters', '0', '--eval_interval', '50']
    r = subprocess.run(cmd, capture_output=True, text=True, env=PENV, timeout=300)
    assert r.returncode == 0, r.stdout + r.stderr
    ck = load_checkpoint(out)
    assert ck['world_size'] == 2 and 0 < ck['iter_num'] < 1000000
    assert float(ck['config']['min_lr']) == float(losses(out)[-1][4])  # the schedule reached min_lr at the stop


def test_one_run_per_out_dir(data, tmp_path):
    "A second run in an out_dir that a live run holds is refused in one line; once the first is killed, it may resume."
    args = ['--preset', 'tiny', '--data_dir', data, '--out_dir', tmp_path, '--max_iters', 100_000, '--lr_decay_iters', 100_000,
            '--max_time', 60]
    p = subprocess.Popen([str(BIN/'chargpt_train'), *map(str, args)], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=PENV)
    try:
        deadline = time.time() + 120
        while not (tmp_path/CKPT_NAME).exists() and p.poll() is None and time.time() < deadline: time.sleep(0.05)
        assert p.poll() is None, p.stderr.read()
        before = (tmp_path/'log.csv').read_bytes()
        assert_one_line_error(train(*args, '--resume', check=False), f'out_dir {tmp_path} is in use by another training run')
        assert_one_line_error(train(*args, check=False), 'already exists: pass --resume')
        assert (tmp_path/'log.csv').read_bytes()[:len(before)] == before      # the live run's log is untouched
    finally:
        p.send_signal(signal.SIGKILL); p.wait()
    train(*args[:-2], '--max_time', 0, '--max_iters', int(load_checkpoint(tmp_path)['iter_num']) + 10, '--resume')   # the lock died with it


# --- --compile: the compiled step trains what the plain one does -------------------------------------------------

def test_compiled_training_follows_the_plain_run(data, tmp_path):
    "`--compile true` with Muon (model and Newton-Schulz steps compiled): same losses as the plain run, to float tolerance; its checkpoint loads as a plain model."
    args = ('--preset', 'tiny', '--optimizer', 'muon', '--variants', 'rope,relu2', '--max_iters', '6', '--eval_interval', '3',
            '--eval_iters', '2', '--device', 'cpu', '--dtype', 'float32', '--data_dir', data)
    train(*args, '--out_dir', tmp_path/'plain')
    r = train(*args, '--out_dir', tmp_path/'compiled', '--compile', 'true')
    assert 'uncompiled' not in r.stderr, r.stderr
    plain, fast = losses(tmp_path/'plain'), losses(tmp_path/'compiled')
    assert [p[0] for p in plain] == [f[0] for f in fast] == ['0', '3', '6']
    for p, f in zip(plain, fast):
        for k in (1, 2): assert abs(float(p[k]) - float(f[k])) < 2e-3, (p, f)
    ck = load_checkpoint(tmp_path/'compiled'/CKPT_NAME, 'cpu')
    assert not any(k.startswith('_orig_mod.') for k in ck['model'])
