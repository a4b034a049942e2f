"""The explain API: method registry, options, targets, outputs, multi-input, occlusion,
chunking, SmoothGrad noise, xarray and progress. Checked against GradientTape and brute force."""

from __future__ import annotations

import itertools
import subprocess
import sys

import numpy as np
import pytest

import xai4ess
from xai4ess import attribution
from xai4ess.attribution import _runners
from xai4ess.errors import InputShapeError, OptionError, TargetError, UnsupportedModelError

from .test_explain import small_cnn


def grad_of(model_fn, x, tf):
    """Gradient of ``model_fn(x)`` (one scalar per sample) with a plain GradientTape."""
    xt = tf.constant(x)
    with tf.GradientTape() as tape:
        tape.watch(xt)
        y = model_fn(xt)
    return tape.gradient(y, xt).numpy()


def logits_of(keras, model):
    return keras.Model(model.input, model.get_layer("logits").output)


# -- registry and options ------------------------------------------------------
def test_registry_entries_are_complete():
    table = xai4ess.methods()
    assert list(table.columns) == ["backend", "signed", "output", "question", "options"]
    assert len(table) == 19
    for name in table.index:
        info = xai4ess.attribution.method_info(name)
        assert callable(info.run), name
        assert info.output in ("x.shape", "x.shape[:-1]")
        assert all(o.doc for o in info.options), name
        assert table.loc[name, "options"] == ", ".join(f"{k}={v!r}" for k, v in info.defaults)


def test_every_method_rejects_unknown_options_with_the_valid_ones(keras):
    model = small_cnn(keras, 0, True)
    x = np.zeros((1, 8, 8, 2), np.float32)
    for name in xai4ess.methods().index:
        info = attribution.method_info(name)
        with pytest.raises(OptionError, match="no option 'bogus'") as err:
            xai4ess.explain(model, x, name, bogus=1)
        for option in info.options:
            assert option.name in str(err.value), name
    with pytest.raises(OptionError, match="augment_by_n=16"):
        xai4ess.explain(model, x, "smoothgrad", step=8)
    with pytest.raises(TypeError, match=r"'eps' \(did you mean 'epsilon'\?\)"):
        xai4ess.explain(model, x, "lrp.epsilon", eps=0.1)


def test_adding_a_method_is_one_entry(keras, monkeypatch):
    """The registry dispatches: a new entry runs without touching explain."""
    seen = {}

    def run(job, scale=2.0):
        seen["target"] = job.target.indices.tolist()
        return [np.full_like(a, scale) for a in job.xs]

    info = attribution.MethodInfo(
        "constant", "xai4ess", True, True, "A test method.",
        (attribution.Option("scale", 2.0, "the value"),), run,
    )  # fmt: skip
    monkeypatch.setitem(attribution._METHODS, "constant", info)
    model = small_cnn(keras, 0, True)
    x = np.random.default_rng(0).random((3, 8, 8, 2)).astype(np.float32)
    r = xai4ess.explain(model, x, "constant", target=[2, 0, 1], scale=5.0)
    assert r.shape == x.shape and np.all(r == 5.0)
    assert seen["target"] == [2, 0, 1]
    assert "constant" in xai4ess.methods().index
    with pytest.raises(OptionError, match="scale=2.0"):
        xai4ess.explain(model, x, "constant", size=1)


def test_epsilon_card_says_what_epsilon_is():
    info = attribution.method_info("lrp.epsilon")
    card = info.card()
    assert "pre-activation z" in card and "absolute" in card
    assert info.option("epsilon").default == attribution.LRP_EPSILON


# -- targets -------------------------------------------------------------------
def test_tuple_target_on_a_classifier_is_an_error(keras):
    model = small_cnn(keras, 1, True)
    x = np.random.default_rng(1).random((2, 8, 8, 2)).astype(np.float32)
    for method in ("lrp.epsilon", "tfx.vanilla_gradients"):
        with pytest.raises(TargetError, match=r"vector output.*target=\[1, 2\]"):
            xai4ess.explain(model, x, method, target=(1, 2))
    a = xai4ess.explain(model, x, "gradient", target=[1, 2])
    b = np.concatenate(
        [xai4ess.explain(model, x[i : i + 1], "gradient", target=t) for i, t in enumerate([1, 2])]
    )
    np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-7)


