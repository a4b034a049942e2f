"""Fast demo redraws show what a freshly built figure shows; cached analyzers give fresh maps.

The demos redraw through ``widgets._live.FigureView`` (layout computed once,
one draw per change) and the GOES -> MRMS demo moves its output pixel in place.
Each is compared with the slow path it replaces: a new figure saved as the
inline backend saves it, or a new figure for the new pixel. The analyzer
cache is compared with analyzers built from scratch, per pixel and per model.
"""

from __future__ import annotations

import io

import matplotlib
import numpy as np
import pytest

matplotlib.use("Agg")


def _pixels(png: bytes) -> np.ndarray:
    from PIL import Image

    return np.asarray(Image.open(io.BytesIO(png)).convert("RGB"), dtype=np.int16)


def _differ(a: np.ndarray, b: np.ndarray, dr: int, dc: int) -> float:
    """Share of pixels that differ clearly when ``a`` is shifted by ``(dr, dc)`` against ``b``."""
    a = a[max(dr, 0) :, max(dc, 0) :]
    b = b[max(-dr, 0) :, max(-dc, 0) :]
    h, w = min(a.shape[0], b.shape[0]) - 2, min(a.shape[1], b.shape[1]) - 2
    return float(np.mean(np.abs(a[:h, :w] - b[:h, :w]).max(axis=-1) > 40))


def _inline_png(fig) -> bytes:
    """What the inline backend shows: ``savefig`` with ``bbox_inches="tight"``."""
    buf = io.BytesIO()
    fig.savefig(buf, format="png", bbox_inches="tight")
    return buf.getvalue()


def _figure(seed: int):
    from xai4ess.plot import new_figure

    rng = np.random.default_rng(seed)
    fig, axes = new_figure(1, 2, size=3.0)
    im = axes[0, 0].imshow(rng.normal(size=(16, 16)), cmap="RdBu_r")
    fig.colorbar(im, ax=axes[0, 0], label="relevance")
    axes[0, 1].plot(rng.normal(size=10))
    axes[0, 1].set_title(f"seed {seed}")
    return fig


def test_figure_view_png_matches_the_inline_backend():
    from xai4ess.widgets._live import FigureView

    view = FigureView(output=None)
    ours = _pixels(view.render(_figure(0), "k"))
    ref = _pixels(_inline_png(_figure(0)))
    assert abs(ours.shape[0] - ref.shape[0]) <= 2 and abs(ours.shape[1] - ref.shape[1]) <= 2
    # the same picture up to a shift of one pixel (rounding of the box) and anti-aliasing
    assert min(_differ(ours, ref, dr, dc) for dr in (-1, 0, 1) for dc in (-1, 0, 1)) < 0.02


def test_figure_view_reuses_the_layout_and_shows_new_content():
    import matplotlib.pyplot as plt

    from xai4ess.widgets._live import FigureView

    view = FigureView(output=None)
    first = view.render(_figure(0), "k")
    fig1 = _figure(1)
    second = _pixels(view.render(fig1, "k"))
    assert view.figure is fig1 and fig1 not in map(plt.figure, plt.get_fignums())
    assert second.shape == _pixels(first).shape  # same layout, same size
    assert np.any(second != _pixels(first))  # but the new content
    # the reused layout puts every axes where a fresh layout would
    fresh = _figure(1)
    fresh.canvas.draw()
    for a, b in zip(fig1.axes, fresh.axes):
        np.testing.assert_allclose(a.get_position().bounds, b.get_position().bounds, atol=0.02)


def test_figure_view_emits_one_image_per_show(monkeypatch):
    from xai4ess.widgets import _live

    shown = []
    monkeypatch.setattr(_live, "emit", lambda output, png: shown.append(png))
    view = _live.FigureView(output=None)
    view.show(_figure(0), "k")
    view.show()
    assert len(shown) == 2 and all(p[:4] == b"\x89PNG" for p in shown)


@pytest.fixture(scope="module")
def goes():
    import xai4ess
    from xai4ess.models import load

    return load("goes_mrms"), xai4ess.data.load("goes_mrms").test


