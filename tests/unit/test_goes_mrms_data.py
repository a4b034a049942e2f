"""GOES -> MRMS generator and shipped split: shapes, determinism, physics, ground truth."""

from __future__ import annotations

import numpy as np
import pytest

import xai4ess
from xai4ess import registry
from xai4ess.data import _goes_mrms as gen


@pytest.fixture(scope="module")
def ds():
    return xai4ess.data.goes_mrms(60, size=64, seed=11)


@pytest.fixture(scope="module")
def shipped():
    return xai4ess.data.load("goes_mrms")


def test_shapes_dtypes_units(ds):
    assert ds.x.shape == (60, 64, 64, 4) and ds.x.dtype == np.float32
    assert ds.y.shape == (60, 64, 64, 1) and ds.y.dtype == np.float32
    for name in ("lightning_mask", "boundary_mask", "dense_mask"):
        assert getattr(ds, name).shape == (60, 64, 64) and getattr(ds, name).dtype == bool
    assert ds.core_type.dtype == np.uint8 and set(np.unique(ds.core_type)) <= {0, 1, 2, 3}
    assert ds.attrs["channels"] == ["C07", "C09", "C13", "GLM"]
    assert ds.attrs["units"]["C13"] == "K" and ds.attrs["units"]["y"] == "dBZ"
    assert ds.attrs["pixel_km"] == 2.0
    assert "SYNTHETIC" in ds.attrs["description"]
    tb = ds.x[..., :3]
    assert 170.0 < tb.min() and tb.max() < 320.0  # plausible infrared brightness temperatures
    assert ds.x[..., 3].min() == 0.0 and np.all(ds.x[..., 3] == np.round(ds.x[..., 3]))  # counts
    assert ds.y.min() == 0.0 and 50.0 < ds.y.max() <= 70.0
    assert np.all((ds.y == 0) | (ds.y >= gen.ECHO_MIN_DBZ))  # 0 means no echo


def test_deterministic_and_seeded():
    a = xai4ess.data.goes_mrms(3, size=32, seed=4)
    b = xai4ess.data.goes_mrms(3, size=32, seed=4)
    c = xai4ess.data.goes_mrms(3, size=32, seed=5)
    for f in ("x", "y", "core_type", "boundary_mask"):
        np.testing.assert_array_equal(getattr(a, f), getattr(b, f))
    assert not np.array_equal(a.x, c.x)


@pytest.mark.parametrize("kwargs", [dict(n=0), dict(n=2, size=4), dict(n=2, density=-1.0)])
def test_bad_arguments(kwargs):
    with pytest.raises(ValueError):
        xai4ess.data.goes_mrms(**kwargs)


def test_network_input_is_documented_affine_map(ds):
    xin = gen.network_input(ds.x)
    expected = (ds.x.astype(np.float64) - [310, 250, 300, 0]) / [-100, -50, -100, 1]
    np.testing.assert_allclose(xin, expected, rtol=1e-6, atol=1e-6)
    np.testing.assert_array_equal(ds.input_offset, gen.INPUT_OFFSET)
    with pytest.raises(ValueError, match="channels"):
        gen.network_input(ds.x[..., :3])


def test_ground_truth_masks_match_the_fields(ds):
    x = ds.x
    # lightning mask is exactly where GLM counted groups
    np.testing.assert_array_equal(ds.lightning_mask, x[..., 3] > 0)
    # dense zones are the coldest tops (masks come from noise-free C13; noise is 0.2 K)
    c13 = x[..., 2]
    assert c13[ds.dense_mask].max() <= gen.DENSE_C13_K + 1.5
    assert c13[~ds.dense_mask].min() >= gen.DENSE_C13_K - 1.5
    # cloud-edge zones have strong C13 gradients, the rest does not
    gy, gx = np.gradient(c13, axis=(1, 2))
    g = np.hypot(gy, gx)
    assert np.median(g[ds.boundary_mask]) > 15.0
    assert np.percentile(g[~ds.boundary_mask], 99) < 10.0


