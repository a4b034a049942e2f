"""The horse-scene generator: ground truth, counterfactual edits, determinism, shipped split."""

from __future__ import annotations

import numpy as np
import pytest

import xai4ess
from xai4ess.data import _horses as gen


@pytest.fixture(scope="module")
def scenes():
    return xai4ess.data.horses(60, seed=11)


def test_fields_types_and_ranges(scenes):
    ds = scenes
    assert ds.x.shape == (60, 64, 64, 3) and ds.x.dtype == np.float32
    assert 0.0 <= ds.x.min() and ds.x.max() <= 1.0
    assert set(np.unique(ds.y)) <= {0, 1}
    for name in ("horse_mask", "object_mask", "tag_mask", "pole_mask"):
        assert getattr(ds, name).shape == (60, 64, 64) and getattr(ds, name).dtype == bool
    np.testing.assert_array_equal(ds.index, np.arange(60))
    # label and kind agree; a horse scene has a horse, the others none
    np.testing.assert_array_equal(ds.y == 1, ds.kind == 0)
    assert np.all(ds.horse_mask[ds.y == 1].sum(axis=(1, 2)) > 20)
    assert not ds.horse_mask[ds.y == 0].any()
    assert np.all(ds.object_mask.sum(axis=(1, 2)) > 20)
    # flags and masks agree
    np.testing.assert_array_equal(ds.has_tag, ds.tag_mask.any(axis=(1, 2)))
    assert not ds.pole_mask[~ds.has_pole].any()


def test_masks_are_disjoint(scenes):
    total = (
        scenes.object_mask.astype(int) + scenes.tag_mask.astype(int) + scenes.pole_mask.astype(int)
    )
    assert total.max() <= 1


def test_deterministic_and_independent_of_n():
    a = xai4ess.data.horses(6, seed=3)
    b = xai4ess.data.horses(10, seed=3)
    c = xai4ess.data.horses(seed=3, index=[4, 5])
    np.testing.assert_array_equal(a.x, b.x[:6])
    np.testing.assert_array_equal(a.x[4:], c.x)
    assert not np.array_equal(a.x, xai4ess.data.horses(6, seed=4).x)


def test_tag_toggle_changes_exactly_the_tag_box(scenes):
    on = xai4ess.data.horses(seed=11, index=scenes.index, tag=True, poles=scenes.has_pole)
    off = xai4ess.data.horses(seed=11, index=scenes.index, tag=False, poles=scenes.has_pole)
    changed = np.any(np.abs(on.x - off.x) > 1e-6, axis=-1)
    # outside the box nothing changes; inside, the dark box changes every pixel
    assert not changed[~on.tag_mask].any()
    np.testing.assert_array_equal(changed, on.tag_mask)
    # the box is a small rectangle in the lower-left corner
    rows, cols = np.nonzero(on.tag_mask.any(axis=0))
    assert rows.min() >= 48 and cols.max() <= 20
    area = on.tag_mask.mean(axis=(1, 2))
    assert np.all((area > 0.015) & (area < 0.04))
    # the tag box is darker on average than the scene under it, its text bright
    assert np.all(on.x[on.tag_mask].mean() < off.x[on.tag_mask].mean())


def test_pole_toggle_changes_exactly_the_visible_fence(scenes):
    on = xai4ess.data.horses(seed=11, index=scenes.index, tag=False, poles=True)
    off = xai4ess.data.horses(seed=11, index=scenes.index, tag=False, poles=False)
    changed = np.any(np.abs(on.x - off.x) > 1e-6, axis=-1)
    assert not changed[~on.pole_mask].any()
    # nearly every visible fence pixel differs from the scene behind it
    assert changed[on.pole_mask].mean() > 0.97
    # the object is the same with or without fence: it is drawn in front
    np.testing.assert_array_equal(on.object_mask, off.object_mask)


def test_scene_does_not_depend_on_the_rates(scenes):
    other = xai4ess.data.horses(60, seed=11, **gen.BALANCED)
    np.testing.assert_array_equal(other.y, scenes.y)
    no_tag = ~(other.tag_mask | scenes.tag_mask)
    np.testing.assert_array_equal(other.object_mask & no_tag, scenes.object_mask & no_tag)
    same = ~(other.tag_mask | scenes.tag_mask | other.pole_mask | scenes.pole_mask)
    # pixels differ only where tag or fence appear in one version (and where a fence
    # would be hidden behind the object, which both versions leave unchanged)
    diff = np.any(np.abs(other.x - scenes.x) > 1e-6, axis=-1)
    fence_anywhere = xai4ess.data.horses(
        seed=11, index=scenes.index, tag=False, poles=True
    ).pole_mask
    assert not diff[same & ~fence_anywhere].any()


