"""Add (or re-add) the summary and the exercises at the end of each lesson notebook 00-06, just before its final
export cell. Safe to run again: the cells it added before (ids starting with `ex-`) are removed first, and no other
cell is touched. Each summary quotes numbers from its notebook's printed output; the script stops if one of them is no
longer printed there. Afterwards run the notebooks (tools/run_nbs.py) so that the new cells have their outputs.

    .venv/bin/python tools/add_exercises.py               # every lesson notebook
    .venv/bin/python tools/add_exercises.py 06_sample     # only these
    .venv/bin/python tools/add_exercises.py --restore     # after running them: every other cell's outputs back from git HEAD

--restore is for after tools/run_nbs.py: a rerun can redraw a figure a few pixels differently (thread counts), and the
cells this script did not add should not change in the diff."""
import json, subprocess, sys, textwrap
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
INTRO = ('## Exercises\n\nEach exercise with an id has a cell below it to fill in: replace the `raise NotImplementedError` '
         '(or the `None`) by your answer and run the cell; `check` says in one sentence whether it is right, or what '
         'is wrong. The open ones have no single answer; they say what to look for. Answers: 18 · Solutions.')
IMPORT = 'from chargpt_nb.check import check'

def stub(ex:str, signature:str, doc:str) -> str:
    "The code cell of a concrete exercise: a function that raises NotImplementedError, or a value left at None, then its check."
    if signature.startswith('def '):
        fn = signature[4:signature.index('(')]
        return f'{signature}:\n    "{doc}"\n    raise NotImplementedError   # your code here\n\ncheck({ex!r}, {fn})'
    return f'{signature} = None   # {doc}\ncheck({ex!r}, {signature})'

NOTEBOOKS = {}   # notebook stem -> (summary, numbers the summary quotes, [(exercise text, stub or None)])

NOTEBOOKS['00_data'] = ('''## Summary

- **Built:** a tokenizer in five lines, then `CharTokenizer` (the same ids, fast and strict, saved as JSON); the split
  into the first 90 % for training and the last 10 % for validation; `get_batch`, random windows `x` and targets `y`.
- **Shapes:** the text is 1,115,394 characters, so 1,115,394 ids; 1,003,854 of them train and 111,540 validate; a batch
  is `x`, `y` of `[64, 256]` int64, `y` being `x` shifted by one.
- **The number to remember:** 65, the size of the vocabulary: every prediction from here on is a choice among 65
  characters.''', ['1,115,394 characters', '(1003854, 111540)', 'CharTokenizer(vocab_size=65)', 'torch.Size([64, 256])'], [
    ("**00.1** (warm-up) How many distinct characters does the text `'First Citizen'` have? Count them by hand.",
     ('n_chars', 'the size of the vocabulary of \'First Citizen\'')),
    ("**00.2** Write `my_encode(text, chars)`: the list of ids of `text`, a character's id being its index in the sorted "
     "vocabulary `chars`. `check` compares it with `CharTokenizer.encode` on random texts.",
     ('def my_encode(text, chars)', 'The list of ids of `text`: the index of each of its characters in `chars`.')),
    ("**00.3** Write `my_decode(ids, chars)`, the way back: the text of a list of ids.",
     ('def my_decode(ids, chars)', 'The text whose characters are `chars[i]` for each id `i` of `ids`.')),
    ("**00.4** Write `my_get_batch(data, batch_size, block_size, generator=None)` without looking at `get_batch`: "
     "`batch_size` random windows `x` of `block_size` ids from the array `data` and their targets `y`, both int64 "
     "tensors `[B, T]`. `check` runs it on data whose ids are their own positions, so it can tell where each window "
     "starts: every start from 0 to the last possible one must come up.",
     ('def my_get_batch(data, batch_size, block_size, generator=None)', 'x, y: random windows [B, T] of `data` and the same windows one id further.')),
    ("**00.5** (open) The validation split is the last 10 % of the text. Decode its first 300 characters: which play "
     "does it come from? Now imagine drawing the validation windows at random from the whole text instead. Windows of "
     "256 characters overlap, so most validation windows would share most of their characters with training windows. "
     "What to look for: would a model that memorises its training text then get a low validation loss, and would "
     "that loss still tell you how it does on text it has never seen?", None)])

