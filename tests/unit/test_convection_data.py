"""The convection generator and the shipped split: shapes, determinism, physics, separability."""

from __future__ import annotations

import numpy as np
import pytest

import xai4ess
from xai4ess.data import _convection as gen

KINDS = ("clear", "dim_cloud", "bright_stratiform", "convective", "texture_only")


@pytest.fixture(scope="module")
def standard():
    return xai4ess.data.convection(300, seed=5)


@pytest.fixture(scope="module")
def shipped():
    train, test = xai4ess.data.load("convection")
    return gen.as_float(train), gen.as_float(test)


def test_shapes_dtypes_and_attrs(standard):
    ds = standard
    assert ds.x.shape == (300, 32, 32, 5) and ds.x.dtype == np.float32
    assert ds.y.shape == ds.kind.shape == (300,)
    assert ds.texture_mask.shape == (300, 32, 32) and ds.texture_mask.dtype == bool
    assert ds.attrs["frame_minutes"] == [0, 2, 4, 6, 8]
    assert ds.attrs["pixel_km"] == 0.5
    assert ds.attrs["channels"] == [f"vis_t{m}" for m in (0, 2, 4, 6, 8)]
    assert tuple(ds.attrs["kinds"]) == KINDS
    assert 0.0 <= ds.x.min() and ds.x.max() <= 1.0


def test_ir_channels_are_brightness_temperatures():
    ds = xai4ess.data.convection(40, seed=2, ir=True)
    assert ds.x.shape == (40, 32, 32, 10)
    assert ds.attrs["channels"][5:] == [f"ir_t{m}" for m in (0, 2, 4, 6, 8)]
    vis, tb = ds.x[..., :5], ds.x[..., 5:]
    assert 0 <= vis.min() and vis.max() <= 1
    assert 195 < tb.min() and tb.max() < 310  # K
    # Convective tops are colder than clear-sky surfaces.
    conv = tb[ds.kind == 3].min(axis=(1, 2, 3))
    clear = tb[ds.kind == 0].mean(axis=(1, 2, 3))
    assert conv.max() < clear.min()
    # The visible channels do not depend on whether IR is asked for.
    np.testing.assert_array_equal(vis, xai4ess.data.convection(40, seed=2).x)


def test_deterministic_and_prefix_stable():
    a = xai4ess.data.convection(12, seed=3)
    b = xai4ess.data.convection(12, seed=3)
    c = xai4ess.data.convection(5, seed=3)
    d = xai4ess.data.convection(12, seed=4)
    np.testing.assert_array_equal(a.x, b.x)
    np.testing.assert_array_equal(a.x[:5], c.x)
    np.testing.assert_array_equal(a.texture_mask[:5], c.texture_mask)
    assert not np.array_equal(a.x, d.x)


def test_labels_kinds_and_masks_agree(standard):
    ds = standard
    np.testing.assert_array_equal(ds.y, np.isin(ds.kind, [3, 4]).astype(int))
    has_mask = ds.texture_mask.any(axis=(1, 2))
    np.testing.assert_array_equal(has_mask, ds.y == 1)
    # Turrets are a minority of the patch, inside the scene.
    share = ds.texture_mask[ds.y == 1].mean(axis=(1, 2))
    assert 0.03 < share.mean() < 0.4


def test_rates_and_only():
    none = xai4ess.data.convection(200, seed=1, bright_stratiform_rate=0.0)
    assert not np.any(none.kind == 2) and not np.any(none.kind == 4)
    many = xai4ess.data.convection(
        200, seed=1, bright_stratiform_rate=0.5, texture_only_rate=0.3, convective_rate=0.2
    )
    counts = np.bincount(many.kind, minlength=5) / 200
    assert abs(counts[2] - 0.5) < 0.1 and abs(counts[4] - 0.3) < 0.1
    for k, name in enumerate(KINDS):
        assert np.all(xai4ess.data.convection(3, seed=0, only=name).kind == k)


@pytest.mark.parametrize(
    "kwargs",
    [
        {"n": -1},
        {"n": 2.5},
        {"n": 4, "size": 8},
        {"n": 4, "only": "tornado"},
        {"n": 4, "convective_rate": 1.5},
        {"n": 4, "convective_rate": 0.7, "bright_stratiform_rate": 0.5},
    ],
)
def test_bad_input_is_rejected_clearly(kwargs):
    with pytest.raises(ValueError):
        xai4ess.data.convection(**kwargs)


def test_bubbling_is_where_the_mask_is(standard):
    """Frame-to-frame change is larger inside the turret region than in the rest of the cloud."""
    ds = standard[np.flatnonzero(standard.kind == 3)]
    change = np.abs(np.diff(ds.x, axis=-1)).mean(axis=-1)
    inside = np.array([c[m].mean() for c, m in zip(change, ds.texture_mask)])
    bright_outside = np.array(
        [c[(~m) & (x.mean(-1) > 0.5)].mean() for c, m, x in zip(change, ds.texture_mask, ds.x)]
    )
    ok = np.isfinite(bright_outside)
    assert np.mean(inside[ok] > 1.5 * bright_outside[ok]) > 0.9


def test_brightness_separates_standard_data_but_not_the_remedied_mix(standard):
    """The design of the trap: a brightness threshold works on the standard mix only."""

    def best_threshold_accuracy(ds):
        b = ds.x.mean(axis=(1, 2, 3))
        return max(np.mean((b > t) == (ds.y == 1)) for t in np.linspace(0, 1, 201))

    remedied = xai4ess.data.convection(
        300, seed=5, convective_rate=0.3, bright_stratiform_rate=0.3, texture_only_rate=0.2
    )
    assert best_threshold_accuracy(standard) > 0.9
    assert best_threshold_accuracy(remedied) < 0.75
    # The trap scenes are as bright as the convective ones.
    trap = xai4ess.data.convection(100, seed=7, only="bright_stratiform")
    conv = xai4ess.data.convection(100, seed=7, only="convective")
    assert abs(trap.x.mean() - conv.x.mean()) < 0.05


def test_shipped_split_matches_generator(shipped):
    train, test = shipped
    assert len(train) == gen.SHIPPED["train"][0] and len(test) == gen.SHIPPED["test"][0]
    fresh = gen.shipped_split()
    # uint8 storage: within half a quantisation step of the generator.
    assert np.abs(train.x - fresh.train.x).max() <= 0.5 / 255 + 1e-6
    np.testing.assert_array_equal(test.y, fresh.test.y)
    np.testing.assert_array_equal(test.texture_mask, fresh.test.texture_mask)
    assert train.attrs["x_scale"] == pytest.approx(1 / 255)


def test_shipped_file_is_small_and_registered():
    from xai4ess import registry

    path = registry.path("convection.npz")
    assert path.stat().st_size < 5 * 2**20
    assert registry.entries()["convection.npz"]["recipe"] == "convection"
