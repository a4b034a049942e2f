"""Keras 3 models: from_keras3 (exact forward outputs, LRP = numpy reference) and the
clear error when tf.keras is already Keras 3. The Keras 3 tests need the `keras`
package at version 3 (the modern stacks, `make test-modern`); the pinned stack has
Keras 2.14 and skips them."""

from __future__ import annotations

import os
import subprocess
import sys
import types

import numpy as np
import pytest

import xai4ess  # noqa: F401  (first: sets TF_USE_LEGACY_KERAS before TensorFlow)
from xai4ess import _env
from xai4ess.errors import KerasVersionError, UnsupportedModelError
from xai4ess.keras3 import from_keras3, is_keras3_model, supported_layers

from .test_explain import RULES, assert_matches_numpy


def _keras3():
    try:
        import keras
    except ImportError:
        return None
    return keras if keras.__version__.startswith("3") else None


K3 = _keras3()
needs_keras3 = pytest.mark.skipif(
    K3 is None,
    reason="Keras 3 is absent on this stack (the pinned stack has Keras 2.14); "
    "these tests run on the Python 3.12/3.13 stacks: make test-modern",
)


def _randomise(model, seed: int) -> None:
    """Random weights everywhere, BatchNormalization statistics included (var > 0)."""
    rng = np.random.default_rng(seed)
    for layer in model.layers:
        ws = layer.get_weights()
        if not ws:
            continue
        new = [rng.normal(scale=0.4, size=w.shape).astype(w.dtype) for w in ws]
        if type(layer).__name__ == "BatchNormalization":
            new[-1] = rng.uniform(0.5, 2.0, size=ws[-1].shape).astype(ws[-1].dtype)
        layer.set_weights(new)


def _assert_same(m3, x) -> None:
    m2 = from_keras3(m3)
    assert not is_keras3_model(m2)
    xs = x if isinstance(x, list) else [x]
    y3 = np.asarray(m3(xs if len(xs) > 1 else xs[0], training=False))
    y2 = m2.predict(xs if len(xs) > 1 else xs[0], verbose=0)
    assert y2.shape == y3.shape
    diff = np.abs(y2 - y3).max()
    assert diff <= 1e-6, f"max |tf-keras - Keras 3| = {diff}"
    assert np.abs(y3).max() > 1e-3  # the comparison is not between zeros
    return m2


def cnn2d(k, seed=0):
    """Every listed 2D layer: conv, BN, activations, pooling, merges, upsampling, dropout."""
    L = k.layers
    inp = k.Input((16, 16, 3), name="scene")
    a = L.Conv2D(6, 3, padding="same", activation="relu", name="c1")(inp)
    a = L.BatchNormalization(name="bn")(a)
    a = L.Activation("tanh", name="act")(a)
    b = L.Conv2D(6, 3, padding="same", name="c2")(inp)
    b = L.LeakyReLU(negative_slope=0.2, name="leaky")(b)
    s = L.Add(name="add")([a, b])
    s = L.ReLU(name="relu")(s)
    c = L.Concatenate(name="concat")([s, L.ReLU(max_value=1.0, name="relu6ish")(b)])
    c = L.MaxPooling2D(2, name="maxpool")(c)
    c = L.UpSampling2D(2, name="up")(c)
    c = L.AveragePooling2D(2, name="avgpool")(c)
    c = L.Dropout(0.3, name="drop")(c)
    g = L.Concatenate(name="gconcat")(
        [L.GlobalAveragePooling2D(name="gap")(c), L.GlobalMaxPooling2D(name="gmp")(c)]
    )
    f = L.Flatten(name="flat")(L.Conv2D(2, 3, strides=2, name="c3")(c))
    h = L.Concatenate(name="heads")([g, f])
    h = L.Dense(8, activation="relu", name="d1")(h)
    h = L.Dense(3, name="logits")(h)
    out = L.Softmax(name="softmax")(h)
    model = k.Model(inp, out, name="cnn2d")
    _randomise(model, seed)
    return model


def cnn1d(k, seed=1):
    L = k.layers
    inp = k.Input((32, 2), name="series")
    h = L.Conv1D(4, 5, padding="causal", activation="relu", name="c1")(inp)
    h = L.MaxPooling1D(2, name="p1")(h)
    h = L.Conv1D(4, 3, dilation_rate=2, name="c2")(h)
    h = L.ReLU(name="r2")(h)
    h = L.AveragePooling1D(2, name="p2")(h)
    h = L.Concatenate(name="cat")(
        [L.GlobalAveragePooling1D(name="gap")(h), L.GlobalMaxPooling1D(name="gmp")(h)]
    )
    out = L.Dense(1, name="out")(h)
    model = k.Model(inp, out)
    _randomise(model, seed)
    return model


