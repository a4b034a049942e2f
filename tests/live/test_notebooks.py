"""Live notebook test: JupyterLab set up as on Binder, each chapter opened from its launch URL.

JupyterLab runs from ``.venv-live`` (``make live-env``: the pinned JupyterLab
side of Binder's image, configured by ``postBuild``) on 127.0.0.1, in a copy of
the repository's notebooks, chapters and images (a student's autosave must not
touch the worktree). For every chapter, headless Chromium opens the launch
URL's path (``lab/tree/notebooks/NN_x.ipynb``, what the book's Binder button
asks for) and checks that it is a notebook, not a text editor; that the
exercise titles are rendered headings, maths is typeset and no solution text is
shown. ``RUN_ALL`` chapters (``XAI4ESS_LIVE_RUN_ALL=all``: every chapter) are run
with Run All (0 errors), and in each of their interactive demos one control is
changed: the figure must change within ``RESPONSE_LIMIT`` seconds, exactly once,
with one figure left. Each kernel's peak memory (RSS of the kernel and its
children; its anonymous part at that moment is recorded beside it) must stay under
``MEMORY_LIMIT``. Everything measured is written to
``tests/artifacts/live/results.json``; values above the issue's targets
(``RESPONSE_TARGET`` = 1 s, ``MEMORY_TARGET`` = 1 GB) are reported as warnings.
The hard limits are the project's budgets (1.5 GB per chapter) and 5 s per
change, because this machine is shared and a loaded CPU multiplies the times.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import socket
import subprocess
import sys
import threading
import time
import urllib.request
import warnings
from pathlib import Path

import pytest

from ..conftest import ROOT

sys.path.insert(0, str(ROOT / "tools"))
sys.path.insert(0, str(ROOT / "_ext"))
import browser as chromium  # noqa: E402
import student  # noqa: E402
import xai4ess_launch  # noqa: E402

pytestmark = pytest.mark.live

LIVE = ROOT / ".venv-live"
CHAPTERS = sorted((ROOT / "chapters").glob("*.md"))
RUN_ALL = ("02_clever_hans", "07_receptive_fields")
if os.environ.get("XAI4ESS_LIVE_RUN_ALL") == "all":  # measure every chapter (about 10 min)
    RUN_ALL = tuple(md.stem for md in CHAPTERS)
RESPONSE_TARGET = 1.0
MEMORY_TARGET = 1e9
RESPONSE_LIMIT = float(os.environ.get("XAI4ESS_LIVE_RESPONSE_S", "5.0"))
MEMORY_LIMIT = float(os.environ.get("XAI4ESS_LIVE_MEMORY_GB", "1.5")) * 1e9
ARTIFACTS = ROOT / "tests" / "artifacts" / "live"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _api(base: str, path: str, method: str = "GET"):
    req = urllib.request.Request(f"{base}{path}", method=method)
    with urllib.request.urlopen(req, timeout=30) as r:
        body = r.read()
    return json.loads(body) if body else None


def _anonymous(pid: int) -> int:
    """Bytes of a process's anonymous memory (what only it holds; Linux, else 0).

    The rest of its resident memory is mapped files, mostly TensorFlow's library
    (0.27-0.44 GB, depending on how much of it the page cache already holds); the
    kernel can drop those pages under pressure and two kernels share them.
    """
    try:
        with open(f"/proc/{pid}/smaps_rollup") as f:
            for line in f:
                if line.startswith("Anonymous:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    return 0


class Lab:
    """A JupyterLab server and a sampler of its kernels' memory."""

    def __init__(self, base: str, proc: subprocess.Popen, work: Path):
        self.base, self.proc, self.work = base, proc, work
        self.peak = 0
        self.peak_anonymous = 0  # at the resident peak
        self._stop = False
        self._thread = threading.Thread(target=self._sample, daemon=True)
        self._thread.start()

    def _sample(self):
        import psutil

        server = psutil.Process(self.proc.pid)
        while not self._stop:
            try:
                total, anonymous = 0, 0
                for kernel in server.children():
                    procs = [kernel, *kernel.children(recursive=True)]
                    rss = sum(p.memory_info().rss for p in procs)
                    if rss > total:
                        total, anonymous = rss, sum(_anonymous(p.pid) for p in procs)
                if total > self.peak:
                    self.peak, self.peak_anonymous = total, anonymous
            except psutil.Error:
                pass
            time.sleep(0.2)

    def shutdown_kernels(self):
        for session in _api(self.base, "/api/sessions"):
            _api(self.base, f"/api/sessions/{session['id']}", "DELETE")
        for _ in range(100):
            if not _api(self.base, "/api/kernels"):
                return
            time.sleep(0.2)

    def close(self):
        self._stop = True
        self.proc.terminate()
        try:
            self.proc.wait(20)
        except subprocess.TimeoutExpired:
            self.proc.kill()


