"""The GPU check of issue 24, run by tools/gpu_check.sh: chargpt_nb's seed config trained until the val loss is at most
1.47 (and the time that took), 500 sampled characters, and nanoGPT's own train.py and sample.py on the same GPU.

    python tools/gpu_check.py GPU_DIR OUT_DIR     (GPU_DIR: what `gpu_check.sh --prepare` made)

Environment: GPU_CHECK_DEVICE (cuda), GPU_CHECK_ITERS (our steps, 5000 as nanoGPT's config), GPU_CHECK_NANOGPT_ITERS
(nanoGPT's steps, timed; 500), GPU_CHECK_SMALL=1 (a tiny model and a few steps: a check of this script, not figures).
"""
import csv, json, os, re, shutil, statistics, subprocess, sys, tempfile, time
from pathlib import Path

TARGET = 1.47
BIN = Path(tempfile.gettempdir())/f'gpu_check_bin_{os.getpid()}'

def run(cmd, cwd=None) -> tuple:
    "(seconds, stdout) of the process `cmd`; on failure, exit with the last lines it wrote to stderr."
    t = time.perf_counter()
    r = subprocess.run([str(c) for c in cmd], cwd=cwd, capture_output=True, text=True)
    if r.returncode:
        sys.exit(f"gpu_check: {' '.join(map(str, cmd[:4]))} ... failed:\n" + '\n'.join(r.stderr.strip().splitlines()[-8:]))
    return time.perf_counter() - t, r.stdout

def ours(name:str, *args) -> list:
    "The command line of chargpt_nb's `name` command in this Python, as a console script would run it (none is installed)."
    script = BIN/f'{name}.py'                    # (a file, not `python -c`: the commands read their arguments only from a script)
    if not script.is_file(): BIN.mkdir(exist_ok=True); script.write_text(f'from chargpt_nb.tool.cli import {name}\n{name}()\n', encoding='utf-8')
    return [sys.executable, script, *args]

def small_model() -> list:
    "Arguments shared by both sides in a GPU_CHECK_SMALL run: a tiny model on few, small batches."
    return ['--n_layer', '2', '--n_head', '2', '--n_embd', '64', '--block_size', '64', '--batch_size', '8']

def train_ours(work:Path, device:str, iters:int, small:bool) -> dict:
    "Train the seed config (`shakespeare_char` preset) for `iters` steps; the first evaluation at or under TARGET from log.csv."
    out = work/'ours'
    args = ['--preset', 'shakespeare_char', '--data_dir', work/'data', '--out_dir', out, '--device', device,
            '--max_iters', iters, '--lr_decay_iters', iters]
    if small: args += small_model() + ['--eval_iters', '2', '--eval_interval', '10', '--warmup_iters', '5']
    seconds, _ = run(ours('chargpt_train', *args))
    with open(out/'log.csv', newline='', encoding='utf-8') as f: rows = list(csv.DictReader(f))
    hit = next((r for r in rows if float(r['val_loss']) <= TARGET), None)
    steady = [float(r['ms_per_iter']) for r in rows[1:] if r['ms_per_iter']] or [float('nan')]
    return dict(process_s=round(seconds, 1), iters=iters, best_val=min(float(r['val_loss']) for r in rows),
                reached_at_iter=int(hit['iter']) if hit else None, reached_after_s=round(float(hit['elapsed_s']), 1) if hit else None,
                ms_per_iter=round(statistics.median(steady), 1))

def sample_ours(work:Path, device:str, n:int=500) -> dict:
    "Characters per second of `chargpt_sample` (processes of `n` and of 5 characters, differenced) and the whole `n` process."
    t = {k: run(ours('chargpt_sample', '--model', work/'ours', '--max_new_tokens', k, '--device', device, '--no_stream'))[0] for k in (5, n)}
    return dict(chars_per_s=round((n - 5) / (t[n] - t[5]), 1), process_s=round(t[n], 2))

