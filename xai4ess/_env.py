"""Quiet, deterministic TensorFlow settings, applied before TensorFlow is imported.

Importing this module never imports TensorFlow itself.
"""

from __future__ import annotations

import os
import platform
import sys

# 3 hides the cuDNN/cuFFT registration lines (printed as errors on CPU-only machines)
# and iNNvestigate's hundreds of "was changed by setting attribute" lines.
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
# oneDNN kernels: TensorFlow turns them on by itself only on CPUs with AVX-512
# VNNI/BF16/AMX. On other x86-64 CPUs (AMD, most laptops) they halve the time of
# convolutions and their gradients (measured in benchmarks/results.md); results
# differ from the default kernels by float round-off only. Set
# TF_ENABLE_ONEDNN_OPTS=0 before importing xai4ess to keep the default kernels.
if platform.machine().lower() in ("x86_64", "amd64"):
    os.environ.setdefault("TF_ENABLE_ONEDNN_OPTS", "1")
os.environ.setdefault("KMP_WARNINGS", "0")
# TensorFlow >= 2.16 makes tf.keras Keras 3, which iNNvestigate cannot use; the flag keeps
# tf.keras = tf-keras (Keras 2). It only acts if set before anything touches tf.keras, and
# is ignored by the pinned TensorFlow 2.14.
os.environ.setdefault("TF_USE_LEGACY_KERAS", "1")

KERAS3_ADVICE = (
    "xai4ess needs tf.keras to be tf-keras (Keras 2): iNNvestigate cannot work with Keras 3. "
    "TensorFlow was imported before xai4ess without TF_USE_LEGACY_KERAS=1, so tf.keras is "
    "(or will be) Keras 3 in this Python process, and that cannot be undone. Do one of:\n"
    "  1. Restart the kernel/runtime and run `import xai4ess` first, before importing "
    "tensorflow or keras (xai4ess sets the flag for you).\n"
    "  2. Or set the flag before anything imports TensorFlow: in a notebook, run "
    "`import os; os.environ['TF_USE_LEGACY_KERAS'] = '1'` as the first cell after a restart; "
    "in a shell, `export TF_USE_LEGACY_KERAS=1`.\n"
    "A model you built with Keras 3 (`import keras`) can be explained after that: "
    "rebuild it, or convert it with xai4ess.from_keras3(model). "
    "If tf-keras is missing, run `python -m xai4ess setup`."
)


def keras3_loaded() -> bool:
    """Whether tf.keras is already committed to Keras 3 in this process.

    True only on TensorFlow >= 2.16 imported without ``TF_USE_LEGACY_KERAS`` (then
    ``import tensorflow.keras.layers``, which iNNvestigate does, finds Keras 3) or
    whose ``tf.keras`` was already resolved to Keras 3. Never imports anything.
    """
    tf = sys.modules.get("tensorflow")
    if tf is None:
        return False
    legacy_at_import = vars(tf).get("_tf_uses_legacy_keras")
    if legacy_at_import is None:  # TensorFlow <= 2.15: tf.keras is Keras 2
        return False
    loader = vars(tf).get("keras")
    resolved = vars(loader).get("_tfll_keras_version") if hasattr(loader, "__dict__") else None
    # Imported without the flag, TensorFlow put Keras 3 first on tensorflow.__path__:
    # `import tensorflow.keras.layers` then gives Keras 3 even if the flag is set now.
    return resolved == "keras_3" or not legacy_at_import


def check_keras() -> None:
    """Raise :class:`~xai4ess.errors.KerasVersionError` if tf.keras is already Keras 3."""
    if keras3_loaded():
        from .errors import KerasVersionError

        raise KerasVersionError(KERAS3_ADVICE)


check_keras()


def tensorflow():
    """Import TensorFlow quietly and return the module."""
    import logging
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        import tensorflow as tf

    tf.get_logger().setLevel(logging.ERROR)
    logging.getLogger("absl").setLevel(logging.ERROR)
    return tf
