"""The data registry: hashes, clear errors for missing/corrupted files, atomic writes, CLI."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from xai4ess import recipes, registry
from xai4ess.errors import DataFileError

from ..conftest import ROOT


def test_every_shipped_file_is_registered_and_intact():
    entries = registry.entries()
    assert entries, "data/registry.json is empty"
    on_disk = {str(p.relative_to(registry.data_dir())) for p in registry.data_dir().rglob("*.npz")}
    assert on_disk == set(entries), "files in data/ and the registry differ"
    report = registry.verify()
    assert all(v == "ok" for v in report.values()), report
    for name, entry in entries.items():
        assert entry["recipe"] in registry.RECIPES, name
        assert entry["command"].startswith("python -m xai4ess data regenerate"), name


def test_npz_bytes_are_deterministic():
    arrays = {"b": np.arange(5), "a": np.ones((2, 2), np.float32)}
    assert registry.npz_bytes(arrays) == registry.npz_bytes(dict(reversed(list(arrays.items()))))
    with pytest.raises(TypeError, match="pickle"):
        registry.npz_bytes({"o": np.array([{}], dtype=object)})


def _copy_registry(tmp_path: Path, filename: str) -> Path:
    src = registry.data_dir()
    target = tmp_path / "data"
    (target / filename).parent.mkdir(parents=True, exist_ok=True)
    shutil.copy(src / filename, target / filename)
    entry = registry.entries()[filename]
    with registry._locked_registry(target) as reg:
        reg[filename] = entry
    return target


@pytest.fixture
def some_file() -> str:
    return sorted(registry.entries())[0]


def test_corrupted_file_names_file_and_command(tmp_path, some_file):
    d = _copy_registry(tmp_path, some_file)
    with open(d / some_file, "r+b") as fh:
        fh.seek(100)
        fh.write(b"\x00garbage\x00")
    with pytest.raises(DataFileError) as err:
        registry.load_npz(some_file, d)
    msg = str(err.value)
    assert some_file in msg and "corrupted" in msg
    assert "python -m xai4ess data regenerate" in msg


def test_missing_file_names_file_and_command(tmp_path, some_file):
    d = _copy_registry(tmp_path, some_file)
    (d / some_file).unlink()
    with pytest.raises(DataFileError, match="missing") as err:
        registry.load_npz(some_file, d)
    assert "python -m xai4ess data regenerate" in str(err.value)


def test_unregistered_file(tmp_path):
    with pytest.raises(DataFileError, match="not listed"):
        registry.path("nothing.npz", tmp_path)


def test_interrupted_write_keeps_previous_file(tmp_path, monkeypatch):
    target = registry.write_npz(tmp_path, "x.npz", {"a": np.arange(3)}, recipe="horses")
    before = target.read_bytes()

    def boom(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(registry.os, "replace", boom)
    with pytest.raises(KeyboardInterrupt):
        registry.write_npz(tmp_path, "x.npz", {"a": np.arange(10)}, recipe="horses")
    assert target.read_bytes() == before
    assert not list(tmp_path.glob(".x.npz.*.tmp"))
    assert registry.load_npz("x.npz", tmp_path)["a"].tolist() == [0, 1, 2]


def test_cli_verify_ok():
    out = subprocess.run(
        [sys.executable, "-m", "xai4ess", "data", "verify"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert out.returncode == 0, out.stdout + out.stderr
    assert "0 bad" in out.stdout


def test_cli_verify_reports_corruption(tmp_path, some_file):
    d = _copy_registry(tmp_path, some_file)
    (d / some_file).write_bytes(b"not a zip")
    env = {"XAI4ESS_DATA_DIR": str(d), "PATH": "/usr/bin:/bin"}
    out = subprocess.run(
        [sys.executable, "-m", "xai4ess", "data", "verify"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        env=env,
    )
    assert out.returncode == 1
    assert "BAD" in out.stdout and "regenerate" in out.stderr


def test_cli_unknown_recipe():
    out = subprocess.run(
        [sys.executable, "-m", "xai4ess", "data", "regenerate", "nope"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert out.returncode == 2 and "unknown recipe" in out.stderr


# The additive benchmark's function (break points, slopes) goes through the CPU's BLAS and
# libm kernels, so its file's hash differs between machines in the last bits of two float64
# fields: test_additive checks its inputs byte for byte and its function to 1e-13.
@pytest.mark.parametrize(
    "name",
    [r.name for r in registry.RECIPES.values() if r.kind == "dataset" and r.name != "additive"],
)
def test_datasets_regenerate_byte_identical(tmp_path, name):
    shipped = {f: e for f, e in registry.entries().items() if e["recipe"] == name}
    assert shipped, f"no shipped file for recipe {name}"
    recipes.run(name, tmp_path)
    fresh = registry.entries(tmp_path)
    for filename, entry in shipped.items():
        assert fresh[filename]["sha256"] == entry["sha256"], filename
