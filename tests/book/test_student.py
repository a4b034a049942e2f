"""The student edition has no solutions: neither in the site nor in the notebooks."""

from __future__ import annotations

import re
import sys
from pathlib import Path

import pytest

from .conftest import ROOT

sys.path.insert(0, str(ROOT / "tools"))
import student  # noqa: E402

from ..leaks import distinctive_lines


def test_every_exercise_has_a_solution():
    total = 0
    for md in sorted((ROOT / "chapters").glob("*.md")):
        text = md.read_text()
        exercises = len(re.findall(r"\{exercise\}", text))
        solutions = len(student.solution_blocks(text))
        assert exercises == solutions, f"{md.name}: {exercises} exercises, {solutions} solutions"
        total += exercises
    assert total >= 6


def test_stripping_removes_the_solutions():
    for md in sorted((ROOT / "chapters").glob("*.md")):
        text = md.read_text()
        stripped, n = student.strip_solutions(text)
        assert n == len(student.solution_blocks(text))
        assert "solution-start" not in stripped and "{solution}" not in stripped


@pytest.fixture(scope="session")
def student_build(built_book) -> Path:  # after the main build, so the cache is warm
    student.main([])
    return student.OUT


def test_no_solution_leaks(student_build: Path):
    html = "\n".join(p.read_text() for p in student_build.rglob("*.html"))
    notebooks = "\n".join(p.read_text() for p in (student_build / "notebooks").glob("*.ipynb"))
    assert len(list((student_build / "notebooks").glob("*.ipynb"))) == len(
        list((ROOT / "chapters").glob("*.md"))
    )
    assert 'class="solution' not in html
    leaks = []
    for md in sorted((ROOT / "chapters").glob("*.md")):
        text = md.read_text()
        outside, _ = student.strip_solutions(text)  # lines also used outside solutions are fine
        for block in student.solution_blocks(text):
            for line in distinctive_lines(block):
                if line in outside:
                    continue
                escaped = line.replace('"', '\\"')
                if line in notebooks or escaped in notebooks:
                    leaks.append(f"{md.name} notebook: {line[:80]}")
                if line in html:
                    leaks.append(f"{md.name} site: {line[:80]}")
    assert not leaks, "\n".join(leaks[:10])
    assert (student_build / "index.html").exists()


# ----------------------------------------------------------------------------------------
# The student notebooks in notebooks/ (the targets of the Binder and Colab launch buttons)
# ----------------------------------------------------------------------------------------

RAW_MYST = re.compile(
    r"\{[\w:.-]+\}`|^\s*(`{3,}|:{3,})\{|^\s*:(label|class|tags):|^\([\w:.-]+\)=$", re.M
)


def _notebook_text(nb, kind: str) -> str:
    return "\n".join(c.source for c in nb.cells if c.cell_type == kind)


@pytest.fixture(scope="module")
def notebooks() -> dict[str, object]:
    return {
        md.stem: student.student_notebook(md) for md in sorted((ROOT / "chapters").glob("*.md"))
    }


def test_committed_notebooks_are_in_sync():
    """notebooks/*.ipynb are exactly what tools/student.py makes from chapters/ now."""
    bad = student.out_of_sync(student.NOTEBOOKS)
    assert not bad, (
        f"out of date: {bad}; run: make notebooks (python tools/student.py --notebooks notebooks)"
    )


def test_sync_check_notices_a_changed_chapter(tmp_path: Path):
    md = sorted((ROOT / "chapters").glob("*.md"))[0]
    nb = student.render(student.student_notebook(md))
    changed = student.render(student.student_notebook(md, md.read_text() + "\nOne more line.\n"))
    assert nb != changed


def test_markdown_is_plain(notebooks):
    """No MyST directive, role, option line or target is left for JupyterLab to show raw."""
    for name, nb in notebooks.items():
        md = _notebook_text(nb, "markdown")
        raw = [m.group(0) for m in RAW_MYST.finditer(md)]
        assert not raw, f"{name}: raw MyST left: {raw[:5]}"


def test_exercise_titles_are_headings(notebooks):
    for md in sorted((ROOT / "chapters").glob("*.md")):
        titles = re.findall(r"^(?:`{3,}|:{3,})\{exercise\}[ \t]*(.*)$", md.read_text(), re.M)
        text = _notebook_text(notebooks[md.stem], "markdown")
        for k, title in enumerate(titles, 1):
            plain = student._Converter(student._bibliography(), {}).inline(title).strip()
            assert f"### Exercise {k}: {plain}" in text, f"{md.name}: exercise {k} {title!r}"


