"""What `explain` does with the models users build, and its memory on a large batch.

    python benchmarks/users.py support   # architecture x method table (fresh process each)
    python benchmarks/users.py memory    # peak memory of IG on 2,000 inputs (fresh process each)
    python benchmarks/users.py report    # write both tables into results.md

The support table runs the test suite's user-model worker (``tests/unit/_user_zoo.py``:
models with automatic layer names, softmax inside the last Dense, BatchNorm, residual
Add, ...) in a fresh process per architecture and records, for every method of
``xai4ess.methods()``, whether it ran (``ok``), raised an xai4ess error that says what
to do (``error``), or raised anything else (``RAW``, a bug). Multi-input/multi-output
models are run through the public ``explain`` here (``output=``, a list of inputs).

The memory entry measures the peak resident set of one process that builds a small
CNN and 2,000 inputs of 32x32x1 (8 MB), warms the method up on 8 inputs (the baseline),
then explains all 2,000; the issue's budget is the baseline + 0.5 GB. The results are
kept in ``users.json``; ``report`` writes them between markers in ``results.md``.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

import _report  # benchmarks/_report.py (this script's folder is on sys.path)

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
RESULTS = HERE / "results.md"
STORE = HERE / "users.json"
WORKER = ROOT / "tests" / "unit" / "_user_zoo.py"
ARCHS = {
    "cnn": "Conv, MaxPool, Flatten, Dense, softmax in the last Dense",
    "bn_relu": "Conv, BatchNorm, ReLU layer blocks",
    "residual": "residual Add (one user layer named `add`)",
    "resnet_bn": "residual block with BatchNorm and ReLU layers",
    "unet": "U-Net: Concatenate, UpSampling, per-pixel softmax",
    "gap_head": "global average/max pooling heads",
    "conv1d": "Conv1D time-series regression",
    "sigmoid": "binary sigmoid classifier (logit explained)",
    "leaky_softmax": "LeakyReLU layers, separate Softmax layer",
    "seq_batch3": "Sequential built by calling it on a batch of 3",
    "nested": "nested Sequential backbone",
    "saved_h5": "loaded from .h5",
    "saved_keras": "loaded from .keras",
    "saved_tf": "loaded from a SavedModel",
}
MEMORY_METHODS = ("integrated_gradients", "tfx.integrated_gradients", "smoothgrad", "lrp.epsilon")

_MULTI = r"""
import json, sys
import numpy as np
import xai4ess
from xai4ess._env import tensorflow
from xai4ess.errors import Xai4essError
keras = tensorflow().keras
L = keras.layers
keras.utils.set_random_seed(0)
image_in, vector_in = keras.Input((8, 8, 2)), keras.Input((4,))
h = L.Flatten()(L.MaxPooling2D()(L.Conv2D(3, 3, activation="relu")(image_in)))
h = L.Dense(6, activation="relu")(L.Concatenate()([h, L.Dense(5, activation="relu")(vector_in)]))
model = keras.Model([image_in, vector_in], [L.Dense(3, activation="softmax", name="precip")(h),
                                            L.Dense(1, name="temp")(h)])
rng = np.random.default_rng(0)
xs = [rng.normal(size=(5, 8, 8, 2)).astype("float32"), rng.normal(size=(5, 4)).astype("float32")]
out = {}
for output, target in (("precip", 1), ("temp", 0)):
    row = {}
    for method in xai4ess.methods().index:
        try:
            r = xai4ess.explain(model, xs, method, target=target, output=output)
            ok = all(np.all(np.isfinite(np.asarray(a))) for a in r)
            row[method] = ["ok" if ok else "RAW", ""]
        except Xai4essError as exc:
            row[method] = ["error", str(exc)[:200]]
        except Exception as exc:  # noqa: BLE001
            row[method] = ["RAW", repr(exc)[:200]]
    out[output] = row
json.dump(out, sys.stdout)
"""

_MEMORY = r"""
import json, resource, sys
import numpy as np
import xai4ess
from xai4ess._env import tensorflow
keras = tensorflow().keras
L = keras.layers
keras.utils.set_random_seed(0)
model = keras.Sequential([keras.Input((32, 32, 1)), L.Conv2D(8, 3, activation="relu"),
                          L.MaxPooling2D(), L.Conv2D(16, 3, activation="relu"), L.Flatten(),
                          L.Dense(32, activation="relu"), L.Dense(3, activation="softmax")])
