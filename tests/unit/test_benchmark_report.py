"""benchmarks/_report.py: the one writer of the marker blocks of benchmarks/results.md.

Checked on copies of the real report: replacing one block keeps every other byte,
rewriting the report around the kept blocks keeps them byte-identical, and a
missing block is appended. Its docstring examples run here too (``benchmarks/``
is not collected by ``--doctest-modules``).
"""

from __future__ import annotations

import doctest
import sys

import pytest

from ..conftest import ROOT

sys.path.insert(0, str(ROOT / "benchmarks"))
import _report  # noqa: E402

RESULTS = ROOT / "benchmarks" / "results.md"


@pytest.fixture
def text() -> str:
    return RESULTS.read_text()


def _blocks(text: str) -> dict[str, str]:
    return {m.group(1): m.group(0) for m in _report._BLOCK.finditer(text)}


def test_the_report_has_the_blocks_of_stacks_and_users(text):
    assert set(_blocks(text)) == {"stacks", "users"}


def test_replacing_one_block_keeps_every_other_byte(text):
    blocks = _blocks(text)
    new = _report.block("users", "| replaced |")
    out = _report.replace(text, "users", new)
    head, users, tail = text.partition(blocks["users"])
    assert out == head + new + tail
    assert _blocks(out)["stacks"] == blocks["stacks"]
    assert _report.replace(text, "users", blocks["users"]) == text  # same block: same bytes


def test_a_missing_block_is_appended(text):
    without = text.replace(_blocks(text)["users"], "")
    out = _report.replace(without, "users", _report.block("users", "x"))
    assert out.endswith("\n\n<!-- users:begin -->\nx\n<!-- users:end -->\n")
    assert out.startswith(without.rstrip("\n"))


def test_a_rewritten_report_keeps_the_blocks_byte_identical(text):
    blocks = _blocks(text)
    rewritten = "# Benchmark results\n\nnew tables" + _report.kept(text)
    assert _blocks(rewritten) == blocks
    assert rewritten.endswith(blocks["users"] + "\n")
    assert _report.kept("no blocks here") == ""
    # the benchmarks' own rewrite of the shipped report is stable
    assert rewritten.split("new tables", 1)[1] == text[text.index("\n\n<!-- stacks:begin") :]


def test_write_block_on_a_copy(tmp_path, text):
    copy = tmp_path / "results.md"
    copy.write_text(text)
    _report.write_block(copy, "stacks", _blocks(text)["stacks"])
    assert copy.read_text() == text
    fresh = tmp_path / "new.md"
    _report.write_block(fresh, "users", _report.block("users", "t"))
    assert fresh.read_text() == "<!-- users:begin -->\nt\n<!-- users:end -->\n"


def test_docstring_examples():
    result = doctest.testmod(_report)
    assert result.attempted > 0 and result.failed == 0
