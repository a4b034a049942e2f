"""Satellite and radar figures: brightness temperature (K), GLM, reflectivity (dBZ), relevance.

Every function draws arrays it is given; nothing here runs a model.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np

from ._core import RELEVANCE_CMAP, new_figure, relevance_norm

__all__ = [
    "reflectivity_cmap",
    "CHANNEL_STYLE",
    "radar_panels",
    "channel_relevance",
    "share_bars",
    "relevance_grid",
    "strategy_examples",
    "draw_channel",
    "draw_dbz",
    "box_patch",
    "km_axes_labels",
    "channel_image",
    "zone_outlines",
    "ZONE_COLOURS",
]

#: NWS-style reflectivity colours, one per 5 dBZ from 5 to 70 dBZ.
_DBZ_COLOURS = [
    "#04e9e7",
    "#019ff4",
    "#0300f4",
    "#02fd02",
    "#01c501",
    "#008e00",
    "#fdf802",
    "#e5bc00",
    "#fd9500",
    "#fd0000",
    "#d40000",
    "#bc0000",
    "#f800fd",
    "#9854c6",
]

#: How each input channel is drawn: (label, units, colour map, vmin, vmax).
CHANNEL_STYLE = {
    "C07": ("C07 3.9 µm", "K", "Greys", 200.0, 310.0),
    "C09": ("C09 6.9 µm", "K", "Greys", 190.0, 255.0),
    "C13": ("C13 10.3 µm", "K", "Greys", 185.0, 305.0),
    "GLM": ("GLM lightning", "groups / 5 min", "YlOrRd", 0.0, None),
}


def reflectivity_cmap():
    """Colour map and norm for composite reflectivity in dBZ (white below 5 dBZ: no echo).

    Returns
    -------
    (matplotlib.colors.ListedColormap, matplotlib.colors.BoundaryNorm)

    Examples
    --------
    >>> cmap, norm = reflectivity_cmap()
    >>> norm.boundaries[0], norm.boundaries[-1]
    (5.0, 75.0)
    """
    from matplotlib.colors import BoundaryNorm, ListedColormap

    cmap = ListedColormap(_DBZ_COLOURS, name="reflectivity").with_extremes(
        under="white", over="#fdfdfd", bad="white"
    )
    bounds = np.arange(5.0, 75.1, 5.0)
    return cmap, BoundaryNorm(bounds, cmap.N)


def _extent(shape, pixel_km: float):
    h, w = shape[:2]
    return (0, w * pixel_km, h * pixel_km, 0)


def km_axes_labels(ax, pixel_km: float, left: bool = True) -> None:
    """Label an axis drawn in km coordinates: ``x (km)``, and ``y (km)`` if ``left``."""
    ax.set_xlabel("x (km)")
    if left:
        ax.set_ylabel("y (km)")


def _contour(ax, field, pixel_km, **kwargs):
    """Contour a per-pixel field in the km coordinates of an ``imshow`` drawn with :func:`_extent`."""
    field = np.asarray(field, dtype=float)
    h, w = field.shape
    xs, ys = (np.arange(w) + 0.5) * pixel_km, (np.arange(h) + 0.5) * pixel_km
    if field.min() < 0.5 <= field.max():
        return ax.contour(xs, ys, field, **kwargs)
    return None


def channel_image(img: np.ndarray, name: str) -> tuple[np.ndarray, float | None, float | None]:
    """What :func:`draw_channel` shows of one GOES channel: the array and its colour limits.

    GLM zeros are masked (drawn white) and its range ends at the scene's largest
    value (at least 1); the other channels use the limits of :data:`CHANNEL_STYLE`.
    A figure that changes scene in place sets these on its image.

    Examples
    --------
    >>> img, vmin, vmax = channel_image(np.array([[0.0, 3.0]]), "GLM")
    >>> img.mask.tolist(), vmin, vmax
    ([[True, False]], 0.0, 3.0)
    """
    _, _, _, vmin, vmax = CHANNEL_STYLE.get(name, (name, "", "viridis", None, None))
    img = np.asarray(img, dtype=np.float64)
    if name == "GLM":
        return np.ma.masked_equal(img, 0.0), vmin, max(float(img.max()), 1.0)
    return img, vmin, vmax


#: Outline colours of ground-truth zones, in the order the zones are given.
ZONE_COLOURS = ("#7b3294", "#0072b2", "#009e73", "#e66101")


def zone_outlines(ax, masks: Mapping[str, np.ndarray], pixel_km: float) -> list:
    """Outline each boolean zone mask (its 0.5 contour) in :data:`ZONE_COLOURS`.

    Returns the contour sets drawn (one per mask that has both inside and
    outside), so that a figure can remove them when it changes scene in place.

    Examples
    --------
    >>> fig, axes = new_figure()
    >>> zone = np.zeros((6, 6), bool); zone[2:4, 2:4] = True
    >>> len(zone_outlines(axes[0, 0], {"core": zone, "none": np.zeros((6, 6))}, 2.0))
    1
    """
    drawn = [
        _contour(ax, mask, pixel_km, levels=[0.5], colors=ZONE_COLOURS[j % 4], linewidths=1.3)
        for j, mask in enumerate(masks.values())
    ]
    return [cs for cs in drawn if cs is not None]


def draw_channel(fig, ax, img: np.ndarray, name: str, pixel_km: float) -> None:
    """Draw one GOES channel (``"C07"``, ``"C09"``, ``"C13"`` or ``"GLM"``) with its colour bar.

    The style (title, units, colour map, range) comes from :data:`CHANNEL_STYLE`;
    GLM zeros are left white.

    Examples
    --------
    >>> fig, axes = new_figure()
    >>> draw_channel(fig, axes[0, 0], np.full((4, 4), 250.0), "C13", 2.0)
    >>> axes[0, 0].get_title() != ""
    True
    """
    label, units, cmap, _, _ = CHANNEL_STYLE.get(name, (name, "", "viridis", None, None))
    img, vmin, vmax = channel_image(img, name)
    if name == "GLM":
        import matplotlib

        cmap = matplotlib.colormaps[cmap].with_extremes(bad="white")
    im = ax.imshow(img, cmap=cmap, vmin=vmin, vmax=vmax, extent=_extent(img.shape, pixel_km))
    ax.set_title(label)
    fig.colorbar(im, ax=ax, shrink=0.8, label=units)


def draw_dbz(fig, ax, z: np.ndarray, title: str, pixel_km: float) -> None:
    """Draw a reflectivity field (dBZ, ``(H, W)`` or ``(H, W, 1)``) in NWS colours with a colour bar."""
    cmap, norm = reflectivity_cmap()
    z = np.asarray(z, dtype=np.float64)
    z = z[..., 0] if z.ndim == 3 else z
    im = ax.imshow(
        z, cmap=cmap, norm=norm, extent=_extent(z.shape, pixel_km), interpolation="nearest"
    )
    ax.set_title(title)
    fig.colorbar(im, ax=ax, shrink=0.8, label="dBZ", extend="both")


def radar_panels(
    x: np.ndarray,
    y: np.ndarray | None = None,
    estimate: np.ndarray | None = None,
    *,
    channels: Sequence[str] = ("C07", "C09", "C13", "GLM"),
    show: Sequence[str] | None = None,
    pixel_km: float = 2.0,
    extra: Mapping[str, np.ndarray] | None = None,
    size: float = 2.7,
    ncols: int | None = None,
    title: str | None = None,
):
    """Inputs, truth and estimate of one scene side by side, in physical units.

    Parameters
    ----------
    x : ndarray
        One scene ``(H, W, C)`` in physical units (K; GLM groups per 5 min).
    y, estimate : ndarray, optional
        Reflectivity ``(H, W[, 1])`` in dBZ: the MRMS-like truth and an estimate.
    channels : sequence of str
        Names of the channels of ``x``.
    show : sequence of str, optional
        Channels to draw (default: all).
    pixel_km : float
        Pixel size, for the km axes.
    extra : mapping of str to ndarray, optional
        More reflectivity maps (dBZ) to draw, e.g. ``{"baseline": b}``.
    ncols : int, optional
        Panels per row (default: all in one row).

    Returns
    -------
    matplotlib.figure.Figure

    Examples
    --------
    >>> x = np.full((16, 16, 4), 290.0); x[..., 3] = 0
    >>> fig = radar_panels(x, np.zeros((16, 16, 1)))
    """
    x = np.asarray(x)
    if x.ndim != 3 or x.shape[-1] != len(channels):
        raise ValueError(f"x must be one scene (H, W, {len(channels)}), got shape {x.shape}")
    show = list(show or channels)
    maps = []
    for name in show:
        if name not in channels:
            raise ValueError(f"unknown channel {name!r}; channels are {list(channels)}")
        maps.append(("channel", name, x[..., list(channels).index(name)]))
    if y is not None:
        maps.append(("dbz", "MRMS (truth)", y))
    if estimate is not None:
        maps.append(("dbz", "network estimate", estimate))
    for key, value in (extra or {}).items():
        maps.append(("dbz", key, value))
    n = len(maps)
    ncols = ncols or n
    nrows = int(np.ceil(n / ncols))
    fig, axes = new_figure(nrows, ncols, size=size)
    for k, ax in enumerate(axes.ravel()):
        if k >= n:
            ax.set_axis_off()
            continue
        kind, name, img = maps[k]
        if kind == "channel":
            draw_channel(fig, ax, img, name, pixel_km)
        else:
            draw_dbz(fig, ax, img, name, pixel_km)
        km_axes_labels(ax, pixel_km, left=(k % ncols == 0))
    if title:
        fig.suptitle(title)
    return fig


def box_patch(box, pixel_km: float, colour="k"):
    """A dashed ``Rectangle`` outlining ``box = ((r0, r1), (c0, c1))`` (inclusive pixels) in km.

    Examples
    --------
    >>> box_patch(((0, 1), (2, 5)), 2.0).get_width()
    8.0
    """
    from matplotlib.patches import Rectangle

    (r0, r1), (c0, c1) = box
    return Rectangle(
        (c0 * pixel_km, r0 * pixel_km),
        (c1 - c0 + 1) * pixel_km,
        (r1 - r0 + 1) * pixel_km,
        fill=False,
        edgecolor=colour,
        lw=1.4,
        ls="--",
    )


def channel_relevance(
    r: np.ndarray,
    *,
    channels: Sequence[str] = ("C07", "C09", "C13", "GLM"),
    target: tuple[int, int] | np.ndarray | None = None,
    box=None,
    contours: Mapping[str, np.ndarray] | None = None,
    pixel_km: float = 2.0,
    signed: bool = True,
    shares: bool = True,
    zoom=None,
    title: str | None = None,
    size: float = 2.6,
    axes=None,
):
    """Relevance of one scene, one panel per input channel, on a common colour scale.

    Parameters
    ----------
    r : ndarray
        Relevance ``(H, W, C)``.
    target : (row, col) or boolean mask, optional
        The explained output pixel (marked with a cross) or region (outlined).
    box : ((r0, r1), (c0, c1)), optional
        A box to draw, inclusive pixel indices, e.g. the theoretical receptive
        field of the target pixel.
    contours : mapping of str to boolean mask, optional
        Ground-truth zones to outline (e.g. ``{"lightning": mask}``).
    signed : bool
        Diverging colour map centred at zero (default).
    shares : bool
        Put each channel's share of the positive relevance in its title.
    zoom : ((r0, r1), (c0, c1)), optional
        Show only this window (inclusive pixel indices).
    axes : sequence of matplotlib axes, optional
        Draw into these (one per channel) instead of a new figure.

    Returns
    -------
    matplotlib.figure.Figure

    Examples
    --------
    >>> r = np.random.default_rng(0).normal(size=(16, 16, 4))
    >>> fig = channel_relevance(r, target=(8, 8), box=((2, 13), (2, 13)))
    """
    import matplotlib.lines as mlines

    r = np.asarray(r, dtype=np.float64)
    if r.ndim != 3 or r.shape[-1] != len(channels):
        raise ValueError(f"r must be (H, W, {len(channels)}), got shape {r.shape}")
    if axes is None:
        fig, axs = new_figure(1, len(channels), size=size)
        axs = axs[0]
    else:
        axs = list(axes)
        fig = axs[0].figure
    pos = np.clip(r, 0, None).sum(axis=(0, 1))
    share = pos / pos.sum() if pos.sum() > 0 else np.full(len(channels), np.nan)
    norm = relevance_norm(r, signed=signed, percentile=99.9)
    colours = ZONE_COLOURS
    im = None
    for k, (ax, name) in enumerate(zip(axs, channels)):
        im = ax.imshow(
            r[..., k],
            cmap=RELEVANCE_CMAP if signed else "magma",
            norm=norm,
            extent=_extent(r.shape, pixel_km),
            interpolation="nearest",
        )
        label = CHANNEL_STYLE.get(name, (name,))[0].split(" ")[0]
        ax.set_title(f"{label}" + (f": {share[k]:.0%} of R+" if shares else ""))
        km_axes_labels(ax, pixel_km, left=(k == 0))
        if box is not None:
            ax.add_patch(box_patch(box, pixel_km))
        if target is not None:
            t = np.asarray(target)
            if t.dtype == bool:
                _contour(
                    ax,
                    t.astype(float),
                    pixel_km,
                    levels=[0.5],
                    colors="k",
                    linewidths=0.8,
                )
            else:
                ax.plot(
                    (t[1] + 0.5) * pixel_km, (t[0] + 0.5) * pixel_km, "x", color="k", ms=7, mew=2
                )
        zone_outlines(ax, contours or {}, pixel_km)
        if zoom is not None:
            (r0, r1), (c0, c1) = zoom
            ax.set_xlim(c0 * pixel_km, (c1 + 1) * pixel_km)
            ax.set_ylim((r1 + 1) * pixel_km, r0 * pixel_km)
    if contours:
        handles = [
            mlines.Line2D([], [], color=colours[j % 4], label=name)
            for j, name in enumerate(contours)
        ]
        axs[-1].legend(handles=handles, loc="lower right", fontsize=7, framealpha=0.9)
    if axes is None:
        fig.colorbar(im, ax=list(axs), shrink=0.8, label="relevance")
    if title:
        fig.suptitle(title)
    return fig


def share_bars(
    table,
    *,
    ax=None,
    ylabel: str = "share of positive relevance",
    title: str | None = None,
    size: float = 3.2,
):
    """Grouped bars: rows of ``table`` are groups, columns are bars (shares in [0, 1]).

    Parameters
    ----------
    table : pandas.DataFrame or mapping of str to mapping
        E.g. rows = cases (``"lightning"``, ``"towers"``), columns = channels.

    Returns
    -------
    matplotlib.figure.Figure

    Examples
    --------
    >>> fig = share_bars({"lightning": {"C13": 0.2, "GLM": 0.5}, "towers": {"C13": 0.4, "GLM": 0.0}})
    """
    import pandas as pd

    df = table if isinstance(table, pd.DataFrame) else pd.DataFrame(table).T
    if ax is None:
        fig, axs = new_figure(1, 1, size=size)
        ax = axs[0, 0]
        fig.set_size_inches(max(size, 1.1 * len(df) * (len(df.columns) * 0.35 + 0.6)), size)
    else:
        fig = ax.figure
    n, m = df.shape
    width = 0.8 / m
    xs = np.arange(n)
    for j, col in enumerate(df.columns):
        ax.bar(xs + (j - (m - 1) / 2) * width, df[col].to_numpy(dtype=float), width, label=str(col))
    ax.set_xticks(xs, [str(i) for i in df.index])
    ax.set_ylabel(ylabel)
    top = float(np.nanmax(df.to_numpy(dtype=float))) if df.size else 1.0
    ax.set_ylim(0, max(top, 1e-9) * (1.2 + 0.12 * int(np.ceil(m / 2))))
    ax.legend(fontsize=8, ncols=2, loc="upper center")
    if title:
        ax.set_title(title)
    return fig


def relevance_grid(
    maps: np.ndarray,
    *,
    row_labels: Sequence[str],
    col_labels: Sequence[str],
    contours: np.ndarray | None = None,
    contour_label: str | None = None,
    marker: tuple[float, float] | None = None,
    pixel_km: float = 2.0,
    signed: bool = True,
    colorbar_labels: Sequence[str] | None = None,
    size: float = 2.4,
    title: str | None = None,
):
    """A grid of relevance maps, one colour scale per column (e.g. one column per method).

    Parameters
    ----------
    maps : ndarray
        ``(rows, cols, H, W)``.
    row_labels, col_labels : sequence of str
    contours : ndarray, optional
        ``(rows, H, W)``: a field per row (a mask, or a frequency in [0, 1])
        outlined at 0.5 in every panel of that row.
    marker : (row, col), optional
        A pixel to mark with a cross in every panel (e.g. the explained pixel).
    signed : bool
        Diverging colour map centred at zero; otherwise a sequential one.
    colorbar_labels : sequence of str, optional
        One label per column's colour bar.

    Returns
    -------
    matplotlib.figure.Figure

    Examples
    --------
    >>> fig = relevance_grid(np.random.default_rng(0).normal(size=(2, 2, 9, 9)),
    ...                      row_labels=["a", "b"], col_labels=["LRP", "gradient"])
    """
    import matplotlib.lines as mlines

    maps = np.asarray(maps, dtype=np.float64)
    if maps.ndim != 4 or maps.shape[:2] != (len(row_labels), len(col_labels)):
        raise ValueError(
            f"maps must be (rows, cols, H, W) = ({len(row_labels)}, {len(col_labels)}, H, W), "
            f"got {maps.shape}"
        )
    nr, nc, h, w = maps.shape
    ink = "k" if signed else "w"  # visible on the diverging / on the dark sequential map
    fig, axes = new_figure(nr, nc, size=size)
    for j in range(nc):
        norm = relevance_norm(maps[:, j], signed=signed, percentile=99.8)
        im = None
        for i in range(nr):
            ax = axes[i, j]
            im = ax.imshow(
                maps[i, j],
                cmap=RELEVANCE_CMAP if signed else "magma",
                norm=norm,
                extent=_extent((h, w), pixel_km),
                interpolation="nearest",
            )
            if contours is not None:
                _contour(
                    ax,
                    np.asarray(contours[i], dtype=float),
                    pixel_km,
                    levels=[0.5],
                    colors=ink,
                    linewidths=1.1,
                )
            if marker is not None:
                ax.plot(
                    (marker[1] + 0.5) * pixel_km,
                    (marker[0] + 0.5) * pixel_km,
                    "+",
                    color=ink,
                    ms=8,
                    mew=1.5,
                )
            if i == 0:
                ax.set_title(col_labels[j])
            ax.set_xlabel("x (km)" if i == nr - 1 else "")
            ax.set_ylabel(f"{row_labels[i]}\ny (km)" if j == 0 else "")
        fig.colorbar(
            im,
            ax=list(axes[:, j]),
            shrink=0.6,
            location="bottom",
            label=(
                colorbar_labels[j]
                if colorbar_labels
                else ("relevance" if signed else "|attribution|")
            ),
        )
    if contours is not None and contour_label:
        axes[0, -1].legend(
            handles=[mlines.Line2D([], [], color="k", lw=1.1, label=contour_label)],
            loc="lower right",
            fontsize=7,
            framealpha=0.9,
        )
    if title:
        fig.suptitle(title)
    return fig


def strategy_examples(
    x: np.ndarray,
    relevance: np.ndarray,
    targets: Sequence[tuple[int, int]],
    *,
    labels: Sequence[str],
    zones: np.ndarray | None = None,
    zone_labels: Sequence[str] | None = None,
    channels: Sequence[str] = ("C07", "C09", "C13", "GLM"),
    pixel_km: float = 2.0,
    size: float = 2.5,
):
    """One row per example: C13 (K), GLM, relevance summed over channels, channel shares.

    Parameters
    ----------
    x : ndarray
        ``(K, H, W, C)`` inputs in physical units (crops around each example).
    relevance : ndarray
        ``(K, H, W, C)`` relevance of the estimate at each example pixel.
    targets : sequence of (row, col)
        The explained pixel of each example (marked with a cross).
    labels : sequence of str
        Row titles.
    zones : ndarray of bool, optional
        ``(K, H, W)``: the ground-truth zone of each example, outlined.
    zone_labels : sequence of str, optional
        Name of each row's zone, for the legend.

    Returns
    -------
    matplotlib.figure.Figure
    """
    import matplotlib.lines as mlines

    x = np.asarray(x, dtype=np.float64)
    relevance = np.asarray(relevance, dtype=np.float64)
    k = len(labels)
    if x.shape[0] != k or relevance.shape != x.shape:
        raise ValueError(f"x {x.shape} and relevance {relevance.shape} must both hold {k} examples")
    fig, axes = new_figure(k, 4, size=size)
    names = list(channels)
    for i in range(k):
        t = targets[i]
        draw_channel(fig, axes[i, 0], x[i, ..., names.index("C13")], "C13", pixel_km)
        draw_channel(fig, axes[i, 1], x[i, ..., names.index("GLM")], "GLM", pixel_km)
        rs = relevance[i].sum(axis=-1)
        im = axes[i, 2].imshow(
            rs,
            cmap=RELEVANCE_CMAP,
            norm=relevance_norm(rs),
            extent=_extent(rs.shape, pixel_km),
            interpolation="nearest",
        )
        fig.colorbar(im, ax=axes[i, 2], shrink=0.8, label="relevance")
        axes[i, 2].set_title("relevance (all channels)")
        for j in range(3):
            ax = axes[i, j]
            ax.plot((t[1] + 0.5) * pixel_km, (t[0] + 0.5) * pixel_km, "x", color="k", ms=7, mew=2)
            if zones is not None:
                _contour(
                    ax,
                    np.asarray(zones[i], dtype=float),
                    pixel_km,
                    levels=[0.5],
                    colors="#1b9e77",
                    linewidths=1.0,
                )
            ax.set_xlabel("x (km)")
            ax.set_ylabel(f"{labels[i]}\ny (km)" if j == 0 else "")
        if zones is not None and zone_labels is not None:
            axes[i, 2].legend(
                handles=[mlines.Line2D([], [], color="#1b9e77", label=zone_labels[i])],
                loc="lower right",
                fontsize=7,
                framealpha=0.9,
            )
        pos = np.clip(relevance[i], 0, None).sum(axis=(0, 1))
        share = pos / pos.sum() if pos.sum() > 0 else np.zeros(len(names))
        axes[i, 3].bar(names, share, color=["#1b9e77", "#7570b3", "#e6ab02", "#d95f02"])
        axes[i, 3].set_ylim(0, 1)
        axes[i, 3].set_ylabel("share of positive relevance")
        axes[i, 3].set_title("per input channel")
    return fig
