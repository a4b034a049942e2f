"""Sections of ``benchmarks/results.md`` owned by one script each, between markers.

``run.py`` rewrites the whole report and keeps the blocks the other scripts own;
``stacks.py`` and ``users.py`` each replace only their own block. A block is
``<!-- NAME:begin -->`` ... ``<!-- NAME:end -->``, markers included.

Examples
--------
>>> text = "# Report\\n\\n" + block("users", "| a |")
>>> print(text)
# Report
<BLANKLINE>
<!-- users:begin -->
| a |
<!-- users:end -->
>>> print(replace(text, "users", block("users", "| b |")))
# Report
<BLANKLINE>
<!-- users:begin -->
| b |
<!-- users:end -->
>>> kept(text + "\\nmore")
'\\n\\n<!-- users:begin -->\\n| a |\\n<!-- users:end -->\\n'
"""

from __future__ import annotations

import re
from pathlib import Path

__all__ = ["markers", "block", "replace", "kept", "write_block"]

_BLOCK = re.compile(r"<!-- (\w+):begin -->.*?<!-- \1:end -->", re.S)


def markers(name: str) -> tuple[str, str]:
    """The begin and end markers of block ``name``.

    Examples
    --------
    >>> markers("stacks")
    ('<!-- stacks:begin -->', '<!-- stacks:end -->')
    """
    return f"<!-- {name}:begin -->", f"<!-- {name}:end -->"


def block(name: str, body: str) -> str:
    """``body`` between the markers of block ``name``, each on its own line."""
    begin, end = markers(name)
    return f"{begin}\n{body}\n{end}"


def replace(text: str, name: str, new_block: str) -> str:
    """``text`` with block ``name`` replaced by ``new_block`` (appended if absent).

    Everything outside the block is kept byte for byte; a new block is appended
    after one blank line, and the text then ends with a newline.
    """
    begin, end = markers(name)
    if begin in text and end in text:
        return text[: text.index(begin)] + new_block + text[text.index(end) + len(end) :]
    head = text.rstrip("\n")
    return (head + "\n\n" if head else "") + new_block + "\n"


def kept(text: str) -> str:
    """Every block of ``text``, each after a blank line, to append to a rewritten report."""
    blocks = [m.group(0) for m in _BLOCK.finditer(text)]
    return "".join(f"\n\n{b}" for b in blocks) + ("\n" if blocks else "")


def write_block(path: Path, name: str, new_block: str) -> None:
    """Replace (or append) block ``name`` of the file at ``path`` (created if missing)."""
    path = Path(path)
    text = path.read_text() if path.exists() else ""
    path.write_text(replace(text, name, new_block))
