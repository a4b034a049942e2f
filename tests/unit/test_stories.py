"""Every story is registered once, in ``xai4ess.stories``, and everything else agrees with it.

:func:`problems` compares the story table with what exists independently of it:
the generator and model modules on disk, the files in ``data/registry.json``,
the recipes the registry and the command line offer, the seed spreads and the
names the benchmarks load. A story added in one place but not the others is a
problem. The last tests prove the check fails: they remove a row from (or add
one to) a temporary copy of the package and run the check there.

Run as a script (``python test_stories.py``) it prints the problems of the
``xai4ess`` found on ``sys.path`` as JSON, which is how the copies are checked.
"""

from __future__ import annotations

import ast
import contextlib
import io
import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def _defines(module_file: Path, *functions: str) -> bool:
    """Whether a module defines all these top-level functions (read, not imported)."""
    tree = ast.parse(module_file.read_text())
    defined = {n.name for n in tree.body if isinstance(n, ast.FunctionDef)}
    return set(functions) <= defined


def _benchmark_names() -> tuple[set[str], set[str], set[str]]:
    """The model, dataset and story names the benchmarks use."""
    widgets = (ROOT / "benchmarks" / "widgets.py").read_text()
    models = set(re.findall(r"(?<![.\w])load\('(\w+)'\)", widgets))
    datasets = set(re.findall(r"data\.load\('(\w+)'\)", widgets))
    constants = {
        t.id: set(ast.literal_eval(node.value))
        for node in ast.parse((ROOT / "benchmarks" / "run.py").read_text()).body
        if isinstance(node, ast.Assign)
        for t in node.targets
        if isinstance(t, ast.Name) and t.id in ("TRUST_MODELS", "RELIABILITY_STORIES")
    }
    return models | constants["TRUST_MODELS"], datasets, constants["RELIABILITY_STORIES"]


def problems() -> list[str]:
    """Disagreements between the story table and the rest (empty when all agree)."""
    import xai4ess
    from xai4ess import data, models, recipes, registry, seeds, stories
    from xai4ess.__main__ import main

    package = Path(xai4ess.__file__).parent
    out = []
    names, shipped_data, shipped_models = stories.names(), stories.datasets(), stories.models()
    if len(set(names)) != len(names) or len(set(shipped_models)) != len(shipped_models):
        out.append(f"a story or model is named twice: {names}, {shipped_models}")
    # each row has its modules, and each module has its row
    for story in stories.STORIES:
        gen, mod = package / "data" / f"_{story.name}.py", package / "models" / f"_{story.name}.py"
        if story.dataset and not (gen.exists() and _defines(gen, story.name, "write_shipped")):
            out.append(f"story {story.name!r}: {gen.name} with {story.name}() and write_shipped()")
        if story.models and not (mod.exists() and _defines(mod, "build", "train", "write_shipped")):
            out.append(f"story {story.name!r}: {mod.name} with build, train and write_shipped")
    for part, listed in (("data", shipped_data), ("models", names)):
        for file in sorted((package / part).glob("_*.py")):
            if (
                file.stem != "__init__"
                and _defines(file, "write_shipped")
                and file.stem[1:] not in listed
            ):
                out.append(f"{part}/{file.name} writes shipped files but is not in the story table")
    # the parts' name lists and the recipes derive from the table
    if data.names() != shipped_data:
        out.append(f"data.names() {data.names()} != stories.datasets() {shipped_data}")
    if models.names() != shipped_models:
        out.append(f"models.names() {models.names()} != stories.models() {shipped_models}")
    expected = (
        shipped_data
        + [f"model:{s.name}" for s in stories.STORIES if s.weights]
        + [f"results:{r.name}" for r in stories.RESULTS]
    )
    if list(registry.RECIPES) != expected:
        out.append(f"registry.RECIPES {list(registry.RECIPES)} != the table's {expected}")
    for name in registry.RECIPES:
        try:
            if not callable(recipes.writer(name)):
                out.append(f"recipe {name!r}: its writer is not callable")
        except (KeyError, AttributeError, ImportError) as exc:
            out.append(f"recipe {name!r} does not resolve: {exc}")
    # the shipped files: every file's recipe is known, every recipe and model has its files
    entries = registry.entries()
    used = {e["recipe"] for e in entries.values()}
    out += [f"data/registry.json names unknown recipe {r!r}" for r in sorted(used - set(expected))]
    out += [f"recipe {r!r} has no shipped file" for r in expected if r not in used]
    weights = {f[len("models/") : -len(".weights.npz")] for f in entries if f.startswith("models/")}
    if weights != set(shipped_models):
        out.append(f"shipped weights {sorted(weights ^ set(shipped_models))} differ from the table")
    # the command line offers exactly the recipes
    listed = io.StringIO()
    with contextlib.redirect_stdout(listed):
        main(["data", "list"])
    cli = [line.split()[0] for line in listed.getvalue().splitlines() if not line.startswith("st")]
    if cli != expected:
        out.append(f"`python -m xai4ess data list` shows {cli}, the table {expected}")
    # seed spreads and benchmarks use names of the table
    out += [f"seeds.STORIES has unknown story {s!r}" for s in seeds.STORIES if s not in names]
    bench_models, bench_data, bench_stories = _benchmark_names()
    out += [
        f"benchmarks load unknown model {m!r}" for m in sorted(bench_models - set(models.names()))
    ]
    out += [
        f"benchmarks load unknown dataset {d!r}" for d in sorted(bench_data - set(data.names()))
    ]
    out += [f"benchmarks name unknown story {s!r}" for s in sorted(bench_stories - set(names))]
    return out


