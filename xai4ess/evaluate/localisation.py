"""Where does the relevance lie? Shares of relevance on known regions (localisation).

* :func:`relevance_share` - the share of each map's (positive) relevance inside a mask
  (a tag, a texture patch, a box): the pointing-game family of localisation metrics.
* :func:`region_shares` - the same for several named regions at once, plus the rest
  ("background"); :func:`dominant_region` names the region that wins in each map.
* :func:`box_mask` - a latitude-longitude box as a mask.

Plain numpy (pandas for the tables); no TensorFlow. The functions take arrays and
masks, whatever model or dataset they came from.

Examples
--------
>>> import numpy as np
>>> R = np.array([[1.0, 0.0], [3.0, -2.0]])
>>> float(relevance_share(R, np.array([[True, False], [False, False]])))
0.25
>>> R = np.zeros((2, 4, 4)); R[0, 0, 0] = 3.0; R[0, 3, 3] = 1.0; R[1, 3, 3] = 2.0
>>> corner = np.zeros((2, 4, 4), bool); corner[:, 0, 0] = True
>>> region_shares(R, {"corner": corner}).round(2).to_dict("list")
{'corner': [0.75, 0.0], 'background': [0.25, 1.0]}
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np

from ._common import channel_sum, maps3

__all__ = ["relevance_share", "region_shares", "dominant_region", "box_mask"]


def relevance_share(R: np.ndarray, masks: np.ndarray, positive: bool = True) -> np.ndarray:
    """Share of (positive) relevance inside a mask, per sample.

    Parameters
    ----------
    R : ndarray
        Relevance, ``(N, H, W[, C])`` or ``(H, W[, C])``; channels are summed.
    masks : ndarray of bool
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
    masks = np.asarray(masks, dtype=bool)
    rs = channel_sum(R, masks.ndim)
    rs = np.clip(rs, 0, None) if positive else np.abs(rs)
    axes = tuple(range(rs.ndim - 2, rs.ndim))
    total = rs.sum(axis=axes)
    inside = (rs * masks).sum(axis=axes)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(total > 0, inside / np.where(total > 0, total, 1), np.nan)


def region_shares(
    R: np.ndarray,
    masks: Mapping[str, np.ndarray],
    *,
    positive: bool = True,
    background: str = "background",
):
    """Share of each map's (positive) relevance on each named region and on the rest.

    Parameters
    ----------
    R : ndarray
        Relevance maps ``(N, H, W[, C])`` (channels are summed first) or one map.
    masks : mapping of str to bool ndarray
        Regions ``(N, H, W)`` (or ``(H, W)``, the same for every map). A pixel
        in several masks counts for the first one, in the mapping's order, so
        the shares of a map add up to 1.
    positive : bool
        Share of the positive relevance (default; the evidence *for* the
        explained output). Otherwise share of the absolute relevance.
    background : str
        Column name of the pixels outside every mask.

    Returns
    -------
    pandas.DataFrame
        One row per map, one column per region plus ``background``; rows add
        up to 1. A map without any (positive) relevance gives a row of NaN.

    Examples
    --------
    >>> r = np.array([[[2.0, -1.0], [1.0, 1.0]]])
    >>> left = np.array([[[True, False], [True, False]]])
    >>> region_shares(r, {"left": left}).round(2).to_dict("list")
    {'left': [0.75], 'background': [0.25]}
    """
    import pandas as pd

    maps = maps3(R)
    n, h, w = maps.shape
    if background in masks:
        raise ValueError(f"{background!r} is reserved for the pixels outside the masks")
    values = np.clip(maps, 0, None) if positive else np.abs(maps)
    total = values.sum(axis=(1, 2))
    taken = np.zeros((n, h, w), dtype=bool)
    columns = {}
    for name, mask in masks.items():
        mask = np.asarray(mask, dtype=bool)
        if mask.shape == (h, w):
            mask = np.broadcast_to(mask, (n, h, w))
        if mask.shape != (n, h, w):
            raise ValueError(
                f"mask {name!r} has shape {mask.shape}; expected {(n, h, w)} or {(h, w)}"
            )
        own = mask & ~taken
        taken |= own
        columns[name] = (values * own).sum(axis=(1, 2))
    columns[background] = (values * ~taken).sum(axis=(1, 2))
    with np.errstate(invalid="ignore", divide="ignore"):
        safe = np.where(total > 0, total, np.nan)
        return pd.DataFrame({k: v / safe for k, v in columns.items()})


def dominant_region(
    shares,
    *,
    exclude: Sequence[str] = ("background",),
    min_share: float = 0.0,
    area=None,
    min_enrichment: float = 1.0,
):
    """The region with the largest share (or enrichment) in each row of :func:`region_shares`.

    A large region collects a large share of the relevance even when the
    network spreads it evenly, so the largest *share* favours large regions.
    Pass ``area`` (each region's share of the image area, same rows and
    columns) to rank by **enrichment** = share / area instead: how many times
    more relevance a region holds than an even spread would give it.

    Parameters
    ----------
    shares : pandas.DataFrame
        Output of :func:`region_shares`.
    exclude : sequence of str
        Columns that never win (default: the background).
    min_share : float
        Rows whose winning share is below this get the label ``"none"``.
    area : pandas.DataFrame, optional
        Area fraction of each region per row (e.g. ``mask.mean(axis=(1, 2))``).
        Regions with zero area cannot win.
    min_enrichment : float
        With ``area``: rows whose best enrichment is below this (default 1,
        no more than an even spread) get ``"none"``.

    Returns
    -------
    ndarray of str

    Examples
    --------
    >>> import pandas as pd
    >>> df = pd.DataFrame({"horse": [0.5, 0.1], "tag": [0.2, 0.4], "background": [0.3, 0.5]})
    >>> dominant_region(df).tolist()
    ['horse', 'tag']
    >>> area = pd.DataFrame({"horse": [0.6, 0.3], "tag": [0.02, 0.02], "background": [0.38, 0.68]})
    >>> dominant_region(df, area=area).tolist()   # 0.2 on 2 % of the image beats 0.5 on 60 %
    ['tag', 'tag']
    """
    numeric = shares.select_dtypes("number").columns  # e.g. skip a "strategy" label column
    cols = [c for c in shares.columns if c not in set(exclude) and c in numeric]
    if not cols:
        raise ValueError("no region left after excluding " + ", ".join(exclude))
    values = shares[cols].to_numpy(dtype=np.float64)
    raw = values
    if area is not None:
        missing = [c for c in cols if c not in area.columns]
        if missing or len(area) != len(shares):
            raise ValueError(
                f"area must have one row per row of shares ({len(shares)}) and the columns "
                f"{cols}; missing columns: {missing}, rows: {len(area)}"
            )
        a = area[cols].to_numpy(dtype=np.float64)
        with np.errstate(divide="ignore", invalid="ignore"):
            values = np.where(a > 0, values / a, np.nan)
    filled = np.where(np.isnan(values), -np.inf, values)
    best = np.argmax(filled, axis=1)
    labels = np.array(cols, dtype=object)[best]
    top = filled[np.arange(len(filled)), best]
    top_share = np.where(np.isnan(raw), -np.inf, raw)[np.arange(len(filled)), best]
    weak = ~(top_share >= min_share) | ~np.isfinite(top)
    if area is not None:
        weak |= ~(top >= min_enrichment)
    labels[weak] = "none"
    return labels.astype(str)


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
