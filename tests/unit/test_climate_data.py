"""The synthetic large ensemble: determinism, land mask, ground truth checked by brute force
against the generated maps, the physics the chapter relies on, and the shipped file."""

from __future__ import annotations

import numpy as np
import pytest

import xai4ess
from xai4ess import registry
from xai4ess.data import _climate as gen
from xai4ess.evaluate import area_weights, box_mask


@pytest.fixture(scope="module")
def coarse():
    """Six members at 10 degrees, every year: enough for brute-force noise statistics."""
    return xai4ess.data.climate(members=6, seed=11, resolution=10)


@pytest.fixture(scope="module")
def shipped():
    return xai4ess.data.load("climate")


def forced(ds, years):
    idx = np.searchsorted(ds.forcing_year, years)
    return (
        ds.forcing_ghg[idx, None, None] * ds.pattern_ghg
        + ds.forcing_aer[idx, None, None] * ds.pattern_aer
        + ds.forcing_late[idx, None, None] * ds.pattern_late
        - ds.forced_baseline
    )


def wmean(field, lat, mask=None):
    w = area_weights(lat, field.shape[1])
    if mask is not None:
        w = w * mask
    return float((field * w).sum() / w.sum())


def test_shapes_fields_and_docstring_contract(coarse):
    ds = coarse
    assert ds.x.shape == (6 * 181, 18, 36, 1) and ds.x.dtype == np.float32
    assert ds.y.tolist()[:3] == [1920.0, 1921.0, 1922.0] and ds.y[-1] == 2100.0
    assert np.array_equal(np.unique(ds.member), np.arange(6))
    for name in ("land_mask", "signal", "noise_std", "snr", "emergence_year", "land_fraction"):
        assert getattr(ds, name).shape == (18, 36), name
    assert ds.land_mask.dtype == bool
    assert ds.lat[0] == -85 and ds.lon[0] == -175
    assert ds.attrs["units"]["x"] == "K"


def test_deterministic_and_members_depend_only_on_seed_and_index():
    a = xai4ess.data.climate(members=1, seed=4, last_year=1940, resolution=10)
    b = xai4ess.data.climate(members=2, seed=4, last_year=1940, resolution=10)
    c = xai4ess.data.climate(members=1, seed=5, last_year=1940, resolution=10)
    assert np.array_equal(a.x, b.x[b.member == 0])
    assert not np.allclose(b.x[b.member == 0], b.x[b.member == 1])
    assert not np.allclose(a.x, c.x)


def test_bad_arguments_raise_clear_errors():
    with pytest.raises(ValueError, match="members"):
        xai4ess.data.climate(members=0)
    with pytest.raises(ValueError, match="resolution"):
        xai4ess.data.climate(members=1, resolution=7)
    with pytest.raises(ValueError, match="last_year"):
        xai4ess.data.climate(members=1, first_year=2000, last_year=1990)


def test_land_mask_is_recognisable(shipped):
    ds = shipped.test
    frac = wmean(ds.land_mask.astype(float), ds.lat)
    assert 0.25 < frac < 0.34  # Earth: 29 % land

    def at(lat, lon):
        return bool(ds.land_mask[np.argmin(np.abs(ds.lat - lat)), np.argmin(np.abs(ds.lon - lon))])

    for lat, lon in [
        (47.5, 2.5),
        (22.5, 12.5),
        (-27.5, 132.5),
        (-87.5, 0),
        (72.5, -42.5),
        (42.5, -97.5),
        (-7.5, -57.5),
        (62.5, 97.5),
        (-22.5, 22.5),
    ]:
        assert at(lat, lon), (lat, lon)
    for lat, lon in [
        (0, -150),
        (37.5, -37.5),
        (-32.5, 82.5),
        (-52.5, -172.5),
        (87.5, 0),
        (12.5, -47.5),
        (32.5, 162.5),
        (57.5, -87.5),
    ]:  # last: Hudson Bay
        assert not at(lat, lon), (lat, lon)


def test_noise_std_matches_brute_force(coarse):
    """The analytic noise_std equals the spread of (map - known forced anomaly)."""
    ds = coarse
    res = ds.x[..., 0] - forced(ds, ds.y)
    emp = res.std(axis=0)
    ratio = emp / ds.noise_std
    assert 0.95 < np.median(ratio) < 1.05
    assert np.percentile(ratio, 2) > 0.8 and np.percentile(ratio, 98) < 1.2
    assert abs(res.mean()) < 0.05


