"""Core figure helpers: white figures, relevance colour maps, heatmaps, method comparison."""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np

__all__ = ["new_figure", "heatmap", "compare", "relevance_norm", "RELEVANCE_CMAP", "UNSIGNED_CMAP"]

#: Diverging map for signed relevance (blue negative, red positive), centred at zero.
RELEVANCE_CMAP = "RdBu_r"
#: Sequential map for unsigned attributions (Grad-CAM, |gradient|).
UNSIGNED_CMAP = "magma"


def new_figure(
    nrows: int = 1, ncols: int = 1, *, size: float = 2.6, squeeze: bool = False, **kwargs
):
    """A figure with a white, opaque background (readable in dark mode) and its axes.

    Returns ``(fig, axes)``; ``axes`` is a 2-D array unless ``squeeze=True``.
    """
    import matplotlib.pyplot as plt

    kwargs.setdefault("figsize", (size * ncols, size * nrows))
    kwargs.setdefault("layout", "constrained")
    fig, axes = plt.subplots(nrows, ncols, squeeze=squeeze, **kwargs)
    fig.patch.set_facecolor("white")
    fig.patch.set_alpha(1.0)
    return fig, axes


def relevance_norm(r: np.ndarray, signed: bool = True, percentile: float = 99.5):
    """A colour normalisation for relevance: symmetric about zero when signed."""
    from matplotlib.colors import Normalize, TwoSlopeNorm

    r = np.asarray(r, dtype=np.float64)
    m = float(np.percentile(np.abs(r), percentile)) if r.size else 1.0
    m = m if m > 0 else (float(np.max(np.abs(r))) or 1.0)
    if signed:
        return TwoSlopeNorm(vcenter=0.0, vmin=-m, vmax=m)
    lo = float(np.min(r))
    return Normalize(vmin=min(lo, 0.0), vmax=m)


def _to_map(r: np.ndarray, channel: int | None) -> np.ndarray:
    r = np.asarray(r, dtype=np.float64)
    if r.ndim == 3:
        r = r.sum(axis=-1) if channel is None else r[..., channel]
    if r.ndim != 2:
        raise ValueError(f"expected a 2-D map or (H, W, C) array, got shape {r.shape}")
    return r


def _show_input(ax, x: np.ndarray, channel: int | None, cmap: str = "gray"):
    x = np.asarray(x, dtype=np.float64)
    if x.ndim == 3 and x.shape[-1] == 3 and channel is None:
        lo, hi = x.min(), x.max()
        ax.imshow((x - lo) / (hi - lo if hi > lo else 1))
    else:
        img = x[..., 0 if channel is None else channel] if x.ndim == 3 else x
        ax.imshow(img, cmap=cmap)


def heatmap(
    x: np.ndarray | None,
    r: np.ndarray,
    *,
    ax=None,
    channel: int | None = None,
    signed: bool | None = None,
    title: str | None = None,
    colorbar: bool = True,
    overlay: bool = False,
    input_cmap: str = "gray",
):
    """Draw one relevance map, optionally beside or over its input.

    Parameters
    ----------
    x : ndarray or None
        The input sample, ``(H, W[, C])``. Shown in its own panel unless
        ``overlay`` (then as a faint grey background) or ``ax`` is given.
    r : ndarray
        Relevance ``(H, W[, C])``; channels are summed unless ``channel``
        selects one.
    channel : int, optional
        Channel of a multi-channel input/relevance to show.
    signed : bool, optional
        Diverging map centred at zero (default when ``r`` has negative values)
        or a sequential one.

    Returns
    -------
    matplotlib.figure.Figure

    Examples
    --------
    >>> import numpy as np
    >>> fig = heatmap(np.random.rand(8, 8, 3), np.random.randn(8, 8, 3))
    """
    rmap = _to_map(r, channel)
    if signed is None:
        signed = bool(np.any(rmap < 0))
    cmap = RELEVANCE_CMAP if signed else UNSIGNED_CMAP
    if ax is None:
        ncols = 1 if (x is None or overlay) else 2
        fig, axes = new_figure(1, ncols, size=3.0)
        axes = axes[0]
        if ncols == 2:
            _show_input(axes[0], x, channel, input_cmap)
            axes[0].set_title("input" + (f" (channel {channel})" if channel is not None else ""))
            axes[0].set_axis_off()
        ax = axes[-1]
    else:
        fig = ax.figure
    if overlay and x is not None:
        base = np.asarray(x, dtype=np.float64)
        base = base.mean(axis=-1) if base.ndim == 3 else base
        ax.imshow(base, cmap="gray", alpha=0.35)
    im = ax.imshow(
        rmap, cmap=cmap, norm=relevance_norm(rmap, signed), alpha=0.85 if overlay else 1.0
    )
    ax.set_title(("relevance" if signed else "attribution") if title is None else title)
    ax.set_axis_off()
    if colorbar:
        fig.colorbar(im, ax=ax, shrink=0.8, label="relevance" if signed else "attribution")
    return fig


def compare(
    x: np.ndarray,
    maps: Mapping[str, np.ndarray],
    *,
    signed: Mapping[str, bool] | None = None,
    channel: int | None = None,
    input_cmap: str = "gray",
    size: float = 2.4,
):
    """One row per sample: the input, then one panel per relevance map.

    This draws the maps it is given; :func:`xai4ess.compare` computes them with
    :func:`xai4ess.explain` and calls this function.

    Parameters
    ----------
    x : ndarray
        A batch ``(N, H, W, C)`` or ``(N, H, W)``.
    maps : mapping of str to ndarray
        ``{title: relevance}``, each relevance shaped like ``x`` (or ``(N, H, W)``).
    signed : mapping of str to bool, optional
        Whether a map is signed (diverging colour map centred at zero) or not
        (sequential). Default: signed when the map has negative values.
    channel : int, optional
        Channel of ``x`` (and of channel-resolved maps) to draw.

    Returns
    -------
    matplotlib.figure.Figure

    Examples
    --------
    >>> import numpy as np
    >>> x = np.random.default_rng(0).random((2, 8, 8, 1))
    >>> fig = compare(x, {"x itself": x, "minus x": -x})
    >>> len(fig.axes)
    6
    """
    x = np.asarray(x, dtype=np.float32)
    if x.ndim == 2:
        x = x[None]
    for title, r in maps.items():
        if len(r) != len(x):
            raise ValueError(
                f"map {title!r} has {len(r)} samples but x has {len(x)}: pass one map per sample"
            )
    signed = dict(signed or {})
    fig, axes = new_figure(len(x), len(maps) + 1, size=size)
    for i in range(len(x)):
        _show_input(axes[i, 0], x[i], channel, input_cmap)
        axes[i, 0].set_title("input" if i == 0 else "")
        axes[i, 0].set_axis_off()
        for j, (title, r_all) in enumerate(maps.items()):
            r = np.asarray(r_all[i])
            is_signed = signed.get(title, bool(np.any(np.asarray(r_all) < 0)))
            heatmap(
                None,
                r,
                ax=axes[i, j + 1],
                channel=channel if r.ndim == 3 else None,
                signed=is_signed,
                title=title if i == 0 else "",
                colorbar=False,
            )
    return fig
