"""The "Claims and controls" page: in the table of contents, one complete row per claim,
and every number on it pasted (cross-document glue) from a key that its chapter glues."""

from __future__ import annotations

import re
import textwrap
from pathlib import Path

import yaml

from .conftest import ROOT, build_book

CLAIMS = ROOT / "claims.md"
COLUMNS = ["Chapter", "Claim", "Number", "Control", "Spread over seeds", "Verdict"]
VERDICTS = ("holds", "holds only in the toy world", "qualified", "does not hold")
GLUE_REF = re.compile(r"\{glue:text\}`([^`:]+\.md)::([\w-]+)(?::[^`]*)?`")


def table_rows(md: str) -> list[list[str]]:
    """The cells of the claims table (header and separator left out)."""
    lines = [ln for ln in md.splitlines() if ln.startswith("|")]
    rows = [[c.strip() for c in ln.strip().strip("|").split(" | ")] for ln in lines]
    assert rows and rows[0] == COLUMNS, f"header must be {COLUMNS}, got {rows[:1]}"
    return [r for r in rows[2:]]


def glued_keys(chapter: Path) -> tuple[set[str], list[re.Pattern]]:
    """Keys a chapter glues: literal ``glue("key", ...)`` and f-string templates."""
    src = chapter.read_text()
    literal = set(re.findall(r"glue\(\s*\"([\w-]+)\"", src))
    templates = [
        re.compile("^" + re.sub(r"\\\{[^}]*\\\}", ".+", re.escape(t)) + "$")
        for t in re.findall(r"glue\(\s*f\"([^\"]+)\"", src)
    ]
    return literal, templates


def test_claims_page_is_in_the_back_matter():
    toc = yaml.safe_load((ROOT / "_toc.yml").read_text())
    back = [p for p in toc["parts"] if p["caption"] == "Back matter"]
    assert back and {"file": "claims"} in back[0]["chapters"]


def test_one_complete_row_per_claim():
    rows = table_rows(CLAIMS.read_text())
    assert len(rows) >= 12, f"{len(rows)} claims"
    chapters_seen = set()
    for row in rows:
        assert len(row) == len(COLUMNS), row
        chapter, claim, number, control, spread, verdict = row
        chapters_seen.add(re.search(r"chapters/(\w+)", chapter).group(1))
        assert claim and spread, row
        assert GLUE_REF.search(number), f"the number of {claim!r} is not glued"
        assert control, f"no control for {claim!r}"
        assert verdict.startswith(VERDICTS), f"{claim!r}: verdict {verdict!r}"
    # every chapter with headline claims appears
    assert {"02_clever_hans", "04_convection", "05_goes_mrms", "06_climate"} <= chapters_seen


def test_every_pasted_number_is_glued_by_its_chapter():
    refs = GLUE_REF.findall(CLAIMS.read_text())
    assert len(refs) >= 30
    missing = []
    for doc, key in refs:
        chapter = ROOT / doc
        assert chapter.exists(), doc
        literal, templates = glued_keys(chapter)
        if key not in literal and not any(t.match(key) for t in templates):
            missing.append(f"{doc}::{key}")
    assert not missing, "keys not glued by their chapter: " + ", ".join(missing)


def test_cross_document_glue_renders(tmp_path: Path):
    """The mechanism the page relies on: a page pastes a number glued in another notebook."""
    (tmp_path / "_config.yml").write_text(
        "title: mini\nexecute:\n  execute_notebooks: force\n"
        "sphinx:\n  config:\n    nb_execution_raise_on_error: true\n"
    )
    (tmp_path / "_toc.yml").write_text(
        "format: jb-book\nroot: intro\nchapters:\n  - file: chapters/nb\n  - file: claims\n"
    )
    (tmp_path / "intro.md").write_text("# Mini\n")
    (tmp_path / "chapters").mkdir()
    (tmp_path / "chapters" / "nb.md").write_text(
        textwrap.dedent("""\
        ---
        jupytext:
          text_representation: {extension: .md, format_name: myst}
        kernelspec: {display_name: Python 3, language: python, name: python3}
        ---
        # Notebook

        ```{code-cell} ipython3
        from myst_nb import glue
        glue("answer", 0.123456, display=False)
        ```
        """)
    )
    (tmp_path / "claims.md").write_text(
        "# Claims\n\n| Claim | Number |\n|---|---|\n"
        "| x | {glue:text}`chapters/nb.md::answer:.3f` |\n"
    )
    result = build_book(tmp_path, timeout=600)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    assert "0.123" in (tmp_path / "_build" / "html" / "claims.html").read_text()