def test_citations_are_text(notebooks):
    bib = student._bibliography()
    nb = notebooks["02_clever_hans"]
    text = _notebook_text(nb, "markdown")
    assert f"{bib['lapuschkin2019']['short']} (2019)" in text
    assert "## Full references" in nb.cells[-1].source


def test_conversion_examples():
    conv = student._Converter(student._bibliography(), {"02_clever_hans": "Clever Hans"})
    src = (
        ":::{admonition} Careful\n:class: warning\nText with {cite:t}`bach2015`.\n:::\n"
        "```{note}\nA {doc}`chapter <02_clever_hans>` and {func}`~xai4ess.explain`.\n```\n"
        "(my-label)=\n$$ x^2 $$ (eq-1)\n"
    )
    out = conv.convert(src)
    assert "> **Careful**" in out and "> Text with Bach et al. (2015)." in out
    assert "> **Note**" in out and "[chapter](02_clever_hans.ipynb)" in out
    assert "`xai4ess.explain`" in out and "my-label" not in out and "eq-1" not in out


def test_no_solution_in_student_notebooks(notebooks):
    """No distinctive solution line in any cell, and no cell runs a solution."""
    leaks = []
    for md in sorted((ROOT / "chapters").glob("*.md")):
        text = md.read_text()
        outside, _ = student.strip_solutions(text)
        cells = "\n".join(c.source for c in notebooks[md.stem].cells)
        for block in student.solution_blocks(text):
            leaks += [
                f"{md.name}: {s[:70]}"
                for s in distinctive_lines(block)
                if s not in outside and s in cells
            ]
    assert not leaks, "\n".join(leaks[:10])


def test_run_all_keeps_the_answers(notebooks):
    """The cell after each answer cell only checks it; nothing assigns the answer's names
    before the next exercise's own answer cell (so Run All checks what the student wrote)."""
    for name, nb in notebooks.items():
        cells = [c for c in nb.cells if c.cell_type == "code"]
        stubs = [i for i, c in enumerate(cells) if re.search(r"^\w+\s*=\s*\.\.\.", c.source, re.M)]
        assert stubs or name.startswith("01"), name
        for k, i in enumerate(stubs):
            names = re.findall(r"^(\w+)\s*=\s*\.\.\.", cells[i].source, re.M)
            check = cells[i + 1]
            assert "check_" in check.source and "= ..." not in check.source, (name, check.source)
            end = stubs[k + 1] if k + 1 < len(stubs) else len(cells)
            for later in cells[i + 1 : end]:
                for var in names:
                    assert not re.search(rf"^\s*{var}\s*=", later.source, re.M), (
                        f"{name}: a later cell overwrites the answer {var!r}:\n{later.source}"
                    )


def test_colab_cell_first_and_guarded(notebooks):
    for name, nb in notebooks.items():
        first = nb.cells[0]
        assert first.cell_type == "code", name
        assert 'if "google.colab" in sys.modules:' in first.source
        assert student.COLAB_INSTALL in first.source
        assert "Shut Down" in nb.cells[1].source
        assert nb.metadata["kernelspec"]["name"] == "python3"


def test_colab_cell_does_nothing_off_colab():
    """Executed outside Colab (here), the first cell installs nothing and does not fail."""
    from IPython.core.inputtransformer2 import TransformerManager

    code = TransformerManager().transform_cell(student.SETUP_CELL)
    calls = []
    namespace = {
        "get_ipython": lambda: type("S", (), {"run_line_magic": lambda *a: calls.append(a)})()
    }
    exec(code, namespace)
    assert calls == []


def launch_links(html: str) -> dict[str, str]:
    """``{"Binder": url, "Colab": url}`` from a built page's launch menu."""
    links = {}
    for href, text in re.findall(
        r'<a href="([^"]+)"[^>]*>(?:(?!</a>).)*?btn__text-container">(\w+)<', html, re.S
    ):
        links[text] = href.replace("&amp;", "&")
    return links


def test_launch_buttons_open_student_notebooks(built_book: Path):
    """Every chapter's Binder and Colab buttons point at its notebook in notebooks/."""
    sys.path.insert(0, str(ROOT / "_ext"))
    import xai4ess_launch

    for md in sorted((ROOT / "chapters").glob("*.md")):
        html = (built_book / "chapters" / f"{md.stem}.html").read_text()
        links = launch_links(html)
        target = f"notebooks/{md.stem}.ipynb"
        assert (ROOT / target).exists()
        assert links.get("Binder", "").endswith(f"?urlpath=lab/tree/{target}"), (md.name, links)
        assert links.get("Colab", "").endswith(f"/blob/main/{target}"), (md.name, links)
        assert xai4ess_launch.student_path(f"chapters/{md.stem}", ROOT) == target
    assert "launch-buttons" not in (built_book / "intro.html").read_text()
