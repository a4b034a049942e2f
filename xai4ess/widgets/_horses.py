"""Clever Hans demo: switch the tag and the poles of a scene on and off, watch the model.

:func:`hans_demo_figure` draws the static version (one scene in its four
tag/poles variants, with the prediction and the heatmap of each);
:func:`hans_demo` is the live version for a kernel (pick the scene, model and
method, toggle tag and poles). :func:`hans_gallery` draws scenes and their
relevance maps with the known regions outlined.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from functools import lru_cache

import numpy as np

__all__ = ["hans_gallery", "hans_demo_figure", "hans_demo", "HANS_DEMO_INDEX", "HANS_METHODS"]

#: Test scene shown by default: a large horse in front of poles (a fence), with the tag.
HANS_DEMO_INDEX = 384
#: Methods offered by the live demo (Grad-CAM on ``conv3``, whose maps are 12 x 12).
HANS_METHODS = ("lrp.alpha_1_beta_0", "lrp.epsilon", "gradient", "integrated_gradients", "gradcam")
MODEL_LABELS = {"horses": "confounded", "horses_fixed": "fixed"}
#: Outline colours of the known regions.
REGION_COLOURS = {"horse": "#ff00ff", "tag": "#ffd000", "poles": "#00e5ff"}
_OPTIONS = {"gradcam": {"layer": "conv3"}}


@lru_cache(maxsize=1)
def _test_set():
    """The shipped test scenes' labels and switches, without their images and masks.

    The demos re-render each scene they show, so they keep 0.1 MB here instead of the
    26 MB the full test set holds (a second copy beside the chapter's own).
    """
    from ..data import Dataset, load

    test = load("horses").test
    keep = ("y", "kind", "has_tag", "has_pole", "index")
    return Dataset({k: getattr(test, k) for k in keep}, attrs=test.attrs)


def _model(name: str):
    from ..models import shared as shipped

    return shipped(name)


def _resolve(model):
    if isinstance(model, str):
        return MODEL_LABELS.get(model, model), _model(model)
    return getattr(model, "name", "model"), model


def _scene(index: int, tag: bool | None, poles: bool | None):
    """Test scene ``index`` re-rendered with the tag / poles forced (None = as shipped)."""
    from ..data import horses

    ds = _test_set()
    if not 0 <= int(index) < len(ds):
        raise IndexError(f"index must be in 0..{len(ds) - 1}, got {index}")
    i = int(index)
    tag = bool(ds.has_tag[i]) if tag is None else bool(tag)
    poles = bool(ds.has_pole[i]) if poles is None else bool(poles)
    keys = (
        "horse_rate",
        "size",
        "tag_rate_horse",
        "tag_rate_other",
        "pole_rate_horse",
        "pole_rate_other",
    )
    opts = {k: ds.attrs[k] for k in keys if k in ds.attrs}
    return horses(seed=ds.attrs["seed"], index=[int(ds.index[i])], tag=tag, poles=poles, **opts)


def _outline(ax, masks: Mapping[str, np.ndarray] | None, i: int) -> None:
    if not masks:
        return
    for name, mask in masks.items():
        m = np.asarray(mask[i], dtype=float)
        if m.any():
            ax.contour(m, levels=[0.5], colors=REGION_COLOURS.get(name, "white"), linewidths=0.9)


def hans_gallery(
    x: np.ndarray,
    r: np.ndarray,
    *,
    titles: Sequence[str] | None = None,
    masks: Mapping[str, np.ndarray] | None = None,
    size: float = 2.2,
    ncols: int | None = None,
    outline_maps: bool = False,
    shared_scale: bool = False,
):
    """Scenes (top) and their relevance maps (below), known regions outlined.

    Parameters
    ----------
    x : ndarray
        Images ``(N, H, W, 3)`` in [0, 1].
    r : ndarray
        Relevance ``(N, H, W[, C])`` (channels are summed); each map gets its
        own colour scale, symmetric about zero.
    titles : sequence of str, optional
        One title per scene.
    masks : mapping of str to ndarray, optional
        Regions ``(N, H, W)`` to outline, e.g. ``{"horse": ds.horse_mask,
        "tag": ds.tag_mask, "poles": ds.pole_mask}`` (magenta, yellow, cyan).
    ncols : int, optional
        Scenes per row (default: all in one row, at most 6).
    outline_maps : bool
        Outline the regions on the relevance maps too (default: only on the scenes).
    shared_scale : bool
        One colour scale for all maps, with a colour bar (to compare amounts of
        relevance). By default each map has its own symmetric scale.

    Returns
    -------
    matplotlib.figure.Figure

    Examples
    --------
    >>> import numpy as np
    >>> fig = hans_gallery(np.random.rand(2, 16, 16, 3), np.random.randn(2, 16, 16))
    """
    from ..plot import RELEVANCE_CMAP, new_figure, relevance_norm

    x = np.asarray(x, dtype=np.float64)
    r = np.asarray(r, dtype=np.float64)
    if x.ndim != 4 or x.shape[-1] != 3:
        raise ValueError(f"x must be RGB images (N, H, W, 3), got shape {x.shape}")
    if r.ndim == 4:
        r = r.sum(axis=-1)
    if r.shape != x.shape[:3]:
        raise ValueError(f"relevance shape {r.shape} does not match the images {x.shape[:3]}")
    n = len(x)
    ncols = min(n, 6) if ncols is None else int(ncols)
    nrows = int(np.ceil(n / ncols))
    fig, axes = new_figure(2 * nrows, ncols, size=size)
    for a in axes.flat:
        a.set_axis_off()
    shared = relevance_norm(r, signed=True) if shared_scale else None
    for i in range(n):
        row, col = 2 * (i // ncols), i % ncols
        ax = axes[row, col]
        ax.imshow(np.clip(x[i], 0, 1))
        _outline(ax, masks, i)
        if titles is not None:
            ax.set_title(titles[i], fontsize=8)
        ax = axes[row + 1, col]
        im = ax.imshow(r[i], cmap=RELEVANCE_CMAP, norm=shared or relevance_norm(r[i], signed=True))
        if outline_maps:
            _outline(ax, masks, i)
    if n and shared_scale:
        fig.colorbar(im, ax=axes[1::2, :].ravel().tolist(), shrink=0.6, label="relevance")
    elif n:
        fig.supxlabel(
            "relevance: red = evidence for the explained output, blue = against; "
            "each map on its own symmetric scale",
            fontsize=8,
        )
    return fig


def _explain_one(model, x: np.ndarray, method: str) -> np.ndarray:
    from ..attribution import explain

    r = explain(model, x, method=method, target=1, **_OPTIONS.get(method, {}))
    return r.sum(axis=-1) if r.ndim == 4 else r


def hans_demo_figure(
    index: int = HANS_DEMO_INDEX,
    *,
    model="horses",
    method: str = "lrp.alpha_1_beta_0",
):
    """One test scene with and without tag and poles: prediction and heatmap of each variant.

    Parameters
    ----------
    index : int
        Index into the shipped test set (``xai4ess.data.load("horses").test``).
    model : str or keras.Model
        ``"horses"`` (confounded), ``"horses_fixed"`` or your own model.
    method : str
        Attribution method (:func:`xai4ess.methods`); the relevance is that of
        the "horse" output (unit 1).

    Returns
    -------
    matplotlib.figure.Figure
        Top row: the four variants (tag on/off x poles on/off) titled with
        p(horse), regions outlined; bottom row: their relevance maps for
        "horse" on one shared colour scale.

    Examples
    --------
    >>> fig = hans_demo_figure(384)  # doctest: +SKIP
    """
    label, net = _resolve(model)
    variants = [(True, True), (True, False), (False, True), (False, False)]
    scenes = [_scene(index, t, p) for t, p in variants]
    x = np.concatenate([s.x for s in scenes])
    p = net(x, training=False).numpy()[:, 1]
    r = _explain_one(net, x, method)
    masks = {
        "horse": np.concatenate([s.horse_mask for s in scenes]),
        "tag": np.concatenate([s.tag_mask for s in scenes]),
        "poles": np.concatenate([s.pole_mask for s in scenes]),
    }
    titles = [
        f"tag {'on' if t else 'off'}, poles {'on' if q else 'off'}\np(horse) = {pi:.2f}"
        for (t, q), pi in zip(variants, p)
    ]
    fig = hans_gallery(x, r, titles=titles, masks=masks, size=2.3, shared_scale=True)
    truth = "horse" if scenes[0].y[0] == 1 else "no horse"
    fig.suptitle(f"test scene {index} ({truth}): {label} model, {method}", fontsize=10)
    return fig


def hans_demo(
    index: int = HANS_DEMO_INDEX,
    *,
    models: Sequence[str] | Mapping[str, object] = ("horses", "horses_fixed"),
    methods: Sequence[str] = HANS_METHODS,
):
    """Live demo: pick a test scene, a model and a method; switch tag and poles on and off.

    Parameters
    ----------
    index : int
        Test scene shown first (index into ``xai4ess.data.load("horses").test``).
    models : sequence of str, or mapping of str to keras.Model
        Shipped model names, or ``{label: model}`` for models you already have
        (their attribution analyzers are then reused).
    methods : sequence of str
        Methods offered (names from :func:`xai4ess.methods`).

    Returns
    -------
    ipywidgets.VBox
        Controls and an output area showing the scene, p(horse) and the heatmap.

    Examples
    --------
    >>> demo = hans_demo()  # doctest: +SKIP
    """
    import ipywidgets as w

    from ..plot import RELEVANCE_CMAP, new_figure, relevance_norm
    from ._live import FigureView

    ds = _test_set()
    # continuous_update=False: a drag sends one value, on release (no redraws while dragging)
    scene = w.IntSlider(
        value=int(index),
        min=0,
        max=len(ds) - 1,
        description="scene",
        continuous_update=False,
    )
    if isinstance(models, Mapping):
        nets = dict(models)
    else:
        nets = {MODEL_LABELS.get(m, m): _model(m) for m in models}
    labels = list(nets)
    model_box = w.Dropdown(options=labels, value=labels[0], description="model")
    method_box = w.Dropdown(options=list(methods), value=methods[0], description="method")
    tag_box = w.Checkbox(value=bool(ds.has_tag[int(index)]), description="tag")
    pole_box = w.Checkbox(value=bool(ds.has_pole[int(index)]), description="poles")
    view = FigureView()
    state = {"hold": False}
    cache: dict = {}

    def compute(scene_i, model_name, method, tag, poles):
        key = (scene_i, model_name, method, tag, poles)
        if key not in cache:
            s = _scene(scene_i, tag, poles)
            net = nets[model_name]
            p = float(net(s.x, training=False).numpy()[0, 1])
            cache[key] = (s, p, _explain_one(net, s.x, method)[0])
        return cache[key]

    def draw(*_):
        if state["hold"]:
            return
        model_name, method = model_box.value, method_box.value
        s, p, r = compute(scene.value, model_name, method, tag_box.value, pole_box.value)
        fig, axes = new_figure(1, 3, figsize=(9.5, 3.2))
        ax = axes[0, 0]
        ax.imshow(s.x[0])
        ax.set_title(f"truth: {'horse' if s.y[0] else ds.attrs['kinds'][int(s.kind[0])]}")
        ax.set_axis_off()
        ax = axes[0, 1]
        im = ax.imshow(r, cmap=RELEVANCE_CMAP, norm=relevance_norm(r, signed=True))
        _outline(ax, {"horse": s.horse_mask, "tag": s.tag_mask, "poles": s.pole_mask}, 0)
        ax.set_title(method, fontsize=9)
        ax.set_axis_off()
        fig.colorbar(im, ax=ax, shrink=0.8, label="relevance for 'horse'")
        ax = axes[0, 2]
        ax.barh(["no horse", "horse"], [1 - p, p], color=["#888888", "#b5651d"])
        ax.set_xlim(0, 1)
        ax.set_xlabel("predicted probability")
        ax.set_title(f"{model_name} model")
        view.show(fig, layout_key="hans")  # replaces the figure: plots never stack

    def on_scene(change):
        # a new scene shows its own tag/poles: set both toggles, then draw once (not 3 times)
        state["hold"] = True
        try:
            tag_box.value = bool(ds.has_tag[change["new"]])
            pole_box.value = bool(ds.has_pole[change["new"]])
        finally:
            state["hold"] = False
        draw()

    scene.observe(on_scene, names="value")
    for box in (model_box, method_box, tag_box, pole_box):
        box.observe(draw, names="value")
    draw()
    # Build every model's and method's analyzer now (0.5-1 s each, fewer if the chapter
    # already used them): a first visit would otherwise miss the 1 s response target.
    for model_name in labels:
        for method in method_box.options:
            compute(scene.value, model_name, method, tag_box.value, pole_box.value)
    controls = w.VBox([w.HBox([scene, model_box]), w.HBox([method_box, tag_box, pole_box])])
    return w.VBox([controls, view.output])
