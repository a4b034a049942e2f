"""Autograded assignments from the chapters' exercises, built and graded offline.

    python tools/assignments.py build [CHAPTER ...]          # -> _build/assignments/<chapter>/
    python tools/assignments.py grade CHAPTER FOLDER -o scores.csv
    python tools/assignments.py selfcheck [CHAPTER ...]      # reference / seeded wrong / blank

For every chapter with exercises, ``build`` writes

- ``student/<chapter>.ipynb``: the chapter without solutions (``tools/student.py``'s
  stripping); each answer cell is tagged ``exercise`` and keeps its public test, the call
  to the ``xai4ess.exercises`` check that gives the formative feedback;
- ``solution/<chapter>.ipynb``: the instructor's notebook, solutions included;
- ``autograder/``: the hidden tests (one cell per exercise, ``tests/<label>.py``), the
  rubric with the points (``rubric.json``) and a README.

``grade`` executes each submitted notebook (nbclient, the pinned venv, no network) with a
hidden test inserted after every answer cell and writes one CSV row per submission. A
hidden test calls the same ``xai4ess.exercises`` check as the public test (one
implementation; the module is reloaded first so a submission cannot replace the check);
when the check fails, partial credit comes from the rubric's parts.

otter-grader is not used: otter-grader 7.0.0 requires ``wrapt>=1.16`` while the pinned
TensorFlow 2.14.1 needs ``wrapt<1.15`` (``constraints.txt`` pins 1.14.2), and otter's own
local runner executes submissions in its environment, which would then need a second
copy of the whole pinned stack.
"""

from __future__ import annotations

import argparse
import ast
import csv
import json
import os
import re
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tools"))
import student  # noqa: E402  (the solution stripping of the student edition)

CHAPTERS = ROOT / "chapters"
OUT = ROOT / "_build" / "assignments"
HIDDEN = "xai4ess-hidden-test"  # first line of every inserted cell; never in a student notebook
RESULT = "XAI4ESS-GRADE "
TAG = "exercise"


@dataclass(frozen=True)
class Part:
    """Partial credit when the check fails: ``test`` is an expression, ``{a}`` the answer."""

    what: str
    points: int
    test: str


@dataclass(frozen=True)
class Rubric:
    points: int
    parts: tuple[Part, ...] = ()


#: Points per exercise. The check passing gives all points; otherwise the parts add up.
RUBRIC: dict[str, Rubric] = {
    "ex-intro-families": Rubric(
        3,
        (
            Part(
                "a dict with all six methods, each 'A' or 'B'",
                1,
                "isinstance({a}, dict) and all(str({a}.get(m, '')).strip().upper() in ('A', 'B')"
                " for m in _xe.METHOD_FAMILY_QUESTION)",
            ),
        ),
    ),
    "ex-hans-wrong-reason": Rubric(2),
    "ex-hans-tag-share": Rubric(
        3,
        (
            Part(
                "two shares in [0, 1], tagged > untagged",
                1,
                "_np.size({a}) == 2 and _np.all((_np.ravel({a}) >= 0) & (_np.ravel({a}) <= 1))"
                " and float(_np.ravel({a})[0]) > float(_np.ravel({a})[1])",
            ),
        ),
    ),
    "ex-hans-test-set": Rubric(2),
    "ex-zoo-alpha-beta": Rubric(
        3,
        (
            Part(
                "relevance conserved (the three values add up to R.sum())",
                1,
                "_np.size({a}) == 3 and abs(float(_np.sum({a}))"
                " - float(_xe.alpha_beta_problem()[2].sum())) < 1e-3",
            ),
        ),
    ),
    "ex-zoo-survivors": Rubric(2),
    "ex-zoo-tag-neuron": Rubric(2),
    "ex-convection-frame": Rubric(2),
    "ex-convection-fool": Rubric(2),
    "ex-convection-remedy": Rubric(3),
    "ex-goes-mrms-glm": Rubric(2),
    "ex-goes-mrms-edge": Rubric(2),
    "ex-goes-mrms-trf": Rubric(2),
    "ex-climate-ridge": Rubric(2),
    "ex-climate-mask": Rubric(2),
    "ex-climate-watch": Rubric(2),
    "ex-climate-hole": Rubric(2),
    "ex-trust-ranking": Rubric(2),
    "ex-trust-baseline": Rubric(2),
    "ex-own-shortcut": Rubric(
        3,
        (
            Part(
                "the right channel or the right longitude",
                1,
                "isinstance({a}, dict) and (str({a}.get('channel', '')).strip().lower() == 'tcwv'"
                " or abs(float({a}.get('lon', 1e9)) - 3.25) <= 0.5)",
            ),
        ),
    ),
    "ex-own-clean": Rubric(2),
    "ex-rf-by-hand": Rubric(2),
    "ex-rf-mcs": Rubric(
        3,
        (
            Part(
                "a valid design whose TRF covers the MCS (>= 100 px)",
                1,
                "isinstance({a}, (list, tuple)) and len({a}) > 0"
                " and set({a}) <= {{'conv3', 'conv5', 'pool2'}} and {a}[0] != 'pool2'"
                " and max(__import__('xai4ess.rf').rf.receptive_field(list({a}), layer=-1).size)"
                " >= 100",
            ),
        ),
    ),
}

