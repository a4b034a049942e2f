"""xai4ess.explain against an independent numpy LRP reference, conservation, targets, errors."""

from __future__ import annotations

import numpy as np
import pytest

import xai4ess
from xai4ess.attribution import LRP_EPSILON
from xai4ess.errors import InputShapeError, TargetError, UnknownMethodError, UnsupportedModelError

from .lrp_reference import forward_and_lrp


def small_cnn(keras, seed: int, bias: bool, in_shape=(8, 8, 2)):
    """Conv(3x3, relu) -> MaxPool(2) -> Flatten -> Dense(relu) -> Dense logits -> softmax."""
    keras.utils.set_random_seed(seed)
    init_b = "random_normal" if bias else "zeros"
    inp = keras.Input(in_shape, name="image")
    h = keras.layers.Conv2D(3, 3, activation="relu", use_bias=bias, bias_initializer=init_b)(inp)
    h = keras.layers.MaxPooling2D(2)(h)
    h = keras.layers.Flatten()(h)
    h = keras.layers.Dense(8, activation="relu", use_bias=bias, bias_initializer=init_b)(h)
    h = keras.layers.Dense(3, use_bias=bias, bias_initializer=init_b, name="logits")(h)
    out = keras.layers.Activation("softmax", name="softmax")(h)
    return keras.Model(inp, out)


def numpy_net(model, bias: bool, in_shape):
    conv, _, _, d1, d2 = [
        lay for lay in model.layers if lay.weights or "pool" in lay.name or "flatten" in lay.name
    ][:5]
    w = [lay.get_weights() for lay in (conv, d1, d2)]
    zero = lambda n: np.zeros(n)  # noqa: E731
    return [
        {
            "type": "conv",
            "kernel": w[0][0],
            "bias": w[0][1] if bias else zero(3),
            "relu": True,
            "in_shape": in_shape,
        },
        {"type": "pool"},
        {"type": "dense", "W": w[1][0].T, "b": w[1][1] if bias else zero(8), "relu": True},
        {"type": "dense", "W": w[2][0].T, "b": w[2][1] if bias else zero(3), "relu": False},
    ]


RULES = [
    ("lrp.z", "z", {}),
    # explain's default epsilon (not a negligible one), so the default itself is checked
    ("lrp.epsilon", "epsilon", {"epsilon": LRP_EPSILON}),
    ("lrp.alpha_1_beta_0", "alphabeta", {"alpha": 1.0, "beta": 0.0}),
    ("lrp.alpha_2_beta_1", "alphabeta", {"alpha": 2.0, "beta": 1.0}),
]


def assert_matches_numpy(model, x, targets, method, rule, kw, bias) -> np.ndarray:
    """``explain`` equals the numpy reference on every sample; returns the reference."""
    in_shape = x.shape[1:]
    r = xai4ess.explain(model, x, method, target=targets)
    net = numpy_net(model, bias, in_shape)
    ref = np.stack(
        [
            forward_and_lrp(net, x[i].reshape(-1), int(targets[i]), rule, **kw)[1].reshape(in_shape)
            for i in range(len(x))
        ]
    )
    scale = np.abs(ref).max()
    assert scale > 0
    np.testing.assert_allclose(r, ref, rtol=1e-5, atol=1e-5 * scale)
    return ref


@pytest.mark.parametrize("bias", [False, True])
@pytest.mark.parametrize("seed", [0, 1, 2])
@pytest.mark.parametrize("method,rule,kw", RULES)
def test_lrp_matches_numpy_reference(keras, method, rule, kw, seed, bias):
    in_shape = (8, 8, 2)
    model = small_cnn(keras, seed, bias, in_shape)
    x = np.random.default_rng(seed).normal(size=(4, *in_shape)).astype(np.float32)
    ref = assert_matches_numpy(model, x, np.array([0, 1, 2, 1]), method, rule, kw, bias)
    assert (np.abs(ref).sum(axis=(1, 2, 3)) > 0).sum() >= 2


