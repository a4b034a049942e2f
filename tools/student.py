"""Build the student edition: a site without solutions and notebooks without solution code.

    python tools/student.py                      # -> _build/student (site) and its notebooks
    python tools/student.py --notebooks DIR      # only the student notebooks, into DIR
    python tools/student.py --check notebooks    # exit 1 if DIR is out of sync with chapters/

The student notebooks (``notebooks/NN_name.ipynb`` in the repository, the
targets of the Binder and Colab launch buttons) are made by
:func:`student_notebook`: solutions removed, MyST turned into plain Markdown
that JupyterLab and Colab render (exercise titles as headings, admonitions as
block quotes, citations as "Author (year)" text, chapter links as notebook
links), exercise answer cells split from the check cells that only read them,
and a first cell that installs the package when, and only when, the notebook
runs on Google Colab.

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
    "claims.md",  # back matter in _toc.yml (cross-document glue from the chapters)
    "references.bib",
    "instructor_guide.md",
    "_ext",
    "images",
    "chapters",
    "notebooks",  # the launch buttons (_ext/xai4ess_launch.py) point at these
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


# --------------------------------------------------------------------------------------
# Student notebooks: MyST -> Markdown that JupyterLab and Colab render
# --------------------------------------------------------------------------------------

NOTEBOOKS = ROOT / "notebooks"
REPO = "https://github.com/xai4ess/xai4ess"
# Plain Python (no %pip magic: "%pip ... && python ..." would hand "&&" to pip). The
# same two commands as the README's Colab route.
COLAB_INSTALL = (
    'subprocess.run([sys.executable, "-m", "pip", "install", "-q",\n'
    '                    "xai4ess[colab] @ git+https://github.com/xai4ess/xai4ess"], check=True)\n'
    '    subprocess.run([sys.executable, "-m", "xai4ess", "setup"], check=True)'
)
SETUP_CELL = f"""# Google Colab only: install the course package for Colab's Python and TensorFlow.
# On Binder or your own computer the package is already installed and nothing happens.
import subprocess
import sys