@needs_keras3
def test_is_keras3_model():
    model = cnn1d(K3)
    assert is_keras3_model(model)
    assert not is_keras3_model(from_keras3(model))
    assert not is_keras3_model(np.zeros(3))


@needs_keras3
def test_round_trip_2d_layers():
    x = np.random.default_rng(0).normal(size=(5, 16, 16, 3)).astype(np.float32)
    m3 = cnn2d(K3)
    m2 = _assert_same(m3, x)
    names3 = [layer.name for layer in m3.layers]
    assert [layer.name for layer in m2.layers] == names3
    kinds = {layer.name: type(layer).__name__ for layer in m2.layers}
    assert kinds["relu"] == "Activation" and kinds["softmax"] == "Activation"
    assert kinds["relu6ish"] == "ReLU"


@needs_keras3
def test_round_trip_1d_layers():
    x = np.random.default_rng(1).normal(size=(6, 32, 2)).astype(np.float32)
    _assert_same(cnn1d(K3), x)


@needs_keras3
def test_round_trip_sequential_and_two_inputs():
    L = K3.layers
    seq = K3.Sequential(
        [K3.Input((8, 8, 1)), L.Conv2D(3, 3), L.ReLU(), L.Flatten(), L.Dense(2)], name="seq"
    )
    _randomise(seq, 2)
    _assert_same(seq, np.random.default_rng(2).normal(size=(4, 8, 8, 1)).astype(np.float32))

    a, b = K3.Input((4,), name="a"), K3.Input((4,), name="b")
    out = L.Dense(2, name="d")(L.Add(name="sum")([L.Dense(4)(a), b]))
    two = K3.Model([a, b], out)
    _randomise(two, 3)
    rng = np.random.default_rng(3)
    _assert_same(two, [rng.normal(size=(3, 4)).astype("f4"), rng.normal(size=(3, 4)).astype("f4")])


@needs_keras3
@pytest.mark.parametrize("activation", ["relu", "sigmoid", "tanh", "softmax", "elu", "gelu"])
def test_round_trip_activations(activation):
    inp = K3.Input((5,))
    model = K3.Model(inp, K3.layers.Dense(4, activation=activation)(inp))
    _randomise(model, 4)
    _assert_same(model, np.random.default_rng(4).normal(size=(7, 5)).astype(np.float32))


@needs_keras3
def test_unsupported_layer_is_named():
    inp = K3.Input((6, 3))
    h = K3.layers.LSTM(4, name="my_lstm")(inp)
    model = K3.Model(inp, K3.layers.Dense(1)(h))
    with pytest.raises(UnsupportedModelError, match="'my_lstm' of type LSTM"):
        from_keras3(model)
    inp = K3.Input((3,))
    model = K3.Model(inp, K3.layers.Dense(2, activation="hard_sigmoid", name="hs")(inp))
    with pytest.raises(UnsupportedModelError, match="'hs'.*hard_sigmoid"):
        from_keras3(model)


@needs_keras3
def test_sequential_without_input_shape():
    model = K3.Sequential([K3.layers.Dense(2)])
    with pytest.raises(UnsupportedModelError, match="no input shape"):
        from_keras3(model)


def test_not_a_keras_model():
    with pytest.raises(UnsupportedModelError, match="needs a Keras 3 model"):
        from_keras3("model")
    assert "Conv1D" in supported_layers() and "UpSampling2D" in supported_layers()


def small_cnn3(k, seed: int, bias: bool, in_shape=(8, 8, 2)):
    """test_explain.small_cnn, written in Keras 3 (Softmax layer instead of Activation)."""
    L = k.layers
    init_b = "random_normal" if bias else "zeros"
    k.utils.set_random_seed(seed)
    inp = k.Input(in_shape, name="image")
    h = L.Conv2D(3, 3, activation="relu", use_bias=bias, bias_initializer=init_b)(inp)
    h = L.MaxPooling2D(2)(h)
    h = L.Flatten()(h)
    h = L.Dense(8, activation="relu", use_bias=bias, bias_initializer=init_b)(h)
    h = L.Dense(3, use_bias=bias, bias_initializer=init_b, name="logits")(h)
    return k.Model(inp, L.Softmax(name="softmax")(h))


