"""GOES -> MRMS plots, demo widget, analysis helpers and exercise checks."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402

import xai4ess  # noqa: E402

W = xai4ess.widgets
A = xai4ess.analyses
P = xai4ess.plot
E = xai4ess.exercises


@pytest.fixture(scope="module")
def setup():
    model = xai4ess.models.load("goes_mrms")
    test = xai4ess.data.load("goes_mrms").test
    inputs = xai4ess.data.network_input(test.x)
    estimate = model.predict(inputs, batch_size=4, verbose=0)
    return model, test, inputs, estimate


@pytest.fixture(autouse=True)
def _close():
    yield
    plt.close("all")


def _white(fig):
    return fig.get_facecolor()[:3] == (1.0, 1.0, 1.0) and fig.patch.get_alpha() in (None, 1.0)


def test_reflectivity_colours():
    cmap, norm = P.reflectivity_cmap()
    assert norm.boundaries[0] == 5.0 and norm.boundaries[-1] == 75.0
    assert cmap.N == len(norm.boundaries) - 1
    assert cmap(norm(0.0))[:3] == (1.0, 1.0, 1.0)  # no echo is white


def test_radar_panels_units_and_errors(setup):
    _, test, _, estimate = setup
    fig = P.radar_panels(test.x[0], test.y[0], estimate[0], extra={"baseline": estimate[0] * 0})
    assert _white(fig)
    titles = [ax.get_title() for ax in fig.axes]
    assert "MRMS (truth)" in titles and "network estimate" in titles and "baseline" in titles
    labels = {ax.get_ylabel() for ax in fig.axes}  # colour bars carry the units
    assert {"K", "dBZ", "groups / 5 min"} <= labels
    with pytest.raises(ValueError):
        P.radar_panels(test.x[:2], test.y[0])
    with pytest.raises(ValueError, match="unknown channel"):
        P.radar_panels(test.x[0], show=["C08"])


def test_channel_relevance_shares_in_titles():
    r = np.zeros((16, 16, 4))
    r[..., 0], r[..., 3] = 1.0, 3.0
    r[0, 0, 1] = -5.0  # negative relevance does not count in the shares
    fig = P.channel_relevance(
        r, target=(8, 8), box=((2, 13), (2, 13)), contours={"zone": np.eye(16, dtype=bool)}
    )
    titles = [ax.get_title() for ax in fig.axes[:4]]
    assert titles[0].endswith("25% of R+") and titles[3].endswith("75% of R+")
    assert titles[1].endswith("0% of R+")
    with pytest.raises(ValueError):
        P.channel_relevance(r[..., :3])


def test_grids_and_bars():
    fig = P.relevance_grid(
        np.ones((3, 2, 9, 9)),
        row_labels=list("abc"),
        col_labels=["x", "y"],
        contours=np.ones((3, 9, 9)) * np.eye(9),
        marker=(4, 4),
        signed=False,
    )
    assert len(fig.axes) == 3 * 2 + 2
    with pytest.raises(ValueError):
        P.relevance_grid(np.ones((3, 2, 9, 9)), row_labels=list("ab"), col_labels=["x", "y"])
    fig = P.share_bars({"a": {"C13": 0.2, "GLM": 0.5}, "b": {"C13": 0.4, "GLM": 0.1}})
    assert len(fig.axes[0].patches) == 4


def test_examples_crops_and_composite(setup):
    model, test, inputs, estimate = setup
    ex = A.goes_mrms_examples(test, estimate, "dense cloud", n=5, seed=1)
    assert ex.shape == (5, 3)
    assert np.all(test.core_type[tuple(ex.T)] == 3) and not test.lightning_mask[tuple(ex.T)].any()
    assert np.all(estimate[..., 0][tuple(ex.T)] >= 35) and np.all(test.y[..., 0][tuple(ex.T)] >= 35)
    crops = A.goes_mrms_crops(test.y, ex)
    anchors = A.goes_mrms_anchors(ex)
    assert crops.shape == (5, 72, 72, 1)
    for k, (i, r, c) in enumerate(ex):
        assert crops[k, anchors[k][0], anchors[k][1], 0] == test.y[i, r, c, 0]
        assert (r - anchors[k][0]) % 8 == 0 and (c - anchors[k][1]) % 8 == 0  # on the pooling grid
    comp = A.goes_mrms_composite(crops, ex, half=3)
    manual = np.mean([test.y[i, r - 3 : r + 4, c - 3 : c + 4] for i, r, c in ex], axis=0)
    np.testing.assert_allclose(comp, manual)
    with pytest.raises(ValueError, match="kind"):
        A.goes_mrms_examples(test, estimate, "hail")
    with pytest.raises(ValueError):
        A.goes_mrms_composite(crops, ex, half=40)


def test_demo_figure_and_widget(setup):
    model, test, _, estimate = setup
    fig = W.goes_mrms_demo_figure(model, test, scene=1)
    assert _white(fig)
    inner = estimate[1, 27:-27, 27:-27, 0]
    row, col = np.array(np.unravel_index(np.argmax(inner), inner.shape)) + 27
    assert f"({row}, {col})" in fig._suptitle.get_text()
    with pytest.raises(xai4ess.TargetError):
        W.goes_mrms_demo_figure(model, test, scene=0, row=300, col=5)
    widget = W.goes_mrms_demo(model, test)
    controls = widget.children[0]
    sliders = [w for box in controls.children for w in box.children]
    row_slider = next(w for w in sliders if getattr(w, "description", "") == "row")
    row_slider.value = 40  # re-draws without error
    assert row_slider.value == 40


def test_exercise_checks(setup):
    model, test, inputs, estimate = setup
    assert not E.check_glm_ablation(...)
    no_glm = inputs.copy()
    no_glm[..., 3] = 0
    est0 = model.predict(no_glm, batch_size=4, verbose=0)[..., 0]
    sel = test.lightning_mask & (test.y[..., 0] >= 40)
    assert E.check_glm_ablation(float(est0[sel].mean()))
    wrong = E.check_glm_ablation(float(estimate[..., 0][sel].mean()))  # forgot to ablate
    assert not wrong and "too large" in wrong.message
    assert f"{est0[sel].mean():.1f}" not in wrong.message

    assert not E.check_boundary_storm(...)
    assert not E.check_boundary_storm((0, 1))
    light = np.argwhere(test.lightning_mask & (estimate[..., 0] >= 40))[0]
    assert "lightning" in E.check_boundary_storm(tuple(light)).message
    # find a tower pixel the slow way: full-scene relevance, share on the edge zone
    towers = np.argwhere((test.core_type == 2) & ~test.lightning_mask & (estimate[..., 0] >= 38))
    for i, r, c in towers[:: max(1, len(towers) // 8)]:
        rel = np.clip(
            xai4ess.explain(
                model, inputs[i : i + 1], "lrp.alpha_1_beta_0", target=(int(r), int(c))
            )[0],
            0,
            None,
        ).sum(-1)
        if rel[test.boundary_mask[i]].sum() / rel.sum() >= 0.35:
            assert E.check_boundary_storm((i, r, c))
            break
    else:
        pytest.fail("no developing tower relies on its cloud edge")
    assert not E.check_boundary_storm((0, 0, 0))  # clear sky: weak estimate

    assert (
        E.check_outside_trf(0.0) and not E.check_outside_trf(0.2) and not E.check_outside_trf(...)
    )
