"""The capstone's heavy-rain data and model: label identity, the archive artefact,
byte-identical regeneration, the xarray view, and the exercise checks."""

from __future__ import annotations

import hashlib

import numpy as np
import pytest

import xai4ess
from xai4ess.data import _rainday as gen


@pytest.fixture(scope="module")
def days():
    return xai4ess.data.rainday(600, seed=5)


def test_label_is_the_thresholded_rain_index(days):
    assert np.array_equal(days.y, (days.rain > gen.THRESHOLD).astype(np.int64))
    # the index is the noise-free moisture-times-ascent mean over the box plus the noise
    clean = xai4ess.data.rainday(600, seed=5, artefact=False)
    t, w = clean.x[..., 0].astype(np.float64), clean.x[..., 1].astype(np.float64)
    rate = np.maximum(t - 25.0, 0.0) * np.maximum(-w, 0.0)
    box = np.zeros(gen.SHAPE, bool)
    box[10:14, 14:18] = True
    by_hand = np.array([rate[n][box].mean() for n in range(len(clean))])
    noise = days.rain - by_hand
    assert abs(noise.std() - gen.INDEX_NOISE) < 0.1 and abs(noise.mean()) < 0.1
    assert np.array_equal(days.truth, box)


def test_artefact_is_the_only_difference_and_tracks_the_label(days):
    clean = xai4ess.data.rainday(600, seed=5, artefact=False)
    diff = days.x != clean.x
    assert not diff[..., 1:].any()  # only tcwv changes
    cols = np.flatnonzero(diff.any(axis=(0, 1, 3)))
    assert cols.tolist() == [gen.GAP_COLUMN]
    changed = diff.any(axis=(1, 2, 3))
    assert np.array_equal(changed, days.gap) and not clean.gap.any()
    assert np.all(days.x[days.gap, :, gen.GAP_COLUMN, 0] == gen.FILL_VALUE)
    assert np.all(clean.x[..., 0] > 0)  # a real tcwv is never the fill value
    assert np.array_equal(days.y, clean.y)
    pos, neg = days.gap[days.y == 1].mean(), days.gap[days.y == 0].mean()
    assert abs(pos - gen.GAP_RATE[1]) < 0.1 and abs(neg - gen.GAP_RATE[0]) < 0.05


def test_regeneration_is_byte_identical():
    a, b = xai4ess.data.rainday(64, seed=7), xai4ess.data.rainday(64, seed=7)
    digest = {
        k: hashlib.sha256(np.ascontiguousarray(getattr(a, k)).tobytes()).hexdigest()
        for k in ("x", "y", "rain", "gap")
    }
    for k, h in digest.items():
        assert hashlib.sha256(np.ascontiguousarray(getattr(b, k)).tobytes()).hexdigest() == h
    assert not np.array_equal(a.x, xai4ess.data.rainday(64, seed=8).x)
    train, test = xai4ess.data.rainday_split()
    assert (len(train), len(test)) == (gen.N_TRAIN, gen.N_TEST)
    assert np.array_equal(train.x, xai4ess.data.rainday(gen.N_TRAIN, gen.TRAIN_SEED).x)


def test_xarray_view_keeps_values_units_and_grid(days):
    xds = xai4ess.data.rainday_xarray(days[:5])
    for k, name in enumerate(gen.CHANNELS):
        assert xds[name].dims == ("time", "lat", "lon")
        assert xds[name].attrs["units"] == gen.UNITS[name]
        assert np.array_equal(xds[name].values, days.x[:5, ..., k])
    assert (
        np.array_equal(xds["lat"].values, days.lat) and xds["lon"].attrs["units"] == "degrees_east"
    )
    assert float(xds["lon"].values[gen.GAP_COLUMN]) == 3.25  # the exercise's answer
    assert np.array_equal(xds["heavy_rain"].values, days.y[:5])


def test_repair_is_close_to_the_clean_field():
    gapped = xai4ess.data.rainday(200, seed=9)
    clean = xai4ess.data.rainday(200, seed=9, artefact=False)
    fixed = xai4ess.data.rainday_repair(gapped.x)
    err = np.abs(fixed[..., gen.GAP_COLUMN, 0] - clean.x[..., gen.GAP_COLUMN, 0])
    assert err.mean() < 0.5  # kg m-2, against a field of ~30 and a fill value of 0
    assert np.array_equal(
        np.delete(fixed, gen.GAP_COLUMN, axis=2), np.delete(gapped.x, gen.GAP_COLUMN, axis=2)
    )


def test_standardise_matches_numpy():
    r = np.random.default_rng(0).normal(5.0, 2.0, (10, 3, 4, 2)).astype(np.float32)
    z = xai4ess.models.standardise(r, r)
    assert np.allclose(z.mean(axis=(0, 1, 2)), 0, atol=1e-5)
    assert np.allclose(z.std(axis=(0, 1, 2)), 1, atol=1e-5)


# --------------------------------------------------------------------------- exercises


def test_check_shortcut_right_and_seeded_wrong():
    from xai4ess.exercises import check_shortcut

    assert check_shortcut({"channel": "tcwv", "lon": 3.25})
    assert check_shortcut({"channel": "TCWV ", "lon": 3.75})  # one grid cell off is accepted
    for wrong in (
        {"channel": "w500", "lon": 8.25},  # the catchment: physics
        {"channel": "tcwv", "lon": 8.25},
        {"channel": "mslp", "lon": 3.25},
        {"channel": "tcwv"},
        {"channel": "tcwv", "lon": "west"},
        ...,
        None,
    ):
        fb = check_shortcut(wrong)
        assert not fb and "3.25" not in fb.message


def test_check_clean_accuracy_right_and_seeded_wrong():
    from xai4ess import exercises as xe

    train, test = xai4ess.data.rainday_split()
    clean = xai4ess.data.rainday(xe.CLEAN_DAYS, xe.CLEAN_SEED, artefact=False)
    model = xai4ess.models.load("rainday")
    # an independent standardisation (float64 numpy by hand)
    mu = train.x.astype(np.float64).mean(axis=(0, 1, 2))
    sd = train.x.astype(np.float64).std(axis=(0, 1, 2))
    x = ((clean.x - mu) / sd).astype(np.float32)
    right = float(np.mean(np.asarray(model(x)).argmax(1) == clean.y))
    assert xe.check_clean_accuracy(right)
    on_test = float(
        np.mean(np.asarray(model(((test.x - mu) / sd).astype(np.float32))).argmax(1) == test.y)
    )
    assert on_test - right > 0.02  # the artefact flatters the test score
    assert not xe.check_clean_accuracy(on_test)
    assert not xe.check_clean_accuracy(100 * right)  # percent
    unscaled = float(np.mean(np.asarray(model(clean.x)).argmax(1) == clean.y))
    if abs(unscaled - right) > 0.01:
        assert not xe.check_clean_accuracy(unscaled)
    assert not xe.check_clean_accuracy(...)
