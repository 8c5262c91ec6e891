"`chargpt_prepare` from the shell: every bad input is one line on stderr, exit 1, and nothing lost."
import shutil
import pytest
from conftest import run_cli, run_main

def _snapshot(d): return {f.name: f.read_bytes() for f in sorted(d.iterdir())}

def test_prepare_ok(tmp_path):
    r = run_cli('chargpt_prepare', '--out_dir', tmp_path/'ok')      # (a real process: the console script as installed)
    assert r.returncode == 0, r.stderr
    assert 'vocab 65, train 1,003,854, val 111,540' in r.stdout
    assert sorted(p.name for p in (tmp_path/'ok').iterdir()) == ['meta.json', 'train.bin', 'val.bin']

BAD = {
    'missing.txt': (None, 'no such file'),
    'a_directory': ('dir', 'is a directory'),
    'empty.txt': (b'', 'is empty'),
    'binary.bin': (bytes(range(256)) * 16, 'looks binary'),
    'latin1.txt': ('Voilà où est le café. '.encode('latin-1') * 200, 'is not UTF-8 text'),
    'short.txt': (b'To be, or not to be: that is the question.', 'is too short'),
    'huge_vocab.txt': (''.join(chr(c) for c in range(0x4E00, 0x4E00 + 70_000) if not 0xD800 <= c < 0xE000).encode(), 'at most 65,536'),
}

@pytest.mark.parametrize('name', BAD)
def test_prepare_bad_input(tmp_path, name, shakespeare_dir):
    content, msg = BAD[name]
    out = tmp_path/'data'
    shutil.copytree(shakespeare_dir, out)                              # a dataset prepared earlier
    before = _snapshot(out)
    src = tmp_path/name
    if content == 'dir': src.mkdir()
    elif content is not None: src.write_bytes(content)
    r = run_main('chargpt_prepare', '--input', src, '--out_dir', out)
    assert r.returncode == 1
    assert r.stderr.startswith('error: ') and msg in r.stderr, r.stderr
    assert len(r.stderr.strip().splitlines()) == 1 and 'Traceback' not in r.stderr
    assert _snapshot(out) == before  # the earlier dataset is intact, no temp files left

def test_prepare_offline_without_cache(tmp_path):
    "No cached copy and no network: one line saying where to put the file or how to pass --input."
    r = run_main('chargpt_prepare', '--out_dir', tmp_path/'x',
                 env={'CHARGPT_CACHE': str(tmp_path/'empty_cache'), 'https_proxy': 'http://127.0.0.1:9', 'HTTPS_PROXY': 'http://127.0.0.1:9'})
    assert r.returncode == 1 and 'Traceback' not in r.stderr
    assert 'could not download tiny Shakespeare' in r.stderr and '--input' in r.stderr
    assert str(tmp_path/'empty_cache') in r.stderr

def test_prepare_unknown_option(tmp_path):
    r = run_main('chargpt_prepare', '--no_such_option', '1')
    assert r.returncode == 2 and 'unrecognized arguments' in r.stderr and 'Traceback' not in r.stderr