x = np.random.default_rng(0).random((2000, 32, 32, 1), dtype=np.float32)
method = sys.argv[1]
def peak():
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**20  # GB (ru_maxrss in kB)
xai4ess.explain(model, x[:8], method, target=0, progress=False)
base = peak()
r = xai4ess.explain(model, x, method, target=0, progress=False)
assert r.shape == x.shape and np.all(np.isfinite(r))
json.dump({"baseline_gb": base, "peak_gb": peak()}, sys.stdout)
"""


def _python(code_or_file: str | Path, *args: str, timeout: int = 1800) -> str:
    env = {**os.environ, "PYTHONPATH": str(ROOT), "TF_CPP_MIN_LOG_LEVEL": "3"}
    cmd = [sys.executable, str(code_or_file), *args]
    if isinstance(code_or_file, str):
        cmd = [sys.executable, "-c", code_or_file, *args]
    proc = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=timeout)
    if proc.returncode != 0:
        raise RuntimeError(f"{cmd[1:3]} failed:\n{proc.stderr[-3000:]}")
    return proc.stdout


def _kind(outcome: list) -> str:
    return {"ok": "ok", "xai4ess": "error"}.get(outcome[0], "RAW")


def support() -> dict:
    """Architecture x method outcomes, each architecture in a fresh process."""
    table: dict = {}
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp)
        for arch in [a for a in ARCHS if not a.startswith("saved")] + ["saved_build"]:
            print(f"support: {arch}", flush=True)
            _python(WORKER, arch, str(out))
        _python(WORKER, "saved_load", str(out))
        _python(WORKER, "recurrent", str(out))
        for arch in ARCHS:
            res = json.loads((out / f"{arch}.json").read_text())
            table[arch] = {
                "lrp_z_rel_error": res["lrp_z_rel_error"],
                "methods": {m: _kind(o) for m, o in res["methods"].items()},
            }
        rec = json.loads((out / "recurrent.json").read_text())
        for name in ("lstm", "convlstm"):
            table[name] = {"methods": {m: _kind(o) for m, o in rec[name].items()}}
    multi = json.loads(_python(_MULTI))
    for output, row in multi.items():
        table[f"multi:{output}"] = {"methods": {m: o[0] for m, o in row.items()}}
    return table


def memory() -> dict:
    """Peak memory of each method on 2,000 inputs, one fresh process each."""
    rows = {}
    for method in MEMORY_METHODS:
        print(f"memory: {method}", flush=True)
        rows[method] = json.loads(_python(_MEMORY, method))
    return rows


LABELS = {
    **ARCHS,
    "lstm": "LSTM series regression",
    "convlstm": "ConvLSTM2D classifier",
    "multi:precip": 'two inputs, two outputs: `output="precip"`',
    "multi:temp": 'two inputs, two outputs: `output="temp"`',
}


def report() -> str:
    data = json.loads(STORE.read_text())
    lines = [
        "## `explain` on models built as users build them",
        "",
        "Written by `benchmarks/users.py` (" + data["when"] + "; pinned stack). Each "
        "architecture was built and explained in a fresh process by the test suite's "
        "worker `tests/unit/_user_zoo.py` (automatic layer names, softmax inside the last "
        "Dense). `ok`: the method ran and its map is finite; `error`: it raised an xai4ess "
        "error naming the layer or argument and what to do instead; `RAW`: anything else "
        "(a bug). The LRP-0 column is max |lrp.z - input x gradient| / max |input x gradient| "
        "of the explained pre-activation score (plain `GradientTape`).",
        "",
    ]
    support_rows = data["support"]
    methods = list(next(iter(support_rows.values()))["methods"])
    lines.append("| model | LRP-0 = x*grad | " + " | ".join(f"`{m}`" for m in methods) + " |")
    lines.append("| --- | ---: |" + " :---: |" * len(methods))
    for arch, row in support_rows.items():
        err = row.get("lrp_z_rel_error")
        err_s = f"{err:.1e}" if err is not None else "-"
        cells = [row["methods"].get(m, "-") for m in methods]
        lines.append(f"| {LABELS.get(arch, arch)} | {err_s} | " + " | ".join(cells) + " |")
    n_raw = sum(v == "RAW" for r in support_rows.values() for v in r["methods"].values())
    lines += [
        "",
        f"Raw (non-xai4ess) exceptions in the table: {n_raw}. LeakyReLU: iNNvestigate "
        "passes relevance through activation layers by the gradient rule (times the slope), "
        "so LRP-0 is not input x gradient there; our maps equal iNNvestigate's own on that "
        "model (tests/unit/test_user_models.py). The `error` cells name the fix: the "
        "recurrent models point to the `tfx.*`/occlusion methods, multi-input models "
        "to the iNNvestigate methods (Grad-CAM, occlusion and tf-explain take one input).",
        "",
    ]
    lines += [
        "### Memory on 2,000 inputs of 32x32x1",
        "",
        "Peak resident memory of a fresh process (small CNN, inputs 8 MB): after a warm-up "
        "call on 8 inputs (baseline) and after explaining all 2,000 (budget: baseline + 0.5 GB).",
        "",
        "| method | baseline (GB) | peak (GB) | increase (GB) | budget |",
        "| --- | ---: | ---: | ---: | --- |",
    ]
    for method, row in data["memory"].items():
        inc = row["peak_gb"] - row["baseline_gb"]
        verdict = "met" if inc <= 0.5 else "MISSED"
        lines.append(
            f"| `{method}` | {row['baseline_gb']:.2f} | {row['peak_gb']:.2f} | {inc:.2f} | {verdict} |"
        )
    return "\n".join(lines) + "\n"


def write_report() -> None:
    _report.write_block(RESULTS, "users", _report.block("users", report()))


def main(argv: list[str]) -> int:
    import datetime as dt

    what = argv[0] if argv else "report"
    data = json.loads(STORE.read_text()) if STORE.exists() else {}
    if what in ("support", "all"):
        data["support"] = support()
    if what in ("memory", "all"):
        data["memory"] = memory()
    if what != "report":
        data["when"] = dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC")
        STORE.write_text(json.dumps(data, indent=1))
    write_report()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
