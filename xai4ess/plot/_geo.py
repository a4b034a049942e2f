"""Longitude-latitude map panels: fields on a regular global grid, with coastlines drawn
as the 0.5 contour of a land mask (or land fraction), units on the colour bar and a
diverging colour map centred at zero for anomalies and signed relevance.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np

from ._core import RELEVANCE_CMAP, new_figure, relevance_norm

__all__ = ["geo_map", "geo_maps", "coastlines"]

#: kind -> (colour map, diverging?)
_KINDS = {
    "anomaly": (RELEVANCE_CMAP, True),
    "relevance": (RELEVANCE_CMAP, True),
    "diverging": (RELEVANCE_CMAP, True),
    "sequential": ("viridis", False),
    "positive": ("magma", False),
}


def _edges(centres: np.ndarray, lo: float, hi: float) -> np.ndarray:
    c = np.asarray(centres, dtype=float)
    if c.size == 1:
        return np.array([lo, hi])
    mid = (c[1:] + c[:-1]) / 2
    return np.concatenate(
        [[max(lo, c[0] - (mid[0] - c[0]))], mid, [min(hi, c[-1] + (c[-1] - mid[-1]))]]
    )


def _check(field, lat, lon) -> np.ndarray:
    f = np.asarray(field, dtype=np.float64)
    if f.ndim == 3 and f.shape[-1] == 1:
        f = f[..., 0]
    if f.shape != (len(lat), len(lon)):
        raise ValueError(
            f"field of shape {np.shape(field)} does not match the grid ({len(lat)} lat x {len(lon)} lon)"
        )
    return f


def coastlines(
    ax,
    lat: np.ndarray,
    lon: np.ndarray,
    land_mask: np.ndarray,
    *,
    color: str = "black",
    linewidth: float = 0.8,
) -> None:
    """Draw coastlines as the 0.5 contour of a land mask or land-fraction map.

    The field is padded across the date line so that the contour is continuous.
    """
    lat = np.asarray(lat, dtype=float)
    lon = np.asarray(lon, dtype=float)
    m = _check(np.asarray(land_mask, dtype=float), lat, lon)
    dlon = lon[1] - lon[0] if lon.size > 1 else 360.0
    lon_p = np.concatenate([[lon[0] - dlon], lon, [lon[-1] + dlon]])
    m_p = np.concatenate([m[:, -1:], m, m[:, :1]], axis=1)
    ax.contour(lon_p, lat, m_p, levels=[0.5], colors=color, linewidths=linewidth)


def geo_map(
    field: np.ndarray,
    lat: np.ndarray,
    lon: np.ndarray,
    land_mask: np.ndarray | None = None,
    *,
    kind: str = "anomaly",
    ax=None,
    title: str | None = None,
    units: str | None = None,
    vmax: float | None = None,
    vmin: float | None = None,
    cmap: str | None = None,
    colorbar: bool = True,
    axis_labels: bool = True,
):
    """One global field on a longitude-latitude (plate carrée) panel with coastlines.

    Parameters
    ----------
    field : ndarray
        ``(nlat, nlon)`` (or ``(nlat, nlon, 1)``), latitudes ascending.
    lat, lon : ndarray
        Cell-centre latitudes (degrees north) and longitudes (degrees east).
    land_mask : ndarray, optional
        Land mask or land fraction on the same grid; its 0.5 contour is drawn.
    kind : str
        ``"anomaly"`` (diverging, symmetric limits, default units K),
        ``"relevance"`` (diverging, centred at zero, via
        :func:`xai4ess.plot.relevance_norm`), ``"diverging"``, ``"sequential"``
        or ``"positive"``.
    ax : matplotlib Axes, optional
        Draw into this axes instead of a new figure.
    title, units : str, optional
        Panel title and colour-bar label (``units`` defaults to "K" for
        anomalies and "relevance" for relevance).
    vmin, vmax : float, optional
        Colour limits; diverging kinds use ``[-vmax, vmax]``.

    Returns
    -------
    matplotlib.figure.Figure

    Examples
    --------
    >>> import numpy as np
    >>> lat = np.arange(-87.5, 90, 5.0); lon = np.arange(-177.5, 180, 5.0)
    >>> fig = geo_map(np.random.randn(36, 72), lat, lon, title="noise")
    """
    from matplotlib.colors import Normalize, TwoSlopeNorm

    if kind not in _KINDS:
        raise ValueError(f"kind must be one of {sorted(_KINDS)}, got {kind!r}")
    lat = np.asarray(lat, dtype=float)
    lon = np.asarray(lon, dtype=float)
    f = _check(field, lat, lon)
    default_cmap, diverging = _KINDS[kind]
    cmap = cmap or default_cmap
    finite = f[np.isfinite(f)]
    if kind == "relevance" and vmax is None:
        norm = relevance_norm(finite if finite.size else np.zeros(1), signed=True)
    elif diverging:
        m = (
            vmax
            if vmax is not None
            else (float(np.percentile(np.abs(finite), 99.5)) if finite.size else 1.0)
        )
        m = m if m > 0 else 1.0
        norm = TwoSlopeNorm(vcenter=0.0, vmin=-m, vmax=m)
    else:
        lo = vmin if vmin is not None else (float(np.min(finite)) if finite.size else 0.0)
        hi = vmax if vmax is not None else (float(np.max(finite)) if finite.size else 1.0)
        norm = Normalize(vmin=lo, vmax=hi if hi > lo else lo + 1)
    if ax is None:
        fig, axes = new_figure(1, 1, figsize=(6.4, 3.4))
        ax = axes[0, 0]
    else:
        fig = ax.figure
    im = ax.pcolormesh(
        _edges(lon, -180, 360),
        _edges(lat, -90, 90),
        np.ma.masked_invalid(f),
        cmap=cmap,
        norm=norm,
        shading="flat",
    )
    if land_mask is not None:
        coastlines(ax, lat, lon, land_mask)
    ax.set_xlim(_edges(lon, -180, 360)[[0, -1]])
    ax.set_ylim(-90, 90)
    ax.set_aspect("equal")
    ax.set_xticks(np.arange(-180, 181, 60))
    ax.set_yticks(np.arange(-90, 91, 30))
    ax.tick_params(labelsize=7)
    if axis_labels:
        ax.set_xlabel("longitude (°E)", fontsize=8)
        ax.set_ylabel("latitude (°N)", fontsize=8)
    if title:
        ax.set_title(title, fontsize=9)
    if colorbar:
        label = (
            units if units is not None else {"anomaly": "K", "relevance": "relevance"}.get(kind, "")
        )
        cb = fig.colorbar(im, ax=ax, shrink=0.75, pad=0.02)
        cb.set_label(label, fontsize=8)
        cb.ax.tick_params(labelsize=7)
    return fig


def geo_maps(
    fields: Mapping[str, np.ndarray] | Sequence[np.ndarray],
    lat: np.ndarray,
    lon: np.ndarray,
    land_mask: np.ndarray | None = None,
    *,
    kind: str | Sequence[str] = "anomaly",
    ncols: int = 2,
    units: str | Sequence[str | None] | None = None,
    vmax: float | Sequence[float | None] | None = None,
    vmin: float | Sequence[float | None] | None = None,
    share_scale: bool = False,
    panel_width: float = 4.2,
):
    """A grid of :func:`geo_map` panels, one per field.

    Parameters
    ----------
    fields : mapping of title to map, or sequence of maps
        The fields to draw, each ``(nlat, nlon)``.
    kind, units, vmin, vmax : str/float or one per panel
        Passed to :func:`geo_map`.
    share_scale : bool
        One colour range for all panels (the largest of their 99.5th
        percentiles of ``|field|``), so that magnitudes compare.

    Returns
    -------
    matplotlib.figure.Figure

    Examples
    --------
    >>> import numpy as np
    >>> lat = np.arange(-87.5, 90, 5.0); lon = np.arange(-177.5, 180, 5.0)
    >>> fig = geo_maps({"a": np.random.randn(36, 72), "b": np.random.randn(36, 72)}, lat, lon)
    """
    if isinstance(fields, Mapping):
        titles, maps = list(fields.keys()), list(fields.values())
    else:
        maps = list(fields)
        titles = [None] * len(maps)
    n = len(maps)
    if n == 0:
        raise ValueError("no fields to draw")

    def per_panel(value, i):
        if isinstance(value, (list, tuple)):
            return value[i]
        return value

    if share_scale and vmax is None:
        vmax = max(float(np.nanpercentile(np.abs(np.asarray(m, dtype=float)), 99.5)) for m in maps)
    ncols = min(ncols, n)
    nrows = int(np.ceil(n / ncols))
    fig, axes = new_figure(nrows, ncols, figsize=(panel_width * ncols, 0.56 * panel_width * nrows))
    for i, ax in enumerate(axes.ravel()):
        if i >= n:
            ax.set_visible(False)
            continue
        geo_map(
            maps[i],
            lat,
            lon,
            land_mask,
            kind=per_panel(kind, i),
            ax=ax,
            title=titles[i],
            units=per_panel(units, i),
            vmax=per_panel(vmax, i),
            vmin=per_panel(vmin, i),
            axis_labels=(i % ncols == 0) or (i // ncols == nrows - 1),
        )
    return fig