@pytest.mark.parametrize("bias", [False, True])
@pytest.mark.parametrize("seed", [0, 1, 2])
@pytest.mark.parametrize("method,rule,kw", RULES[2:])
def test_alpha_beta_on_nonnegative_inputs_matches_numpy_reference(
    keras, method, rule, kw, seed, bias
):
    """Inputs >= 0 take the alpha-beta path that skips the negative half in every layer."""
    in_shape = (8, 8, 2)
    model = small_cnn(keras, seed, bias, in_shape)
    x = np.abs(np.random.default_rng(seed).normal(size=(4, *in_shape))).astype(np.float32)
    x[:, :2] = 0.0  # zero inputs are allowed on this path too
    assert_matches_numpy(model, x, np.array([2, 0, 1, 1]), method, rule, kw, bias)


def _backprop_ops(model) -> int:
    """Transposed convolutions in the most recently built iNNvestigate analyzer's graph."""
    from xai4ess import _backend

    analyzer = list(_backend.ANALYZERS._items.values())[-1][1]
    ops = analyzer.graph.get_operations()
    return sum(op.type == "Conv2DBackpropInput" for op in ops)


def test_alpha_beta_skips_the_all_zero_half(keras):
    """After a ReLU the negative input half is all zeros; alpha-beta must not propagate it."""
    model = unet(keras)
    x = np.random.default_rng(0).random((1, 16, 16, 2)).astype(np.float32)
    xai4ess.attribution.clear_cache()
    xai4ess.explain(model, x, "lrp.alpha_2_beta_1", target=(3, 3))
    skipping = _backprop_ops(model)
    xai4ess.explain(model, x - 0.5, "lrp.alpha_2_beta_1", target=(3, 3))
    signed = _backprop_ops(model)
    xai4ess.explain(model, x - 0.5, "lrp.alpha_1_beta_0", target=(3, 3))
    one_sided = _backprop_ops(model)
    n_conv = sum(isinstance(lay, keras.layers.Conv2D) for lay in model.layers)
    # Activator and inhibitor: one transposed convolution each per layer; only a
    # signed first layer needs its negative half (two more); beta = 0 halves it.
    assert skipping == 2 * n_conv
    assert signed == 2 * n_conv + 2
    assert one_sided == n_conv + 1


def test_nonnegativity_analysis_is_conservative(keras):
    from xai4ess import _backend

    inp = keras.Input((8, 8, 2))
    relu = keras.layers.Conv2D(2, 3, padding="same", activation="relu")(inp)
    leaky = keras.layers.LeakyReLU(0.1)(relu)
    tanh = keras.layers.Conv2D(2, 3, padding="same", activation="tanh")(relu)
    relu_layer = keras.layers.ReLU()(tanh)
    relu_threshold = keras.layers.ReLU(threshold=1.0, max_value=2.0)(tanh)
    relu_slope = keras.layers.ReLU(negative_slope=0.2)(tanh)
    pooled = keras.layers.MaxPooling2D(2)(keras.layers.UpSampling2D(2)(relu))
    mixed = keras.layers.Concatenate()([relu, tanh])
    both = keras.layers.Concatenate()([relu, relu_layer])
    sigmoid = keras.layers.Dense(3, activation="sigmoid")(keras.layers.Flatten()(tanh))
    check = _backend._is_nonnegative
    assert not check(inp, False) and check(inp, True)
    assert check(relu, False) and check(pooled, False) and check(both, False)
    assert check(relu_layer, False) and check(relu_threshold, False) and check(sigmoid, False)
    for tensor in (leaky, tanh, relu_slope, mixed):
        assert not check(tensor, False) and not check(tensor, True), tensor.name


def test_alpha_beta_option_equals_preset(keras):
    model = small_cnn(keras, 3, True)
    x = np.random.default_rng(3).normal(size=(3, 8, 8, 2)).astype(np.float32)
    a = xai4ess.explain(model, x, "lrp.alpha_beta", alpha=2.0, beta=1.0)
    b = xai4ess.explain(model, x, "lrp.alpha_2_beta_1")
    np.testing.assert_allclose(a, b, rtol=1e-6, atol=1e-7)
    with pytest.raises(ValueError, match="alpha - beta = 1"):
        xai4ess.explain(model, x, "lrp.alpha_beta", alpha=0.5, beta=0.5)


