"""Feature visualisation ("Type A"): what does one neuron of a network respond to?

Two methods from the lecture (after Olah et al. 2017):

1. :func:`top_activating` -- the samples of a data set that activate a unit most;
2. :func:`maximize` -- activation maximisation: gradient ascent on the input,
   from noise, with simple regularisers (L2 decay, jitter, blur) that keep the
   image from turning into high-frequency noise.

Plus :func:`activation_maps` (where in each sample a unit fires) and
:func:`mask_response` (which units of a layer fire inside a known region, e.g.
the source tag of the horse images), and two figure helpers.

A *unit* is one channel of a convolutional layer (its activation map is
pooled over space: ``pool="max"`` or ``"mean"``) or one neuron of a dense layer.

Examples
--------
The examples of this module use the shipped horse classifier and test images:

>>> import xai4ess
>>> model = xai4ess.models.shared("horses")
>>> test = xai4ess.data.load("horses").test
>>> x = test.x[:40]
>>> idx, act = xai4ess.features.top_activating(model, "conv2", 3, x, k=9)
>>> img = xai4ess.features.maximize(model, "conv2", 3, steps=32).image
>>> img.shape
(64, 64, 3)
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import NamedTuple

import numpy as np

from .errors import InputShapeError, TargetError

__all__ = [
    "TopActivating",
    "Maximized",
    "unit_model",
    "activation_maps",
    "unit_activations",
    "top_activating",
    "maximize",
    "mask_response",
    "top_activating_figure",
    "maximize_figure",
]


class TopActivating(NamedTuple):
    """Result of :func:`top_activating` (unpacks as ``indices, activations``)."""

    #: Indices into ``x`` of the ``k`` most activating samples, strongest first.
    indices: np.ndarray
    #: Their pooled activations, in the same order.
    activations: np.ndarray


class Maximized(NamedTuple):
    """Result of :func:`maximize`."""

    #: The optimised input ``input_shape`` (no batch axis), float32.
    image: np.ndarray
    #: The unit's activation at every step (before each update), float64.
    history: np.ndarray
    #: The unit's activation for the starting noise image.
    start_activation: float
    #: The unit's activation for the final image.
    final_activation: float


# --------------------------------------------------------------------------- helpers


def _tf():
    from ._env import tensorflow

    return tensorflow()


def _layer(model, layer: str):
    names = [lay.name for lay in model.layers]
    if layer not in names:
        raise TargetError(
            f"the model {model.name!r} has no layer {layer!r}; its layers are: {', '.join(names)}"
        )
    return model.get_layer(layer)


def _check_unit(model, layer: str, unit: int) -> int:
    out_shape = _layer(model, layer).output_shape
    if isinstance(out_shape, list):
        raise TargetError(f"layer {layer!r} has several outputs; pick a single-output layer")
    n_units = out_shape[-1]
    if not isinstance(unit, (int, np.integer)) or not 0 <= int(unit) < n_units:
        raise TargetError(
            f"unit must be an integer in 0..{n_units - 1} (layer {layer!r} has {n_units} "
            f"units/channels), got {unit!r}"
        )
    return int(unit)


def unit_model(model, layer: str):
    """The sub-model from the model's input to the output of ``layer``.

    Parameters
    ----------
    model : keras.Model
        A functional Keras model.
    layer : str
        Name of a layer of ``model``.

    Returns
    -------
    keras.Model
        ``keras.Model(model.inputs, model.get_layer(layer).output)``.

    Examples
    --------
    >>> import xai4ess
    >>> model = xai4ess.models.shared("horses")
    >>> sub = unit_model(model, "conv1")
    >>> sub.output_shape
    (None, 62, 62, 8)
    """
    tf = _tf()

    return tf.keras.Model(model.inputs, _layer(model, layer).output, name=f"{model.name}_{layer}")


def _check_x(model, x) -> np.ndarray:
    x = np.asarray(x, dtype=np.float32)
    want = tuple(model.input_shape[1:])
    if x.ndim == len(want):
        x = x[None]
    if x.ndim != len(want) + 1 or any(w is not None and w != s for w, s in zip(want, x.shape[1:])):
        raise InputShapeError(
            f"x has shape {x.shape}, the model expects (N, {', '.join(map(str, want))})"
        )
    return x


#: Samples per forward pass. A pass holds every layer's activations of its batch:
#: 128 tiles of 64 x 64 x 4 took 0.13 GB above the model (chapter 5), 32 take 0.05 GB.
BATCH_SIZE = 32


def _batches(sub, x: np.ndarray, batch_size: int):
    """The layer's output for ``x``, one batch at a time."""
    for i in range(0, len(x), batch_size):
        yield sub(x[i : i + batch_size], training=False).numpy()