@pytest.fixture(scope="module")
def lab(tmp_path_factory):
    jupyter_lab = LIVE / "bin" / "jupyter-lab"
    if not jupyter_lab.exists():
        pytest.fail(f"no JupyterLab for the live test at {jupyter_lab}: run `make live-env`")
    tmp = tmp_path_factory.mktemp("live")
    work = tmp / "repo"
    for item in ("notebooks", "chapters", "images"):
        shutil.copytree(ROOT / item, work / item)
    # Test-only: render every cell (JupyterLab 4 otherwise renders only the visible ones).
    settings = tmp / "user-settings" / "@jupyterlab" / "notebook-extension"
    settings.mkdir(parents=True)
    (settings / "tracker.jupyterlab-settings").write_text('{"windowingMode": "none"}')
    env = dict(
        os.environ,
        JUPYTER_CONFIG_DIR=str(tmp / "config"),  # ignore the user's own Jupyter set-up
        JUPYTER_DATA_DIR=str(tmp / "data"),
        JUPYTER_RUNTIME_DIR=str(tmp / "runtime"),
        JUPYTERLAB_SETTINGS_DIR=str(tmp / "user-settings"),
        JUPYTERLAB_WORKSPACES_DIR=str(tmp / "workspaces"),
        PYTHONPATH=os.pathsep.join(p for p in (str(ROOT), os.environ.get("PYTHONPATH")) if p),
    )
    env.pop("MPLBACKEND", None)
    port = _free_port()
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    log = open(ARTIFACTS / "jupyterlab.log", "w")  # noqa: SIM115
    proc = subprocess.Popen(
        [
            str(jupyter_lab),
            "--no-browser",
            "--ip=127.0.0.1",
            f"--port={port}",
            "--IdentityProvider.token=",
            "--ServerApp.password=",
            "--ServerApp.disable_check_xsrf=True",
            "--allow-root",
            f"--ServerApp.root_dir={work}",
        ],
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    base = f"http://127.0.0.1:{port}"
    for _ in range(300):
        try:
            _api(base, "/api/status")
            break
        except OSError:
            if proc.poll() is not None:
                pytest.fail(f"JupyterLab exited; see {ARTIFACTS / 'jupyterlab.log'}")
            time.sleep(0.2)
    server = Lab(base, proc, work)
    yield server
    server.close()
    log.close()


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    executable = chromium.find()
    if executable is None:
        pytest.fail(chromium.MISSING.format(python=sys.executable))
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=executable, args=chromium.ARGS, headless=True)
        yield b
        b.close()


@pytest.fixture
def page(browser):
    """A fresh browser per chapter, as a student opening one launch link."""
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    yield context.new_page()
    context.close()


def launch_path(stem: str) -> str:
    """The ``urlpath`` of the chapter's Binder button (as the book's extension makes it)."""
    url = xai4ess_launch.rewrite_url(
        f"https://mybinder.org/v2/gh/o/r/main?urlpath=lab/tree/chapters/{stem}.md",
        f"chapters/{stem}",
        xai4ess_launch.student_path(f"chapters/{stem}", ROOT),
    )
    return url.split("?urlpath=", 1)[1]


def solution_lines(md: Path) -> list[str]:
    from ..book.test_student import distinctive_lines

    text = md.read_text()
    outside, _ = student.strip_solutions(text)
    lines = []
    for block in student.solution_blocks(text):
        lines += [s for s in distinctive_lines(block) if s not in outside]
    return lines


NOTEBOOK_TEXT = """() => {
  const nb = document.querySelector('.jp-NotebookPanel:not(.lm-mod-hidden) .jp-Notebook');
  return nb ? nb.innerText : '';
}"""

STATE = """() => {
  const nb = document.querySelector('.jp-NotebookPanel:not(.lm-mod-hidden) .jp-Notebook');
  const prompts = Array.from(nb.querySelectorAll('.jp-InputArea-prompt')).map(p => p.innerText);
  return {busy: prompts.filter(p => p.includes('*')).length,
          run: prompts.filter(p => /\\[\\d+\\]/.test(p)).length,
          errors: nb.querySelectorAll('[data-mime-type="application/vnd.jupyter.error"]').length};
}"""


