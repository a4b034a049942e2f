"""Execute chapters end to end and compare their headline numbers with the pinned stack's.

    python tests/modern/headlines.py record   # on the pinned stack: writes headlines_pinned.json
    python tests/modern/headlines.py check    # on any stack: executes, compares, exit 1 if off

Each chapter is read with jupytext and executed with nbclient in a kernel of this
Python (as a student's notebook would be); a last cell added to the notebook prints
the headline numbers named below as JSON. Numbers agree when
``|modern - pinned| <= atol`` (per number, below). The weights and data are the
shipped ones, so the stacks differ only by float round-off of different TensorFlow
builds (and oneDNN kernels): shares of relevance and ERF sizes are given a small
absolute tolerance, counts and accuracies that would flip only on ties must be equal
within one test picture.
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PINNED = Path(__file__).with_name("headlines_pinned.json")

# chapter -> {headline: (python expression evaluated in the executed kernel, atol)}
HEADLINES: dict[str, dict[str, tuple[str, float]]] = {
    "02_clever_hans": {
        "accuracy, shipped test set": ("table.loc['shipped test set', 'accuracy']", 0.005),
        "accuracy, tags removed": ("table.loc['tags removed', 'accuracy']", 0.005),
        "false alarms, tags on non-horses": (
            "table.loc['tags on non-horses only', 'false alarms']",
            0.005,
        ),
        "fixed model accuracy, tags removed": (
            "both.loc['tags removed', ('fixed', 'accuracy')]",
            0.005,
        ),
        "mean tag share, tagged horses": ("shares[horses.has_tag]['tag'].mean()", 0.002),
        "mean tag share, tagged horses, fixed model": (
            "shares_fixed[horses.has_tag]['tag'].mean()",
            0.002,
        ),
        "horse pictures explained by the tag": ("(shares['strategy'] == 'tag').sum()", 1),
        "SpRAy clusters": ("spray.n_clusters", 0),
        "right for the wrong reason": ("wrong_reason.sum()", 1),
    },
    "07_receptive_fields": {
        "TRF side of the output": ("rf.receptive_field(model, 'mrms').size[0]", 0),
        "TRF check agrees": ("check['agree'].all()", 0),
        "ERF side 50%, untrained conv4": (
            "erf_summary(erf_untrained).set_index('layer').loc['conv4', "
            "'ERF side, 50% of the influence']",
            1,
        ),
        "ERF side 50%, trained mrms": (
            "erf_table.set_index('layer, weights').loc['mrms, trained', 'ERF side, 50%']",
            1,
        ),
        "ERF side 90%, trained mrms": (
            "erf_table.set_index('layer, weights').loc['mrms, trained', 'ERF side, 90%']",
            1,
        ),
        "deeper network TRF": ("deeper_rf.size[0]", 0),
    },
}

PROBE = """
import json as _json
_values = {{}}
for _name, _expr in {exprs!r}.items():
    _v = eval(_expr)
    _values[_name] = float(_v.item() if hasattr(_v, "item") else _v)
print("HEADLINES" + _json.dumps(_values))
"""


def execute(chapter: str) -> tuple[dict[str, float], float]:
    """Execute one chapter in a fresh kernel; returns (headline values, seconds)."""
    import jupytext
    import nbformat
    from nbclient import NotebookClient

    sys.path.insert(0, str(ROOT / "tools"))
    from student import portable  # myst-nb's glue is not on the modern stacks

    nb = jupytext.read(ROOT / "chapters" / f"{chapter}.md")
    for cell in nb.cells:
        if cell.cell_type == "code":
            cell.source = portable(cell.source)
    exprs = {name: expr for name, (expr, _) in HEADLINES[chapter].items()}
    nb.cells.append(nbformat.v4.new_code_cell(PROBE.format(exprs=exprs)))
    nb.metadata["kernelspec"] = {
        "name": "python3",
        "display_name": "Python 3",
        "language": "python",
    }
    start = time.perf_counter()
    NotebookClient(
        nb, timeout=600, kernel_name="python3", resources={"metadata": {"path": str(ROOT)}}
    ).execute()
    seconds = time.perf_counter() - start
    for out in nb.cells[-1].outputs:
        for line in out.get("text", "").splitlines():
            if line.startswith("HEADLINES"):
                return json.loads(line[len("HEADLINES") :]), seconds
    raise RuntimeError(f"{chapter}: the probe cell printed no headlines")


def stack() -> str:
    import platform
    from importlib import metadata

    return f"Python {platform.python_version()}, TensorFlow {metadata.version('tensorflow')}"


def main(argv: list[str]) -> int:
    mode = argv[1] if len(argv) > 1 else "check"
    chapters = argv[2:] or list(HEADLINES)
    if mode == "record":
        out = {"stack": stack(), "chapters": {}}
        for ch in chapters:
            out["chapters"][ch], seconds = execute(ch)
            print(f"{ch}: executed in {seconds:.0f} s")
        PINNED.write_text(json.dumps(out, indent=2) + "\n")
        print(f"wrote {PINNED.relative_to(ROOT)} ({out['stack']})")
        return 0
    pinned = json.loads(PINNED.read_text())
    bad = 0
    print(f"headline numbers: {stack()} against the pinned stack ({pinned['stack']})")
    for ch in chapters:
        values, seconds = execute(ch)
        print(f"{ch}: executed end to end in {seconds:.0f} s")
        for name, (_, atol) in HEADLINES[ch].items():
            ref, got = pinned["chapters"][ch][name], values[name]
            ok = abs(got - ref) <= atol
            bad += not ok
            print(f"  {'ok ' if ok else 'OFF'} {name}: {got:.4g} (pinned {ref:.4g}, atol {atol})")
    print(f"{'all headline numbers agree' if not bad else f'{bad} headline numbers differ'}")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