@pytest.mark.parametrize("method", ["lrp.z", "lrp.epsilon", "lrp.alpha_1_beta_0"])
def test_conservation_on_bias_free_network(keras, method):
    model = small_cnn(keras, 5, bias=False)
    x = np.abs(np.random.default_rng(5).normal(size=(16, 8, 8, 2))).astype(np.float32)
    logits = keras.Model(model.input, model.get_layer("logits").output)(x).numpy()
    target = np.argmax(logits, axis=1)
    score = logits[np.arange(len(x)), target]
    # target=None: the predicted class; conservation holds for epsilon -> 0 only
    opts = {"epsilon": 1e-7} if method == "lrp.epsilon" else {}
    r = xai4ess.explain(model, x, method, **opts)
    keep = score > 1e-3 if method == "lrp.alpha_1_beta_0" else np.ones(len(x), bool)
    assert keep.sum() >= 4
    np.testing.assert_allclose(r.sum(axis=(1, 2, 3))[keep], score[keep], rtol=1e-4)


def test_conservation_fails_with_biases(keras):
    """The check above can fail: with biases, relevance leaks into the bias terms."""
    model = small_cnn(keras, 5, bias=True)
    x = np.abs(np.random.default_rng(5).normal(size=(16, 8, 8, 2))).astype(np.float32)
    logits = keras.Model(model.input, model.get_layer("logits").output)(x).numpy()
    r = xai4ess.explain(model, x, "lrp.z")
    gap = np.abs(r.sum(axis=(1, 2, 3)) - logits.max(axis=1))
    assert gap.max() > 1e-3


def test_softmax_is_stripped(keras):
    model = small_cnn(keras, 6, bias=False)
    x = np.random.default_rng(6).normal(size=(2, 8, 8, 2)).astype(np.float32)
    scores = keras.Model(model.input, model.get_layer("logits").output)
    g_full = xai4ess.explain(model, x, "gradient", target=1)
    g_scores = xai4ess.explain(scores, x, "gradient", target=1)
    np.testing.assert_allclose(g_full, g_scores, rtol=1e-6, atol=1e-8)


def test_every_method_shapes_and_dtype(keras):
    model = small_cnn(keras, 7, bias=True, in_shape=(12, 12, 2))
    x = np.random.default_rng(7).random((3, 12, 12, 2)).astype(np.float32)
    table = xai4ess.methods()
    assert len(table) == 19 and {"backend", "signed", "question", "output"} <= set(table.columns)
    for name, row in table.iterrows():
        r = xai4ess.explain(model, x, name)
        expected = x.shape if row.output == "x.shape" else x.shape[:-1]
        assert r.shape == expected, name
        assert r.dtype == np.float32, name
        assert np.all(np.isfinite(r)), name
        if not row.signed:
            assert r.min() >= -1e-6, name


def test_gradient_backends_agree(keras):
    model = small_cnn(keras, 8, bias=True)
    x = np.random.default_rng(8).random((4, 8, 8, 2)).astype(np.float32)
    a = xai4ess.explain(model, x, "gradient")
    b = xai4ess.explain(model, x, "tfx.vanilla_gradients")
    np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-7)
    a = xai4ess.explain(model, x, "input_t_gradient")
    b = xai4ess.explain(model, x, "tfx.gradients_inputs")
    np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-7)


def test_integrated_gradients_completeness(keras):
    """IG sums to score(x) - score(0) (both backends, up to the Riemann error)."""
    model = small_cnn(keras, 9, bias=True)
    x = np.random.default_rng(9).random((4, 8, 8, 2)).astype(np.float32)
    scores = keras.Model(model.input, model.get_layer("logits").output)
    s = scores(x).numpy()[:, 1] - scores(np.zeros_like(x)).numpy()[:, 1]
    for method in ("integrated_gradients", "tfx.integrated_gradients"):
        r = xai4ess.explain(model, x, method, target=1, steps=128)
        np.testing.assert_allclose(r.sum(axis=(1, 2, 3)), s, rtol=0.05, atol=0.02 * np.abs(s).max())


def test_occlusion_is_score_drop(keras):
    model = small_cnn(keras, 10, bias=True)
    x = np.random.default_rng(10).random((2, 8, 8, 2)).astype(np.float32)
    r = xai4ess.explain(model, x, "occlusion", target=0, patch_size=8)
    scores = keras.Model(model.input, model.get_layer("logits").output)
    filled = np.broadcast_to(x.mean(axis=(1, 2), keepdims=True), x.shape)
    drop = scores(x).numpy()[:, 0] - scores(filled).numpy()[:, 0]
    np.testing.assert_allclose(r[:, 0, 0], drop, rtol=1e-4, atol=1e-5)