def open_notebook(page, lab: Lab, stem: str):
    # ?reset: a clean workspace (Binder starts with one; here earlier chapters would reopen)
    page.goto(f"{lab.base}/{launch_path(stem)}?reset")
    page.wait_for_selector(".jp-NotebookPanel:visible .jp-Notebook .jp-Cell", timeout=120_000)
    page.wait_for_function(
        "() => !!document.querySelector('.jp-NotebookPanel:not(.lm-mod-hidden)"
        ' .jp-Notebook-ExecutionIndicator[data-status="idle"]\')'
        " || document.querySelector('.jp-Toolbar-kernelStatus')",
        timeout=120_000,
    )


def run_all(page, timeout_s: float = 300):
    page.click(".lm-MenuBar-itemLabel:text-is('Run')")
    page.click(".lm-Menu-itemLabel:text-is('Run All Cells')")
    t0 = time.time()
    time.sleep(2)
    while time.time() - t0 < timeout_s:
        state = page.evaluate(STATE)
        if state["errors"] or (state["busy"] == 0 and state["run"] > 0):
            return state, time.time() - t0
        time.sleep(1)
    raise AssertionError(f"Run All did not finish in {timeout_s} s: {state}")


CHANGE_ONE_CONTROL = """async ([index, limit]) => {
  const demos = Array.from(document.querySelectorAll(
    '.jp-NotebookPanel:not(.lm-mod-hidden) .jp-OutputArea-output > .widget-vbox, '
    + '.jp-NotebookPanel:not(.lm-mod-hidden) .jp-OutputArea-output .jupyter-widgets.widget-vbox'));
  const top = demos.filter(d => !d.parentElement.closest('.widget-vbox'));
  const demo = top[index];
  const figure = () => Array.from(demo.querySelectorAll('.widget-output img')).map(i => i.src).join('|');
  const images = () => demo.querySelectorAll('.widget-output img').length;
  const deadline = Date.now() + 60000;
  while (!figure() && Date.now() < deadline) await new Promise(r => setTimeout(r, 100));
  const before = figure();
  let added = 0;
  const obs = new MutationObserver(ms => ms.forEach(m => m.addedNodes.forEach(n => {
    if (n.nodeName === 'IMG' || (n.querySelectorAll && n.querySelectorAll('img').length)) added++;
  })));
  obs.observe(demo, {childList: true, subtree: true});
  // Try the demo's controls in turn (menus, check boxes, buttons) until one redraws
  // the figure: some menus only choose what a button then does.
  const candidates = [
    ...Array.from(demo.querySelectorAll('select')).filter(s => s.options.length > 1),
    ...demo.querySelectorAll('input[type=checkbox]'),
    ...demo.querySelectorAll('button')];
  const tried = [];
  let control = 'none', seconds = null;
  for (const el of candidates) {
    const name = el.nodeName === 'SELECT'
      ? 'menu ' + (el.closest('.widget-dropdown')?.innerText || '').split('\\n')[0]
      : (el.nodeName === 'BUTTON' ? 'button ' + el.innerText : 'checkbox');
    added = 0;
    const t0 = performance.now();
    if (el.nodeName === 'SELECT') {
      el.selectedIndex = (el.selectedIndex + 1) % el.options.length;
      el.dispatchEvent(new Event('change', {bubbles: true}));
    } else { el.click(); }
    while (performance.now() - t0 < limit * 1000) {
      if (figure() && figure() !== before) { seconds = (performance.now() - t0) / 1000; break; }
      await new Promise(r => setTimeout(r, 20));
    }
    tried.push(name);
    if (seconds !== null) { control = name; break; }
  }
  await new Promise(r => setTimeout(r, 1500));
  obs.disconnect();
  return {control, seconds, added, images: images(), demos: top.length, tried};
}"""


def count_demos(page) -> int:
    return page.evaluate(
        """() => Array.from(document.querySelectorAll(
        '.jp-NotebookPanel:not(.lm-mod-hidden) .jp-OutputArea-output .widget-vbox'))
        .filter(d => !d.parentElement.closest('.widget-vbox')).length"""
    )


RESULTS: dict[str, dict] = {}


