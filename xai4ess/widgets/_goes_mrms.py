"""GOES -> MRMS: the interactive "choose an output pixel" demo of chapter 5.

Composes :mod:`xai4ess.data` (the synthetic scenes), the trained network,
:func:`xai4ess.explain`, :mod:`xai4ess.rf` and :mod:`xai4ess.plot`. The
chapter's analyses (examples of the three strategies, their relevance on crops,
composites) are in :mod:`xai4ess.analyses`.

"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from ..data import GOES_CHANNELS, network_input

__all__ = ["goes_mrms_demo", "goes_mrms_demo_figure"]

CHANNELS = tuple(GOES_CHANNELS)


# -- the interactive demo -------------------------------------------------------
def _load(model, data):
    if model is None:
        from ..models import load as load_model

        model = load_model("goes_mrms")
    if data is None:
        from ..data import load as load_data

        data = load_data("goes_mrms").test
    return model, data


def _default_pixel(est: np.ndarray, margin: int = 27) -> tuple[int, int]:
    """The largest estimate at least ``margin`` pixels from the border (else anywhere)."""
    inner = np.full(est.shape, -np.inf)
    inner[margin:-margin, margin:-margin] = est[margin:-margin, margin:-margin]
    use = inner if np.isfinite(inner).any() else est
    return tuple(int(v) for v in np.unravel_index(np.argmax(use), est.shape))


def goes_mrms_demo_figure(
    model=None,
    data=None,
    scene: int = 0,
    row: int | None = None,
    col: int | None = None,
    method: str = "lrp.alpha_1_beta_0",
    *,
    zoom: bool = True,
):
    """The demo's figure: an output pixel, its receptive field and its relevance per channel.

    Top row: C13 and GLM with the chosen pixel (cross) and its theoretical
    receptive field (dashed box), the MRMS-like truth and the estimate. Bottom
    row: the relevance of the estimate at that pixel for each input channel,
    zoomed to the receptive field.

    Parameters
    ----------
    model : keras.Model, optional
        Default: ``xai4ess.models.load("goes_mrms")``.
    data : Dataset, optional
        Default: the shipped test scenes.
    scene : int
        Which scene.
    row, col : int, optional
        The output pixel; default: the largest estimate in the scene, at
        least 27 pixels (half a receptive field) from the border.
    method : str
        Any method of :func:`xai4ess.methods` that returns per-channel maps.

    Returns
    -------
    matplotlib.figure.Figure
    """
    model, data = _load(model, data)
    if not 0 <= scene < len(data):
        raise IndexError(f"scene must be in 0..{len(data) - 1}, got {scene}")
    est = _estimate(model, data, scene)
    if row is None or col is None:
        row, col = _default_pixel(est)
    return _demo_figure(
        model, data, scene, est, _pixel(model, data, scene, est, row, col, method, zoom), method
    )


def _estimate(model, data, scene: int) -> np.ndarray:
    """The network's estimate (dBZ) for one scene, ``(H, W)``."""
    return model.predict(network_input(data[scene].x), verbose=0)[0, ..., 0]


def _pixel(model, data, scene, est, row, col, method, zoom=True) -> dict:
    """What the figure shows about one output pixel: relevance, receptive field, zoom window."""
    from ..attribution import explain
    from ..errors import TargetError
    from ..rf import box

    h, w = est.shape
    if not (0 <= row < h and 0 <= col < w):
        raise TargetError(f"pixel ({row}, {col}) is outside the {h} x {w} scene")
    xin = network_input(data[scene].x)
    r = explain(model, xin, method=method, target=(int(row), int(col)))[0]
    (b0, b1), (c0, c1) = box(model, "mrms", (row, col))
    trf = ((max(b0, 0), min(b1, h - 1)), (max(c0, 0), min(c1, w - 1)))
    pad = 6
    window = (
        (
            (max(trf[0][0] - pad, 0), min(trf[0][1] + pad, h - 1)),
            (max(trf[1][0] - pad, 0), min(trf[1][1] + pad, w - 1)),
        )
        if zoom
        else None
    )
    return {"row": int(row), "col": int(col), "r": r, "trf": trf, "window": window}


