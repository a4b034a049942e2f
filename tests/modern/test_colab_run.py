"""tools/colab_run.py: the Colab-style run finds and rewrites the setup cell it must run.

These checks are cheap (no kernel); the run itself is ``make colab-run`` (part of
``make test-modern``).
"""

from __future__ import annotations

import sys
from pathlib import Path

import nbformat
import pytest

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "tools"))
import colab_run  # noqa: E402

NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb"))


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.stem for p in NOTEBOOKS])
def test_setup_cell_is_first_and_points_at_github(path):
    """The launch notebook's first cell installs from the GitHub URL the run replaces,
    only on Colab, and runs ``python -m xai4ess setup``; nothing else mentions Colab."""
    nb = nbformat.read(path, as_version=4)
    first = nb.cells[0]
    assert first.cell_type == "code"
    assert 'if "google.colab" in sys.modules:' in first.source
    assert colab_run.GITHUB in first.source
    assert '"-m", "xai4ess", "setup"' in first.source
    rest = [c.source for c in nb.cells[1:] if c.cell_type == "code"]
    assert not any(colab_run.GITHUB in s for s in rest)


def test_on_colab_snippet_makes_the_setup_branch_run():
    """The line the run sends before the first cell makes ``"google.colab" in sys.modules``."""
    saved = sys.modules.pop("google.colab", None)
    try:
        exec(colab_run.ON_COLAB, {})
        assert "google.colab" in sys.modules
    finally:
        sys.modules.pop("google.colab", None)
        if saved is not None:
            sys.modules["google.colab"] = saved


def test_table_lists_every_row_and_escapes_pipes():
    rows = [
        {
            "chapter": "01_a",
            "status": "ok",
            "seconds": 1.25,
            "peak_gb": 0.5,
            "error": "",
            "setup_seconds": 30.4,
        },
        {"chapter": "02_b", "status": "error", "seconds": 3.0, "peak_gb": None, "error": "a|b"},
    ]
    text = colab_run.table(rows, "head")
    lines = text.splitlines()
    assert lines[0] == "head"
    assert "| 01_a | ok | 1.2 (30) | 0.50 |  |" in lines  # 1.25 rounds half to even
    assert "| 02_b | error | 3.0 | - | a\\|b |" in lines
