"""The shipped sweep of the chapter "Can you trust a heatmap?" (``results/trust.npz``):
it matches its registry hash, and its third reliability dataset (the climate network)
is scored against the truth the chapter names -- the true signal-to-noise map -- which
the tests recompute independently (gradient maps, a brute-force Kendall tau, and an
ensemble estimate of the SNR from the shipped maps)."""

from __future__ import annotations

import hashlib
import json

import numpy as np
import pytest
from scipy import stats

from xai4ess import registry
from xai4ess.evaluate import _sweep

SIGNS = dict(_sweep.PROXIES)


@pytest.fixture(scope="module")
def res():
    return registry.load_npz("results/trust.npz")


@pytest.fixture(scope="module")
def climate_test():
    import xai4ess

    return xai4ess.data.load("climate")


def test_results_file_matches_its_registry_hash():
    entry = registry.entries()["results/trust.npz"]
    digest = hashlib.sha256(registry.data_dir().joinpath("results/trust.npz").read_bytes())
    assert digest.hexdigest() == entry["sha256"]
    assert entry["recipe"] == "results:trust"


def test_reliability_table_covers_three_datasets_with_truth(res):
    meta = json.loads(bytes(res["meta"]).decode())
    for name in ("additive", "additive_cnn", "horses", "climate"):
        tau = res[f"{name}/tau"]
        assert tau.shape == (len(meta["proxies"]), 3)
        assert np.all(np.isfinite(tau))
        assert np.all(tau[:, 1] <= tau[:, 2])


def test_climate_samples_are_late_century_test_maps(res, climate_test):
    _, test = climate_test
    years = res["climate/years"]
    assert len(years) == _sweep.N_CLIMATE
    assert years.min() >= 2071 and years.max() <= 2100
    pick = np.flatnonzero(test.y >= 2071)[: len(years)]
    assert np.array_equal(test.y[pick], years)


def test_climate_truth_score_is_correlation_with_the_snr_map(res, climate_test):
    """Recompute the stored 'truth' score of two methods with plain numpy: Pearson r
    between each gradient (input x gradient) map and ``test.snr``, sample by sample."""
    import xai4ess

    _, test = climate_test
    meta = json.loads(bytes(res["meta"]).decode())
    pick = np.flatnonzero(test.y >= 2071)[: len(res["climate/years"])]
    x = test.x[pick].astype(np.float32)
    model = xai4ess.models.load("climate")
    for m in ("gradient", "input_t_gradient"):
        r = np.asarray(xai4ess.explain(model, x, m), dtype=np.float64).reshape(len(x), -1)
        plain = [np.corrcoef(r[n], test.snr.ravel())[0, 1] for n in range(len(x))]
        stored = res["climate/proxy_truth"][meta["methods"].index(m)]
        np.testing.assert_allclose(stored, plain, atol=2e-3)
    # and it is not the correlation with the forced signal itself (a different truth)
    r = np.asarray(xai4ess.explain(model, x, "gradient"), dtype=np.float64).reshape(len(x), -1)
    with_signal = [np.corrcoef(r[n], test.signal.ravel())[0, 1] for n in range(len(x))]
    gi = meta["methods"].index("gradient")
    assert np.max(np.abs(res["climate/proxy_truth"][gi] - with_signal)) > 0.01


def test_snr_map_matches_an_ensemble_estimate(climate_test):
    """``snr`` is |forced late-century anomaly| / internal std: estimate both from the
    shipped members (ensemble mean and spread about it) and compare."""
    train, test = climate_test
    x = np.concatenate([train.x[..., 0], test.x[..., 0]]).astype(np.float64)
    year = np.concatenate([train.y, test.y])
    member = np.concatenate([train.member, test.member])
    n_members = len(np.unique(member))
    late = (year >= 2071) & (year <= 2100)
    by_year = x[late].reshape(n_members, -1, *x.shape[1:])  # member-major order
    mean = by_year.mean(axis=0)  # (years, lat, lon)
    spread = np.sqrt(((by_year - mean) ** 2).sum(axis=0).mean(axis=0) / (n_members - 1))
    snr_hat = np.abs(mean.mean(axis=0)) / spread
    r = np.corrcoef(snr_hat.ravel(), test.snr.ravel())[0, 1]
    assert r > 0.95  # |signal| alone gives about 0.1, |signal| / std**2 about 0.86
    assert np.median(snr_hat / test.snr) == pytest.approx(1.0, abs=0.1)


def _plain_tau_b(a, b, rtol):
    """Kendall's tau-b by a loop over pairs; scores within rtol * max|score| are ties."""
    ta, tb = rtol * np.max(np.abs(a)), rtol * np.max(np.abs(b))
    num = n_a = n_b = 0
    for i in range(len(a)):
        for j in range(i + 1, len(a)):
            sa = 0 if abs(a[i] - a[j]) <= ta else np.sign(a[i] - a[j])
            sb = 0 if abs(b[i] - b[j]) <= tb else np.sign(b[i] - b[j])
            num += sa * sb
            n_a += sa != 0
            n_b += sb != 0
    return num / np.sqrt(n_a * n_b)


def test_stored_taus_match_a_brute_force_kendall(res):
    """tau of each metric's ranking against the truth ranking, recomputed from the stored
    per-sample scores by a plain loop (and by scipy where no near-ties occur)."""
    meta = json.loads(bytes(res["meta"]).decode())
    for name in ("additive", "additive_cnn", "horses", "climate"):
        vals, fid = res[f"{name}/proxy"], res[f"{name}/proxy_truth"]
        ok = np.isfinite(fid).all(axis=1)
        for k, p in enumerate(meta["proxies"]):
            good = ok & np.isfinite(vals[k]).any(axis=1)
            a = SIGNS[p] * np.nanmedian(vals[k][good].astype(np.float64), axis=1)
            b = np.nanmedian(fid[good].astype(np.float64), axis=1)
            want = _plain_tau_b(a, b, _sweep.TIE_RTOL)
            assert res[f"{name}/tau"][k, 0] == pytest.approx(want, abs=1e-9), (name, p)
            lo, hi = res[f"{name}/tau"][k, 1:]
            assert -1 <= lo <= hi <= 1
    # without near-ties the loop is scipy's tau-b
    a, b = np.array([0.3, 0.1, 0.2, 0.9, 0.5]), np.array([1.0, 2.0, 2.0, 5.0, 3.0])
    assert _plain_tau_b(a, b, 1e-5) == pytest.approx(stats.kendalltau(a, b).statistic)
