"""The shipped GOES -> MRMS network: architecture, skill, receptive field, strategies."""

from __future__ import annotations

import numpy as np
import pytest

import xai4ess
from xai4ess.models import _goes_mrms as M

W = xai4ess.widgets
A = xai4ess.analyses
LAYERS = [
    "goes",
    "conv1",
    "pool1",
    "conv2",
    "pool2",
    "conv3",
    "pool3",
    "conv4",
    "up1",
    "conv5",
    "up2",
    "conv6",
    "up3",
    "mrms",
]


@pytest.fixture(scope="module")
def setup():
    model = xai4ess.models.load("goes_mrms")
    train, test = xai4ess.data.load("goes_mrms")
    inputs = xai4ess.data.network_input(test.x)
    estimate = model.predict(inputs, batch_size=4, verbose=0)
    return model, train, test, inputs, estimate


def test_architecture_is_the_lectures(setup):
    model = setup[0]
    assert [layer.name for layer in model.layers] == LAYERS
    assert model.input_shape == (None, None, None, 4) and model.output_shape == (
        None,
        None,
        None,
        1,
    )
    assert all(
        layer.kernel_size == (3, 3) and layer.filters == 32
        for layer in model.layers
        if layer.name.startswith("conv")
    )


# -- skill ----------------------------------------------------------------------
def test_scores_against_definitions():
    from scipy.stats import pearsonr

    E = xai4ess.evaluate
    rng = np.random.default_rng(0)
    a, b = rng.uniform(0, 60, 500), rng.uniform(0, 60, 500)
    assert E.rmse(a, b) == pytest.approx(np.sqrt(np.mean((a - b) ** 2)))
    assert E.skill_scores(a, b)["correlation"] == pytest.approx(pearsonr(a, b).statistic)
    assert np.isnan(E.skill_scores(a, np.full(500, 3.0))["correlation"])  # constant estimate
    obs, est = a >= 35, b >= 35
    hits, misses, false = (obs & est).sum(), (obs & ~est).sum(), (~obs & est).sum()
    assert E.csi(a, b) == pytest.approx(hits / (hits + misses + false))
    assert E.csi([40.0, 0.0], [40.0, 0.0]) == 1.0 and E.csi([40.0], [0.0]) == 0.0
    with pytest.raises(ValueError):
        E.rmse(np.zeros(3), np.zeros(4))


def test_baseline_recovers_a_known_cubic():
    c13 = np.linspace(190, 300, 200)
    t = (c13 - 250) / 50
    y = 20 - 15 * t + 3 * t**2 - 2 * t**3
    x = np.zeros((1, 10, 20, 4))
    x[..., 2] = c13.reshape(10, 20)
    coef = M.baseline_fit(x, y.reshape(1, 10, 20, 1))
    np.testing.assert_allclose(coef, [-2, 3, -15, 20], atol=1e-8)
    np.testing.assert_allclose(
        M.baseline_predict(coef, x)[..., 0], np.clip(y, 0, None).reshape(1, 10, 20), atol=1e-5
    )


def test_network_beats_the_c13_baseline_on_all_scores(setup):
    model, train, test, inputs, estimate = setup
    coef = M.baseline_fit(train.x, train.y)
    base = xai4ess.evaluate.skill_scores(test.y, M.baseline_predict(coef, test.x))
    net = xai4ess.evaluate.skill_scores(test.y, estimate)
    assert net["RMSE (dBZ)"] < base["RMSE (dBZ)"] - 1.0
    assert net["correlation"] > base["correlation"] + 0.1
    assert net["CSI@35 dBZ"] > base["CSI@35 dBZ"] + 0.2
    # the physical-unit entry point gives the same estimate
    np.testing.assert_allclose(M.predict(model, test.x[:1]), estimate[:1], atol=1e-4)
    with pytest.raises(xai4ess.InputShapeError):
        M.predict(model, test.x[:1, :250, :250])