def test_rates_are_respected():
    ds = xai4ess.data.horses(
        400,
        seed=5,
        tag_rate_horse=0.9,
        tag_rate_other=0.1,
        pole_rate_horse=0.7,
        pole_rate_other=0.2,
    )
    h = ds.y == 1
    # binomial 4-sigma bounds
    for flag, sel, p in [
        (ds.has_tag, h, 0.9),
        (ds.has_tag, ~h, 0.1),
        (ds.has_pole, h, 0.7),
        (ds.has_pole, ~h, 0.2),
        (h, np.ones_like(h), 0.5),
    ]:
        n = sel.sum()
        assert abs(flag[sel].mean() - p) < 4 * np.sqrt(p * (1 - p) / n) + 1e-9
    # every non-horse kind occurs
    assert set(np.unique(ds.kind)) == set(range(len(gen.KINDS)))


def test_horse_mask_is_the_scikit_image_horse():
    """Un-shear a horse mask back onto the template: it matches the skimage silhouette."""
    from skimage import transform

    ds = xai4ess.data.horses(40, seed=8, tag=False, poles=False)
    tmpl = gen._horse_template() > 0.5
    ious = []
    for m in ds.horse_mask[ds.y == 1]:
        rows, cols = np.nonzero(m)
        if rows.min() == 0 or cols.min() == 0 or rows.max() == 63 or cols.max() == 63:
            continue  # cut by the image border
        crop = m[rows.min() : rows.max() + 1, cols.min() : cols.max() + 1].astype(float)
        small = transform.resize(tmpl.astype(float), crop.shape, order=1) > 0.5
        best = max((small & c).sum() / (small | c).sum() for c in (crop > 0.5, crop[:, ::-1] > 0.5))
        ious.append(best)
    assert len(ious) >= 5
    # shear and aspect jitter keep the overlap high; a cow or a box would score far lower
    assert np.median(ious) > 0.7


def test_edit_matches_generator(scenes):
    edited = gen.edit(scenes, tag=True)
    assert edited.has_tag.all()
    np.testing.assert_array_equal(edited.has_pole, scenes.has_pole)
    keep = gen.edit(scenes)
    np.testing.assert_array_equal(keep.x, scenes.x)


@pytest.mark.parametrize(
    "kwargs",
    [
        {"n": 3, "tag_rate_horse": 1.5},
        {"n": 3, "pole_rate_other": -0.1},
        {"n": -1},
        {"n": 3, "size": 16},
        {"n": 3, "index": [0, 1]},
        {"index": [-1]},
        {"n": 3, "tag": [True, False]},
        {},
    ],
)
def test_bad_arguments_raise_clear_errors(kwargs):
    with pytest.raises(ValueError):
        xai4ess.data.horses(**kwargs)


def test_shipped_split_matches_the_generator():
    train, test = xai4ess.data.load("horses")
    assert (len(train), len(test)) == (gen.SHIPPED["n_train"], gen.SHIPPED["n_test"])
    assert test.x.dtype == np.float32 and test.x.max() <= 1.0
    for ds, seed in ((train, gen.SHIPPED["train_seed"]), (test, gen.SHIPPED["test_seed"])):
        assert ds.attrs["seed"] == seed
        for key, value in gen.CONFOUNDED.items():
            assert ds.attrs[key] == value
        sub = np.arange(0, len(ds), 7)
        fresh = xai4ess.data.horses(seed=seed, index=ds.index[sub])
        np.testing.assert_allclose(ds.x[sub], fresh.x, atol=0.5 / 255 + 1e-6)
        for name in ("y", "tag_mask", "pole_mask", "horse_mask", "has_tag", "has_pole"):
            np.testing.assert_array_equal(getattr(ds, name)[sub], getattr(fresh, name))
    # the shipped test set is confounded like the training data
    h = test.y == 1
    assert test.has_tag[h].mean() > 0.6 and test.has_tag[~h].mean() < 0.1
