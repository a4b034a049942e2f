"""Fidelity against a known truth (Mamalakis, Ebert-Uphoff & Barnes 2022, *Environ. Data
Sci.* 1, e8; Mamalakis, Barnes & Ebert-Uphoff 2022): how well do attribution maps recover
a map that is known to be right?

* per sample: :func:`truth_correlation` (each map against its exact contribution map),
  :func:`summarise` over samples, :func:`chance_correlation` for random maps;
* composites on a latitude-longitude grid: :func:`composite` (mean map), :func:`truth_score`
  (area-weighted correlation, rank correlation, top-k overlap with its chance level),
  :func:`rank_by_truth` (a table of methods), :func:`area_weights` (``cos(latitude)``) and
  :func:`pointwise_regression` (maps regressed on a scalar, e.g. the year: candidate
  patterns to score against the truth).

Examples
--------
>>> import numpy as np
>>> r = truth_correlation(np.array([[1.0, 2, 3], [3, 2, 1]]), np.array([[1.0, 2, 4], [1, 2, 3]]))
>>> np.round(r, 3).tolist()
[0.982, -1.0]
>>> lat = np.array([-45.0, 45.0]); truth = np.array([[1.0, 2.0], [3.0, 4.0]])
>>> s = truth_score(2 * truth + 1, truth, lat=lat, fraction=0.5)
>>> round(s["correlation"], 6), s["topk_overlap"]
(1.0, 1.0)
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np

from ._common import flat, same_shape
from .similarity import rank_correlation, similarity, spatial_correlation, topk_overlap

__all__ = [
    "truth_correlation",
    "summarise",
    "chance_correlation",
    "area_weights",
    "composite",
    "truth_score",
    "rank_by_truth",
    "pointwise_regression",
]


def truth_correlation(R, truth, kind: str = "pearson") -> np.ndarray:
    """Correlation between each sample's map and its truth map.

    Source: Mamalakis, Ebert-Uphoff & Barnes (2022), who score methods by the Pearson
    correlation per sample; Spearman (rank) correlation is the rank version.

    Parameters
    ----------
    R, truth : ndarray
        ``(N, ...)`` maps of equal shape (channels are flattened with the grid).
    kind : {"pearson", "spearman"}

    Returns
    -------
    ndarray
        ``(N,)``; NaN for a constant map (no correlation defined).
    """
    if kind not in ("pearson", "spearman"):
        raise ValueError(f"kind must be 'pearson' or 'spearman', got {kind!r}")
    a, b = flat(R, "R"), flat(truth, "truth")
    same_shape(a, b, "R and truth")
    return similarity(a, b, kind)


def summarise(values, threshold: float = 0.7) -> dict[str, float]:
    """Median, quartiles, IQR and the share of samples above ``threshold`` (NaN ignored).

    Examples
    --------
    >>> s = summarise([0.1, 0.5, 0.8, 0.9])
    >>> s["median"], s["share_above"]
    (0.65, 0.5)
    """
    v = np.asarray(values, dtype=np.float64).ravel()
    v = v[np.isfinite(v)]
    if v.size == 0:
        nan = float("nan")
        return {"median": nan, "q25": nan, "q75": nan, "iqr": nan, "share_above": nan, "n": 0}
    q25, med, q75 = np.percentile(v, [25, 50, 75])
    return {
        "median": float(med),
        "q25": float(q25),
        "q75": float(q75),
        "iqr": float(q75 - q25),
        "share_above": float(np.mean(v > threshold)),
        "n": int(v.size),
    }


def chance_correlation(truth, n_draws: int = 20, seed: int = 0, kind: str = "pearson"):
    """Correlation of random maps (i.i.d. Gaussian) with the truth: the chance level.

    Its expectation is 0 for any truth; the spread is about ``1 / sqrt(features)``.

    Returns
    -------
    ndarray
        ``(n_draws, N)`` correlations.
    """
    t = flat(truth, "truth")
    rng = np.random.default_rng(seed)
    return np.stack(
        [truth_correlation(rng.standard_normal(t.shape), t, kind) for _ in range(n_draws)]
    )


def area_weights(lat: np.ndarray, nlon: int) -> np.ndarray:
    """``(nlat, nlon)`` grid-cell area weights ``cos(lat)``, normalised to sum to 1."""
    w = np.cos(np.deg2rad(np.asarray(lat, dtype=np.float64)))[:, None] * np.ones((1, int(nlon)))
    w = np.clip(w, 0.0, None)
    return w / w.sum()


def composite(R: np.ndarray, select: np.ndarray | None = None) -> np.ndarray:
    """Mean attribution map over samples (channels summed).

    Parameters
    ----------
    R : ndarray
        ``(N, nlat, nlon[, C])`` attributions.
    select : ndarray of bool or int, optional
        Samples to average (default: all).

    Returns
    -------
    ndarray
        ``(nlat, nlon)`` float64.
    """
    R = np.asarray(R, dtype=np.float64)
    if R.ndim == 4:
        R = R.sum(axis=-1)
    if R.ndim != 3:
        raise ValueError(f"expected R of shape (N, nlat, nlon[, C]), got {R.shape}")
    if select is not None:
        R = R[np.asarray(select)]
    if len(R) == 0:
        raise ValueError("no samples selected for the composite")
    return R.mean(axis=0)


def truth_score(
    R: np.ndarray,
    truth: np.ndarray,
    *,
    lat: np.ndarray | None = None,
    fraction: float = 0.1,
) -> dict[str, float]:
    """How well one composite map recovers a truth map.

    Parameters
    ----------
    R, truth : ndarray
        ``(nlat, nlon)`` maps: a composite attribution map and the truth.
    lat : ndarray, optional
        Latitudes of the rows; the correlation is then area-weighted.
    fraction : float
        Share of grid points counted as "top" for the overlap.

    Returns
    -------
    dict
        ``correlation`` (area-weighted Pearson), ``rank_correlation``
        (Spearman), ``topk_overlap`` (share of the top ``fraction`` grid
        points of the truth that are also top in the attribution) and
        ``topk_chance``, the overlap a map unrelated to the truth has on
        average (k / N, about ``fraction``): compare the overlap with it.
    """
    a = np.asarray(R, dtype=np.float64)
    t = np.asarray(truth, dtype=np.float64)
    if a.shape != t.shape or a.ndim != 2:
        raise ValueError(f"R {a.shape} and truth {t.shape} must be maps of one shape")
    if not 0 < fraction <= 1:
        raise ValueError(f"fraction must be in (0, 1], got {fraction}")
    w = area_weights(lat, a.shape[1]) if lat is not None else np.ones_like(a)
    return {
        "correlation": spatial_correlation(a, t, w),
        "rank_correlation": rank_correlation(a, t),
        "topk_overlap": topk_overlap(a, t, fraction),
        "topk_chance": max(1, int(round(fraction * a.size))) / a.size,
    }


def rank_by_truth(
    maps: Mapping[str, np.ndarray],
    truth: np.ndarray,
    *,
    baseline: Mapping[str, np.ndarray] | None = None,
    lat: np.ndarray | None = None,
    fraction: float = 0.1,
    by: str = "correlation",
):
    """A table ranking methods by how well their composite maps recover the truth.

    Parameters
    ----------
    maps : mapping of str to ndarray
        Method name -> composite map of the trained network.
    truth : ndarray
        The ground-truth map.
    baseline : mapping of str to ndarray, optional
        Method name -> composite map of a network with random weights; its
        scores appear in columns ``random_<metric>``.
    lat, fraction
        As in :func:`truth_score`.
    by : str
        Column to sort by (descending).

    Returns
    -------
    pandas.DataFrame
        One row per method, best first.

    Examples
    --------
    >>> import numpy as np
    >>> t = np.arange(12.0).reshape(3, 4)
    >>> table = rank_by_truth({"good": t, "bad": -t}, t)
    >>> list(table.index)
    ['good', 'bad']
    """
    import pandas as pd

    rows = {}
    for name, m in maps.items():
        row = truth_score(m, truth, lat=lat, fraction=fraction)
        if baseline is not None and name in baseline:
            row.update(
                {
                    f"random_{k}": v
                    for k, v in truth_score(
                        baseline[name], truth, lat=lat, fraction=fraction
                    ).items()
                    if k != "topk_chance"
                }
            )
        rows[name] = row
    table = pd.DataFrame.from_dict(rows, orient="index")
    if by not in table.columns:
        raise KeyError(f"cannot sort by {by!r}; columns: {list(table.columns)}")
    table.index.name = "method"
    return table.sort_values(by, ascending=False)


def pointwise_regression(x: np.ndarray, y: np.ndarray) -> dict[str, np.ndarray]:
    """Grid-point-by-grid-point linear regression of the maps on a scalar (e.g. the year).

    Parameters
    ----------
    x : ndarray
        ``(N, nlat, nlon[, 1])`` maps.
    y : ndarray
        ``(N,)`` the scalar (year).

    Returns
    -------
    dict
        ``slope`` (units of x per unit of y, e.g. K per year), ``correlation``
        (Pearson r of x and y at each grid point) and ``coefficient`` (the
        regression of y on x at each grid point, units of y per unit of x).

    Examples
    --------
    >>> import numpy as np
    >>> y = np.arange(10.0); x = 0.5 * y[:, None, None] * np.ones((1, 2, 3))
    >>> out = pointwise_regression(x, y)
    >>> float(out["slope"][0, 0]), float(out["correlation"][1, 2])
    (0.5, 1.0)
    """
    x = np.asarray(x, dtype=np.float64)
    if x.ndim == 4:
        x = x[..., 0]
    y = np.asarray(y, dtype=np.float64).ravel()
    if x.ndim != 3 or len(x) != len(y):
        raise ValueError(f"need maps (N, nlat, nlon) and N values, got {x.shape} and {y.shape}")
    xa = x - x.mean(axis=0)
    ya = (y - y.mean())[:, None, None]
    sxy = (xa * ya).sum(axis=0)
    sxx = (xa**2).sum(axis=0)
    syy = float((ya**2).sum())
    with np.errstate(invalid="ignore", divide="ignore"):
        return {
            "slope": sxy / syy,
            "correlation": sxy / np.sqrt(sxx * syy),
            "coefficient": sxy / sxx,
        }
