"""ruff (lint and format) is clean on the whole repository."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from ..conftest import ROOT

RUFF = str(Path(sys.executable).with_name("ruff"))


def test_ruff_check():
    out = subprocess.run([RUFF, "check", "."], cwd=ROOT, capture_output=True, text=True)
    assert out.returncode == 0, out.stdout[-3000:]


def test_ruff_format():
    out = subprocess.run([RUFF, "format", "--check", "."], cwd=ROOT, capture_output=True, text=True)
    assert out.returncode == 0, out.stdout[-3000:]