@needs_keras3
@pytest.mark.parametrize("bias", [False, True])
@pytest.mark.parametrize("method,rule,kw", RULES)
def test_explain_converted_model_equals_numpy_lrp(method, rule, kw, bias):
    in_shape = (8, 8, 2)
    m2 = from_keras3(small_cnn3(K3, 5, bias, in_shape))
    x = np.random.default_rng(5).normal(size=(4, *in_shape)).astype(np.float32)
    assert_matches_numpy(m2, x, np.array([0, 1, 2, 1]), method, rule, kw, bias)


# --- the error when tf.keras is already Keras 3 ---------------------------------------


def test_keras3_loaded_logic(monkeypatch):
    """The decision, on fake TensorFlow modules (runs on every stack)."""

    def fake(legacy, resolved):
        tf = types.ModuleType("tensorflow")
        if legacy is not None:
            tf._tf_uses_legacy_keras = legacy
        loader = types.ModuleType("keras_loader")
        if resolved is not None:
            loader._tfll_keras_version = resolved
        tf.keras = loader
        return tf

    monkeypatch.delitem(sys.modules, "tensorflow", raising=False)
    assert not _env.keras3_loaded()
    cases = [
        ((None, None), False),  # TensorFlow <= 2.15
        ((True, None), False),  # flag set in time, tf.keras not yet resolved
        ((True, "tf_keras"), False),
        ((False, None), True),  # TensorFlow imported without the flag
        ((False, "tf_keras"), True),  # flag set too late: tensorflow.__path__ has Keras 3
        ((True, "keras_3"), True),
        ((False, "keras_3"), True),
    ]
    for (legacy, resolved), expected in cases:
        monkeypatch.setitem(sys.modules, "tensorflow", fake(legacy, resolved))
        assert _env.keras3_loaded() is expected, (legacy, resolved)
        if expected:
            with pytest.raises(KerasVersionError, match="Restart the kernel"):
                _env.check_keras()


def _run(code: str) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k != "TF_USE_LEGACY_KERAS"}
    env["TF_CPP_MIN_LOG_LEVEL"] = "3"
    return subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=300
    )


@needs_keras3
def test_error_when_tensorflow_came_first():
    result = _run("import tensorflow as tf; tf.keras.layers.Dense; import xai4ess")
    assert result.returncode != 0
    assert "KerasVersionError" in result.stderr
    assert "Restart the kernel" in result.stderr and "TF_USE_LEGACY_KERAS" in result.stderr


@needs_keras3
def test_keras3_model_explained_when_xai4ess_came_first():
    """The supported order: xai4ess, then Keras 3; its model converts and is explained."""
    code = (
        "import numpy as np, xai4ess\n"
        "import keras\n"
        "from xai4ess.keras3 import from_keras3\n"
        "inp = keras.Input((4,)); out = keras.layers.Dense(2, use_bias=False)(inp)\n"
        "m = from_keras3(keras.Model(inp, out))\n"
        "x = np.ones((1, 4), 'f4')\n"
        "r = xai4ess.explain(m, x, 'lrp.z', target=0)\n"
        "assert abs(r.sum() - m.predict(x, verbose=0)[0, 0]) < 1e-5\n"
        "print('ok', keras.__version__)\n"
    )
    result = _run(code)
    assert result.returncode == 0, result.stderr[-2000:]
    assert result.stdout.startswith("ok 3.")


@needs_keras3
def test_explain_takes_a_keras3_model_directly():
    """explain converts a Keras 3 model itself (cached) and equals explain on the conversion."""
    in_shape = (8, 8, 2)
    m3 = small_cnn3(K3, 5, True, in_shape)
    x = np.random.default_rng(6).normal(size=(3, *in_shape)).astype(np.float32)
    direct = xai4ess.explain(m3, x, "lrp.z", target=1)
    converted = xai4ess.explain(from_keras3(m3), x, "lrp.z", target=1)
    np.testing.assert_allclose(direct, converted, rtol=1e-6, atol=1e-7)
    # the cache follows the weights: new weights, new conversion
    m3.set_weights([w * 2 for w in m3.get_weights()])
    again = xai4ess.explain(m3, x, "lrp.z", target=1)
    assert not np.allclose(again, direct)
