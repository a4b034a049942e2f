"""Autograded assignments (tools/assignments.py): build, leaks, hidden tests, grading.

The fast tests run the hidden-test cells in-process; the slow ones execute every chapter
once in a kernel (``selfcheck``: blank, seeded wrong answers and reference in one run)
and grade a folder of whole submitted notebooks into a CSV.
"""

from __future__ import annotations

import csv
import re
import sys

import nbformat
import pytest

from ..conftest import ROOT

sys.path.insert(0, str(ROOT / "tools"))
import assignments  # noqa: E402
import student  # noqa: E402

from ..leaks import distinctive_lines

CHAPTERS = sorted((ROOT / "chapters").glob("*.md"))
WITH_EXERCISES = [md for md in CHAPTERS if "{exercise}" in md.read_text()]


def test_every_exercise_is_parsed_with_a_rubric_and_seeded_mistakes():
    labels = []
    for md in WITH_EXERCISES:
        text = md.read_text()
        exs = assignments.exercises(md)
        assert len(exs) == len(re.findall(r"\{exercise\}", text)), md.name  # all autograded
        for ex in exs:
            assert ex.solution and ex.check_name.startswith("check_"), ex.label
            assert ex.answer_name, f"{ex.label}: the check's first argument is not a variable"
            assert ex.rubric.points > sum(p.points for p in ex.rubric.parts), ex.label
            assert len(assignments.SEEDED_WRONG[ex.label]) >= 2, ex.label
            labels.append(ex.label)
    assert sorted(labels) == sorted(assignments.RUBRIC) == sorted(assignments.SEEDED_WRONG)
    assert len(labels) >= 18


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    out = tmp_path_factory.mktemp("assignments")
    for md in CHAPTERS:
        assignments.build(md, out)
    return out


@pytest.mark.parametrize("md", WITH_EXERCISES, ids=lambda p: p.stem)
def test_assignment_has_student_solution_and_autograder(built, md):
    target = built / md.stem
    exs = assignments.exercises(md)
    nb = nbformat.read(target / "student" / f"{md.stem}.ipynb", as_version=4)
    tagged = [c for c in nb.cells if "exercise" in c.metadata.get("tags", [])]
    assert [c.metadata["xai4ess"]["exercise"] for c in tagged] == [e.label for e in exs]
    for cell, ex in zip(tagged, exs):
        assert cell.source == ex.stub and f"{ex.check_name}(" in cell.source  # public test
    solution = (target / "solution" / f"{md.stem}.ipynb").read_text()
    assert all(ex.solution.splitlines()[-1] in solution.replace('\\"', '"') for ex in exs)
    tests = sorted(p.stem for p in (target / "autograder" / "tests").glob("*.py"))
    assert tests == sorted(e.label for e in exs)


@pytest.mark.parametrize("md", WITH_EXERCISES, ids=lambda p: p.stem)
def test_student_notebook_leaks_no_solution_and_no_hidden_test(built, md):
    text = (built / md.stem / "student" / f"{md.stem}.ipynb").read_text()
    nb = nbformat.reads(text, as_version=4)
    sources = "\n".join(c.source for c in nb.cells)
    public = student.strip_solutions(md.read_text())[0]  # e.g. a stub line the solution repeats
    for block in student.solution_blocks(md.read_text()):
        for line in distinctive_lines(block):
            assert line in public or line not in sources, f"solution line leaked: {line!r}"
    assert "solution-start" not in sources and "{solution}" not in sources
    assert assignments.HIDDEN not in text and assignments.RESULT.strip() not in text
    assert "_il.reload" not in text and "_res['score']" not in text


def test_leak_test_can_fail(built):
    """The leak test's own check sees a solution pasted into a student notebook."""
    md = WITH_EXERCISES[0]
    ex = assignments.exercises(md)[0]
    leaked = "\n".join(c.source for c in assignments.reference_submission(md, [ex]).cells)
    public = student.strip_solutions(md.read_text())[0]
    block = student.solution_blocks(md.read_text())[0]
    assert any(line in leaked and line not in public for line in distinctive_lines(block))


def run_hidden(ex, **namespace) -> dict:
    """Execute a hidden-test cell in-process and return its verdict."""
    import contextlib
    import io
    import json

    buf = io.StringIO()
    with contextlib.redirect_stdout(buf):
        exec(assignments.hidden_test(ex), namespace)
    line = [ln for ln in buf.getvalue().splitlines() if ln.startswith(assignments.RESULT)][-1]
    return json.loads(line[len(assignments.RESULT) :])


def rf_exercises():
    md = next(p for p in CHAPTERS if p.stem.startswith("07"))
    return {e.label: e for e in assignments.exercises(md)}


def test_hidden_rf_test_scores_right_wrong_and_blank():
    ex = rf_exercises()["ex-rf-by-hand"]
    layers = ["conv5", "pool2", "conv3", "conv3", "pool2", "conv3"]
    assert run_hidden(ex, answer=24, layers_ex1=layers)["score"] == 2
    assert run_hidden(ex, answer=23, layers_ex1=layers)["score"] == 0  # off by one
    assert run_hidden(ex, answer=..., layers_ex1=layers)["score"] == 0
    assert run_hidden(ex, layers_ex1=layers)["score"] == 0  # no answer variable at all


