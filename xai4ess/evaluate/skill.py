"""How good is an estimate? Skill scores of a regression model against the truth.

Root-mean-square error, Pearson correlation over all pixels
(:func:`xai4ess.evaluate.spatial_correlation`) and the critical success index at a
threshold, e.g. of estimated radar reflectivity (dBZ) against the observed one.

Examples
--------
>>> round(rmse([0.0, 10.0], [0.0, 13.0]), 3)
2.121
>>> round(csi([40, 40, 0, 0], [40, 0, 40, 0], threshold=35), 3)
0.333
"""

from __future__ import annotations

import numpy as np

from .similarity import spatial_correlation

__all__ = ["rmse", "csi", "skill_scores"]


def _pair(truth, estimate):
    a = np.asarray(truth, dtype=np.float64)
    b = np.asarray(estimate, dtype=np.float64)
    if a.shape != b.shape:
        a, b = np.squeeze(a), np.squeeze(b)
    if a.shape != b.shape:
        raise ValueError(
            f"truth and estimate differ in shape: {np.shape(truth)} vs {np.shape(estimate)}"
        )
    return a.ravel(), b.ravel()


def rmse(truth: np.ndarray, estimate: np.ndarray) -> float:
    """Root-mean-square error (same units as the inputs, e.g. dBZ)."""
    a, b = _pair(truth, estimate)
    return float(np.sqrt(np.mean((a - b) ** 2)))


def csi(truth: np.ndarray, estimate: np.ndarray, threshold: float = 35.0) -> float:
    """Critical success index at a threshold: hits / (hits + misses + false alarms)."""
    a, b = _pair(truth, estimate)
    obs, est = a >= threshold, b >= threshold
    hits = np.sum(obs & est)
    total = hits + np.sum(obs & ~est) + np.sum(~obs & est)
    return float(hits / total) if total else float("nan")


def skill_scores(
    truth: np.ndarray, estimate: np.ndarray, threshold: float = 35.0
) -> dict[str, float]:
    """``{"RMSE (dBZ)", "correlation", "CSI@35 dBZ"}`` of an estimate against the truth.

    The correlation is :func:`xai4ess.evaluate.spatial_correlation` over all pixels (NaN
    where either field is constant).

    Examples
    --------
    >>> s = skill_scores(np.array([0.0, 40.0]), np.array([0.0, 40.0]))
    >>> s["RMSE (dBZ)"], s["correlation"], s["CSI@35 dBZ"]
    (0.0, 1.0, 1.0)
    """
    a, b = _pair(truth, estimate)
    return {
        "RMSE (dBZ)": rmse(a, b),
        "correlation": spatial_correlation(a, b),
        f"CSI@{threshold:g} dBZ": csi(a, b, threshold),
    }
