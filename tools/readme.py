"""Generate README.md from nbs/index.ipynb without Quarto (`--check`: exit 1 if README.md is stale).

Markdown cells are copied; code cells are shown as ```python blocks followed by their outputs, honouring nbdev's
`#| hide` (drop the cell), `#| echo: false` (output only) and `#| output: false` (code only). Images go to
`index_files/`."""
import base64, json, re, sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
_directive = re.compile(r'^\s*#\|\s*(.+?)\s*$')

def directives(src):
    "nbdev/Quarto cell directives (`#| hide`, `#| echo: false`) as a dict, and the source without them."
    opts, lines = {}, src.splitlines()
    while lines and (m := _directive.match(lines[0])):
        k, _, v = m.group(1).partition(':')
        opts[k.strip()] = v.strip() or True
        lines.pop(0)
    return opts, '\n'.join(lines).strip('\n')

def output_md(out, stem, n, images):
    "Markdown for one cell output; images are added to `images` as (name, bytes)."
    if out['output_type'] == 'stream': return '    ' + ''.join(out['text']).rstrip('\n').replace('\n', '\n    ')
    data = out.get('data', {})
    if 'image/png' in data:
        name = f'{stem}_files/figure-{n}.png'
        images.append((name, base64.b64decode(data['image/png'])))
        return f'![]({name})'
    if 'text/markdown' in data: return ''.join(data['text/markdown'])
    if 'text/plain' in data: return '    ' + ''.join(data['text/plain']).replace('\n', '\n    ')
    return ''

def nb_to_markdown(nb_path):
    "(markdown text, [(image path, bytes)]) for a notebook."
    nb, stem = json.loads(Path(nb_path).read_text(encoding='utf-8')), Path(nb_path).stem
    parts, images = [], []
    for cell in nb['cells']:
        src = ''.join(cell['source'])
        if cell['cell_type'] == 'markdown': parts.append(src.strip()); continue
        if cell['cell_type'] != 'code': continue
        opts, code = directives(src)
        if 'hide' in opts or 'default_exp' in opts: continue
        if code and opts.get('echo') != 'false': parts.append(f'```python\n{code}\n```')
        if opts.get('output') == 'false': continue
        for out in cell.get('outputs', []):
            if md := output_md(out, stem, len(images), images): parts.append(md)
    return '\n\n'.join(p for p in parts if p) + '\n', images

def main(check=False):
    text, images = nb_to_markdown(ROOT/'nbs'/'index.ipynb')
    text = '<!-- Generated from nbs/index.ipynb by tools/readme.py: edit the notebook, not this file. -->\n\n' + text
    files = {ROOT/'README.md': text.encode('utf-8'), **{ROOT/name: data for name, data in images}}
    stale = [p for p, b in files.items() if not p.is_file() or p.read_bytes() != b]
    if check:
        if stale: print('README is stale; run `python tools/readme.py`:', *[p.relative_to(ROOT) for p in stale]); return 1
        return 0
    for p, b in files.items(): p.parent.mkdir(parents=True, exist_ok=True); p.write_bytes(b)
    print(f'wrote README.md ({len(images)} images)')
    return 0

if __name__ == '__main__': sys.exit(main(check='--check' in sys.argv[1:]))
