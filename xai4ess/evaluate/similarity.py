"""How alike are two maps? Correlations (linear and rank) and top-k overlap.

One implementation of each statistic; the other modules (truth fidelity, randomisation)
call these. Plain numpy, no TensorFlow.

=============================  ====================================================
:func:`spatial_correlation`    (area-)weighted Pearson correlation of two maps
:func:`rank_correlation`       Spearman correlation of two maps (ties: average rank)
:func:`similarity`             per-sample Pearson / Spearman / Spearman of ``|R|``
:func:`topk_overlap`           share of the top ``fraction`` shared by both maps
:func:`normalize`              scale so that the largest absolute value is 1
=============================  ====================================================

Examples
--------
>>> import numpy as np
>>> a = np.array([[1.0, 2.0], [3.0, 4.0]])
>>> spatial_correlation(2 * a + 1, a), rank_correlation(a, a**3), topk_overlap(a, -a, 0.5)
(1.0, 1.0, 0.0)
"""

from __future__ import annotations

import numpy as np

from ._common import flat, pearson_rows, rankdata, same_shape

__all__ = [
    "spatial_correlation",
    "rank_correlation",
    "similarity",
    "topk_overlap",
    "normalize",
]

KINDS = ("spearman_abs", "spearman", "pearson")


def spatial_correlation(a: np.ndarray, b: np.ndarray, weights: np.ndarray | None = None) -> float:
    """(Weighted) Pearson correlation of two maps over all their finite elements.

    Parameters
    ----------
    a, b : ndarray
        Two maps of one shape (all axes are flattened).
    weights : ndarray, optional
        Weight of each element (e.g. grid-cell area, :func:`xai4ess.evaluate.area_weights`),
        broadcast to the shape of ``a``; default equal weights.

    Returns
    -------
    float
        NaN where a map is constant (no correlation defined).
    """
    a = np.asarray(a, dtype=np.float64)
    b = np.asarray(b, dtype=np.float64)
    w = np.ones(a.size) if weights is None else np.broadcast_to(weights, a.shape).ravel()
    a, b = a.ravel(), b.ravel()
    ok = np.isfinite(a) & np.isfinite(b)
    a, b, w = a[ok], b[ok], w[ok] / w[ok].sum()
    da, db = a - (w * a).sum(), b - (w * b).sum()
    den = np.sqrt((w * da**2).sum() * (w * db**2).sum())
    return float((w * da * db).sum() / den) if den > 0 else float("nan")


def rank_correlation(a: np.ndarray, b: np.ndarray) -> float:
    """Spearman rank correlation of two maps (ties get average ranks; NaN if constant)."""
    return float(similarity(np.ravel(a)[None], np.ravel(b)[None], "spearman")[0])


def similarity(a, b, kind: str = "spearman_abs", constant: float = np.nan) -> np.ndarray:
    """Per-sample similarity of two sets of maps ``(N, ...)``.

    ``"spearman_abs"``: Spearman rank correlation of ``|a|`` and ``|b|`` (the main
    measure of Adebayo et al. 2018); ``"spearman"``: of the signed maps; ``"pearson"``.

    Parameters
    ----------
    a, b : ndarray
        Maps of one shape, the sample axis first (a 1-D array is one map).
    kind : {"spearman_abs", "spearman", "pearson"}
    constant : float
        The value where a map of ``b`` is constant and its map of ``a`` is not (no
        correlation is defined). NaN by default; the randomisation test uses 0 (a
        randomised map that is constant, e.g. all zero, has kept nothing of ``a``).
        A constant map of ``a`` always gives NaN.

    Returns
    -------
    ndarray
        ``(N,)``.
    """
    x, y = flat(a, "a"), flat(b, "b")
    same_shape(x, y, "a and b")
    if kind == "spearman_abs":
        x, y = rankdata(np.abs(x)), rankdata(np.abs(y))
    elif kind == "spearman":
        x, y = rankdata(x), rankdata(y)
    elif kind != "pearson":
        raise ValueError(f"kind must be one of {KINDS}, got {kind!r}")
    out = pearson_rows(x, y)
    if not np.isnan(constant):
        flat_b = np.ptp(y, axis=1) == 0
        out[flat_b & (np.ptp(x, axis=1) > 0)] = constant
    return out


def topk_overlap(a: np.ndarray, b: np.ndarray, fraction: float = 0.1) -> float:
    """Share of the top ``fraction`` elements of ``a`` that are also top in ``b``.

    ``k = max(1, round(fraction * size))``. Ties are broken by position (a stable
    sort: of equal values the later elements count as top), so the result does not
    depend on the sorting algorithm. A map unrelated to ``b`` overlaps ``k / size``
    on average.

    Examples
    --------
    >>> topk_overlap(np.array([0.0, 1.0, 1.0, 0.0]), np.array([0.0, 0.0, 1.0, 1.0]), 0.25)
    0.0
    """
    a, b = np.ravel(a), np.ravel(b)
    if not 0 < fraction <= 1:
        raise ValueError(f"fraction must be in (0, 1], got {fraction}")
    k = max(1, int(round(fraction * a.size)))
    top_a = np.argsort(a, kind="stable")[-k:]
    top_b = np.argsort(b, kind="stable")[-k:]
    return len(np.intersect1d(top_a, top_b)) / k


def normalize(R: np.ndarray, axis=None) -> np.ndarray:
    """Scale so that the largest absolute value is 1 (per sample with ``axis``)."""
    R = np.asarray(R, dtype=np.float64)
    m = np.max(np.abs(R), axis=axis, keepdims=axis is not None)
    return R / np.where(m > 0, m, 1)
