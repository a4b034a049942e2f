"""Receptive fields: exact calculator vs brute force, published values, merges, errors."""

from __future__ import annotations

from fractions import Fraction

import numpy as np
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

import xai4ess
from xai4ess import rf
from xai4ess._env import tensorflow
from xai4ess.errors import ReceptiveFieldError
from xai4ess.rf._keras import _states  # the per-layer interval states (white-box test)

tf = tensorflow()
keras = tf.keras
L = keras.layers


def _sizes(rfs: dict) -> dict:
    return {k: (v.size, v.min_size) for k, v in rfs.items()}


# --------------------------------------------------------------------------
# property test: random stacks, exact == brute force for every layer
# --------------------------------------------------------------------------

_conv = st.builds(
    lambda k, s, pad: f"conv{k}" + ("" if s == 1 else f"s{s}") + pad,
    st.sampled_from([1, 2, 3, 4, 5]),
    st.sampled_from([1, 1, 2, 3]),
    st.sampled_from(["", "-valid"]),
)
_dilated = st.builds(
    lambda k, d, pad: f"conv{k}d{d}" + pad,
    st.sampled_from([2, 3]),
    st.sampled_from([2, 3]),
    st.sampled_from(["", "-valid"]),
)
_pool = st.builds(
    lambda kind, k, s, pad: f"{kind}{k}" + ("" if s == k else f"s{s}") + pad,
    st.sampled_from(["pool", "avgpool"]),
    st.sampled_from([2, 3]),
    st.sampled_from([1, 2, 3]),
    st.sampled_from(["", "-same"]),
)
_up = st.builds(
    lambda kind, u: f"{kind}{u}", st.sampled_from(["up", "bilinear"]), st.sampled_from([2, 3])
)
_deconv = st.builds(
    lambda k, s, pad: f"deconv{k}s{s}" + pad,
    st.sampled_from([1, 2, 3, 4]),
    st.sampled_from([1, 2]),
    st.sampled_from(["", "-valid"]),
)
_layer = st.one_of(_conv, _conv, _dilated, _pool, _up, _deconv)


