"""Tests of xai4ess.features (feature visualisation) on tiny models built here."""

from __future__ import annotations

import numpy as np
import pytest

import xai4ess
from xai4ess import features
from xai4ess._env import tensorflow

tf = tensorflow()
keras = tf.keras


def _pointwise_model(w: np.ndarray) -> keras.Model:
    """A 1x1 convolution without bias: activation = x @ w per pixel (numpy-checkable)."""
    inp = keras.Input((8, 8, 3))
    out = keras.layers.Conv2D(w.shape[1], 1, use_bias=False, name="point")(inp)
    model = keras.Model(inp, out)
    model.get_layer("point").set_weights([w.reshape(1, 1, 3, -1).astype(np.float32)])
    return model


def _small_cnn(seed: int = 0) -> keras.Model:
    tf.keras.utils.set_random_seed(seed)
    inp = keras.Input((16, 16, 3))
    h = keras.layers.Conv2D(8, 3, padding="same", activation="relu", name="conv1")(inp)
    h = keras.layers.MaxPooling2D(name="pool1")(h)
    h = keras.layers.Conv2D(8, 3, padding="same", activation="relu", name="conv2")(h)
    h = keras.layers.Flatten(name="flatten")(h)
    out = keras.layers.Dense(2, name="logits")(h)
    return keras.Model(inp, out)


def test_top_activating_matches_numpy_brute_force():
    rng = np.random.default_rng(1)
    w = rng.normal(size=(3, 4))
    model = _pointwise_model(w)
    x = rng.random((40, 8, 8, 3)).astype(np.float32)
    ref = np.einsum("nhwc,ck->nhwk", x.astype(np.float64), w)
    for pool, reducer in (("max", np.max), ("mean", np.mean)):
        expect = reducer(ref[..., 2].reshape(40, -1), axis=1)
        idx, act = features.top_activating(model, "point", 2, x, k=5, pool=pool, batch_size=7)
        np.testing.assert_array_equal(idx, np.argsort(-expect, kind="stable")[:5])
        np.testing.assert_allclose(act, np.sort(expect)[::-1][:5], rtol=1e-5)
    maps = features.activation_maps(model, "point", 1, x[:3])
    np.testing.assert_allclose(maps, ref[:3, ..., 1], rtol=1e-5, atol=1e-6)


def test_top_activating_k_larger_than_n_and_single_sample():
    model = _pointwise_model(np.eye(3))
    x = np.random.default_rng(0).random((4, 8, 8, 3)).astype(np.float32)
    res = features.top_activating(model, "point", 0, x, k=10)
    assert len(res.indices) == 4
    assert features.unit_activations(model, "point", 0, x[0]).shape == (1,)


def _bar_detector() -> keras.Model:
    """A hand-made selective unit: a 3x3 ReLU filter that fires on vertical red bars."""
    k = np.zeros((3, 3, 3, 2), np.float32)
    k[:, :, 0, 0] = -0.25
    k[:, 1, 0, 0] = 1.0  # red middle column excites, red flanks inhibit
    k[:, :, 1, 1] = 1.0 / 9  # unit 1: plain green brightness
    inp = keras.Input((16, 16, 3))
    h = keras.layers.Conv2D(2, 3, padding="valid", activation="relu", name="bars")(inp)
    h = keras.layers.Flatten(name="flatten")(h)
    out = keras.layers.Dense(1, name="score")(h)
    model = keras.Model(inp, out)
    model.get_layer("bars").set_weights([k, np.array([-0.85, 0.0], np.float32)])
    model.get_layer("score").set_weights(
        [np.ones((14 * 14 * 2, 1), np.float32) / 392, np.zeros(1, np.float32)]
    )
    return model


def test_maximize_reaches_the_analytic_optimum_of_a_linear_unit():
    # 1x1 linear unit, mean-pooled: the best image in [0, 1] is 1 where w > 0, 0 where w < 0
    w = np.array([[0.7], [-1.2], [0.4]])
    model = _pointwise_model(w)
    res = features.maximize(model, "point", 0, steps=80, lr=0.05, l2=0.0, blur=0.0, jitter=0)
    optimum = float(np.clip(w, 0, None).sum())
    assert res.final_activation == pytest.approx(optimum, rel=0.02)
    assert res.start_activation == pytest.approx(0.5 * w.sum(), abs=0.05)
    np.testing.assert_allclose(res.image.mean(axis=(0, 1)), [1, 0, 1], atol=0.02)
    # a strong L2 penalty keeps the image nearer to grey and the activation lower
    damped = features.maximize(model, "point", 0, steps=80, l2=50.0, blur=0.0, jitter=0)
    assert damped.final_activation < 0.9 * res.final_activation


def test_maximize_raises_a_selective_unit_far_above_noise():
    model = _bar_detector()
    rng = np.random.default_rng(0)
    noise = np.clip(0.5 + 0.1 * rng.standard_normal((64, 16, 16, 3)), 0, 1).astype(np.float32)
    noise_act = features.unit_activations(model, "bars", 0, noise, pool="mean")
    assert 0 < noise_act.mean() < 0.1  # sparse on noise, but not dead
    res = features.maximize(model, "bars", 0, steps=150, lr=0.05, seed=0, blur=0.5)
    assert res.image.shape == (16, 16, 3)
    assert res.image.min() >= 0.0 and res.image.max() <= 1.0
    # the returned final activation is the real one for the returned image
    again = features.unit_activations(model, "bars", 0, res.image, pool="mean")[0]
    assert again == pytest.approx(res.final_activation, rel=1e-4, abs=1e-5)
    assert res.final_activation > 10 * noise_act.mean()
    assert res.final_activation > 3 * noise_act.max()
    assert res.history[-10:].mean() > 5 * res.history[0]
    # the maximising image is a red-bar pattern: red varies across columns, not rows
    red = res.image[..., 0]
    assert red.std(axis=1).mean() > 2 * red.std(axis=0).mean()
    # a dense unit works too
    dense = features.maximize(model, "score", 0, steps=100, seed=0)
    noise_score = features.unit_activations(model, "score", 0, noise)
    assert dense.final_activation > 2.5 * noise_score.max()  # green (0.5 -> 1) + bars


