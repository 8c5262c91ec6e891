// The shipped chargpt_nb model, running in the page: a small hand-written forward pass with a key/value cache.
// The weights come from model.js (window.CHARGPT_MODEL: config, vocabulary and the safetensors file in base64),
// which tools/docsite.py writes from chargpt_nb/pretrained/shakespeare-cpu. Nothing is fetched: the page works offline.
'use strict';
(function () {
  const M = window.CHARGPT_MODEL;
  const cfg = M.config, V = cfg.vocab_size, C = cfg.n_embd, L = cfg.n_layer, H = cfg.n_head, HS = C / H, BS = cfg.block_size;
  const chars = M.vocab, stoi = new Map(chars.map((c, i) => [c, i]));
  const variants = new Set((cfg.variants || '').split(',').filter(Boolean));   // 15 · What changed since GPT-2
  const has = name => variants.has(name);

  // safetensors: 8-byte little-endian header length, a JSON header, then the raw tensors
  const bytes = Uint8Array.from(atob(M.safetensors), c => c.charCodeAt(0));
  const n = Number(new DataView(bytes.buffer).getBigUint64(0, true));
  const header = JSON.parse(new TextDecoder().decode(bytes.subarray(8, 8 + n)));
  const W = {};
  for (const [name, t] of Object.entries(header)) {
    if (name === '__metadata__') continue;
    if (t.dtype !== 'F32') throw new Error(`${name}: expected F32, got ${t.dtype}`);
    const [a, b] = t.data_offsets;
    W[name] = new Float32Array(bytes.buffer.slice(8 + n + a, 8 + n + b));
  }
  const w = name => W[name] || (() => { throw new Error(`missing weight ${name}`); })();

  function layerNorm(x, g) {                          // LayerNorm without bias, eps 1e-5, as nn.LayerNorm(bias=False)
    let mean = 0, v = 0;
    for (let i = 0; i < x.length; i++) mean += x[i];
    mean /= x.length;
    for (let i = 0; i < x.length; i++) v += (x[i] - mean) ** 2;
    const s = 1 / Math.sqrt(v / x.length + 1e-5), y = new Float32Array(x.length);
    for (let i = 0; i < x.length; i++) y[i] = (x[i] - mean) * s * g[i];
    return y;
  }
  function rmsNorm(x, g) {                            // nn.RMSNorm: no mean subtracted, eps float32's machine epsilon
    let ms = 0;
    for (let i = 0; i < x.length; i++) ms += x[i] * x[i];
    const s = 1 / Math.sqrt(ms / x.length + 1.1920928955078125e-7), y = new Float32Array(x.length);
    for (let i = 0; i < x.length; i++) y[i] = x[i] * s * g[i];
    return y;
  }
  const norm = has('rmsnorm') ? rmsNorm : layerNorm;
  const HALF = HS / 2, FREQ = Float32Array.from({length: HALF}, (_, i) => Math.pow(10000, -2 * i / HS));
  function rotate(x, o, p) {                          // rotary positions: pair (i, i + HS/2) of x[o ..] turned by p·FREQ[i]
    for (let i = 0; i < HALF; i++) {
      const a = Math.fround(p * FREQ[i]), c = Math.cos(a), s = Math.sin(a), x1 = x[o + i], x2 = x[o + HALF + i];
      x[o + i] = x1 * c - x2 * s; x[o + HALF + i] = x1 * s + x2 * c;
    }
  }
  function matvec(Wt, x, rows) {                      // y = W x for a PyTorch Linear weight W [rows, x.length]
    const cols = x.length, y = new Float32Array(rows);
    for (let r = 0; r < rows; r++) { let s = 0; const o = r * cols; for (let c = 0; c < cols; c++) s += Wt[o + c] * x[c]; y[r] = s; }
    return y;
  }
  function erf(x) {                                   // Abramowitz & Stegun 7.1.26 (error < 1.5e-7)
    const t = 1 / (1 + 0.3275911 * Math.abs(x));
    const y = 1 - ((((1.061405429 * t - 1.453152027) * t + 1.421413741) * t - 0.284496736) * t + 0.254829592) * t * Math.exp(-x * x);
    return x >= 0 ? y : -y;
  }
  const act = has('relu2') ? x => x > 0 ? x * x : 0 : x => 0.5 * x * (1 + erf(x / Math.SQRT2));   // ReLU², or GELU
  const head = has('untied') ? 'lm_head.weight' : 'transformer.wte.weight';        // tied: the head is wte
  const SOFTCAP = 15;                                 // chargpt_nb.modern.SOFTCAP

  // the key/value cache: per layer, keys and values of every position so far, [BS, C] each
  const K = Array.from({length: L}, () => new Float32Array(BS * C)), Vc = Array.from({length: L}, () => new Float32Array(BS * C));
  let pos = 0, lastAtt = null;

  function step(tok) {                                // feed one token at position `pos`; logits [V] of the next one
    const x = new Float32Array(C), wte = w('transformer.wte.weight'), wpe = has('rope') ? null : w('transformer.wpe.weight');
    for (let i = 0; i < C; i++) x[i] = wte[tok * C + i] + (wpe ? wpe[pos * C + i] : 0);   // rope: positions enter in attention
    lastAtt = [];
    for (let l = 0; l < L; l++) {
      const p = `transformer.h.${l}.`;
      const qkv = matvec(w(p + 'attn.c_attn.weight'), norm(x, w(p + 'ln_1.weight')), 3 * C);
      for (let h = 0; h < H; h++) {                   // per head: QK-norm, then rotary positions, on q and k
        for (const [o, g] of [[h * HS, 'attn.q_norm.weight'], [C + h * HS, 'attn.k_norm.weight']]) {
          if (has('qk_norm')) qkv.set(rmsNorm(qkv.subarray(o, o + HS), w(p + g)), o);
          if (has('rope')) rotate(qkv, o, pos);
        }
      }
      K[l].set(qkv.subarray(C, 2 * C), pos * C); Vc[l].set(qkv.subarray(2 * C), pos * C);
      const y = new Float32Array(C), att = [];
      for (let h = 0; h < H; h++) {                   // head h: columns h*HS .. (h+1)*HS of q, k, v
        const sc = new Float32Array(pos + 1);
        let mx = -Infinity;
        for (let s = 0; s <= pos; s++) {
          let d = 0;
          for (let i = 0; i < HS; i++) d += qkv[h * HS + i] * K[l][s * C + h * HS + i];
          sc[s] = d / Math.sqrt(HS); mx = Math.max(mx, sc[s]);
        }
        let z = 0;
        for (let s = 0; s <= pos; s++) { sc[s] = Math.exp(sc[s] - mx); z += sc[s]; }
        for (let s = 0; s <= pos; s++) {
          sc[s] /= z;
          for (let i = 0; i < HS; i++) y[h * HS + i] += sc[s] * Vc[l][s * C + h * HS + i];
        }
        att.push(sc);
      }
      lastAtt.push(att);
      const a = matvec(w(p + 'attn.c_proj.weight'), y, C);
      for (let i = 0; i < C; i++) x[i] += a[i];
      const hdn = matvec(w(p + 'mlp.c_fc.weight'), norm(x, w(p + 'ln_2.weight')), 4 * C).map(act);
      const m = matvec(w(p + 'mlp.c_proj.weight'), hdn, C);
      for (let i = 0; i < C; i++) x[i] += m[i];
    }
    pos += 1;
    const logits = matvec(w(head), norm(x, w('transformer.ln_f.weight')), V);
    return has('softcap') ? logits.map(z => SOFTCAP * Math.tanh(z / SOFTCAP)) : logits;
  }

  function run(ids) {                                 // a fresh cache filled with `ids`; logits after the last one
    pos = 0;
    let logits = null;
    for (const t of ids) logits = step(t);
    return logits;
  }

  function probs(logits, temperature, topK) {        // temperature, then top-k, then softmax (as next_token_probs)
    const z = Array.from(logits, v => v / temperature);
    if (topK > 0 && topK < V) {
      const kth = [...z].sort((a, b) => b - a)[topK - 1];
      for (let i = 0; i < V; i++) if (z[i] < kth) z[i] = -Infinity;
    }
    const mx = Math.max(...z), e = z.map(v => Math.exp(v - mx)), s = e.reduce((a, b) => a + b, 0);
    return e.map(v => v / s);
  }

  function mulberry32(seed) {                         // a small seeded random generator: a seed gives the same text
    return function () { seed |= 0; seed = seed + 0x6D2B79F5 | 0; let t = Math.imul(seed ^ seed >>> 15, 1 | seed);
      t = t + Math.imul(t ^ t >>> 7, 61 | t) ^ t; return ((t ^ t >>> 14) >>> 0) / 4294967296; };
  }

  const $ = id => document.getElementById(id);
  const label = c => c === '\n' ? '\\n' : c === ' ' ? '␣' : c;

  function showProbs(p) {                             // the ten likeliest next characters as bars
    const top = p.map((v, i) => [v, i]).sort((a, b) => b[0] - a[0]).slice(0, 10);
    $('probs').innerHTML = top.map(([v, i]) => `<div class="bar" data-char="${encodeURIComponent(chars[i])}" data-p="${v}">` +
      `<span class="ch">${label(chars[i]).replace(/&/g, '&amp;').replace(/</g, '&lt;')}</span>` +
      `<span class="fill" style="width:${(100 * v).toFixed(1)}%"></span><span class="pv">${v.toFixed(3)}</span></div>`).join('');
    return top;
  }

  function showAttention(ctx) {                       // the last position's attention over the context, one layer and head
    const l = +$('layer').value, h = +$('head').value, a = lastAtt[l][h];
    $('attention').innerHTML = ctx.map((c, s) => `<span title="${a[s].toFixed(3)}" style="background:rgba(245,158,11,${Math.min(1, a[s] * 2).toFixed(3)})">` +
      `${label(c).replace(/&/g, '&amp;').replace(/</g, '&lt;')}</span>`).join('');
  }

  let running = false;
  async function generate() {
    if (running) return;
    const prompt = $('prompt').value, bad = [...new Set([...prompt].filter(c => !stoi.has(c)))];
    $('message').textContent = '';
    if (!prompt) { $('message').textContent = 'Type a prompt first: at least one character.'; return; }
    if (bad.length) { $('message').textContent = `The model has never seen ${bad.map(c => JSON.stringify(c)).join(', ')}: ` +
      `it knows only the letters a–z and A–Z, space, newline and ${chars.filter(c => !/[a-zA-Z \n]/.test(c)).join(' ')}`; return; }
    running = true; $('sample').disabled = true;
    try { await sampleText(prompt); }
    catch (e) { $('message').textContent = `Something went wrong: ${e.message}`; throw e; }
    finally { running = false; $('sample').disabled = false; }
  }

  async function sampleText(prompt) {
    const T = Math.max(0.05, +$('temperature').value), topK = Math.round(+$('topk').value), n = Math.round(+$('length').value);
    const rand = mulberry32(+$('seed').value);
    let ids = [...prompt].map(c => stoi.get(c)).slice(-BS), text = prompt;
    $('output').textContent = text;
    const t0 = performance.now();
    let logits = run(ids);
    for (let k = 0; k < n; k++) {
      const p = probs(logits, T, topK);
      const top = showProbs(p);
      if (k === 0) $('output').dataset.first = JSON.stringify(top.map(([v, i]) => [chars[i], v]));
      showAttention(ids.slice(-pos).map(i => chars[i]));
      let r = rand(), next = V - 1;
      for (let i = 0; i < V; i++) { r -= p[i]; if (r <= 0) { next = i; break; } }
      text += chars[next]; ids.push(next);
      $('output').textContent = text;
      if (pos === BS) { ids = ids.slice(-BS / 2); logits = run(ids); }   // the cache is full: restart from the last half
      else logits = step(next);
      if (k % 10 === 9) await new Promise(r => setTimeout(r, 0));        // let the page draw every few characters
    }
    const secs = (performance.now() - t0) / 1000;
    $('status').textContent = `${n} characters in ${secs.toFixed(2)} s: ${(n / secs).toFixed(0)} characters per second`;
    $('status').dataset.charsPerS = (n / secs).toFixed(1);
  }

  for (let l = 0; l < L; l++) $('layer').add(new Option(`layer ${l}`, l));
  for (let h = 0; h < H; h++) $('head').add(new Option(`head ${h}`, h));
  $('sample').addEventListener('click', generate);
  $('ready').textContent = `model loaded: ${L} layers, ${H} heads, width ${C}, context ${BS}, ${V} characters${variants.size ? '; ' + [...variants].join(', ') : ''}`;
  window.chargpt = {run, step, probs, chars};        // for tests and the curious
})();