def test_mixed_use_sees_new_weights(keras):
    """train -> LRP -> Grad-CAM -> train more -> LRP reflects the new weights."""
    model = small_cnn(keras, 11, bias=True)
    model.compile("adam", "sparse_categorical_crossentropy")
    rng = np.random.default_rng(11)
    x = rng.random((64, 8, 8, 2)).astype(np.float32)
    y = (x[..., 0].mean(axis=(1, 2)) > 0.5).astype(int)
    model.fit(x, y, epochs=1, verbose=0)
    r1 = xai4ess.explain(model, x[:4], "lrp.epsilon", target=0)
    cam = xai4ess.explain(model, x[:4], "gradcam", target=0)
    assert cam.shape == (4, 8, 8)
    model.fit(x, y, epochs=3, verbose=0)
    r2 = xai4ess.explain(model, x[:4], "lrp.epsilon", target=0)
    assert np.abs(r1 - r2).max() > 1e-4
    fresh = small_cnn(keras, 11, bias=True)
    fresh.set_weights(model.get_weights())
    xai4ess.attribution.clear_cache()
    r3 = xai4ess.explain(fresh, x[:4], "lrp.epsilon", target=0)
    np.testing.assert_allclose(r2, r3, rtol=1e-6, atol=1e-7)


# -- image-to-image models ---------------------------------------------------
def unet(keras, seed=0, size=16, avg=False):
    keras.utils.set_random_seed(seed)
    inp = keras.Input((size, size, 2))
    c1 = keras.layers.Conv2D(4, 3, padding="same", activation="relu")(inp)
    p = (keras.layers.AveragePooling2D if avg else keras.layers.MaxPooling2D)(2)(c1)
    c2 = keras.layers.Conv2D(4, 3, padding="same", activation="relu")(p)
    u = keras.layers.UpSampling2D(2)(c2)
    m = keras.layers.Concatenate()([u, c1])
    c3 = keras.layers.Conv2D(4, 3, padding="same", activation="relu")(m)
    out = keras.layers.Conv2D(1, 1, name="out")(c3)
    return keras.Model(inp, out)


def gradient_support(keras, model, x, row, col):
    """Input pixels connected to output (row, col): gradient support of a positive clone."""
    import tensorflow as tf

    clone = unet(keras, avg=True)  # average pooling: no path is dropped
    clone.set_weights(
        [np.abs(w) + 0.01 if w.ndim > 1 else np.zeros_like(w) for w in model.get_weights()]
    )
    xt = tf.constant(np.abs(x) + 0.1)
    with tf.GradientTape() as tape:
        tape.watch(xt)
        y = clone(xt)[:, row, col, 0]
    g = tape.gradient(y, xt).numpy()
    return np.abs(g).sum(axis=-1) > 0


@pytest.mark.parametrize(
    "method", ["lrp.epsilon", "lrp.alpha_1_beta_0", "gradient", "integrated_gradients"]
)
def test_pixel_target_relevance_inside_receptive_field(keras, method):
    model = unet(keras, 1)
    x = np.random.default_rng(1).random((2, 16, 16, 2)).astype(np.float32)
    row, col = 5, 9
    r = xai4ess.explain(model, x, method, target=(row, col))
    assert r.shape == x.shape
    support = gradient_support(keras, model, x, row, col)[0]
    rows, cols = np.nonzero(support)
    box = np.zeros_like(support)
    box[rows.min() : rows.max() + 1, cols.min() : cols.max() + 1] = True
    assert (box == support).all()  # the receptive field is a box
    outside = np.abs(r).sum(axis=-1)[:, ~box]
    assert np.abs(r).sum() > 0
    assert outside.max() == 0.0
    assert box.sum() < 16 * 16 / 2  # the check is not vacuous


def test_pixel_target_equals_score(keras):
    model = unet(keras, 2)
    x = np.random.default_rng(2).random((2, 16, 16, 2)).astype(np.float32)
    r = xai4ess.explain(model, x, "integrated_gradients", target=(8, 8), steps=256)
    y = model(x).numpy()[:, 8, 8, 0] - model(np.zeros_like(x)).numpy()[:, 8, 8, 0]
    np.testing.assert_allclose(r.sum(axis=(1, 2, 3)), y, rtol=0.03, atol=1e-3)


