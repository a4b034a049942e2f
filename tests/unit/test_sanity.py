"""Tests of xai4ess.evaluate: numpy LRP (reference) against xai4ess.explain, and the randomisation test."""

from __future__ import annotations

import numpy as np
import pytest

import xai4ess
from xai4ess import evaluate
from xai4ess._env import tensorflow
from xai4ess.attribution import LRP_EPSILON
from xai4ess.evaluate import randomisation

tf = tensorflow()
keras = tf.keras


def _dense_net(sizes=(5, 6, 4, 3), bias=True, seed=0) -> keras.Model:
    rng = np.random.default_rng(seed)
    inp = keras.Input((sizes[0],))
    h = inp
    for k, n in enumerate(sizes[1:]):
        last = k == len(sizes) - 2
        h = keras.layers.Dense(
            n,
            activation=None if last else "relu",
            use_bias=bias,
            name="logits" if last else f"dense{k}",
        )(h)
    out = keras.layers.Activation("softmax", name="softmax")(h)
    model = keras.Model(inp, out)
    for layer in model.layers:
        if layer.weights:
            layer.set_weights(
                [
                    rng.normal(size=w.shape).astype(np.float32) * (0.3 if i else 1)
                    for i, w in enumerate(layer.get_weights())
                ]
            )
    return model


def test_lrp_step_by_hand():
    # two inputs, one neuron: z = (1*1, 2*-0.5) = (1, -1); z+ = 1, z- = -1
    a, w, r = np.array([1.0, 2.0]), np.array([[1.0], [-0.5]]), np.array([3.0])
    np.testing.assert_allclose(
        evaluate.lrp_step(a, w, r, rule="alpha_beta", alpha=1, beta=0), [3, 0]
    )
    np.testing.assert_allclose(
        evaluate.lrp_step(a, w, r, rule="alpha_beta", alpha=2, beta=1), [6, -3]
    )
    np.testing.assert_allclose(
        evaluate.lrp_step(a, w, r, rule="alpha_beta", alpha=2, beta=-1, convention="bach"), [6, -3]
    )
    # z rule: z_j = 0 -> no relevance passes (safe division); epsilon keeps it finite
    np.testing.assert_allclose(evaluate.lrp_step(a, w, r, rule="z"), [0, 0])
    eps = evaluate.lrp_step(a, w, r, rule="epsilon", epsilon=0.5)
    np.testing.assert_allclose(eps, [6, -6])
    with pytest.raises(ValueError, match="alpha - beta = 1"):
        evaluate.lrp_step(a, w, r, alpha=2, beta=-1)
    with pytest.raises(ValueError, match="alpha \\+ beta = 1"):
        evaluate.lrp_step(a, w, r, alpha=2, beta=1, convention="bach")


@pytest.mark.parametrize("alpha", [1.0, 1.5, 2.0, 3.0])
def test_conventions_agree_and_conserve(alpha):
    rng = np.random.default_rng(int(alpha * 10))
    a, w, r = rng.random(7), rng.normal(size=(7, 4)), rng.random(4)
    inn = evaluate.lrp_step(a, w, r, alpha=alpha, beta=alpha - 1)
    bach = evaluate.lrp_step(a, w, r, alpha=alpha, beta=1 - alpha, convention="bach")
    np.testing.assert_allclose(inn, bach, rtol=1e-12)
    # bias-free, every neuron has positive and negative parts: relevance is conserved
    assert inn.sum() == pytest.approx(r.sum(), rel=1e-10)
    if alpha == 1.0:
        assert np.all(inn >= 0)


@pytest.mark.parametrize("bias", [False, True])
@pytest.mark.parametrize(
    "method, rule",
    [
        ("lrp.z", {"rule": "z"}),
        ("lrp.epsilon", {"rule": "epsilon", "epsilon": LRP_EPSILON}),
        ("lrp.alpha_1_beta_0", {"rule": "alpha_beta", "alpha": 1, "beta": 0}),
        ("lrp.alpha_2_beta_1", {"rule": "alpha_beta", "alpha": 2, "beta": 1}),
    ],
)
def test_numpy_lrp_equals_explain(method, rule, bias):
    model = _dense_net(bias=bias, seed=3)
    x = np.random.default_rng(1).normal(size=(6, 5)).astype(np.float32)
    for target in (0, 2):
        got = xai4ess.explain(model, x, method, target=target)
        ref = evaluate.lrp_dense(model, x, target=target, **rule)
        np.testing.assert_allclose(got, ref, rtol=2e-4, atol=2e-5)


def test_bach_convention_matches_explain_alpha_beta_on_bias_free_net():
    model = _dense_net(bias=False, seed=4)
    x = np.random.default_rng(2).random((4, 5)).astype(np.float32)
    got = xai4ess.explain(model, x, "lrp.alpha_beta", target=1, alpha=3.0, beta=2.0)
    bach = evaluate.lrp_dense(
        model, x, target=1, rule="alpha_beta", alpha=3.0, beta=-2.0, convention="bach"
    )
    np.testing.assert_allclose(got, bach, rtol=2e-4, atol=2e-5)


# --------------------------------------------------------------------------- randomisation


def _cnn(seed=0) -> keras.Model:
    tf.keras.utils.set_random_seed(seed)
    inp = keras.Input((12, 12, 1))
    h = keras.layers.Conv2D(4, 3, padding="same", activation="relu", name="conv1")(inp)
    h = keras.layers.Conv2D(4, 3, padding="same", activation="relu", name="conv2")(h)
    h = keras.layers.Flatten(name="flatten")(h)
    h = keras.layers.Dense(8, activation="relu", name="dense")(h)
    h = keras.layers.Dense(2, name="logits")(h)
    out = keras.layers.Activation("softmax", name="softmax")(h)
    return keras.Model(inp, out)


