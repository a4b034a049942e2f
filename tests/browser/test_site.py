"""Open every page of the built site in headless Chromium (Playwright) and check it like a reader.

Per page, in light and dark mode: the title, a sidebar listing every chapter,
no raw maths left, every image loaded, no traceback or error output, no
console errors, and no request to another host. Screenshots are kept in
tests/artifacts/screenshots.
"""

from __future__ import annotations

import functools
import http.server
import re
import sys
import threading
from pathlib import Path

import pytest
import yaml

from ..book.conftest import ROOT
from ..book.test_build import toc_files

sys.path.insert(0, str(ROOT / "tools"))
import browser as chromium  # noqa: E402  (tools/browser.py: found or installed by `make browser`)

ARGS = chromium.ARGS
SHOTS = ROOT / "tests" / "artifacts" / "screenshots"

pytestmark = pytest.mark.browser

MATHJAX_DONE = """() => {
  if (!window.MathJax) return true;
  const hub = window.MathJax.Hub;
  return !!(hub && window.MathJax.isReady && hub.queue.pending === 0 && !hub.queue.running);
}"""

PAGE_REPORT = """() => {
  const main = document.querySelector('main') || document.body;
  const clone = main.cloneNode(true);
  clone.querySelectorAll('pre, code, script, style, .MathJax, .MathJax_Preview, .MathJax_Display, mjx-container, .highlight').forEach(e => e.remove());
  const text = clone.innerText || clone.textContent;
  const images = Array.from(document.images).map(i => ({src: i.currentSrc || i.src, ok: i.complete && i.naturalWidth > 0}));
  const outputs = Array.from(document.querySelectorAll('.cell_output')).map(o => o.innerText);
  const sidebar = Array.from(document.querySelectorAll('.bd-sidebar a, nav.bd-links a')).map(a => a.getAttribute('href'));
  const errors = document.querySelectorAll('.output.stderr, .output.traceback, .output.error').length;
  return {text, images, outputs, sidebar, errors, typeset: document.querySelectorAll('.MathJax, .MathJax_Display, mjx-container').length,
          math: document.querySelectorAll('.math').length};
}"""

# MathJax 2's HTML-CSS output probes web-font support with an "about:blank" font URL;
# Chromium reports the blocked probe (and its failed load) as console errors. They are
# MathJax's own feature test, not a missing file: a real missing font shows as an HTTP 404.
BENIGN = ("Access to font at 'about:blank'", "net::ERR_FAILED")

RAW_MATH = re.compile(r"\\\(|\\\)|\\\[|\\\]|\$\$|\$[^$\n]*\\[A-Za-z]+[^$\n]*\$")


@pytest.fixture(scope="session")
def server(built_book: Path):
    class Quiet(http.server.SimpleHTTPRequestHandler):
        def log_message(self, *args):
            pass

    handler = functools.partial(Quiet, directory=str(built_book))
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()


# Module scope: a sync Playwright left running for the session makes the next module's
# sync_playwright() (tests/live) fail with "Sync API inside the asyncio loop".
@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    executable = chromium.find()
    if executable is None:  # no silent skip: say what to install
        pytest.fail(chromium.MISSING.format(python=sys.executable))
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=executable, args=ARGS, headless=True)
        yield b
        b.close()


def book_title() -> str:
    return yaml.safe_load((ROOT / "_config.yml").read_text())["title"]


def visit(browser, url: str, base: str, dark: bool, shot: Path | None):
    context = browser.new_context(
        viewport={"width": 1280, "height": 900}, color_scheme="dark" if dark else "light"
    )
    page = context.new_page()
    requests, console = [], []
    page.on("request", lambda r: requests.append(r.url))
    page.on(
        "console",
        lambda m: (
            console.append(m.text)
            if m.type == "error" and not m.text.startswith(BENIGN[0]) and BENIGN[1] not in m.text
            else None
        ),
    )
    page.on("pageerror", lambda e: console.append(str(e)))
    page.on(
        "response",
        lambda r: console.append(f"HTTP {r.status}: {r.url}") if r.status >= 400 else None,
    )
    if dark:
        page.add_init_script(
            "localStorage.setItem('theme', 'dark'); localStorage.setItem('mode', 'dark');"
        )
    page.goto(url, wait_until="load")
    page.wait_for_function(MATHJAX_DONE, timeout=30000)
    page.wait_for_timeout(200)
    report = page.evaluate(PAGE_REPORT)
    report["theme"] = page.evaluate("document.documentElement.dataset.theme")
    report["title"] = page.title()
    if shot is not None:
        shot.parent.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(shot), full_page=False)
    context.close()
    foreign = [
        u
        for u in requests
        if not (u.startswith(base) or u.startswith(("data:", "blob:", "about:")))
    ]
    return report, foreign, console