def test_region_target_is_mean_of_pixel_targets(keras):
    model = unet(keras, 3)
    x = np.random.default_rng(3).random((2, 16, 16, 2)).astype(np.float32)
    mask = np.zeros((16, 16), bool)
    mask[4:6, 10:13] = True
    # LRP-epsilon is linear in the explained score only for a negligible epsilon: with a
    # larger one the region head's own stabiliser absorbs a different share.
    for method, opts in (
        ("lrp.epsilon", {"epsilon": 1e-7}),
        ("gradient", {}),
        ("tfx.vanilla_gradients", {}),
    ):
        region = xai4ess.explain(model, x, method, target=mask, **opts)
        pixels = np.mean(
            [
                xai4ess.explain(model, x, method, target=(int(i), int(j)), **opts)
                for i, j in zip(*np.nonzero(mask))
            ],
            axis=0,
        )
        np.testing.assert_allclose(region, pixels, rtol=1e-4, atol=1e-6 * np.abs(pixels).max())


# -- errors --------------------------------------------------------------------
def test_unknown_method_lists_close_names(keras):
    model = small_cnn(keras, 0, True)
    with pytest.raises(UnknownMethodError, match="lrp.epsilon"):
        xai4ess.explain(model, np.zeros((1, 8, 8, 2)), "lrp.epsilom")


def test_wrong_shape_names_expected_shape(keras):
    model = small_cnn(keras, 0, True)
    with pytest.raises(InputShapeError, match=r"\(N, 8, 8, 2\)"):
        xai4ess.explain(model, np.zeros((1, 9, 8, 2)), "gradient")
    with pytest.raises(InputShapeError, match=r"x\[None\]"):
        xai4ess.explain(model, np.zeros((8, 8, 2)), "gradient")


def test_target_out_of_range(keras):
    model = small_cnn(keras, 0, True)
    with pytest.raises(TargetError, match="0 to 2"):
        xai4ess.explain(model, np.zeros((1, 8, 8, 2)), "gradient", target=3)
    img = unet(keras)
    with pytest.raises(TargetError, match="rows 0-15"):
        xai4ess.explain(img, np.zeros((1, 16, 16, 2)), "gradient", target=(16, 0))
    with pytest.raises(TargetError, match="boolean mask"):
        xai4ess.explain(img, np.zeros((1, 16, 16, 2)), "gradient")


def test_unsupported_layer_names_layer_and_method(keras):
    inp = keras.Input((8, 8, 2))
    h = keras.layers.DepthwiseConv2D(3, name="dw")(inp)
    h = keras.layers.Flatten()(h)
    model = keras.Model(inp, keras.layers.Dense(2)(h))
    x = np.random.default_rng(0).random((2, 8, 8, 2)).astype(np.float32)
    with pytest.raises(UnsupportedModelError, match=r"'dw'.*DepthwiseConv2D") as err:
        xai4ess.explain(model, x, "lrp.epsilon")
    assert "lrp.epsilon" in str(err.value) and "tfx.vanilla_gradients" in str(err.value)
    # a generic method still works on the same model
    assert xai4ess.explain(model, x, "tfx.vanilla_gradients").shape == x.shape


def test_gradcam_refuses_dense_only_model(keras):
    inp = keras.Input((10,))
    model = keras.Model(inp, keras.layers.Dense(2)(inp))
    with pytest.raises(UnsupportedModelError, match="gradcam"):
        xai4ess.explain(model, np.zeros((1, 10)), "gradcam")


def test_import_does_not_load_tensorflow():
    import subprocess
    import sys

    code = "import sys, xai4ess; print('tensorflow' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


def test_region_and_tfexplain_targets_on_open_size_model(keras):
    """A fully convolutional model with input (None, None, C) takes region and pixel targets."""
    fixed = unet(keras, 4)
    open_model = unet(keras, 5, size=None)
    open_model.set_weights(fixed.get_weights())
    x = np.random.default_rng(4).random((2, 16, 16, 2)).astype(np.float32)
    mask = np.zeros((16, 16), bool)
    mask[3:7, 2:5] = True
    for method in ("lrp.epsilon", "tfx.vanilla_gradients", "gradcam"):
        a = xai4ess.explain(open_model, x, method, target=mask)
        b = xai4ess.explain(fixed, x, method, target=mask)
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-7)
    a = xai4ess.explain(open_model, x, "tfx.vanilla_gradients", target=(5, 5))
    b = xai4ess.explain(fixed, x, "tfx.vanilla_gradients", target=(5, 5))
    np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-7)
