"""Numbers in chapter prose come from executed cells (myst-nb ``glue``), not from the keyboard.

A number typed into the text can silently disagree with the output printed
right above it once the data, a model or a method changes. The chapters
therefore paste measured numbers with ``{glue:text}`key:format```. This test
scans the prose of every chapter (markdown outside code cells, code spans,
maths, roles and directive options) and fails on any hand-typed decimal
number or percentage that is not in the small allow-list of constants below.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from .conftest import ROOT

CHAPTERS = sorted((ROOT / "chapters").glob("*.md"))

#: Decimal numbers and percentages that are constants of the text, not measurements:
#: thresholds, definitions, physical constants and parameter values named in the prose.
#: Each entry is a regular expression matched against the number *with its context*.
ALLOWED = [
    r"\bp(\(\w+\))? [<>]=? 0\.5\b",  # a classification threshold
    r"\b0\.5 km\b",  # GOES band-2 pixel size (lecture)
    r"\b(lambda|\\lambda|λ) = \d",  # a ridge penalty value we chose
    r"\bfraction(=| of )0\.\d+\b",  # a parameter value
    r"\b\d+(\.\d+)? ?(km|dBZ|min|m/s|K|years?|°[NSEW]?|µm|px|pixels?)\b",  # physical constants
    r"\b(1/5|20 %|50 %|100 %|10 %)",  # equal shares and round fractions named as such
    r"\b(version|TensorFlow|TF|iNNvestigate|tf-explain|Python|Keras|zennit) \d+(\.\d+)*",
    r"\b\d+\.\d+\.\d+\b",  # software versions
    r"\b(at least|at most|below|above|exceeds?) \d+(\.\d+)? ?%?",  # thresholds of a check
    r"\b(albedo|reflectance) \d+\.\d+-\d+\.\d+",  # design ranges of a synthetic generator
    r"\b\d+(\.\d+)? radii\b",  # a mask definition of a synthetic generator
    r"\b(90|95|99) ?% (interval|bootstrap|confidence)",  # a confidence level (a definition)
    r"\bradius (is )?\d+(\.\d+)?",  # a metric's parameter (max-sensitivity radius)
]

NUMBER = re.compile(r"(?<![\w.\\$])(\d+\.\d+|\d+(\.\d+)? ?%)(?![\w.]*\d)")


def _blank(match: re.Match) -> str:
    """Replace a match by spaces, keeping its newlines (so line numbers stay right)."""
    return re.sub(r"[^\n]", " ", match.group(0))


def prose(md: str) -> list[tuple[int, str]]:
    """(line number, text) of the prose lines of a MyST chapter, with non-prose blanked out."""
    lines = md.splitlines()
    kept: list[str] = []
    fence: str | None = None
    in_math = False
    in_front = lines[:1] == ["---"]
    for no, line in enumerate(lines, 1):
        stripped = line.strip()
        keep = False
        if in_front:
            if no > 1 and stripped == "---":
                in_front = False
        elif fence is not None:
            if stripped.startswith(fence) and stripped.strip("`~") == "":
                fence = None
        elif m := re.match(r"^(`{3,}|~{3,})(.*)$", stripped):
            info = m.group(2).strip()
            # admonitions, exercises and solutions contain prose: scan their bodies
            prose_directive = re.match(
                r"\{(admonition|note|tip|important|warning|exercise|solution-start|"
                r"solution-end|margin|hint|caution|seealso|dropdown)\}",
                info,
            )
            if not prose_directive and info:
                fence = m.group(1)
        elif stripped.startswith("$$"):
            if not (len(stripped) > 2 and stripped.endswith("$$")):
                in_math = not in_math
        elif not in_math and not re.match(r"^:\w[\w-]*:", stripped):  # not directive options
            keep = True
        kept.append(line if keep else "")
    text = "\n".join(kept)
    text = re.sub(r"\{[\w:-]+\}`[^`]*`", _blank, text)  # roles: glue, cite, doc, ...
    text = re.sub(r"`[^`]*`", _blank, text)  # code spans
    text = re.sub(r"(?<!\\)\$[^$]+\$", _blank, text)  # inline maths, also across lines
    text = re.sub(r"\]\([^)]*\)", _blank, text)  # link targets
    return [(no, t) for no, t in enumerate(text.split("\n"), 1) if t.strip()]


def hand_typed_numbers(md: str) -> list[tuple[int, str, str]]:
    """(line, number, line text) of each decimal or percentage not in the allow-list."""
    found = []
    for no, text in prose(md):
        for m in NUMBER.finditer(text):
            if not any(
                a.start() <= m.start() < a.end()
                for pattern in ALLOWED
                for a in re.finditer(pattern, text)
            ):
                found.append((no, m.group(1), text.strip()))
    return found


@pytest.mark.parametrize("md", CHAPTERS, ids=[p.stem for p in CHAPTERS])
def test_prose_numbers_are_glued(md: Path):
    found = hand_typed_numbers(md.read_text())
    assert not found, f"{md.name}: hand-typed numbers in prose (glue them):\n" + "\n".join(
        f"  l.{no}: {num!r} in: {text[:100]}" for no, num, text in found
    )


def test_scanner_catches_and_allows():
    md = "\n".join(
        [
            "---",
            "jupytext: {}",
            "---",
            "The accuracy is 0.93 and 57 % of the relevance.",  # caught twice
            "Pasted: {glue:text}`acc:.2f` and `x = 0.7` and $\\epsilon = 0.25$.",
            "Pixels of 2 km and 35 dBZ, p > 0.5.",
            "```{code-cell} ipython3",
            "print(0.123)",
            "```",
            "$$",
            "R = 0.5 x",
            "$$",
            ":::{admonition} Note",
            "An admonition with 0.42 in it.",
            ":::",
        ]
    )
    found = [(no, num) for no, num, _ in hand_typed_numbers(md)]
    assert found == [(4, "0.93"), (4, "57 %"), (14, "0.42")], found


@pytest.mark.parametrize("md", CHAPTERS, ids=[p.stem for p in CHAPTERS])
def test_every_pasted_key_is_glued_in_the_chapter(md: Path):
    """``{glue:text}`key:fmt``` in the prose names a key that a code cell of the same chapter glues."""
    src = md.read_text()
    pasted = set(re.findall(r"\{glue:text\}`([\w-]+)(?::[^`]*)?`", src))
    literal = set(re.findall(r"glue\(\s*\"([\w-]+)\"", src))
    templates = [
        re.compile("^" + re.sub(r"\\\{[^}]*\\\}", ".+", re.escape(t)) + "$")
        for t in re.findall(r"glue\(\s*f\"([^\"]+)\"", src)
    ]
    missing = [k for k in pasted if k not in literal and not any(t.match(k) for t in templates)]
    assert not missing, f"{md.name}: pasted but never glued: {missing}"