def test_every_story_is_registered_everywhere():
    found = problems()
    assert not found, "\n".join(found)


def test_benchmark_names_are_read():
    models, datasets, story_names = _benchmark_names()
    assert {"horses_fixed", "convection_texture", "additive_cnn"} <= models
    assert {"horses", "goes_mrms", "climate"} <= datasets
    assert story_names == {"horses", "climate"}


def _problems_of_copy(tmp_path: Path, edit) -> list[str]:
    copy = tmp_path / "xai4ess"
    shutil.copytree(ROOT / "xai4ess", copy, ignore=shutil.ignore_patterns("__pycache__"))
    table = copy / "stories.py"
    table.write_text(edit(table.read_text()))
    env = dict(os.environ, PYTHONPATH=str(tmp_path), XAI4ESS_DATA_DIR=str(ROOT / "data"))
    run = subprocess.run(
        [sys.executable, __file__], env=env, capture_output=True, text=True, timeout=120
    )
    assert run.returncode == 0, run.stderr
    return json.loads(run.stdout)


def test_the_check_fails_when_a_row_is_removed(tmp_path):
    def drop_climate(text: str) -> str:
        row = re.search(r"    Story\(\n        \"climate\",.*?\n    \),\n", text, re.S)
        assert row, "the climate row was not found"
        return text.replace(row.group(0), "")

    found = "\n".join(_problems_of_copy(tmp_path, drop_climate))
    assert "data/_climate.py writes shipped files but is not in the story table" in found
    assert "models/_climate.py writes shipped files but is not in the story table" in found
    assert "unknown recipe 'climate'" in found and "unknown recipe 'model:climate'" in found


def test_the_check_fails_when_a_row_has_no_modules(tmp_path):
    def add_snow(text: str) -> str:
        row = '    Story("snow", "Snow cover", ("snow",), "Snow classifier"),\n'
        return text.replace(
            "STORIES: tuple[Story, ...] = (\n", "STORIES: tuple[Story, ...] = (\n" + row
        )

    found = "\n".join(_problems_of_copy(tmp_path, add_snow))
    assert "story 'snow': _snow.py with snow() and write_shipped()" in found
    assert "story 'snow': _snow.py with build, train and write_shipped" in found
    assert "recipe 'snow' has no shipped file" in found
    assert "shipped weights ['snow'] differ from the table" in found


if __name__ == "__main__":
    print(json.dumps(problems()))