def test_signal_and_snr_definitions(coarse):
    ds = coarse
    late = np.arange(2071, 2101)
    assert np.allclose(ds.signal, forced(ds, late).mean(axis=0), atol=1e-5)
    assert np.allclose(ds.snr, np.abs(ds.signal) / ds.noise_std, rtol=1e-5)
    assert np.allclose(forced(ds, np.arange(1920, 1950)).mean(axis=0), 0, atol=1e-5)
    # pattern_ghg is per K of global-mean warming
    assert wmean(ds.pattern_ghg, ds.lat) == pytest.approx(1.0, abs=1e-5)


def test_forced_pattern_has_the_advertised_physics(shipped):
    ds = shipped.test
    glob = wmean(ds.signal, ds.lat)
    assert 2.5 < glob < 4.0
    arctic = box_mask(ds.lat, ds.lon, (65, 90), (-180, 180))
    assert wmean(ds.signal, ds.lat, arctic) > 2.0 * glob  # Arctic amplification
    land = ds.land_mask & ~box_mask(ds.lat, ds.lon, (-90, -60), (-180, 180))
    ocean = ~ds.land_mask & ~arctic & ~box_mask(ds.lat, ds.lon, (-90, -60), (-180, 180))
    assert wmean(ds.signal, ds.lat, land) > 1.3 * wmean(ds.signal, ds.lat, ocean)
    hole = box_mask(ds.lat, ds.lon, (47, 60), (-48, -28))
    assert ds.signal[hole].mean() < 0.3 * glob  # North-Atlantic warming hole
    # early emergence where noise is small: tropics/MENA before the Arctic and Southern Ocean
    mena = box_mask(ds.lat, ds.lon, (15, 40), (-15, 60))
    south = box_mask(ds.lat, ds.lon, (-65, -45), (-180, 180))
    ey = np.nan_to_num(ds.emergence_year, nan=2101)
    assert np.median(ey[mena]) + 10 < np.median(ey[arctic]) < np.median(ey[south])
    assert ds.snr[mena].mean() > ds.snr[arctic].mean()


def test_variability_hides_the_signal_in_single_years(shipped):
    ds = shipped.test
    for year, most in [(1960, 0.95), (1990, 0.6)]:
        hidden = np.abs(forced(ds, [year])[0]) < ds.noise_std
        assert hidden.mean() > most, year
    hidden_2090 = np.abs(forced(ds, [2090])[0]) < ds.noise_std
    assert hidden_2090.mean() < 0.1


def test_internal_variability_has_spatial_structure(coarse):
    """Neighbouring grid points co-vary (red noise, modes), far ones do not."""
    ds = coarse
    res = ds.x[..., 0] - forced(ds, ds.y)
    i, j = 12, 14  # 35N, 35W (North Atlantic) at 10 degrees
    near = np.corrcoef(res[:, i, j], res[:, i, j + 1])[0, 1]
    far = np.corrcoef(res[:, i, j], res[:, 5, 30])[0, 1]  # 35S, 125E (Australia)
    assert near > 0.5 and abs(far) < 0.3
    # ENSO-like: east Pacific points co-vary strongly
    a, b = res[:, 9, 5], res[:, 9, 7]  # 5N, 125W and 105W
    assert np.corrcoef(a, b)[0, 1] > 0.6


def test_shipped_split_by_member_and_equal_to_generator(shipped):
    train, test = shipped
    assert set(np.unique(train.member)) == set(range(8))
    assert set(np.unique(test.member)) == {8, 9}
    assert train.x.dtype == np.float32 and train.x.shape == (8 * 181, 36, 72, 1)
    # member 0 depends only on (seed, 0): compare it with the generator directly
    ref = xai4ess.data.climate(members=1, seed=0)
    step = train.attrs["x_scale"]
    assert np.abs(train.x[train.member == 0] - ref.x).max() <= step / 2 + 1e-4
    assert not np.allclose(test.x[test.member == 8], ref.x, atol=0.5)
    assert (registry.data_dir() / "climate.npz").stat().st_size < 5 * 2**20


def test_land_fraction_doctest_grid():
    lat = np.arange(-87.5, 90, 5.0)
    lon = np.arange(-177.5, 180, 5.0)
    frac = gen.land_fraction(lat, lon)
    assert frac.shape == (36, 72) and 0 <= frac.min() and frac.max() <= 1
    assert np.array_equal(frac >= 0.5, xai4ess.data.load("climate").test.land_mask)
