"""Time Run All of notebooks in JupyterLab, as a reader runs them: a headless Chromium (Playwright) opens each notebook
in a JupyterLab server, chooses Run ▸ Run All Cells, and waits until every code cell has run; prints a table.

    .venv/bin/python tools/jupyterlab_runall.py /tmp/clone/nbs 00_data 01_embeddings ...   # (a clone: outputs get saved there)

Needs Chromium (`apt-get install chromium`); the notebooks' folder should be a scratch copy."""
import json, os, socket, subprocess, sys, time, urllib.request
from pathlib import Path
from playwright.sync_api import sync_playwright

def free_port() -> int:
    with socket.socket() as s: s.bind(('127.0.0.1', 0)); return s.getsockname()[1]

def start_lab(folder:Path, port:int) -> subprocess.Popen:
    "A JupyterLab server on `folder`, without a token, rendering every cell (no windowing: the cells are counted); returns once it answers."
    settings = Path(folder)/'.jupyterlab-settings'/'@jupyterlab'/'notebook-extension'
    settings.mkdir(parents=True, exist_ok=True)
    (settings/'tracker.jupyterlab-settings').write_text(json.dumps(dict(windowingMode='none')))
    p = subprocess.Popen([str(Path(sys.executable).parent/'jupyter'), 'lab', '--no-browser', f'--port={port}', '--IdentityProvider.token=',
                          '--ServerApp.password=', '--ServerApp.disable_check_xsrf=True', '--allow-root', f'--ServerApp.root_dir={folder}'],
                         stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                         env={**os.environ, 'JUPYTERLAB_SETTINGS_DIR': str(Path(folder)/'.jupyterlab-settings')})
    for _ in range(120):
        try: urllib.request.urlopen(f'http://127.0.0.1:{port}/api/status', timeout=2); return p
        except Exception: time.sleep(0.5)
    p.kill(); raise SystemExit('JupyterLab did not start')

DONE = """() => { const nb = document.querySelector('.jp-NotebookPanel:not(.lm-mod-hidden) .jp-Notebook');
  const cells = nb ? [...nb.querySelectorAll('.jp-CodeCell')] : [];
  const prompts = cells.map(c => (c.querySelector('.jp-InputPrompt') || {}).textContent || '');
  const outs = nb ? [...nb.querySelectorAll('.jp-OutputArea-output')] : [];
  return {n: cells.length, busy: prompts.filter(p => p.includes('*')).length, ran: prompts.filter(p => /\\[\\d+\\]/.test(p)).length,
          errors: outs.filter(o => o.textContent.includes('Traceback')).length}; }"""

def shut_kernels(port:int):
    "Shut down every kernel of the server (one notebook at a time, as a reader closes one before the next)."
    for k in json.load(urllib.request.urlopen(f'http://127.0.0.1:{port}/api/kernels')):
        urllib.request.urlopen(urllib.request.Request(f'http://127.0.0.1:{port}/api/kernels/{k["id"]}', method='DELETE'))

def run_all(page, url:str, timeout:float=600.) -> dict:
    "Open `url`, wait for an idle kernel, Run All; seconds until every code cell ran, and the counts."
    page.goto(url + '?reset')                   # a fresh workspace: only this notebook open
    page.wait_for_selector('.jp-NotebookPanel:not(.lm-mod-hidden) .jp-Notebook .jp-CodeCell', timeout=120_000)
    page.wait_for_function("() => { const s = document.querySelector('.jp-Toolbar-kernelStatus, [data-status]'); return !s || !/busy|starting|unknown/i.test(s.getAttribute('data-status') || s.title || ''); }", timeout=120_000)
    page.wait_for_timeout(2000)
    page.locator('.lm-MenuBar-itemLabel', has_text='Run').first.click()
    page.locator('.lm-Menu-itemLabel', has_text='Run All Cells').first.click()
    t0 = time.perf_counter()
    while True:
        s = page.evaluate(DONE)
        if s['n'] and s['busy'] == 0 and (s['ran'] == s['n'] or s['errors']): break
        if time.perf_counter() - t0 > timeout: s['timeout'] = True; break
        page.wait_for_timeout(250)
    s['seconds'] = time.perf_counter() - t0
    return s

if __name__ == '__main__':
    folder, names = Path(sys.argv[1]).resolve(), sys.argv[2:]
    port = free_port(); lab = start_lab(folder, port)
    try:
        with sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=os.environ.get('CHROMIUM', '/usr/bin/chromium'), args=['--no-sandbox'])
            page = browser.new_page(viewport=dict(width=1400, height=900))
            print('| notebook | Run All (s) | code cells run | errors |\n|---|---|---|---|')
            for name in names:
                s = run_all(page, f'http://127.0.0.1:{port}/lab/tree/{name}.ipynb')
                print(f"| {name} | {s['seconds']:.1f}{' (timed out)' if s.get('timeout') else ''} | {s['ran']} of {s['n']} | {s['errors']} |", flush=True)
                page.keyboard.press('Control+s'); page.wait_for_timeout(500)
                shut_kernels(port)
            browser.close()
    finally: lab.terminate(); lab.wait(10)