def _forward(sub, x: np.ndarray, batch_size: int, unit: int | None = None) -> np.ndarray:
    """The layer's output for all of ``x`` (only channel ``unit``'s, if given)."""
    out = [o if unit is None else o[..., unit].copy() for o in _batches(sub, x, batch_size)]
    return np.concatenate(out) if out else np.zeros((0,), np.float32)


def activation_maps(
    model, layer: str, unit: int, x: np.ndarray, *, batch_size: int = BATCH_SIZE
) -> np.ndarray:
    """The activation of one unit for every sample (its map for a conv layer).

    Parameters
    ----------
    model : keras.Model
    layer : str
        Layer name.
    unit : int
        Channel (conv layer) or neuron (dense layer) index.
    x : ndarray
        Inputs ``(N, ...)`` of the model's input shape (one sample without the
        batch axis is accepted).

    Returns
    -------
    ndarray
        ``(N, h, w)`` for a conv layer, ``(N,)`` for a dense layer.

    Examples
    --------
    >>> import xai4ess
    >>> model = xai4ess.models.shared("horses")
    >>> x = xai4ess.data.load("horses").test.x[:4]
    >>> a = activation_maps(model, "conv2", 0, x)
    >>> a.shape
    (4, 29, 29)
    """
    unit = _check_unit(model, layer, unit)
    x = _check_x(model, x)
    # one channel kept per batch: all channels of a large set can take hundreds of MB
    return _forward(unit_model(model, layer), x, batch_size, unit=unit)


def unit_activations(
    model, layer: str, unit: int, x: np.ndarray, *, pool: str = "max", batch_size: int = BATCH_SIZE
) -> np.ndarray:
    """One number per sample: the unit's activation pooled over space.

    ``pool="max"`` (the strongest response anywhere) or ``"mean"`` (the channel
    objective of Olah et al. 2017). Dense units need no pooling.
    """
    a = activation_maps(model, layer, unit, x, batch_size=batch_size)
    return _pool(a, pool)


def _pool(a: np.ndarray, pool: str) -> np.ndarray:
    if pool not in ("max", "mean"):
        raise ValueError(f"pool must be 'max' or 'mean', got {pool!r}")
    if a.ndim == 1:
        return a.astype(np.float64)
    flat = a.reshape(len(a), -1)
    return (flat.max(axis=1) if pool == "max" else flat.mean(axis=1)).astype(np.float64)


# --------------------------------------------------------------------------- method 1


def top_activating(
    model,
    layer: str,
    unit: int,
    x: np.ndarray,
    k: int = 9,
    *,
    pool: str = "max",
    batch_size: int = BATCH_SIZE,
) -> TopActivating:
    """The ``k`` samples of ``x`` that activate a unit most (feature visualisation, method 1).

    Parameters
    ----------
    model : keras.Model
    layer : str
        Layer name.
    unit : int
        Channel of a conv layer or neuron of a dense layer.
    x : ndarray
        Candidate samples ``(N, ...)``, e.g. the training set.
    k : int
        How many samples to return (at most ``N``).
    pool : {"max", "mean"}
        How a conv channel's activation map becomes one number per sample.

    Returns
    -------
    TopActivating
        ``(indices, activations)``, strongest first. Ties keep the lower index first.

    Examples
    --------
    >>> import xai4ess
    >>> model = xai4ess.models.shared("horses")
    >>> x = xai4ess.data.load("horses").test.x[:40]
    >>> idx, act = top_activating(model, "conv3", 5, x, k=9)
    >>> x[idx].shape  # the nine samples to look at
    (9, 64, 64, 3)
    >>> bool(np.all(np.diff(act) <= 0))  # most active first
    True
    """
    if not isinstance(k, (int, np.integer)) or k < 1:
        raise ValueError(f"k must be a positive integer, got {k!r}")
    act = unit_activations(model, layer, unit, x, pool=pool, batch_size=batch_size)
    order = np.argsort(-act, kind="stable")[: int(k)]
    return TopActivating(order, act[order])


