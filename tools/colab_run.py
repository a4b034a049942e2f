"""A Colab-style run: every student notebook, as the Colab launch button opens it, on Colab's stack.

    python tools/colab_run.py venv .venv-colab312            # a fresh "Colab" (no xai4ess)
    .venv-colab312/bin/python tools/colab_run.py run          # execute notebooks/*.ipynb
    .venv-colab312/bin/python tools/colab_run.py run 02_clever_hans --out table.md

``venv`` makes what a Colab runtime has before the student's first cell: Python
3.12 with TensorFlow 2.19, Keras 3, tf-keras, numpy 2 and the usual scientific
and Jupyter packages preinstalled (versions from ``constraints-py312.txt``), and
no xai4ess, iNNvestigate or tf-explain.

``run`` executes ``notebooks/<chapter>.ipynb`` (the files the Colab button opens)
with nbclient in a kernel of this Python, from an empty working folder (the
notebook sees only the installed package, as on Colab). Before the first cell the
kernel is told it runs on Colab (an empty ``google.colab`` module), so the
notebook's own setup cell runs its Colab branch: ``pip install
"xai4ess[colab] @ git+<repository>"`` and ``python -m xai4ess setup``, with the
GitHub address replaced by this checkout (``--source``, default
``git+file://<checkout>``: the committed HEAD, through git, as on Colab). Unless
``--keep``, xai4ess, iNNvestigate and tf-explain are uninstalled first, so the
first chapter's setup cell installs them from scratch (later chapters find them,
as a second notebook in the same runtime would). ``--no-colab`` runs the notebooks
as on one's own Jupyter instead (setup cell skipped, the installed xai4ess used).

The result is a table (chapter, status, seconds, peak memory of the kernel, first
error) on stdout and in ``--out`` (Markdown) with a JSON twin; the exit code is 1
if any chapter failed. Chapters that myst-nb would glue run with the fallback of
``tools/student.py`` (``portable()``), which the notebooks already contain.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import signal
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = ROOT / "notebooks"
GITHUB = "git+https://github.com/xai4ess/xai4ess"
# What a Colab runtime has preinstalled that the course uses (Colab pins its own
# versions; constraints-py312.txt holds Colab's TensorFlow 2.19 stack).
COLAB_PREINSTALLED = [
    "tensorflow",
    "keras",
    "tf-keras",
    "numpy",
    "scipy",
    "pandas",
    "matplotlib",
    "scikit-image",
    "scikit-learn",
    "ipywidgets",
    "xarray",
    "tqdm",
    "opencv-python-headless",
    "ipykernel",
    "nbclient",
    "nbformat",
]
COURSE = ["xai4ess", "innvestigate", "tf-explain"]
ON_COLAB = (
    "import sys, types; sys.modules.setdefault('google.colab', types.ModuleType('google.colab'))"
)


def make_venv(target: Path, python: str, constraints: Path) -> None:
    """A fresh virtual environment with Colab's preinstalled packages (no course packages)."""
    t0 = time.perf_counter()
    subprocess.run([python, "-m", "venv", str(target)], check=True)
    py = str(target / "bin" / "python")
    subprocess.run([py, "-m", "pip", "install", "-q", "--upgrade", "pip>=24"], check=True)
    subprocess.run(
        [py, "-m", "pip", "install", "-q", "-c", str(constraints), *COLAB_PREINSTALLED],
        check=True,
    )
    print(f"{target}: Colab-like environment in {time.perf_counter() - t0:.0f} s")


def _peak_gb(pid: int | None) -> float | None:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 2**20
    except (OSError, TypeError, ValueError):
        pass
    return None


def _first_line(text: str) -> str:
    text = re.sub(r"\x1b\[[0-9;]*m", "", str(text))  # ANSI colours of tracebacks
    lines = [ln for ln in text.strip().splitlines() if ln.strip()]
    return (lines[-1] if lines else "")[:200]


def run_notebook(
    path: Path,
    source: str,
    colab: bool,
    timeout: int,
    setup_timeout: int,
    notebook_timeout: int = 2400,
) -> dict[str, object]:
    """Execute one notebook; returns a table row.

    Besides nbclient's timeout per cell, a watchdog kills the kernel after
    ``notebook_timeout`` seconds: once in these runs, kernel and client both sat
    idle, each waiting for the other, and the cell timeout never fired.
    """
    import nbformat
    from nbclient import NotebookClient
    from nbclient.exceptions import CellExecutionError, CellTimeoutError, DeadKernelError

    nb = nbformat.read(path, as_version=4)
    setup = nb.cells[0]
    assert "google.colab" in setup.source, f"{path.name}: the first cell is not the setup cell"
    setup.source = setup.source.replace(GITHUB, source)
    if colab:  # the kernel believes it runs on Colab from the setup cell on
        setup.source = ON_COLAB + "\n" + setup.source
    row: dict[str, object] = {"chapter": path.stem, "status": "ok", "error": ""}
    with tempfile.TemporaryDirectory(prefix="colab-content-") as content:
        client = NotebookClient(
            nb,
            timeout=timeout,
            kernel_name="python3",
            resources={"metadata": {"path": content}},
        )
        start = time.perf_counter()
        with client.setup_kernel(cwd=content):
            pid = getattr(client.km.provisioner, "pid", None)
            fired: list[bool] = []

            def kill() -> None:
                fired.append(True)
                try:
                    os.kill(pid, signal.SIGKILL)
                except (OSError, TypeError):
                    pass

            watchdog = threading.Timer(notebook_timeout, kill)
            watchdog.daemon = True
            watchdog.start()
            for index, cell in enumerate(nb.cells):
                if cell.cell_type != "code":
                    continue
                client.timeout = setup_timeout if index == 0 else timeout
                t0 = time.perf_counter()
                try:
                    client.execute_cell(cell, index)
                except CellTimeoutError:
                    row["status"] = "timeout"
                    row["error"] = f"cell {index}: no result after {client.timeout} s"
                    break
                except CellExecutionError as exc:
                    row["status"] = "error"
                    row["error"] = f"cell {index}: {_first_line(exc)}"
                    break
                except DeadKernelError:
                    row["status"] = "timeout" if fired else "dead kernel"
                    row["error"] = f"cell {index}: " + (
                        f"notebook not done after {notebook_timeout} s, kernel killed"
                        if fired
                        else "the kernel died (out of memory?)"
                    )
                    break
                finally:
                    if index == 0:
                        row["setup_seconds"] = round(time.perf_counter() - t0, 1)
            watchdog.cancel()
            row["peak_gb"] = _peak_gb(pid)
        row["seconds"] = round(time.perf_counter() - start, 1)
    if row["status"] == "ok":
        errors = [
            f"cell {i}: {out.get('ename')}: {out.get('evalue')}"[:200]
            for i, c in enumerate(nb.cells)
            if c.cell_type == "code"
            for out in c.get("outputs", [])
            if out.get("output_type") == "error"
        ]
        if errors:
            row["status"], row["error"] = "error", errors[0]
    return row


