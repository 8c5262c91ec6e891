"""The docs site that tools/docsite.py builds (no Quarto), read in headless Chromium as a visitor would: every page
loads with its title and summary, every internal link resolves, every notebook page shows an image, API blocks are
there, no raw Quarto markup shows, and nothing is fetched from outside the machine."""
import os, sys, pytest
from pathlib import Path
from urllib.parse import urldefrag

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT/'tools'))
import docsite

NOTEBOOKS = sorted((ROOT/'nbs').rglob('*.ipynb'), key=lambda p: (p.stem != 'index', list(docsite.WINGS).index(docsite.wing(p)), p.name))  # the page order

_PAGE_INFO = '''() => ({
    title: document.querySelector('article h1')?.innerText ?? '',
    summary: document.querySelector('article .description')?.innerText ?? '',
    text: document.body.innerText,
    ids: [...document.querySelectorAll('[id]')].map(e => e.id),
    links: [...document.querySelectorAll('a[href]')].map(a => a.href),
    images: [...document.querySelectorAll('article img')].map(i => i.complete && i.naturalWidth > 0)})'''

@pytest.fixture(scope='module')
def site(tmp_path_factory):
    "{page name: what the browser saw}, for every page reachable from the home page; plus requests and errors."
    if not docsite.CHROMIUM: pytest.skip('no Chromium installed (Debian: apt-get install chromium), so the docs site '
                                         'is not checked in a browser')
    # built as on a fresh machine offline: an empty download cache, so a notebook cell that nbdev runs to render the
    # docs and that needs tiny Shakespeare (a side effect in an import cell) fails the build
    old_cache = os.environ.get('CHARGPT_CACHE')
    os.environ['CHARGPT_CACHE'] = str(tmp_path_factory.mktemp('empty-cache'))
    try: out = docsite.build(out=tmp_path_factory.mktemp('site'), src=tmp_path_factory.mktemp('mkdocs'))
    finally:
        if old_cache is None: os.environ.pop('CHARGPT_CACHE', None)
        else: os.environ['CHARGPT_CACHE'] = old_cache
    pages, outside, errors = {}, [], []
    with docsite.serve(out) as base, docsite.chromium() as browser:
        page = browser.new_page()
        def route(r):
            if r.request.url.startswith(base): return r.continue_()
            outside.append(r.request.url); r.abort()
        page.route('**/*', route)
        page.on('pageerror', lambda e: errors.append(str(e)))
        todo = ['index.html']
        while todo:
            name = todo.pop()
            if name in pages: continue
            resp = page.goto(base + name)
            pages[name] = info = dict(status=resp.status, **page.evaluate(_PAGE_INFO))
            info['links'] = [l[len(base):] or 'index.html' for l in info['links'] if l.startswith(base)]
            todo += [urldefrag(l).url for l in info['links'] if urldefrag(l).url.endswith('.html')]
    return dict(dir=out, pages=pages, outside=outside, errors=errors)

def test_every_notebook_is_a_page(site):
    pages = site['pages']
    assert len(pages) == len(NOTEBOOKS), f'{len(NOTEBOOKS)} notebooks but pages {sorted(pages)}'
    for name, p in pages.items():
        assert p['status'] == 200, name
        assert p['title'] and p['summary'], f'{name}: no title or no summary'

def test_internal_links_resolve(site):
    pages, broken = site['pages'], []
    for name, p in pages.items():
        for link in p['links']:
            target, anchor = urldefrag(link)
            if target.endswith('.html'): ok = target in pages and (not anchor or anchor in pages[target]['ids'])
            else: ok = (site['dir']/target).exists()
            if not ok: broken.append(f'{name} → {link}')
    assert not broken, 'broken links:\n' + '\n'.join(broken)

NO_PLOT = {'files.html', 'checkpoint.html', 'models.html', 'preflight.html', 'dist.html', 'cli.html', 'try.html',
           'check.html', 'solutions.html'}  # 08, 09, 11's checks and processes, 12, 17's checker and 18's answers: no picture would teach; 14 draws live

def test_every_page_shows_an_image(site):
    for name, p in site['pages'].items():
        assert any(p['images']) or name in NO_PLOT, f'{name} shows no image'
        assert all(p['images']), f'{name}: an image did not load'
    assert NO_PLOT <= set(site['pages']), 'a page exempted from pictures no longer exists'

def test_gpt_forward_api_block(site):
    if not (ROOT/'nbs'/'04_gpt.ipynb').exists(): pytest.skip('nbs/04_gpt.ipynb is not written yet')
    gpt = site['pages']['gpt.html']
    assert 'gpt.forward' in gpt['ids'] and 'def forward(' in gpt['text'], 'no show_doc(GPT.forward) on the 04_gpt page'

def test_no_raw_quarto_markup(site):
    "Cell directives, Quarto divs or attributes, front-matter dashes (prose may still name a directive: `#| slow`)."
    for name, p in site['pages'].items():
        lines = [l.strip() for l in p['text'].splitlines()]
        for raw in ('#|', ':::'): assert not [l for l in lines if l.startswith(raw)], f'{name} shows {raw!r}'
        assert '{target=' not in p['text'] and '---' not in lines, f'{name} shows Quarto markup'

def test_offline(site):
    assert not site['outside'], f"the site fetched from outside: {site['outside']}"
    assert not site['errors'], f"script errors: {site['errors']}"

