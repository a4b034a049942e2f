"""Image sequences: frame panels, relevance per frame, and animations embedded as HTML.

The animations use ``matplotlib.animation.FuncAnimation(...).to_jshtml()``:
the frames are stored as PNGs inside one self-contained HTML block (no
network, no ffmpeg), which Jupyter and the static website both show.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np

from ._core import RELEVANCE_CMAP, new_figure, relevance_norm

__all__ = ["sequence_panels", "animate_sequence", "frame_relevance"]

_VIS_LABEL = "reflectance factor"

# matplotlib's player draws its buttons with Font Awesome icons loaded from a CDN;
# offline they would be blank, so they are replaced by plain Unicode symbols.
_ICONS = {
    "fa fa-play fa-flip-horizontal": "&#9664;",
    "fa fa-minus": "&minus;",
    "fa fa-plus": "+",
    "fa fa-fast-backward": "|&#9664;&#9664;",
    "fa fa-step-backward": "|&#9664;",
    "fa fa-pause": "&#10074;&#10074;",
    "fa fa-play": "&#9654;",
    "fa fa-step-forward": "&#9654;|",
    "fa fa-fast-forward": "&#9654;&#9654;|",
}


def _offline_player(html: str) -> str:
    """Drop the CDN stylesheet link of the jshtml player and use text symbols for its icons."""
    import re

    html = re.sub(r"<link[^>]*font-awesome[^>]*>", "", html)
    for cls, symbol in _ICONS.items():
        html = html.replace(f'<i class="{cls}"></i>', f"<span>{symbol}</span>")
    return html


def _as_stack(x: np.ndarray, name: str = "x") -> np.ndarray:
    """``(H, W, T)`` -> ``(1, H, W, T)``; ``(N, H, W, T)`` unchanged."""
    x = np.asarray(x, dtype=np.float64)
    if x.ndim == 3:
        x = x[None]
    if x.ndim != 4:
        raise ValueError(f"{name} must be (H, W, T) or (N, H, W, T) frames, got shape {x.shape}")
    return x


def _times(times: Sequence[float] | None, nt: int) -> list[float]:
    if times is None:
        return [2.0 * k for k in range(nt)]
    times = list(times)
    if len(times) != nt:
        raise ValueError(f"{len(times)} times given for {nt} frames")
    return times


def _contour(ax, mask: np.ndarray | None, colour: str = "#00c8ff") -> None:
    if mask is not None and np.any(mask):
        ax.contour(np.asarray(mask, dtype=float), levels=[0.5], colors=colour, linewidths=1.0)


def sequence_panels(
    x: np.ndarray,
    r: np.ndarray | None = None,
    *,
    times: Sequence[float] | None = None,
    mask: np.ndarray | None = None,
    vmin: float = 0.0,
    vmax: float = 1.0,
    unit: str = _VIS_LABEL,
    cmap: str = "gray",
    row_labels: Sequence[str] | None = None,
    size: float = 1.9,
):
    """The frames of one or more sequences side by side, optionally with their relevance.

    Parameters
    ----------
    x : ndarray
        Frames ``(H, W, T)`` of one sequence or ``(N, H, W, T)`` of several
        (one row each), e.g. visible reflectance.
    r : ndarray, optional
        Relevance of the same shape; drawn in a row under each sequence with
        one symmetric colour scale per sequence (shared by its frames).
    times : sequence of float, optional
        Frame times in minutes (default 0, 2, 4, ...).
    mask : ndarray of bool, optional
        ``(H, W)`` or ``(N, H, W)`` region drawn as a contour on every panel
        (e.g. where the turrets bubble).
    vmin, vmax : float
        Colour range of the frames.
    unit : str
        Label of the frames' colour bar.
    row_labels : sequence of str, optional
        One label per sequence.

    Returns
    -------
    matplotlib.figure.Figure

    Examples
    --------
    >>> import numpy as np
    >>> fig = sequence_panels(np.random.rand(16, 16, 5), np.random.randn(16, 16, 5))
    """
    x = _as_stack(x)
    n, _, _, nt = x.shape
    if r is not None:
        r = _as_stack(r, "r")
        if r.shape != x.shape:
            raise ValueError(f"r has shape {r.shape}, x has {x.shape}; they must match")
    if mask is not None:
        mask = np.asarray(mask, dtype=bool)
        mask = np.broadcast_to(mask, (n,) + x.shape[1:3]) if mask.ndim == 2 else mask
    times = _times(times, nt)
    rows_per = 2 if r is not None else 1
    fig, axes = new_figure(n * rows_per, nt, size=size)
    for i in range(n):
        for k in range(nt):
            ax = axes[i * rows_per, k]
            im = ax.imshow(x[i, ..., k], cmap=cmap, vmin=vmin, vmax=vmax)
            _contour(ax, None if mask is None else mask[i])
            ax.set_xticks([])
            ax.set_yticks([])
            if i == 0:
                ax.set_title(f"t = {times[k]:g} min")
        label = row_labels[i] if row_labels is not None else (f"sample {i}" if n > 1 else "")
        axes[i * rows_per, 0].set_ylabel(label)
        fig.colorbar(im, ax=axes[i * rows_per, :].tolist(), shrink=0.85, label=unit)
        if r is not None:
            norm = relevance_norm(r[i], signed=True)
            for k in range(nt):
                ax = axes[i * rows_per + 1, k]
                imr = ax.imshow(r[i, ..., k], cmap=RELEVANCE_CMAP, norm=norm)
                _contour(ax, None if mask is None else mask[i], colour="black")
                ax.set_xticks([])
                ax.set_yticks([])
            axes[i * rows_per + 1, 0].set_ylabel("relevance")
            fig.colorbar(imr, ax=axes[i * rows_per + 1, :].tolist(), shrink=0.85, label="relevance")
    return fig


def animate_sequence(
    x: np.ndarray,
    *,
    times: Sequence[float] | None = None,
    titles: Sequence[str] | None = None,
    mask: np.ndarray | None = None,
    vmin: float = 0.0,
    vmax: float = 1.0,
    unit: str = _VIS_LABEL,
    cmap: str = "gray",
    interval: int = 600,
    size: float = 2.6,
):
    """An animation of one or more sequences, looping, as self-contained HTML.

    Parameters
    ----------
    x : ndarray
        ``(H, W, T)`` or ``(N, H, W, T)``; the N sequences play side by side.
    times : sequence of float, optional
        Frame times in minutes (default 0, 2, 4, ...), shown in the title.
    titles : sequence of str, optional
        One title per sequence.
    mask : ndarray of bool, optional
        ``(H, W)`` or ``(N, H, W)`` region outlined in every frame.
    interval : int
        Milliseconds per frame.

    Returns
    -------
    IPython.display.HTML
        The JavaScript player (``to_jshtml``, with plain-text buttons instead
        of the CDN icon font, so it works offline); the figure itself is
        closed so that it is not shown a second time.

    Examples
    --------
    >>> import numpy as np
    >>> html = animate_sequence(np.random.rand(16, 16, 5))
    >>> "<script" in html.data
    True
    """
    import matplotlib.pyplot as plt
    from IPython.display import HTML
    from matplotlib.animation import FuncAnimation

    x = _as_stack(x)
    n, _, _, nt = x.shape
    times = _times(times, nt)
    if mask is not None:
        mask = np.asarray(mask, dtype=bool)
        mask = np.broadcast_to(mask, (n,) + x.shape[1:3]) if mask.ndim == 2 else mask
    fig, axes = new_figure(1, n, size=size)
    images = []
    for i in range(n):
        ax = axes[0, i]
        images.append(ax.imshow(x[i, ..., 0], cmap=cmap, vmin=vmin, vmax=vmax))
        _contour(ax, None if mask is None else mask[i])
        ax.set_xticks([])
        ax.set_yticks([])
        if titles is not None:
            ax.set_title(titles[i], fontsize=9)
    fig.colorbar(images[-1], ax=axes[0, :].tolist(), shrink=0.85, label=unit)
    stamp = fig.suptitle(f"t = {times[0]:g} min")

    def update(k: int):
        for i, im in enumerate(images):
            im.set_data(x[i, ..., k])
        stamp.set_text(f"t = {times[k]:g} min")
        return [*images, stamp]

    anim = FuncAnimation(fig, update, frames=nt, interval=interval, blit=False)
    html = _offline_player(anim.to_jshtml(default_mode="loop"))
    plt.close(fig)
    return HTML(html)


def frame_relevance(
    shares: Mapping[str, np.ndarray],
    *,
    times: Sequence[float] | None = None,
    ylabel: str = "share of |relevance|",
    ax=None,
):
    """Grouped bars: how relevance is spread over the frames, one group per model.

    Parameters
    ----------
    shares : mapping of str to ndarray
        ``{label: values}`` with one value per frame (e.g. the mean share of
        absolute relevance that falls on each frame).
    times : sequence of float, optional
        Frame times in minutes.

    Returns
    -------
    matplotlib.figure.Figure

    Examples
    --------
    >>> import numpy as np
    >>> fig = frame_relevance({"a": np.full(5, 0.2), "b": np.array([.1, .3, .2, .2, .2])})
    """
    labels = list(shares)
    if not labels:
        raise ValueError("shares is empty")
    values = [np.asarray(shares[k], dtype=float).ravel() for k in labels]
    nt = values[0].size
    if any(v.size != nt for v in values):
        raise ValueError("every entry of shares needs one value per frame")
    times = _times(times, nt)
    if ax is None:
        fig, axes = new_figure(1, 1, figsize=(1.2 * nt + 2.0, 3.0))
        ax = axes[0, 0]
    else:
        fig = ax.figure
    width = 0.8 / len(labels)
    pos = np.arange(nt)
    for j, (label, v) in enumerate(zip(labels, values)):
        ax.bar(pos + (j - (len(labels) - 1) / 2) * width, v, width, label=label)
    ax.set_xticks(pos, [f"{t:g}" for t in times])
    ax.set_xlabel("frame time (min)")
    ax.set_ylabel(ylabel)
    ax.axhline(1.0 / nt, color="grey", lw=0.8, ls="--", label="equal share")
    ax.legend(fontsize=8)
    return fig
