"""Interleaved step times of a preset, plain vs compiled (10 · Runtime's `compile_training`): medians and spread over rounds.

  python tools/compile_bench.py PRESET STEPS_PER_ROUND ROUNDS   (random ids: speed only)

The step uses the runner's Runtime (autocast, rows per pass) and the preset's grad_clip; dropout stays PyTorch's nn.Dropout."""
import sys, time, statistics as st, torch
from chargpt_nb.tool.config import TrainConfig
from chargpt_nb.modern import build_model
from chargpt_nb.tool.runtime import Runtime, build_optimizer, compile_training
from chargpt_nb.train import train_step
torch.set_num_threads(2)
preset, n, rounds = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
cfg = TrainConfig.preset(preset)
rt = Runtime('cpu', cfg.dtype, cfg.chunk_rows, cfg.block_size)
print(preset, rt, flush=True)
step = lambda f, opt: train_step(f, opt, [batch()], rt.ctx, None, cfg.grad_clip, 1e-3, rt.chunk_rows)
data = torch.randint(0, 65, (200000,))
def batch():
    ix = torch.randint(0, len(data) - cfg.block_size - 1, (cfg.batch_size,))
    return (torch.stack([data[i:i + cfg.block_size] for i in ix]), torch.stack([data[i + 1:i + 1 + cfg.block_size] for i in ix]))
runs = {}
for name in ('plain', 'compiled'):
    torch.manual_seed(0); m = build_model(cfg.gpt_config(65)); opt = build_optimizer(m, cfg, 'cpu')
    f = compile_training(m, opt, 'cpu') if name == 'compiled' else m
    t = time.perf_counter()
    for _ in range(3): step(f, opt)
    print(name, f'first 3 steps {time.perf_counter() - t:.1f} s', flush=True)
    runs[name] = (f, opt, [])
for r in range(rounds):
    for name, (f, opt, ts) in runs.items():
        t = time.perf_counter()
        for _ in range(n): step(f, opt)
        ts.append(1000 * (time.perf_counter() - t) / n)
for name, (_, _, ts) in runs.items(): print(f'{preset} {name}: {st.median(ts):.1f} ms/step (rounds {min(ts):.1f}-{max(ts):.1f})')
p, c = st.median(runs['plain'][2]), st.median(runs['compiled'][2])
print(f'{preset}: compiled is {p / c:.2f}x the plain step (per-round ratios {min(a / b for a, b in zip(runs["plain"][2], runs["compiled"][2])):.2f}-{max(a / b for a, b in zip(runs["plain"][2], runs["compiled"][2])):.2f})')
