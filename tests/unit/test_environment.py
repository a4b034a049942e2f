"""environment.yml (Binder) and pyproject.toml pin the same stack; the pins are the field's."""

from __future__ import annotations

import re
import tomllib

import yaml

from ..conftest import ROOT

REQUIRED = {
    "tensorflow": "2.14.1",
    "innvestigate": "2.1.2",
    "tf-explain": "0.3.1",
    "jupyter-book": "1.0.4.post1",
}


def pyproject_pins() -> dict[str, str]:
    data = tomllib.loads((ROOT / "pyproject.toml").read_text())
    pins = {}
    for req in data["project"]["dependencies"]:
        name, version = re.fullmatch(r"([A-Za-z0-9_.\-]+)==(\S+)", req.strip()).groups()
        pins[name.lower()] = version
    return pins


def environment_pins() -> dict[str, str]:
    env = yaml.safe_load((ROOT / "environment.yml").read_text())
    assert "python=3.11" in env["dependencies"]
    pip = next(d["pip"] for d in env["dependencies"] if isinstance(d, dict) and "pip" in d)
    pins = {}
    for req in pip:
        if req.startswith("-e"):
            continue
        name, version = req.split("==")
        pins[name.lower()] = version
    return pins


def test_pins_agree():
    assert pyproject_pins() == environment_pins()


def test_required_pins():
    pins = pyproject_pins()
    for name, version in REQUIRED.items():
        assert pins[name] == version, name
    major, minor = (int(v) for v in pins["opencv-python-headless"].split(".")[:2])
    assert (major, minor) < (4, 12)


def test_installed_versions_match_pins():
    from importlib import metadata

    for name, version in pyproject_pins().items():
        assert metadata.version(name) == version, name


def test_constraints_cover_pins():
    lines = (ROOT / "constraints.txt").read_text().splitlines()
    constraints = dict(line.lower().split("==") for line in lines if "==" in line)
    for name, version in pyproject_pins().items():
        assert constraints.get(name.lower()) == version, name
