"""Receptive fields: figures, the builder widget and the exercise checks."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402

import xai4ess  # noqa: E402
from xai4ess import rf  # noqa: E402
from xai4ess.exercises import check_mcs_design, check_rf  # noqa: E402


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


def _white(fig) -> bool:
    return matplotlib.colors.to_rgba(fig.get_facecolor()) == (1.0, 1.0, 1.0, 1.0)


def test_rf_boxes_and_erf_panels():
    boxes = {"a": ((100, 137), (100, 137)), "b": ((96, 141), (96, 141))}
    fig = xai4ess.plot.rf_boxes(boxes, pixel_km=2.0)
    assert _white(fig)
    ax = fig.axes[0]
    assert len(ax.patches) >= 2 and ax.get_xlabel() and ax.get_ylabel()
    labels = [t.get_text() for t in ax.get_legend().get_texts()]
    assert any("38×38 px = 76×76 km" in t for t in labels)
    erf = {"a": np.random.default_rng(0).random((256, 256))}
    fig = xai4ess.plot.rf_boxes(boxes, erf=erf, zoom=True)
    assert len(fig.axes) == 2  # one panel and its colour bar
    with pytest.raises(ValueError):
        xai4ess.plot.rf_boxes({})


def test_growth_profiles_and_size_map():
    fig = xai4ess.plot.rf_growth(["c1", "p1"], [3, 4], [3, 4], pixel_km=2.0, phenomena={"cell": 10})
    assert _white(fig) and "km" in fig.axes[0].get_ylabel()
    cols = np.arange(64)
    e = np.exp(-((cols - 32.0) ** 2) / 40)[None, :] * np.ones((64, 1))
    fig = xai4ess.plot.erf_profiles({"x": e}, {"x": ((20, 44), (20, 44))})
    assert _white(fig)
    sizes = rf.box_sizes(["pool2", "pool2", "up2", "up2", "conv3"], -1, range(8), range(8))
    assert set(np.unique(sizes)) == {4, 8}
    fig = xai4ess.plot.rf_size_map(sizes, range(8), range(8))
    assert _white(fig)


def test_builder_figure_and_widget():
    fig = xai4ess.widgets.rf_builder_figure()
    assert _white(fig) and len(fig.axes) == 2
    assert "108 km" in fig.axes[1].get_title()  # 54 px at 2 km, the GOES network's output
    w = xai4ess.widgets.rf_builder(["conv3"], pixel_km=0.5)
    buttons = w.children[0].children
    text = w.children[2]
    assert "conv3" in text.value
    buttons[1].click()  # add (default: conv 3x3)
    assert text.value.count("conv3") == 2
    buttons[2].click()  # remove last
    buttons[2].click()
    assert "no layers" in text.value
    buttons[3].click()  # reset
    assert text.value.count("conv3") == 1
    with pytest.raises(ValueError):
        xai4ess.widgets.rf_builder_figure([])


def test_check_rf_feedback_never_reveals_the_answer():
    layers = ["conv5", "pool2", "conv3", "conv3", "pool2", "conv3"]
    assert check_rf(24, layers)
    assert check_rf((24, 24), layers)
    wrong = check_rf(20, layers)
    assert not wrong and "24" not in wrong.message and "too small" in wrong.message
    assert not check_rf(..., layers)
    assert check_rf(4, ["pool2", "pool2", "up2", "up2", "conv3"], field="min_size")
    assert check_rf(2, ["conv3", "pool2"], field="stride")
    model = xai4ess.models.build("goes_mrms", size=64)
    assert check_rf(54, model=model)
    assert not check_rf(48, model=model)
    with pytest.raises(ValueError):
        check_rf(1)


def test_check_mcs_design():
    best = ["conv3", "pool2"] * 6
    fb = check_mcs_design(best, pixel_km=2.0, mcs_km=200.0)
    assert fb and "47,424" in fb.message
    # covers the MCS, but with a 5x5 kernel: more parameters than necessary
    more = ["conv3", "pool2"] * 4 + ["conv5", "pool2"]
    assert rf.receptive_field(more, layer=-1).size[0] >= 100
    fb = check_mcs_design(more)
    assert not fb and "fewer" in fb.message
    assert not check_mcs_design(["conv3", "pool2"] * 3)  # too small
    assert "convolution between" in check_mcs_design(["conv3", "pool2", "pool2"]).message
    assert "Start with a convolution" in check_mcs_design(["pool2", "conv3"]).message
    assert "Only conv3" in check_mcs_design(["conv7"]).message
    assert not check_mcs_design(...)
    # the reference optimum is the cheapest of all rule-abiding designs (independent search)
    import itertools

    cheapest = None
    for m in range(1, 8):
        for ks in itertools.product((3, 5), repeat=m):
            for pools in itertools.product((0, 1), repeat=m):
                specs = [s for k, p in zip(ks, pools) for s in [f"conv{k}"] + ["pool2"] * p]
                if rf.receptive_field(specs, layer=-1).size[0] >= 100:
                    cost = rf.count_params(specs)
                    cheapest = cost if cheapest is None else min(cheapest, cost)
        if cheapest is not None and m * rf.count_params(["conv3"], channels=32) > cheapest:
            break  # any design with more convolutions costs more
    assert cheapest == rf.count_params(best)