# -- receptive field ------------------------------------------------------------
def _storm_pixels(estimate, k=6):
    """Pixels with echo in different pooling phases, some near the border: (scene, row, col)."""
    est = estimate[..., 0]
    picks = []
    for phase in range(0, 8, 8 // (k - 2)):
        cand = np.argwhere((est >= 25) & (np.arange(est.shape[1]) % 8 == phase)[None, :, None])
        picks.append(cand[len(cand) // 2])
    border = np.argwhere(est >= 25)
    near = border[np.minimum(border[:, 1:], est.shape[1] - 1 - border[:, 1:]).min(axis=1) < 12]
    picks += [near[0], near[-1]]
    return [tuple(int(v) for v in p) for p in picks]


@pytest.mark.parametrize("method", ["lrp.alpha_1_beta_0", "lrp.epsilon", "gradient"])
def test_relevance_stays_inside_the_receptive_field(setup, method):
    model, _, test, inputs, estimate = setup
    for i, row, col in _storm_pixels(estimate):
        (r0, r1), (c0, c1) = xai4ess.rf.box(model, "mrms", (row, col))
        assert r1 - r0 + 1 <= 54 and c1 - c0 + 1 <= 54  # the exact bound of this network
        r = np.abs(
            xai4ess.explain(model, inputs[i : i + 1], method=method, target=(row, col))[0]
        ).sum(-1)
        inside = np.zeros(r.shape, dtype=bool)
        inside[max(r0, 0) : r1 + 1, max(c0, 0) : c1 + 1] = True
        assert r.sum() > 0, (i, row, col)
        assert r[~inside].sum() == 0.0, (method, i, row, col)


def test_receptive_field_box_by_forward_perturbation(setup):
    """Independent of rf and explain: changing every input outside the box leaves the pixel alone."""
    model, _, _, inputs, estimate = setup
    rng = np.random.default_rng(0)
    for i, row, col in _storm_pixels(estimate)[:3]:
        (r0, r1), (c0, c1) = xai4ess.rf.box(model, "mrms", (row, col))
        scene = inputs[i : i + 1]
        base = model(scene).numpy()[0, row, col, 0]
        ring = np.ones(scene.shape[1:3], dtype=bool)
        ring[max(r0, 0) : r1 + 1, max(c0, 0) : c1 + 1] = False
        outside = scene.copy()
        outside[0][ring] += rng.uniform(0.5, 2.0, size=(ring.sum(), 4)).astype(np.float32)
        assert model(outside).numpy()[0, row, col, 0] == pytest.approx(base, abs=1e-4)
        inside = scene.copy()
        inside[0][~ring] += rng.uniform(0.5, 2.0, size=((~ring).sum(), 4)).astype(np.float32)
        assert abs(model(inside).numpy()[0, row, col, 0] - base) > 0.1  # the test has power


def test_crops_explain_exactly_like_the_full_scene(setup):
    model, _, test, inputs, estimate = setup
    ex = A.goes_mrms_examples(test, estimate, "lightning", n=3, seed=2)
    rel = A.goes_mrms_relevance(model, inputs, ex, "lrp.epsilon")
    for k, (i, r, c) in enumerate(ex):
        full = xai4ess.explain(model, inputs[i : i + 1], "lrp.epsilon", target=(int(r), int(c)))
        np.testing.assert_allclose(
            A.goes_mrms_crops(full, np.array([[0, r, c]]))[0], rel[k], atol=1e-7
        )
        assert np.abs(full).sum() == pytest.approx(np.abs(rel[k]).sum(), rel=1e-5)


# -- strategies -----------------------------------------------------------------
def test_glm_holds_the_largest_share_for_strong_lightning_pixels(setup):
    """In scenes with lightning, for high-reflectivity pixels with lightning (alpha=1, beta=0)."""
    model, _, test, inputs, estimate = setup
    ex = A.goes_mrms_examples(test, estimate, "lightning", min_dbz=40.0)
    scenes = [i for i in range(len(test)) if (ex[:, 0] == i).sum() >= 3]
    assert len(scenes) >= 6
    totals = np.zeros(4)
    for i in scenes:
        mine = ex[ex[:, 0] == i]
        mine = mine[np.random.default_rng(i).permutation(len(mine))[:12]]
        r = np.clip(A.goes_mrms_relevance(model, inputs, mine, "lrp.alpha_1_beta_0"), 0, None)
        share = r.sum(axis=(0, 1, 2)) / r.sum()
        totals += share
        assert np.argmax(share) == 3, (i, share.round(3))
    mean = totals / len(scenes)
    assert mean[3] > mean[:3].max() + 0.05


def test_three_distinct_strategies_and_saliency_does_not_separate_them(setup):
    model, _, test, _, estimate = setup
    t = A.goes_mrms_strategies(
        model, test, ("lrp.alpha_1_beta_0", "gradient"), estimate=estimate, n=30
    )
    lrp, sal = t.loc["lrp.alpha_1_beta_0"], t.loc["gradient"]
    # LRP: each kind of strong echo puts its relevance on its own zone, far above chance
    for kind, zone in [
        ("lightning", "lightning"),
        ("cloud edge", "cloud edge"),
        ("dense cloud", "dense cloud"),
    ]:
        assert lrp.loc[kind, f"on {zone}"] > 3 * lrp.loc[kind, f"area {zone}"], kind
        assert lrp.loc[kind, f"on {zone}"] > 0.3, kind
    assert (
        lrp.loc["lightning", "share GLM"]
        > lrp.loc["lightning", ["share C07", "share C09", "share C13"]].max()
    )
    assert lrp.loc["cloud edge", "share GLM"] < 0.05 and lrp.loc["dense cloud", "share GLM"] < 0.05
    # saliency: the GLM channel gets a large share even where there is no lightning at all,
    # and the three kinds get nearly the same channel profile (LRP's differ strongly)
    channels = ["share C07", "share C09", "share C13", "share GLM"]
    for kind in ("cloud edge", "dense cloud"):
        assert sal.loc[kind, "share GLM"] > 0.2

        def dist(t, kind=kind):
            return 0.5 * np.abs(t.loc["lightning", channels] - t.loc[kind, channels]).sum()

        assert dist(sal) < 0.15 and dist(lrp) > 0.3, kind
    # ... and it is less concise than LRP on every zone
    for kind, zone in [
        ("lightning", "lightning"),
        ("cloud edge", "cloud edge"),
        ("dense cloud", "dense cloud"),
    ]:
        assert sal.loc[kind, f"on {zone}"] < lrp.loc[kind, f"on {zone}"]


def test_glm_ablation_removes_the_lightning_strategy_only(setup):
    model, _, test, inputs, estimate = setup
    no_glm = inputs.copy()
    no_glm[..., 3] = 0
    est0 = model.predict(no_glm, batch_size=4, verbose=0)[..., 0]
    est = estimate[..., 0]
    y = test.y[..., 0]
    light = test.lightning_mask & (y >= 40)
    assert est[light].mean() - est0[light].mean() > 20.0
    for k in (2, 3):
        core = (test.core_type == k) & (y >= 40)
        assert abs(est[core].mean() - est0[core].mean()) < 1.0


def test_training_is_reproducible_on_a_small_run(tf):
    data = xai4ess.data.goes_mrms(16, size=32, seed=3)
    a = M.train("goes_mrms", data=data, epochs=1, batch_size=8)
    b = M.train("goes_mrms", data=data, epochs=1, batch_size=8)
    for wa, wb in zip(a.get_weights(), b.get_weights()):
        np.testing.assert_array_equal(wa, wb)
    with pytest.raises(ValueError, match="unknown channel"):
        M.train("goes_mrms", data=data, epochs=1, without=("C99",))
