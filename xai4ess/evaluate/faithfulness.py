"""Faithfulness: does removing what a map calls important change the prediction most?

* Deletion / pixel flipping (Bach et al. 2015; Samek et al. 2017): replace features in
  order of decreasing attribution by a stated replacement value and follow the score;
  a faithful map makes it fall fast (small area under the curve, when the score is
  positive).
* Insertion (Petsiuk, Das & Saenko 2018, RISE): start from the replacement value
  everywhere and put features back in the same order; a faithful map makes the score
  rise fast (large area).
* Faithfulness correlation (Bhatt, Weller & Moura 2020): over random feature subsets,
  the correlation between the summed attribution of the subset and the change of the
  score when the subset is replaced.

All take ``predict``: a callable from a batch ``(B, ...)`` to scores ``(B,)``. The
replacement value is an argument (a number, or an array of the input's shape, e.g. a
climatology); it is 0 by default, which for standardised anomalies is the climatology.

Examples
--------
>>> import numpy as np
>>> w = np.array([3.0, -1.0, 2.0, 0.0])
>>> predict = lambda b: b.reshape(len(b), -1) @ w
>>> x = np.ones((1, 4)); r = x * w
>>> frac, curve = deletion_curve(predict, x, r, steps=4)
>>> curve.round(2).tolist()
[[4.0, 1.0, -1.0, -1.0, 0.0]]
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from ._common import flat, pearson_rows, same_shape

__all__ = ["deletion_curve", "insertion_curve", "area_under_curve", "faithfulness_correlation"]

# numpy >= 2 renamed trapz (removed in 2.5); the pinned numpy 1.26 only has trapz.
_trapezoid = getattr(np, "trapezoid", None) or np.trapz


def _baseline(baseline, x: np.ndarray) -> np.ndarray:
    b = np.broadcast_to(np.asarray(baseline, dtype=x.dtype), x.shape[1:]).reshape(-1)
    return b


def _curve(predict, x, R, steps: int, baseline, insert: bool):
    x = np.asarray(x)
    xs, rs = flat(x, "x"), flat(R, "R")
    same_shape(xs, rs, "x and R")
    n, m = xs.shape
    base = _baseline(baseline, x).astype(np.float64)
    order = np.argsort(-rs, axis=1, kind="mergesort")  # most relevant first
    counts = np.unique(np.round(np.linspace(0, m, steps + 1)).astype(int))
    out = np.empty((n, len(counts)))
    for j, c in enumerate(counts):
        cur = np.tile(base, (n, 1)) if insert else xs.copy()
        idx = order[:, :c]
        rows = np.arange(n)[:, None]
        cur[rows, idx] = xs[rows, idx] if insert else base[idx]
        out[:, j] = np.asarray(predict(cur.reshape(x.shape).astype(x.dtype)), np.float64).ravel()
    return counts / m, out


def deletion_curve(
    predict: Callable, x, R, steps: int = 16, baseline=0.0
) -> tuple[np.ndarray, np.ndarray]:
    """Score while the most relevant features are replaced by ``baseline``, in order.

    Source: pixel flipping (Bach et al. 2015, Samek et al. 2017), "deletion" in
    Petsiuk et al. (2018). Features are ranked by signed attribution, largest first.

    Returns
    -------
    fractions : ndarray
        ``(K,)`` share of features replaced, from 0 to 1.
    curve : ndarray
        ``(N, K)`` scores.
    """
    return _curve(predict, x, R, steps, baseline, insert=False)


def insertion_curve(
    predict: Callable, x, R, steps: int = 16, baseline=0.0
) -> tuple[np.ndarray, np.ndarray]:
    """Score while features are put back into a ``baseline`` input, most relevant first.

    Source: "insertion" of Petsiuk, Das & Saenko (2018, RISE).
    """
    return _curve(predict, x, R, steps, baseline, insert=True)


def area_under_curve(fractions, curve, kind: str = "deletion", normalise: bool = True):
    """Trapezoidal area under each curve over ``fractions`` (0..1).

    With ``normalise`` every curve is rescaled so that the score of the full input is 1
    and the score of the all-baseline input is 0 (for ``kind="deletion"`` those are the
    first and the last point, for ``"insertion"`` the last and the first). A straight
    line then has area 0.5; a faithful map gives a small deletion area and a large
    insertion area. Samples whose two end scores coincide get NaN.

    Examples
    --------
    >>> f = np.array([0.0, 0.5, 1.0])
    >>> area_under_curve(f, np.array([[4.0, 1.0, 0.0]])).tolist()
    [0.375]
    """
    f = np.asarray(fractions, dtype=np.float64)
    c = np.asarray(curve, dtype=np.float64)
    if kind not in ("deletion", "insertion"):
        raise ValueError(f"kind must be 'deletion' or 'insertion', got {kind!r}")
    if normalise:
        full, base = (c[:, :1], c[:, -1:]) if kind == "deletion" else (c[:, -1:], c[:, :1])
        span = full - base
        with np.errstate(invalid="ignore", divide="ignore"):
            c = np.where(span != 0, (c - base) / np.where(span != 0, span, 1.0), np.nan)
    return _trapezoid(c, f, axis=1)


def faithfulness_correlation(
    predict: Callable,
    x,
    R,
    subset_size: int = 16,
    n_draws: int = 64,
    baseline=0.0,
    seed: int = 0,
) -> np.ndarray:
    """Per-sample correlation between summed attributions of random subsets and the
    score change when those subsets are set to ``baseline``.

    Source: Bhatt, Weller & Moura (2020), "Evaluating and aggregating feature-based model
    explanations" (IJCAI), as implemented in Quantus' ``FaithfulnessCorrelation``
    (Pearson correlation, score of the input minus score of the perturbed input).

    Returns
    -------
    ndarray
        ``(N,)`` correlations; a random map's expected value is 0.
    """
    x = np.asarray(x)
    xs, rs = flat(x, "x"), flat(R, "R")
    same_shape(xs, rs, "x and R")
    n, m = xs.shape
    if not 1 <= subset_size <= m:
        raise ValueError(f"subset_size must be in 1..{m}, got {subset_size}")
    base = _baseline(baseline, x).astype(np.float64)
    rng = np.random.default_rng(seed)
    full = np.asarray(predict(x), np.float64).ravel()
    sums = np.empty((n, n_draws))
    drops = np.empty((n, n_draws))
    rows = np.arange(n)[:, None]
    for k in range(n_draws):
        idx = np.stack([rng.choice(m, subset_size, replace=False) for _ in range(n)])
        cur = xs.copy()
        cur[rows, idx] = base[idx]
        drops[:, k] = (
            full - np.asarray(predict(cur.reshape(x.shape).astype(x.dtype)), np.float64).ravel()
        )
        sums[:, k] = rs[rows, idx].sum(axis=1)
    return pearson_rows(sums, drops)