def test_storm_physics(ds):
    x, y, core = ds.x, ds.y[..., 0], ds.core_type
    light = ds.lightning_mask
    # lightning only over lightning storms, and there with strong echo
    assert np.all(np.isin(core[light & (y >= 30)], [0, 1]))
    assert y[light].mean() > 30.0
    assert not light[np.isin(core, [2, 3])].any()
    # every core kind makes strong echo
    for k in (1, 2, 3):
        assert (y[core == k] >= 30).mean() > 0.9
    # dense storms: extremely cold tops with C09 warmer than C13 (overshooting tops)
    dense = core == 3
    assert x[..., 2][dense].mean() < 200.0
    assert (x[..., 1] - x[..., 2])[dense].mean() > 2.0
    # lightning storms and towers are NOT that cold: coldness alone cannot find them
    assert x[..., 2][core == 1].mean() > 215.0 and x[..., 2][core == 2].mean() > 215.0
    # cold cloud without a core (anvils): weak echo only
    anvil = (x[..., 2] < 232) & (core == 0) & ~light
    assert anvil.sum() > 1000 and np.percentile(y[anvil], 95) <= 25.0
    # clear sky: (almost) no echo
    clear = x[..., 2] > 285
    assert (y[clear] >= 15).mean() < 1e-3


def test_shipped_split(shipped):
    train, test = shipped
    assert train.x.shape == (320, 64, 64, 4) and test.x.shape == (8, 256, 256, 4)
    assert train.x.dtype == test.x.dtype == np.float32
    for f in ("lightning_mask", "boundary_mask", "dense_mask", "core_type"):
        assert getattr(test, f).shape == (8, 256, 256)
    # each test scene holds all three kinds of strong echo somewhere
    kinds = {k: sum(((test.core_type[i] == k).any()) for i in range(8)) for k in (1, 2, 3)}
    assert min(kinds.values()) >= 5
    entry = registry.entries()["goes_mrms.npz"]
    assert entry["bytes"] < 5 * 2**20


def test_shipped_split_regenerates_identically(shipped):
    """Scenes come from one seeded stream, so the first tiles of a shorter run are the same."""
    train, test = shipped
    spec = gen.SHIPPED
    again = gen.goes_mrms(**spec["test"])
    head = gen.goes_mrms(**{**spec["train"], "n": 24})
    for f in ("x", "y", "lightning_mask", "boundary_mask", "dense_mask", "core_type"):
        np.testing.assert_array_equal(getattr(again, f), getattr(test, f))
        np.testing.assert_array_equal(getattr(head, f), getattr(train, f)[:24])
    assert again.attrs == test.attrs


def test_diffuse_tower_edges_are_the_same_towers_with_blurred_edges():
    """The counterfactual of chapter 5: only the tower clouds' edges change."""
    sharp = xai4ess.data.goes_mrms(6, size=64, seed=7)
    diffuse = xai4ess.data.goes_mrms(6, size=64, seed=7, tower_edge_blur=3.0)
    towers = sharp.core_type == 2
    assert towers.sum() > 20  # the scenes hold developing towers
    # same draws: the same towers (echo, truth, core type) and the same lightning
    np.testing.assert_array_equal(sharp.y, diffuse.y)
    np.testing.assert_array_equal(sharp.core_type, diffuse.core_type)
    np.testing.assert_array_equal(sharp.x[..., 3], diffuse.x[..., 3])
    # the C13 gradient on the towers' sharp edges is much smaller when blurred
    from scipy import ndimage

    near = ndimage.binary_dilation(towers, structure=np.ones((1, 3, 3)), iterations=10)
    edge = sharp.boundary_mask & near
    assert edge.sum() > 20

    def grad(x):
        gy, gx = np.gradient(x[..., 2].astype(np.float64), axis=(1, 2))
        return np.hypot(gy, gx)

    assert grad(diffuse.x)[edge].mean() < 0.5 * grad(sharp.x)[edge].mean()
    assert (diffuse.boundary_mask & near).sum() < 0.2 * edge.sum()
    # the tower tops stay as cold: the blur moves cloud across the edge, not its top
    core = towers & (sharp.y[..., 0] >= 40)
    assert abs(diffuse.x[..., 2][core].mean() - sharp.x[..., 2][core].mean()) < 3.0
    # the default is the shipped (sharp) generator
    default = xai4ess.data.goes_mrms(6, size=64, seed=7, tower_edge_blur=0.6)
    np.testing.assert_array_equal(sharp.x, default.x)


def test_tower_edge_blur_must_be_positive():
    with pytest.raises(ValueError, match="tower_edge_blur"):
        xai4ess.data.goes_mrms(2, size=32, tower_edge_blur=0.0)
