"""`python -m xai4ess setup`: what it installs on each kind of platform, and that it never
moves the platform's TensorFlow (checked on the plan, without running pip)."""

from __future__ import annotations

import pytest

from xai4ess import _setup


def plan_for(monkeypatch, versions: dict[str, str], cv2: bool = True):
    monkeypatch.setattr(_setup, "installed", lambda dist: versions.get(dist))
    real = _setup.importlib.util.find_spec
    monkeypatch.setattr(
        _setup.importlib.util,
        "find_spec",
        lambda name, *a: (object() if cv2 else None) if name == "cv2" else real(name, *a),
    )
    return _setup.plan()


def test_colab_like_platform(monkeypatch):
    keep, steps = plan_for(
        monkeypatch,
        {"tensorflow": "2.19.1", "numpy": "2.0.2", "keras": "3.10.0", "tf-keras": "2.19.0"},
    )
    assert "tensorflow==2.19.1" in keep and "numpy==2.0.2" in keep and "keras==3.10.0" in keep
    assert steps == [
        ["--no-deps", "--ignore-requires-python", _setup.INNVESTIGATE, _setup.TF_EXPLAIN]
    ]


def test_missing_tf_keras_and_cv2(monkeypatch):
    keep, steps = plan_for(monkeypatch, {"tensorflow": "2.21.0", "numpy": "2.5.5"}, cv2=False)
    assert keep[0] == "tensorflow==2.21.0"
    assert steps[0] == ["tf-keras>=2.21,<2.22"]
    assert steps[1] == ["opencv-python-headless"]
    assert steps[2][:2] == ["--no-deps", "--ignore-requires-python"]


def test_nothing_to_do_on_a_complete_pinned_stack(monkeypatch):
    versions = {"tensorflow": "2.14.1", "numpy": "1.26.4", "keras": "2.14.0"}
    versions |= {"innvestigate": "2.1.2", "tf-explain": "0.3.1"}
    keep, steps = plan_for(monkeypatch, versions)
    assert steps == []  # TensorFlow 2.14: no tf-keras needed


def test_mismatched_tf_keras_and_missing_tensorflow_are_explained(monkeypatch):
    with pytest.raises(SystemExit, match="tf-keras 2.18.0 does not match TensorFlow 2.19.1"):
        plan_for(monkeypatch, {"tensorflow": "2.19.1", "tf-keras": "2.18.0"})
    with pytest.raises(SystemExit, match="TensorFlow is not installed"):
        plan_for(monkeypatch, {})
    keep, _ = plan_for(monkeypatch, {"tensorflow-cpu": "2.19.0", "tf-keras": "2.19.0"})
    assert keep[0] == "tensorflow-cpu==2.19.0"
