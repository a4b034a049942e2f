"""tools/outputs_diff.py finds a changed glued number and a changed printed line, and nothing else."""

from __future__ import annotations

import copy
import doctest
import json
import sys

from ..conftest import ROOT

sys.path.insert(0, str(ROOT / "tools"))
import outputs_diff  # noqa: E402


def _nb(acc: str, printed: str) -> dict:
    glue = {
        "output_type": "display_data",
        "data": {"text/plain": acc},
        "metadata": {"scrapbook": {"name": "acc", "mime_prefix": ""}},
    }
    stream = {"output_type": "stream", "name": "stdout", "text": printed}
    image = {
        "output_type": "display_data",
        "metadata": {},
        "data": {"image/png": "AAAA", "text/plain": "<Figure size 640x480 with 1 Axes>"},
    }
    cell = {
        "cell_type": "code",
        "source": "glue('acc', acc)\nprint(x)",
        "metadata": {},
        "outputs": [glue, stream, image],
    }
    return {
        "cells": [{"cell_type": "markdown", "source": "# t", "metadata": {}}, cell],
        "metadata": {},
        "nbformat": 4,
        "nbformat_minor": 5,
    }


def _write(tmp_path, name, nb):
    path = tmp_path / name
    path.write_text(json.dumps(nb))
    return path


def test_identical_runs_report_nothing(tmp_path):
    a = _write(tmp_path, "a.ipynb", _nb("0.93", "skill 0.41\n"))
    b = _write(tmp_path, "b.ipynb", _nb("0.93", "skill 0.41\n"))
    assert outputs_diff.compare(a, b, []) == []
    assert outputs_diff.main([str(a), str(b)]) == 0


def test_changed_glue_and_printed_number_are_reported(tmp_path):
    a = _write(tmp_path, "a.ipynb", _nb("0.93", "skill 0.41\n"))
    b = _write(tmp_path, "b.ipynb", _nb("0.94", "skill 0.42\n"))
    report = outputs_diff.compare(a, b, [])
    assert report[0] == "glue acc: '0.93' -> '0.94'"
    assert "-skill 0.41" in report[1] and "+skill 0.42" in report[1]
    assert outputs_diff.main([str(a), str(b)]) == 1


def test_images_are_not_compared_and_ignore_skips_lines(tmp_path):
    nb = _nb("0.93", "took 3.1 s\n")
    other = copy.deepcopy(nb)
    other["cells"][1]["outputs"][2]["data"]["image/png"] = "BBBB"
    other["cells"][1]["outputs"][1]["text"] = "took 2.7 s\n"
    a, b = _write(tmp_path, "a.ipynb", nb), _write(tmp_path, "b.ipynb", other)
    assert len(outputs_diff.compare(a, b, [])) == 1
    assert outputs_diff.compare(a, b, [__import__("re").compile(r"took .* s")]) == []


def test_docstring_example_runs():
    assert doctest.testmod(outputs_diff).failed == 0


def test_html_scripts_are_skipped_but_html_text_is_compared(tmp_path):
    def nb(element_id, value):
        html = f'<table><tr><td>{value}</td></tr></table><script>var id = "{element_id}";</script>'
        page = _nb("0.93", "")
        page["cells"][1]["outputs"] = [
            {"output_type": "display_data", "metadata": {}, "data": {"text/html": html}}
        ]
        return page

    a = _write(tmp_path, "a.ipynb", nb("anim1", "0.5"))
    assert outputs_diff.compare(a, _write(tmp_path, "b.ipynb", nb("anim2", "0.5")), []) == []
    assert len(outputs_diff.compare(a, _write(tmp_path, "c.ipynb", nb("anim1", "0.6")), [])) == 1