if "google.colab" in sys.modules:
    {COLAB_INSTALL}"""
#: The chapters glue numbers into their prose with myst-nb. Outside the book (student
#: notebooks, Binder, Colab, the modern stacks) ``glue`` only shows the value: a local
#: stand-in, not myst-nb's, whose first call imports nbformat and jsonschema (24 MB of a
#: student's kernel, for nothing the notebook uses).
GLUE_IMPORT = "from myst_nb import glue"
GLUE_FALLBACK = """def glue(name, value, display=True):  # in the book, myst-nb's glue; here it shows the value
    if display:
        from IPython.display import display as show

        show(value)"""


def portable(code: str) -> str:
    """Code of a chapter cell that also runs where myst-nb is not installed."""
    return code.replace(GLUE_IMPORT, GLUE_FALLBACK)


HOW_TO = """\
*Student notebook of the chapter "{title}" (generated from `chapters/{name}` by
`tools/student.py`; solutions are not included).* Write your answers in the
exercise cells, where `...` stands: the check cell below each of them only reads
your answer, so **Run All** never overwrites it. Your changes stay in this
notebook, not in the chapter. When you are done, use **Kernel → Shut Down
Kernel** before you open the next chapter: a chapter's kernel holds up to
1 GB and Binder gives you about 2 GB in all."""

ADMONITIONS = {
    "note": "Note",
    "important": "Important",
    "tip": "Tip",
    "hint": "Hint",
    "warning": "Warning",
    "caution": "Caution",
    "attention": "Attention",
    "danger": "Danger",
    "error": "Error",
    "seealso": "See also",
    "margin": "",
    "sidebar": "",
    "topic": "",
    "epigraph": "",
    "dropdown": "",
    "card": "",
}
_OPEN = re.compile(
    r"^(?P<indent>[ \t]*)(?P<fence>`{3,}|:{3,})\{(?P<name>[\w:.-]+)\}[ \t]*(?P<arg>.*)$"
)
_OPTION = re.compile(r"^[ \t]*:(?P<key>[\w-]+):[ \t]*(?P<value>.*)$")
_ROLE = re.compile(r"\{(?P<role>[\w:.-]+)\}`(?P<text>[^`]*)`")
_TARGET = re.compile(r"^\([\w:.-]+\)=[ \t]*$")
_CHECK_LINE = re.compile(r"^\s*(xai4ess\.)?(exercises\.)?check_\w*\(")


def _bibliography() -> dict[str, dict[str, str]]:
    """``{key: {"short": "Author et al.", "year": ..., "full": ...}}`` from references.bib."""
    from pybtex.database import parse_file

    def plain(text: str) -> str:
        import codecs

        import latexcodec  # noqa: F401  (registers the "ulatex" codec; a pybtex dependency)

        return codecs.decode(text, "ulatex").replace("{", "").replace("}", "")

    entries = {}
    for key, entry in parse_file(str(ROOT / "references.bib")).entries.items():
        people = entry.persons.get("author") or entry.persons.get("editor") or []
        last = [plain(" ".join(p.last_names)) for p in people]
        if len(last) >= 3:
            short = f"{last[0]} et al."
        elif len(last) == 2:
            short = f"{last[0]} and {last[1]}"
        else:
            short = last[0] if last else key
        year = entry.fields.get("year", "n.d.")
        names = ", ".join(
            plain(" ".join(p.last_names)) + " " + "".join(n[0] + "." for n in p.first_names)
            for p in people
        )
        title = plain(entry.fields.get("title", ""))
        venue = plain(
            entry.fields.get("journal")
            or entry.fields.get("booktitle")
            or entry.fields.get("publisher")
            or entry.fields.get("howpublished", "")
        )
        doi = entry.fields.get("doi")
        url = f"https://doi.org/{doi}" if doi else entry.fields.get("url", "")
        full = f"{names} ({year}). {title}." + (f" *{venue}*." if venue else "")
        if url:
            full += f" <{url}>"
        entries[key] = {"short": short, "year": year, "full": full}
    return entries


def _chapter_titles() -> dict[str, str]:
    titles = {}
    for md in sorted((ROOT / "chapters").glob("*.md")):
        m = re.search(r"^# (.+)$", md.read_text(), re.M)
        titles[md.stem] = m.group(1).strip() if m else md.stem
    return titles


class _Converter:
    """Turns the MyST of one chapter into Markdown for JupyterLab / Colab."""

    def __init__(self, bib: dict[str, dict[str, str]], titles: dict[str, str]):
        self.bib = bib
        self.titles = titles
        self.exercises = 0
        self.cited: list[str] = []

    # roles -----------------------------------------------------------------------------
    def _cite(self, role: str, text: str) -> str:
        keys = [k.strip() for k in text.split(",") if k.strip()]
        for k in keys:
            if k not in self.bib:
                raise KeyError(f"citation key {k!r} is not in references.bib")
            if k not in self.cited:
                self.cited.append(k)
        if role == "cite:t":
            return "; ".join(f"{self.bib[k]['short']} ({self.bib[k]['year']})" for k in keys)
        inner = "; ".join(f"{self.bib[k]['short']} {self.bib[k]['year']}" for k in keys)
        return inner if role == "cite:ps" else f"({inner})"

    def _doc(self, text: str) -> str:
        m = re.fullmatch(r"(?P<label>.*?)\s*<(?P<target>[^>]+)>", text.strip(), re.S)
        label, target = (m["label"], m["target"]) if m else (None, text.strip())
        stem = Path(target).name.removesuffix(".md").removesuffix(".ipynb")
        if stem in self.titles:
            return f"[{label or self.titles[stem]}]({stem}.ipynb)"
        return label or {"references": "references"}.get(stem, stem.replace("_", " "))

    def role(self, m: re.Match) -> str:
        role, text = m["role"], m["text"]
        if role.startswith("cite"):
            return self._cite(role, text)
        if role == "doc":
            return self._doc(text)
        if role == "math":
            return f"${text}$"
        label = re.fullmatch(r"(?P<label>.*?)\s*<(?P<target>[^>]+)>", text, re.S)
        if label and label["label"]:
            text = label["label"]
        if role in {
            "func",
            "class",
            "meth",
            "mod",
            "attr",
            "obj",
            "data",
            "exc",
        } or role.startswith("py:"):
            return f"`{text.lstrip('~')}`"
        if role in {"eq", "numref", "ref"} and not label:
            return text.replace("-", " ")
        return text

    # directives --------------------------------------------------------------------------
    def _directive(self, name: str, arg: str, options: dict[str, str], body: str) -> str:
        body = self.convert(body).strip("\n")
        if name == "exercise":
            self.exercises += 1
            title = f"Exercise {self.exercises}" + (f": {self.inline(arg)}" if arg else "")
            return f"### {title}\n\n{body}"
        if name in {"math"}:
            return f"$$\n{body}\n$$"
        if name in {"code", "code-block", "sourcecode"}:
            return f"```{arg}\n{body}\n```"
        if name in {"figure", "image"}:
            path = self._asset(arg)
            alt = options.get("alt", body if name == "figure" else "")
            md = f"![{alt}]({path})"
            return md + (f"\n\n*{body}*" if name == "figure" and body else "")
        if name == "list-table":
            return self._table(body, int(options.get("header-rows", "0") or 0), arg)
        if name.startswith("glue"):
            return "*(figure: see the executed cell above)*"
        title = self.inline(arg) if name == "admonition" else ADMONITIONS.get(name, name)
        if name == "admonition" and not title:
            title = "Note"
        lines = ([f"**{title}**", ""] if title else []) + body.splitlines()
        return "\n".join(f"> {line}".rstrip() for line in lines)

    def _asset(self, path: str) -> str:
        path = path.strip()
        if re.match(r"^[a-z]+://", path):
            return path
        src = (ROOT / path.lstrip("/")) if path.startswith("/") else (ROOT / "chapters" / path)
        return os.path.relpath(src.resolve(), NOTEBOOKS).replace(os.sep, "/")

    def _table(self, body: str, header_rows: int, caption: str) -> str:
        rows: list[list[str]] = []
        for line in body.splitlines():
            if re.match(r"^\*\s+-\s?", line):
                rows.append([re.sub(r"^\*\s+-\s?", "", line).strip()])
            elif re.match(r"^\s+-\s?", line) and rows:
                rows[-1].append(re.sub(r"^\s+-\s?", "", line).strip())
            elif line.strip() and rows:
                rows[-1][-1] = (rows[-1][-1] + " " + line.strip()).strip()
        if not rows:
            return body
        width = max(len(r) for r in rows)
        rows = [[c.replace("|", "\\|") for c in r] + [""] * (width - len(r)) for r in rows]
        header = rows[0] if header_rows else [""] * width
        rest = rows[1:] if header_rows else rows
        out = [f"**{self.inline(caption)}**", ""] if caption else []
        out.append("| " + " | ".join(header) + " |")
        out.append("|" + "---|" * width)
        out += ["| " + " | ".join(r) + " |" for r in rest]
        return "\n".join(out)

    # text --------------------------------------------------------------------------------
    def inline(self, text: str) -> str:
        return _ROLE.sub(self.role, text)

    def convert(self, text: str) -> str:
        lines = text.split("\n")
        out: list[str] = []
        prose: list[str] = []  # roles may span lines: convert paragraphs, not lines

        def flush():
            if prose:
                out.append(self.inline("\n".join(prose)))
                prose.clear()

        i = 0
        in_code = None
        while i < len(lines):
            line = lines[i]
            m = _OPEN.match(line)
            if in_code is None and m:
                fence = m["fence"]
                j = i + 1
                while j < len(lines) and lines[j].strip() != fence:
                    j += 1
                inner = lines[i + 1 : j]
                options = {}
                while inner and (om := _OPTION.match(inner[0])):
                    options[om["key"]] = om["value"].strip()
                    inner = inner[1:]
                flush()
                block = self._directive(m["name"], m["arg"].strip(), options, "\n".join(inner))
                out += ["", block, ""]
                i = j + 1
                continue
            fence = re.match(r"^\s*(`{3,}|~{3,})", line)
            if fence and in_code is None:
                flush()
                in_code = fence.group(1)
                out.append(line)
            elif in_code is not None:
                if fence and line.strip() == in_code:
                    in_code = None
                out.append(line)
            elif not (_TARGET.match(line) or line.startswith("%")):
                prose.append(re.sub(r"(\$\$)[ \t]*\([\w:.-]+\)[ \t]*$", r"\1", line))
            i += 1
        flush()
        return re.sub(r"\n{3,}", "\n\n", "\n".join(out))


def _cell_id(name: str, i: int) -> str:
    return f"{Path(name).stem[:2]}-{i:03d}"


def _split_check(source: str) -> list[str]:
    """Split ``answer = ...`` from the ``exercises.check_...(answer)`` lines below it."""
    lines = source.split("\n")
    k = next((i for i, line in enumerate(lines) if _CHECK_LINE.match(line)), None)
    if k is None or not any(line.strip() for line in lines[:k]):
        return [source]
    answer = "\n".join(lines[:k]).rstrip()
    check = "# Check your answer (this cell only reads it).\n" + "\n".join(lines[k:]).strip()
    return [answer, check]


def student_notebook(md: Path, text: str | None = None):
    """The student notebook of one chapter (an ``nbformat`` notebook, deterministic).

    Parameters
    ----------
    md : Path
        The chapter source, ``chapters/NN_name.md``.
    text : str, optional
        Its text (default: read from ``md``).

    Returns
    -------
    nbformat.NotebookNode
    """
    import jupytext
    import nbformat

    text = md.read_text() if text is None else text
    stripped, _ = strip_solutions(text)
    source = jupytext.reads(stripped, fmt="md:myst")
    conv = _Converter(_bibliography(), _chapter_titles())
    title = _chapter_titles().get(md.stem, md.stem)
    cells = [
        nbformat.v4.new_code_cell(SETUP_CELL),
        nbformat.v4.new_markdown_cell(HOW_TO.format(title=title, name=md.name)),
    ]
    for cell in source.cells:
        if cell.cell_type == "markdown":
            body = conv.convert(cell.source).strip("\n")
            if body.strip():
                cells.append(nbformat.v4.new_markdown_cell(body))
        elif cell.cell_type == "code":
            meta = {k: v for k, v in cell.metadata.items() if k == "tags"}
            for part in _split_check(portable(cell.source)):
                cells.append(nbformat.v4.new_code_cell(part, metadata=dict(meta)))
        else:
            cells.append(nbformat.v4.new_raw_cell(cell.source))
    if conv.cited:
        refs = "\n".join(f"- {conv.bib[k]['full']}" for k in sorted(conv.cited))
        cells.append(nbformat.v4.new_markdown_cell("## Full references\n\n" + refs))
    for i, cell in enumerate(cells):
        cell["id"] = _cell_id(md.name, i)
    nb = nbformat.v4.new_notebook(cells=cells)
    nb.metadata = {
        "kernelspec": {"display_name": "Python 3", "language": "python", "name": "python3"},
        "language_info": {"name": "python"},
        "colab": {"provenance": []},
    }
    return nb


def render(nb) -> str:
    import nbformat

    return nbformat.writes(nb) + "\n"


def write_notebooks(target: Path, chapters: Path = ROOT / "chapters") -> list[Path]:
    """Write the student notebook of every chapter into ``target``."""
    target.mkdir(parents=True, exist_ok=True)
    written = []
    for md in sorted(chapters.glob("*.md")):
        path = target / f"{md.stem}.ipynb"
        path.write_text(render(student_notebook(md)))
        written.append(path)
    return written


def out_of_sync(target: Path = NOTEBOOKS) -> list[str]:
    """Names of notebooks in ``target`` that differ from what the chapters generate."""
    bad = []
    expected = {f"{md.stem}.ipynb": md for md in sorted((ROOT / "chapters").glob("*.md"))}
    for name, md in expected.items():
        path = target / name
        if not path.exists() or path.read_text() != render(student_notebook(md)):
            bad.append(name)
    bad += sorted(p.name for p in target.glob("*.ipynb") if p.name not in expected)
    return bad


def export_notebooks() -> list[Path]:
    return write_notebooks(OUT / "notebooks")


def main(argv: list[str] | None = None) -> None:
    import argparse

    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--notebooks", type=Path, help="only write the student notebooks here")
    parser.add_argument("--check", type=Path, help="check that these notebooks are up to date")
    args = parser.parse_args(argv)
    if args.check:
        bad = out_of_sync(args.check)
        if bad:
            raise SystemExit(
                f"out of date: {', '.join(bad)} in {args.check}; run: python tools/student.py "
                f"--notebooks {args.check}"
            )
        print(f"{args.check}: the student notebooks match the chapters")
        return
    if args.notebooks:
        written = write_notebooks(args.notebooks)
        print(f"{len(written)} student notebooks in {args.notebooks}")
        return
    removed = prepare_sources()
    for name, n in removed.items():
        print(f"{name}: removed {n} solution block(s)")
    build_site()
    notebooks = export_notebooks()
    print(f"student site: {OUT}/index.html; notebooks: {len(notebooks)} in {OUT / 'notebooks'}")


if __name__ == "__main__":
    main()