DEFAULT_RUBRIC = Rubric(2)

#: Typical mistakes, two or more per exercise: answer-cell sources that must score below
#: full marks on their exercise (used by ``selfcheck`` and the tests).
SEEDED_WRONG: dict[str, dict[str, str]] = {
    "ex-intro-families": {
        "all attribution": "answer = {m: 'B' for m in METHOD_FAMILY_QUESTION}",
        "families swapped": "answer = {m: 'A' for m in METHOD_FAMILY_QUESTION}\n"
        "answer['activation maximisation'] = 'B'\n"
        "answer['training samples that activate a neuron most'] = 'B'",
        "one method missing": "answer = {'saliency map': 'B', 'Grad-CAM': 'B'}",
    },
    "ex-hans-wrong-reason": {
        "not a horse": "index = int(np.flatnonzero(test.y == 0)[0])",
        "out of range": "index = len(test.y)",
    },
    "ex-hans-tag-share": {
        "percent, not shares": "box = variant(horses, tag=True).tag_mask\n"
        "s = xai4ess.evaluate.relevance_share(R, box)\n"
        "answer = (100 * np.nanmean(s[horses.has_tag]), 100 * np.nanmean(s[~horses.has_tag]))",
        "pair swapped": "box = variant(horses, tag=True).tag_mask\n"
        "s = xai4ess.evaluate.relevance_share(R, box)\n"
        "answer = (np.nanmean(s[~horses.has_tag]), np.nanmean(s[horses.has_tag]))",
        "unnormalised (relevance sums)": "box = variant(horses, tag=True).tag_mask\n"
        "inside = (np.clip(R, 0, None).sum(-1) * box).sum(axis=(1, 2))\n"
        "answer = (inside[horses.has_tag].mean(), inside[~horses.has_tag].mean())",
    },
    "ex-hans-test-set": {
        "training distribution": "my_test_set = xai4ess.data.horses(200, seed=123)",
        "too few scenes": "my_test_set = xai4ess.data.horses(20, seed=123, tag_rate_horse=0.0, "
        "tag_rate_other=1.0, pole_rate_horse=0.0, pole_rate_other=1.0)",
    },
    "ex-zoo-alpha-beta": {
        "wrong sign of the beta term": "a, W, R = xai4ess.exercises.alpha_beta_problem()\n"
        "z = a[:, None] * W\nzp, zn = np.maximum(z, 0), np.minimum(z, 0)\n"
        "answer = (2 * zp / zp.sum(axis=0) + 1 * zn / zn.sum(axis=0)) @ R",
        "alpha=1, beta=0 instead": "a, W, R = xai4ess.exercises.alpha_beta_problem()\n"
        "z = a[:, None] * W\nzp = np.maximum(z, 0)\nanswer = (zp / zp.sum(axis=0)) @ R",
    },
    "ex-zoo-survivors": {
        "all methods": "prediction = list(table.index)",
        "the complement": "prediction = list(table.index[table['dense'] < 0.8])",
    },
    "ex-zoo-tag-neuron": {
        "least tag-bound unit": "unit = int(features.mask_response(model, 'conv2', "
        "train.x[tagged], train.tag_mask[tagged]).unit.iloc[-1])",
        "no such unit": "unit = 9999",
    },
    "ex-convection-frame": {
        "argmin": "per_frame = np.abs(R_bright).sum(axis=(1, 2))\n"
        "top_frame = int(np.argmin((per_frame / per_frame.sum(axis=1, keepdims=True)).mean(0)))",
        "off by one (1-based)": "per_frame = np.abs(R_bright).sum(axis=(1, 2))\n"
        "top_frame = int(np.argmax((per_frame / per_frame.sum(axis=1, keepdims=True)).mean(0)))"
        " + 1",
    },
    "ex-convection-fool": {
        "dark scene": "x_fool = np.full((32, 32, 5), 0.05, dtype=np.float32)",
        "bright but bubbling": "x_fool = np.random.default_rng(0).uniform(0.6, 0.9, "
        "(32, 32, 5)).astype(np.float32)",
    },
    "ex-convection-remedy": {
        "the shipped brightness-only model": "my_model = xai4ess.models.load('convection')",
        "not a model": "my_model = 'frame differences'",
    },
    "ex-goes-mrms-glm": {
        "GLM not ablated": "sel = test.lightning_mask & (test.y[..., 0] >= 40)\n"
        "answer = float(model.predict(inputs, batch_size=4, verbose=0)[..., 0][sel].mean())",
        "wrong channel ablated": "x = inputs.copy()\nx[..., 0] = 0.0\n"
        "sel = test.lightning_mask & (test.y[..., 0] >= 40)\n"
        "answer = float(model.predict(x, batch_size=4, verbose=0)[..., 0][sel].mean())",
    },
    "ex-goes-mrms-edge": {
        "a pixel with lightning": "answer = tuple(int(v) for v in "
        "np.argwhere(test.lightning_mask)[0])",
        "a weak pixel": "answer = tuple(int(v) for v in "
        "np.argwhere(model.predict(inputs[:1], verbose=0)[..., 0] < 5)[0])",
    },
    "ex-goes-mrms-trf": {
        "share inside, not outside": "answer = 1.0",
        "a guess": "answer = 0.05",
    },
    "ex-climate-ridge": {
        "sign flipped": "strong = xai4ess.models.build('climate')\n"
        "xai4ess.models.load_weights(strong, 'models/climate_ridge_strong.weights.npz')\n"
        "c = evaluate.composite(xai4ess.explain(strong, test.x[late], method='lrp.z'))\n"
        "answer = -evaluate.truth_score(c, test.snr, lat=test.lat)['correlation']",
        "out of range": "answer = 1.5",
    },
    "ex-climate-mask": {
        "mean, not median": "xm = np.where(mask[None, :, :, None], np.float32(0.0), test.x)\n"
        "answer = float(np.mean(np.abs(model.predict(xm, verbose=0).ravel() - test.y)))",
        "lowest SNR hidden": "low = test.snr <= np.quantile(test.snr, 0.1)\n"
        "xm = np.where(low[None, :, :, None], np.float32(0.0), test.x)\n"
        "answer = float(np.median(np.abs(model.predict(xm, verbose=0).ravel() - test.y)))",
    },
    "ex-climate-watch": {
        "the region that warms most": "answer = 'Arctic'",
        "not a region": "answer = 'Atlantis'",
    },
    "ex-trust-ranking": {
        "alphabetical": "answer = sorted(FOUR)",
        "worst first": "answer = sorted(FOUR, key=lambda m: scores4[m])",
    },
    "ex-trust-baseline": {
        "zero everywhere": "choice = {'sst_kelvin': 'zero', 'sst_standardised_anomaly': 'zero', "
        "'sst_minmax_0_1': 'zero'}",
        "sample mean": "choice = {'sst_kelvin': 'sample_mean', "
        "'sst_standardised_anomaly': 'sample_mean', 'sst_minmax_0_1': 'sample_mean'}",
    },
    "ex-climate-hole": {
        "LRP-z instead of the gradient": "c = np.abs(evaluate.composite(xai4ess.explain(model, "
        "test.x[test.y >= 2071], 'lrp.z')))\n"
        "hole = evaluate.box_mask(test.lat, test.lon, *xai4ess.exercises.WARMING_HOLE)\n"
        "answer = np.mean([percentileofscore(c.ravel(), v) for v in c[hole]])",
        "a share, not a percentile": "answer = 0.87",
    },
    "ex-own-shortcut": {
        "the catchment (physics)": "answer = {'channel': 'w500', 'lon': 8.25}",
        "right column, wrong channel": "answer = {'channel': 'mslp', 'lon': 3.25}",
        "moisture at the catchment (physics)": "answer = {'channel': 'tcwv', 'lon': 8.25}",
    },
    "ex-own-clean": {
        "the test archive (with the artefact)": "clean_accuracy = acc",
        "percent": "clean_accuracy = 100 * acc",
    },
    "ex-rf-by-hand": {
        "off by one (forgot the 1)": "answer = 23",
        "off by one (one too many)": "answer = 25",
    },
    "ex-rf-mcs": {
        "too small": "layers_mcs = ['conv3', 'pool2'] * 5",
        "covers, not the fewest parameters": "layers_mcs = ['conv5', 'pool2'] * 6",
        "starts with pooling": "layers_mcs = ['pool2', 'conv3'] * 6",
    },
}