NOTEBOOKS['01_embeddings'] = ('''## Summary

- **Built:** `Embeddings`: the token table `wte` `[vocab_size, C]` and the position table `wpe` `[block_size, C]`, the
  row of each character added to the row of its position, then dropout (off in eval mode); pictures of both tables
  and of how alike the positions are, at initialisation and after training.
- **Shapes:** ids `[64, 256]` become vectors `[64, 256, 384]`; `start` continues a sequence at a later position, as the
  cached decoder needs.
- **The number to remember:** 0.68, the mean cosine similarity of neighbouring positions in the trained model's
  table (0.16 two apart, -0.07 three apart): the model learnt "a few characters ago" from rows that start unrelated.''',
    ['[0.68, 0.16, -0.07]'], [
    ("**01.1** How many parameters does `Embeddings(vocab_size=65, block_size=256, n_embd=384)` hold? Count by hand, "
     "then check.", ('n_emb_params', 'your count')),
    ("**01.2** Write `my_embed(idx, wte, wpe)`: the vectors `[B, T, C]` for the ids `idx` `[B, T]`, given the two "
     "tables as tensors (`wte` `[V, C]`, `wpe` `[block_size, C]`), without dropout.",
     ('def my_embed(idx, wte, wpe)', 'Row idx[b, t] of `wte` plus the row of position t of `wpe`: [B, T, C].')),
    ("**01.3** Write `my_position_similarity(wpe)`: the cosine similarity of every pair of rows of `wpe` `[T, C]`, as a "
     "`[T, T]` tensor.", ('def my_position_similarity(wpe)', 'Cosine similarity of every pair of rows of `wpe`: [T, T].')),
    ("**01.4** (open) Give the model fixed positions: in a GPT from 04, copy `sinusoids(block_size, n_embd)` from above "
     "into `model.transformer.wpe.weight` (under `torch.no_grad()`) and call `requires_grad_(False)` on it, then train "
     "it with 05's plain loop. What to look for: its loss curve beside the learned table's, and its position "
     "similarity beside the two of the picture above: do neighbours need to be learnt, or is a fixed pattern as good?",
     None)])

NOTEBOOKS['02_attention'] = ('''## Summary

- **Built:** from a running average to attention in four checked steps; one head by hand (queries, keys, values,
  scores scaled by $1/\\sqrt{hs}$, the causal mask, softmax, the weighted sum of values); `CausalSelfAttention` with all
  heads in one `c_attn` and the output projection `c_proj`, two interchangeable kernels, and the key/value cache.
- **Shapes:** `x` `[64, 256, 384]` gives queries, keys and values `[64, 6, 256, 64]` (`B, nh, T, hs`), weights
  `[B, nh, T, T]`, and an output `[64, 256, 384]` again.
- **The number to remember:** 0.87, the weight that head 0 of the trained model's first layer puts on the previous
  character: random heads average the past, trained ones look at chosen places. (The scale $1/\\sqrt{64}$ brought the
  scores' spread from 8.02 down to 1.00, where softmax is still far from one-hot.)''',
    ['head 0: mean weight on the character itself, 1, 2, 3 back: [0.14, 0.87', 'std of raw dot products: 8.02, after scaling by 1/sqrt(64): 1.00'], [
    ("**02.1** Write `my_weights(q, k)`: the causal attention weights for queries and keys `[B, T, hs]`, "
     "$\\mathrm{softmax}(q k^\\top / \\sqrt{hs})$ with the future masked, `[B, T, T]`.",
     ('def my_weights(q, k)', 'Causal attention weights [B, T, T]: each row sums to 1 over the keys at or before its query.')),
    ("**02.2** Write `my_head(x, Wq, Wk, Wv)`: one causal head, `x` `[B, T, C]` and projections `[C, hs]` to the "
     "output `[B, T, hs]`. `check` also changes the inputs after a position and looks whether the output before it moves.",
     ('def my_head(x, Wq, Wk, Wv)', 'One causal attention head: [B, T, C] -> [B, T, hs].')),
    ("**02.3** For `T = 256`, how many of one head's `T × T` attention weights can be non-zero under the causal mask?",
     ('n_weights', 'your count')),
    ("**02.4** Write `my_window_mask(T, w)`: a bool mask `[T, T]` that lets query `t` see only the last `w` characters, "
     "itself included: `True` where key `s` has `s <= t` and `t - s < w`.",
     ('def my_window_mask(T, w)', 'Bool [T, T]: True where query t may see key s (s <= t and t - s < w).')),
    ("**02.5** (open) Make the heads look only 8 characters back. Build 05's small model with `attn_kernel='manual'` "
     "(the fused kernel uses a causal mask of its own), then give every block's attention your window: "
     "`block.attn.causal = my_window_mask(block_size, 8)` for each block in `model.transformer.h`, and train it with 05's "
     "plain loop. What to look for: its validation loss after 300 steps beside the full mask's 2.30 there. The trained "
     "heads above look at most 3 characters back in the first layer; does a window of 8 cost anything yet, with "
     "4 layers stacked? What would it cost once a model has learnt names and words?", None)])