@settings(
    max_examples=25,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
)
@given(specs=st.lists(_layer, min_size=1, max_size=5), n=st.sampled_from([61, 64, 70]))
def test_random_stacks_match_brute_force(specs, n):
    states, _ = _states(specs, (n, n), 2)
    # the brute force looks at 17 consecutive units: keep the periods it can see
    assume(all(s.whole or max(m.period for m in s.maps) <= 8 for s, _, _ in states.values()))
    assume(all(size is None or min(size) >= 4 for _, _, size in states.values()))
    theory_spec = rf.receptive_field(specs, input_size=(n, n))
    assume(max(max(r.size) for r in theory_spec.values()) <= n // 3)
    model = rf.build_stack(specs, input_size=n, filters=2)
    theory = rf.receptive_field(model)
    # the layer-list path and the Keras path agree (names are the same)
    assert [r[:4] for r in theory.values()] == [r[:4] for r in theory_spec.values()]
    brute = rf.brute_force(model)
    assert _sizes(theory) == _sizes(brute), specs


# --------------------------------------------------------------------------
# published values and the lecture's network
# --------------------------------------------------------------------------


def test_vgg16_published_values():
    vgg = keras.applications.VGG16(weights=None)
    rfs = rf.receptive_field(vgg)
    pool5 = rfs["block5_pool"]
    assert pool5.size == (212, 212)
    assert pool5.stride == (32, 32)
    assert pool5.padding == (90, 90)
    assert rfs["block5_conv3"].size == (196, 196)
    assert rf.receptive_field(vgg, layer="block5_conv3").size == (196, 196)
    # dense head: whole input, flagged
    assert rfs["fc1"].whole_input and rfs["fc1"].size == (224, 224)
    assert rfs["fc1"].stride is None
    assert not rfs["block5_pool"].whole_input
    assert list(rfs)[0] == vgg.layers[0].name and list(rfs)[-1] == "predictions"


def test_goes_mrms_network_exact_and_brute_force():
    model = xai4ess.models.build("goes_mrms", size=256)
    rfs = rf.receptive_field(model)
    assert rfs["conv4"].size == (38, 38)
    assert rfs["conv5"].size == (46, 46) == rfs["conv5"].min_size
    # after two upsamplings the box depends on the position: 46 or 54
    assert rfs["conv6"].size == (54, 54) and rfs["conv6"].min_size == (46, 46)
    assert rfs["mrms"].size == (54, 54) and rfs["mrms"].stride == (1, 1)
    assert rfs["up1"].stride == (4, 4)
    brute = rf.brute_force(model, ["conv4", "conv5", "conv6", "mrms"], input_size=96)
    for k, b in brute.items():
        assert (b.size, b.min_size) == (rfs[k].size, rfs[k].min_size), k
    # per-position boxes of the output: period 8, sizes 46, 46, 54, 54, 54, 54, 46, 46
    sizes = [rf.box(model, "mrms", (j, 100))[0] for j in range(96, 104)]
    assert [hi - lo + 1 for lo, hi in sizes] == [46, 46, 54, 54, 54, 54, 46, 46]
    block = rf.box_sizes(model, "mrms", range(96, 104), range(96, 104))
    assert block.shape == (8, 8, 2) and block[2, 0].tolist() == [54, 46]


def test_fractional_stride_and_spec_path():
    r = rf.receptive_field(["up2", "conv3"], layer=-1)
    assert r.stride == (Fraction(1, 2),)
    assert isinstance(r.stride[0], Fraction)
    # the textbook recurrence on a plain stack
    r = rf.receptive_field(["conv3", "conv3", "pool2", "conv3", "conv3", "pool2"], layer=-1)
    assert r.size == (16,) and r.stride == (4,) and r.padding == (6,)
    assert rf.box(["conv3", "pool2"], -1, (0,)) == ((-1, 2),)
    assert rf.box(["conv3", "pool2"], -1, (0,), clip=True, input_size=(8,)) == ((0, 2),)


def test_table_columns():
    df = rf.table(["conv3", "pool2", "conv3"], pixel_km=2.0)
    assert list(df["size"]) == ["1", "3", "4", "8"]
    assert list(df["size_km"]) == [2.0, 6.0, 8.0, 16.0]


# --------------------------------------------------------------------------
# layer zoo: 1-D / 3-D, depthwise, separable, transposed, padding, cropping
# --------------------------------------------------------------------------


def test_layer_zoo_matches_brute_force():
    x = inp = keras.Input((45, 45, 2))
    x = L.ZeroPadding2D(((2, 1), (0, 3)))(x)
    x = L.DepthwiseConv2D(3, strides=2, padding="same")(x)
    x = L.BatchNormalization()(x)
    x = L.ReLU()(x)
    x = L.SeparableConv2D(3, 3, dilation_rate=2)(x)
    x = L.Conv2DTranspose(3, 3, strides=2, padding="same")(x)
    x = L.Cropping2D(((1, 0), (2, 2)))(x)
    x = L.UpSampling2D((2, 3), interpolation="bilinear")(x)
    x = L.AveragePooling2D(3, strides=2, padding="same")(x)
    x = L.Dropout(0.5)(x)
    model = keras.Model(inp, x)
    theory = rf.receptive_field(model)
    assert theory[model.layers[-1].name].size[0] != theory[model.layers[-1].name].size[1]
    assert _sizes(theory) == _sizes(rf.brute_force(model, input_size=(90, 96)))


def test_conv1d_causal_and_conv3d():
    x = inp = keras.Input((None, 1))
    x = L.Conv1D(2, 2, padding="causal", dilation_rate=4)(x)
    x = L.MaxPooling1D(2)(x)
    x = L.Conv1D(2, 3, strides=2)(x)
    x = L.UpSampling1D(3)(x)
    x = L.Conv1D(2, 3, padding="same")(x)
    m1 = keras.Model(inp, x)
    t1 = rf.receptive_field(m1)
    assert _sizes(t1) == _sizes(rf.brute_force(m1, input_size=128))
    causal = rf.receptive_field(m1, layer=1)
    assert causal.size == (5,) and causal.padding == (4,)  # sees only the past
    x = inp = keras.Input((16, 16, 16, 1))
    x = L.Conv3D(2, 3, padding="same")(x)
    x = L.MaxPooling3D(2)(x)
    x = L.UpSampling3D(2)(x)
    x = L.Conv3D(2, (1, 3, 3), padding="same")(x)
    m3 = keras.Model(inp, x)
    t3 = rf.receptive_field(m3, layer=-1)
    assert t3.size == (4, 6, 6) == t3.min_size
    b3 = rf.brute_force(m3, -1, input_size=24, n_units=9)
    assert (b3.size, b3.min_size) == (t3.size, t3.min_size)


# --------------------------------------------------------------------------
# merges, nested models, dense heads
# --------------------------------------------------------------------------


def _two_paths(shift: bool):
    inp = keras.Input((40, 40, 1))
    a = L.Conv2D(2, 5, padding="same", name="a")(inp)
    b = L.Conv2D(2, 3, padding="same", name="b")(inp)
    if shift:  # the same shape, but the box moves two pixels down
        b = L.ZeroPadding2D(((2, 0), (0, 0)))(b)
        b = L.Cropping2D(((0, 2), (0, 0)))(b)
    x = L.Add(name="add")([a, b])
    x = L.Concatenate(name="cat")([x, b])
    x = L.Conv2D(2, 3, padding="same", name="c")(x)
    return keras.Model(inp, x)


def test_aligned_merge():
    model = _two_paths(shift=False)
    rfs = rf.receptive_field(model)
    assert rfs["add"].size == (5, 5) and rfs["add"].aligned
    assert rfs["c"].size == (7, 7)
    assert _sizes(rfs) == _sizes(rf.brute_force(model))


def test_misaligned_merge_is_flagged_not_hidden():
    model = _two_paths(shift=True)
    rfs = rf.receptive_field(model)
    assert not rfs["add"].aligned and not rfs["c"].aligned
    assert rfs["a"].aligned
    assert rfs["add"].size == (6, 5)  # hull of the union, exact
    assert _sizes(rfs) == _sizes(rf.brute_force(model))
    assert not rf.table(model).set_index("layer").loc["c", "aligned"]


def test_merge_with_different_strides_raises():
    inp = keras.Input((8, 8, 1))
    a = L.Conv2D(1, 3, strides=2, padding="same")(inp)  # 4x4, stride 2
    b = L.Conv2D(1, 5, padding="valid")(inp)  # 4x4, stride 1
    model = keras.Model(inp, L.Add(name="bad_add")([a, b]))
    with pytest.raises(ReceptiveFieldError, match="bad_add"):
        rf.receptive_field(model)


def test_nested_model():
    inner_in = keras.Input((None, None, 2))
    y = L.Conv2D(2, 3, padding="same", name="ic1")(inner_in)
    y = L.MaxPooling2D(2, name="ip")(y)
    inner = keras.Model(inner_in, y, name="inner")
    inp = keras.Input((48, 48, 1))
    x = L.Conv2D(2, 3, padding="same", name="c0")(inp)
    x = inner(x)
    x = L.Conv2D(2, 3, padding="same", name="c2")(x)
    model = keras.Model(inp, x)
    rfs = rf.receptive_field(model)
    assert list(rfs)[:2] == [model.layers[0].name, "c0"] and list(rfs)[-1] == "c2"
    assert "inner/ic1" in rfs and "inner/ip" in rfs and "inner" in rfs
    flat = rf.receptive_field(["conv3", "conv3", "pool2", "conv3"], ndim=2)
    assert rfs["c2"].size == list(flat.values())[-1].size
    assert rfs["inner"] == rfs["inner/ip"]
    b = rf.brute_force(model, "inner/ic1")
    assert (b.size, b.min_size) == (rfs["inner/ic1"].size, rfs["inner/ic1"].min_size)
    assert rf.receptive_field(model, layer="ip") == rfs["inner/ip"]


def test_dense_and_global_pooling_are_whole_input():
    inp = keras.Input((32, 32, 1))
    x = L.Conv2D(2, 3, name="c")(inp)
    g = L.GlobalAveragePooling2D(name="gap")(x)
    d = L.Dense(3, name="d")(g)
    model = keras.Model(inp, d)
    rfs = rf.receptive_field(model)
    assert not rfs["c"].whole_input
    for k in ("gap", "d"):
        assert rfs[k].whole_input and rfs[k].size == (32, 32)
    b = rf.brute_force(model, "d")
    assert b.whole_input and b.size == (32, 32)
    # a Dense layer on a feature map acts per pixel (1x1 convolution)
    inp = keras.Input((16, 16, 3))
    model = keras.Model(inp, L.Dense(2, name="pix")(L.Conv2D(2, 3, name="c")(inp)))
    assert rf.receptive_field(model, layer="pix").size == (3, 3)


# --------------------------------------------------------------------------
# errors
# --------------------------------------------------------------------------


def test_unsupported_layer_is_named():
    inp = keras.Input((10, 4))
    x = L.Conv1D(2, 3, name="ok")(inp)
    x = L.LSTM(3, return_sequences=True, name="my_lstm")(x)
    with pytest.raises(ReceptiveFieldError, match=r"'my_lstm'.*LSTM"):
        rf.receptive_field(keras.Model(inp, x))


def test_bad_inputs():
    with pytest.raises(ReceptiveFieldError, match="conv3x"):
        rf.receptive_field(["conv3x"])
    with pytest.raises(ReceptiveFieldError, match="did you mean"):
        rf.receptive_field(xai4ess.models.build("goes_mrms", size=64), layer="conv7")
    with pytest.raises(ReceptiveFieldError, match="Keras model"):
        rf.receptive_field(42)
    with pytest.raises(ReceptiveFieldError, match="bilinear"):
        inp = keras.Input((8, 8, 1))
        rf.receptive_field(keras.Model(inp, L.UpSampling2D(2, interpolation="bicubic")(inp)))
    with pytest.raises(ReceptiveFieldError, match="spatial axis"):
        inp = keras.Input((8, 8, 1))
        rf.receptive_field(keras.Model(inp, L.Concatenate(axis=1)([inp, inp])))
    with pytest.raises(ReceptiveFieldError, match="larger input_size"):
        rf.brute_force(["conv5", "conv5", "conv5"], -1, input_size=8)


# --------------------------------------------------------------------------
# effective receptive field
# --------------------------------------------------------------------------


def test_effective_receptive_field_inside_trf():
    model = rf.build_stack(["conv3", "conv3", "pool2", "conv3"], input_size=32, filters=4)
    erf = rf.effective_receptive_field(model, n=4)
    assert erf.shape == (32, 32) and erf.max() == pytest.approx(1.0)
    (r0, r1), (c0, c1) = rf.box(model, -1, (8, 8))
    inside = np.zeros_like(erf, dtype=bool)
    inside[r0 : r1 + 1, c0 : c1 + 1] = True
    assert erf[~inside].max() == 0.0  # nothing outside the theoretical field
    assert erf[inside].min() >= 0.0 and (erf[inside] > 0).mean() > 0.5
    centre = ((r0 + r1) / 2, (c0 + c1) / 2)
    assert rf.erf_size(erf, mass=1.0, center=centre) == r1 - r0 + 1
    assert rf.erf_size(erf, mass=0.5) < rf.erf_size(erf, mass=0.99)
    with pytest.raises(ReceptiveFieldError):
        rf.effective_receptive_field(model, layer="nope")


def test_count_params_matches_keras():
    specs = ["conv3", "pool2", "conv5d2", "up2", "conv3"]
    model = rf.build_stack(specs, input_size=16, channels=4, filters=32)
    assert rf.count_params(specs, channels=4, filters=32) == model.count_params()


def test_erf_grid_of_units_equals_single_unit_for_a_linear_network():
    # gradients of a linear network do not depend on the input: every unit has the same ERF
    model = rf.build_stack(
        ["conv3", "avgpool2", "conv3", "up2", "conv3"],
        input_size=64,
        filters=3,
        activation="linear",
    )
    one = rf.effective_receptive_field(model, n=2, normalize=None)
    grid = rf.effective_receptive_field(model, n=2, normalize=None, spacing=16)
    np.testing.assert_allclose(grid, one, rtol=1e-5, atol=1e-7)
    with pytest.raises(ReceptiveFieldError, match="on top of each other"):
        rf.effective_receptive_field(model, n=1, spacing=2)


def test_sequential_model_with_dense_head_verifies():
    model = keras.Sequential(
        [
            keras.Input((32, 32, 3)),
            L.Conv2D(4, 3, padding="same"),
            L.BatchNormalization(),
            L.MaxPooling2D(2),
            L.Conv2D(4, 3),
            L.Flatten(),
            L.Dense(2),
        ]
    )
    check = rf.verify(model)
    assert check["agree"].all()
    assert list(check["size"])[-2:] == ["32", "32"]  # flatten, dense: the whole input


def test_model_builders_live_in_models_and_rf_reexports_them():
    assert rf.build_stack is xai4ess.models.build_stack
    assert rf.count_params is xai4ess.models.count_params
    assert set(rf.__all__) <= set(dir(rf))


def test_goes_mrms_layer_list_is_the_built_network():
    """models.GOES_MRMS_LAYERS (used by chapter 7's widgets) describes models.build("goes_mrms")."""
    built = xai4ess.models.build("goes_mrms", size=64)
    spec = rf.build_stack(xai4ess.models.GOES_MRMS_LAYERS, input_size=64, channels=4, filters=32)

    def signature(model):
        keep = (
            "kernel_size",
            "strides",
            "padding",
            "pool_size",
            "size",
            "dilation_rate",
            "filters",
        )
        return [
            (type(layer).__name__, {k: layer.get_config().get(k) for k in keep})
            for layer in model.layers
        ]

    # Hilburn et al. (2021): 3x3 conv (32 filters), pool, conv, pool, conv, pool, conv,
    # then up and conv three times, then a 1x1 convolution to dBZ
    c, p, u = ("Conv2D", 3), ("MaxPooling2D", 2), ("UpSampling2D", 2)
    published = [("InputLayer", None), c, p, c, p, c, p, c, u, c, u, c, u, ("Conv2D", 1)]
    sizes = [
        (
            type(layer).__name__,
            (
                layer.get_config().get("kernel_size")
                or layer.get_config().get("pool_size")
                or layer.get_config().get("size")
                or (None,)
            )[0],
        )
        for layer in built.layers
    ]
    assert sizes == published
    # the same layers, but the built network's last 1x1 convolution has one filter (dBZ)
    assert signature(built)[:-1] == signature(spec)[:-1]
    assert signature(built)[-1][1]["filters"] == 1
    assert signature(built)[-1][1]["kernel_size"] == signature(spec)[-1][1]["kernel_size"]
    exact_built = [r.size for r in rf.receptive_field(built).values()]
    exact_spec = [r.size for r in rf.receptive_field(spec).values()]
    assert exact_built == exact_spec
    assert xai4ess.widgets.GOES_MRMS_LAYERS == xai4ess.models.GOES_MRMS_LAYERS
