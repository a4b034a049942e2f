"""Build the student edition: a site without solutions and notebooks without solution code.

    python tools/student.py            # -> _build/student (site) and _build/student/notebooks

Solutions are marked in the chapter sources with sphinx-exercise's gated
directives, ``{solution-start} <label>`` ... ``{solution-end}``, or with a
plain ``{solution}`` directive. Everything from the opening fence to the
closing fence is removed, so the student notebooks keep the exercise text and
the stub cells (which run on their own) and lose the worked answers.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "_build" / "student"
SRC = ROOT / "_build" / "student_src"
COPY = [
    "_config.yml",
    "_toc.yml",
    "intro.md",
    "references.md",
    "references.bib",
    "instructor_guide.md",
    "_ext",
    "images",
    "chapters",
]

_FENCE = r"(?P<fence>`{3,}|:{3,})"
GATED = re.compile(
    rf"^{_FENCE}\{{solution-start\}}.*?^(?P=fence)[ \t]*\n.*?^(?P<f2>`{{3,}}|:{{3,}})\{{solution-end\}}[^\n]*\n(?P=f2)[ \t]*\n?",
    re.S | re.M,
)
PLAIN = re.compile(rf"^{_FENCE}\{{solution\}}.*?^(?P=fence)[ \t]*\n?", re.S | re.M)


def strip_solutions(text: str) -> tuple[str, int]:
    """Remove every solution block; return the new text and how many were removed."""
    text, n1 = GATED.subn("", text)
    text, n2 = PLAIN.subn("", text)
    return text, n1 + n2


def solution_blocks(text: str) -> list[str]:
    """The solution blocks of a chapter source (for leak tests)."""
    return [m.group(0) for m in GATED.finditer(text)] + [m.group(0) for m in PLAIN.finditer(text)]


def prepare_sources() -> dict[str, int]:
    if SRC.exists():
        shutil.rmtree(SRC)
    SRC.mkdir(parents=True)
    for item in COPY:
        src = ROOT / item
        if src.is_dir():
            shutil.copytree(src, SRC / item)
        elif src.exists():
            shutil.copy(src, SRC / item)
    removed = {}
    for md in sorted((SRC / "chapters").glob("*.md")):
        text, n = strip_solutions(md.read_text())
        md.write_text(text)
        removed[md.name] = n
    config = yaml.safe_load((SRC / "_config.yml").read_text())
    config["title"] = config["title"] + " (student edition)"
    config["sphinx"]["config"]["hide_solutions"] = True
    (SRC / "_config.yml").write_text(yaml.safe_dump(config, sort_keys=False))
    return removed


def build_site() -> None:
    jb = Path(sys.executable).with_name("jupyter-book")
    env = {k: v for k, v in os.environ.items() if k != "MPLBACKEND"}  # keep inline figures
    result = subprocess.run([str(jb), "build", str(SRC), "-W", "--keep-going"], env=env)
    if result.returncode != 0:
        raise SystemExit(f"student build failed (exit {result.returncode})")
    if OUT.exists():
        shutil.rmtree(OUT)
    shutil.copytree(SRC / "_build" / "html", OUT)


def export_notebooks() -> list[Path]:
    import jupytext

    target = OUT / "notebooks"
    target.mkdir(parents=True, exist_ok=True)
    written = []
    for md in sorted((SRC / "chapters").glob("*.md")):
        nb = jupytext.read(md)
        path = target / f"{md.stem}.ipynb"
        jupytext.write(nb, path)
        written.append(path)
    return written


def main() -> None:
    removed = prepare_sources()
    for name, n in removed.items():
        print(f"{name}: removed {n} solution block(s)")
    build_site()
    notebooks = export_notebooks()
    print(f"student site: {OUT}/index.html; notebooks: {len(notebooks)} in {OUT / 'notebooks'}")


if __name__ == "__main__":
    main()