@dataclass
class Exercise:
    label: str
    title: str
    stub: str
    solution: str
    check_name: str
    check_call: str
    answer_name: str | None
    rubric: Rubric = field(default_factory=lambda: Rubric(0))


def chapter_path(name: str) -> Path:
    """The chapter source for a stem (``03_heatmap_zoo``) or a prefix (``03``)."""
    matches = sorted(CHAPTERS.glob(f"{Path(name).stem}*.md"))
    if len(matches) != 1:
        stems = ", ".join(p.stem for p in sorted(CHAPTERS.glob("*.md")))
        raise SystemExit(f"no single chapter matches {name!r}; chapters: {stems}")
    return matches[0]


def _check_call(source: str) -> tuple[str, str, str | None]:
    """The last ``check_*`` call of a stub: function name, call source, answer variable."""
    calls = [
        node
        for node in ast.walk(ast.parse(source))
        if isinstance(node, ast.Call)
        and getattr(node.func, "attr", getattr(node.func, "id", "")).startswith("check_")
    ]
    if not calls:
        raise ValueError(f"no xai4ess.exercises check is called in the stub:\n{source}")
    call = max(calls, key=lambda n: (n.lineno, n.col_offset))
    name = getattr(call.func, "attr", getattr(call.func, "id", ""))
    call.func = ast.Attribute(value=ast.Name(id="_xe", ctx=ast.Load()), attr=name, ctx=ast.Load())
    answer = call.args[0].id if call.args and isinstance(call.args[0], ast.Name) else None
    return name, ast.unparse(call), answer