def _demo_figure(model, data, scene, est, px, method):
    from ..plot import box_patch as _box_patch
    from ..plot import channel_relevance, new_figure
    from ..plot import draw_channel as _draw_channel
    from ..plot import draw_dbz as _draw_dbz
    from ..plot import km_axes_labels as _label

    row, col, trf = px["row"], px["col"], px["trf"]
    pk = float(data.attrs.get("pixel_km", 2.0))
    fig, axes = new_figure(2, 4, size=3.3)
    x = data.x[scene]
    for ax, name in zip(axes[0, :2], ("C13", "GLM")):
        _draw_channel(fig, ax, x[..., CHANNELS.index(name)], name, pk)
    _draw_dbz(fig, axes[0, 2], data.y[scene], "MRMS (truth)", pk)
    _draw_dbz(fig, axes[0, 3], est, f"estimate ({est[row, col]:.0f} dBZ at x)", pk)
    for k, ax in enumerate(axes[0]):
        ax.add_patch(_box_patch(trf, pk))
        ax.plot((col + 0.5) * pk, (row + 0.5) * pk, "x", color="k", ms=7, mew=2)
        _label(ax, pk, left=(k == 0))
    channel_relevance(
        px["r"],
        target=(row, col),
        box=trf,
        pixel_km=pk,
        zoom=px["window"],
        contours=_zones(data, scene),
        axes=axes[1],
    )
    fig.colorbar(axes[1, -1].images[0], ax=list(axes[1]), shrink=0.8, label="relevance")
    fig.suptitle(f"scene {scene}, output pixel ({row}, {col}): {method}")
    return fig


def _move_pixel(fig, data, scene, est, px, method) -> None:
    """Show another output pixel or method in a figure of :func:`_demo_figure` (same scene).

    Updates in place what depends on the pixel and the method: crosses, receptive-field boxes,
    the relevance images, their shared colour scale, zoom and titles; the
    scene panels and the zone outlines stay. The result looks as a new figure would.
    """
    from ..plot import relevance_norm

    row, col, trf, r = px["row"], px["col"], px["trf"], px["r"]
    pk = float(data.attrs.get("pixel_km", 2.0))
    grid = np.array(fig.axes[:8], dtype=object).reshape(2, 4)
    (r0, r1), (c0, c1) = trf
    for ax in grid.ravel():
        ax.patches[-1].set_bounds(c0 * pk, r0 * pk, (c1 - c0 + 1) * pk, (r1 - r0 + 1) * pk)
        ax.lines[-1].set_data([(col + 0.5) * pk], [(row + 0.5) * pk])
    grid[0, 3].set_title(f"estimate ({est[row, col]:.0f} dBZ at x)")
    # as channel_relevance draws it: one symmetric scale, shares of R+ in the titles
    r64 = np.asarray(r, dtype=np.float64)
    pos = np.clip(r64, 0, None).sum(axis=(0, 1))
    share = pos / pos.sum() if pos.sum() > 0 else np.full(len(pos), np.nan)
    norm = relevance_norm(r64, signed=True, percentile=99.9)
    for k, ax in enumerate(grid[1]):
        im = ax.images[0]
        im.set_data(r64[..., k])
        im.set_norm(norm)
        ax.set_title(ax.get_title().split(":")[0] + f": {share[k]:.0%} of R+")
        if px["window"] is not None:
            (w0, w1), (v0, v1) = px["window"]
            ax.set_xlim(v0 * pk, (v1 + 1) * pk)
            ax.set_ylim((w1 + 1) * pk, w0 * pk)
    fig.suptitle(f"scene {scene}, output pixel ({row}, {col}): {method}")


def _zones(data, scene) -> dict:
    return {
        "lightning": data.lightning_mask[scene],
        "cloud edge": data.boundary_mask[scene],
        "dense cloud": data.dense_mask[scene],
    }