@pytest.mark.parametrize("md", CHAPTERS, ids=[md.stem for md in CHAPTERS])
def test_chapter_opens_as_student_notebook(lab, page, md: Path):
    stem = md.stem
    lab.peak = lab.peak_anonymous = 0
    t0 = time.time()
    open_notebook(page, lab, stem)
    assert page.locator(".jp-NotebookPanel:visible").count() >= 1
    assert page.locator(".jp-FileEditor:visible").count() == 0, "opened in the text editor"
    text = page.evaluate(NOTEBOOK_TEXT)
    nb = student.student_notebook(md)
    titles = re.findall(r"^### (Exercise \d+.*)$", "\n".join(c.source for c in nb.cells), re.M)
    try:  # markdown cells render (and MathJax typesets) a moment after the notebook opens
        page.wait_for_function(
            """n => Array.from(document.querySelectorAll('.jp-RenderedMarkdown h3'))
                .filter(h => h.offsetParent && h.innerText.startsWith('Exercise')).length >= n""",
            arg=len(titles),
            timeout=60_000,
        )
    except Exception:  # noqa: BLE001 - the assertion below says what is missing
        pass
    headings = page.locator(".jp-NotebookPanel:visible .jp-RenderedMarkdown h3").all_inner_texts()
    for title in titles:
        plain = re.sub(r"[`*]", "", title)
        assert any(plain in h for h in headings), f"{stem}: heading {plain!r} not rendered"
    for raw in (":label:", "{exercise}", "{solution", ":class: dropdown", "{cite"):
        assert raw not in text, f"{stem}: raw MyST {raw!r} visible"
    leaks = [s for s in solution_lines(md) if s in text]
    assert not leaks, f"{stem}: solution text visible: {leaks[:3]}"
    if any("$" in c.source for c in nb.cells if c.cell_type == "markdown"):
        assert page.locator(".jp-RenderedMarkdown mjx-container").count() > 0, "maths not typeset"
    result = {"opened_s": round(time.time() - t0, 1), "run_all": stem in RUN_ALL}
    if stem in RUN_ALL:
        state, seconds = run_all(page)
        result.update(run_all_s=round(seconds, 1), errors=state["errors"])
        assert state["errors"] == 0, f"{stem}: Run All gave {state['errors']} error(s)"
        demos = []
        for i in range(count_demos(page)):
            r = page.evaluate(CHANGE_ONE_CONTROL, [i, RESPONSE_LIMIT])
            demos.append(r)
        result["demos"] = demos
        # the picture for the README: the first exercise, its answer and check cells
        page.locator(
            ".jp-NotebookPanel:visible .jp-RenderedMarkdown h3", has_text="Exercise 1"
        ).first.evaluate("h => h.scrollIntoView({block: 'start'})")
        time.sleep(1)
        page.screenshot(path=str(ARTIFACTS / f"{stem}.png"))
    time.sleep(1)
    result["peak_memory_gb"] = round(lab.peak / 1e9, 3)
    result["anonymous_at_peak_gb"] = round(lab.peak_anonymous / 1e9, 3)
    RESULTS[stem] = result
    lab.shutdown_kernels()
    (ARTIFACTS / "results.json").write_text(json.dumps(RESULTS, indent=1))
    for r in result.get("demos", []):
        assert r["seconds"] is not None, f"{stem}: the demo did not redraw after {r['control']}"
        assert r["added"] == 1 and r["images"] == 1, f"{stem}: redraws/figures {r}"
        assert r["seconds"] < RESPONSE_LIMIT, f"{stem}: {r['control']} took {r['seconds']:.2f} s"
        if r["seconds"] >= RESPONSE_TARGET:
            warnings.warn(
                f"{stem}: {r['control']} took {r['seconds']:.2f} s (target 1 s)", stacklevel=2
            )
    assert lab.peak < MEMORY_LIMIT, f"{stem}: kernel peaked at {lab.peak / 1e9:.2f} GB"
    if lab.peak >= MEMORY_TARGET:
        warnings.warn(
            f"{stem}: kernel peaked at {lab.peak / 1e9:.2f} GB (target 1 GB)", stacklevel=2
        )


def test_chapter_source_opens_rendered_not_in_editor(lab, page):
    """A chapter's .md (the old launch target) opens as a read-only preview: autosave cannot
    rewrite it and no solution is offered as a notebook."""
    page.goto(f"{lab.base}/lab/tree/chapters/{CHAPTERS[1].name}?reset")
    page.wait_for_selector(".jp-MainAreaWidget:visible .jp-RenderedMarkdown h1", timeout=120_000)
    assert page.locator(".jp-FileEditor:visible").count() == 0
    before = (lab.work / "chapters" / CHAPTERS[1].name).read_text()
    time.sleep(3)
    assert (lab.work / "chapters" / CHAPTERS[1].name).read_text() == before