def exercises(md: Path) -> list[Exercise]:
    """The autograded exercises of a chapter in order: stub cell, solution code, the check.

    An exercise whose stub calls no ``check_*`` function is left out (graded by hand).
    """
    import jupytext

    cells = jupytext.read(md).cells
    found: list[Exercise] = []
    pending = None  # (label, title) of an exercise directive still waiting for its stub
    solving = None  # the exercise whose solution cells are being collected
    for cell in cells:
        if cell.cell_type == "markdown":
            src = cell.source
            if solving is not None and "{solution-end}" in src:
                solving = None
            for m in re.finditer(r"\{exercise\}[ \t]*([^\n]*)\n(?::label:[ \t]*(\S+))?", src):
                pending = (m.group(2) or "", m.group(1).strip())
            m = re.search(r"\{solution-start\}[ \t]*(\S+)", src)
            if m:
                solving = next((e for e in found if e.label == m.group(1)), None)
                if "{solution-end}" in src[m.end() :]:
                    solving = None
        elif pending is not None:
            label, title = pending
            pending = None
            try:
                name, call, answer = _check_call(cell.source)
            except (ValueError, SyntaxError):  # no check: a written exercise, graded by hand
                continue
            rubric = RUBRIC.get(label, DEFAULT_RUBRIC)  # the tests require an explicit entry
            found.append(Exercise(label, title, cell.source, "", name, call, answer, rubric))
        elif solving is not None:
            solving.solution = (solving.solution + "\n\n" + cell.source).strip()
    return found


