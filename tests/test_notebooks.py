"The committed notebooks as a reader opens them: a kernel named (no kernel dialog in JupyterLab), and a size the docs can carry."
import json
from pathlib import Path

import pytest

NBS = sorted((Path(__file__).parent.parent/'nbs').rglob('*.ipynb'))


@pytest.mark.parametrize('path', NBS, ids=lambda p: p.name)
def test_notebook_names_its_kernel_and_fits(path):
    nb = json.loads(path.read_text(encoding='utf-8'))
    assert nb['metadata'].get('kernelspec', {}).get('name') == 'python3', f'{path.name}: no python3 kernelspec (JupyterLab would ask for a kernel)'
    assert path.stat().st_size <= 1_000_000, f'{path.name} is {path.stat().st_size:,} bytes, over 1 MB'


@pytest.mark.parametrize('path', NBS, ids=lambda p: p.name)
def test_run_all_does_not_export(path):
    "Run All in JupyterLab must not rewrite the installed package from a reader's edits: only `nbdev_export` (a maintainer's command) exports."
    cells = json.loads(path.read_text(encoding='utf-8'))['cells']
    assert not [i for i, c in enumerate(cells) if c['cell_type'] == 'code' and 'nbdev_export(' in ''.join(c['source'])], path.name
