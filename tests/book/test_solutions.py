"""Every published solution passes its own check in the executed book.

A solution cell that calls an ``xai4ess.exercises.check_*`` function shows the
check's verdict (a :class:`~xai4ess.exercises._core.Feedback`, drawn with a
check mark or a cross). A cross inside a solution means the book publishes an
answer that its own check rejects.
"""

from __future__ import annotations

import json
from pathlib import Path

from .conftest import ROOT

#: The HTML marks of a failed and a passed Feedback (see ``Feedback._repr_html_``).
FAIL_MARK = "&#10008;"
PASS_MARK = "&#10004;"


def solution_verdicts(notebook: Path) -> list[tuple[int, str]]:
    """(cell index, "pass"/"fail") of every check verdict shown by a solution cell.

    Solution cells are the code cells between a ``{solution-start}`` and the
    next ``{solution-end}`` marker (markdown cells of the executed notebook).
    """
    cells = json.loads(notebook.read_text())["cells"]
    inside = False
    verdicts = []
    for i, cell in enumerate(cells):
        src = "".join(cell["source"]) if isinstance(cell["source"], list) else cell["source"]
        if cell["cell_type"] == "markdown":
            if "{solution-start}" in src:
                inside = True
            if "{solution-end}" in src:
                inside = False
            continue
        if not inside or cell["cell_type"] != "code":
            continue
        for out in cell.get("outputs", []):
            html = out.get("data", {}).get("text/html", "")
            html = "".join(html) if isinstance(html, list) else html
            if FAIL_MARK in html or "\u2718" in html:
                verdicts.append((i, "fail"))
            elif PASS_MARK in html or "\u2714" in html:
                verdicts.append((i, "pass"))
    return verdicts


def executed_notebooks() -> list[Path]:
    return sorted((ROOT / "_build" / "jupyter_execute" / "chapters").glob("*.ipynb"))


def test_every_solution_passes_its_check(built_book: Path):
    notebooks = executed_notebooks()
    assert len(notebooks) >= 7, "no executed notebooks under _build/jupyter_execute/chapters"
    failures = []
    n_checked = 0
    for nb in notebooks:
        for cell, verdict in solution_verdicts(nb):
            n_checked += 1
            if verdict == "fail":
                failures.append(f"{nb.stem}: cell {cell}")
    assert n_checked >= 10, f"only {n_checked} solution verdicts found: are checks displayed?"
    assert not failures, "solutions that fail their own check: " + ", ".join(failures)


def test_scanner_sees_a_failing_solution(tmp_path: Path):
    """The scanner itself: a solution cell with a cross is reported, an exercise cell is not."""

    def md(text):
        return {"cell_type": "markdown", "metadata": {}, "source": text}

    def code(mark):
        html = f"<p><b>{mark}</b> message</p>"
        return {
            "cell_type": "code",
            "metadata": {},
            "source": "check(x)",
            "outputs": [{"output_type": "display_data", "data": {"text/html": html}}],
        }

    nb = {
        "cells": [
            code(FAIL_MARK),  # the student's stub: a cross is expected here
            md("````{solution-start} ex\n````"),
            code(PASS_MARK),
            code(FAIL_MARK),
            md("````{solution-end}\n````"),
        ],
        "metadata": {},
        "nbformat": 4,
        "nbformat_minor": 5,
    }
    path = tmp_path / "nb.ipynb"
    path.write_text(json.dumps(nb))
    assert solution_verdicts(path) == [(2, "pass"), (3, "fail")]
