"""Sequence plots, the convection explorer and the exercise checks."""

from __future__ import annotations

import re

import matplotlib.pyplot as plt
import numpy as np
import pytest

import xai4ess


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


def test_sequence_panels_layout():
    x = np.random.default_rng(0).uniform(0, 1, (2, 16, 16, 5))
    r = np.random.default_rng(1).normal(size=x.shape)
    mask = np.zeros((2, 16, 16), bool)
    mask[:, 4:8, 4:8] = True
    fig = xai4ess.plot.sequence_panels(x, r, mask=mask, row_labels=["a", "b"])
    images = [ax for ax in fig.axes if ax.images]
    assert len(images) == 2 * 2 * 5  # 2 sequences x (frames + relevance) x 5 frames
    assert images[0].get_title() == "t = 0 min" and images[4].get_title() == "t = 8 min"
    # Relevance is drawn on a scale symmetric about zero.
    norm = images[5].images[0].norm
    assert norm.vmin == pytest.approx(-norm.vmax)
    assert fig.get_facecolor()[:3] == (1.0, 1.0, 1.0)
    with pytest.raises(ValueError):
        xai4ess.plot.sequence_panels(x, r[..., :4])


def test_animation_is_self_contained_html_with_every_frame():
    x = np.random.default_rng(0).uniform(0, 1, (2, 16, 16, 5))
    html = xai4ess.plot.animate_sequence(x, titles=["a", "b"]).data
    assert "<script" in html
    assert not re.search(r"(src|href)=[\"']?https?:", html)  # nothing loaded from the network
    assert "fa fa-" not in html  # no icon font needed
    assert html.count("data:image/png;base64") == 5
    assert not plt.get_fignums()  # the figure is closed, not shown twice


def test_frame_relevance_bars():
    fig = xai4ess.plot.frame_relevance({"a": np.full(5, 0.2), "b": np.arange(5) / 10})
    ax = fig.axes[0]
    assert len(ax.patches) == 10
    assert ax.get_xlabel() == "frame time (min)"
    with pytest.raises(ValueError):
        xai4ess.plot.frame_relevance({"a": np.ones(5), "b": np.ones(4)})


def test_convection_figure_and_explorer():
    fig = xai4ess.widgets.convection_figure(0, frame=1)
    assert len(fig.axes) >= 5
    fig = xai4ess.widgets.convection_figure(np.full((32, 32, 5), 0.7, np.float32), frame=0)
    assert "p(convection)" in fig.axes[2].get_title()
    with pytest.raises(IndexError):
        xai4ess.widgets.convection_figure(0, frame=5)
    with pytest.raises(ValueError):
        xai4ess.widgets.convection_figure(np.zeros((32, 32, 4)))
    import ipywidgets

    w = xai4ess.widgets.convection_explorer()
    assert isinstance(w, ipywidgets.VBox)


def test_exercise_checks_give_feedback_without_answers():
    ex = xai4ess.exercises
    for check in (ex.check_top_frame, ex.check_fooling_sample, ex.check_remedy):
        fb = check(...)
        assert not fb and "..." in fb.message
    # Top frame: brute force over the five candidates, exactly one is right.
    verdicts = [bool(ex.check_top_frame(k)) for k in range(5)]
    assert sum(verdicts) == 1
    assert not ex.check_top_frame(7) and not ex.check_top_frame(1.5)
    # A bright, smooth, steady sheet fools the brightness-only model; a dark one does not;
    # a bubbling scene is refused.
    assert ex.check_fooling_sample(np.full((32, 32, 5), 0.75))
    assert not ex.check_fooling_sample(np.full((32, 32, 5), 0.1))
    conv = xai4ess.data.convection(1, seed=0, only="convective").x
    fb = ex.check_fooling_sample(conv)
    assert not fb and "bubbles" in fb.message
    assert not ex.check_fooling_sample(np.full((32, 32, 5), 1.5))
    # The shipped remedy passes; the brightness-only model does not.
    assert ex.check_remedy(xai4ess.models.load("convection_texture"))
    assert not ex.check_remedy(xai4ess.models.load("convection"))