# --------------------------------------------------------------------------- hidden tests


def hidden_test(ex: Exercise, variant: str | None = None) -> str:
    """The source of the hidden-test cell inserted after the answer cell of ``ex``."""
    lines = [
        f"# {HIDDEN} {ex.label}",
        "import importlib as _il, json as _json",
        "import numpy as _np",
        "import xai4ess.exercises as _xe",
        "_xe = _il.reload(_xe)  # the check as shipped, even if a submission replaced it",
        f"_res = {{'label': {ex.label!r}, 'variant': {variant!r}, 'max': {ex.rubric.points},"
        " 'score': 0, 'passed': False, 'parts': [], 'feedback': ''}",
        "try:",
        f"    _fb = {ex.check_call}",
        "    _res['passed'], _res['feedback'] = bool(_fb), str(getattr(_fb, 'message', _fb))",
        "except BaseException as _exc:  # a broken answer scores, it does not stop grading",
        "    _res['feedback'] = f'the check raised {type(_exc).__name__}: {_exc}'",
        "if _res['passed']:",
        f"    _res['score'] = {ex.rubric.points}",
        "else:",
    ]
    for part in ex.rubric.parts:
        test = part.test.format(a=ex.answer_name)
        lines += [
            "    try:",
            f"        _ok = bool({test})",
            "    except BaseException:",
            "        _ok = False",
            f"    _res['parts'].append(({part.what!r}, {part.points} if _ok else 0))",
            f"    _res['score'] += {part.points} if _ok else 0",
        ]
    lines += ["    pass", f"print({RESULT!r} + _json.dumps(_res))"]
    return "\n".join(lines)


def reset_cell(ex: Exercise) -> str:
    """Forget the answer of an earlier exercise, so a failing cell cannot reuse it."""
    name = ex.answer_name
    return f"# {HIDDEN} reset\nglobals().pop({name!r}, None)" if name else f"# {HIDDEN} reset"


# --------------------------------------------------------------------------- build


def student_notebook(md: Path, exs: list[Exercise]):
    """The chapter without solutions; answer cells tagged with their exercise label."""
    import jupytext

    stripped, _ = student.strip_solutions(md.read_text())
    nb = jupytext.reads(stripped, fmt="md:myst")
    todo = list(exs)
    for cell in nb.cells:
        if todo and cell.cell_type == "code" and cell.source == todo[0].stub:
            ex = todo.pop(0)
            cell.metadata["tags"] = sorted(set(cell.metadata.get("tags", [])) | {TAG})
            cell.metadata["xai4ess"] = {"exercise": ex.label, "points": ex.rubric.points}
    if todo:
        raise ValueError(f"{md.name}: answer cells not found for {[e.label for e in todo]}")
    return nb


