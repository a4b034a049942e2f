"""environment.yml (Binder), constraints.txt and pyproject.toml's `pinned` extra pin the same
stack; the modern routes' constraints keep TensorFlow and tf-keras on one minor version."""

from __future__ import annotations

import re
import tomllib

import pytest
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
    for req in data["project"]["optional-dependencies"]["pinned"]:
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


@pytest.mark.pins
def test_installed_versions_match_pins():
    from importlib import metadata

    for name, version in pyproject_pins().items():
        assert metadata.version(name) == version, name


def test_constraints_cover_pins():
    lines = (ROOT / "constraints.txt").read_text().splitlines()
    constraints = dict(line.lower().split("==") for line in lines if "==" in line)
    for name, version in pyproject_pins().items():
        assert constraints.get(name.lower()) == version, name


def constraints(name: str) -> dict[str, str]:
    lines = (ROOT / name).read_text().splitlines()
    pairs = (
        line.lower().split("==") for line in lines if "==" in line and not line.startswith("#")
    )
    return {re.sub(r"[-_.]+", "-", n): v for n, v in pairs}


@pytest.mark.parametrize(
    "name,python", [("constraints-py312.txt", "3.12"), ("constraints-py313.txt", "3.13")]
)
def test_modern_constraints_match_tensorflow_and_tf_keras(name, python):
    pins = constraints(name)
    tf_minor = pins["tensorflow"].split(".")[:2]
    assert pins["tf-keras"].split(".")[:2] == tf_minor, name
    assert tuple(int(v) for v in tf_minor) >= (2, 16)
    assert pins["innvestigate"] == "2.1.2" and pins["tf-explain"] == "0.3.1"
    assert python in (ROOT / name).read_text().splitlines()[0]


def test_colab_extra_never_moves_the_platform_tensorflow():
    """Only lower bounds on a platform's preinstalled packages: pip never downgrades them."""
    data = tomllib.loads((ROOT / "pyproject.toml").read_text())
    reqs = data["project"]["dependencies"] + data["project"]["optional-dependencies"]["colab"]
    for req in reqs:
        assert "==" not in req and "<" not in req and "~=" not in req, req
    assert data["project"]["requires-python"] == ">=3.11"
