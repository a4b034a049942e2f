"""Analyses the chapters run on one story: numbers only, no figures, no widgets.

:mod:`xai4ess.evaluate` holds statistics that work on any attribution maps; this
module composes them with a story's data, :func:`xai4ess.explain` and
:mod:`xai4ess.rf` for a chapter's question. The interactive demos
(:mod:`xai4ess.widgets`) and :mod:`xai4ess.seeds` call it as the chapters do.

GOES -> MRMS (chapter 5): where does the network look when it makes a large
estimate? Cropping trick: the network is fully convolutional with three 2x2
poolings, so its output at pixel ``(r, c)`` depends only on the input inside that
pixel's theoretical receptive field (at most 54 x 54 pixels) and on the phase of
the pooling grid. A 72 x 72 crop whose corner lies on the 8-pixel grid and that
contains the receptive field keeps both: the crop's output at the pixel and its
relevance are identical to those of the full scene, so many examples can be
explained in a few small batches.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from .data import GOES_CHANNELS, network_input

__all__ = [
    "GOES_MRMS_KINDS",
    "goes_mrms_examples",
    "goes_mrms_anchors",
    "goes_mrms_crops",
    "goes_mrms_relevance",
    "goes_mrms_strategies",
    "goes_mrms_composite",
]

CHANNELS = tuple(GOES_CHANNELS)
#: The three kinds of strong echo and the ``core_type`` code of each.
GOES_MRMS_KINDS = {"lightning": 1, "cloud edge": 2, "dense cloud": 3}
CROP, MARGIN = 72, 40


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
    """Where each example pixel sits in its crop: ``(K, 2)`` (row, col), between 32 and 39.

    The crop's corner lies on the network's 8-pixel pooling grid, so the pixel's
    place in the crop is 32 plus its phase on that grid.

    Examples
    --------
    >>> goes_mrms_anchors(np.array([[0, 45, 50]])).tolist()
    [[37, 34]]
    """
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
    from .attribution import explain

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

    from .rf import box

    inputs = network_input(ds.x)
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
