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
# With oneDNN on, TensorFlow keeps tensor memory in its own pool (a BFC allocator) that
# never shrinks: one forward pass over 400 images of 64 x 64 kept 0.19 GB for the rest
# of the session (chapters' kernels grew to 1.1-1.3 GB). The system allocator returns
# it; the same kernels run, so results are identical (chapter outputs compared).
os.environ.setdefault("TF_ONEDNN_USE_SYSTEM_ALLOCATOR", "1")
os.environ.setdefault("KMP_WARNINGS", "0")


def _tune_glibc_malloc() -> None:
    """Let glibc return freed memory: what ``MALLOC_ARENA_MAX=2``, ``MALLOC_MMAP_THRESHOLD_``
    and ``MALLOC_TRIM_THRESHOLD_=131072`` do, for a process started without them.

    TensorFlow's thread pools otherwise keep per-thread heaps, and freed arrays of a
    few MB stay in them (chapter 2's kernel: 1.11 -> 1.00 GB at the end). A variable
    already set in the environment wins; nothing happens outside glibc.
    """
    if not sys.platform.startswith("linux"):
        return
    try:
        import ctypes

        mallopt = ctypes.CDLL("libc.so.6").mallopt
    except (OSError, AttributeError):
        return
    # mallopt parameters: M_ARENA_MAX = -8, M_MMAP_THRESHOLD = -3, M_TRIM_THRESHOLD = -1
    for name, param, value in (
        ("MALLOC_ARENA_MAX", -8, 2),
        ("MALLOC_MMAP_THRESHOLD_", -3, 131072),
        ("MALLOC_TRIM_THRESHOLD_", -1, 131072),
    ):
        if name not in os.environ:
            mallopt(param, value)


_tune_glibc_malloc()
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
