"""The book builds with warnings as errors; every chapter executed cleanly; a failing cell fails."""

from __future__ import annotations

import textwrap
from pathlib import Path

import yaml

from .conftest import ROOT, build_book


def toc_files() -> list[str]:
    toc = yaml.safe_load((ROOT / "_toc.yml").read_text())
    files = [toc["root"]]
    for part in toc.get("parts", []):
        files += [c["file"] for c in part["chapters"]]
    return files


def test_every_toc_page_is_built(built_book: Path):
    for f in toc_files():
        assert (built_book / f"{f}.html").exists(), f


def test_every_chapter_executed_without_errors(built_book: Path):
    """Every chapter page shows executed output and no error, traceback or stderr output."""
    chapters = sorted((ROOT / "chapters").glob("*.md"))
    assert len(chapters) >= 7
    for md in chapters:
        html = (built_book / "chapters" / f"{md.stem}.html").read_text()
        assert html.count('class="cell_output') > 0, f"{md.name}: no executed output"
        if md.stem != "01_black_box":  # every other chapter draws figures
            assert '<img alt="../_images/' in html or 'src="../_images/' in html, (
                f"{md.name}: no figure"
            )
        for marker in (
            'class="output traceback',
            'class="output error',
            'class="output stderr',
            "Traceback (most recent call last)",
        ):
            assert marker not in html, f"{md.name}: {marker}"


def test_failing_cell_fails_the_build(tmp_path: Path):
    """A throwaway mini-book with one failing cell: the build (and so `make test`) fails."""
    (tmp_path / "_config.yml").write_text(
        textwrap.dedent("""\
        title: mini
        execute:
          execute_notebooks: force
        sphinx:
          config:
            nb_execution_raise_on_error: true
        """)
    )
    (tmp_path / "_toc.yml").write_text("format: jb-book\nroot: intro\n")
    header = textwrap.dedent("""\
        ---
        jupytext:
          text_representation: {extension: .md, format_name: myst}
        kernelspec: {display_name: Python 3, language: python, name: python3}
        ---
        """)
    good = header + "# Mini\n\n```{code-cell} ipython3\nprint(1 + 1)\n```\n"
    (tmp_path / "intro.md").write_text(good)
    ok = build_book(tmp_path, timeout=600)
    assert ok.returncode == 0, ok.stdout[-2000:] + ok.stderr[-2000:]
    (tmp_path / "intro.md").write_text(good + "\n```{code-cell} ipython3\n1 / 0\n```\n")
    bad = build_book(tmp_path, "--all", timeout=600)
    assert bad.returncode != 0
    assert "ZeroDivisionError" in bad.stdout + bad.stderr


def test_config_fails_on_cell_errors():
    config = yaml.safe_load((ROOT / "_config.yml").read_text())
    assert config["execute"]["allow_errors"] is False
    assert config["sphinx"]["config"]["nb_execution_raise_on_error"] is True
    assert config["execute"]["timeout"] > 0
    assert "2023" not in config["copyright"]


def test_instructor_guide_lists_every_exercise():
    import re

    guide = (ROOT / "instructor_guide.md").read_text()
    labels = []
    for md in sorted((ROOT / "chapters").glob("*.md")):
        labels += re.findall(r"\{exercise\}[^\n]*\n:label: (\S+)", md.read_text())
    assert labels
    missing = [label for label in labels if label not in guide]
    assert not missing, f"exercises missing from instructor_guide.md: {missing}"