def reference_submission(md: Path, exs: list[Exercise]):
    """The student notebook with every answer cell replaced by the instructor's solution."""
    nb = student_notebook(md, exs)
    by_label = {e.label: e for e in exs}
    for cell in nb.cells:
        label = cell.metadata.get("xai4ess", {}).get("exercise")
        if label:
            cell.source = by_label[label].solution
    return nb


def build(md: Path, out: Path = OUT) -> Path | None:
    """Write the assignment of one chapter; None if it has no exercises."""
    import jupytext
    import nbformat

    exs = exercises(md)
    if not exs:
        return None
    target = out / md.stem
    for sub in ("student", "solution", "autograder/tests"):
        (target / sub).mkdir(parents=True, exist_ok=True)
    nbformat.write(student_notebook(md, exs), target / "student" / f"{md.stem}.ipynb")
    jupytext.write(jupytext.read(md), target / "solution" / f"{md.stem}.ipynb")
    rubric = {
        "chapter": md.stem,
        "points": sum(e.rubric.points for e in exs),
        "exercises": [
            {
                "label": e.label,
                "title": e.title,
                "check": e.check_name,
                "answer": e.answer_name,
                "points": e.rubric.points,
                "partial_credit": [{"what": p.what, "points": p.points} for p in e.rubric.parts],
            }
            for e in exs
        ],
    }
    (target / "autograder" / "rubric.json").write_text(json.dumps(rubric, indent=2) + "\n")
    for e in exs:
        (target / "autograder" / "tests" / f"{e.label}.py").write_text(hidden_test(e) + "\n")
    (target / "autograder" / "README.md").write_text(
        f"# Autograder: {md.stem}\n\nInstructors only; do not hand out. Grade a folder of "
        f"submitted notebooks with\n\n    python tools/assignments.py grade {md.stem} "
        "SUBMISSIONS -o scores.csv\n\nfrom the course repository (pinned venv, offline). "
        "`tests/` holds the hidden test inserted after each answer cell; `rubric.json` the "
        "points.\n"
    )
    return target


# --------------------------------------------------------------------------- grading


def _find_answer_cell(nb, ex: Exercise) -> int | None:
    tagged = [
        i
        for i, c in enumerate(nb.cells)
        if c.cell_type == "code" and c.metadata.get("xai4ess", {}).get("exercise") == ex.label
    ]
    if tagged:
        return tagged[-1]
    # a submission that lost the metadata (e.g. copied cells): the last cell calling the check
    calls = [
        i
        for i, c in enumerate(nb.cells)
        if c.cell_type == "code" and re.search(rf"\b{ex.check_name}\s*\(", c.source)
    ]
    return calls[-1] if calls else None


def _code(source: str, **meta):
    import nbformat

    return nbformat.v4.new_code_cell(source, metadata={"xai4ess_hidden": meta} if meta else {})


def instrument(nb, exs: list[Exercise], variants: dict[str, list[tuple[str, str]]] | None = None):
    """Insert the hidden tests (and, for ``selfcheck``, answer variants) into a notebook.

    Without ``variants`` every answer cell is followed by its hidden test. With
    ``variants`` ({label: [(name, source), ...]}) each answer cell is replaced by every
    variant in turn, each with its own hidden test, all in one kernel.
    """
    import nbformat

    for c in nb.cells:  # a submission cannot smuggle in cells that look hidden
        c.metadata.pop("xai4ess_hidden", None)  # results are read only from marked cells
        if c.cell_type == "code" and c.source.lstrip().startswith(f"# {HIDDEN}"):
            c.source = "pass  # removed: looked like a hidden test"
    at = {}
    for ex in exs:
        i = _find_answer_cell(nb, ex)
        if i is not None:
            at[i] = ex
    cells = []
    for i, cell in enumerate(nb.cells):
        ex = at.get(i)
        if ex is None:
            cells.append(cell)
            continue
        versions = (variants or {}).get(ex.label) or [(None, cell.source)]
        for name, source in versions:
            cells.append(_code(reset_cell(ex), label=ex.label))
            cells.append(nbformat.v4.new_code_cell(source, metadata=dict(cell.metadata)))
            cells.append(_code(hidden_test(ex, name), label=ex.label, variant=name))
    nb.cells = cells
    missing = [e.label for e in exs if e not in at.values()]
    return nb, missing


