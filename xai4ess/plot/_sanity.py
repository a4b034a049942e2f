"""The figure of a model-parameter randomisation test (Adebayo et al. 2018)."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from ._core import RELEVANCE_CMAP, UNSIGNED_CMAP, new_figure, relevance_norm

__all__ = ["randomization_figure"]


def randomization_figure(
    maps: dict[str, dict[str, np.ndarray]],
    x: np.ndarray | None = None,
    *,
    sample: int = 0,
    methods: Sequence[str] | None = None,
    absolute: bool = True,
    size: float = 1.6,
):
    """Adebayo-style figure: one row per method, one column per randomisation stage.

    Parameters
    ----------
    maps : dict
        ``{stage: {method: maps}}``, e.g. the second result of
        ``xai4ess.evaluate.randomization_test(..., return_maps=True)``.
    x : ndarray, optional
        The samples, to show the input at the start of each row.
    sample : int
        Which sample to show.
    absolute : bool
        Show ``|map|`` (as compared in the test) with a sequential colour map.

    Returns
    -------
    matplotlib.figure.Figure
    """
    stages = list(maps)
    methods = list(methods or maps[stages[0]])
    extra = 1 if x is not None else 0
    fig, axes = new_figure(len(methods), len(stages) + extra, size=size)
    for i, m in enumerate(methods):
        if x is not None:
            img = np.asarray(x[sample], dtype=np.float64)
            axes[i, 0].imshow(
                np.clip(img, 0, 1) if img.shape[-1] == 3 else img[..., 0], cmap="gray"
            )
            axes[i, 0].set_xticks([])
            axes[i, 0].set_yticks([])
            axes[i, 0].set_ylabel(m, fontsize=8)
            if i == 0:
                axes[i, 0].set_title("input", fontsize=8)
        for j, s in enumerate(stages):
            ax = axes[i, j + extra]
            r = np.asarray(maps[s][m][sample], dtype=np.float64)
            if r.ndim == 3:
                r = r.sum(axis=-1)
            if absolute:
                r = np.abs(r)
            signed = not absolute and bool(np.any(r < 0))
            ax.imshow(
                r,
                cmap=RELEVANCE_CMAP if signed else UNSIGNED_CMAP,
                norm=relevance_norm(r, signed=signed),
            )
            ax.set_xticks([])
            ax.set_yticks([])
            if i == 0:
                ax.set_title(s if j == 0 else f"+ {s}", fontsize=8)
            if j == 0 and x is None:
                ax.set_ylabel(m, fontsize=8)
    fig.suptitle("maps after randomising the layers from the top down (left to right)", fontsize=9)
    return fig
