"""Convection explorer: pick a sample and a frame, see the frame and where each model looks.

:func:`convection_figure` draws one state (the static version for the
website); :func:`convection_explorer` wraps it in ipywidgets for a live kernel.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from functools import lru_cache

import numpy as np

__all__ = ["convection_figure", "convection_explorer"]

DEFAULT_MODELS = ("convection", "convection_texture")
MODEL_LABELS = {"convection": "brightness-only", "convection_texture": "texture-aware"}


@lru_cache(maxsize=1)
def _test_set():
    from ..data import convection_io as gen
    from ..data import load

    return gen.as_float(load("convection").test)


@lru_cache(maxsize=4)
def _model(name: str):
    from ..models import load

    return load(name)


@lru_cache(maxsize=512)
def _relevance(model, method: str, sample: int) -> np.ndarray:
    from ..attribution import explain

    x = _test_set().x[sample : sample + 1]
    return explain(model, x, method=method, target=1)[0]


def _probability(model, x: np.ndarray) -> float:
    return float(model(x[None], training=False).numpy()[0, 1])


def _resolve(models) -> dict:
    """``{label: keras.Model}`` from shipped names or from a mapping of ready models."""
    if isinstance(models, Mapping):
        return dict(models)
    if isinstance(models, str):
        models = [models]
    return {MODEL_LABELS.get(name, name): _model(name) for name in models}


def convection_figure(
    sample: int | np.ndarray = 0,
    frame: int = 2,
    *,
    models: Sequence[str] | Mapping[str, object] = DEFAULT_MODELS,
    method: str = "lrp.alpha_1_beta_0",
):
    """One frame of a sequence, its change since the previous frame, and each model's relevance.

    Parameters
    ----------
    sample : int or ndarray
        Index into the shipped test set (``xai4ess.data.load("convection").test``),
        or your own sequence ``(32, 32, 5)`` of reflectance.
    frame : int
        Frame index 0-4 (0, 2, 4, 6, 8 minutes).
    models : sequence of str, or mapping of str to keras.Model
        Shipped model names, or ``{label: model}`` for models you already
        have (their attribution analyzers are then reused).
    method : str
        Attribution method (:func:`xai4ess.methods`); relevance of the
        "convection" output.

    Returns
    -------
    matplotlib.figure.Figure
        Panels: the frame (turret region outlined), the frame difference, and
        per model the relevance of that frame (own symmetric colour scale,
        title: p(convection)), plus the share of relevance per frame.

    Examples
    --------
    >>> fig = convection_figure(0, frame=2)  # doctest: +SKIP
    """
    from ..attribution import explain
    from ..plot import RELEVANCE_CMAP, new_figure, relevance_norm

    models = _resolve(models)
    if isinstance(sample, (int, np.integer)):
        ds = _test_set()
        if not 0 <= int(sample) < len(ds):
            raise IndexError(f"sample must be in 0..{len(ds) - 1}, got {sample}")
        x = ds.x[int(sample)]
        mask = ds.texture_mask[int(sample)]
        what = (
            f"test sample {int(sample)}: {ds.attrs['kinds'][int(ds.kind[int(sample)])]}, "
            f"label {'convection' if ds.y[int(sample)] else 'no convection'}"
        )
        maps = {m: _relevance(models[m], method, int(sample)) for m in models}
    else:
        x = np.asarray(sample, dtype=np.float32)
        if x.shape != (32, 32, 5):
            raise ValueError(f"a custom sample must have shape (32, 32, 5), got {x.shape}")
        mask = None
        what = "your sequence"
        maps = {m: explain(models[m], x[None], method=method, target=1)[0] for m in models}
    nt = x.shape[-1]
    if not 0 <= int(frame) < nt:
        raise IndexError(f"frame must be in 0..{nt - 1}, got {frame}")
    frame = int(frame)
    minutes = 2 * frame

    fig, axes = new_figure(1, 3 + len(models), figsize=(3.5 * (3 + len(models)), 3.4))
    ax = axes[0, 0]
    im = ax.imshow(x[..., frame], cmap="gray", vmin=0, vmax=1)
    if mask is not None and mask.any():
        ax.contour(mask.astype(float), levels=[0.5], colors="#00c8ff", linewidths=1.0)
    ax.set_title(f"reflectance, t = {minutes} min")
    fig.colorbar(im, ax=ax, shrink=0.8, label="reflectance factor")
    ax = axes[0, 1]
    prev = x[..., frame - 1] if frame > 0 else x[..., frame]
    diff = x[..., frame] - prev
    lim = max(0.05, float(np.abs(diff).max()))
    im = ax.imshow(diff, cmap="PuOr_r", vmin=-lim, vmax=lim)
    ax.set_title("change since previous frame" if frame > 0 else "(first frame: no change)")
    fig.colorbar(im, ax=ax, shrink=0.8, label="reflectance change")
    for j, name in enumerate(models):
        ax = axes[0, 2 + j]
        r = maps[name]
        im = ax.imshow(r[..., frame], cmap=RELEVANCE_CMAP, norm=relevance_norm(r, signed=True))
        if mask is not None and mask.any():
            ax.contour(mask.astype(float), levels=[0.5], colors="black", linewidths=0.8)
        p = _probability(models[name], x)
        ax.set_title(f"{name}\np(convection) = {p:.2f}", fontsize=9)
        fig.colorbar(im, ax=ax, shrink=0.8, label="relevance")
    for a in axes[0, : 2 + len(models)]:
        a.set_xticks([])
        a.set_yticks([])
    ax = axes[0, -1]
    width = 0.8 / len(models)
    for j, name in enumerate(models):
        share = np.abs(maps[name]).sum(axis=(0, 1))
        share = share / max(share.sum(), 1e-12)
        ax.bar(
            np.arange(nt) + (j - (len(models) - 1) / 2) * width,
            share,
            width,
            label=name,
        )
    ax.axvspan(frame - 0.45, frame + 0.45, color="gold", alpha=0.25, lw=0)
    ax.set_xticks(np.arange(nt), [f"{2 * k}" for k in range(nt)])
    ax.set_xlabel("frame time (min)")
    ax.set_ylabel("share of |relevance|")
    ax.set_title("relevance per frame")
    ax.legend(fontsize=7)
    fig.suptitle(what, fontsize=10)
    return fig


def convection_explorer(
    models: Sequence[str] | Mapping[str, object] = DEFAULT_MODELS,
    method: str = "lrp.alpha_1_beta_0",
):
    """Sliders for the test sample and the frame; redraws :func:`convection_figure`.

    Parameters
    ----------
    models : sequence of str, or mapping of str to keras.Model
        As in :func:`convection_figure`.
    method : str
        Attribution method.

    Returns
    -------
    ipywidgets.VBox

    Examples
    --------
    >>> w = convection_explorer()  # doctest: +SKIP
    """
    import ipywidgets as widgets

    from ._live import FigureView

    models = _resolve(models)
    ds = _test_set()
    kinds = ds.attrs["kinds"]
    present = sorted({int(k) for k in ds.kind})  # scene types without test samples are left out
    kind = widgets.Dropdown(
        options=[("any", -1)] + [(kinds[i], i) for i in present],
        value=3 if 3 in present else -1,
        description="scene type",
    )
    sample = widgets.Dropdown(description="sample")
    frame = widgets.IntSlider(
        value=2, min=0, max=ds.x.shape[-1] - 1, description="frame", continuous_update=False
    )
    view = FigureView()

    def samples_of(k: int):
        idx = np.arange(len(ds)) if k < 0 else np.flatnonzero(ds.kind == k)
        return [(f"#{i} ({kinds[ds.kind[i]]})", int(i)) for i in idx]

    state = {"hold": False}

    def redraw(*_):
        if sample.value is None or state["hold"]:
            return
        fig = convection_figure(sample.value, frame.value, models=models, method=method)
        view.show(fig, layout_key="convection")  # replaces the figure: plots never stack

    def on_kind(change):
        # new options, then one redraw (setting the options alone would redraw too)
        opts = samples_of(change["new"])
        state["hold"] = True
        try:
            sample.options = opts
            sample.value = opts[0][1] if opts else None
        finally:
            state["hold"] = False
        redraw()

    kind.observe(on_kind, names="value")
    sample.observe(redraw, names="value")
    frame.observe(redraw, names="value")
    opts = samples_of(kind.value)
    sample.options = opts
    sample.value = opts[0][1]
    redraw()
    return widgets.VBox([widgets.HBox([kind, sample, frame]), view.output])
