"""Clever Hans demo figure, widget and exercise checks."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pytest

import xai4ess
from xai4ess import exercises as ex
from xai4ess import widgets


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


def test_gallery_draws_and_validates():
    rng = np.random.default_rng(0)
    x = rng.random((3, 16, 16, 3))
    r = rng.normal(size=(3, 16, 16, 3))
    masks = {"tag": np.zeros((3, 16, 16), bool)}
    masks["tag"][:, 12:, :5] = True
    fig = widgets.hans_gallery(x, r, titles=["a", "b", "c"], masks=masks, ncols=2)
    assert fig.get_facecolor()[:3] == (1.0, 1.0, 1.0)
    assert len(fig.axes) == 8
    with pytest.raises(ValueError):
        widgets.hans_gallery(x[..., 0], r)
    with pytest.raises(ValueError):
        widgets.hans_gallery(x, r[:, :8])


def test_demo_figure_shows_the_shortcut():
    fig = widgets.hans_demo_figure()
    titles = [a.get_title() for a in fig.axes if "p(horse)" in a.get_title()]
    assert len(titles) == 4
    p = [float(t.split("=")[-1]) for t in titles]
    # tag on, fence on / tag on / fence on / neither: the default scene loses its
    # "horse" once both confounders are gone
    assert min(p[:3]) > 0.5 and p[3] < 0.5
    with pytest.raises(IndexError):
        widgets.hans_demo_figure(10_000)


def test_demo_widget_builds_and_redraws():
    demo = widgets.hans_demo()
    controls = demo.children[0]
    slider = controls.children[0].children[0]
    tag_box = controls.children[1].children[1]
    assert slider.value == widgets.HANS_DEMO_INDEX
    tag_box.value = not tag_box.value  # triggers a redraw without error
    slider.value = 3
    # moving to another scene resets the toggles to that scene's own tag
    test = xai4ess.data.load("horses").test
    assert tag_box.value == bool(test.has_tag[3])


def test_exercise_checks_need_an_answer():
    for check in (ex.check_wrong_reason, ex.check_tag_share, ex.check_confounder_test_set):
        fb = check(...)
        assert not fb and "..." in fb.message


def test_check_wrong_reason():
    test = xai4ess.data.load("horses").test
    assert ex.check_wrong_reason(widgets.HANS_DEMO_INDEX)
    assert not ex.check_wrong_reason(int(np.flatnonzero(test.y == 0)[0]))
    assert not ex.check_wrong_reason(10_000)
    assert not ex.check_wrong_reason("a")


def test_check_tag_share_against_numpy():
    test = xai4ess.data.load("horses").test
    h = test[np.flatnonzero(test.y == 1)]
    box = xai4ess.data.horses(seed=h.attrs["seed"], index=h.index, tag=True).tag_mask
    r = xai4ess.explain(xai4ess.models.load("horses"), h.x, method="lrp.alpha_1_beta_0", target=1)
    pos = np.clip(r.sum(axis=-1), 0, None)
    total = pos.sum(axis=(1, 2))
    keep = total > 0  # maps with no positive relevance (a clear "no") have no share
    share = (pos * box).sum(axis=(1, 2))[keep] / total[keep]
    tagged = h.has_tag[keep]
    answer = (share[tagged].mean(), share[~tagged].mean())
    assert answer[0] > 10 * answer[1]
    assert ex.check_tag_share(answer)
    assert not ex.check_tag_share((answer[1], answer[0]))
    assert not ex.check_tag_share((answer[0] * 100, answer[1] * 100))  # percent
    assert not ex.check_tag_share(answer[0])
    fb = ex.check_tag_share((answer[0] * 1.5, answer[1]))
    assert f"{answer[0]:.3f}"[:4] not in fb.message  # never reveals the value


def test_check_confounder_test_set():
    swapped = xai4ess.data.horses(
        120,
        seed=31,
        tag_rate_horse=0.0,
        tag_rate_other=1.0,
        pole_rate_horse=0.0,
        pole_rate_other=1.0,
    )
    assert ex.check_confounder_test_set(swapped)
    assert not ex.check_confounder_test_set(xai4ess.data.horses(120, seed=31))
    assert not ex.check_confounder_test_set(swapped[np.arange(10)])
    only_horses = xai4ess.data.horses(60, seed=31, horse_rate=1.0)
    assert not ex.check_confounder_test_set(only_horses)
