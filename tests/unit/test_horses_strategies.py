"""xai4ess.evaluate (localisation, strategies): region shares against a brute-force loop, SpRAy on planted clusters."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.metrics import adjusted_rand_score

from xai4ess import evaluate as S


def _brute_shares(r, masks):
    out = []
    for i in range(r.shape[0]):
        m = np.clip(r[i].sum(axis=-1), 0, None)
        taken = np.zeros(m.shape, bool)
        row = {}
        for name, mask in masks.items():
            own = mask[i] & ~taken
            taken |= own
            row[name] = sum(m[a, b] for a, b in zip(*np.nonzero(own)))
        row["background"] = sum(m[a, b] for a, b in zip(*np.nonzero(~taken)))
        total = m.sum()
        out.append({k: v / total for k, v in row.items()})
    return out


def test_region_shares_match_brute_force():
    rng = np.random.default_rng(0)
    r = rng.normal(size=(5, 9, 7, 3))
    masks = {"a": rng.random((5, 9, 7)) < 0.3, "b": rng.random((5, 9, 7)) < 0.3}  # overlapping
    df = S.region_shares(r, masks)
    assert list(df.columns) == ["a", "b", "background"]
    expected = _brute_shares(r, masks)
    for i, row in enumerate(expected):
        for k, v in row.items():
            assert df[k][i] == pytest.approx(v, rel=1e-12)
    np.testing.assert_allclose(df.sum(axis=1), 1.0)


def test_region_shares_edge_cases():
    r = np.zeros((2, 4, 4))
    r[1, 0, 0] = -1.0  # only negative relevance: no positive evidence at all
    df = S.region_shares(r, {"a": np.ones((4, 4), bool)})
    assert df.isna().all().all()
    df_abs = S.region_shares(r, {"a": np.eye(4, dtype=bool)}, positive=False)
    assert df_abs["a"][1] == 1.0
    with pytest.raises(ValueError):
        S.region_shares(r, {"a": np.ones((3, 3), bool)})
    with pytest.raises(ValueError):
        S.region_shares(r, {"background": np.ones((4, 4), bool)})


def test_dominant_region():
    import pandas as pd

    df = pd.DataFrame(
        {
            "horse": [0.5, 0.1, np.nan, 0.02],
            "tag": [0.2, 0.4, np.nan, 0.01],
            "background": [0.3, 0.5, np.nan, 0.97],
        }
    )
    assert S.dominant_region(df).tolist() == ["horse", "tag", "none", "horse"]
    assert S.dominant_region(df, min_share=0.05).tolist()[3] == "none"


def _planted(n_per=40, size=32, seed=0):
    """Maps with relevance in one of three places, at random strengths, plus noise."""
    rng = np.random.default_rng(seed)
    maps, truth = [], []
    spots = [
        (slice(24, 30), slice(2, 10)),
        (slice(4, 12), slice(20, 28)),
        (slice(14, 18), slice(0, 32)),
    ]
    for k, (rows, cols) in enumerate(spots):
        for _ in range(n_per):
            m = rng.random((size, size)) * 0.2
            m[rows, cols] += rng.uniform(3, 4)
            maps.append(m)
            truth.append(k)
    order = rng.permutation(len(maps))
    return np.array(maps)[order], np.array(truth)[order]


def test_spray_recovers_planted_strategies():
    maps, truth = _planted()
    res = S.spray(maps, shape=(8, 8))
    assert res.n_clusters == 3  # chosen by the eigengap
    assert adjusted_rand_score(truth, res.labels) == pytest.approx(1.0)
    assert S.cluster_purity(res.labels, truth) == 1.0
    # three (near) zero eigenvalues, then the gap
    assert res.eigenvalues[2] < 1e-8 and res.eigenvalues[3] > 0.05
    assert res.mean_maps().shape == (3, 8, 8)
    # clusters are numbered by size, largest first
    sizes = np.bincount(res.labels)
    assert np.all(np.diff(sizes) <= 0)
    # the plain k-NN graph separates them too when told how many there are
    knn = S.spray(maps, 3, shape=(8, 8), affinity="knn", n_neighbors=8)
    assert adjusted_rand_score(truth, knn.labels) == pytest.approx(1.0)


def test_spray_is_deterministic_and_validates():
    maps, _ = _planted(n_per=15, seed=1)
    a = S.spray(maps, 3, shape=(8, 8))
    b = S.spray(maps, 3, shape=(8, 8))
    np.testing.assert_array_equal(a.labels, b.labels)
    with pytest.raises(ValueError):
        S.spray(maps[:2])
    with pytest.raises(ValueError):
        S.spray(maps, n_clusters=0)
    with pytest.raises(ValueError):
        S.spray(maps, affinity="rbf")


def test_pool_maps_is_unit_length_and_location_preserving():
    m = np.zeros((1, 16, 16, 3))
    m[0, 0, 15, 0] = 2.0
    m[0, 0, 15, 1] = 1.0
    p = S.pool_maps(m, (4, 4))
    assert p.shape == (1, 4, 4)
    assert p[0, 0, 3] == pytest.approx(1.0) and p.sum() == pytest.approx(1.0)
    assert np.all(S.pool_maps(np.zeros((1, 8, 8)), (4, 4)) == 0)


def test_cluster_table_counts():
    t = S.cluster_table(
        np.array([0, 0, 1, 1, 1]), np.array(["a", "b", "b", "b", "c"]), names=["a", "b", "c", "d"]
    )
    assert t.to_numpy().tolist() == [[1, 1, 0, 0], [0, 2, 1, 0]]
    assert S.cluster_purity(
        np.array([0, 0, 1, 1, 1]), np.array(["a", "b", "b", "b", "c"])
    ) == pytest.approx(3 / 5)
