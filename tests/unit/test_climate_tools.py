"""Fidelity scores against numpy references, map plots, the demo widget and the
exercise checks of the climate chapter."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402

import xai4ess  # noqa: E402
from xai4ess import evaluate  # noqa: E402

LAT = np.arange(-87.5, 90, 5.0)
LON = np.arange(-177.5, 180, 5.0)


@pytest.fixture(scope="module")
def test_set():
    return xai4ess.data.load("climate").test


# -- fidelity ------------------------------------------------------------------------
def test_score_against_numpy_references():
    rng = np.random.default_rng(0)
    a, b = rng.normal(size=(36, 72)), rng.normal(size=(36, 72))
    b = b + a
    w = np.cos(np.deg2rad(LAT))[:, None] * np.ones((1, 72))
    cov = np.cov(a.ravel(), b.ravel(), aweights=w.ravel())
    ref = cov[0, 1] / np.sqrt(cov[0, 0] * cov[1, 1])
    s = evaluate.truth_score(a, b, lat=LAT, fraction=0.1)
    assert s["correlation"] == pytest.approx(ref, abs=1e-10)
    assert evaluate.truth_score(a, b)["correlation"] == pytest.approx(
        np.corrcoef(a.ravel(), b.ravel())[0, 1]
    )
    # brute-force top-k overlap
    k = round(0.1 * a.size)
    top_a = set(np.argsort(a.ravel())[-k:])
    top_b = set(np.argsort(b.ravel())[-k:])
    assert s["topk_overlap"] == pytest.approx(len(top_a & top_b) / k)
    assert evaluate.truth_score(2 * a + 3, a)["rank_correlation"] == pytest.approx(1.0)
    assert evaluate.truth_score(-a, a, lat=LAT)["correlation"] == pytest.approx(-1.0)


def test_area_weighting_matters():
    truth = np.zeros((36, 72))
    truth[-1] = 1.0  # only the polar row, tiny area
    att = np.zeros((36, 72))
    att[-1] = 1.0
    att[18] = 1.0  # plus an equatorial row, large area
    assert (
        evaluate.truth_score(att, truth, lat=LAT)["correlation"]
        < evaluate.truth_score(att, truth)["correlation"]
    )


def test_rank_methods_table_and_errors():
    t = np.arange(12.0).reshape(3, 4)
    table = evaluate.rank_by_truth(
        {"bad": -t, "good": t, "so-so": t + 5 * np.sin(t)},
        t,
        baseline={"good": np.ones_like(t) + np.cos(t)},
    )
    assert list(table.index) == ["good", "so-so", "bad"]
    assert "random_correlation" in table.columns and np.isnan(
        table.loc["bad", "random_correlation"]
    )
    with pytest.raises(ValueError, match="shape"):
        evaluate.truth_score(t, t[:2])
    with pytest.raises(KeyError):
        evaluate.rank_by_truth({"a": t}, t, by="nope")


def test_composite_and_pointwise_regression():
    r = np.arange(24.0).reshape(2, 3, 4, 1)
    assert np.array_equal(evaluate.composite(r), r[..., 0].mean(0))
    assert np.array_equal(evaluate.composite(r, select=[1]), r[1, ..., 0])
    with pytest.raises(ValueError):
        evaluate.composite(r, select=np.zeros(2, bool))
    rng = np.random.default_rng(1)
    y = np.arange(40.0)
    x = rng.normal(size=(40, 3, 4)) + 0.1 * y[:, None, None]
    out = evaluate.pointwise_regression(x, y)
    for i, j in [(0, 0), (2, 3)]:
        slope = np.polyfit(y, x[:, i, j], 1)[0]
        coef = np.polyfit(x[:, i, j], y, 1)[0]
        assert out["slope"][i, j] == pytest.approx(slope)
        assert out["coefficient"][i, j] == pytest.approx(coef)
        assert out["correlation"][i, j] == pytest.approx(np.corrcoef(x[:, i, j], y)[0, 1])


def test_box_mask_across_the_date_line():
    m = evaluate.box_mask(LAT, LON, (-10, 10), (170, -170))
    cols = np.flatnonzero(m.any(axis=0))
    assert set(LON[cols]) == {172.5, 177.5, -177.5, -172.5}
    assert set(LAT[np.flatnonzero(m.any(axis=1))]) == {-7.5, -2.5, 2.5, 7.5}
    assert evaluate.box_mask(LAT, LON, (60, 90), (-180, 180)).sum() == 6 * 72


# -- plots ---------------------------------------------------------------------------
def test_geo_map_axes_units_coastlines_and_centred_colours(test_set):
    fig = xai4ess.plot.geo_map(
        test_set.x[-1], test_set.lat, test_set.lon, test_set.land_mask, title="2100"
    )
    ax = fig.axes[0]
    assert "longitude" in ax.get_xlabel() and "latitude" in ax.get_ylabel()
    assert fig.axes[1].get_ylabel() == "K"  # colour bar
    mesh = ax.collections[0]
    assert mesh.norm.vmin == pytest.approx(-mesh.norm.vmax)
    assert len(ax.collections) >= 2  # the coastline contour
    assert fig.get_facecolor()[:3] == (1.0, 1.0, 1.0)
    plt.close(fig)
    r = np.random.default_rng(0).normal(size=(36, 72)) + 0.5
    fig = xai4ess.plot.geo_map(r, LAT, LON, kind="relevance")
    norm = fig.axes[0].collections[0].norm
    assert norm.vcenter == 0 and norm.vmin == pytest.approx(-norm.vmax)
    plt.close(fig)
    with pytest.raises(ValueError, match="grid"):
        xai4ess.plot.geo_map(np.zeros((10, 10)), LAT, LON)
    with pytest.raises(ValueError, match="kind"):
        xai4ess.plot.geo_map(r, LAT, LON, kind="rainbow")


def test_geo_maps_grid(test_set):
    fig = xai4ess.plot.geo_maps(
        {"snr": test_set.snr, "signal": test_set.signal, "noise": test_set.noise_std},
        test_set.lat,
        test_set.lon,
        test_set.land_mask,
        kind=["positive", "anomaly", "sequential"],
        units=["1", "K", "K"],
    )
    titles = [ax.get_title() for ax in fig.axes]
    assert {"snr", "signal", "noise"} <= set(titles)
    plt.close(fig)


# -- widget --------------------------------------------------------------------------
def test_demo_figure_and_widget(test_set):
    fig = xai4ess.widgets.climate_demo_figure(year=2085)
    titles = " ".join(ax.get_title() for ax in fig.axes)
    assert "2085" in titles and "predicted year" in titles
    plt.close(fig)
    with pytest.raises(ValueError, match="year"):
        xai4ess.widgets.climate_demo_figure(year=1800)
    with pytest.raises(ValueError, match="member"):
        xai4ess.widgets.climate_demo_figure(member=0)


def test_widget_redraws_on_every_control(monkeypatch):
    import ipywidgets

    from xai4ess.widgets import _climate as wmod

    calls = []
    real = wmod.climate_demo_figure

    def spy(*args, **kwargs):
        calls.append(kwargs)
        return real(*args, **kwargs)

    monkeypatch.setattr(wmod, "climate_demo_figure", spy)
    w = xai4ess.widgets.climate_demo(year=2000)
    assert isinstance(w, ipywidgets.VBox)
    year, member, method = w.children[0].children
    year.value = 2050
    member.value = 9
    method.value = "gradient"
    assert [(c["year"], c["member"], c["method"]) for c in calls] == [
        (2000, 8, "lrp.z"),
        (2050, 8, "lrp.z"),
        (2050, 9, "lrp.z"),
        (2050, 9, "gradient"),
    ]
    assert calls[-1]["predictions"].shape == (181,)
    plt.close("all")


# -- exercises -----------------------------------------------------------------------
def test_exercise_checks(test_set):
    ex = xai4ess.exercises
    for check in (ex.check_ridge_correlation, ex.check_masked_error, ex.check_watch_region):
        fb = check(...)
        assert not fb and "..." in fb.message
    # ridge: compute the right number independently
    m = xai4ess.models.build("climate")
    xai4ess.models.load_weights(m, "models/climate_ridge_strong.weights.npz")
    late = test_set.y >= 2071
    comp = evaluate.composite(xai4ess.explain(m, test_set.x[late], "lrp.z"))
    c = evaluate.truth_score(comp, test_set.snr, lat=test_set.lat)["correlation"]
    assert ex.check_ridge_correlation(c)
    assert not ex.check_ridge_correlation(c - 0.2)
    assert str(round(c, 3)) not in ex.check_ridge_correlation(c - 0.2).message
    # masking: the error must grow a lot when the top-SNR points are hidden
    model = xai4ess.models.load("climate")
    mask = test_set.snr >= np.quantile(test_set.snr, 0.9)
    x = np.where(mask[None, :, :, None], 0.0, test_set.x).astype(np.float32)
    err = float(np.median(np.abs(model.predict(x, verbose=0).ravel() - test_set.y)))
    base = float(np.median(np.abs(model.predict(test_set.x, verbose=0).ravel() - test_set.y)))
    assert err > 2 * base
    assert ex.check_masked_error(err) and not ex.check_masked_error(base)
    # region: the earliest median emergence among the candidates
    assert ex.check_watch_region("Middle East & North Africa")
    assert not ex.check_watch_region("Arctic")
    assert not ex.check_watch_region("Atlantis")