def test_out_of_range_channel_is_reported(keras):
    inp = keras.Input((8, 8, 1))
    model = keras.Model(inp, keras.layers.Conv2D(2, 3, padding="same")(inp))
    x = np.zeros((1, 8, 8, 1), np.float32)
    with pytest.raises(TargetError, match=r"channel 2 .* 2 channels \(0-1\)"):
        xai4ess.explain(model, x, "gradient", target=(1, 1, 2))
    with pytest.raises(TargetError, match="contrast"):
        xai4ess.explain(model, x, "gradient", target="contrast")


@pytest.mark.parametrize("method", ["gradient", "tfx.vanilla_gradients", "smoothgrad"])
def test_contrast_target_is_gradient_of_logit_minus_mean_of_others(keras, tf, method):
    model = small_cnn(keras, 2, True)
    x = np.random.default_rng(2).random((5, 8, 8, 2)).astype(np.float32)
    logits = logits_of(keras, model)
    pred = np.argmax(logits(x).numpy(), axis=1)
    cls = np.array([0, 2, 1, 1, 0])
    for given in (None, cls):
        c = pred if given is None else cls
        w = np.full((5, 3), -0.5, np.float32)
        w[np.arange(5), c] = 1.0
        r = xai4ess.explain(model, x, method, target="contrast", contrast_class=given)
        if method == "smoothgrad":  # linear in the score: equals the weighted per-class maps
            per_class = [xai4ess.explain(model, x, method, target=k) for k in range(3)]
            ref = sum(w[:, k, None, None, None] * per_class[k] for k in range(3))
        else:
            ref = grad_of(lambda t, w=w: tf.reduce_sum(logits(t) * w, axis=1), x, tf)
        np.testing.assert_allclose(r, ref, rtol=1e-4, atol=1e-6 * np.abs(ref).max())


def test_contrast_needs_two_units(keras):
    inp = keras.Input((4,))
    model = keras.Model(inp, keras.layers.Dense(1)(inp))
    with pytest.raises(TargetError, match="log-odds"):
        xai4ess.explain(model, np.ones((2, 4)), "gradient", target="contrast")


def two_headed(keras):
    keras.utils.set_random_seed(3)
    inp = keras.Input((6, 2), name="series")
    h = keras.layers.Conv1D(4, 3, activation="relu")(inp)
    h = keras.layers.Flatten()(h)
    rain = keras.layers.Dense(1, name="rain")(h)
    kind = keras.layers.Dense(3, activation="softmax", name="kind")(h)
    return keras.Model(inp, [rain, kind])


def test_output_selects_one_output_by_index_or_name(keras, tf):
    model = two_headed(keras)
    x = np.random.default_rng(3).random((4, 6, 2)).astype(np.float32)
    with pytest.raises(TargetError, match=r"2 outputs \(0: 'rain', 1: 'kind'\)"):
        xai4ess.explain(model, x, "gradient")
    with pytest.raises(TargetError, match="not an output"):
        xai4ess.explain(model, x, "gradient", output="snow")
    rain = grad_of(lambda t: model(t)[0][:, 0], x, tf)
    for output in ("rain", 0):
        for method in ("tfx.vanilla_gradients", "occlusion"):
            r = xai4ess.explain(model, x, method, output=output)
            if method == "tfx.vanilla_gradients":
                np.testing.assert_allclose(r, rain, rtol=1e-5, atol=1e-7)
    r = xai4ess.explain(model, x, "tfx.vanilla_gradients", output="kind", target=1)
    kind_logit = keras.Model(model.input, model.get_layer("kind").input)
    dense = model.get_layer("kind")
    ref = grad_of(lambda t: tf.matmul(kind_logit(t), dense.kernel)[:, 1] + dense.bias[1], x, tf)
    np.testing.assert_allclose(r, ref, rtol=1e-5, atol=1e-7)