def test_blocks():
    model = _cnn()
    assert evaluate.randomization_blocks(model) == [["logits"], ["dense"], ["conv2"], ["conv1"]]
    assert evaluate.randomization_blocks(model, 2) == [["logits", "dense"], ["conv2", "conv1"]]
    assert evaluate.randomization_blocks(model, ["logits", ["dense", "conv2"]]) == [
        ["logits"],
        ["dense", "conv2"],
    ]
    with pytest.raises(xai4ess.TargetError, match="conv9"):
        evaluate.randomization_blocks(model, ["conv9"])
    with pytest.raises(ValueError, match="between 1 and 4"):
        evaluate.randomization_blocks(model, 7)


def test_randomized_models_cascade_and_leave_the_model_alone():
    model = _cnn()
    before = [w.copy() for w in model.get_weights()]
    randomised_so_far = set()
    order = ["logits", "dense", "conv2", "conv1"]
    for k, (label, net) in enumerate(evaluate.randomized_models(model, seed=1)):
        if k:
            randomised_so_far.add(order[k - 1])
            assert label == order[k - 1]
        for layer in model.layers:
            if not layer.weights:
                continue
            same = all(
                np.array_equal(a, b)
                for a, b in zip(layer.get_weights(), net.get_layer(layer.name).get_weights())
            )
            assert same == (layer.name not in randomised_so_far), (label, layer.name)
    for a, b in zip(before, model.get_weights()):
        np.testing.assert_array_equal(a, b)
    # independent mode: only the current block differs
    for label, net in evaluate.randomized_models(model, seed=1, cascading=False):
        differ = {
            lay.name
            for lay in model.layers
            if lay.weights
            and not np.array_equal(lay.get_weights()[0], net.get_layer(lay.name).get_weights()[0])
        }
        assert differ == (set() if label == "trained" else {label})


def test_randomization_test_measures_change():
    model = _cnn()
    x = np.random.default_rng(0).random((3, 12, 12, 1)).astype(np.float32)

    # a fake "method" that ignores the model must keep similarity 1 at every stage
    def fake_explain(net, xx, method, target=None, **kw):
        if method == "input":
            return xx.copy()
        return xai4ess.explain(net, xx, method, target=target, **kw)

    df, maps = evaluate.randomization_test(
        model, x, ["input", "gradient"], seed=0, explain=fake_explain, return_maps=True
    )
    assert list(df.columns) == ["logits", "dense", "conv2", "conv1"]
    assert list(df.index) == ["input", "gradient"]
    np.testing.assert_allclose(df.loc["input"].to_numpy(), 1.0)
    # the gradient depends on all weights: after full randomisation little is left
    assert df.loc["gradient", "conv1"] < 0.5
    assert set(maps) == {"trained", "logits", "dense", "conv2", "conv1"}
    # the trained maps are those of the original model
    np.testing.assert_allclose(
        maps["trained"]["gradient"], xai4ess.explain(model, x, "gradient"), rtol=1e-5, atol=1e-7
    )

    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig = xai4ess.plot.randomization_figure(maps, x, sample=1)
    assert len(fig.axes) == 2 * 6
    plt.close(fig)


def test_randomization_test_identity_randomisation_gives_one(monkeypatch):
    # if "random" weights equal the trained ones, every similarity must be exactly 1
    model = _cnn()
    x = np.random.default_rng(1).random((2, 12, 12, 1)).astype(np.float32)
    monkeypatch.setattr(
        randomisation, "_random_weights", lambda layer, rng, draw: layer.get_weights()
    )
    df = evaluate.randomization_test(model, x, ["gradient", "lrp.epsilon"], blocks=2)
    np.testing.assert_allclose(df.to_numpy(), 1.0, atol=1e-9)


def test_in_place_randomisation_equals_clone_and_restores_weights():
    model = _cnn()
    x = np.random.default_rng(2).random((2, 12, 12, 1)).astype(np.float32)
    before = [w.copy() for w in model.get_weights()]
    methods = ["gradient", "lrp.alpha_1_beta_0"]
    a = evaluate.randomization_test(model, x, methods, blocks=2, seed=5)
    b = evaluate.randomization_test(model, x, methods, blocks=2, seed=5, copy=False)
    np.testing.assert_allclose(a.to_numpy(), b.to_numpy(), rtol=1e-6)
    for w0, w1 in zip(before, model.get_weights()):
        np.testing.assert_array_equal(w0, w1)

    # an error half-way must not leave the model randomised
    calls = []

    def failing(net, xx, method, target=None, **kw):
        calls.append(method)
        if len(calls) == 3:
            raise RuntimeError("boom")
        return xai4ess.explain(net, xx, method, target=target, **kw)

    with pytest.raises(RuntimeError, match="boom"):
        evaluate.randomization_test(model, x, methods, copy=False, explain=failing)
    for w0, w1 in zip(before, model.get_weights()):
        np.testing.assert_array_equal(w0, w1)


def test_constant_randomised_map_counts_as_zero_similarity():
    def sim(a, b, kind):
        return evaluate.similarity(a, b, kind, constant=0.0)[0]

    assert sim(np.arange(5.0), np.zeros(5), "spearman") == 0.0
    assert np.isnan(sim(np.zeros(5), np.arange(5.0), "spearman"))
    assert np.isnan(evaluate.similarity(np.arange(5.0), np.zeros(5), "spearman")[0])  # default
    assert sim(np.arange(5.0), np.arange(5.0) ** 3, "spearman") == pytest.approx(1)
    assert sim(np.arange(5.0), np.arange(5.0) ** 3, "pearson") < 0.99
