"""`explain` costs per stack (pinned Python 3.11 / TF 2.14, Colab's 3.12 / TF 2.19, 3.13 / TF 2.21).

    <stack's python> benchmarks/stacks.py measure   # writes benchmarks/stacks/<python>.json
    python benchmarks/stacks.py report              # the table in benchmarks/results.md

The model and inputs are those of ``benchmarks/run.py`` (a CNN classifier on 64
inputs of 64x64x4); each time is the best of 7 calls (3 for integrated gradients)
after a warm-up, and is also given in forward passes (eager ``model(x)`` timed the
same way), which is what carries over between machines and loads. The table sits
between two markers in ``results.md``, so ``run.py`` may rewrite the rest.
"""

from __future__ import annotations

import json
import os
import platform
import sys
import time
from importlib import metadata
from pathlib import Path

import _report  # benchmarks/_report.py (this script's folder is on sys.path)

HERE = Path(__file__).resolve().parent
OUT = HERE / "stacks"
RESULTS = HERE / "results.md"
BEGIN, END = _report.markers("stacks")
METHODS = ("gradient", "lrp.epsilon", "lrp.alpha_1_beta_0", "integrated_gradients")


def measure(batch: int = 64) -> dict:
    import numpy as np

    sys.path.insert(0, str(HERE))
    from run import explain_costs  # the same model, inputs and timing as run.py

    import xai4ess

    methods = xai4ess.methods()
    keep = methods.index.isin(METHODS)
    original = xai4ess.methods
    xai4ess.methods = lambda: methods[keep]  # only the rows of this table
    try:
        rows = explain_costs(batch)
    finally:
        xai4ess.methods = original
    versions = {
        d: metadata.version(d) for d in ("tensorflow", "numpy", "innvestigate", "tf-explain")
    }
    for d in ("tf-keras", "keras"):
        try:
            versions[d] = metadata.version(d)
        except metadata.PackageNotFoundError:
            pass
    return {
        "python": platform.python_version(),
        "versions": versions,
        "batch": batch,
        "when": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
        "load_average_1min": os.getloadavg()[0],
        "rows": [
            {k: float(v) if isinstance(v, np.floating) else v for k, v in r.items()} for r in rows
        ],
    }


def report() -> str:
    runs = [json.loads(p.read_text()) for p in sorted(OUT.glob("py*.json"))]
    if not runs:
        raise SystemExit("no measurements in benchmarks/stacks/: run `measure` on each stack")
    heads = [
        f"Python {r['python']}, TF {r['versions']['tensorflow']}"
        + (f", tf-keras {r['versions']['tf-keras']}" if "tf-keras" in r["versions"] else "")
        for r in runs
    ]
    lines = [
        BEGIN,
        "## `explain` costs per stack",
        "",
        "Written by `benchmarks/stacks.py` (the `run.py` model: 64 inputs of 64x64x4). Each cell: "
        "the best cached call over the stack's runs in seconds, and in forward passes (the best "
        "forward pass over the same runs). The stacks were measured in turn on the same shared "
        "2-core machine; last runs "
        f"({', '.join(r['when'] for r in runs)}); compare the forward-pass ratios. "
        "Load averages (1 min) at the end of each run: "
        + ", ".join(
            str(round(r["load_average_1min"], 1)) if "load_average_1min" in r else "not recorded"
            for r in runs
        )
        + ". On a machine shared by other jobs the times, the forward pass included, vary by "
        "factors of 2-3 from run to run: re-run `measure` on an idle machine before "
        "drawing conclusions finer than that.",
        "",
        "| method | " + " | ".join(heads) + " |",
        "| --- |" + " ---: |" * len(runs),
    ]

    def best(r: dict, method: str) -> float | None:
        """The best cached time of ``method`` over the stack's runs (one machine, one load)."""
        times = [
            row["cached"]
            for run in r.get("runs", [r])
            for row in run["rows"]
            if row["method"] == method
        ]
        return min(times) if times else None

    names = [row["method"] for row in runs[0]["rows"]]
    for name in names:
        cells = []
        for r in runs:
            t, fwd = best(r, name), best(r, "(forward pass)")
            cells.append("-" if t is None else f"{t:.4f} s ({t / fwd:.1f}x)")
        lines.append(f"| {name} | " + " | ".join(cells) + " |")
    lines += extra_tables()
    lines += ["", END]
    return "\n".join(lines)


def _duration(seconds: float) -> str:
    return f"{seconds:.0f} s" if seconds < 120 else f"{seconds // 60:.0f} min {seconds % 60:.0f} s"


def extra_tables() -> list[str]:
    """Install times per route (``stacks/install.json``, measured by hand with ``time``) and
    the Colab-style run of the student notebooks (``stacks/colab_run.json``, written by
    ``tools/colab_run.py run --out``)."""
    lines: list[str] = []
    install = OUT / "install.json"
    if install.exists():
        data = json.loads(install.read_text())
        lines += ["", "### Install routes from scratch", "", data["note"], ""]
        lines += [
            "| route | Python | command | time | load (1 min) at start / end |",
            "| --- | --- | --- | ---: | --- |",
        ]
        for r in data["rows"]:
            lines.append(
                f"| {r['route']} | {r['python']} | `{r['command']}` | {_duration(r['seconds'])} "
                f"| {r['load']} |"
            )
    colab = OUT / "colab_run.json"
    if colab.exists():
        data = json.loads(colab.read_text())
        lines += ["", "### Colab-style run of the student notebooks", "", data["header"], ""]
        lines += [
            "| chapter | status | seconds (setup cell) | peak memory (GB) | first error |",
            "| --- | --- | ---: | ---: | --- |",
        ]
        for r in data["rows"]:
            peak = "-" if r.get("peak_gb") is None else f"{r['peak_gb']:.2f}"
            err = str(r["error"]).replace("|", "\\|") or "-"
            setup = f" ({r['setup_seconds']:.0f})" if r.get("setup_seconds") is not None else ""
            lines.append(
                f"| {r['chapter']} | {r['status']} | {r['seconds']:.1f}{setup} | {peak} | {err} |"
            )
    return lines


def main(argv: list[str]) -> int:
    if argv[1:2] == ["measure"]:
        result = measure()
        OUT.mkdir(exist_ok=True)
        target = OUT / f"py{result['python'].replace('.', '')[:3]}.json"
        # Keep earlier runs of the same stack (same versions): the report takes the best.
        earlier = json.loads(target.read_text()).get("runs", []) if target.exists() else []
        same = [r for r in earlier if r.get("versions") == result["versions"]]
        target.write_text(json.dumps({**result, "runs": [*same, result]}, indent=2) + "\n")
        print(f"wrote {target.relative_to(HERE.parent)}")
        return 0
    block = report()
    _report.write_block(RESULTS, "stacks", block)
    print(block)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
