"""Compare the executed outputs of two runs of a chapter: glued values and printed text.

A refactor must leave every number a chapter shows unchanged. This tool reads two
executed notebooks of the same chapter (e.g. before and after a change, made with
``jupytext --to ipynb --execute`` or taken from ``_build/.jupyter_cache``) and lists

* every ``glue`` value (myst-nb) whose text differs, added or gone, by name;
* every code cell whose printed text (stdout, ``text/plain`` results, HTML tables
  without their scripts) differs, as a unified diff of the lines.

Images are not compared (a figure's bytes change with the matplotlib build); the
numbers drawn in them come from the same arrays the cells print or glue.

Usage::

    python tools/outputs_diff.py BEFORE.ipynb AFTER.ipynb [--ignore REGEX ...]
    python tools/outputs_diff.py BEFORE_DIR AFTER_DIR     # every notebook present in both

Exit status 0 when nothing differs, 1 otherwise.

>>> cell = {"cell_type": "code", "source": "x", "outputs": [
...     {"output_type": "display_data", "metadata": {"scrapbook": {"name": "acc"}},
...      "data": {"text/plain": "0.93"}}]}
>>> glued({"cells": [cell]})
{'acc': '0.93'}
"""

from __future__ import annotations

import argparse
import difflib
import json
import re
import sys
from pathlib import Path

_TAGS = re.compile(r"<[^>]+>")
#: Scripts and styles in HTML outputs (an animation's player, random element ids).
_CODE = re.compile(r"<(script|style)\b.*?</\1>", re.S | re.I)


def _text(value) -> str:
    return "".join(value) if isinstance(value, list) else str(value)


def glued(nb: dict) -> dict[str, str]:
    """Glue name -> its ``text/plain`` (or HTML stripped of tags) in one notebook."""
    out: dict[str, str] = {}
    for cell in nb["cells"]:
        for o in cell.get("outputs", []):
            name = o.get("metadata", {}).get("scrapbook", {}).get("name")
            if name is None:
                continue
            data = o.get("data", {})
            if "text/plain" in data:
                out[name] = _text(data["text/plain"])
            elif "text/html" in data:
                out[name] = _TAGS.sub("", _text(data["text/html"]))
            else:
                out[name] = "<" + ",".join(sorted(data)) + ">"
    return out


def printed(nb: dict) -> list[tuple[str, list[str]]]:
    """(first source line, printed lines) of every code cell, glue outputs excluded."""
    cells = []
    for cell in nb["cells"]:
        if cell["cell_type"] != "code":
            continue
        lines: list[str] = []
        for o in cell.get("outputs", []):
            if o.get("metadata", {}).get("scrapbook"):
                continue
            if o["output_type"] == "stream":
                lines += _text(o["text"]).splitlines()
            elif o["output_type"] == "error":
                lines += [f"ERROR {o.get('ename')}: {o.get('evalue')}"]
            else:
                data = o.get("data", {})
                if "text/html" in data:
                    html = _TAGS.sub(" ", _CODE.sub("", _text(data["text/html"])))
                    lines += [" ".join(line.split()) for line in html.splitlines() if line.strip()]
                elif "text/plain" in data and not any(k.startswith("image/") for k in data):
                    if "application/vnd.jupyter.widget-view+json" not in data:
                        lines += _text(data["text/plain"]).splitlines()
        head = _text(cell["source"]).strip().splitlines()
        cells.append((head[0][:70] if head else "", lines))
    return cells


def compare(before: Path, after: Path, ignore: list[re.Pattern]) -> list[str]:
    """Human-readable differences between two executed notebooks (empty: identical)."""
    a, b = (json.loads(p.read_text()) for p in (before, after))

    def keep(line: str) -> bool:
        return not any(p.search(line) for p in ignore)

    report = []
    ga, gb = glued(a), glued(b)
    for name in sorted(set(ga) | set(gb)):
        va, vb = ga.get(name, "<absent>"), gb.get(name, "<absent>")
        if va != vb and keep(name):
            report.append(f"glue {name}: {va!r} -> {vb!r}")
    pa, pb = printed(a), printed(b)
    if len(pa) != len(pb):
        report.append(f"code cells: {len(pa)} -> {len(pb)} (printed text compared in order)")
    for (head_a, la), (_head_b, lb) in zip(pa, pb):
        la, lb = [x for x in la if keep(x)], [x for x in lb if keep(x)]
        if la != lb:
            diff = difflib.unified_diff(la, lb, lineterm="", n=0)
            report.append(f"cell `{head_a}`:\n    " + "\n    ".join(list(diff)[2:]))
    return report


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("before", type=Path)
    parser.add_argument("after", type=Path)
    parser.add_argument("--ignore", action="append", default=[], help="regex of lines to skip")
    args = parser.parse_args(argv)
    ignore = [re.compile(p) for p in args.ignore]
    if args.before.is_dir():
        pairs = [(p, args.after / p.name) for p in sorted(args.before.glob("*.ipynb"))]
        pairs = [(p, q) for p, q in pairs if q.exists()]
    else:
        pairs = [(args.before, args.after)]
    changed = 0
    for before, after in pairs:
        report = compare(before, after, ignore)
        n_glue = len(glued(json.loads(after.read_text())))
        status = "identical" if not report else f"{len(report)} difference(s)"
        print(f"{after.name}: {n_glue} glued values, {status}")
        for line in report:
            print("  " + line)
        changed += bool(report)
    return 1 if changed else 0


if __name__ == "__main__":
    sys.exit(main())
