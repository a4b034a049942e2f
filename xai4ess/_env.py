"""Quiet, deterministic TensorFlow settings, applied before TensorFlow is imported.

Importing this module never imports TensorFlow itself.
"""

from __future__ import annotations

import os
import platform

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
