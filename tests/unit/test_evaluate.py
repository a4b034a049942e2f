"""xai4ess.evaluate: every metric against a second, plain implementation (loops, scipy),
and the chance levels the docstrings state."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import stats

from xai4ess import evaluate


@pytest.fixture(scope="module")
def maps():
    rng = np.random.default_rng(3)
    truth = rng.standard_normal((12, 4, 5, 1))
    r = truth + 0.7 * rng.standard_normal(truth.shape)
    r[0, 0, 0, 0] = r[0, 0, 1, 0]  # a tie, for the rank versions
    return r, truth


def test_truth_correlation_pearson_and_spearman_match_scipy(maps):
    r, truth = maps
    p = evaluate.truth_correlation(r, truth)
    s = evaluate.truth_correlation(r, truth, kind="spearman")
    for n in range(len(r)):
        a, b = r[n].ravel(), truth[n].ravel()
        assert p[n] == pytest.approx(stats.pearsonr(a, b)[0], abs=1e-12)
        assert s[n] == pytest.approx(stats.spearmanr(a, b)[0], abs=1e-12)
    assert np.isnan(evaluate.truth_correlation(np.ones((1, 5)), np.arange(5.0)[None]))[0]
    with pytest.raises(ValueError, match="same shape"):
        evaluate.truth_correlation(r[:, :2], truth)


def test_summary_matches_numpy():
    v = np.array([0.9, np.nan, 0.2, 0.75, 0.71, -0.3, 0.7])
    s = evaluate.summarise(v)
    w = v[~np.isnan(v)]
    assert s["median"] == np.median(w)
    assert s["iqr"] == pytest.approx(np.subtract(*np.percentile(w, [75, 25])))
    assert s["share_above"] == pytest.approx(3 / 6) and s["n"] == 6


def test_random_maps_have_zero_expected_truth_correlation(maps):
    _, truth = maps
    c = evaluate.chance_correlation(truth, n_draws=300, seed=1)
    se = 1 / np.sqrt(truth[0].size) / np.sqrt(c.size)
    assert abs(c.mean()) < 4 * se
    assert c.std() == pytest.approx(1 / np.sqrt(truth[0].size - 1), rel=0.15)


def linear_predict(w):
    return lambda b: np.asarray(b, np.float64).reshape(len(b), -1) @ w


def plain_curve(predict, x, r, counts, base, insert):
    out = np.zeros((len(x), len(counts)))
    for n in range(len(x)):
        order = sorted(range(x[n].size), key=lambda i: (-r[n].ravel()[i], i))
        for j, c in enumerate(counts):
            cur = (base.copy() if insert else x[n].ravel().copy()).astype(np.float64)
            for i in order[:c]:
                cur[i] = x[n].ravel()[i] if insert else base[i]
            out[n, j] = predict(cur[None])[0]
    return out


def test_deletion_and_insertion_curves_match_plain_loops(maps):
    r, _ = maps
    rng = np.random.default_rng(5)
    x = rng.standard_normal(r.shape)
    w = rng.standard_normal(x[0].size)
    base = rng.standard_normal(x[0].shape)  # a non-zero replacement value (a climatology)
    predict = linear_predict(w)
    for kind, fn in (
        ("deletion", evaluate.deletion_curve),
        ("insertion", evaluate.insertion_curve),
    ):
        frac, curve = fn(predict, x, r, steps=5, baseline=base)
        counts = np.round(frac * x[0].size).astype(int)
        assert frac[0] == 0 and frac[-1] == 1
        want = plain_curve(predict, x, r, counts, base.ravel(), kind == "insertion")
        assert np.allclose(curve, want)
        area = evaluate.area_under_curve(frac, curve, kind=kind, normalise=False)
        plain = [
            sum((frac[k + 1] - frac[k]) * (c[k] + c[k + 1]) / 2 for k in range(len(frac) - 1))
            for c in want
        ]
        assert np.allclose(area, plain)


def test_exact_map_deletes_faster_than_its_negative():
    rng = np.random.default_rng(0)
    x = rng.standard_normal((20, 30))
    w = rng.standard_normal(30)
    predict = linear_predict(w)
    exact = x * w
    f, good = evaluate.deletion_curve(predict, x, exact, steps=10)
    _, bad = evaluate.deletion_curve(predict, x, -exact, steps=10)
    # for a linear model the exact contributions remove the most score at every step
    assert np.all(good <= bad + 1e-9)
    a_good = evaluate.area_under_curve(f, good, normalise=False)
    a_bad = evaluate.area_under_curve(f, bad, normalise=False)
    assert np.all(a_good < a_bad)
    f, ins = evaluate.insertion_curve(predict, x, exact, steps=10)
    _, ins_bad = evaluate.insertion_curve(predict, x, -exact, steps=10)
    assert np.all(ins >= ins_bad - 1e-9)
    # normalised: full input 1, all-baseline 0; a straight line has area 0.5
    line = np.linspace(1.0, 0.0, len(f))[None] * 3.0 + 2.0
    assert evaluate.area_under_curve(f, line)[0] == pytest.approx(0.5)
    assert evaluate.area_under_curve(f, line[:, ::-1], kind="insertion")[0] == pytest.approx(0.5)


def test_faithfulness_correlation_plain_loop_exact_and_random():
    rng = np.random.default_rng(1)
    x = rng.standard_normal((6, 25))
    w = rng.standard_normal(25)
    predict = linear_predict(w)
    r = rng.standard_normal(x.shape)
    got = evaluate.faithfulness_correlation(predict, x, r, subset_size=5, n_draws=30, seed=9)
    # plain: the same draws, one sample at a time
    g = np.random.default_rng(9)
    sums, drops = np.zeros((6, 30)), np.zeros((6, 30))
    for k in range(30):
        for n in range(6):
            idx = g.choice(25, 5, replace=False)
            cur = x[n].copy()
            cur[idx] = 0.0
            drops[n, k] = predict(x[n : n + 1])[0] - predict(cur[None])[0]
            sums[n, k] = r[n, idx].sum()
    want = [stats.pearsonr(sums[n], drops[n])[0] for n in range(6)]
    assert np.allclose(got, want)
    # the exact contributions of a linear model give correlation 1 (baseline 0)
    exact = evaluate.faithfulness_correlation(predict, x, x * w, subset_size=5, n_draws=30)
    assert np.allclose(exact, 1.0)
    # random maps: expected 0
    rnd = np.concatenate(
        [
            evaluate.faithfulness_correlation(
                predict, x, rng.standard_normal(x.shape), 5, 40, seed=s
            )
            for s in range(10)
        ]
    )
    assert abs(rnd.mean()) < 4 / np.sqrt(40 * rnd.size)


def test_sparseness_and_entropy_match_plain_formulas(maps):
    r, _ = maps
    a = np.abs(r.reshape(len(r), -1))
    gini = []
    for row in a:
        s = np.sort(row)
        d = len(s)
        gini.append(sum((2 * (i + 1) - d - 1) * s[i] for i in range(d)) / (d * s.sum()))
    assert np.allclose(evaluate.sparseness(r), gini)
    assert np.allclose(evaluate.entropy(r), [stats.entropy(row) for row in a])
    assert evaluate.sparseness(np.ones((1, 9)))[0] == pytest.approx(0.0)
    assert evaluate.entropy(np.ones((1, 9)))[0] == pytest.approx(np.log(9))


def test_max_sensitivity_plain_loop_and_zero_for_constant_explanations():
    rng = np.random.default_rng(2)
    x = rng.standard_normal((4, 10))

    def explain_fn(b):
        return np.tanh(3 * b)

    got = evaluate.max_sensitivity(explain_fn, x, radius=0.2, n_samples=7, seed=4)
    g = np.random.default_rng(4)
    worst = np.zeros(4)
    for _ in range(7):
        d = g.uniform(-0.2, 0.2, size=x.shape)
        for n in range(4):
            diff = np.linalg.norm(explain_fn(x[n] + d[n]) - explain_fn(x[n]))
            worst[n] = max(worst[n], diff)
    assert np.allclose(got, worst / np.linalg.norm(explain_fn(x), axis=1))
    const = evaluate.max_sensitivity(lambda b: np.ones_like(b), x, radius=0.5)
    assert np.all(const == 0)


def test_similarity_matches_scipy_and_chance_is_zero(maps):
    r, truth = maps
    s = evaluate.similarity(r, truth)
    for n in range(len(r)):
        want = stats.spearmanr(np.abs(r[n].ravel()), np.abs(truth[n].ravel()))[0]
        assert s[n] == pytest.approx(want, abs=1e-12)
    c = evaluate.permutation_similarity(r, n_draws=300, seed=2)
    assert abs(c.mean()) < 4 / np.sqrt(r[0].size * c.size)


def test_kendall_matches_scipy_with_ties_and_bootstrap():
    rng = np.random.default_rng(0)
    for _ in range(20):
        a, b = rng.integers(0, 4, 7), rng.integers(0, 4, 7)
        if len(set(a)) > 1 and len(set(b)) > 1:
            assert evaluate.kendall_tau(a, b) == pytest.approx(stats.kendalltau(a, b)[0])
    truth = rng.standard_normal((5, 40)) + np.arange(5)[:, None]
    same = evaluate.bootstrap_kendall(2 * truth + 1, truth, n_boot=50)
    assert same["tau"] == 1.0 and same["low"] == 1.0
    rev = evaluate.bootstrap_kendall(-truth, truth, n_boot=50)
    assert rev["tau"] == -1.0
    flipped = evaluate.bootstrap_kendall(-truth, truth, n_boot=50, sign=-1)
    assert flipped["tau"] == 1.0
    assert evaluate.rank_by_score([0.2, 0.9, 0.5], ["a", "b", "c"]) == ["b", "c", "a"]


def test_kendall_tie_tolerance_is_scipy_on_the_rounded_scores():
    """Round-off perturbations below rtol * max|score| must not decide an order."""
    rng = np.random.default_rng(1)
    for _ in range(20):
        a, b = rng.integers(0, 4, 8).astype(float), rng.integers(0, 4, 8).astype(float)
        if len(set(a)) > 1 and len(set(b)) > 1:
            want = stats.kendalltau(a, b)[0]
            noisy = a + 1e-9 * rng.standard_normal(8)
            assert evaluate.kendall_tau(noisy, b, rtol=1e-6) == pytest.approx(want)
            assert evaluate.kendall_tau(noisy, b) != pytest.approx(want)  # round-off decides


def test_cascading_randomisation_restores_weights_and_decorrelates(keras):
    inp = keras.Input((12,))
    h = keras.layers.Dense(16, activation="relu", name="h1")(inp)
    out = keras.layers.Dense(1, name="out")(h)
    model = keras.Model(inp, out)
    before = [w.copy() for w in model.get_weights()]
    x = np.random.default_rng(0).standard_normal((8, 12)).astype(np.float32)

    def grad(m, b):  # gradient by finite differences: independent of any XAI backend
        eps = 1e-2
        base = m(b).numpy().ravel()
        cols = []
        for i in range(b.shape[1]):
            bb = b.copy()
            bb[:, i] += eps
            cols.append((m(bb).numpy().ravel() - base) / eps)
        return np.stack(cols, axis=1)

    res = evaluate.cascading_randomisation(model, x, explain_fn=grad, seed=1)
    assert res["layers"] == ["out", "h1"]
    assert res["similarity"].shape == (2, 8) and res["chance"].shape == (20, 8)
    assert res["similarity"][-1].mean() < 0.6
    for a, b in zip(before, model.get_weights()):
        assert np.array_equal(a, b)


def test_rankdata_equals_scipy_average_ranks_with_ties():
    """The package's own ranks (Spearman) against scipy's, with many ties and without."""
    from xai4ess.evaluate._common import rankdata

    rng = np.random.default_rng(0)
    for a in (
        rng.integers(0, 5, (7, 300)).astype(float),
        rng.normal(size=(3, 50)),
        np.maximum(rng.normal(size=(4, 64, 64)), 0).round(2).reshape(4, -1),  # ReLU-ed maps
    ):
        np.testing.assert_array_equal(rankdata(a), stats.rankdata(a, axis=-1))
