"""Modules stay at most 800 lines and functions at most 120 (docstrings included),
unless the code says in one line why a longer one reads better (issue 15)."""

from __future__ import annotations

import ast
from pathlib import Path

from ..conftest import ROOT

MAX_MODULE, MAX_FUNCTION = 800, 120
#: A module over the limit says why in its docstring with this phrase; a function
#: in a comment starting with this phrase on the line above its ``def``.
REASON = "Why one module of over 800 lines:"
FUNCTION_REASON = "# Why over 120 lines:"


def oversized(package: Path) -> list[str]:
    """Modules and functions over the limits that do not carry their reason."""
    found = []
    for path in sorted(package.rglob("*.py")):
        source = path.read_text()
        lines = source.splitlines()
        name = path.relative_to(package.parent)
        if len(lines) > MAX_MODULE and REASON not in source:
            found.append(f"{name}: {len(lines)} lines")
        for node in ast.walk(ast.parse(source)):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                first = min([node.lineno] + [d.lineno for d in node.decorator_list])
                length = node.end_lineno - first + 1
                above = lines[first - 2].strip() if first >= 2 else ""
                if length > MAX_FUNCTION and not above.startswith(FUNCTION_REASON):
                    found.append(f"{name}:{node.lineno} {node.name}: {length} lines")
    return found


def test_no_module_or_function_over_the_limits():
    assert oversized(ROOT / "xai4ess") == []


def test_the_check_fails_on_a_long_function_and_a_long_module(tmp_path):
    package = tmp_path / "pkg"
    package.mkdir()
    body = "\n".join(f"    x{i} = {i}" for i in range(MAX_FUNCTION))
    (package / "long_function.py").write_text(f"def f():\n{body}\n")
    (package / "long_module.py").write_text("x = 1\n" * (MAX_MODULE + 1))
    (package / "with_reason.py").write_text(f"{FUNCTION_REASON} one loop\ndef g():\n{body}\n")
    assert oversized(package) == [
        "pkg/long_function.py:1 f: 121 lines",
        "pkg/long_module.py: 801 lines",
    ]
