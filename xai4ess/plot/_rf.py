"""Receptive-field figures: TRF boxes on the input, ERF heatmaps with the TRF outline,
and the growth of the TRF through the layers."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np

from ._core import UNSIGNED_CMAP, new_figure

__all__ = ["rf_boxes", "rf_growth", "erf_profiles", "rf_size_map"]

Box = tuple[tuple[int, int], tuple[int, int]]


def _colours(n: int):
    import matplotlib.pyplot as plt

    cmap = plt.get_cmap("plasma")
    return [cmap(0.1 + 0.75 * i / max(n - 1, 1)) for i in range(n)]


def _rect(ax, b: Box, colour, lw: float = 1.8, label: str | None = None, ls: str = "-"):
    from matplotlib.patches import Rectangle

    (r0, r1), (c0, c1) = b
    ax.add_patch(
        Rectangle(
            (c0 - 0.5, r0 - 0.5),
            c1 - c0 + 1,
            r1 - r0 + 1,
            fill=False,
            edgecolor=colour,
            lw=lw,
            ls=ls,
            label=label,
        )
    )


def _size_text(b: Box, pixel_km: float | None) -> str:
    (r0, r1), (c0, c1) = b
    h, w = r1 - r0 + 1, c1 - c0 + 1
    text = f"{h}×{w} px"
    if pixel_km:
        text += f" = {h * pixel_km:g}×{w * pixel_km:g} km"
    return text


def rf_boxes(
    boxes: Mapping[str, Box],
    *,
    shape: tuple[int, int] = (256, 256),
    image: np.ndarray | None = None,
    erf: Mapping[str, np.ndarray] | None = None,
    unit: tuple[float, float] | None = None,
    pixel_km: float | None = None,
    zoom: bool | int = False,
    title: str | None = None,
    image_label: str = "input",
    size: float = 3.4,
    ax=None,
    legend: bool = True,
):
    """Theoretical receptive-field boxes on the input, or ERF heatmaps with the TRF outline.

    Parameters
    ----------
    boxes : mapping
        ``{label: ((row_lo, row_hi), (col_lo, col_hi))}``, inclusive input-pixel
        boxes (e.g. from :func:`xai4ess.rf.box`); they may extend beyond the input.
    shape : (int, int)
        Input size in pixels (default 256×256, the lecture's scenes).
    image : ndarray, optional
        A 2-D background (e.g. one input channel); a light grid otherwise.
    erf : mapping, optional
        ``{label: 2-D map}``: then one panel per entry, the ERF heatmap
        (normalised, sequential colours) with the TRF box of the same label.
    unit : (row, col), optional
        Where to draw the red cross: the unit, in input coordinates (default:
        the centre of the first box).
    pixel_km : float, optional
        Pixel size; box sizes are then also given in km.
    zoom : bool or int
        Crop the view to the boxes plus this margin (``True`` = 8 pixels).
    ax : matplotlib Axes, optional
        Draw the boxes there (single-panel mode only).

    Returns
    -------
    matplotlib.figure.Figure

    Examples
    --------
    >>> fig = rf_boxes({"conv4": ((109, 146), (109, 146)), "conv5": ((105, 150), (105, 150))})
    """
    import matplotlib.pyplot as plt

    if not boxes:
        raise ValueError("boxes is empty: pass {label: ((r0, r1), (c0, c1))}")
    labels = list(boxes)
    first = boxes[labels[0]]
    if unit is None:
        unit = ((first[0][0] + first[0][1]) / 2, (first[1][0] + first[1][1]) / 2)
    margin = 8 if zoom is True else int(zoom)
    lo_r = min(b[0][0] for b in boxes.values()) - margin
    hi_r = max(b[0][1] for b in boxes.values()) + margin
    lo_c = min(b[1][0] for b in boxes.values()) - margin
    hi_c = max(b[1][1] for b in boxes.values()) + margin

    def frame(ax):
        if zoom is not False:
            ax.set_xlim(lo_c - 0.5, hi_c + 0.5)
            ax.set_ylim(hi_r + 0.5, lo_r - 0.5)
        else:
            ax.set_xlim(-0.5, shape[1] - 0.5)
            ax.set_ylim(shape[0] - 0.5, -0.5)
        ax.set_xlabel("input column (pixels)")
        ax.set_ylabel("input row (pixels)")

    if erf is None:
        if ax is None:
            fig, axes = new_figure(
                1, 1, figsize=(size * 2.4 if legend else size * 1.35, size * 1.35)
            )
            ax = axes[0, 0]
        else:
            fig = ax.figure
        if image is not None:
            ax.imshow(np.asarray(image, dtype=float), cmap="gray")
        else:
            ax.imshow(np.full(shape, 0.96), cmap="gray", vmin=0, vmax=1)
            for k in range(0, max(shape) + 1, 32):
                ax.axhline(k - 0.5, color="0.85", lw=0.5)
                ax.axvline(k - 0.5, color="0.85", lw=0.5)
        ax.add_patch(
            plt.Rectangle(
                (-0.5, -0.5), shape[1], shape[0], fill=False, edgecolor="0.3", lw=1.0, ls=":"
            )
        )
        for lab, col in zip(labels, _colours(len(labels))):
            _rect(ax, boxes[lab], col, label=f"{lab}: {_size_text(boxes[lab], pixel_km)}")
        ax.plot(unit[1], unit[0], marker="+", color="red", ms=12, mew=2.5, label="the unit")
        if legend:
            ax.legend(loc="upper left", bbox_to_anchor=(1.02, 1.0), fontsize=8, frameon=False)
        frame(ax)
        ax.set_title(
            title or f"theoretical receptive fields on a {shape[0]}×{shape[1]} {image_label}"
        )
        return fig

    keys = list(erf)
    fig, axes = new_figure(1, len(keys), size=size)
    for ax, lab in zip(axes[0], keys):
        e = np.asarray(erf[lab], dtype=float)
        m = e.max() if e.max() > 0 else 1.0
        im = ax.imshow(e / m, cmap=UNSIGNED_CMAP, vmin=0, vmax=1)
        if lab in boxes:
            _rect(ax, boxes[lab], "#00c8ff", lw=1.6, ls="--", label="TRF")
            ax.set_title(f"{lab}\nTRF {_size_text(boxes[lab], pixel_km)}", fontsize=9)
        else:
            ax.set_title(lab, fontsize=9)
        ax.plot(unit[1], unit[0], marker="+", color="red", ms=9, mew=2)
        frame(ax)
    fig.colorbar(im, ax=list(axes[0]), shrink=0.8, label="ERF: mean |gradient| (normalised)")
    if title:
        fig.suptitle(title)
    return fig


def rf_growth(
    names: Sequence[str],
    size: Sequence[float],
    min_size: Sequence[float] | None = None,
    *,
    pixel_km: float | None = None,
    phenomena: Mapping[str, float] | None = None,
    ax=None,
    title: str | None = None,
):
    """The TRF size layer by layer (bars), optionally in km with reference scales.

    Parameters
    ----------
    names : sequence of str
        Layer labels, input to output.
    size, min_size : sequence of float
        TRF side (maximum and minimum over unit positions) in pixels.
    pixel_km : float, optional
        Pixel size: the bars are then in km.
    phenomena : mapping, optional
        ``{label: size in km}`` drawn as horizontal lines (needs ``pixel_km``).

    Returns
    -------
    matplotlib.figure.Figure

    Examples
    --------
    >>> fig = rf_growth(["conv1", "pool1"], [3, 4], pixel_km=2.0, phenomena={"cell": 10})
    """
    scale = pixel_km or 1.0
    unit = "km" if pixel_km else "pixels"
    if ax is None:
        fig, axes = new_figure(1, 1, size=3.4, figsize=(max(4.5, 0.45 * len(names) + 2.5), 3.4))
        ax = axes[0, 0]
    else:
        fig = ax.figure
    x = np.arange(len(names))
    big = np.asarray(size, dtype=float) * scale
    ax.bar(x, big, color="#4c72b0", label="TRF (largest box)")
    if min_size is not None:
        small = np.asarray(min_size, dtype=float) * scale
        if np.any(small != big):
            ax.bar(x, small, color="#9ecae1", label="TRF (smallest box)")
    for xi, b in zip(x, big):
        ax.text(xi, b, f"{b:g}", ha="center", va="bottom", fontsize=7)
    if phenomena and pixel_km:
        styles = ["--", "-.", ":", (0, (5, 1))]
        for i, (lab, km) in enumerate(phenomena.items()):
            ax.axhline(
                km, color="0.25", ls=styles[i % len(styles)], lw=1.1, label=f"{lab} ({km:g} km)"
            )
    ax.set_xticks(x)
    ax.set_xticklabels(names, rotation=60, ha="right", fontsize=8)
    ax.set_ylabel(f"TRF side ({unit})")
    ax.set_xlabel("layer")
    ax.legend(fontsize=7, loc="upper left", frameon=False)
    ax.set_title(title or "theoretical receptive field, layer by layer")
    return fig


def erf_profiles(
    erf: Mapping[str, np.ndarray],
    boxes: Mapping[str, Box] | None = None,
    *,
    row: int | None = None,
    marginal: bool = True,
    gaussian: bool = True,
    ax=None,
    title: str | None = None,
):
    """ERF profiles along the columns (summed over rows, or one row), with the TRF edges
    and a Gaussian of the same spread.

    Parameters
    ----------
    erf : mapping
        ``{label: 2-D ERF}`` (each is normalised to a maximum of 1 here).
    boxes : mapping, optional
        ``{label: TRF box}``: the box's columns are marked, the cut goes
        through the box's centre row.
    row : int, optional
        The input row of the cut (default: the centre of the box, or of the map).
    marginal : bool
        Sum over all rows instead of one cut (smoother; the default).
    gaussian : bool
        Overlay a Gaussian with the mean and standard deviation of the cut.

    Returns
    -------
    matplotlib.figure.Figure

    Examples
    --------
    >>> e = np.exp(-((np.arange(64) - 32.0) ** 2) / 50)[None, :] * np.ones((64, 1))
    >>> fig = erf_profiles({"layer": e})
    """
    import matplotlib.pyplot as plt

    if ax is None:
        fig, axes = new_figure(1, 1, figsize=(6.4, 3.4))
        ax = axes[0, 0]
    else:
        fig = ax.figure
    colours = _colours(len(erf))
    for (lab, e), col in zip(erf.items(), colours):
        e = np.asarray(e, dtype=float)
        b = None if boxes is None else boxes.get(lab)
        r = row if row is not None else (int((b[0][0] + b[0][1]) // 2) if b else e.shape[0] // 2)
        cut = e.sum(axis=0) if marginal else e[r]
        cut = cut / cut.max() if cut.max() > 0 else cut
        cols = np.arange(len(cut))
        ax.plot(cols, cut, color=col, lw=1.6, label=lab)
        if gaussian and cut.sum() > 0:
            mu = (cols * cut).sum() / cut.sum()
            sd = np.sqrt(((cols - mu) ** 2 * cut).sum() / cut.sum())
            g = np.exp(-0.5 * ((cols - mu) / max(sd, 1e-9)) ** 2)
            ax.plot(cols, g, color=col, lw=0.9, ls=":")
        if b:
            for c in (b[1][0] - 0.5, b[1][1] + 0.5):
                ax.axvline(c, color=col, lw=0.8, ls="--")
    lo = min((b[1][0] for b in (boxes or {}).values()), default=0) - 6
    hi = max((b[1][1] for b in (boxes or {}).values()), default=0) + 6
    if boxes:
        ax.set_xlim(lo, hi)
    ax.plot([], [], color="0.3", ls=":", label="Gaussian, same spread")
    ax.plot([], [], color="0.3", ls="--", label="TRF edges")
    ax.set_xlabel("input column (pixels)")
    ax.set_ylabel("ERF (normalised)")
    ax.legend(fontsize=7, frameon=False, loc="upper right")
    ax.set_title(
        title or ("ERF summed over rows" if marginal else "ERF cut through the unit's row")
    )
    plt.setp(ax.get_xticklabels(), fontsize=8)
    return fig


def rf_size_map(
    sizes: np.ndarray,
    rows: Sequence[int],
    cols: Sequence[int],
    *,
    pixel_km: float | None = None,
    title: str | None = None,
    size: float = 4.2,
):
    """Box size of every unit in a block: colour = box area, text = height×width.

    Parameters
    ----------
    sizes : ndarray
        ``(len(rows), len(cols), 2)`` box sides, from :func:`xai4ess.rf.box_sizes`.
    rows, cols : sequence of int
        The units' positions (axis labels).
    pixel_km : float, optional
        Pixel size: the colour bar then shows the area in km².

    Returns
    -------
    matplotlib.figure.Figure

    Examples
    --------
    >>> s = np.full((2, 3, 2), 46); s[0, 1] = (46, 54)
    >>> fig = rf_size_map(s, [0, 1], [0, 1, 2])
    """
    sizes = np.asarray(sizes)
    if sizes.ndim != 3 or sizes.shape[-1] != 2:
        raise ValueError("sizes must have shape (rows, cols, 2)")
    area = sizes[..., 0] * sizes[..., 1] * ((pixel_km or 1.0) ** 2)
    fig, axes = new_figure(1, 1, figsize=(size * 1.25, size))
    ax = axes[0, 0]
    im = ax.imshow(area, cmap="viridis", origin="upper")
    small = sizes.shape[0] * sizes.shape[1] <= 144
    if small:
        for i in range(sizes.shape[0]):
            for j in range(sizes.shape[1]):
                ax.text(
                    j,
                    i,
                    f"{sizes[i, j, 0]}\n×{sizes[i, j, 1]}",
                    ha="center",
                    va="center",
                    fontsize=6,
                    color="white" if area[i, j] < area.max() else "black",
                )
    ax.set_xticks(range(len(cols)))
    ax.set_xticklabels([str(c) for c in cols], fontsize=7, rotation=90)
    ax.set_yticks(range(len(rows)))
    ax.set_yticklabels([str(r) for r in rows], fontsize=7)
    ax.set_xlabel("unit column")
    ax.set_ylabel("unit row")
    fig.colorbar(
        im, ax=ax, shrink=0.8, label="TRF box area (km²)" if pixel_km else "TRF box area (pixels)"
    )
    ax.set_title(title or "TRF box of every unit (height × width, pixels)")
    return fig