def execute(nb, timeout: int = 900):
    """Run a notebook in the pinned venv's kernel, from the chapters folder, errors allowed."""
    from nbclient import NotebookClient

    os.environ["PYTHONPATH"] = os.pathsep.join(
        [str(ROOT)] + [p for p in os.environ.get("PYTHONPATH", "").split(os.pathsep) if p]
    )
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    os.environ.setdefault("MPLBACKEND", "Agg")
    client = NotebookClient(
        nb,
        timeout=timeout,
        kernel_name="python3",
        allow_errors=True,
        resources={"metadata": {"path": str(CHAPTERS)}},
    )
    client.execute()
    return nb


def results(nb) -> list[dict]:
    """The hidden tests' verdicts, read only from the inserted cells."""
    found = []
    for cell in nb.cells:
        meta = cell.metadata.get("xai4ess_hidden")
        if cell.cell_type != "code" or not meta or "variant" not in meta:
            continue
        text = "".join(o.get("text", "") for o in cell.outputs if o.get("name") == "stdout")
        lines = [ln for ln in text.splitlines() if ln.startswith(RESULT)]
        if lines:
            found.append(json.loads(lines[-1][len(RESULT) :]))
        else:  # the kernel died or the cell did not run
            found.append({"label": meta["label"], "variant": meta["variant"], "score": 0})
    return found


def grade_notebook(path: Path, md: Path, exs: list[Exercise] | None = None) -> dict:
    """Score one submitted notebook: {label: points, ..., 'total', 'max', 'notes'}."""
    import nbformat

    exs = exs or exercises(md)
    notes = []
    try:
        nb = nbformat.read(path, as_version=4)
    except Exception as exc:  # not a notebook: zero, with the reason
        nb, notes = None, [f"unreadable notebook: {exc}"]
    scores = {e.label: 0 for e in exs}
    if nb is not None:
        nb, missing = instrument(nb, exs)
        notes += [f"{label}: answer cell not found" for label in missing]
        for r in results(execute(nb)):
            scores[r["label"]] = r["score"]
    total, top = sum(scores.values()), sum(e.rubric.points for e in exs)
    return {**scores, "total": total, "max": top, "notes": "; ".join(notes)}


def _grade_one(args: tuple[Path, Path]) -> tuple[dict, float]:
    path, md = args
    t0 = time.perf_counter()
    row = {"submission": path.stem, **grade_notebook(path, md)}
    row["percent"] = round(100 * row["total"] / row["max"], 1)
    return row, time.perf_counter() - t0


def _pool_map(fn, items: list, jobs: int):
    """``map`` in ``jobs`` processes (each runs its own kernel); in order."""
    if jobs <= 1 or len(items) <= 1:
        return map(fn, items)
    from concurrent.futures import ProcessPoolExecutor

    pool = ProcessPoolExecutor(min(jobs, len(items)))
    try:
        return list(pool.map(fn, items))
    finally:
        pool.shutdown()


def grade(md: Path, folder: Path, out: Path, jobs: int = 1) -> list[dict]:
    """Grade every ``*.ipynb`` in ``folder``; write a CSV (one row per submission)."""
    exs = exercises(md)
    paths = sorted(folder.glob("*.ipynb"))
    if not paths:
        raise SystemExit(f"no .ipynb submissions in {folder}")
    rows = []
    for row, seconds in _pool_map(_grade_one, [(p, md) for p in paths], jobs):
        rows.append(row)
        print(f"{row['submission']}: {row['total']}/{row['max']} ({seconds:.0f} s)")
    columns = ["submission"] + [e.label for e in exs] + ["total", "max", "percent", "notes"]
    out.parent.mkdir(parents=True, exist_ok=True)
    with out.open("w", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=columns)
        writer.writeheader()
        writer.writerows(rows)
    return rows


