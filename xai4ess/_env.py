"""Quiet, deterministic TensorFlow settings, applied before TensorFlow is imported.

Importing this module never imports TensorFlow itself.
"""

from __future__ import annotations

import os

# 3 hides the cuDNN/cuFFT registration lines (printed as errors on CPU-only machines)
# and iNNvestigate's hundreds of "was changed by setting attribute" lines.
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
# oneDNN reorders floating point sums; switching it off keeps results reproducible.
os.environ.setdefault("TF_ENABLE_ONEDNN_OPTS", "0")
os.environ.setdefault("KMP_WARNINGS", "0")


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
