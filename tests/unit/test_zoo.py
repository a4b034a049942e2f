"""Tests of the heatmap-zoo chapter's hand computation, its exercise checks and its widget."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

import xai4ess
from xai4ess import evaluate
from xai4ess.exercises import _zoo as ex

CHAPTER = Path(__file__).resolve().parents[2] / "chapters" / "03_heatmap_zoo.md"


def _hand_cells() -> dict:
    """Execute the chapter's cells tagged ``hand-lrp`` (pure numpy) and return their namespace."""
    import jupytext

    nb = jupytext.read(CHAPTER)
    cells = [
        c for c in nb.cells if c.cell_type == "code" and "hand-lrp" in c.metadata.get("tags", [])
    ]
    assert len(cells) >= 3, "the chapter's hand computation cells (tag hand-lrp) are missing"
    namespace = {"np": np, "print": lambda *a, **k: None}
    for cell in cells:
        exec(compile(cell.source, f"{CHAPTER.name}:hand-lrp", "exec"), namespace)
    return namespace


def test_chapter_hand_computation_equals_explain():
    ns = _hand_cells()
    tiny = evaluate.dense_network([ns["W1"], ns["W2"]])
    X = ns["x"][None].astype("float32")
    pairs = {
        "lrp.z": ns["R_input_z"],
        "lrp.alpha_1_beta_0": ns["R_input_a1b0"],
        "lrp.alpha_2_beta_1": ns["R_input_a2b1"],
    }
    for method, by_hand in pairs.items():
        np.testing.assert_allclose(
            xai4ess.explain(tiny, X, method)[0], by_hand, rtol=1e-5, atol=1e-6, err_msg=method
        )
    # the lecture's convention (beta = 1 - alpha, '+beta') gives the same map as alpha=2, beta=1
    np.testing.assert_allclose(ns["R_input_lecture"], ns["R_input_a2b1"], rtol=1e-12)
    # and the numbers the chapter's text quotes
    np.testing.assert_allclose(ns["R_input_z"], [2.25, 1.0, -2.25])
    np.testing.assert_allclose(ns["R_input_a1b0"], [0.5, 0.5, 0.0])
    np.testing.assert_allclose(ns["R_input_a2b1"], [3.0, 0.4, -2.4])
    np.testing.assert_allclose(float(ns["y"][0]), 1.0)


def test_alpha_beta_exercise_check():
    assert not ex.check_alpha_beta_step(...)
    assert ex.check_alpha_beta_step([-1.25, 0.1, 4.65])  # worked out by hand in the solution
    wrong_sign = ex.check_alpha_beta_step([-0.25, 3.1, 3.65])
    assert not wrong_sign
    assert "add up" in wrong_sign.message
    close = ex.check_alpha_beta_step([-1.25, 0.2, 4.55])  # conserves but is wrong
    assert not close and "4.65" not in close.message and "-1.25" not in close.message
    assert not ex.check_alpha_beta_step("abc")


def test_survivors_check():
    import pandas as pd

    table = pd.DataFrame(
        {"logits": [0.1, 0.9, 0.95], "conv1": [0.05, 0.2, 0.8]},
        index=["gradient", "lrp.alpha_1_beta_0", "guided_backprop"],
    )
    assert ex.check_survivors(["guided_backprop"], table)
    assert not ex.check_survivors(["guided_backprop", "gradient"], table)
    assert not ex.check_survivors([], table)
    assert ex.check_survivors(["lrp.alpha_1_beta_0", "guided_backprop"], table, column="logits")
    assert not ex.check_survivors(["nonsense"], table)
    assert not ex.check_survivors(..., table)


def _toy_tag_model():
    from xai4ess._env import tensorflow

    keras = tensorflow().keras
    inp = keras.Input((8, 8, 3))
    out = keras.layers.Conv2D(3, 1, use_bias=False, name="conv")(inp)
    model = keras.Model(inp, out)
    model.get_layer("conv").set_weights([np.eye(3, dtype=np.float32).reshape(1, 1, 3, 3)])
    rng = np.random.default_rng(0)
    x = 0.1 * rng.random((6, 8, 8, 3)).astype(np.float32)
    mask = np.zeros((6, 8, 8), bool)
    mask[:, -2:, :2] = True
    x[:, -2:, :2, 2] = 1.0  # the "tag" is blue
    return model, x, mask


def test_tag_neuron_check():
    model, x, mask = _toy_tag_model()
    assert ex.check_tag_neuron(2, model, x, mask, layer="conv")
    assert not ex.check_tag_neuron(0, model, x, mask, layer="conv")
    assert not ex.check_tag_neuron(7, model, x, mask, layer="conv")
    assert not ex.check_tag_neuron(..., model, x, mask, layer="conv")


def test_alpha_widget_and_figure():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from xai4ess._env import tensorflow

    keras = tensorflow().keras
    keras.utils.set_random_seed(0)
    inp = keras.Input((10, 10, 3))
    h = keras.layers.Conv2D(4, 3, activation="relu", name="conv1")(inp)
    h = keras.layers.Flatten()(h)
    h = keras.layers.Dense(2, name="logits")(h)
    model = keras.Model(inp, keras.layers.Activation("softmax", name="softmax")(h))
    x = np.random.default_rng(0).random((2, 10, 10, 3)).astype(np.float32)
    # the widget uses the named presets for alpha = 1 and 2: they must be the same rule
    for alpha, named in ((1.0, "lrp.alpha_1_beta_0"), (2.0, "lrp.alpha_2_beta_1")):
        np.testing.assert_allclose(
            xai4ess.explain(model, x, "lrp.alpha_beta", alpha=alpha, beta=alpha - 1),
            xai4ess.explain(model, x, named),
            rtol=1e-5,
            atol=1e-7,
        )
    fig = xai4ess.widgets.alpha_figure(model, x, alphas=(1.0, 2.0))
    assert len(fig.axes) == 2 * 3
    plt.close(fig)
    w = xai4ess.widgets.alpha_demo(
        model, x, methods=("lrp.alpha_beta", "gradient"), alphas=(1.0, 2.0)
    )
    import ipywidgets

    assert isinstance(w, ipywidgets.Widget)
    image, method = w.children[0].children
    alpha = w.children[1]
    alpha.value = 2.0  # redraws with alpha=2, beta=1
    method.value = "gradient"
    assert alpha.disabled  # the slider only applies to lrp.alpha_beta
    image.value = 1
    method.value = "lrp.alpha_beta"
    assert not alpha.disabled
    plt.close("all")


def test_negative_share():
    from xai4ess.widgets._zoo import _negative_share

    assert _negative_share(np.array([1.0, -1.0])) == pytest.approx(0.5)
    assert _negative_share(np.array([1.0, 0.0])) == 0.0
    assert _negative_share(np.zeros(3)) == 0.0