NOTEBOOKS['03_block'] = ('''## Summary

- **Built:** the MLP (`c_fc` C→4C, GELU, `c_proj` 4C→C) that works on each position alone; layer norm written out and
  checked against `nn.LayerNorm`; the pre-norm `Block`, `x + attn(ln_1(x))` then `x + mlp(ln_2(x))`; `residual_stats`
  to watch the stream through a stack.
- **Shapes:** a block maps `[64, 256, 384]` to `[64, 256, 384]`; inside the MLP each position is 1536 wide.
- **The number to remember:** 1,770,240 parameters in one default block, two thirds of them in its MLP. And why blocks
  stack: through 24 of them the gradient reaching block 0 is 7.1e-02 with the identity path and 1.3e-15 without.''',
    ['1,770,240 parameters per block', 'block 0: 7.1e-02', 'block 0: 1.3e-15'], [
    ("**03.1** Count by hand the parameters of `Block(n_embd=128, n_head=4, block_size=64, bias=True)`: with "
     "`bias=True` every linear layer has a bias and every layer norm a shift as well as a gain.",
     ('n_block_params', 'your count')),
    ("**03.2** Write `my_layer_norm(x, weight, bias, eps=1e-5)`: normalise `x` over its last dimension, then scale by "
     "`weight` and shift by `bias`. `check` includes a vector whose entries are all equal.",
     ('def my_layer_norm(x, weight, bias, eps=1e-5)', 'Layer norm over the last dimension, with a gain and a shift.')),
    ("**03.3** Write `my_block(x, block)`: what `block(x)` returns, from its parts `block.ln_1`, `block.attn`, "
     "`block.ln_2` and `block.mlp`.",
     ('def my_block(x, block)', "The block's output for x [B, T, C], from its four parts.")),
    ("**03.4** (open) The original Transformer normalised *after* adding: `x = ln_1(x + attn(x))`, then "
     "`x = ln_2(x + mlp(x))` (post-norm). Add it to `BlockVariant` as a third option and draw its line in the "
     "gradient plot above. What to look for: the gradient reaching block 0 compared with block 23. Every path from "
     "the loss to block 0 now passes through 48 layer norms; does it keep its size as the pre-norm line does?", None)])

NOTEBOOKS['04_gpt'] = ('''## Summary

- **Built:** `GPTConfig` (nanoGPT's fields, presets `shakespeare_char` and `tiny`), `GPT` (embeddings, blocks, `ln_f`,
  an `lm_head` tied to `wte`, nanoGPT's initialisation and checkpoint keys), the sampling knobs (temperature, top-k,
  top-p) and `generate` through the key/value cache, checked equal to full recomputation.
- **Shapes:** ids `[64, 256]` with targets give logits `[64, 256, 65]` and the loss; without targets only the last
  position, `[B, 1, 65]`; `generate` returns `[B, T + max_new_tokens]`.
- **The number to remember:** 10,745,088 parameters in the default model, and its loss before training, 4.2923:
  a little above $\\ln 65 = 4.1744$, as the spread of its logits predicts.''',
    ['10,745,088 parameters', 'initial loss 4.2923; ln 65 = 4.1744'], [
    ("**04.1** Count by hand the parameters of `GPT(GPTConfig.preset('tiny'))`: vocabulary 65, context 32, 2 blocks of "
     "width 64 without biases.", ('n_gpt_params', 'your count')),
    ("**04.2** Write `my_greedy(model, idx, n)`: the prompts `idx` `[B, T]` followed by `n` tokens, each the most "
     "likely next one, without the cache: `[B, T + n]`.",
     ('def my_greedy(model, idx, n)', 'idx [B, T] and n greedy tokens after it: [B, T + n].')),
    ("**04.3** Write `my_top_k_probs(logits, k)`: from last-position logits `[B, V]`, the distribution that keeps only "
     "the `k` most likely tokens, renormalised.",
     ('def my_top_k_probs(logits, k)', 'softmax over the k largest logits of each row, 0 elsewhere: [B, V].')),
    ("**04.4** (open) Untie the head: `model.lm_head.weight = nn.Parameter(torch.randn(65, 384) * 0.02)` gives the model "
     "a head of its own. How many parameters does that add? Measure the initial loss and the current character's "
     "own logit again, as above. What to look for: the tied head scored the current character about 1.1 above the "
     "mean because a vector's dot product with itself is large; does a separately drawn head still favour it, and "
     "how close does the loss come to $\\ln 65$?", None)])