def nanogpt(work:Path, g:Path, device:str, iters:int, small:bool) -> dict:
    "nanoGPT's train.py for `iters` steps (median step time after its tenth) and sample.py as `sample_ours` times ours."
    from chargpt_nb.lab.nanogpt import _STUB, nanogpt_copy
    d = nanogpt_copy(g/'nanoGPT', work)
    py = lambda script, *a: run([sys.executable, '-c', _STUB, script, *a], cwd=d)
    model = ['--n_layer=2', '--n_head=2', '--n_embd=64', '--block_size=64', '--batch_size=8', '--eval_iters=2'] if small else []
    _, log = py('train.py', 'config/train_shakespeare_char.py', f'--device={device}', '--compile=False', f'--max_iters={iters}',
                f'--eval_interval={iters}', '--log_interval=1', *model)
    ms = {int(i): float(v) for i, v in re.findall(r'^iter (\d+): loss \S+, time ([\d.]+)ms', log, re.M)}
    vals = [float(v) for v in re.findall(r'val loss ([\d.]+)', log)]
    t = {k: py('sample.py', '--out_dir=out-shakespeare-char', f'--device={device}', '--compile=False', '--num_samples=1',
               f'--max_new_tokens={k}')[0] for k in (5, 500)}
    return dict(ms_per_iter=round(statistics.median([v for i, v in ms.items() if i > 10] or list(ms.values())), 1), iters=iters,
                val_at_end=vals[-1] if vals else None, chars_per_s=round(495 / (t[500] - t[5]), 1), process_s=round(t[500], 2))

def table(res:dict) -> str:
    "The figures as a Markdown table."
    n, o = res['nanogpt'], res['ours']
    r = lambda a, b: f'{a / b:.2f}x' if a and b else ''
    what = 'a tiny model (SMALL)' if res['small'] else 'seed config, batch 64 x 256'
    rows = [(f'training, ms per step ({what})', n['ms_per_iter'], o['train']['ms_per_iter'], r(n['ms_per_iter'], o['train']['ms_per_iter'])),
            (f"our val <= {TARGET}: after (s, iter)", '', f"{o['train']['reached_after_s']} s, iter {o['train']['reached_at_iter']}"
             if o['train']['reached_at_iter'] is not None else f"not reached (best {o['train']['best_val']:.4f})", ''),
            ('sampling, chars/s (500 minus 5 characters, processes)', n['chars_per_s'], o['sample']['chars_per_s'], r(o['sample']['chars_per_s'], n['chars_per_s'])),
            ('the whole 500-character sample process, s', n['process_s'], o['sample']['process_s'], r(n['process_s'], o['sample']['process_s']))]
    lines = ['| what | nanoGPT | chargpt_nb | ratio |', '|---|---|---|---|'] + [f'| {a} | {b} | {c} | {d} |' for a, b, c, d in rows]
    return '\n'.join(lines)

def main(g:Path, out:Path):
    import torch
    device, small = os.environ.get('GPU_CHECK_DEVICE', 'cuda'), os.environ.get('GPU_CHECK_SMALL') == '1'
    if device.startswith('cuda') and not torch.cuda.is_available():
        sys.exit('gpu_check: PyTorch sees no CUDA GPU here (GPU_CHECK_DEVICE=cpu GPU_CHECK_SMALL=1 checks the script on a CPU)')
    iters = int(os.environ.get('GPU_CHECK_ITERS', 30 if small else 5000))
    nano_iters = int(os.environ.get('GPU_CHECK_NANOGPT_ITERS', 20 if small else 500))
    work = Path(tempfile.mkdtemp(prefix='gpu_check_'))
    from chargpt_nb.tool.files import SHAKESPEARE_FILE
    (work/'cache').mkdir(); shutil.copy(g/'data/tinyshakespeare.txt', work/'cache'/SHAKESPEARE_FILE)
    os.environ['CHARGPT_CACHE'] = str(work/'cache')           # the copy we brought (its SHA-256 is checked on use)
    start = time.perf_counter()
    run(ours('chargpt_prepare', '--out_dir', work/'data'))
    res = dict(device=torch.cuda.get_device_name() if device.startswith('cuda') else device, torch=torch.__version__,
               python=sys.version.split()[0], small=small)
    res['ours'] = dict(train=train_ours(work, device, iters, small), sample=sample_ours(work, device))
    res['nanogpt'] = nanogpt(work, g, device, nano_iters, small)
    res['total_s'] = round(time.perf_counter() - start, 1)
    out.mkdir(parents=True, exist_ok=True)
    (out/'gpu_check.json').write_text(json.dumps(res, indent=1), encoding='utf-8')
    print(f"{res['device']}, torch {res['torch']}, Python {res['python']}{' (SMALL: a check of the script, not figures)' if small else ''}")
    print(table(res)); print(f"all of it: {res['total_s']} s; figures in {out/'gpu_check.json'}")
    shutil.rmtree(work, ignore_errors=True); shutil.rmtree(BIN, ignore_errors=True)

if __name__ == '__main__':
    if len(sys.argv) != 3: sys.exit(__doc__)
    main(Path(sys.argv[1]), Path(sys.argv[2]))