def test_goes_demo_moves_the_pixel_as_a_new_figure_would(goes):
    from xai4ess.widgets import _goes_mrms as G
    from xai4ess.widgets._live import FigureView

    model, data = goes
    est = G._estimate(model, data, 0)
    r0, c0 = G._default_pixel(est)
    method = "lrp.alpha_1_beta_0"
    moved_view, fresh_view = FigureView(output=None), FigureView(output=None)
    moved_view.render(
        G._demo_figure(model, data, 0, est, G._pixel(model, data, 0, est, r0, c0, method), method),
        "g",
    )
    fresh_view.render(
        G._demo_figure(model, data, 0, est, G._pixel(model, data, 0, est, r0, c0, method), method),
        "g",
    )
    # a new pixel, then a new method (the demo switches methods in place too),
    # then other scenes (images, GLM range and zone outlines set in place)
    for scene, r, c, m in (
        (0, r0 + 5, c0 - 3, method),
        (0, 40, 200, method),
        (0, 40, 200, "gradient"),
        (0, r0, c0, "lrp.epsilon"),
        (1, 60, 70, "lrp.epsilon"),
        (2, 100, 90, method),
    ):
        est = G._estimate(model, data, scene)
        px = G._pixel(model, data, scene, est, r, c, m)
        move = G._move_pixel if scene == 0 else G._move_scene
        move(moved_view.figure, data, scene, est, px, m)
        moved = moved_view.figure
        fresh = G._demo_figure(model, data, scene, est, px, m)
        for a, b in zip(moved.axes[:8], fresh.axes[:8]):
            assert a.get_title() == b.get_title()
            assert a.get_xlim() == b.get_xlim() and a.get_ylim() == b.get_ylim()
            np.testing.assert_array_equal(a.images[0].get_array(), b.images[0].get_array())
            assert a.images[0].get_clim() == b.images[0].get_clim()
            outlines = [[p.vertices.tolist() for p in cs.get_paths()] for cs in a.collections]
            assert outlines == [
                [p.vertices.tolist() for p in cs.get_paths()] for cs in b.collections
            ]
            assert a.patches[-1].get_bbox().bounds == b.patches[-1].get_bbox().bounds
            np.testing.assert_array_equal(a.lines[-1].get_xydata(), b.lines[-1].get_xydata())
        norm_a, norm_b = moved.axes[4].images[0].norm, fresh.axes[4].images[0].norm
        assert (norm_a.vmin, norm_a.vmax) == (norm_b.vmin, norm_b.vmax)
        assert moved.get_suptitle() == fresh.get_suptitle()
        a, b = _pixels(moved_view.render()), _pixels(fresh_view.render(fresh, "g"))
        assert a.shape == b.shape
        assert np.mean(np.abs(a - b).max(axis=-1) > 40) < 0.02  # colour-bar ticks may differ


def _pixel_map(model, x, rc, method):
    import xai4ess

    return xai4ess.explain(model, x, method=method, target=rc)


def _fcn(seed: int):
    """A small image-to-image network (conv, pool, conv, upsample, 1x1 conv)."""
    import xai4ess

    keras = xai4ess._env.tensorflow().keras
    keras.utils.set_random_seed(seed)
    inp = keras.Input((8, 8, 2))
    hid = keras.layers.Conv2D(4, 3, padding="same", activation="relu")(inp)
    hid = keras.layers.MaxPooling2D(2)(hid)
    hid = keras.layers.Conv2D(4, 3, padding="same", activation="relu")(hid)
    hid = keras.layers.UpSampling2D(2)(hid)
    return keras.Model(inp, keras.layers.Conv2D(1, 1)(hid))


@pytest.mark.parametrize("method", ["lrp.alpha_1_beta_0", "lrp.epsilon", "gradient"])
def test_cached_pixel_analyzer_equals_a_fresh_one(method):
    """One cached analyzer serves every output pixel (neuron index at analyze time)."""
    from xai4ess import _backend

    model = _fcn(0)
    x = np.random.default_rng(0).normal(size=(2, 8, 8, 2)).astype(np.float32)
    pixels = [(4, 4), (0, 7), (7, 0), (2, 5)]
    _backend.ANALYZERS.clear()
    cached = [_pixel_map(model, x, rc, method) for rc in pixels]
    assert len(_backend.ANALYZERS._items) == 1  # one analyzer for all pixels
    for rc, c in zip(pixels, cached):
        _backend.ANALYZERS.clear()
        np.testing.assert_allclose(c, _pixel_map(model, x, rc, method), rtol=0, atol=1e-6)
    assert not np.allclose(cached[0], cached[1])


def test_analyzer_cache_does_not_leak_between_models():
    """Two models of one architecture: each map is the one its own fresh analyzer gives."""
    from xai4ess import _backend

    a, b = _fcn(1), _fcn(2)
    x = np.abs(np.random.default_rng(1).normal(size=(3, 8, 8, 2))).astype(np.float32)
    _backend.ANALYZERS.clear()
    both = [_pixel_map(m, x, (4, 4), "lrp.epsilon") for m in (a, b, a, b)]
    np.testing.assert_array_equal(both[0], both[2])
    np.testing.assert_array_equal(both[1], both[3])
    assert not np.allclose(both[0], both[1])
    for m, r in ((a, both[0]), (b, both[1])):
        _backend.ANALYZERS.clear()
        np.testing.assert_allclose(_pixel_map(m, x, (4, 4), "lrp.epsilon"), r, rtol=0, atol=1e-6)
    # a model that is gone takes its analyzers with it
    _backend.ANALYZERS.clear()
    _pixel_map(a, x, (4, 4), "lrp.epsilon")
    del a, both
    import gc

    gc.collect()
    _backend.ANALYZERS._purge_dead()
    assert not _backend.ANALYZERS._items