def _move_scene(fig, data, scene, est, px, method) -> None:
    """Show another scene in a figure of :func:`_demo_figure`, in place.

    Sets the scene's images (C13, GLM with its colour range, truth, estimate) and
    redraws the zone outlines, then moves the pixel as :func:`_move_pixel` does.
    Building and laying out a new figure cost about as much as drawing it.
    """
    from matplotlib.contour import ContourSet

    from ..plot import channel_image, zone_outlines

    pk = float(data.attrs.get("pixel_km", 2.0))
    grid = np.array(fig.axes[:8], dtype=object).reshape(2, 4)
    x = data.x[scene]
    for ax, name in zip(grid[0, :2], ("C13", "GLM")):
        img, vmin, vmax = channel_image(x[..., CHANNELS.index(name)], name)
        ax.images[0].set_data(img)
        ax.images[0].set_clim(vmin, vmax)
    truth = np.asarray(data.y[scene], dtype=np.float64)
    grid[0, 2].images[0].set_data(truth[..., 0] if truth.ndim == 3 else truth)
    grid[0, 3].images[0].set_data(np.asarray(est, dtype=np.float64))
    for ax in grid[1]:
        for artist in [c for c in ax.collections if isinstance(c, ContourSet)]:
            artist.remove()
        zone_outlines(ax, _zones(data, scene), pk)
    _move_pixel(fig, data, scene, est, px, method)


def goes_mrms_demo(
    model=None,
    data=None,
    scene: int = 0,
    method: str = "lrp.alpha_1_beta_0",
    methods: Sequence[str] = ("lrp.alpha_1_beta_0", "lrp.epsilon", "gradient"),
):
    """Interactive: choose a scene and an output pixel, see its relevance per input channel.

    Returns
    -------
    ipywidgets.Widget
        Sliders for the scene, the row and the column of the output pixel, a
        method menu and the figure of :func:`goes_mrms_demo_figure`.
    """
    import ipywidgets as widgets

    from ._live import FigureView

    model, data = _load(model, data)
    h, w = data.y.shape[1:3]
    estimates: dict[int, np.ndarray] = {}

    def estimate(s: int) -> np.ndarray:
        if s not in estimates:
            estimates[s] = _estimate(model, data, s)
        return estimates[s]

    r0, c0 = _default_pixel(estimate(scene))
    # continuous_update=False: sliders send one value on release (no redraws while dragging)
    scene_w = widgets.IntSlider(
        value=scene, min=0, max=len(data) - 1, description="scene", continuous_update=False
    )
    row_w = widgets.IntSlider(
        value=r0, min=0, max=h - 1, description="row", continuous_update=False
    )
    col_w = widgets.IntSlider(
        value=c0, min=0, max=w - 1, description="column", continuous_update=False
    )
    method_w = widgets.Dropdown(
        options=list(dict.fromkeys([method, *methods])), value=method, description="method"
    )
    view = FigureView()
    shown: dict = {}

    def draw(*_):
        s, m = scene_w.value, method_w.value
        est = estimate(s)
        px = _pixel(model, data, s, est, row_w.value, col_w.value, m)
        if shown.get("scene") == s:  # same scene: new pixel or method, updated in place
            _move_pixel(view.figure, data, s, est, px, m)
            view.show()
        elif shown:  # another scene: its images and outlines, updated in place
            _move_scene(view.figure, data, s, est, px, m)
            view.show()
            shown["scene"] = s
        else:
            view.show(_demo_figure(model, data, s, est, px, m), layout_key="goes_mrms")
            shown["scene"] = s

    for control in (scene_w, row_w, col_w, method_w):
        control.observe(draw, names="value")
    draw()
    # Build every method's analyzers now (1.4-3 s each): a method's or scene's first
    # visit would otherwise miss the 1 s response target. Alpha-beta rules have one
    # analyzer for inputs without negative values and one for the others.
    nonnegative = [bool(np.all(network_input(data[s].x) >= 0)) for s in range(len(data))]
    kinds = sorted({nonnegative.index(v) for v in set(nonnegative)})
    for s in kinds:
        for m in method_w.options:
            if (s, m) != (scene, method):
                _pixel(model, data, s, estimate(s), *_default_pixel(estimate(s)), m)
    controls = widgets.HBox([widgets.VBox([scene_w, method_w]), widgets.VBox([row_w, col_w])])
    return widgets.VBox([controls, view.output])
