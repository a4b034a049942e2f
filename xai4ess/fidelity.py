"""Attribution fidelity against a known truth: how well do composite attribution maps
recover a ground-truth map (in the spirit of Mamalakis, Barnes & Ebert-Uphoff 2022)?

Plain numpy (pandas only for the ranking table); it takes maps, never models.
Maps live on a regular latitude-longitude grid, so every score can weight grid
points by their area (``cos(latitude)``).

Examples
--------
>>> import numpy as np
>>> lat = np.array([-45.0, 45.0]); truth = np.array([[1.0, 2.0], [3.0, 4.0]])
>>> s = score(2 * truth + 1, truth, lat=lat, fraction=0.5)
>>> round(s["correlation"], 6), s["topk_overlap"]
(1.0, 1.0)
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np

__all__ = [
    "area_weights",
    "composite",
    "score",
    "rank_methods",
    "pointwise_regression",
    "box_mask",
]


def area_weights(lat: np.ndarray, nlon: int) -> np.ndarray:
    """``(nlat, nlon)`` grid-cell area weights ``cos(lat)``, normalised to sum to 1."""
    w = np.cos(np.deg2rad(np.asarray(lat, dtype=np.float64)))[:, None] * np.ones((1, int(nlon)))
    w = np.clip(w, 0.0, None)
    return w / w.sum()


def composite(r: np.ndarray, select: np.ndarray | None = None) -> np.ndarray:
    """Mean attribution map over samples (channels summed).

    Parameters
    ----------
    r : ndarray
        ``(N, nlat, nlon[, C])`` attributions.
    select : ndarray of bool or int, optional
        Samples to average (default: all).

    Returns
    -------
    ndarray
        ``(nlat, nlon)`` float64.
    """
    r = np.asarray(r, dtype=np.float64)
    if r.ndim == 4:
        r = r.sum(axis=-1)
    if r.ndim != 3:
        raise ValueError(f"expected (N, nlat, nlon[, C]) attributions, got shape {r.shape}")
    if select is not None:
        r = r[np.asarray(select)]
    if len(r) == 0:
        raise ValueError("no samples selected for the composite")
    return r.mean(axis=0)


def _weighted_corr(a: np.ndarray, b: np.ndarray, w: np.ndarray) -> float:
    a, b, w = a.ravel(), b.ravel(), w.ravel()
    ok = np.isfinite(a) & np.isfinite(b)
    a, b, w = a[ok], b[ok], w[ok] / w[ok].sum()
    da, db = a - (w * a).sum(), b - (w * b).sum()
    den = np.sqrt((w * da**2).sum() * (w * db**2).sum())
    return float((w * da * db).sum() / den) if den > 0 else float("nan")


def _topk(a: np.ndarray, b: np.ndarray, fraction: float) -> float:
    a, b = a.ravel(), b.ravel()
    k = max(1, int(round(fraction * a.size)))
    top_a = np.argsort(a, kind="stable")[-k:]
    top_b = np.argsort(b, kind="stable")[-k:]
    return len(np.intersect1d(top_a, top_b)) / k


def score(
    attribution: np.ndarray,
    truth: np.ndarray,
    *,
    lat: np.ndarray | None = None,
    fraction: float = 0.1,
) -> dict[str, float]:
    """How well one composite map recovers a truth map.

    Parameters
    ----------
    attribution, truth : ndarray
        ``(nlat, nlon)`` maps.
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
    from scipy.stats import spearmanr

    a = np.asarray(attribution, dtype=np.float64)
    t = np.asarray(truth, dtype=np.float64)
    if a.shape != t.shape or a.ndim != 2:
        raise ValueError(f"attribution {a.shape} and truth {t.shape} must be maps of one shape")
    if not 0 < fraction <= 1:
        raise ValueError(f"fraction must be in (0, 1], got {fraction}")
    w = area_weights(lat, a.shape[1]) if lat is not None else np.ones_like(a)
    return {
        "correlation": _weighted_corr(a, t, w),
        "rank_correlation": float(spearmanr(a.ravel(), t.ravel()).statistic),
        "topk_overlap": _topk(a, t, fraction),
        "topk_chance": max(1, int(round(fraction * a.size))) / a.size,
    }


def rank_methods(
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
        As in :func:`score`.
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
    >>> table = rank_methods({"good": t, "bad": -t}, t)
    >>> list(table.index)
    ['good', 'bad']
    """
    import pandas as pd

    rows = {}
    for name, m in maps.items():
        row = score(m, truth, lat=lat, fraction=fraction)
        if baseline is not None and name in baseline:
            row.update(
                {
                    f"random_{k}": v
                    for k, v in score(baseline[name], truth, lat=lat, fraction=fraction).items()
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


def box_mask(
    lat: np.ndarray, lon: np.ndarray, lat_range: tuple[float, float], lon_range: tuple[float, float]
) -> np.ndarray:
    """Boolean ``(nlat, nlon)`` mask of a latitude-longitude box.

    ``lon_range`` may cross the date line, e.g. ``(150, -120)``; ``(-180, 180)`` is
    every longitude.

    Examples
    --------
    >>> import numpy as np
    >>> m = box_mask(np.array([-10.0, 10.0]), np.array([170.0, -170.0, 0.0]), (0, 20), (160, -160))
    >>> m.astype(int).tolist()
    [[0, 0, 0], [1, 1, 0]]
    """
    lat = np.asarray(lat, dtype=float)
    lon = (np.asarray(lon, dtype=float) + 180.0) % 360.0 - 180.0
    la0, la1 = sorted(lat_range)
    in_lat = (lat >= la0) & (lat <= la1)
    if abs(float(lon_range[1]) - float(lon_range[0])) >= 360.0:
        return in_lat[:, None] & np.ones((1, lon.size), dtype=bool)
    lo0, lo1 = ((float(v) + 180.0) % 360.0 - 180.0 for v in lon_range)
    in_lon = (lon >= lo0) & (lon <= lo1) if lo0 <= lo1 else (lon >= lo0) | (lon <= lo1)
    return in_lat[:, None] & in_lon[None, :]
