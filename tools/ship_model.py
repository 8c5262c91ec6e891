"""Turn a finished 10-minute run into a model shipped with the package (chargpt_nb/pretrained/NAME).

    bash run.sh                                  # or: chargpt_train --preset cpu --data_dir data/shakespeare_char --out_dir out-cpu
    .venv/bin/python tools/ship_model.py out-cpu # -> chargpt_nb/pretrained/shakespeare-cpu/{model.safetensors,config.json,vocab.json,README.md}
    .venv/bin/python tools/ship_model.py out-cpu-gpt2 shakespeare-cpu-gpt2 cpu_gpt2   # the lesson's model (01, 06)

The run's own figures (iterations, best val loss, time) come from its checkpoint and log.csv; the machine is read here."""
import json, sys
from datetime import date
from pathlib import Path

import torch
from chargpt_nb.lab.bench import cpu_model
from chargpt_nb.tool.models import PRETRAINED, load_checkpoint, model_from_checkpoint, save_model
from chargpt_nb.tool.files import sha256_file
from chargpt_nb.tool.log import read_log
from chargpt_nb.tool.runtime import cpu_has_fast_bf16, resolve_precision

DESIGN = {'cpu': "The `cpu` preset: the changes of 15 that measured best in 16 · What each change buys, a compiled training step, and the average of its weights (`ema` 0.995, 10), which is what is saved",
          'cpu_gpt2': "The `cpu_gpt2` preset: GPT-2's design, as 01-04 build it (the lesson's model, which 01 and 06 look inside)"}

def main(run_dir='out-cpu', name='shakespeare-cpu', preset='cpu'):
    command = f'chargpt_train --preset {preset} --data_dir data/shakespeare_char --out_dir {run_dir}'
    ck = load_checkpoint(run_dir)
    model, tok = model_from_checkpoint(ck)
    rows = read_log(Path(run_dir)/'log.csv')
    best = min(rows, key=lambda r: r['val_loss'])
    info = dict(command=command, trained=str(date.today()), machine=f"{cpu_model()} ({'with' if cpu_has_fast_bf16() else 'without'} bfloat16 instructions), {torch.get_num_threads()} threads, torch {torch.__version__}",
                precision=resolve_precision(ck['config']['dtype'], 'cpu'),
                iterations=int(rows[-1]['iter']), minutes=round(rows[-1]['elapsed_s'] / 60, 1),
                saved_iter=int(ck['iter_num']), val_loss=round(ck['val_loss'], 4), best_val_loss=round(best['val_loss'], 4),
                val_bits_per_char=round(ck['val_loss'] / 0.6931471805599453, 3), train_loss=round(rows[-1]['train_loss'], 4))
    out = save_model(model, tok, PRETRAINED/name, info)
    info['weights_sha256'] = sha256_file(out/'model.safetensors')
    save_model(model, tok, out, info)             # the same weights again, now with their checksum recorded
    assert sha256_file(out/'model.safetensors') == info['weights_sha256']
    (out/'README.md').write_text(f"""# {name}

{DESIGN[preset]}, trained for its 10-minute budget on tiny Shakespeare, saved with `save_model`
(09 · Checkpoints). Load it with `chargpt_nb.tool.checkpoint.load_model('{name}')` or sample from it with
`chargpt_sample --out_dir {name}`.

- command: `{command}`, then `python tools/ship_model.py {run_dir} {name} {preset}`
- trained: {info['trained']} on {info['machine']}
- {info['iterations']:,} iterations in {info['minutes']} minutes; the weights are those of iteration {info['saved_iter']:,}
- val loss {info['val_loss']} nats per character ({info['val_bits_per_char']} bits), train loss {info['train_loss']}
- model.safetensors SHA-256: `{info['weights_sha256']}`
""")
    print(json.dumps(info, indent=1))

if __name__ == '__main__': main(*sys.argv[1:])
