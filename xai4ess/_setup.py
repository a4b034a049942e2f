"""``python -m xai4ess setup``: complete a Python environment for xai4ess, then check it.

iNNvestigate 2.1.2 declares ``python<3.12`` and ``tensorflow<2.15``, so pip refuses it
on Colab's Python 3.12 with TensorFlow 2.19. It works there (with tf-keras, the
Keras 2 that ``tf.keras`` becomes with ``TF_USE_LEGACY_KERAS=1``), so this command

1. keeps the installed TensorFlow, numpy and Keras exactly as they are (a pip
   constraints file pins them for every step: nothing is upgraded or downgraded),
2. installs tf-keras of TensorFlow's own minor version if it is missing,
3. installs opencv-python-headless if ``cv2`` is missing (tf-explain imports it),
4. installs iNNvestigate 2.1.2 and tf-explain 0.3.1 with
   ``--no-deps --ignore-requires-python``,
5. checks, in a fresh process, that LRP-0 equals input x gradient and conserves the
   logit on a tiny bias-free network.

Importing this module never imports TensorFlow.
"""

from __future__ import annotations

import importlib.util
import os
import subprocess
import sys
import tempfile
from importlib import metadata

INNVESTIGATE = "innvestigate==2.1.2"
TF_EXPLAIN = "tf-explain==0.3.1"
TF_DISTRIBUTIONS = ("tensorflow", "tensorflow-cpu", "tensorflow-gpu", "tensorflow-intel")

# Runs in a fresh interpreter: xai4ess is imported first, as a student would.
CHECK = r"""
import sys
import numpy as np
import xai4ess
from xai4ess._env import tensorflow
tf = tensorflow()
impl = tf.keras.Model.__module__.split(".")[0]
keras_version = getattr(sys.modules[impl], "__version__", "?")
assert not keras_version.startswith("3"), "tf.keras is Keras " + keras_version
tf.keras.utils.set_random_seed(0)
inp = tf.keras.Input((6,))
h = tf.keras.layers.Dense(5, activation="relu", use_bias=False)(inp)
out = tf.keras.layers.Dense(3, use_bias=False)(h)
model = tf.keras.Model(inp, out)
x = np.random.default_rng(0).normal(size=(4, 6)).astype("float32")
target = np.array([0, 1, 2, 0])
r = xai4ess.explain(model, x, "lrp.z", target=target)
xt = tf.constant(x)
with tf.GradientTape() as tape:
    tape.watch(xt)
    score = tf.gather(model(xt), target, axis=1, batch_dims=1)
ixg = (tape.gradient(score, xt) * xt).numpy()
err = float(np.abs(r - ixg).max())
cons = float(np.abs(r.sum(axis=1) - score.numpy()).max())
assert err < 1e-5 and cons < 1e-5, (err, cons)
print(f"LRP check passed: |LRP-0 - input x gradient| = {err:.1e}, "
      f"|sum R - logit| = {cons:.1e}")
print("tensorflow", tf.__version__, "| tf.keras:", impl, keras_version,
      "| numpy", np.__version__)
"""


def installed(dist: str) -> str | None:
    """Installed version of a distribution, or None."""
    try:
        return metadata.version(dist)
    except metadata.PackageNotFoundError:
        return None


def tensorflow_version() -> tuple[str, str] | None:
    """(distribution, version) of the installed TensorFlow, or None."""
    for dist in TF_DISTRIBUTIONS:
        version = installed(dist)
        if version:
            return dist, version
    return None


def minor(version: str) -> tuple[int, int]:
    major, minor_, *_ = (int("".join(c for c in p if c.isdigit()) or 0) for p in version.split("."))
    return major, minor_


def plan() -> tuple[list[str], list[list[str]]]:
    """The constraint lines and the pip argument lists that complete this environment."""
    found = tensorflow_version()
    if found is None:
        raise SystemExit(
            "xai4ess setup: TensorFlow is not installed in this Python "
            f"({sys.executable}). On Colab/Kaggle it is preinstalled; elsewhere install "
            'one route first, e.g. pip install -c constraints-py312.txt -e ".[modern]" '
            "(see README.md, 'Install')."
        )
    dist, tf_version = found
    keep = [f"{dist}=={tf_version}"]
    for other in ("numpy", "keras", "tf-keras", "ml-dtypes", "protobuf"):
        version = installed(other)
        if version:
            keep.append(f"{other}=={version}")
    steps: list[list[str]] = []
    tf_minor = minor(tf_version)
    if tf_minor >= (2, 16):
        have = installed("tf-keras")
        if have is None or minor(have) != tf_minor:
            if have is not None:
                raise SystemExit(
                    f"xai4ess setup: tf-keras {have} does not match TensorFlow {tf_version}. "
                    f"Install the matching one: pip install 'tf-keras=={tf_minor[0]}."
                    f"{tf_minor[1]}.*'"
                )
            steps.append(
                [f"tf-keras>={tf_minor[0]}.{tf_minor[1]},<{tf_minor[0]}.{tf_minor[1] + 1}"]
            )
    if importlib.util.find_spec("cv2") is None:
        steps.append(["opencv-python-headless"])
    missing = [
        req
        for req in (INNVESTIGATE, TF_EXPLAIN)
        if installed(req.split("==")[0]) != req.split("==")[1]
    ]
    if missing:
        steps.append(["--no-deps", "--ignore-requires-python", *missing])
    return keep, steps


def check() -> int:
    """Run the LRP check in a fresh interpreter; 0 if it passed."""
    print("xai4ess setup: checking LRP in a fresh Python process ...", flush=True)
    env = dict(os.environ, TF_CPP_MIN_LOG_LEVEL="3")
    result = subprocess.run([sys.executable, "-c", CHECK], env=env, capture_output=True, text=True)
    print(result.stdout, end="")
    if result.returncode != 0:
        print(result.stderr[-3000:], file=sys.stderr)
        print("xai4ess setup: the check FAILED (see above).", file=sys.stderr)
    return result.returncode


def main(dry_run: bool = False, check_only: bool = False) -> int:
    """Install what is missing (without moving TensorFlow), then check; returns an exit code."""
    if check_only:
        return check()
    keep, steps = plan()
    before = tensorflow_version()
    print(f"xai4ess setup: Python {sys.version.split()[0]}, {before[0]} {before[1]} (kept)")
    with tempfile.NamedTemporaryFile(
        "w", suffix=".txt", prefix="xai4ess-keep-", delete=False
    ) as fh:
        fh.write("\n".join(keep) + "\n")
    try:
        for args in steps:
            cmd = [sys.executable, "-m", "pip", "install", "--quiet", "-c", fh.name, *args]
            print("  $ pip install", " ".join(args), flush=True)
            if dry_run:
                continue
            if subprocess.run(cmd).returncode != 0:
                print(
                    "xai4ess setup: pip failed (above). Nothing of TensorFlow was changed.",
                    file=sys.stderr,
                )
                return 1
    finally:
        os.unlink(fh.name)
    if not steps:
        print("  nothing to install")
    if dry_run:
        return 0
    after = tensorflow_version()
    if after != before:  # pragma: no cover - the constraints file forbids it
        print(f"xai4ess setup: TensorFlow changed from {before} to {after}!", file=sys.stderr)
        return 1
    return check()
