"""GOES -> MRMS: where does the network look when it makes a large estimate?

Composes :mod:`xai4ess.data` (the synthetic scenes and their ground-truth
zones), the trained network, :func:`xai4ess.explain`, :mod:`xai4ess.rf` and
:mod:`xai4ess.plot`: the examples of the three strategies, their relevance
composites, and the interactive "choose an output pixel" demo.

Cropping trick: the network is fully convolutional with three 2x2 poolings, so
its output at pixel ``(r, c)`` depends only on the input inside that pixel's
theoretical receptive field (at most 54 x 54 pixels) and on the phase of the
pooling grid. A 72 x 72 crop whose corner lies on the 8-pixel grid and that
contains the receptive field keeps both: the crop's output at the pixel and its
relevance are identical to those of the full scene, so many examples can be
explained in a few small batches.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

__all__ = [
    "GOES_MRMS_KINDS",
    "goes_mrms_inputs",
    "goes_mrms_examples",
    "goes_mrms_anchors",
    "goes_mrms_crops",
    "goes_mrms_relevance",
    "goes_mrms_strategies",
    "goes_mrms_composite",
    "goes_mrms_demo",
    "goes_mrms_demo_figure",
]

CHANNELS = ("C07", "C09", "C13", "GLM")
#: The three kinds of strong echo and the ``core_type`` code of each.
GOES_MRMS_KINDS = {"lightning": 1, "cloud edge": 2, "dense cloud": 3}
CROP, MARGIN = 72, 40


def goes_mrms_inputs(ds) -> np.ndarray:
    """The network input of a dataset: ``(x - input_offset) / input_scale`` (float32).

    Examples
    --------
    >>> import xai4ess
    >>> ds = xai4ess.data.goes_mrms(1, size=32)
    >>> goes_mrms_inputs(ds).shape
    (1, 32, 32, 4)
    """
    return ((ds.x - ds.input_offset) / ds.input_scale).astype(np.float32)


def _positive(method: str) -> bool:
    return method.startswith("lrp") or method == "deep_taylor"


def goes_mrms_examples(
    ds,
    estimate: np.ndarray,
    kind: str,
    *,
    min_dbz: float = 35.0,
    n: int | None = None,
    seed: int = 0,
) -> np.ndarray:
    """Pixels with a large estimate made by one kind of storm: ``(scene, row, col)`` rows.

    Parameters
    ----------
    ds : Dataset
        Scenes from :func:`xai4ess.data.goes_mrms` (with ``core_type`` and masks).
    estimate : ndarray
        The network's estimate (dBZ) for ``ds``, ``(N, H, W[, 1])``.
    kind : str
        ``"lightning"`` (lightning-storm cores with GLM flashes at the pixel),
        ``"cloud edge"`` (developing towers, no lightning) or ``"dense cloud"``
        (dense storms, no lightning).
    min_dbz : float
        Both the truth and the estimate must reach this.
    n : int, optional
        At most this many, drawn at random (seeded); default all. Pixels
        closer than 40 pixels to the border are left out.

    Returns
    -------
    ndarray of int, shape (K, 3)

    Examples
    --------
    >>> import xai4ess
    >>> test = xai4ess.data.load("goes_mrms").test  # doctest: +SKIP
    >>> ex = goes_mrms_examples(test, test.y, "lightning", n=10)  # doctest: +SKIP
    """
    if kind not in GOES_MRMS_KINDS:
        raise ValueError(f"kind must be one of {list(GOES_MRMS_KINDS)}, got {kind!r}")
    est = np.asarray(estimate)
    est = est[..., 0] if est.ndim == 4 else est
    y = ds.y[..., 0]
    if est.shape != y.shape:
        raise ValueError(f"estimate has shape {est.shape}, the scenes {y.shape}")
    sel = (ds.core_type == GOES_MRMS_KINDS[kind]) & (est >= min_dbz) & (y >= min_dbz)
    sel &= ds.lightning_mask if kind == "lightning" else ~ds.lightning_mask
    sel[:, :MARGIN] = sel[:, -MARGIN:] = False
    sel[:, :, :MARGIN] = sel[:, :, -MARGIN:] = False
    out = np.argwhere(sel)
    if n is not None and len(out) > n:
        pick = np.sort(np.random.default_rng(seed).choice(len(out), n, replace=False))
        out = out[pick]
    return out


def goes_mrms_anchors(examples: np.ndarray) -> np.ndarray:
    """Where each example pixel sits in its crop: ``(K, 2)`` (row, col), between 32 and 39."""
    ex = np.asarray(examples).reshape(-1, 3)
    return 32 + ex[:, 1:] % 8


def goes_mrms_crops(a: np.ndarray, examples: np.ndarray) -> np.ndarray:
    """The 72 x 72 windows of ``a`` (``(N, H, W, ...)``) around each example, on the 8-pixel grid."""
    a = np.asarray(a)
    ex = np.asarray(examples).reshape(-1, 3)
    corner = ex[:, 1:] - goes_mrms_anchors(ex)
    return np.stack([a[i, r : r + CROP, c : c + CROP] for i, (r, c) in zip(ex[:, 0], corner)])


def goes_mrms_relevance(
    model, inputs: np.ndarray, examples: np.ndarray, method: str = "lrp.alpha_1_beta_0", **options
) -> np.ndarray:
    """Relevance of the estimate at each example pixel, on its 72 x 72 crop.

    Returns
    -------
    ndarray
        ``(K, 72, 72, 4)``; example ``k`` sits at ``goes_mrms_anchors(examples)[k]``.
        Identical to the relevance computed on the whole scene (cropped).
    """
    from ..attribution import explain

    ex = np.asarray(examples).reshape(-1, 3)
    out = np.zeros((len(ex), CROP, CROP, len(CHANNELS)), dtype=np.float32)
    if len(ex) == 0:
        return out
    crops = goes_mrms_crops(inputs, ex)
    anchors = goes_mrms_anchors(ex)
    for anchor in np.unique(anchors, axis=0):
        idx = np.flatnonzero((anchors == anchor).all(axis=1))
        out[idx] = explain(
            model, crops[idx], method=method, target=(int(anchor[0]), int(anchor[1])), **options
        )
    return out


def goes_mrms_strategies(
    model,
    ds,
    methods: Sequence[str] = ("lrp.alpha_1_beta_0",),
    *,
    estimate: np.ndarray | None = None,
    n: int = 40,
    min_dbz: float = 35.0,
    seed: int = 0,
):
    """Composite relevance numbers of the three strategies, per method.

    For each kind of strong echo (lightning, cloud edge, dense cloud) and each
    method, up to ``n`` example pixels are explained and averaged: each input
    channel's share of the relevance, and the share that falls on each
    ground-truth zone (lightning pixels, cloud-edge gradient zones, dense-cloud
    zones) next to the zone's share of the receptive-field area (the share a
    map spread evenly over the box would give). LRP maps count their positive
    part, gradient-type maps their absolute value.

    Returns
    -------
    pandas.DataFrame
        Indexed by (method, kind).
    """
    import pandas as pd

    from ..rf import box

    inputs = goes_mrms_inputs(ds)
    if estimate is None:
        estimate = model.predict(inputs, batch_size=4, verbose=0)
    boxes = {}
    zones = {
        "lightning": ds.lightning_mask,
        "cloud edge": ds.boundary_mask,
        "dense cloud": ds.dense_mask,
    }
    rows = []
    for method in methods:
        for kind in GOES_MRMS_KINDS:
            ex = goes_mrms_examples(ds, estimate, kind, min_dbz=min_dbz, n=n, seed=seed)
            if len(ex) == 0:
                continue
            r = goes_mrms_relevance(model, inputs, ex, method)
            r = np.clip(r, 0, None) if _positive(method) else np.abs(r)
            total = r.sum(axis=(1, 2, 3))
            ok = total > 0
            ch = (r.sum(axis=(1, 2)) / np.where(ok, total, 1)[:, None])[ok].mean(axis=0)
            anchors = [tuple(int(v) for v in a) for a in goes_mrms_anchors(ex)]
            inside = np.zeros((len(ex), CROP, CROP), dtype=bool)
            for k, a in enumerate(anchors):
                if a not in boxes:
                    boxes[a] = box(model, "mrms", a)
                (r0, r1), (c0, c1) = boxes[a]
                inside[k, r0 : r1 + 1, c0 : c1 + 1] = True
            est = np.asarray(estimate).reshape(ds.y.shape)
            row = {
                "method": method,
                "kind": kind,
                "examples": len(ex),
                "MRMS (dBZ)": float(ds.y[tuple(ex.T)].mean()),
                "estimate (dBZ)": float(est[tuple(ex.T)].mean()),
            }
            row.update({f"share {c}": float(v) for c, v in zip(CHANNELS, ch)})
            spatial = r.sum(axis=-1)
            for zname, zmask in zones.items():
                zm = goes_mrms_crops(zmask, ex)
                share = (spatial * zm).sum(axis=(1, 2))[ok] / total[ok]
                row[f"on {zname}"] = float(share.mean())
                row[f"area {zname}"] = float(zm[inside].mean())
            rows.append(row)
    return pd.DataFrame(rows).set_index(["method", "kind"])


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
    return model.predict(goes_mrms_inputs(data[scene]), verbose=0)[0, ..., 0]


def _pixel(model, data, scene, est, row, col, method, zoom=True) -> dict:
    """What the figure shows about one output pixel: relevance, receptive field, zoom window."""
    from ..attribution import explain
    from ..errors import TargetError
    from ..rf import box

    h, w = est.shape
    if not (0 <= row < h and 0 <= col < w):
        raise TargetError(f"pixel ({row}, {col}) is outside the {h} x {w} scene")
    xin = goes_mrms_inputs(data[scene])
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
        contours={
            "lightning": data.lightning_mask[scene],
            "cloud edge": data.boundary_mask[scene],
            "dense cloud": data.dense_mask[scene],
        },
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
        else:
            view.show(_demo_figure(model, data, s, est, px, m), layout_key="goes_mrms")
            shown["scene"] = s

    for control in (scene_w, row_w, col_w, method_w):
        control.observe(draw, names="value")
    draw()
    # Build every method's analyzers now (1.4-3 s each): a method's or scene's first
    # visit would otherwise miss the 1 s response target. Alpha-beta rules have one
    # analyzer for inputs without negative values and one for the others.
    nonnegative = [bool(np.all(goes_mrms_inputs(data[s]) >= 0)) for s in range(len(data))]
    kinds = sorted({nonnegative.index(v) for v in set(nonnegative)})
    for s in kinds:
        for m in method_w.options:
            if (s, m) != (scene, method):
                _pixel(model, data, s, estimate(s), *_default_pixel(estimate(s)), m)
    controls = widgets.HBox([widgets.VBox([scene_w, method_w]), widgets.VBox([row_w, col_w])])
    return widgets.VBox([controls, view.output])


def goes_mrms_composite(a: np.ndarray, examples: np.ndarray, half: int = 28) -> np.ndarray:
    """Mean over examples of the ``(2 half + 1)``-pixel windows centred on each example pixel.

    Parameters
    ----------
    a : ndarray
        Crops from :func:`goes_mrms_crops` or :func:`goes_mrms_relevance`,
        ``(K, 72, 72[, C])``.
    examples : ndarray
        The ``(K, 3)`` examples they belong to.
    half : int
        Half-width; at most 32 (the crops hold 32 pixels on every side). 28
        covers every receptive field (at most 27 pixels to one side).

    Returns
    -------
    ndarray
        ``(2 half + 1, 2 half + 1[, C])``; the explained pixel is at the centre.
    """
    if not 0 <= half <= 32:
        raise ValueError(f"half must be in 0..32, got {half}")
    a = np.asarray(a, dtype=np.float64)
    anchors = goes_mrms_anchors(examples)
    if len(a) != len(anchors) or len(a) == 0:
        raise ValueError(f"got {len(a)} crops for {len(anchors)} examples")
    wins = [
        a[k, r - half : r + half + 1, c - half : c + half + 1] for k, (r, c) in enumerate(anchors)
    ]
    return np.mean(wins, axis=0)
