"""A kernel gives back the memory of a large forward pass (issue 18: live kernel < 1 GB).

With oneDNN on, TensorFlow kept tensor memory in its own pool that never shrinks
(one pass over 400 images of 64 x 64 x 3 kept 0.19 GB); ``xai4ess._env`` makes it
use the system allocator and lets glibc return large freed blocks.
"""

from __future__ import annotations

import json
import os
import platform
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

SCRIPT = r"""
import json, psutil
import xai4ess
test = xai4ess.data.load("horses").test
model = xai4ess.models.load("horses")
model(test.x[:8], training=False)  # kernels and thread pools set up
p = psutil.Process()
before = p.memory_info().rss
probs = model(test.x, training=False).numpy()  # all 400 images in one pass
print(json.dumps({"kept_mb": (p.memory_info().rss - before) / 2**20, "n": len(probs)}))
"""


def _kept_mb(env_overrides: dict) -> float:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("MALLOC_", "TF_ONEDNN_"))}
    env.update(env_overrides, PYTHONPATH=str(ROOT))
    out = subprocess.run(
        [sys.executable, "-c", SCRIPT], env=env, capture_output=True, text=True, check=True
    )
    return json.loads(out.stdout.strip().splitlines()[-1])["kept_mb"]


def test_a_large_forward_pass_is_given_back():
    assert _kept_mb({}) < 60


@pytest.mark.skipif(
    platform.machine().lower() not in ("x86_64", "amd64"), reason="oneDNN pool: x86-64 only"
)
def test_the_check_fails_with_tensorflows_own_pool():
    # the same pass with TensorFlow's oneDNN pool (what xai4ess replaces) keeps > 100 MB
    assert _kept_mb({"TF_ONEDNN_USE_SYSTEM_ALLOCATOR": "0"}) > 100