def selfcheck(md: Path, details: bool = False) -> dict[str, dict[str, int]] | list[dict]:
    """Grade the blank stub, the seeded wrong answers and the reference of every exercise,
    in one kernel run of the chapter. Returns {label: {variant: score}}, or with
    ``details`` the hidden tests' verdicts (with the feedback)."""
    exs = exercises(md)
    variants = {
        e.label: [("blank", e.stub)]
        + [(f"wrong: {k}", v) for k, v in SEEDED_WRONG.get(e.label, {}).items()]
        + [("reference", e.solution)]  # last, so later cells see the reference state
        for e in exs
    }
    nb, missing = instrument(student_notebook(md, exs), exs, variants)
    if missing:
        raise ValueError(f"answer cells not found: {missing}")
    found = results(execute(nb))
    if details:
        return found
    table: dict[str, dict[str, int]] = {e.label: {} for e in exs}
    for r in found:
        table[r["label"]][r["variant"]] = r["score"]
    return table


def _timed_selfcheck(md: Path) -> tuple[list[dict], float]:
    t0 = time.perf_counter()
    return selfcheck(md, details=True), time.perf_counter() - t0


def _chapters(names: list[str]) -> list[Path]:
    return [chapter_path(n) for n in names] if names else sorted(CHAPTERS.glob("*.md"))


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)
    b = sub.add_parser("build", help="write _build/assignments/<chapter>/")
    b.add_argument("chapters", nargs="*")
    g = sub.add_parser("grade", help="grade a folder of submitted notebooks into a CSV")
    g.add_argument("chapter")
    g.add_argument("folder", type=Path)
    g.add_argument("-o", "--output", type=Path, default=Path("scores.csv"))
    g.add_argument("-j", "--jobs", type=int, default=1, help="submissions graded at once")
    s = sub.add_parser("selfcheck", help="score reference, seeded wrong and blank answers")
    s.add_argument("chapters", nargs="*")
    s.add_argument("-j", "--jobs", type=int, default=1, help="chapters checked at once")
    args = parser.parse_args(argv)
    if args.command == "build":
        for md in _chapters(args.chapters):
            target = build(md)
            if target is not None:
                n = len(exercises(md))
                print(f"{md.stem}: {n} exercise(s) -> {target.relative_to(ROOT)}")
    elif args.command == "grade":
        grade(chapter_path(args.chapter), args.folder, args.output, args.jobs)
        print(f"scores: {args.output}")
    else:
        t0, ok = time.perf_counter(), True
        mds = [md for md in _chapters(args.chapters) if exercises(md)]
        for md, (found, seconds) in zip(mds, _pool_map(_timed_selfcheck, mds, args.jobs)):
            print(f"## {md.stem} ({seconds:.0f} s)")
            for label in dict.fromkeys(r["label"] for r in found):
                rows = [r for r in found if r["label"] == label]
                top = RUBRIC[label].points
                print(
                    f"  {label} [{top}]: " + ", ".join(f"{r['variant']} {r['score']}" for r in rows)
                )
                for r in rows:
                    bad = (r["variant"] == "reference") != (r["score"] == top) or (
                        r["variant"] == "blank" and r["score"]
                    )
                    if bad:
                        ok = False
                        print(f"    UNEXPECTED {r['variant']}: {r.get('feedback', '')}")
        print(f"total {time.perf_counter() - t0:.0f} s; {'all as expected' if ok else 'FAILED'}")
        if not ok:
            raise SystemExit(1)


if __name__ == "__main__":
    main()
