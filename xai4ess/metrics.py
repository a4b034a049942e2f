"""Numbers that summarise attribution maps: shares, correlations, overlaps.

Plain numpy; no TensorFlow. Shared by every chapter that asks "how much of
the relevance falls on X?" or "does the map match the known truth?".

Examples
--------
>>> import numpy as np
>>> r = np.array([[1.0, 0.0], [3.0, -2.0]])
>>> float(relevance_share(r, np.array([[True, False], [False, False]])))
0.25
"""

from __future__ import annotations

import numpy as np

__all__ = [
    "relevance_share",
    "spatial_correlation",
    "rank_correlation",
    "topk_overlap",
    "normalize",
]


def _spatial(r: np.ndarray, mask_ndim: int) -> np.ndarray:
    """Sum trailing channel axes of ``r`` until it has ``mask_ndim`` dimensions."""
    r = np.asarray(r, dtype=np.float64)
    while r.ndim > mask_ndim:
        r = r.sum(axis=-1)
    return r


def relevance_share(r: np.ndarray, mask: np.ndarray, positive: bool = True) -> np.ndarray:
    """Share of (positive) relevance inside a mask, per sample.

    Parameters
    ----------
    r : ndarray
        Relevance, ``(N, H, W[, C])`` or ``(H, W[, C])``; channels are summed.
    mask : ndarray of bool
        ``(N, H, W)`` or ``(H, W)``.
    positive : bool
        Use only the positive part of the relevance (default); otherwise the
        absolute value.

    Returns
    -------
    ndarray
        Share in [0, 1], one per sample (a scalar array for one map). Samples
        with no relevance at all give NaN.
    """
    mask = np.asarray(mask, dtype=bool)
    rs = _spatial(r, mask.ndim)
    rs = np.clip(rs, 0, None) if positive else np.abs(rs)
    axes = tuple(range(rs.ndim - 2, rs.ndim))
    total = rs.sum(axis=axes)
    inside = (rs * mask).sum(axis=axes)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(total > 0, inside / np.where(total > 0, total, 1), np.nan)


def spatial_correlation(a: np.ndarray, b: np.ndarray, weights: np.ndarray | None = None) -> float:
    """(Weighted) Pearson correlation of two maps, over all their elements."""
    a = np.asarray(a, dtype=np.float64)
    b = np.asarray(b, dtype=np.float64)
    w = np.ones(a.size) if weights is None else np.broadcast_to(weights, a.shape).ravel()
    a, b = a.ravel(), b.ravel()
    w = w / w.sum()
    am, bm = (w * a).sum(), (w * b).sum()
    cov = (w * (a - am) * (b - bm)).sum()
    return float(cov / np.sqrt((w * (a - am) ** 2).sum() * (w * (b - bm) ** 2).sum()))


def rank_correlation(a: np.ndarray, b: np.ndarray) -> float:
    """Spearman rank correlation of two maps (ties get average ranks)."""
    from scipy.stats import spearmanr

    return float(spearmanr(np.ravel(a), np.ravel(b)).statistic)


def topk_overlap(a: np.ndarray, b: np.ndarray, fraction: float = 0.1) -> float:
    """Share of the top ``fraction`` elements of ``a`` that are also top in ``b``."""
    a, b = np.ravel(a), np.ravel(b)
    k = max(1, int(round(fraction * a.size)))
    top_a = set(np.argsort(a)[-k:].tolist())
    top_b = set(np.argsort(b)[-k:].tolist())
    return len(top_a & top_b) / k


def normalize(r: np.ndarray, axis=None) -> np.ndarray:
    """Scale so that the largest absolute value is 1 (per sample with ``axis``)."""
    r = np.asarray(r, dtype=np.float64)
    m = np.max(np.abs(r), axis=axis, keepdims=axis is not None)
    return r / np.where(m > 0, m, 1)
