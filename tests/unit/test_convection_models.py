"""The shipped convection models: architecture, the bright-stratiform trap, and where LRP looks."""

from __future__ import annotations

import numpy as np
import pytest

import xai4ess
from xai4ess.data import _convection as gen
from xai4ess.evaluate import spatial_correlation
from xai4ess.models import _convection as mod

NAMES = ("convection", "convection_texture")


@pytest.fixture(scope="module")
def models():
    return {name: xai4ess.models.load(name) for name in NAMES}


@pytest.fixture(scope="module")
def test_set():
    return gen.as_float(xai4ess.data.load("convection").test)


@pytest.fixture(scope="module")
def trap():
    return xai4ess.data.convection(200, seed=77, only="bright_stratiform")


def _predict(model, x):
    return model.predict(x, verbose=0, batch_size=256).argmax(axis=1)


def test_architecture_is_innvestigate_friendly(models):
    for model in models.values():
        types = {type(layer).__name__ for layer in model.layers}
        assert "Lambda" not in types
        assert model.layers[-1].name == "softmax" and model.layers[-2].name == "logits"
        assert model.get_layer("logits").activation.__name__ == "linear"
        assert model.output_shape == (None, 2)
        assert model.input_shape == (None, 32, 32, 5)
    assert "frame_diff" not in [layer.name for layer in models["convection"].layers]


def test_frame_difference_layer_matches_numpy(models, keras):
    model = models["convection_texture"]
    layer = model.get_layer("frame_diff")
    assert not layer.trainable and not layer.trainable_weights
    probe = keras.Model(model.input, layer.output)
    x = np.random.default_rng(0).uniform(0, 1, (3, 32, 32, 5)).astype(np.float32)
    np.testing.assert_allclose(probe(x).numpy(), np.diff(x, axis=-1), atol=1e-6)


def test_build_options():
    m = mod.build("convection", frame_differences=True, raw_frames=False)
    assert m.get_layer("conv1").input_shape[-1] == 4
    with pytest.raises(ValueError):
        mod.build("convection", frame_differences=False, raw_frames=False)
    with pytest.raises(KeyError):
        mod.build("tornado")


def test_train_rejects_wrong_data():
    bad = xai4ess.data.convection(4, seed=0, ir=True)  # 10 channels
    with pytest.raises(xai4ess.InputShapeError):
        mod.train("convection", data=bad, epochs=1)


def test_both_models_are_accurate_on_standard_data(models, test_set):
    acc = {n: float(np.mean(_predict(m, test_set.x) == test_set.y)) for n, m in models.items()}
    assert acc["convection"] > 0.9
    # The remedy costs at most 3 percentage points on the standard test set.
    assert acc["convection_texture"] >= acc["convection"] - 0.03


def test_bright_stratiform_trap(models, trap):
    fpr = {n: float(np.mean(_predict(m, trap.x) == 1)) for n, m in models.items()}
    assert fpr["convection"] > 0.6  # a clear majority is called convective
    assert fpr["convection_texture"] <= 0.5 * fpr["convection"]
    assert fpr["convection_texture"] < 0.2


def test_texture_only_scenes(models):
    tex = xai4ess.data.convection(100, seed=78, only="texture_only")
    tpr = {n: float(np.mean(_predict(m, tex.x) == 1)) for n, m in models.items()}
    assert tpr["convection"] < 0.3 < 0.8 < tpr["convection_texture"]


def test_lrp_follows_brightness_then_texture(models, test_set):
    """Mean per-sample correlation of LRP-alpha1beta0 relevance (summed over frames) with
    the mean reflectance and with the turret mask, on the convective test scenes."""
    conv = test_set[np.flatnonzero(test_set.kind == 3)]
    bright = conv.x.mean(axis=-1)
    out = {}
    for name, model in models.items():
        r = xai4ess.explain(model, conv.x, method="lrp.alpha_1_beta_0", target=1).sum(axis=-1)
        assert np.isfinite(r).all()
        cb = np.nanmean([spatial_correlation(a, b) for a, b in zip(r, bright)])
        ct = np.nanmean([spatial_correlation(a, m) for a, m in zip(r, conv.texture_mask)])
        out[name] = (cb, ct)
    cb, ct = out["convection"]
    assert cb > ct + 0.1, out
    cb, ct = out["convection_texture"]
    assert ct > cb + 0.1, out
