"""The package's layers point one way: every import of every module is read (AST) and checked.

A *part* is a top-level module or subpackage of ``xai4ess`` (``data``, ``rf``,
``attribution``, ``plot``, ...). Two kinds of arrow are forbidden:

1. an arrow in :data:`FORBIDDEN` (e.g. ``plot`` -> ``attribution``);
2. an import of another part's private module or name (``xai4ess.plot._radar``,
   ``from ..plot import _helper``), except the infrastructure in :data:`INFRASTRUCTURE`.

Imports are read everywhere, including inside functions and ``if TYPE_CHECKING``
blocks, and string constants naming a module (``"xai4ess.data._horses:write_shipped"``,
as passed to ``importlib``) count as imports too.

Known violations that cannot be fixed this round sit in :data:`ALLOWED`, each
with its reason. The list may only shrink: an entry that no longer occurs
fails the test, so that it gets deleted.
"""

from __future__ import annotations

import ast
import re
import shutil
from pathlib import Path
from typing import NamedTuple

import pytest

from ..conftest import ROOT

PACKAGE = "xai4ess"

# --------------------------------------------------------------------------
# the rule table
# --------------------------------------------------------------------------

#: Explanation methods: the method table and the TensorFlow/iNNvestigate internals.
EXPLAIN = frozenset({"attribution", "_backend"})
#: Analysis computes numbers from given arrays and draws nothing.
ANALYSIS = frozenset({"evaluate", "analyses"})

#: The bottom layer: shipped files and the story table, pure data.
BOTTOM = frozenset({"registry", "stories"})
#: Every part above it (all parts but the bottom and the infrastructure everyone may use).
ABOVE_BOTTOM = (
    frozenset(
        p.stem if p.is_file() else p.name
        for p in (ROOT / PACKAGE).iterdir()
        if (p.suffix == ".py" or (p / "__init__.py").exists()) and not p.name.startswith("__")
    )
    - BOTTOM
    - {"errors", "_env"}
)

#: (importing parts, parts they must not import, why)
FORBIDDEN: tuple[tuple[frozenset, frozenset, str], ...] = (
    (
        frozenset({"data", "rf"}),
        EXPLAIN,
        "data and receptive fields know nothing of explanation methods",
    ),
    (
        EXPLAIN,
        frozenset({"data", "models", "widgets", "plot", "exercises"}),
        "explain works on any Keras model and array, not on the course's stories or figures",
    ),
    (
        frozenset({"plot"}),
        EXPLAIN | {"models"},
        "plot draws the arrays it is given",
    ),
    (
        ANALYSIS,
        frozenset({"widgets", "plot"}),
        "analysis computes numbers and draws nothing",
    ),
    (
        BOTTOM,
        ABOVE_BOTTOM,
        "the registry and the story table are the bottom layer: data, knowing no part above",
    ),
)

#: Private parts anyone (None) or only the listed parts may import.
INFRASTRUCTURE: dict[str, frozenset | None] = {
    "_env": None,  # silences TensorFlow and imports it late, for everyone
    "errors": None,  # public anyway; listed for completeness
    "_backend": frozenset({"attribution"}),  # TF/iNNvestigate internals behind explain
    "_setup": frozenset({"__main__"}),  # the install check behind `python -m xai4ess setup`
}

#: Known violations: (importing module, imported module[:name]) -> reason.
#: This list may only shrink; the test fails when an entry is no longer found.
ALLOWED: dict[tuple[str, str], str] = {
    # Empty since the story table (issue 15): recipes name public parts, not private writers.
}

# --------------------------------------------------------------------------
# the checker
# --------------------------------------------------------------------------

_MODULE_STRING = re.compile(rf"^{PACKAGE}(\.\w+)+(:\w+)?$")


class Arrow(NamedTuple):
    source: str  # importing module, e.g. "xai4ess.widgets._rf"
    target: str  # imported module, e.g. "xai4ess.plot._rf", or "module:name"
    line: int

    @property
    def key(self) -> tuple[str, str]:
        return self.source, self.target


