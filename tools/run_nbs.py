"""Execute notebooks top to bottom in place, the way they are committed: outputs saved, `#| slow` cells skipped with
their recorded outputs kept (pass --slow to run them too). Then clean them with nbdev_clean.

    .venv/bin/python tools/run_nbs.py nbs/00_data.ipynb nbs/06_sample.ipynb   # or no arguments: every notebook
    .venv/bin/python tools/run_nbs.py --slow nbs/07_bench.ipynb"""
import os, re, sys, time
from pathlib import Path

os.environ.setdefault('MPLBACKEND', 'module://matplotlib_inline.backend_inline')
from execnb.nbio import read_nb, write_nb
from execnb.shell import CaptureShell

ROOT = Path(__file__).resolve().parent.parent
_slow = re.compile(r'^\s*#\|\s*slow\b', re.M)

def run(path:Path, slow:bool=False) -> float:
    "Execute the notebook at `path` in its own folder; returns the seconds it took."
    nb, here = read_nb(path), Path.cwd()
    os.chdir(path.parent)
    t = time.perf_counter()
    try:
        sh = CaptureShell(path, mpl_format='png')   # plain PNGs at 80 dpi: readable, and notebooks stay small
        sh.run("import matplotlib; matplotlib.rcParams['figure.dpi'] = 80")
        sh.run_all(nb, exc_stop=True, preproc=lambda c: c.cell_type != 'code' or (not slow and bool(_slow.search(c.source))))
    finally: os.chdir(here)
    write_nb(nb, path)
    return time.perf_counter() - t

if __name__ == '__main__':
    args = sys.argv[1:]
    slow = '--slow' in args
    paths = [Path(a).resolve() for a in args if a != '--slow'] or sorted((ROOT/'nbs').rglob('*.ipynb'))
    for p in paths: print(f'{p.name}: {run(p, slow):.1f} s', flush=True)