# --------------------------------------------------------------------------- method 2


def _gaussian_kernel(sigma: float, channels: int):
    tf = _tf()
    radius = max(1, int(np.ceil(2.5 * sigma)))
    t = np.arange(-radius, radius + 1, dtype=np.float64)
    g = np.exp(-0.5 * (t / sigma) ** 2)
    g /= g.sum()
    k2 = np.outer(g, g)[:, :, None, None] * np.ones((1, 1, channels, 1))
    return tf.constant(k2, dtype=tf.float32)


def _noise_image(rng, shape, amplitude: float, value_range, gray: bool) -> np.ndarray:
    """Grey noise around the middle of ``value_range``, ``amplitude`` times its width."""
    lo, hi = value_range
    img = 0.5 * (lo + hi) + amplitude * (hi - lo) * rng.standard_normal(shape)
    if gray and len(shape) == 3:
        img = np.repeat(img[..., :1], shape[-1], axis=-1)
    return np.clip(img, lo, hi).astype(np.float32)


def _check_position(position, sub, shape, layer: str) -> tuple[int, int]:
    """(row, col) of one neuron in the output grid of ``sub`` (the model up to ``layer``)
    for inputs of ``shape``, or a TargetError."""
    out_shape = sub.output_shape
    if any(v is None for v in out_shape[1:]):  # fully convolutional: run it once
        out_shape = (None, *sub(np.zeros((1, *shape), np.float32)).shape[1:])
    if len(out_shape) != 4:
        raise TargetError(f"position= needs a layer with spatial output; {layer!r} has {out_shape}")
    row, col = (int(v) for v in position)
    if not (0 <= row < out_shape[1] and 0 <= col < out_shape[2]):
        raise TargetError(
            f"position {position} is outside the {out_shape[1]} x {out_shape[2]} "
            f"output grid of layer {layer!r}"
        )
    return row, col


