"""Set-up for the docstring examples of ``xai4ess`` (run by ``make test`` with ``--doctest-modules``).

Examples see ``np`` (numpy) without importing it; figures drawn by an example are
closed afterwards; TensorFlow stays quiet. Nothing here imports TensorFlow: an
example that needs it imports it through ``xai4ess`` itself.
"""

from __future__ import annotations

import os
import sys

import pytest

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
os.environ.setdefault("MPLBACKEND", "Agg")

# Not a test module: a script run in a subprocess that disables eager execution
# globally when imported, which --doctest-modules would do in the test process.
collect_ignore = ["tests/unit/_reference_worker.py"]


@pytest.fixture(autouse=True)
def _doctest_namespace(doctest_namespace):
    import numpy as np

    doctest_namespace["np"] = np
    yield
    if "matplotlib.pyplot" in sys.modules:
        sys.modules["matplotlib.pyplot"].close("all")
