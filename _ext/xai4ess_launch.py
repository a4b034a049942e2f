"""Sphinx extension: launch buttons open the student notebook of a chapter.

sphinx-book-theme derives the Binder and Colab links from the page's source
(``chapters/02_clever_hans.md``). JupyterLab opens such a file in its text
editor and Colab cannot open it at all, so this extension rewrites the links of
every chapter page to the generated student notebook
(``notebooks/02_clever_hans.ipynb``, made by ``tools/student.py``; a test keeps
it in sync with the chapter). Pages without a student notebook lose their
launch buttons instead of pointing at a file that does not work.
"""

from __future__ import annotations

from pathlib import Path

NOTEBOOK_DIR = "notebooks"


def student_path(pagename: str, srcdir: str | Path) -> str | None:
    """Repository path of the student notebook of ``pagename``, or None if it has none.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> d = pathlib.Path(tempfile.mkdtemp()); (d / "notebooks").mkdir()
    >>> _ = (d / "notebooks" / "02_x.ipynb").write_text("{}")
    >>> student_path("chapters/02_x", d)
    'notebooks/02_x.ipynb'
    >>> student_path("intro", d) is None
    True
    """
    rel = f"{NOTEBOOK_DIR}/{Path(pagename).name}.ipynb"
    if not pagename.startswith("chapters/") or not (Path(srcdir) / rel).exists():
        return None
    return rel


def rewrite_url(url: str, pagename: str, target: str) -> str:
    """Replace the page's source path in a launch URL by ``target``.

    Examples
    --------
    >>> rewrite_url("https://mybinder.org/v2/gh/o/r/main?urlpath=lab/tree/chapters/02_x.md",
    ...             "chapters/02_x", "notebooks/02_x.ipynb")
    'https://mybinder.org/v2/gh/o/r/main?urlpath=lab/tree/notebooks/02_x.ipynb'
    """
    for ext in (".md", ".ipynb"):
        source = f"{pagename}{ext}"
        if url.endswith(source):
            return url[: -len(source)] + target
    raise ValueError(f"launch URL {url!r} does not end with the page source {pagename!r}")


def _launch_group(context) -> dict | None:
    for button in context.get("header_buttons", []):
        if button.get("type") == "group" and button.get("label") == "launch-buttons":
            return button
    return None


def _page_context(app, pagename, templatename, context, doctree):
    group = _launch_group(context)
    if group is None:
        return
    target = student_path(pagename, app.srcdir)
    if target is None:
        context["header_buttons"].remove(group)
        return
    for button in group["buttons"]:
        if button.get("type") == "link" and button.get("url"):
            button["url"] = rewrite_url(button["url"], pagename, target)


def setup(app):
    # sphinx-book-theme adds the launch buttons at priority 501; rewrite them after it.
    app.connect("html-page-context", _page_context, priority=600)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
