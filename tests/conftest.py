import io, os, sys, subprocess
from contextlib import redirect_stderr, redirect_stdout
from dataclasses import dataclass
from importlib.metadata import entry_points
from pathlib import Path
from unittest import mock

import pytest

BIN = Path(sys.executable).parent
SHAKESPEARE = Path(__file__).resolve().parents[2]/'shared'/'data'/'tinyshakespeare.txt'   # ../shared beside the repository
# One thread per process: the tiny models gain nothing from more, runs compared for exact equality need a fixed
# thread count (the thread governor only acts with more than one), and on a busy 2-core machine several OpenMP
# threads per process spin against each other.
ENV = dict(OMP_NUM_THREADS='1', PYTHONUNBUFFERED='1')


def run_cli(name, *args, cwd=None, env=None, timeout=600):
    "Run a console script of this venv as its own process; returns CompletedProcess with text stdout/stderr."
    return subprocess.run([str(BIN/name), *map(str, args)], capture_output=True, text=True, cwd=cwd,
                          env={**os.environ, **ENV, **(env or {})}, timeout=timeout)


@dataclass
class Ran:
    "What a command did when run in this process: its exit status and what it printed."
    returncode: int
    stdout: str
    stderr: str


def run_main(name, *args, env=None):
    "Run the console script `name` in this process, as a shell would run it (argv, exit status, stdout and stderr), without starting Python again."
    func = entry_points(group='console_scripts')[name].load()
    argv, out, err, code = [str(a) for a in args], io.StringIO(), io.StringIO(), 0
    with mock.patch.object(sys, 'argv', [name, *argv]), mock.patch.dict(os.environ, env or {}), \
         redirect_stdout(out), redirect_stderr(err):
        try: func(argv) if name == 'chargpt_train' else func()
        except SystemExit as e: code = e.code if isinstance(e.code, int) else 0 if e.code is None else 1
    return Ran(code, out.getvalue(), err.getvalue())


def one_line_error(r, expected):
    "`r` failed with exit status 1 and one line on stderr, `error: ...`, containing `expected` (no traceback)."
    assert r.returncode == 1, (r.returncode, r.stdout, r.stderr)
    err = r.stderr.strip()
    assert err.startswith('error: ') and '\n' not in err and expected in err, err


@pytest.fixture(autouse=True, scope='session')
def one_thread():
    "Commands run in this process use one thread too, as the processes do (ENV): runs compared exactly need a fixed count."
    import torch
    n = torch.get_num_threads(); torch.set_num_threads(1)
    yield
    torch.set_num_threads(n)


@pytest.fixture(scope='session')
def shakespeare_dir(tmp_path_factory):
    "tiny Shakespeare prepared once per test session, shared by every test file (read-only for them)."
    from chargpt_nb.tool.files import prepare
    d = tmp_path_factory.mktemp('shakespeare_char')
    prepare(out_dir=d)
    return d
