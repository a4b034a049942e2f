"""Measure how fast each interactive demo answers a change, in a real kernel (inline figures).

    python tools/widget_timing.py [--json FILE]

For every demo of ``xai4ess.widgets`` (built as its chapter builds it) and every
control of it, the control's value is changed once from the kernel, as the
browser would on release of a slider; the time until the callbacks return (the
new figure rendered to PNG included) and the number of figures drawn are
recorded. Also reported: whether each slider sends its value only on release
(``continuous_update=False``), i.e. no redraws while dragging.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

DEMOS = {
    "hans_demo": (
        "from xai4ess.models import load\n"
        "demo = xai4ess.widgets.hans_demo(models={'confounded': load('horses'),"
        " 'fixed': load('horses_fixed')})"
    ),
    "alpha_demo": (
        "from xai4ess.models import load\n"
        "demo = xai4ess.widgets.alpha_demo(load('horses'),"
        " xai4ess.data.load('horses').test.x[:24], target=1)"
    ),
    "convection_explorer": "demo = xai4ess.widgets.convection_explorer()",
    "goes_mrms_demo": "demo = xai4ess.widgets.goes_mrms_demo()",
    "climate_demo": "demo = xai4ess.widgets.climate_demo(year=2080)",
    "rf_builder": "demo = xai4ess.widgets.rf_builder()",
}

PROBE = r"""
import time, json
import ipywidgets as W
import matplotlib.pyplot as plt

_shows = [0]
_orig_show = plt.show
def _counting_show(*a, **k):
    _shows[0] += 1
    return _orig_show(*a, **k)
plt.show = _counting_show

import xai4ess.widgets._live as _live  # the demos show their figures through _live.emit
_orig_emit = _live.emit
def _counting_emit(*a, **k):
    _shows[0] += 1
    return _orig_emit(*a, **k)
_live.emit = _counting_emit

def _controls(w):
    found = []
    if isinstance(w, (W.Dropdown, W.IntSlider, W.FloatSlider, W.SelectionSlider, W.Checkbox,
                      W.Button)):
        found.append(w)
    for c in getattr(w, "children", ()):
        found += _controls(c)
    return found

def _other(c):
    if isinstance(c, W.Checkbox):
        return not c.value
    if isinstance(c, (W.IntSlider, W.FloatSlider)):
        return c.value + c.step if c.value + c.step <= c.max else c.value - c.step
    opts = [o[1] if isinstance(o, tuple) else o for o in c.options]
    i = opts.index(c.value) if c.value in opts else -1
    return opts[(i + 1) % len(opts)]

def measure(name, demo):
    rows = []
    for c in _controls(demo):
        label = c.description or type(c).__name__
        if not isinstance(c, (W.Button, W.Checkbox, W.IntSlider, W.FloatSlider)) and not c.options:
            rows.append({"demo": name, "control": label, "kind": type(c).__name__,
                         "seconds": None, "figures": 0, "on_release": True,
                         "note": "no options left (empty menu)"})
            continue
        _shows[0] = 0
        t0 = time.perf_counter()
        if isinstance(c, W.Button):
            c.click()
        else:
            c.value = _other(c)
        dt = time.perf_counter() - t0
        rows.append({"demo": name, "control": label, "kind": type(c).__name__,
                     "seconds": round(dt, 3), "figures": _shows[0],
                     "on_release": getattr(c, "continuous_update", False) is False})
    return rows
"""


def notebook():
    import nbformat

    cells = [
        nbformat.v4.new_code_cell("%matplotlib inline\nimport xai4ess, xai4ess.data"),
        nbformat.v4.new_code_cell(PROBE),
        nbformat.v4.new_code_cell("RESULTS = []"),
    ]
    for name, build in DEMOS.items():
        cells.append(nbformat.v4.new_code_cell(build))
        cells.append(nbformat.v4.new_code_cell(f"RESULTS += measure({name!r}, demo)"))
    cells.append(nbformat.v4.new_code_cell("print(json.dumps(RESULTS))"))
    return nbformat.v4.new_notebook(cells=cells)


def run() -> list[dict]:
    from nbclient import NotebookClient

    nb = notebook()
    env_path = os.environ.get("PYTHONPATH", "")
    os.environ["PYTHONPATH"] = os.pathsep.join(p for p in (str(ROOT), env_path) if p)
    client = NotebookClient(nb, timeout=600, kernel_name="python3", resources={"metadata": {}})
    client.on_cell_executed = lambda cell, cell_index, **_: print(
        f"[{time.strftime('%H:%M:%S')}] cell {cell_index} done: {cell.source[:60]!r}",
        file=sys.stderr,
        flush=True,
    )
    client.execute()
    text = "".join(o.get("text", "") for o in nb.cells[-1].outputs)
    return json.loads(text.strip().splitlines()[-1])


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--json", type=Path)
    args = parser.parse_args(argv)
    rows = run()
    print(f"{'demo':22} {'control':16} {'kind':16} {'s':>6} figs on_release")
    for r in rows:
        print(
            f"{r['demo']:22} {r['control'][:16]:16} {r['kind']:16} {r['seconds'] or -1:6.3f}"
            f" {r['figures']:4d} {r['on_release']} {r.get('note', '')}"
        )
    if args.json:
        args.json.write_text(json.dumps(rows, indent=1))


if __name__ == "__main__":
    sys.exit(main())
