"""Interactive demo of the heatmap-zoo chapter: the alpha-beta rule and a method picker.

``alpha_demo`` returns an ipywidgets widget (a live kernel); ``alpha_figure``
draws the static counterpart that the website shows.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

__all__ = ["alpha_figure", "alpha_demo", "ALPHAS", "DEMO_METHODS"]

#: The alpha values offered by the slider (iNNvestigate convention: beta = alpha - 1).
ALPHAS = (1.0, 1.5, 2.0, 3.0, 4.0)
#: Methods offered by the picker of :func:`alpha_demo`.
DEMO_METHODS = (
    "lrp.alpha_beta",
    "lrp.epsilon",
    "lrp.z",
    "deep_taylor",
    "gradient",
    "input_t_gradient",
    "integrated_gradients",
    "gradcam",
)


_NAMED_ALPHAS = {1.0: "lrp.alpha_1_beta_0", 2.0: "lrp.alpha_2_beta_1"}


def _explain(model, x, method: str, alpha: float, target):
    from ..attribution import explain

    if method == "lrp.alpha_beta":
        # the named presets are the same rule; using them reuses their cached analyzers
        named = _NAMED_ALPHAS.get(float(alpha))
        if named is not None:
            return explain(model, x, named, target=target)
        return explain(model, x, method, target=target, alpha=float(alpha), beta=float(alpha) - 1.0)
    return explain(model, x, method, target=target)


def _label(method: str, alpha: float) -> str:
    if method == "lrp.alpha_beta":
        return f"α={alpha:g}, β={alpha - 1:g}"
    return method


def _negative_share(r: np.ndarray) -> float:
    r = np.asarray(r, dtype=np.float64)
    total = np.abs(r).sum()
    return float(-np.clip(r, None, 0).sum() / total) + 0.0 if total > 0 else 0.0


def _image(ax, x):
    ax.imshow(np.clip(np.asarray(x, dtype=np.float64), 0, 1))
    ax.set_xticks([])
    ax.set_yticks([])


def alpha_figure(
    model,
    x: np.ndarray,
    alphas: Sequence[float] = (1.0, 2.0, 3.0),
    *,
    target=None,
    size: float = 2.0,
):
    """Static figure of the demo: LRP-alpha-beta maps for several alpha (beta = alpha - 1).

    One row per sample: the input, then one map per alpha, with the share of
    negative relevance (``-sum(R-) / sum|R|``) in each title. As beta grows,
    counter-evidence (blue) appears.

    Parameters
    ----------
    model : keras.Model
    x : ndarray
        A few samples ``(N, H, W, 3)``.
    alphas : sequence of float
        Alpha values (>= 1), iNNvestigate convention; beta = alpha - 1, which is
        beta = 1 - alpha in Bach et al.'s convention.
    target
        Passed to :func:`xai4ess.explain`.

    Returns
    -------
    matplotlib.figure.Figure
    """
    from ..plot import heatmap, new_figure

    x = np.asarray(x, dtype=np.float32)
    if x.ndim == 3:
        x = x[None]
    maps = {a: _explain(model, x, "lrp.alpha_beta", a, target) for a in alphas}
    fig, axes = new_figure(len(x), len(alphas) + 1, size=size)
    for i in range(len(x)):
        _image(axes[i, 0], x[i])
        axes[i, 0].set_title("input" if i == 0 else "", fontsize=9)
        for j, a in enumerate(alphas):
            r = maps[a][i]
            heatmap(
                None,
                r,
                ax=axes[i, j + 1],
                signed=True,
                colorbar=False,
                title=f"{_label('lrp.alpha_beta', a)}\nnegative: {_negative_share(r):.0%}",
            )
            axes[i, j + 1].title.set_fontsize(8)
    fig.suptitle(
        "LRP-αβ (iNNvestigate convention, α − β = 1): red = evidence for the class, blue = against",
        fontsize=9,
    )
    return fig


def alpha_demo(
    model,
    x: np.ndarray,
    *,
    methods: Sequence[str] = DEMO_METHODS,
    alphas: Sequence[float] = ALPHAS,
    target=None,
    class_index: int = 1,
    class_name: str = "horse",
):
    """Interactive demo: pick an image and a method; for LRP-alpha-beta, slide alpha.

    Every map (each image, method and alpha) is computed when the demo is
    built, in batches of 8 images: building an analyzer takes up to
    about 2 s (one per alpha), so a change would otherwise miss the 1 s
    response target the first time.

    Parameters
    ----------
    model : keras.Model
    x : ndarray
        Candidate images ``(N, H, W, 3)``.
    methods : sequence of str
        Names for :func:`xai4ess.explain` offered by the picker.
    alphas : sequence of float
        Alpha values of the slider (beta = alpha - 1).

    Returns
    -------
    ipywidgets.Widget

    Examples
    --------
    >>> xai4ess.widgets.alpha_demo(model, x[:12])  # doctest: +SKIP
    """
    import ipywidgets as widgets

    from ..attribution import method_info
    from ..plot import heatmap, new_figure
    from ._live import FigureView

    x = np.asarray(x, dtype=np.float32)
    cache: dict = {}
    for m in methods:
        for a in [float(a) for a in alphas] if m == "lrp.alpha_beta" else [None]:
            for start in range(0, len(x), 8):  # 8 images a batch: integrated gradients
                maps = _explain(model, x[start : start + 8], m, a, target)  # runs 32 steps each
                cache.update({(start + k, m, a): r for k, r in enumerate(maps)})
    # continuous_update=False: sliders send one value on release (no redraws while dragging)
    image = widgets.IntSlider(
        value=0, min=0, max=len(x) - 1, description="image", continuous_update=False
    )
    method = widgets.Dropdown(options=list(methods), value=methods[0], description="method")
    alpha = widgets.SelectionSlider(
        options=[float(a) for a in alphas],
        value=float(alphas[0]),
        description="α (β = α − 1)",
        style={"description_width": "initial"},
        continuous_update=False,
    )
    view = FigureView()

    def draw(*_):
        i, m, a = image.value, method.value, alpha.value
        alpha.disabled = m != "lrp.alpha_beta"
        key = (i, m, a if m == "lrp.alpha_beta" else None)
        if key not in cache:  # not reached with the demo's own controls
            cache[key] = _explain(model, x[i : i + 1], m, a, target)[0]
        r = cache[key]
        scores = np.asarray(model(x[i : i + 1], training=False))[0]
        fig, axes = new_figure(1, 2, size=3.2)
        _image(axes[0, 0], x[i])
        axes[0, 0].set_title(f"image {i}: p({class_name}) = {scores[class_index]:.2f}", fontsize=9)
        signed = method_info(m).signed or bool(np.any(r < 0))
        heatmap(
            None,
            r,
            ax=axes[0, 1],
            signed=signed,
            title=f"{_label(m, a)}\nnegative share: {_negative_share(r):.0%}",
        )
        view.show(fig, layout_key="alpha")  # replaces the figure: plots never stack

    for w in (image, method, alpha):
        w.observe(draw, names="value")
    draw()
    return widgets.VBox([widgets.HBox([image, method]), alpha, view.output])
