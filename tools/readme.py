"""Generate README.md from nbs/index.ipynb without Quarto (`--check`: exit 1 if README.md is stale).

The notebook → Markdown conversion is shared with the docs site (tools/nb2md.py). Plots go to `index_files/`; images
that the notebook links by a relative path (e.g. `screenshots/home.png`) are re-pointed into `nbs/`."""
import re, sys
from pathlib import Path
from nb2md import nb_to_markdown

ROOT = Path(__file__).resolve().parent.parent
_rel_img = re.compile(r'(!\[[^\]]*\]\(|<img [^>]*src=")(?![a-z]+:|/|#)')

def rebase_images(md):
    "Images the notebook links relative to nbs/, linked relative to the repository root instead."
    return _rel_img.sub(r'\1nbs/', md)

def main(check=False):
    text, images = nb_to_markdown(ROOT/'nbs'/'index.ipynb', fix_md=rebase_images)
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