NOTEBOOKS['05_train'] = ('''## Summary

- **Built:** the loss by hand (the true character's probability, $-\\log$, the mean); three yardsticks; a plain
  training loop; then the pieces of the real trainer: `Schedule` and `get_lr`, `make_optimizer` (AdamW, weight
  decay on 2-D weights only), `estimate_loss`, and `train_step`, checked equal to the plain step.
- **Shapes:** logits `[B, T, 65]` and targets `[B, T]` are flattened to `[B·T, 65]` and `[B·T]` for the
  cross-entropy; the plain loop draws batches of `[16, 64]`.
- **The numbers to remember:** the yardsticks on the validation split, uniform 4.174, unigram 3.347, bigram 2.488
  nats per character; 300 plain steps already reach a validation loss of 2.30, below the bigram table.''',
    ["{'uniform': 4.174, 'unigram': 3.347, 'bigram': 2.488}", 'val 2.30'], [
    ("**05.1** Write `my_cross_entropy(logits, targets)`: for logits `[B, T, V]` and targets `[B, T]`, the mean over all "
     "positions of $-\\log$ of the probability given to the true next character.",
     ('def my_cross_entropy(logits, targets)', 'Mean of -log softmax(logits)[target] over all B·T positions: one number.')),
    ("**05.2** Write `my_get_lr(it, s)` for a `Schedule` `s`: linear warmup for `s.warmup_iters` steps, then half a "
     "cosine down to `s.min_lr` at `s.lr_decay_iters`, then `s.min_lr`; a constant rate after warmup if `s.decay_lr` "
     "is False. (The warmup's rate at step `it` is `learning_rate * (it + 1) / (warmup_iters + 1)`.)",
     ('def my_get_lr(it, s)', 'The learning rate at step `it` under the Schedule `s`.')),
    ("**05.3** Write `my_bigram_loss(train_ids, val_ids, vocab_size, alpha=0.01)`: count every pair of neighbouring "
     "ids in `train_ids`, add `alpha` to every count, turn each row into $P(\\text{next} \\mid \\text{current})$ and "
     "return the mean of $-\\log P$ over the pairs of `val_ids`: the bigram yardstick.",
     ('def my_bigram_loss(train_ids, val_ids, vocab_size, alpha=0.01)', 'The bigram model\'s loss on `val_ids`, counted on `train_ids`.')),
    ("**05.4** (open) Run the plain loop with `plain_lr`'s `lr_max` ten times smaller (3e-4) and ten times larger "
     "(3e-2). What to look for: the validation loss after 300 steps beside the 2.30 above and the yardstick lines; "
     "which of the two is slow, and does the other one fall at all, or stall above the bigram line?", None),
    ("**05.5** (open) Overfit on purpose: train the plain loop on the first 10,000 characters only "
     "(`splits['train'][:10_000]`), for 1,000 steps. What to look for: the training loss falling while the validation "
     "loss stops falling, then rises: the gap the validation split is there to show.", None)])

NOTEBOOKS['06_sample'] = ('''## Summary

- **Built:** sampling by hand (softmax of the last position, one draw, append, repeat); `next_char_probs` and the
  three knobs; `sample`, batched, streamed and seeded, equal to the hand-written loop; then a look inside the shipped
  model: its token embeddings, its positions, its attention heads and what it predicts at telling places.
- **Shapes:** a prompt `[1, T]` gives logits `[1, 1, 65]`, a distribution `[1, 65]` and a draw `[1, 1]`; `sample`
  runs `[num_samples, T]` as one batch; `attention_maps` gives one `[n_head, T, T]` per layer.
- **The number to remember:** after `To be, or not to b` the 0.81M-parameter model gives `e` 0.85, and its first layer
  has a head that puts 0.92 of its weight on the previous character.''',
    ['0.81M parameters', "'e' 0.85", "'back_1': 0.92"], [
    ("**06.1** Write `my_temperature_probs(logits, temperature)`: the distribution `[B, V]` that sampling at "
     "`temperature` draws from.",
     ('def my_temperature_probs(logits, temperature)', 'softmax(logits / temperature) over the last dimension: [B, V].')),
    ("**06.2** Write `my_top_p_probs(logits, p)`: keep the smallest set of most likely tokens whose probabilities add "
     "up to at least `p`, renormalised. Mind the token that takes the total past `p`: it is kept.",
     ('def my_top_p_probs(logits, p)', 'The nucleus of each row of softmax(logits), renormalised: [B, V].')),
    ("**06.3** Write `my_sample(model, idx, n, generator)`: `n` tokens after the prompts `idx` `[B, T]`, each drawn "
     "with `torch.multinomial(probs, 1, generator=generator)` from the softmax of the last position's logits, without "
     "the cache. With the same seed it must draw what `model.generate(..., use_cache=False)` draws.",
     ('def my_sample(model, idx, n, generator)', 'idx [B, T] and n sampled tokens after it: [B, T + n].')),
    ("**06.4** (open) Sample 300 characters after `'ROMEO:\\n'` with the same seed at temperatures 0.5, 1.0 and 1.5. "
     "What to look for: repeated words and phrases at 0.5, invented words and broken speaker lines at 1.5; which keeps "
     "the layout of a play best, and which the spelling?", None),
    ("**06.5** (open) The maps above showed layers 0 and 3. Run `attention_maps` and `head_summary` on another line of "
     "the play and look at layers 1 and 2. What to look for: a head whose weight goes to the same character earlier in "
     "the line, or to the start of the current word, rather than to a fixed distance.", None)])