def test_quarto_config(monkeypatch):
    "The Quarto path (nbdev_docs): valid config, nbdev's title/repo file and sidebar wired in, every notebook in the sidebar."
    import contextlib, io, yaml
    from nbdev.quarto import nbdev_sidebar
    monkeypatch.chdir(ROOT)
    q = yaml.safe_load((ROOT/'nbs'/'_quarto.yml').read_text(encoding='utf-8'))
    assert q['project']['type'] == 'website' and 'sidebar' in q['website'] and 'navbar' in q['website']
    assert {'nbdev.yml', 'sidebar.yml'} <= set(q['metadata-files'])
    with contextlib.redirect_stdout(out := io.StringIO()): nbdev_sidebar(printit=True, force=True)
    def flat(items):   # the notebooks of the sidebar, its sections (one per wing's folder) opened
        for x in items: yield from (flat(x['contents']) if isinstance(x, dict) else [x])
    contents = yaml.safe_load(out.getvalue())['website']['sidebar']['contents']
    assert sorted(flat(contents)) == sorted(str(nb.relative_to(ROOT/'nbs')) for nb in NOTEBOOKS), contents
    assert [x['section'] for x in contents if isinstance(x, dict)] == ['lab', 'tool']   # the wings, as sections


def test_try_it_page(site):
    "14 · Try it: the shipped model writes in the page, offline, and shows PyTorch's probabilities for the first step."
    import json, time, torch
    from chargpt_nb.tool.models import load_model
    from chargpt_nb.gpt import next_token_probs
    with docsite.serve(site['dir']) as base, docsite.chromium() as browser:
        page, outside, errors = browser.new_page(), [], []
        def route(r):
            if r.request.url.startswith(base): return r.continue_()
            outside.append(r.request.url); r.abort()
        page.route('**/*', route)
        page.on('pageerror', lambda e: errors.append(str(e)))
        page.goto(base + 'try.html')
        page.fill('#prompt', 'ROMEO:')
        t = time.perf_counter()
        page.click('#sample')
        page.wait_for_function("document.getElementById('status').dataset.charsPerS !== undefined", timeout=60_000)
        seconds = time.perf_counter() - t
        out = page.evaluate("document.getElementById('output').textContent")
        first = json.loads(page.evaluate("document.getElementById('output').dataset.first"))
        speed = float(page.evaluate("document.getElementById('status').dataset.charsPerS"))
        settings = page.evaluate("[+document.getElementById('temperature').value, +document.getElementById('topk').value]")
        page.fill('#prompt', 'Ça va?'); page.click('#sample')
        page.wait_for_function("document.getElementById('message').textContent !== ''", timeout=10_000)
        message = page.inner_text('#message')
    print(f'try.html: {len(out) - 6} characters in {seconds:.1f} s, {speed:.0f} characters/s in the page')
    assert not errors and not outside, (errors, outside)
    assert out.startswith('ROMEO:') and len(out) >= len('ROMEO:') + 200 and seconds < 60
    assert 'never seen "Ç"' in message
    model, tok = load_model('shakespeare-cpu')
    with torch.no_grad(): logits = model(torch.tensor([tok.encode('ROMEO:').tolist()]))[0][:, -1]   # (1, V)
    p = next_token_probs(logits, settings[0], settings[1] or None)[0]
    assert [c for c, _ in first] == [tok.chars[i] for i in p.topk(10).indices.tolist()]
    for c, v in first: assert abs(p[tok.chars.index(c)].item() - v) < 1e-3, (c, v)


def test_try_it_variants(tmp_path):
    "tryit.js against PyTorch for every variant of 15 at once, on random weights: the logits of each of 40 positions."
    import json, torch
    if not docsite.CHROMIUM: pytest.skip('no Chromium installed (Debian: apt-get install chromium)')
    from chargpt_nb.tool.models import save_model
    from chargpt_nb.data import CharTokenizer
    from chargpt_nb.modern import VARIANTS, ModernConfig as GPTConfig
    from chargpt_nb.modern import build_model
    torch.manual_seed(0)
    model = build_model(GPTConfig(block_size=64, vocab_size=65, n_layer=2, n_head=4, n_embd=64, dropout=0., variants=','.join(VARIANTS))).eval()
    with torch.no_grad():
        for p in model.parameters(): p.add_(0.3 * torch.randn_like(p))   # away from the zero and unit initialisations
    tok = CharTokenizer(sorted({chr(c) for c in range(32, 97)}))
    save_model(model, tok, tmp_path/'model')
    (tmp_path/'model.js').write_text(docsite.model_js(tmp_path/'model'), encoding='utf-8')
    (tmp_path/'tryit.js').write_text((ROOT/'tools'/'tryit'/'tryit.js').read_text(encoding='utf-8'), encoding='utf-8')
    ids = torch.randint(0, 65, (1, 40), generator=torch.Generator().manual_seed(1))
    (tmp_path/'page.html').write_text('<p id="ready"></p><select id="layer"></select><select id="head"></select><button id="sample"></button>'
                                      '<script src="model.js"></script><script src="tryit.js"></script>', encoding='utf-8')
    with docsite.serve(tmp_path) as base, docsite.chromium() as browser:
        page, errors = browser.new_page(), []
        page.on('pageerror', lambda e: errors.append(str(e)))
        page.goto(base + 'page.html')
        js = page.evaluate('ids => ids.map((_, t) => Array.from(window.chargpt.run(ids.slice(0, t + 1))))', ids[0].tolist())
        ready = page.inner_text('#ready')
    assert not errors, errors
    assert ', '.join(VARIANTS) in ready, ready
    with torch.no_grad(): want = model(ids, ids)[0][0]                    # (T, V): the logits of every position
    assert (torch.tensor(js) - want).abs().max().item() < 1e-3