def test_output_activation_keep_explains_the_probability(keras, tf):
    model = small_cnn(keras, 4, True)
    x = np.random.default_rng(4).random((3, 8, 8, 2)).astype(np.float32)
    prob = grad_of(lambda t: model(t)[:, 1], x, tf)
    logit = grad_of(lambda t: logits_of(keras, model)(t)[:, 1], x, tf)
    kept = xai4ess.explain(model, x, "tfx.vanilla_gradients", target=1, output_activation="keep")
    default = xai4ess.explain(model, x, "tfx.vanilla_gradients", target=1)
    np.testing.assert_allclose(kept, prob, rtol=1e-4, atol=1e-7)
    np.testing.assert_allclose(default, logit, rtol=1e-4, atol=1e-7)
    with pytest.raises(OptionError, match="'keep'"):
        xai4ess.explain(model, x, "gradient", output_activation="probability")


def test_sigmoid_output_explains_the_logit_by_default(keras, tf):

    keras.utils.set_random_seed(12)
    inp = keras.Input((8,))
    h = keras.layers.Dense(6, activation="relu")(inp)
    out = keras.layers.Dense(1, activation="sigmoid", name="p")(h)
    model = keras.Model(inp, out)
    x = np.random.default_rng(12).normal(size=(6, 8)).astype(np.float32)
    dense = model.get_layer("p")
    hidden = keras.Model(inp, h)
    logit = grad_of(lambda t: (tf.matmul(hidden(t), dense.kernel) + dense.bias)[:, 0], x, tf)
    prob = grad_of(lambda t: model(t)[:, 0], x, tf)
    for method in ("gradient", "tfx.vanilla_gradients"):
        r = xai4ess.explain(model, x, method)
        np.testing.assert_allclose(r, logit, rtol=1e-4, atol=1e-7)
        kept = xai4ess.explain(model, x, method, output_activation="keep")
        np.testing.assert_allclose(kept, prob, rtol=1e-4, atol=1e-7)


@pytest.mark.parametrize("cell", ["LSTM", "GRU"])
def test_occlusion_runs_on_recurrent_models(keras, cell):
    keras.utils.set_random_seed(13)
    inp = keras.Input((12, 2))
    model = keras.Model(inp, keras.layers.Dense(2)(getattr(keras.layers, cell)(4)(inp)))
    x = np.random.default_rng(13).normal(size=(2, 12, 2)).astype(np.float32)
    r = xai4ess.explain(model, x, "occlusion", target=1, patch_size=3)
    ref = brute_occlusion(
        lambda b: model(b.astype(np.float32)).numpy()[:, 1], x, (3,), (3,), "mean"
    )
    np.testing.assert_allclose(r, ref, rtol=1e-4, atol=1e-6)


# -- inputs ----------------------------------------------------------------------
def two_inputs(keras):
    keras.utils.set_random_seed(5)
    a = keras.Input((6, 6, 2), name="field")
    b = keras.Input((3,), name="scalars")
    h = keras.layers.Flatten()(keras.layers.Conv2D(2, 3, activation="relu")(a))
    h = keras.layers.Concatenate()([h, keras.layers.Dense(4, activation="relu")(b)])
    return keras.Model([a, b], keras.layers.Dense(2)(keras.layers.Dense(5, activation="relu")(h)))


def test_multi_input_validation(keras):
    model = two_inputs(keras)
    a = np.zeros((2, 6, 6, 2), np.float32)
    b = np.zeros((2, 3), np.float32)
    with pytest.raises(InputShapeError, match=r"2 inputs \('field', 'scalars'\)"):
        xai4ess.explain(model, a, "gradient")
    with pytest.raises(InputShapeError, match=r"missing \['scalars'\]"):
        xai4ess.explain(model, {"field": a}, "gradient")
    with pytest.raises(InputShapeError, match=r"input 'scalars' has shape \(2, 4\)"):
        xai4ess.explain(model, [a, np.zeros((2, 4))], "gradient")
    with pytest.raises(InputShapeError, match="different numbers of samples"):
        xai4ess.explain(model, [a, b[:1]], "gradient")
    with pytest.raises(UnsupportedModelError, match="single-input"):
        xai4ess.explain(model, [a, b], "occlusion", target=0)


