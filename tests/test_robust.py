"""Adversarial use from the shell (issue 15): every failure is one line on stderr, and nothing is silently wrong or lost."""
import os, subprocess, sys
from pathlib import Path

import pytest

from chargpt_nb.tool.checkpoint import load_checkpoint
from chargpt_nb.tool.files import prepare
from chargpt_nb.tool.log import read_log
from conftest import ENV, SHAKESPEARE, one_line_error, run_cli, run_main

TINY = ('--preset', 'tiny', '--max_iters', '20')


@pytest.fixture(scope='module')
def data(shakespeare_dir): return shakespeare_dir


def test_prepare_out_dir_that_cannot_be_a_folder(tmp_path):
    (tmp_path/'a-file').write_text('x')
    one_line_error(run_main('chargpt_prepare', '--out_dir', tmp_path/'a-file'), 'exists and is not a folder')
    one_line_error(run_main('chargpt_prepare', '--out_dir', tmp_path/'a-file'/'under'), 'Not a directory')


@pytest.mark.skipif(os.geteuid() == 0, reason='root writes into read-only folders')
def test_prepare_read_only_out_dir(tmp_path):
    d = tmp_path/'ro'; d.mkdir(); d.chmod(0o555)
    one_line_error(run_main('chargpt_prepare', '--out_dir', d), 'not writable')


def test_prepare_normalize_flag(tmp_path):
    (tmp_path/'crlf.txt').write_bytes(('\ufeff' + 'to be or not\r\n' * 200).encode())
    r = run_cli('chargpt_prepare', '--input', tmp_path/'crlf.txt', '--out_dir', tmp_path/'d', '--block_size', '8')
    assert r.returncode == 0 and r.stderr.count('warning: ') == 2 and '--normalize' in r.stderr, r.stderr
    assert 'Traceback' not in r.stderr and 'UserWarning' not in r.stderr, r.stderr
    r = run_cli('chargpt_prepare', '--input', tmp_path/'crlf.txt', '--out_dir', tmp_path/'d', '--block_size', '8', '--normalize')
    assert r.returncode == 0 and 'warning' not in r.stderr, r.stderr
    assert '\r' not in ''.join(__import__('json').loads((tmp_path/'d'/'meta.json').read_text())['vocab'])


@pytest.mark.parametrize('env, expected', [(dict(RANK='x', WORLD_SIZE='2'), "RANK='x'"), (dict(RANK='0'), 'WORLD_SIZE is not set'),
                                           (dict(RANK='5', WORLD_SIZE='2'), 'need 0 <= RANK < WORLD_SIZE')])
def test_malformed_rank_env(data, tmp_path, env, expected):
    one_line_error(run_main('chargpt_train', *TINY, '--data_dir', data, '--out_dir', tmp_path/'o', env=env), expected)


@pytest.mark.parametrize('flag, value', [('--block_size', 100_000), ('--batch_size', 10**9), ('--n_embd', 10**6),
                                         ('--n_layer', 100_000), ('--gradient_accumulation_steps', 10**9)])
def test_sizes_that_cannot_fit(data, tmp_path, flag, value):
    r = run_main('chargpt_train', '--preset', 'cpu', '--data_dir', data, '--out_dir', tmp_path/'o', flag, value)
    one_line_error(r, 'GB free')
    assert not (tmp_path/'o'/'ckpt.pt').exists()


def test_sample_sizes_that_cannot_fit():
    one_line_error(run_main('chargpt_sample', '--out_dir', 'shakespeare-cpu', '--num_samples', 10**9), 'lower --num_samples')


def test_prompt_file_that_is_a_folder_or_pipe(tmp_path):
    one_line_error(run_main('chargpt_sample', '--out_dir', 'shakespeare-cpu', '--start', f'FILE:{tmp_path}'), 'is a directory')
    os.mkfifo(tmp_path/'fifo')
    one_line_error(run_main('chargpt_sample', '--out_dir', 'shakespeare-cpu', '--start', f'FILE:{tmp_path/"fifo"}'), 'not a regular file')


def test_stdout_full():
    "Output into a full disk (/dev/full): one line naming the reason, exit 1."
    with open('/dev/full', 'w') as full:
        r = subprocess.run([str(Path(sys.executable).parent/'chargpt_sample'), '--out_dir', 'shakespeare-cpu', '--max_new_tokens', '50'],
                           stdout=full, stderr=subprocess.PIPE, text=True, env={**os.environ, **ENV})   # (a real process: a real full stdout)
    one_line_error(r, 'No space left on device')


def test_training_survives_a_closed_stdout(data, tmp_path):
    "`chargpt_train ... | head -1`: the pipe closes, the run goes on to the end and its log is whole."
    cmd = f'{Path(sys.executable).parent/"chargpt_train"} --preset tiny --max_iters 30 --data_dir {data} --out_dir {tmp_path/"o"} | head -1'
    r = subprocess.run(['bash', '-c', cmd], capture_output=True, text=True, env={**os.environ, **ENV})
    assert 'Traceback' not in r.stderr, r.stderr
    assert [row['iter'] for row in read_log(tmp_path/'o'/'log.csv')] == [0, 10, 20, 30]
    assert load_checkpoint(tmp_path/'o')['iter_num'] == 30


def test_resume_on_other_data(data, tmp_path):
    "Same vocabulary, other text: resuming is refused unless asked for, then it goes on."
    assert run_main('chargpt_train', *TINY, '--data_dir', data, '--out_dir', tmp_path/'o').returncode == 0
    from chargpt_nb.tool.files import load_text, open_dataset
    (tmp_path/'reversed.txt').write_text(load_text(SHAKESPEARE if SHAKESPEARE.exists() else None)[::-1])   # the same characters in another order
    prepare(tmp_path/'reversed.txt', out_dir=tmp_path/'other')
    args = ('--max_iters', '30', '--data_dir', tmp_path/'other', '--out_dir', tmp_path/'o', '--resume')
    one_line_error(run_main('chargpt_train', *args), 'holds other data than the run was trained on')
    r = run_main('chargpt_train', *args, '--allow_new_data')
    assert r.returncode == 0, r.stderr
    ck = load_checkpoint(tmp_path/'o')
    assert ck['dataset'] == open_dataset(tmp_path/'other').identity     # the checkpoint now names the data it went on with
    assert ck['dataset']['sha256'] != open_dataset(data).identity['sha256'] and ck['iter_num'] == 30