def test_maximize_is_deterministic_given_seed():
    model = _bar_detector()
    a = features.maximize(model, "bars", 0, steps=20, seed=3)
    b = features.maximize(model, "bars", 0, steps=20, seed=3)
    c = features.maximize(model, "bars", 0, steps=20, seed=4)
    np.testing.assert_array_equal(a.image, b.image)
    assert not np.array_equal(a.image, c.image)


def test_mask_response_finds_the_unit_that_sees_the_marked_region():
    # unit 0 responds to red, unit 1 to green, unit 2 to blue; red squares sit in the mask
    model = _pointwise_model(np.eye(3))
    rng = np.random.default_rng(0)
    x = 0.2 * rng.random((10, 8, 8, 3)).astype(np.float32)
    mask = np.zeros((10, 8, 8), bool)
    mask[:, :2, -2:] = True
    x[:, :2, -2:, 0] = 1.0
    df = features.mask_response(model, "point", x, mask)
    assert int(df.unit.iloc[0]) == 0
    assert df.share.iloc[0] > 0.3 and df.ratio.iloc[0] > 5
    assert df.area.iloc[0] == pytest.approx(4 / 64)


def test_clear_errors():
    model = _small_cnn()
    x = np.zeros((2, 16, 16, 3), np.float32)
    with pytest.raises(xai4ess.TargetError, match="no layer 'conv9'"):
        features.top_activating(model, "conv9", 0, x)
    with pytest.raises(xai4ess.TargetError, match="0..7"):
        features.top_activating(model, "conv1", 8, x)
    with pytest.raises(xai4ess.InputShapeError, match="expects"):
        features.top_activating(model, "conv1", 0, np.zeros((2, 8, 8, 3)))
    with pytest.raises(xai4ess.TargetError, match="no spatial output"):
        features.mask_response(model, "logits", x, np.zeros((2, 16, 16), bool))


def test_figures_draw():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    model = _pointwise_model(np.eye(3))
    x = np.random.default_rng(0).random((12, 8, 8, 3)).astype(np.float32)
    res = features.top_activating(model, "point", 0, x, k=4)
    fig = features.top_activating_figure(
        x, res, maps=features.activation_maps(model, "point", 0, x[res.indices])
    )
    assert fig.patch.get_facecolor()[:3] == (1.0, 1.0, 1.0)
    m = features.maximize(model, "point", 0, steps=5)
    fig2 = features.maximize_figure([m], ["point 0"])
    plt.close(fig)
    plt.close(fig2)


def test_mask_response_puts_silent_units_last():
    # unit 0: strong everywhere; unit 1: almost silent but only inside the mask
    w = np.zeros((3, 2))
    w[0, 0] = 1.0
    w[1, 1] = 1.0
    model = _pointwise_model(w)
    x = np.zeros((4, 8, 8, 3), np.float32)
    x[..., 0] = 1.0
    mask = np.zeros((4, 8, 8), bool)
    mask[:, 0, 0] = True
    x[:, 0, 0, 1] = 1e-4
    df = features.mask_response(model, "point", x, mask)
    assert list(df.unit) == [0, 1]
    assert np.isnan(df.share.iloc[1])
    df_all = features.mask_response(model, "point", x, mask, min_activation=0.0)
    assert int(df_all.unit.iloc[0]) == 1 and df_all.share.iloc[0] == pytest.approx(1.0)


def test_maximize_position_and_gray():
    model = _bar_detector()
    res = features.maximize(
        model, "bars", 1, steps=60, position=(5, 7), gray=True, seed=0, l2=0.0, jitter=0
    )
    img = res.image
    np.testing.assert_allclose(img[..., 0], img[..., 1], atol=1e-6)  # grey stays grey
    # only the 3x3 receptive field of output (5, 7) (input rows 5-7, cols 7-9) can change
    # (blur spreads the step by a few pixels; far away the start noise is untouched)
    start = features.maximize(
        model, "bars", 1, steps=0, position=(5, 7), gray=True, seed=0, l2=0.0, jitter=0
    ).image
    far = np.ones((16, 16), bool)
    far[1:12, 3:14] = False
    np.testing.assert_array_equal(img[far], start[far])
    assert res.final_activation > 1.8 * res.start_activation  # green 0.5 -> 1 inside the field
    assert res.final_activation == pytest.approx(1.0, abs=0.02)
    with pytest.raises(xai4ess.TargetError, match="outside"):
        features.maximize(model, "bars", 0, steps=1, position=(14, 0))


def test_maximize_position_on_a_fully_convolutional_net():
    """Input size unknown to the model: input_shape= sets it, position= is checked on it."""
    inp = keras.Input((None, None, 1))
    model = keras.Model(inp, keras.layers.Conv2D(2, 3, padding="same", name="conv")(inp))
    res = features.maximize(model, "conv", 1, steps=5, position=(2, 3), input_shape=(8, 8, 1))
    assert res.image.shape == (8, 8, 1)
    with pytest.raises(xai4ess.TargetError, match="outside the 8 x 8"):
        features.maximize(model, "conv", 1, steps=1, position=(8, 0), input_shape=(8, 8, 1))