def test_multi_input_lrp_z_is_input_times_gradient(keras, tf):

    model = two_inputs(keras)
    rng = np.random.default_rng(5)
    a = rng.normal(size=(3, 6, 6, 2)).astype(np.float32)
    b = rng.normal(size=(3, 3)).astype(np.float32)
    ta, tb = tf.constant(a), tf.constant(b)
    with tf.GradientTape() as tape:
        tape.watch([ta, tb])
        y = model([ta, tb])[:, 1]
    ga, gb = tape.gradient(y, [ta, tb])
    r = xai4ess.explain(model, {"field": a, "scalars": b}, "lrp.z", target=1)
    assert set(r) == {"field", "scalars"}
    np.testing.assert_allclose(r["field"], a * ga.numpy(), rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(r["scalars"], b * gb.numpy(), rtol=1e-5, atol=1e-6)
    ig = xai4ess.explain(model, [a, b], "integrated_gradients", target=1, steps=64)
    total = ig[0].sum(axis=(1, 2, 3)) + ig[1].sum(axis=1)
    zero = model([np.zeros_like(a), np.zeros_like(b)]).numpy()[:, 1]
    np.testing.assert_allclose(total, model([a, b]).numpy()[:, 1] - zero, rtol=0.05, atol=0.02)


def test_input_overflowing_float32_is_not_called_nan(keras):
    model = small_cnn(keras, 0, True)
    x = np.zeros((1, 8, 8, 2))
    x[0, 0, 0, 0] = 1e300
    with pytest.raises(InputShapeError, match="too large for float32") as err:
        xai4ess.explain(model, x, "gradient")
    assert "NaN" not in str(err.value)
    x[0, 0, 0, 0] = np.nan
    with pytest.raises(InputShapeError, match="NaN"):
        xai4ess.explain(model, x, "gradient")


# -- occlusion against brute force ---------------------------------------------------
def brute_occlusion(score, x, patch, stride, baseline):
    """Loop over every patch position and every pixel it covers (the documented definition)."""
    spatial = x.shape[1:-1]
    axes = []
    for n, p, s in zip(spatial, patch, stride):
        p = min(p, n)
        starts = set(range(0, n - p + 1, s)) | {n - p}  # the last patch ends at the border
        axes.append([(a, p) for a in sorted(starts)])
    out = np.zeros(x.shape[:-1])
    for i in range(len(x)):
        fill = x[i].mean(axis=tuple(range(x.ndim - 2))) if baseline == "mean" else baseline
        base = score(x[i : i + 1])[0]
        total, count = np.zeros(spatial), np.zeros(spatial)
        for combo in itertools.product(*axes):
            box = tuple(slice(a, a + p) for a, p in combo)
            patched = x[i : i + 1].copy()
            patched[(0,) + box] = fill
            total[box] += base - score(patched)[0]
            count[box] += 1
        assert count.min() >= 1
        out[i] = total / count
    return out


@pytest.mark.parametrize(
    "in_shape,patch,stride,baseline",
    [
        ((10, 2), 3, 2, "mean"),  # 1-D series, Conv1D
        ((10, 2), 4, None, 0.0),  # 1-D, patch does not divide the length
        ((7, 5, 2), (3, 2), None, "mean"),  # 2-D, uneven patches
        ((7, 5, 2), 3, 1, -1.0),  # 2-D, overlapping
    ],
)
def test_occlusion_equals_brute_force(keras, in_shape, patch, stride, baseline):
    keras.utils.set_random_seed(6)
    inp = keras.Input(in_shape)
    conv = keras.layers.Conv1D if len(in_shape) == 2 else keras.layers.Conv2D
    h = keras.layers.Flatten()(conv(3, 2, activation="relu")(inp))
    model = keras.Model(inp, keras.layers.Dense(3)(keras.layers.Dense(6, activation="tanh")(h)))
    x = np.random.default_rng(6).normal(size=(3, *in_shape)).astype(np.float32)
    r = xai4ess.explain(
        model, x, "occlusion", target=[0, 2, 1], patch_size=patch, stride=stride, baseline=baseline
    )
    t = np.array([0, 2, 1])
    n_axes = len(in_shape) - 1
    patch_t = (patch,) * n_axes if np.isscalar(patch) else patch
    stride_t = patch_t if stride is None else (stride,) * n_axes
    ref = np.stack(
        [
            brute_occlusion(
                lambda b, i=i: model(b.astype(np.float32)).numpy()[:, t[i]],
                x[i : i + 1],
                patch_t,
                stride_t,
                baseline,
            )[0]
            for i in range(3)
        ]
    )
    assert r.shape == x.shape[:-1]
    np.testing.assert_allclose(r, ref, rtol=1e-4, atol=1e-5 * np.abs(ref).max())
    assert np.abs(ref).max() > 1e-3


def test_occlusion_rejects_gaps(keras):
    model = small_cnn(keras, 0, True)
    with pytest.raises(OptionError, match="stride"):
        xai4ess.explain(model, np.ones((1, 8, 8, 2)), "occlusion", patch_size=2, stride=3)
    with pytest.raises(OptionError, match="patch_size"):
        xai4ess.explain(model, np.ones((1, 8, 8, 2)), "occlusion", patch_size=(2, 2, 2))
    with pytest.raises(OptionError, match="baseline"):
        xai4ess.explain(model, np.ones((1, 8, 8, 2)), "occlusion", baseline="zero")


# -- chunking and SmoothGrad noise -------------------------------------------------------
@pytest.mark.parametrize(
    "method", ["integrated_gradients", "smoothgrad", "tfx.integrated_gradients", "lrp.epsilon"]
)
def test_chunked_equals_unchunked(keras, monkeypatch, method):
    model = small_cnn(keras, 7, True)
    x = np.random.default_rng(7).random((9, 8, 8, 2)).astype(np.float32)
    target = np.array([0, 1, 2, 0, 1, 2, 2, 1, 0])
    whole = xai4ess.explain(model, x, method, target=target)
    monkeypatch.setattr(_runners, "CHUNK", 2)
    monkeypatch.setattr(_runners, "ROWS", 40)
    parts = xai4ess.explain(model, x, method, target=target, progress=False)
    np.testing.assert_allclose(parts, whole, rtol=1e-5, atol=1e-6 * np.abs(whole).max())


def test_integrated_gradients_per_sample_baseline_in_chunks(keras, monkeypatch):
    """Completeness with one baseline per sample, the batch split into chunks of 2."""
    model = small_cnn(keras, 14, True)
    rng = np.random.default_rng(14)
    x = rng.random((5, 8, 8, 2)).astype(np.float32)
    ref = rng.random((5, 8, 8, 2)).astype(np.float32)
    monkeypatch.setattr(_runners, "CHUNK", 2)
    r = xai4ess.explain(model, x, "integrated_gradients", target=2, steps=128, reference_inputs=ref)
    logits = logits_of(keras, model)
    gap = logits(x).numpy()[:, 2] - logits(ref).numpy()[:, 2]
    np.testing.assert_allclose(r.sum(axis=(1, 2, 3)), gap, rtol=0.05, atol=0.02 * np.abs(gap).max())
    with pytest.raises(OptionError, match="reference_inputs"):
        xai4ess.explain(model, x, "integrated_gradients", reference_inputs=ref[:2])


@pytest.mark.parametrize("method", ["smoothgrad", "tfx.smoothgrad"])
def test_smoothgrad_of_a_sample_does_not_depend_on_its_batch(keras, method):
    model = small_cnn(keras, 8, True)
    x = np.random.default_rng(8).random((6, 8, 8, 2)).astype(np.float32)
    batch = xai4ess.explain(model, x, method, target=1)
    alone = xai4ess.explain(model, x[4:5], method, target=1)
    other = xai4ess.explain(model, x[[4, 0]], method, target=1)
    np.testing.assert_allclose(alone[0], batch[4], rtol=1e-5, atol=1e-7)
    np.testing.assert_allclose(other[0], batch[4], rtol=1e-5, atol=1e-7)
    reseeded = xai4ess.explain(model, x[4:5], method, target=1, seed=1)
    assert np.abs(reseeded - alone).max() > 1e-4 * np.abs(alone).max()


# -- progress bar ----------------------------------------------------------------------
def test_progress_bar_only_for_long_runs(keras, monkeypatch, capsys):
    model = small_cnn(keras, 9, True)
    x = np.random.default_rng(9).random((6, 8, 8, 2)).astype(np.float32)
    monkeypatch.setattr(_runners, "PROGRESS_AFTER_S", 0.0)  # every run counts as long
    xai4ess.explain(model, x, "gradient")
    assert "gradient" not in capsys.readouterr().err  # one chunk: no bar
    monkeypatch.setattr(_runners, "CHUNK", 2)
    xai4ess.explain(model, x, "gradient")
    assert "gradient" in capsys.readouterr().err  # three chunks: a bar
    xai4ess.explain(model, x, "gradient", progress=False)
    assert capsys.readouterr().err == ""
    monkeypatch.setattr(_runners, "PROGRESS_AFTER_S", 1e9)  # quick runs: no bar
    xai4ess.explain(model, x, "gradient")
    assert capsys.readouterr().err == ""
    xai4ess.explain(model, x[:1], "gradient", progress=True)
    assert "gradient" in capsys.readouterr().err


# -- xarray -----------------------------------------------------------------------------
def test_xarray_round_trip(keras):
    import xarray as xr

    model = small_cnn(keras, 10, True)
    x = np.random.default_rng(10).random((3, 8, 8, 2)).astype(np.float32)
    coords = {
        "time": np.arange(3),
        "lat": np.linspace(-10, 10, 8),
        "lon": np.linspace(0, 35, 8),
        "var": ["t2m", "tp"],
        "label": ("time", ["a", "b", "c"]),
    }
    da = xr.DataArray(
        x, dims=("time", "lat", "lon", "var"), coords=coords, attrs={"units": "K"}, name="f"
    )
    r = xai4ess.explain(model, da, "lrp.epsilon", target=1)
    assert isinstance(r, xr.DataArray) and r.dims == da.dims
    for name in da.coords:
        np.testing.assert_array_equal(r[name].values, da[name].values)
    assert r.attrs["units"] == "K" and r.attrs["method"] == "lrp.epsilon"
    assert r.attrs["target"] == "1" and r.attrs["xai4ess_version"] == xai4ess.__version__
    np.testing.assert_array_equal(r.values, xai4ess.explain(model, x, "lrp.epsilon", target=1))
    # channels named and not last: same dims order back, same numbers
    moved = da.transpose("time", "var", "lat", "lon")
    r2 = xai4ess.explain(model, moved, "lrp.epsilon", target=1, channel_dim="var")
    assert r2.dims == moved.dims
    np.testing.assert_array_equal(r2.transpose(*da.dims).values, r.values)
    # one map per sample: the channel dimension goes
    occ = xai4ess.explain(model, da, "occlusion", target=1)
    assert occ.dims == ("time", "lat", "lon") and "var" not in occ.coords
    np.testing.assert_array_equal(occ["label"].values, ["a", "b", "c"])
    with pytest.raises(InputShapeError, match="channel_dim='level'"):
        xai4ess.explain(model, da, "gradient", channel_dim="level")


def test_xarray_without_channel_dimension(keras):
    import xarray as xr

    inp = keras.Input((5, 4, 1))
    model = keras.Model(inp, keras.layers.Dense(1)(keras.layers.Flatten()(inp)))
    x = np.random.default_rng(11).random((2, 5, 4)).astype(np.float32)
    da = xr.DataArray(x, dims=("time", "lat", "lon"))
    r = xai4ess.explain(model, da, "gradient")
    assert r.dims == ("time", "lat", "lon")
    np.testing.assert_allclose(r.values, xai4ess.explain(model, x[..., None], "gradient")[..., 0])


def test_numpy_input_does_not_import_xarray():
    code = (
        "import sys, numpy as np, xai4ess\n"
        "keras = xai4ess._env.tensorflow().keras\n"
        "inp = keras.Input((4,)); m = keras.Model(inp, keras.layers.Dense(2)(inp))\n"
        "xai4ess.explain(m, np.ones((2, 4)), 'gradient')\n"
        "print('xarray' in sys.modules)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip().splitlines()[-1] == "False"


def test_integrated_gradients_one_baseline_with_its_batch_axis(keras):
    """A climatology passed as clim[None] (shape (1, ...)) is one baseline for every sample."""
    model = small_cnn(keras, 15, True)
    rng = np.random.default_rng(15)
    x = rng.random((3, 8, 8, 2)).astype(np.float32)
    clim = rng.random((8, 8, 2)).astype(np.float32)
    with_axis = xai4ess.explain(
        model, x, "integrated_gradients", target=1, reference_inputs=clim[None]
    )
    without = xai4ess.explain(model, x, "integrated_gradients", target=1, reference_inputs=clim)
    np.testing.assert_array_equal(with_axis, without)