def outputs_text(nb) -> str:
    "Everything the notebook's code cells printed or displayed as text."
    out = []
    for c in nb['cells']:
        for o in c.get('outputs', []):
            out.append(''.join(o.get('text', '')) + ''.join(o.get('data', {}).get('text/plain', '')))
    return '\n'.join(out)

def wrap(md:str) -> str:
    "A paragraph of Markdown in lines of at most 118 characters, as the notebooks' prose is written."
    return textwrap.fill(md, 118, break_long_words=False, break_on_hyphens=False)

def cell(kind:str, source:str, cid:str) -> dict:
    c = {'cell_type': kind, 'id': cid, 'metadata': {}, 'source': source.splitlines(True)}
    if kind == 'code': c.update(execution_count=None, outputs=[])
    return c

def new_cells(stem:str) -> list:
    "The summary, the exercises' introduction, the import of `check`, then each exercise's text and stub."
    summary, _, exercises = NOTEBOOKS[stem]
    n = stem[:2]
    cells = [cell('markdown', summary, f'ex-{n}-summary'), cell('markdown', '\n\n'.join(map(wrap, INTRO.split('\n\n'))), f'ex-{n}-intro'), cell('code', IMPORT, f'ex-{n}-import')]
    for text, code in exercises:
        k = text.split('**')[1].split('.')[1]
        cells.append(cell('markdown', wrap(text), f'ex-{n}-{k}-task'))
        if code: cells.append(cell('code', stub(f'{n}.{k}', *code), f'ex-{n}-{k}-stub'))
    return cells

def apply(stem:str):
    path = ROOT/'nbs'/f'{stem}.ipynb'
    nb = json.loads(path.read_text(encoding='utf-8'))
    text = outputs_text(nb)
    missing = [s for s in NOTEBOOKS[stem][1] if s not in text]
    if missing: sys.exit(f'{path.name}: the summary quotes {missing}, which the notebook no longer prints: update the summary')
    before = {c['id']: c for c in nb['cells'] if c.get('id', '').startswith('ex-')}
    cells = [c for c in nb['cells'] if not c.get('id', '').startswith('ex-')]
    added = new_cells(stem)
    for c in added:   # a cell added before with the same source keeps its outputs
        if c['cell_type'] == 'code' and c['id'] in before and before[c['id']]['source'] == c['source']: c['outputs'] = before[c['id']]['outputs']
    last = cells[-1] if cells and 'nbdev_export()' in ''.join(cells[-1]['source']) else None
    nb['cells'] = (cells[:-1] if last else cells) + added + ([last] if last else [])
    path.write_text(json.dumps(nb, indent=1, ensure_ascii=False) + '\n', encoding='utf-8')
    print(f'{path.name}: {len(NOTEBOOKS[stem][2])} exercises')

def restore(stem:str):
    "Give every cell not added here the outputs it has in git HEAD (where its source is unchanged)."
    path = ROOT/'nbs'/f'{stem}.ipynb'
    head = json.loads(subprocess.run(['git', 'show', f'HEAD:nbs/{path.name}'], cwd=ROOT, capture_output=True, check=True, text=True).stdout)
    old = {c['id']: c for c in head['cells']}
    nb = json.loads(path.read_text(encoding='utf-8'))
    for c in nb['cells']:
        o = old.get(c['id'])
        if c['cell_type'] == 'code' and o is not None and o['source'] == c['source']: c['outputs'] = o['outputs']
    path.write_text(json.dumps(nb, indent=1, ensure_ascii=False) + '\n', encoding='utf-8')

if __name__ == '__main__':
    args = [a for a in sys.argv[1:] if a != '--restore']
    for stem in args or NOTEBOOKS: (restore if '--restore' in sys.argv else apply)(stem)