def _module_name(path: Path, root: Path) -> str:
    parts = list(path.relative_to(root.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts = parts[:-1]
    return ".".join(parts)


def arrows(package_dir: Path) -> list[Arrow]:
    """Every import (static, function-local or by string) between modules of the package."""
    modules = {_module_name(p, package_dir) for p in package_dir.rglob("*.py")}
    out = []
    for path in sorted(package_dir.rglob("*.py")):
        source = _module_name(path, package_dir)
        here = source if path.name == "__init__.py" else source.rpartition(".")[0]
        for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
            if isinstance(node, ast.Import):
                out += [Arrow(source, a.name, node.lineno) for a in node.names]
            elif isinstance(node, ast.ImportFrom):
                if node.level:
                    base = here.split(".")[: len(here.split(".")) - node.level + 1]
                    base = ".".join(base + ([node.module] if node.module else []))
                else:
                    base = node.module or ""
                for a in node.names:
                    if f"{base}.{a.name}" in modules:  # a submodule
                        out.append(Arrow(source, f"{base}.{a.name}", node.lineno))
                    elif a.name.startswith("_"):  # a private name
                        out.append(Arrow(source, f"{base}:{a.name}", node.lineno))
                    else:
                        out.append(Arrow(source, base, node.lineno))
            elif isinstance(node, ast.Constant) and isinstance(node.value, str):
                if _MODULE_STRING.match(node.value):
                    out.append(Arrow(source, node.value, node.lineno))
    return [a for a in out if a.target.split(".")[0].split(":")[0] == PACKAGE]


def _part(module: str) -> str:
    names = module.split(":")[0].split(".")
    return names[1] if len(names) > 1 else ""  # "" is the package's own __init__


def _is_private(target: str) -> bool:
    path, _, name = target.partition(":")
    names = path.split(".")[1:] + ([name] if name else [])
    return any(n.startswith("_") and not n.startswith("__") for n in names)


def violations(package_dir: Path) -> dict[tuple[str, str], str]:
    """{(source, target): the broken rule} for every forbidden arrow of the package."""
    found = {}
    for a in arrows(package_dir):
        src, dst = _part(a.source), _part(a.target)
        if src == dst:
            continue
        for sources, targets, why in FORBIDDEN:
            if src in sources and dst in targets:
                found[a.key] = f"line {a.line}: {src} -> {dst}: {why}"
        if _is_private(a.target) and src:
            if dst in INFRASTRUCTURE and (
                INFRASTRUCTURE[dst] is None or src in INFRASTRUCTURE[dst]
            ):
                continue
            found.setdefault(a.key, f"line {a.line}: private module or name of part {dst!r}")
    return found


# --------------------------------------------------------------------------
# the tests
# --------------------------------------------------------------------------


def test_no_forbidden_arrow():
    found = violations(ROOT / PACKAGE)
    new = {k: v for k, v in found.items() if k not in ALLOWED}
    assert not new, "forbidden imports:\n" + "\n".join(
        f"{s} -> {t}  ({w})" for (s, t), w in new.items()
    )


def test_allow_list_only_shrinks():
    found = violations(ROOT / PACKAGE)
    gone = [k for k in ALLOWED if k not in found]
    assert not gone, f"fixed, so delete from ALLOWED in {__file__}: {gone}"


def test_the_checker_reads_every_kind_of_import():
    found = {a.key for a in arrows(ROOT / PACKAGE)}
    # module level, function level, by string, relative "from .. import x"
    assert ("xai4ess.rf._brute", "xai4ess.models") in found  # function-local
    assert ("xai4ess", "xai4ess.keras3") in found  # string (the lazy public names)
    assert ("xai4ess.widgets._rf", "xai4ess.plot") in found  # relative
    assert ("xai4ess.rf", "xai4ess.rf._spec") in found  # submodule


@pytest.mark.parametrize(
    "module, line, rule",
    [
        # module level, explain from data
        ("data/_dataset.py", "from ..attribution import explain\n", "data -> attribution"),
        # inside a function, models from plot
        ("plot/_rf.py", "def _f():\n    from .. import models\n", "plot -> models"),
        # private module of another part
        ("widgets/_rf.py", "from ..plot._core import new_figure\n", "private module"),
        # private name of another part
        ("exercises/_rf.py", "from ..rf import _states\n", "private module or name"),
        # _backend from anywhere but attribution
        ("features.py", "from . import _backend\n", "private module"),
        # analysis drawing
        ("evaluate/similarity.py", "import xai4ess.plot\n", "analysis computes numbers"),
        # rf -> explain, absolute import
        ("rf/_erf.py", "from xai4ess.attribution import explain\n", "rf -> attribution"),
        # a recipe string naming a private writer (as the registry had before the story table)
        ("recipes.py", 'W = "xai4ess.data._horses:write_shipped"\n', "private module or name"),
        # the bottom layer reaching up (by string, and by import)
        ("registry.py", 'W = "xai4ess.data:write_shipped"\n', "bottom layer"),
        ("stories.py", "def _f():\n    from . import models\n", "bottom layer"),
    ],
)
def test_checker_fails_on_a_forbidden_import(tmp_path, module, line, rule):
    copy = tmp_path / PACKAGE
    shutil.copytree(ROOT / PACKAGE, copy, ignore=shutil.ignore_patterns("__pycache__"))
    before = violations(copy)
    with open(copy / module, "a") as f:
        f.write("\n" + line)
    added = {k: v for k, v in violations(copy).items() if k not in before}
    assert len(added) == 1, added
    ((_, why),) = added.items()
    assert rule in why, why


#: The only modules that may import TensorFlow when they are imported (everyone
#: else imports it inside the functions that need it, through ``_env.tensorflow``).
IMPORTS_TENSORFLOW = {"xai4ess._backend"}


def test_modules_import_without_tensorflow():
    """Importing any other module (as --doctest-modules does) leaves TensorFlow unloaded."""
    import subprocess
    import sys

    modules = sorted(
        _module_name(p, ROOT / PACKAGE)
        for p in (ROOT / PACKAGE).rglob("*.py")
        if _module_name(p, ROOT / PACKAGE) not in IMPORTS_TENSORFLOW
    )
    code = (
        "import importlib, sys\n"
        f"for m in {modules!r}:\n"
        "    importlib.import_module(m)\n"
        "    if 'tensorflow' in sys.modules:\n"
        "        sys.exit(m)\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=120
    )
    assert out.returncode == 0, f"importing {out.stderr.strip()} imports TensorFlow"
