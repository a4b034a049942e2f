"""Do two scores rank the methods alike? Kendall's tau with bootstrap intervals.

Examples
--------
>>> kendall_tau([1, 2, 3, 4], [10, 20, 40, 30])
0.6666666666666666
"""

from __future__ import annotations

import numpy as np

__all__ = ["kendall_tau", "rank_by_score", "bootstrap_kendall"]


def kendall_tau(a, b, rtol: float = 0.0) -> float:
    """Kendall's tau-b between two score vectors (ties handled; Kendall 1945).

    ``(concordant - discordant) / sqrt((n0 - ties_a) (n0 - ties_b))`` over all pairs.
    With ``rtol > 0``, two scores closer than ``rtol`` times the largest absolute score
    of their vector count as tied (two implementations of the same map differ by
    round-off, which must not decide their order).

    Examples
    --------
    >>> kendall_tau([1.0, 1.0 + 1e-9, 2.0], [3.0, 2.0, 1.0], rtol=1e-6)
    -0.8164965809277261
    """
    a = np.asarray(a, dtype=np.float64).ravel()
    b = np.asarray(b, dtype=np.float64).ravel()
    if a.shape != b.shape or a.size < 2:
        raise ValueError(f"need two score vectors of equal length >= 2, got {a.shape}, {b.shape}")
    i, j = np.triu_indices(a.size, 1)

    def sign(v):
        d = v[i] - v[j]
        tol = rtol * np.max(np.abs(v)) if rtol > 0 else 0.0
        return np.where(np.abs(d) <= tol, 0.0, np.sign(d))

    da, db = sign(a), sign(b)
    num = float((da * db).sum())
    den = np.sqrt(float((da != 0).sum()) * float((db != 0).sum()))
    return num / den if den > 0 else float("nan")


def rank_by_score(scores, names, higher_is_better: bool = True) -> list[str]:
    """Names ordered from best to worst by ``scores``."""
    s = np.asarray(scores, dtype=np.float64)
    order = np.argsort(-s if higher_is_better else s, kind="mergesort")
    return [names[k] for k in order]


def bootstrap_kendall(
    metric,
    truth,
    n_boot: int = 1000,
    seed: int = 0,
    level: float = 0.95,
    sign: float = 1.0,
    rtol: float = 0.0,
) -> dict[str, float]:
    """Kendall's tau between the method ranking by a metric and by the truth, with a
    percentile bootstrap interval over samples (Efron & Tibshirani 1993).

    Parameters
    ----------
    metric, truth : ndarray
        ``(methods, samples)`` per-sample scores; methods are ranked by their median over
        samples (NaN ignored). Bootstrap draws resample the samples (the same draw for
        both).
    sign : float
        ``-1`` when a smaller metric means a better method (e.g. deletion area).
    rtol : float
        Tie tolerance of :func:`kendall_tau` for the per-method medians.

    Returns
    -------
    dict
        ``tau`` on all samples, ``low`` and ``high`` of the interval, ``n_boot``.
    """
    m = sign * np.asarray(metric, dtype=np.float64)
    t = np.asarray(truth, dtype=np.float64)
    if m.shape != t.shape or m.ndim != 2:
        raise ValueError(
            f"metric and truth must both be (methods, samples), got {m.shape}, {t.shape}"
        )
    rng = np.random.default_rng(seed)
    tau = kendall_tau(np.nanmedian(m, axis=1), np.nanmedian(t, axis=1), rtol)
    draws = []
    for _ in range(n_boot):
        idx = rng.integers(0, m.shape[1], m.shape[1])
        draws.append(
            kendall_tau(np.nanmedian(m[:, idx], axis=1), np.nanmedian(t[:, idx], axis=1), rtol)
        )
    lo, hi = np.nanpercentile(draws, [50 * (1 - level), 50 * (1 + level)])
    return {"tau": tau, "low": float(lo), "high": float(hi), "n_boot": n_boot}
