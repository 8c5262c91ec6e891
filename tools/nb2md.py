"""Notebook → Markdown, shared by tools/readme.py (README.md) and tools/docsite.py (the docs site).

Markdown cells are copied; code cells become ```python blocks followed by their outputs, honouring nbdev's
`#| hide` and `#| include: false` (drop the cell), `#| echo: false` (output only) and `#| output: false` (code only).
Images are returned as (relative path, bytes) pairs, named `{stem}_files/figure-N.png`, for the caller to write."""
import base64, json, re
from pathlib import Path

_directive = re.compile(r'^\s*#\|\s*(.+?)\s*$')

def directives(src):
    "nbdev/Quarto cell directives (`#| hide`, `#| echo: false`) as a dict, and the source without them."
    opts, lines = {}, src.splitlines()
    while lines and (m := _directive.match(lines[0])):
        k, _, v = m.group(1).partition(':')
        opts[k.strip()] = v.strip() or True
        lines.pop(0)
    return opts, '\n'.join(lines).strip('\n')

def _indent(text): return '    ' + text.rstrip('\n').replace('\n', '\n    ')

def output_md(out, stem, images, fix_md):
    "Markdown for one cell output; images are appended to `images` as (name, bytes)."
    if out['output_type'] == 'stream': return _indent(''.join(out['text']))
    data = out.get('data', {})
    for mime, ext in (('image/png', 'png'), ('image/svg+xml', 'svg')):
        if mime in data:
            name, raw = f'{stem}_files/figure-{len(images)}.{ext}', data[mime]
            images.append((name, base64.b64decode(raw) if ext == 'png' else ''.join(raw).encode('utf-8')))
            return f'![]({name})'
    if 'text/markdown' in data: return fix_md(''.join(data['text/markdown']))
    if 'text/html' in data: return ''.join(data['text/html'])
    if 'text/plain' in data: return _indent(''.join(data['text/plain']))
    return ''

def nb_to_markdown(nb_path, stem=None, fix_md=lambda md: md, wrap_outputs=lambda md: md):
    """(markdown text, [(image path, bytes)]) for a notebook.
    `fix_md` rewrites Markdown (cells and Markdown outputs); `wrap_outputs` wraps a code cell's displayed outputs."""
    nb, stem = json.loads(Path(nb_path).read_text(encoding='utf-8')), stem or Path(nb_path).stem
    parts, images = [], []
    for cell in nb['cells']:
        src = ''.join(cell['source'])
        if cell['cell_type'] == 'markdown': parts.append(fix_md(src.strip())); continue
        if cell['cell_type'] != 'code': continue
        opts, code = directives(src)
        if 'hide' in opts or 'default_exp' in opts or opts.get('include') == 'false': continue
        if code and opts.get('echo') != 'false': parts.append(f'```python\n{code}\n```')
        if opts.get('output') == 'false': continue
        outs = [md for out in cell.get('outputs', []) if (md := output_md(out, stem, images, fix_md))]
        if outs: parts.extend(outs if opts.get('output') == 'asis' else [wrap_outputs('\n\n'.join(outs))])
    return '\n\n'.join(p for p in parts if p) + '\n', images