def stack() -> str:
    from importlib import metadata

    def v(dist: str) -> str:
        try:
            return metadata.version(dist)
        except metadata.PackageNotFoundError:
            return "-"

    return (
        f"Python {platform.python_version()}, TensorFlow {v('tensorflow')}, "
        f"tf-keras {v('tf-keras')}, Keras {v('keras')}, numpy {v('numpy')}"
    )


def table(rows: list[dict[str, object]], header: str) -> str:
    out = [
        header,
        "",
        "| chapter | status | seconds (setup cell) | peak memory (GB) | first error |",
        "| --- | --- | ---: | ---: | --- |",
    ]
    for r in rows:
        peak = f"{r['peak_gb']:.2f}" if r.get("peak_gb") is not None else "-"
        err = str(r["error"]).replace("|", "\\|")
        setup = f" ({r['setup_seconds']:.0f})" if r.get("setup_seconds") is not None else ""
        out.append(
            f"| {r['chapter']} | {r['status']} | {r['seconds']:.1f}{setup} | {peak} | {err} |"
        )
    return "\n".join(out) + "\n"


def run(args: argparse.Namespace) -> int:
    py = sys.executable
    if args.colab and not args.keep:
        subprocess.run(
            [py, "-m", "pip", "uninstall", "-q", "-y", *COURSE],
            check=False,
            capture_output=True,
        )
    paths = (
        [NOTEBOOKS / f"{c.removesuffix('.ipynb')}.ipynb" for c in args.chapters]
        if args.chapters
        else sorted(NOTEBOOKS.glob("*.ipynb"))
    )
    mode = "Colab-style (setup cell run, source " + args.source + ")" if args.colab else "local"
    header = (
        f"Colab-style run of notebooks/*.ipynb, {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}: "
        f"{mode}; {stack()}; load average {os.getloadavg()[0]:.1f} at the start."
    )
    print(header, flush=True)
    rows = []
    for path in paths:
        row = run_notebook(
            path, args.source, args.colab, args.timeout, args.setup_timeout, args.notebook_timeout
        )
        rows.append(row)
        peak = f"{row['peak_gb']:.2f} GB" if row.get("peak_gb") is not None else "-"
        print(
            f"{row['chapter']}: {row['status']} in {row['seconds']:.0f} s, peak {peak}"
            + (f"; {row['error']}" if row["error"] else ""),
            flush=True,
        )
    header += f" Stack after the run: {stack()}."
    text = table(rows, header)
    print(text)
    if args.out:
        args.out.write_text(text)
        args.out.with_suffix(".json").write_text(
            json.dumps({"header": header, "rows": rows}, indent=2) + "\n"
        )
    return 0 if all(r["status"] == "ok" for r in rows) else 1


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    sub = parser.add_subparsers(dest="cmd", required=True)
    v = sub.add_parser("venv", help="a fresh Colab-like environment")
    v.add_argument("target", type=Path)
    v.add_argument("--python", default="python3.12")
    v.add_argument("--constraints", type=Path, default=ROOT / "constraints-py312.txt")
    r = sub.add_parser("run", help="execute the student notebooks in this Python")
    r.add_argument("chapters", nargs="*", help="e.g. 02_clever_hans (default: all)")
    r.add_argument("--source", default=f"git+file://{ROOT}", help="replaces the GitHub URL")
    r.add_argument("--no-colab", dest="colab", action="store_false")
    r.add_argument("--keep", action="store_true", help="do not uninstall xai4ess first")
    r.add_argument("--timeout", type=int, default=600, help="seconds per cell")
    r.add_argument("--setup-timeout", type=int, default=1200, help="seconds for the setup cell")
    r.add_argument(
        "--notebook-timeout", type=int, default=2400, help="seconds per notebook (watchdog)"
    )
    r.add_argument("--out", type=Path, help="Markdown table (and a .json beside it)")
    args = parser.parse_args(argv)
    if args.cmd == "venv":
        make_venv(args.target, args.python, args.constraints)
        return 0
    return run(args)


if __name__ == "__main__":
    sys.exit(main())
