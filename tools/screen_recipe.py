"""Screen a `cpu`-preset recipe at a fixed number of steps (cosine over them): val loss on the whole val split, of the
trained weights and of exponential moving averages of them; appends one JSON line to records/screen-steps.jsonl.

  python tools/screen_recipe.py NAME STEPS "dict(overrides)" "dict(compile=True, ema=[0.995], epoch=False)"
(data: chargpt_prepare --input ../shared/data/tinyshakespeare.txt --out_dir /tmp/data)"""
import sys, time, json, math, copy, torch, numpy as np
from chargpt_nb.tool.config import TrainConfig
from chargpt_nb.modern import build_model
from chargpt_nb.tool.runtime import build_optimizer, compile_training, cpu_model
from chargpt_nb.lab.ablation import split_loss
from chargpt_nb.train import train_step, get_lr, get_batch
torch.set_num_threads(2)
name, steps, over, opts = sys.argv[1], int(sys.argv[2]), eval(sys.argv[3]), eval(sys.argv[4]) if len(sys.argv) > 4 else {}
cfg = TrainConfig.preset('cpu', **over)
cfg.lr_decay_iters = steps
train_np = np.fromfile('/tmp/data/train.bin', dtype=np.uint16); train = torch.from_numpy(train_np.astype(np.int64))
val_np = np.fromfile('/tmp/data/val.bin', dtype=np.uint16)
torch.manual_seed(cfg.seed)
m = build_model(cfg.gpt_config(65))
opt = build_optimizer(m, cfg, 'cpu')
fwd = compile_training(m, opt, 'cpu') if opts.get('compile') else m
ctx = torch.autocast('cpu', dtype=torch.bfloat16)
decays = opts.get('ema', [])
emas = {d: [p.detach().clone().float() for p in m.parameters()] for d in decays}
gen = torch.Generator().manual_seed(cfg.seed)
B, T = cfg.batch_size, cfg.block_size
order, pos = None, 0
def epoch_batch():
    "Every window start (offset randomly each pass) once per pass, reshuffled each pass."
    global order, pos
    if order is None or pos + B > len(order):
        off = int(torch.randint(0, T, (1,), generator=gen))
        starts = torch.arange(off, len(train) - T - 1, T)
        order, pos = starts[torch.randperm(len(starts), generator=gen)], 0
    ix = order[pos:pos + B]; pos += B
    x = torch.stack([train[i:i + T] for i in ix]); y = torch.stack([train[i + 1:i + 1 + T] for i in ix])
    return x, y
def full_val(model):
    "Loss on every character of the val split (the lab's `split_loss`), in bfloat16 autocast as the run evaluates."
    model.eval()
    with ctx: loss = split_loss(model, val_np)
    model.train(); return loss
t0 = time.perf_counter(); tstep = []
for it in range(steps):
    lr = get_lr(it, cfg)
    b = epoch_batch() if opts.get('epoch') else get_batch(train_np, B, T, 'cpu', gen)
    ts = time.perf_counter()
    l = train_step(fwd, opt, [b], ctx, None, cfg.grad_clip, lr)
    if it > 20: tstep.append(time.perf_counter() - ts)
    for d, e in emas.items():
        dd = min(d, (1 + it) / (10 + it))
        torch._foreach_lerp_(e, [p.detach().float() for p in m.parameters()], 1 - dd)
    if it % 500 == 0: print(it, f'{l.item():.4f}', f'{time.perf_counter() - t0:.0f}s', flush=True)
res = dict(name=name, steps=steps, over=over, opts=opts, ms=1000 * float(np.median(tstep)), val=full_val(m))
for d, e in emas.items():
    mm = copy.deepcopy(m)
    with torch.no_grad():
        for p, q in zip(mm.parameters(), e): p.copy_(q)
    res[f'val_ema{d}'] = full_val(mm)
res.update(wall=time.perf_counter() - t0, cpu=cpu_model(), torch=torch.__version__, date=time.strftime('%Y-%m-%d'), seed=cfg.seed)
print(json.dumps(res)); open('records/screen-steps.jsonl', 'a').write(json.dumps(res) + '\n')