def maximize(
    model,
    layer: str,
    unit: int,
    *,
    steps: int = 200,
    lr: float = 0.05,
    l2: float = 1e-3,
    blur: float = 1.0,
    jitter: int = 2,
    seed: int = 0,
    input_shape: Sequence[int] | None = None,
    value_range: tuple[float, float] = (0.0, 1.0),
    start: np.ndarray | None = None,
    position: tuple[int, int] | None = None,
    gray: bool = False,
) -> Maximized:
    """Activation maximisation: the input that makes a unit fire most (method 2).

    Starting from noise, gradient ascent on the input (eager TensorFlow,
    ``tf.GradientTape``) increases the objective ``mean activation of the unit
    - l2 * mean((x - centre)**2)``. Each step evaluates the unit on the image
    shifted by up to ``jitter`` pixels (transformation robustness), smooths
    the gradient with a Gaussian of width ``blur`` pixels (which suppresses the
    high-frequency patterns that plain ascent produces), divides it by its RMS
    (so ``lr`` is a step in input units) and clips the image to
    ``value_range``. See Olah et al. (2017).

    Parameters
    ----------
    model : keras.Model
    layer, unit
        The unit to maximise (a conv channel is averaged over space).
    steps : int
        Number of gradient steps.
    lr : float
        Step size in input units (per step, RMS over pixels).
    l2 : float
        Weight of the L2 penalty pulling pixels to the middle of ``value_range``.
    blur : float
        Sigma in pixels of the Gaussian that smooths each gradient step
        (0 switches smoothing off).
    jitter : int
        Maximum random shift in pixels before each forward pass (0 = off).
        Only for image inputs ``(H, W, C)``.
    seed : int
        Seed of the starting noise and of the jitter.
    input_shape : sequence of int, optional
        Shape of one input without the batch axis; needed if the model's input
        shape has unknown sizes.
    value_range : (float, float)
        The valid input range (the horse images are in [0, 1]).
    start : ndarray, optional
        A starting image instead of noise. Without it, the start is grey noise
        (standard deviation 10 % of the value range); if the unit is silent on
        it (zero gradient), noise with 25 %, 50 % and 100 % is tried in turn.
    position : (int, int), optional
        For a conv layer: maximise the unit at this (row, column) of the
        layer's output grid only (the "neuron" objective of Olah et al.)
        instead of its mean over all positions (the "channel" objective). The
        image then changes only inside that neuron's receptive field.
    gray : bool
        Move all channels together (a grey-scale parameterisation): the
        image stays grey, which avoids the saturated colours that plain
        pixel-space ascent produces when the unit cares about brightness.

    Returns
    -------
    Maximized
        ``image``, ``history`` (activation per step), ``start_activation``,
        ``final_activation``.

    Examples
    --------
    >>> import xai4ess
    >>> res = maximize(xai4ess.models.shared("horses"), "conv3", 5, steps=100)
    >>> bool(res.final_activation > 10 * res.start_activation)
    True
    """
    tf = _tf()
    unit = _check_unit(model, layer, unit)
    shape = tuple(input_shape) if input_shape is not None else tuple(model.input_shape[1:])
    if any(s is None for s in shape):
        raise InputShapeError(
            f"the model's input shape {model.input_shape} has unknown sizes; pass input_shape="
        )
    if steps < 0:
        raise ValueError(f"steps must be >= 0, got {steps}")
    lo, hi = (float(v) for v in value_range)
    centre, spread = 0.5 * (lo + hi), hi - lo
    rng = np.random.default_rng(seed)
    if start is None:
        x0 = _noise_image(rng, shape, 0.1, (lo, hi), gray)
    else:
        x0 = np.asarray(start, dtype=np.float64)
        if x0.shape != shape:
            raise InputShapeError(f"start has shape {x0.shape}, expected {shape}")
        x0 = np.clip(x0, lo, hi).astype(np.float32)

    sub = unit_model(model, layer)
    image_like = len(shape) == 3
    kernel = _gaussian_kernel(blur, shape[-1]) if (blur > 0 and image_like) else None
    if position is not None:
        position = _check_position(position, sub, shape, layer)
    objective, ascent = _objective(sub, unit, position, image_like, l2, centre, spread)

    x = tf.constant(x0[None])
    if start is None and steps > 0:
        # a unit that is silent on the starting noise gets no gradient: retry with more contrast
        zero = tf.zeros(2, dtype=tf.int32)
        for amplitude in (0.25, 0.5, 1.0):
            if float(tf.reduce_max(tf.abs(ascent(x, zero)[1]))) > 0:
                break
            x = tf.constant(_noise_image(rng, shape, amplitude, (lo, hi), gray)[None])
    start_act = float(objective(x))
    shifts = rng.integers(-jitter, jitter + 1, size=(steps, 2)) if jitter else np.zeros((steps, 2))
    x, history = _ascend(ascent, x, shifts, lr * spread, (lo, hi), gray and image_like, kernel)
    return Maximized(x.numpy()[0], history, start_act, float(objective(x)))


def _objective(sub, unit: int, position, image_like: bool, l2: float, centre, spread):
    """The unit's activation (mean over positions, or at ``position``) and one
    compiled ascent step returning (activation, gradient of activation - L2 penalty)."""
    tf = _tf()

    def objective(img):
        a = sub(img, training=False)[..., unit]
        return a[0, position[0], position[1]] if position is not None else tf.reduce_mean(a)

    @tf.function(reduce_retracing=True)
    def ascent(img, shift):
        with tf.GradientTape() as tape:
            tape.watch(img)
            act = objective(tf.roll(img, shift=shift, axis=[1, 2]) if image_like else img)
            loss = act - l2 * tf.reduce_mean(tf.square(img - centre)) / (spread**2)
        return act, tape.gradient(loss, img)

    return objective, ascent


