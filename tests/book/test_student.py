"""The student edition has no solutions: neither in the site nor in the notebooks."""

from __future__ import annotations

import re
import sys
from pathlib import Path

import pytest

from .conftest import ROOT

sys.path.insert(0, str(ROOT / "tools"))
import student  # noqa: E402


def distinctive_lines(block: str) -> list[str]:
    """Lines of a solution that would only appear if the solution leaked."""
    lines = []
    for line in block.splitlines():
        s = line.strip()
        if len(s) < 30 or s.startswith(("```", ":::", "#", ":class", ":label")):
            continue
        if "exercises.check" in s or s.startswith(("import ", "from ")):
            continue
        lines.append(s)
    return lines


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
    student.main()
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