@pytest.mark.parametrize("dark", [False, True], ids=["light", "dark"])
def test_every_page(browser, server, dark):
    pages = toc_files()
    chapters = [p for p in pages if p != yaml.safe_load((ROOT / "_toc.yml").read_text())["root"]]
    problems = []
    for name in pages:
        report, foreign, console = visit(
            browser,
            f"{server}/{name}.html",
            server,
            dark,
            SHOTS / f"{name.replace('/', '_')}-{'dark' if dark else 'light'}.png",
        )
        where = f"{name} ({'dark' if dark else 'light'})"
        if book_title() not in report["title"]:
            problems.append(f"{where}: title {report['title']!r}")
        if dark and report["theme"] != "dark":
            problems.append(f"{where}: dark mode not applied ({report['theme']})")
        for chapter in chapters:
            stem = chapter.split("/")[-1]
            if chapter == name:  # the current page's own entry links to itself ("#")
                continue
            if not any(h and stem + ".html" in h for h in report["sidebar"]):
                problems.append(f"{where}: sidebar lacks {chapter}")
        raw = RAW_MATH.findall(report["text"])
        if raw:
            problems.append(f"{where}: raw maths left: {raw[:3]}")
        if report["math"] and not report["typeset"]:
            problems.append(f"{where}: maths not typeset")
        broken = [i["src"] for i in report["images"] if not i["ok"]]
        if broken:
            problems.append(f"{where}: images not loaded: {broken[:3]}")
        if report["errors"]:
            problems.append(f"{where}: {report['errors']} error/stderr outputs")
        bad = [o[:120] for o in report["outputs"] if "Traceback (most recent call last)" in o]
        if bad:
            problems.append(f"{where}: error output: {bad[:2]}")
        if foreign:
            problems.append(f"{where}: requests to other hosts: {foreign[:3]}")
        if console:
            problems.append(f"{where}: console errors: {console[:3]}")
    assert not problems, "\n".join(problems)


def test_maths_typeset_from_disk(browser, built_book: Path):
    """Opening the built HTML straight from disk (file://) typesets the maths offline."""
    page_with_math = None
    for html in sorted(built_book.glob("chapters/*.html")):
        if 'class="math' in html.read_text():
            page_with_math = html
            break
    assert page_with_math is not None, "no page with maths"
    base = page_with_math.as_uri()
    report, foreign, _ = visit(browser, base, "file://", False, SHOTS / "from-disk.png")
    assert report["typeset"] > 0
    assert not RAW_MATH.findall(report["text"])
    assert not foreign
    index = (built_book / "index.html").as_uri()
    report, _, _ = visit(browser, index, "file://", False, None)
    assert report["title"]


def test_figures_have_opaque_white_background(built_book: Path):
    """Output figures stay readable in dark mode: opaque (white) corners, no transparency."""
    from PIL import Image

    pngs = sorted((built_book / "_images").glob("*.png"))
    assert pngs, "no figures in the built site"
    transparent = []
    for png in pngs:
        with Image.open(png) as im:
            rgba = im.convert("RGBA")
            w, h = rgba.size
            corners = [rgba.getpixel(c) for c in ((0, 0), (w - 1, 0), (0, h - 1), (w - 1, h - 1))]
            if any(c[3] < 255 for c in corners):
                transparent.append(png.name)
    assert not transparent, f"figures with a transparent background: {transparent[:5]}"
