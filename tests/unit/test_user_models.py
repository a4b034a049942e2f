"""explain on Keras models built as users build them, each in a fresh process.

Auto-named layers collide with names Keras hands out later in the same
process, so each architecture is built and explained in its own subprocess
(``_user_zoo.py``), two at a time. For every model: LRP-0 (``lrp.z``) equals
input x gradient of the pre-activation score (plain ``GradientTape``; exact for
affine layers incl. BatchNormalization at inference, ReLU, max pooling, Add,
Concatenate, biases included), every method of ``xai4ess.methods()`` runs or
raises an xai4ess error, and where iNNvestigate analyses the model directly its
maps equal ours (a further process with eager execution disabled).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np
import pytest

from . import _user_zoo as zoo

ROOT = Path(__file__).resolve().parents[2]
WORKER = Path(__file__).with_name("_user_zoo.py")
ARCHS = [
    "cnn",
    "bn_relu",
    "residual",
    "resnet_bn",
    "unet",
    "gap_head",
    "conv1d",
    "sigmoid",
    "leaky_softmax",
    "seq_batch3",
    "nested",
]
SAVED = ["saved_build", "saved_h5", "saved_keras", "saved_tf"]
# What must work (not only "raise a clear error") on every architecture above.
INNVESTIGATE = [
    "gradient",
    "input_t_gradient",
    "smoothgrad",
    "integrated_gradients",
    "guided_backprop",
    "deep_taylor",
    "lrp.z",
    "lrp.epsilon",
    "lrp.alpha_1_beta_0",
    "lrp.alpha_2_beta_1",
    "lrp.alpha_beta",
    "lrp.sequential_preset_a",
]
EAGER = ["gradcam", "tfx.vanilla_gradients", "tfx.integrated_gradients", "tfx.gradients_inputs"]
# iNNvestigate's own checks refuse these (the reference test sees iNNvestigate refuse them too).
REFUSED = {"leaky_softmax": {"guided_backprop", "deep_taylor", "lrp.sequential_preset_a"}}


def _worker(*args: str) -> None:
    env = {**os.environ, "PYTHONPATH": str(ROOT), "TF_CPP_MIN_LOG_LEVEL": "3"}
    proc = subprocess.run(
        [sys.executable, str(WORKER), *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert proc.returncode == 0, f"worker {args[0]} failed:\n{proc.stderr[-4000:]}"


@pytest.fixture(scope="module")
def zoo_dir(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("user_zoo")
    jobs = [*ARCHS, "recurrent", "multi"]
    with ThreadPoolExecutor(max_workers=2) as pool:
        saved = pool.submit(
            lambda: (_worker("saved_build", str(out)), _worker("saved_load", str(out)))
        )
        list(pool.map(lambda arch: _worker(arch, str(out)), jobs))
        saved.result()
    _worker("--reference", str(out), *zoo.REFERENCE_ARCHS)
    return out


def _result(zoo_dir: Path, tag: str) -> dict:
    return json.loads((zoo_dir / f"{tag}.json").read_text())


# LeakyReLU is the exception: iNNvestigate's LRP multiplies the relevance by its slope
# (gradient rule for activation layers), so LRP-0 is not input x gradient there; that
# model is compared with iNNvestigate itself below.
IDENTITY = [a for a in ARCHS if a != "leaky_softmax"] + SAVED


@pytest.mark.parametrize("tag", IDENTITY)
def test_lrp_z_equals_input_times_gradient(zoo_dir, tag):
    res = _result(zoo_dir, tag)
    assert res["ixg_scale"] > 0
    assert res["lrp_z_rel_error"] <= 1e-5, res["lrp_z_rel_error"]


@pytest.mark.parametrize("tag", ARCHS + SAVED)
def test_every_method_runs_or_raises_a_clear_error(zoo_dir, tag):
    methods = _result(zoo_dir, tag)["methods"]
    raw = {m: v for m, (kind, v) in methods.items() if kind == "raw"}
    assert not raw, f"raw exceptions on {tag}: {raw}"
    must_work = [m for m in INNVESTIGATE + EAGER if m not in REFUSED.get(tag, ())]
    failed = {m: methods[m][1] for m in must_work if methods[m][0] != "ok"}
    assert not failed, f"{tag}: {failed}"


@pytest.mark.parametrize("tag", zoo.REFERENCE_ARCHS)
def test_equal_to_innvestigate_with_eager_disabled(zoo_dir, tag):
    ours = np.load(zoo_dir / f"{tag}.npz")
    ref = np.load(zoo_dir / f"{tag}.reference.npz")
    assert len(ref.files) >= 3, ref.files
    for name, _ in zoo.REFERENCE_METHODS:
        if name not in ref.files:  # iNNvestigate refuses the model: so must we
            assert f"map:ref:{name}" not in ours.files, name
            continue
        a, b = ours[f"map:ref:{name}"], ref[name]
        scale = max(np.abs(b).max(), 1e-12)
        assert np.abs(a - b).max() <= 1e-5 * scale, f"{tag} {name}: {np.abs(a - b).max()}"


def test_models_loaded_from_every_format_give_the_same_maps(zoo_dir):
    built = np.load(zoo_dir / "saved_build.npz")
    for tag in SAVED[1:]:
        loaded = np.load(zoo_dir / f"{tag}.npz")
        for key in built.files:
            if key.startswith("map:"):
                np.testing.assert_allclose(loaded[key], built[key], rtol=0, atol=1e-6, err_msg=key)


def test_sequential_of_any_build_history(zoo_dir):
    res = _result(zoo_dir, "seq_batch3")  # built on a batch of 3, explained for 7
    assert all(kind == "ok" for kind, _ in res["methods"].values() if kind != "xai4ess")
    kind, message = res["unbuilt"]
    assert kind == "xai4ess" and "build it first" in message, message


def test_gradcam_inside_a_nested_backbone(zoo_dir):
    res = _result(zoo_dir, "nested")
    assert res["gradcam_layer"].startswith("conv2d")
    assert res["gradcam_vs_flat"] <= 1e-6


def test_gradcam_equals_tf_explain(zoo_dir):
    assert _result(zoo_dir, "cnn")["gradcam_vs_tfexplain"] <= 1e-5


def test_recurrent_models_get_working_suggestions(zoo_dir):
    from xai4ess._backend import RECURRENT_METHODS  # noqa: PLC0415 - imports TensorFlow

    res = _result(zoo_dir, "recurrent")
    for name in ("lstm", "convlstm"):
        outcomes = res[name]
        raw = {m: v for m, (kind, v) in outcomes.items() if kind == "raw"}
        assert not raw, f"{name}: {raw}"
        for method in RECURRENT_METHODS:
            assert outcomes[method][0] == "ok", (name, method, outcomes[method])
        for method, (kind, message) in outcomes.items():
            if kind == "xai4ess" and method in INNVESTIGATE:
                assert all(m in message for m in RECURRENT_METHODS), message
    kind, message = res["convlstm"]["gradcam"]
    assert kind == "xai4ess" and "conv_lstm2d" in message, message
    for name in ("lstm", "convlstm"):  # Grad-CAM's error suggests methods that work here
        kind, message = res[name]["gradcam"]
        assert kind == "xai4ess" and all(m in message for m in RECURRENT_METHODS), message


def test_multi_input_and_multi_output_backend(zoo_dir):
    res = _result(zoo_dir, "multi")
    assert res["output_names"] == ["precip", "temp"]
    for output, checks in res["checks"].items():
        assert checks["same_object_again"], output
        assert checks["n_relevance"] == 2 and checks["shapes_ok"], output
        assert max(checks["lrp_z_rel_error"]) <= 1e-5, (output, checks["lrp_z_rel_error"])
        assert min(checks["ixg_scales"]) > 0, output
        assert max(checks["ig_rel_error"]) <= 1e-5, (output, checks["ig_rel_error"])
        failed = {m: v for m, v in checks["methods"].items() if v[0] != "ok"}
        assert not failed, (output, failed)
    for case, (kind, message) in res["errors"].items():
        assert kind == "xai4ess", (case, message)
        if case != "both":
            assert "'precip'" in message and "'temp'" in message, message


# ---------------------------------------------------------------------------
# in-process checks of the backend helpers
# ---------------------------------------------------------------------------
def test_clone_ignores_user_names_and_keras_counters(keras, tf):
    """User names that Keras or iNNvestigate would hand out, and one of ours, change nothing."""
    import xai4ess

    keras.utils.set_random_seed(3)
    inp = keras.Input((6, 6, 1), name="input_1")
    h = keras.layers.Conv2D(2, 3, activation="relu", name="conv2d")(inp)
    r = keras.layers.Conv2D(2, 3, padding="same", name="xai4ess_0")(h)
    h = keras.layers.Add(name="add")([h, r])
    h = keras.layers.ReLU(name="activation")(h)
    h = keras.layers.Flatten(name="dense")(h)
    model = keras.Model(inp, keras.layers.Dense(2, activation="softmax", name="dense_1")(h))
    x = np.random.default_rng(3).normal(size=(4, 6, 6, 1)).astype(np.float32)
    targets = np.array([0, 1, 1, 0])
    ixg = zoo.input_times_gradient(model, x, targets, keras, tf)
    lrp = xai4ess.explain(model, x, "lrp.z", target=targets)
    assert np.abs(lrp - ixg).max() <= 1e-5 * np.abs(ixg).max()


def test_output_activation_and_score_model(keras, tf):
    from xai4ess import _backend

    L = keras.layers
    inp = keras.Input((3,))
    dense_softmax = keras.Model(inp, L.Dense(2, activation="softmax")(inp))
    separate_sigmoid = keras.Model(inp, L.Activation("sigmoid")(L.Dense(1)(inp)))
    linear = keras.Model(inp, L.Dense(2)(inp))
    nested = keras.Model(inp, dense_softmax(inp))
    assert _backend.output_activation(dense_softmax) == "softmax"
    assert _backend.output_activation(separate_sigmoid) == "sigmoid"
    assert _backend.output_activation(linear) is None
    assert _backend.output_activation(nested) == "softmax"
    assert _backend.has_softmax(nested) and not _backend.has_softmax(separate_sigmoid)
    x = np.random.default_rng(0).normal(size=(5, 3)).astype(np.float32)
    for model, inverse in (
        (dense_softmax, lambda p: np.log(p)),  # logits up to a constant per row
        (separate_sigmoid, lambda p: np.log(p / (1 - p))),
        (nested, lambda p: np.log(p)),
    ):
        scores = np.asarray(_backend.score_model(model)(x))
        expected = inverse(np.asarray(model(x)))
        diff = (scores - scores.mean(1, keepdims=True)) - (
            expected - expected.mean(1, keepdims=True)
        )
        if scores.shape[1] == 1:
            diff = scores - expected
        assert np.abs(diff).max() < 1e-4
        assert _backend.score_model(model, keep_output_activation=True) is model


def test_keep_output_activation_explains_the_probability(keras, tf):
    """gradient with keep_output_activation=True is the gradient of p (plain tape)."""
    from xai4ess import _backend

    keras.utils.set_random_seed(5)
    inp = keras.Input((4,))
    h = keras.layers.Dense(5, activation="relu")(inp)
    model = keras.Model(inp, keras.layers.Dense(1, activation="sigmoid")(h))
    x = np.random.default_rng(5).normal(size=(6, 4)).astype(np.float32)
    xt = tf.constant(x)
    with tf.GradientTape() as tape:
        tape.watch(xt)
        p = model(xt)[:, 0]
    expected = tape.gradient(p, xt).numpy()
    idx = np.zeros(6, dtype=int)
    kept = _backend.innvestigate_analyze(
        model, x, "gradient", "gradient", {}, idx, keep_output_activation=True
    )
    logit = _backend.innvestigate_analyze(model, x, "gradient", "gradient", {}, idx)
    np.testing.assert_allclose(kept, expected, rtol=1e-5, atol=1e-7)
    assert np.abs(logit - kept).max() > 1e-3  # the default explains the logit


def test_batchnorm_over_a_non_channel_axis_is_refused(keras):
    import xai4ess
    from xai4ess.errors import UnsupportedModelError

    inp = keras.Input((4, 4, 2))
    h = keras.layers.BatchNormalization(axis=1, name="bn_rows")(inp)
    model = keras.Model(inp, keras.layers.Dense(2)(keras.layers.Flatten()(h)))
    with pytest.raises(UnsupportedModelError, match="bn_rows"):
        xai4ess.explain(model, np.ones((1, 4, 4, 2), np.float32), "lrp.epsilon", target=0)