def _ascend(ascent, x, shifts, step_size: float, value_range, gray: bool, kernel):
    """Normalised gradient ascent, one step per row of ``shifts``; (image, history).

    Each step's gradient is made grey (``gray``), smoothed (``kernel``), divided by
    its RMS and scaled by ``step_size``; the image is clipped to ``value_range``.
    """
    tf = _tf()
    history = np.zeros(len(shifts), dtype=np.float64)
    for step, shift in enumerate(shifts):
        act, grad = ascent(x, tf.constant(shift, dtype=tf.int32))
        history[step] = float(act)
        if gray:
            grad = tf.broadcast_to(tf.reduce_mean(grad, axis=-1, keepdims=True), tf.shape(grad))
        if kernel is not None:
            grad = tf.nn.depthwise_conv2d(grad, kernel, strides=(1, 1, 1, 1), padding="SAME")
        rms = tf.sqrt(tf.reduce_mean(tf.square(grad))) + 1e-12
        x = tf.clip_by_value(x + step_size * grad / rms, *value_range)
    return x, history


# --------------------------------------------------------------------------- which unit?


def _resize_maps(a: np.ndarray, size: tuple[int, int]) -> np.ndarray:
    """Nearest-neighbour upsampling of (N, h, w) maps to (N, H, W)."""
    n, h, w = a.shape
    rows = (np.arange(size[0]) * h // size[0]).astype(int)
    cols = (np.arange(size[1]) * w // size[1]).astype(int)
    return a[:, rows][:, :, cols]


def mask_response(
    model,
    layer: str,
    x: np.ndarray,
    mask: np.ndarray,
    *,
    min_activation: float = 0.02,
    batch_size: int = BATCH_SIZE,
):
    """How strongly each unit of a conv layer fires inside a region, per unit.

    For every channel of ``layer`` the activation maps are resized
    (nearest neighbour) to the input size and compared with the boolean
    ``mask`` (e.g. where the source tag is).

    Parameters
    ----------
    model : keras.Model
    layer : str
        A layer with spatial output ``(N, h, w, C)``.
    x : ndarray
        Samples ``(N, H, W, C)``.
    mask : ndarray of bool
        ``(N, H, W)``: the region of interest in each sample.
    min_activation : float
        Units whose mean activation on ``x`` is below this fraction of the
        most active unit's mean are "silent": their share (a ratio of tiny
        numbers) is set to NaN and they are listed last.

    Returns
    -------
    pandas.DataFrame
        One row per unit, sorted by ``share`` (descending), with columns
        ``unit``; ``share`` (fraction of the unit's total activation that falls
        inside the mask, pooled over samples); ``area`` (fraction of the image
        inside the mask, the share a unit blind to the region would get);
        ``ratio`` = share / area; ``inside`` and ``outside`` (mean activation
        per pixel inside and outside the mask); ``mean`` (mean activation
        over all pixels and samples).

    Examples
    --------
    >>> import xai4ess
    >>> model = xai4ess.models.shared("horses")
    >>> test = xai4ess.data.load("horses").test
    >>> df = mask_response(model, "conv2", test.x[:64], test.tag_mask[:64])
    >>> len(df), list(df.columns[:3])  # one row per unit; the first is most focused on the tag
    (16, ['unit', 'share', 'area'])
    """
    import pandas as pd

    x = _check_x(model, x)
    mask = np.asarray(mask, dtype=bool)
    if mask.ndim == 2:
        mask = mask[None]
    if mask.shape != x.shape[:3]:
        raise InputShapeError(f"mask has shape {mask.shape}, expected {x.shape[:3]}")
    sub = unit_model(model, layer)
    if len(sub.output_shape) != 4:
        raise TargetError(f"layer {layer!r} has no spatial output (shape {sub.output_shape[1:]})")
    m = mask.astype(np.float64)
    area = float(m.mean())
    # summed one batch at a time: all activations of a large set can take hundreds of MB
    n_units = int(sub.output_shape[-1])
    sums, totals, insides = np.zeros(n_units), np.zeros(n_units), np.zeros(n_units)
    count = 0
    for start, out in zip(range(0, len(x), batch_size), _batches(sub, x, batch_size)):
        mb = m[start : start + len(out)]
        sums += out.reshape(-1, n_units).sum(axis=0, dtype=np.float64)
        count += out[..., 0].size
        for c in range(n_units):
            a = _resize_maps(out[..., c].astype(np.float64), mask.shape[1:])
            totals[c] += a.sum()
            insides[c] += (a * mb).sum()
    means = sums / max(count, 1)
    floor = min_activation * float(means.max()) if means.max() > 0 else np.inf
    rows = []
    for c in range(n_units):
        total, inside = totals[c], insides[c]
        rows.append(
            {
                "unit": c,
                "share": inside / total if (total > 0 and means[c] >= floor) else np.nan,
                "area": area,
                "inside": inside / max(m.sum(), 1.0),
                "outside": (total - inside) / max((1 - m).sum(), 1.0),
                "mean": means[c],
            }
        )
    df = pd.DataFrame(rows)
    df["ratio"] = df["share"] / area if area > 0 else np.nan
    df = df[["unit", "share", "area", "ratio", "inside", "outside", "mean"]]
    df = df.sort_values("share", ascending=False, kind="stable", na_position="last")
    return df.reset_index(drop=True)


# --------------------------------------------------------------------------- figures


def _show(ax, img: np.ndarray):
    img = np.asarray(img, dtype=np.float64)
    if img.ndim == 3 and img.shape[-1] == 3:
        ax.imshow(np.clip(img, 0, 1))
    else:
        ax.imshow(img[..., 0] if img.ndim == 3 else img, cmap="gray")
    ax.set_xticks([])
    ax.set_yticks([])


def top_activating_figure(
    x: np.ndarray,
    result: TopActivating,
    *,
    maps: np.ndarray | None = None,
    ncols: int = 9,
    title: str = "",
    size: float = 1.5,
):
    """Draw the top-activating samples (and, if given, the unit's activation maps below).

    Parameters
    ----------
    x : ndarray
        The samples ``(N, H, W, C)`` that :func:`top_activating` ranked.
    result : TopActivating
    maps : ndarray, optional
        Activation maps ``(k, h, w)`` of the unit for ``x[result.indices]``
        (from :func:`activation_maps`), shown as a second row.

    Returns
    -------
    matplotlib.figure.Figure
    """
    from .plot import new_figure

    k = len(result.indices)
    ncols = min(ncols, k)
    nrows_img = int(np.ceil(k / ncols))
    nrows = nrows_img * (2 if maps is not None else 1)
    fig, axes = new_figure(nrows, ncols, size=size)
    for ax in axes.ravel():
        ax.set_axis_off()
    for j, (i, a) in enumerate(zip(result.indices, result.activations)):
        r, c = divmod(j, ncols)
        r = r * (2 if maps is not None else 1)
        ax = axes[r, c]
        ax.set_axis_on()
        _show(ax, x[i])
        ax.set_title(f"#{i}: {a:.2f}", fontsize=8)
        if maps is not None:
            ax2 = axes[r + 1, c]
            ax2.set_axis_on()
            ax2.imshow(maps[j], cmap="magma", vmin=0, vmax=float(np.max(maps)) or 1.0)
            ax2.set_xticks([])
            ax2.set_yticks([])
            if c == 0:
                ax2.set_ylabel("activation", fontsize=8)
    if title:
        fig.suptitle(title)
    return fig


def maximize_figure(results: Sequence[Maximized], labels: Sequence[str], *, size: float = 2.0):
    """Draw maximising images (top row) and their activation histories (bottom row).

    Returns
    -------
    matplotlib.figure.Figure
    """
    from .plot import new_figure

    n = len(results)
    fig, axes = new_figure(2, n, size=size)
    for j, (res, lab) in enumerate(zip(results, labels)):
        _show(axes[0, j], res.image)
        axes[0, j].set_title(lab, fontsize=9)
        ax = axes[1, j]
        ax.plot(res.history, color="C3")
        ax.set_xlabel("step")
        if j == 0:
            ax.set_ylabel("unit activation")
        ax.axhline(res.start_activation, color="0.5", ls="--", lw=0.8)
    return fig