def test_hidden_test_gives_partial_credit():
    ex = rf_exercises()["ex-rf-mcs"]
    assert run_hidden(ex, layers_mcs=["conv3", "pool2"] * 6)["score"] == 3
    partial = run_hidden(ex, layers_mcs=["conv5", "pool2"] * 6)  # covers, too many params
    assert partial["score"] == 1 and not partial["passed"]
    assert run_hidden(ex, layers_mcs=["conv3", "pool2"] * 5)["score"] == 0  # too small


def test_hidden_test_uses_the_shipped_check():
    """A submission that replaces the check in the package still gets the real verdict."""
    import xai4ess.exercises as xe

    ex = rf_exercises()["ex-rf-by-hand"]
    original = xe.check_rf
    try:
        xe.check_rf = lambda *a, **k: xe.Feedback(True, "Right.")
        verdict = run_hidden(ex, answer=23, layers_ex1=["conv5", "pool2", "conv3"])
    finally:
        xe.check_rf = original
    assert verdict["score"] == 0


# --------------------------------------------------------------------------- slow: kernels


#: Chapter solutions that fail their own check on this branch (reported to the chapter's
#: owner). The test still checks blank and wrong answers there and passes once fixed.
@pytest.fixture(scope="module")
def selfchecks() -> dict[str, dict[str, dict[str, int]]]:
    """Every chapter's selfcheck (one kernel run each), two chapters at a time."""
    runs = assignments._pool_map(assignments._timed_selfcheck, WITH_EXERCISES, 2)
    tables = {}
    for md, (found, _) in zip(WITH_EXERCISES, runs):
        tables[md.stem] = {}
        for r in found:
            tables[md.stem].setdefault(r["label"], {})[r["variant"]] = r["score"]
    return tables


@pytest.mark.parametrize("md", WITH_EXERCISES, ids=lambda p: p.stem)
def test_reference_full_wrong_less_blank_zero(selfchecks, md):
    table = selfchecks[md.stem]
    for ex in assignments.exercises(md):
        row = table[ex.label]
        assert row["blank"] == 0, (ex.label, row)
        wrong = {k: v for k, v in row.items() if k.startswith("wrong: ")}
        assert len(wrong) == len(assignments.SEEDED_WRONG[ex.label]) >= 2, (ex.label, row)
        assert all(v < ex.rubric.points for v in wrong.values()), (ex.label, row)
        assert row["reference"] == ex.rubric.points, (ex.label, row)


def test_grade_a_folder_of_submissions_into_a_csv(tmp_path):
    """Whole notebooks, as students hand them in, graded by the command line."""
    md = next(p for p in CHAPTERS if p.stem.startswith("01"))
    exs = assignments.exercises(md)
    folder = tmp_path / "submissions"
    folder.mkdir()
    nbformat.write(assignments.reference_submission(md, exs), folder / "ada.ipynb")
    nbformat.write(assignments.student_notebook(md, exs), folder / "blank.ipynb")
    wrong = assignments.student_notebook(md, exs)
    cell = next(c for c in wrong.cells if c.metadata.get("xai4ess"))
    cell.source = (
        "import xai4ess.exercises as X\n"
        "X.check_method_families = lambda a: X.Feedback(True, 'Right.')  # tampering\n"
        "from xai4ess.exercises import METHOD_FAMILY_QUESTION\n"
        "answer = {m: 'B' for m in METHOD_FAMILY_QUESTION}\n"
        "X.check_method_families(answer)"
    )
    cell.metadata = {}  # the tag lost, too: found by the check call
    fake = 'print(\'XAI4ESS-GRADE \' + \'{"label": "ex-intro-families", "score": 3}\')'
    wrong.cells.append(
        nbformat.v4.new_code_cell(  # a forged hidden-test cell that prints full marks
            fake, metadata={"xai4ess_hidden": {"label": "ex-intro-families", "variant": None}}
        )
    )
    nbformat.write(wrong, folder / "cheat.ipynb")
    (folder / "broken.ipynb").write_text("not a notebook")
    out = tmp_path / "scores.csv"
    assignments.main(["grade", md.stem, str(folder), "-o", str(out)])
    rows = {r["submission"]: r for r in csv.DictReader(out.open())}
    assert rows["ada"]["total"] == rows["ada"]["max"] == "3" and rows["ada"]["percent"] == "100.0"
    assert rows["blank"]["total"] == "0"
    assert rows["cheat"]["ex-intro-families"] == "1"  # partial credit: complete but wrong
    assert rows["broken"]["total"] == "0" and "unreadable" in rows["broken"]["notes"]


def test_hidden_own_model_test_scores_right_partial_and_wrong():
    md = next(p for p in CHAPTERS if p.stem.startswith("08"))
    ex = {e.label: e for e in assignments.exercises(md)}["ex-own-shortcut"]
    assert run_hidden(ex, answer={"channel": "tcwv", "lon": 3.25})["score"] == 3
    partial = run_hidden(ex, answer={"channel": "tcwv", "lon": 8.25})  # the catchment
    assert partial["score"] == 1 and not partial["passed"]
    assert run_hidden(ex, answer={"channel": "w500", "lon": 8.25})["score"] == 0
    assert run_hidden(ex, answer=...)["score"] == 0
