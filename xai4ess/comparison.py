"""Several explanation methods side by side: compute the maps, then draw them.

:func:`compare` composes :func:`xai4ess.explain` (the numbers) and
:func:`xai4ess.plot.compare` (the figure), so that ``plot`` only draws arrays
it is given.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np

from .attribution import explain, method_info
from .plot import compare as draw_comparison

__all__ = ["compare", "DEFAULT_METHODS"]

#: One method per family: gradient, path integral, class activation map, two LRP rules.
DEFAULT_METHODS = (
    "gradient",
    "integrated_gradients",
    "gradcam",
    "lrp.epsilon",
    "lrp.alpha_1_beta_0",
)


def compare(
    model,
    x: np.ndarray,
    methods: Sequence[str] = DEFAULT_METHODS,
    *,
    target=None,
    channel: int | None = None,
    options: Mapping[str, Mapping] | None = None,
    input_cmap: str = "gray",
    size: float = 2.4,
):
    """One row per sample: the input, then one panel per explanation method.

    Parameters
    ----------
    model : keras.Model
    x : ndarray
        A batch ``(N, H, W, C)`` (a single sample without batch axis is accepted).
    methods : sequence of str
        Names from :func:`xai4ess.methods`.
    target
        Passed to :func:`xai4ess.explain`.
    channel : int, optional
        Channel to draw (default: the sum over channels).
    options : mapping, optional
        ``{method: {option: value}}`` passed on to :func:`xai4ess.explain`.

    Returns
    -------
    matplotlib.figure.Figure

    Examples
    --------
    >>> import numpy as np, xai4ess
    >>> from xai4ess._env import tensorflow
    >>> keras = tensorflow().keras
    >>> model = keras.Sequential([keras.Input((6, 6, 1)), keras.layers.Flatten(),
    ...                           keras.layers.Dense(2)])
    >>> x = np.random.default_rng(0).random((2, 6, 6, 1), dtype=np.float32)
    >>> fig = xai4ess.compare(model, x, ["gradient", "lrp.z"], target=0)
    >>> len(fig.axes)
    6
    """
    x = np.asarray(x, dtype=np.float32)
    if x.ndim == len(model.input_shape) - 1:
        x = x[None]
    options = dict(options or {})
    maps = {m: explain(model, x, method=m, target=target, **options.get(m, {})) for m in methods}
    signed = {m: method_info(m).signed for m in methods}
    return draw_comparison(
        x, maps, signed=signed, channel=channel, input_cmap=input_cmap, size=size
    )
