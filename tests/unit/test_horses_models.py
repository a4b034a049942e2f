"""The shipped horse classifiers: the confounded one really uses the tag, the fixed one does not.

These are the chapter's "must show" claims, checked on the shipped weights and
on counterfactual versions of the shipped test scenes (the same scenes with the
tag moved from the horses to the other scenes).
"""

from __future__ import annotations

import numpy as np
import pytest

import xai4ess
from xai4ess.evaluate import relevance_share
from xai4ess.models import _horses as mod

NAMES = ("horses", "horses_fixed")


@pytest.fixture(scope="module")
def models():
    return {name: xai4ess.models.load(name) for name in NAMES}


@pytest.fixture(scope="module")
def test_set():
    return xai4ess.data.load("horses").test


def _variant(ds, tag):
    return xai4ess.data.horses(seed=ds.attrs["seed"], index=ds.index, tag=tag, poles=ds.has_pole)


@pytest.fixture(scope="module")
def tag_on_horses(test_set):
    return _variant(test_set, test_set.y == 1)


@pytest.fixture(scope="module")
def tag_swapped(test_set):
    return _variant(test_set, test_set.y == 0)


def _accuracy(model, ds):
    return float((model.predict(ds.x, verbose=0, batch_size=256).argmax(axis=1) == ds.y).mean())


def test_architecture_is_innvestigate_friendly(models):
    for model in models.values():
        types = {type(layer).__name__ for layer in model.layers}
        assert types <= {"InputLayer", "Conv2D", "MaxPooling2D", "Flatten", "Dense", "Activation"}
        assert model.layers[-1].name == "softmax" and model.layers[-2].name == "logits"
        assert model.get_layer("logits").activation.__name__ == "linear"
        assert model.input_shape == (None, 64, 64, 3) and model.output_shape == (None, 2)
        # no biases: LRP conserves the logit
        assert all("bias" not in w.name for w in model.weights)


def test_lrp_conserves_the_logit(models, test_set):
    """Independent check of the bias-free design: LRP-z relevance sums to the logit."""
    model = models["horses"]
    x = test_set.x[:6]
    r = xai4ess.explain(model, x, method="lrp.z", target=1)
    logits = xai4ess.models.build("horses")
    logits.set_weights(model.get_weights())
    head = logits.get_layer("logits").output
    from xai4ess._env import tensorflow

    z = tensorflow().keras.Model(logits.input, head)(x).numpy()[:, 1]
    np.testing.assert_allclose(r.sum(axis=(1, 2, 3)), z, rtol=1e-3, atol=1e-4)


def test_confounded_model_uses_the_tag(models, tag_on_horses, tag_swapped, test_set):
    model = models["horses"]
    assert _accuracy(model, test_set) >= 0.85  # the test score looks good ...
    assert _accuracy(model, tag_on_horses) >= 0.90  # ... as long as tags sit on horses
    assert _accuracy(model, tag_swapped) <= 0.60  # and collapses when they do not


def test_fixed_model_survives_the_swap(models, tag_swapped, test_set):
    model = models["horses_fixed"]
    assert _accuracy(model, test_set) >= 0.85
    assert _accuracy(model, tag_swapped) >= 0.85


def test_confounded_model_uses_the_fence(models, test_set):
    """Fences on every non-horse scene (no tags anywhere) raise the false-positive rate."""
    others = test_set[np.flatnonzero(test_set.y == 0)]
    without = _variant(others, False)
    with_fence = xai4ess.data.horses(
        seed=others.attrs["seed"], index=others.index, tag=False, poles=True
    )
    fp = {}
    for name, model in models.items():
        fp[name] = [
            float(model.predict(d.x, verbose=0).argmax(axis=1).mean())
            for d in (without, with_fence)
        ]
    assert fp["horses"][1] - fp["horses"][0] > 0.25
    assert fp["horses_fixed"][1] - fp["horses_fixed"][0] < fp["horses"][1] - fp["horses"][0]


def test_relevance_sits_on_the_tag(models, test_set):
    tagged = test_set[np.flatnonzero((test_set.y == 1) & test_set.has_tag)]
    area = tagged.tag_mask.mean(axis=(1, 2)).mean()
    shares = {}
    for name, model in models.items():
        r = xai4ess.explain(model, tagged.x, method="lrp.alpha_1_beta_0", target=1)
        shares[name] = float(np.nanmean(relevance_share(r, tagged.tag_mask)))
    # far above the tag's share of the image area (about 2.6 %) ...
    assert shares["horses"] > 5 * area
    # ... and much less for the fixed model
    assert shares["horses_fixed"] < shares["horses"] / 3


def test_training_is_reproducible():
    data = xai4ess.data.horses(48, seed=9)
    a = mod.train("horses", data=data, epochs=1)
    b = mod.train("horses", data=data, epochs=1)
    for wa, wb in zip(a.get_weights(), b.get_weights()):
        np.testing.assert_array_equal(wa, wb)
    c = mod.train("horses", data=data, epochs=1, seed=1)
    assert not np.array_equal(a.get_weights()[0], c.get_weights()[0])


def test_training_data_differs_only_in_the_confounders():
    conf = mod.training_data("horses", n=40)
    fixed = mod.training_data("horses_fixed", n=40)
    np.testing.assert_array_equal(conf.y, fixed.y)
    h = conf.y == 1
    assert conf.attrs["tag_rate_horse"] > conf.attrs["tag_rate_other"]
    assert fixed.attrs["tag_rate_horse"] == fixed.attrs["tag_rate_other"]
    assert fixed.attrs["pole_rate_horse"] == fixed.attrs["pole_rate_other"]
    assert h.any() and (~h).any()


def test_bad_names_and_sizes():
    with pytest.raises(KeyError):
        mod.build("horse")
    with pytest.raises(ValueError):
        mod.build("horses", size=32)
