"""postBuild (Binder) writes the JupyterLab, server and kernel settings the live test relies on."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from ..conftest import ROOT

pytestmark = pytest.mark.live


def test_postbuild_configures_a_prefix(tmp_path: Path):
    existing = tmp_path / "etc/jupyter/jupyter_server_config.json"
    existing.parent.mkdir(parents=True)
    existing.write_text('{"ServerApp": {"ip": "0.0.0.0"}}')
    env = dict(os.environ, KERNEL_PYTHON=sys.executable, LAB_PREFIX=str(tmp_path))
    subprocess.run([str(ROOT / "postBuild")], env=env, check=True, capture_output=True)
    overrides = json.loads((tmp_path / "share/jupyter/lab/settings/overrides.json").read_text())
    viewers = overrides["@jupyterlab/docmanager-extension:plugin"]["defaultViewers"]
    assert viewers == {"markdown": "Markdown Preview"}
    server = json.loads(existing.read_text())
    assert server["ServerApp"] == {"ip": "0.0.0.0"}  # merged, not replaced
    assert server["MappingKernelManager"]["cull_idle_timeout"] > 0
    kernel = json.loads((tmp_path / "share/jupyter/kernels/python3/kernel.json").read_text())
    assert kernel["argv"][0] == sys.executable and kernel["env"]["MALLOC_ARENA_MAX"] == "2"


def test_binder_uses_root_files():
    """repo2docker ignores the root's environment.yml and postBuild if binder/ exists."""
    assert not (ROOT / "binder").exists() and not (ROOT / ".binder").exists()
    assert os.access(ROOT / "postBuild", os.X_OK)
    assert (ROOT / "environment.yml").exists()
