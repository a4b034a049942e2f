"""The year-from-map network: architecture, skill against climatology, LRP composites
against the known SNR map (and against random weights), ridge variants, reproducibility."""

from __future__ import annotations

import numpy as np
import pytest

import xai4ess
from xai4ess.errors import InputShapeError
from xai4ess.evaluate import composite, truth_score
from xai4ess.models import _climate as mod


@pytest.fixture(scope="module")
def data():
    return xai4ess.data.load("climate")


@pytest.fixture(scope="module")
def model():
    return xai4ess.models.load("climate")


def load_variant(name):
    m = xai4ess.models.build("climate")
    xai4ess.models.load_weights(m, f"models/{name}.weights.npz")
    return m


def late_corr(model, test, method="lrp.z"):
    late = test.y >= 2071
    comp = composite(xai4ess.explain(model, test.x[late], method=method))
    return truth_score(comp, test.snr, lat=test.lat)


def test_architecture_is_the_barnes_setup(model):
    kinds = [type(layer).__name__ for layer in model.layers]
    assert kinds == ["InputLayer", "Flatten", "Dense", "Dense"]
    hidden, out = model.get_layer("hidden"), model.get_layer("year")
    assert hidden.units == 8 and hidden.activation.__name__ == "relu"
    assert hidden.kernel_regularizer is not None
    assert float(hidden.kernel_regularizer.l2) == pytest.approx(mod.RIDGE)
    assert out.units == 1 and out.activation.__name__ == "linear"
    assert model.input_shape == (None, 36, 72, 1) and model.output_shape == (None, 1)


def test_skill_clearly_beats_climatology(model, data):
    train, test = data
    pred = model.predict(test.x, verbose=0).ravel()
    err = np.median(np.abs(pred - test.y))
    clim = np.median(np.abs(train.y.mean() - test.y))
    assert err < 0.15 * clim and err < 5.0, (err, clim)
    late = test.y >= 2071
    assert np.median(np.abs(pred[late] - test.y[late])) < 5.0
    # the output is the year itself (the target scaling is folded into the last layer)
    assert 2060 < np.median(pred[late]) < 2100


def test_lrp_composite_recovers_snr_better_than_random_weights(model, data):
    _, test = data
    trained = late_corr(model, test)
    randoms = [late_corr(mod.build("climate", seed=s), test) for s in (1, 2, 3)]
    best_random = max(r["correlation"] for r in randoms)
    assert trained["correlation"] > 0.4
    assert trained["correlation"] > best_random + 0.25, (trained, randoms)
    assert trained["topk_overlap"] > max(r["topk_overlap"] for r in randoms)
    ab = late_corr(model, test, "lrp.alpha_1_beta_0")
    assert ab["correlation"] > best_random + 0.25


def test_ridge_variants_tell_the_chapter_story(data):
    """Weak ridge: speckled relevance, poor match; strong ridge: smooth, best match, less skill."""
    train, test = data
    corr, rough, err = {}, {}, {}
    for name in ("climate_ridge_weak", "climate", "climate_ridge_strong"):
        m = load_variant(name)
        late = test.y >= 2071
        comp = composite(xai4ess.explain(m, test.x[late], method="lrp.z"))
        corr[name] = truth_score(comp, test.snr, lat=test.lat)["correlation"]
        rough[name] = np.abs(np.diff(comp, axis=1)).mean() / np.abs(comp).mean()
        err[name] = np.median(np.abs(m.predict(test.x, verbose=0).ravel() - test.y))
    assert corr["climate_ridge_weak"] < corr["climate"] < corr["climate_ridge_strong"]
    assert rough["climate_ridge_weak"] > 1.3 * rough["climate_ridge_strong"]
    assert err["climate"] < err["climate_ridge_strong"]
    assert max(err.values()) < 0.25 * np.median(np.abs(train.y.mean() - test.y))


def test_fit_is_reproducible_and_outputs_years(data):
    train, _ = data
    x, y = train.x[::7], train.y[::7]
    a = mod.fit(x, y, epochs=2)
    b = mod.fit(x, y, epochs=2)
    for wa, wb in zip(a.get_weights(), b.get_weights()):
        assert np.array_equal(wa, wb)
    assert 1900 < float(a.get_layer("year").get_weights()[1][0]) < 2100


def test_bad_inputs_raise_clear_errors(data):
    train, _ = data
    with pytest.raises(InputShapeError, match="shape"):
        mod.fit(train.x[:10].reshape(10, -1), train.y[:10], epochs=1)
    with pytest.raises(InputShapeError, match="years"):
        mod.fit(train.x[:10], train.y[:9], epochs=1)
    with pytest.raises(InputShapeError, match="mask"):
        mod.train("climate", mask=np.ones((10, 10), bool))
    with pytest.raises(KeyError):
        mod.train("horses")
    with pytest.raises(ValueError, match="ridge"):
        mod.build("climate", ridge=-1)
