"""Effective receptive field (Luo et al. 2016): mean absolute input gradient of one unit."""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np

from ..errors import ReceptiveFieldError
from ._exact import box, receptive_field
from ._keras import _states


def effective_receptive_field(
    model,
    layer: str | int | None = None,
    x: np.ndarray | None = None,
    *,
    n: int = 16,
    unit: Sequence[int] | None = None,
    seed: int = 0,
    batch: int = 4,
    normalize: str | None = "max",
    spacing: int | None = None,
) -> np.ndarray:
    """Effective receptive field (Luo et al. 2016): mean |gradient| of one unit w.r.t. the input.

    Parameters
    ----------
    model : keras.Model
        Trained or untrained.
    layer : str or int, optional
        Layer whose unit is analysed (default: the output layer). Top-level layers only.
    x : ndarray, optional
        Inputs ``(N, *spatial, C)`` to average over (real samples for a trained
        network). Default: ``n`` samples of standard normal noise (Luo et al.).
    unit : sequence of int, optional
        The unit's position in the layer (default: the centre).
    normalize : {"max", "sum", None}
        Scale so that the maximum is 1 (default) or the sum is 1.
    spacing : int, optional
        Also use the units on a grid with this spacing (in units of the layer)
        around the central one, each shifted onto the central unit's position
        before averaging: more samples per input. Their theoretical fields must
        not overlap (spacing x stride > TRF size), lie inside the input and
        have the central unit's size; other grid units are skipped. 2-D layers only.

    Returns
    -------
    ndarray
        ``(*spatial,)`` float64: the mean over inputs (and grid units) of the
        absolute gradient, summed over input channels (and over the unit's
        channels before differentiating), at the central unit's position.

    Examples
    --------
    Four 3x3 convolutions: the ERF lies inside the 9x9 theoretical field.

    >>> from xai4ess.models import build_stack
    >>> erf = effective_receptive_field(build_stack(["conv3"] * 4, input_size=33))
    >>> erf.shape, float(erf.max()), erf_size(erf, mass=1.0, center=(16, 16)) <= 9
    ((33, 33), 1.0, True)
    """
    from .._env import tensorflow

    tf = tensorflow()
    keras = tf.keras
    if layer is None:
        target = model
    else:
        names = [lyr.name for lyr in model.layers]
        if isinstance(layer, int):
            layer = names[layer]
        if layer not in names:
            raise ReceptiveFieldError(f"no top-level layer named {layer!r}; layers: {names}")
        target = keras.Model(model.inputs, model.get_layer(layer).output)
    if x is None:
        shape = tuple(model.inputs[0].shape[1:])
        if any(s is None for s in shape):
            raise ReceptiveFieldError(
                "the model accepts any input size: pass x (a batch of inputs)"
            )
        x = np.random.default_rng(seed).standard_normal((n,) + shape).astype("float32")
    x = np.asarray(x, dtype="float32")
    if x.ndim != len(model.inputs[0].shape):
        raise ReceptiveFieldError(f"x must have shape (N, *spatial, C); got {x.shape}")
    probe = target(tf.constant(x[:1]), training=False)
    lay = tuple(probe.shape[1:-1])
    pos = tuple(unit) if unit is not None else tuple(v // 2 for v in lay)
    if len(pos) != len(lay):
        raise ReceptiveFieldError(f"unit needs {len(lay)} indices, got {len(pos)}")
    units, windows, b0 = [pos], None, None
    if spacing:
        units, windows, b0 = _grid_units(model, layer, pos, lay, x.shape[1:3], spacing)
    acc = np.zeros(x.shape[1:-1])
    for start in range(0, len(x), batch):
        xb = tf.constant(x[start : start + batch])
        with tf.GradientTape() as tape:
            tape.watch(xb)
            y = target(xb, training=False)
            total = tf.add_n(
                [tf.reduce_sum(y[(slice(None),) + tuple(u) + (slice(None),)]) for u in units]
            )
        g = np.abs(tape.gradient(total, xb).numpy()).sum(axis=-1).sum(axis=0)
        if windows is None:
            acc += g
        else:
            (r0, r1), (c0, c1) = b0
            for (a0, a1), (e0, e1) in windows:
                acc[r0 : r1 + 1, c0 : c1 + 1] += g[a0 : a1 + 1, e0 : e1 + 1]
    acc = acc / len(units)
    erf = acc.astype("float64") / len(x)
    if normalize == "max" and erf.max() > 0:
        erf = erf / erf.max()
    elif normalize == "sum" and erf.sum() > 0:
        erf = erf / erf.sum()
    return erf


def _grid_units(model, layer, pos: tuple, lay: tuple, insize: tuple, spacing: int):
    """Units on a grid of ``spacing`` around ``pos`` whose whole, equal-sized field is inside.

    Returns the units, their input boxes and the box of ``pos`` (the place their
    gradients are shifted to).
    """
    if len(lay) != 2:
        raise ReceptiveFieldError("spacing needs a layer with two spatial dimensions")
    key = layer if layer is not None else list(_states(model)[0])[-1]
    insize = tuple(insize)
    b0 = box(model, key, pos, input_size=insize)
    side = (b0[0][1] - b0[0][0], b0[1][1] - b0[1][0])
    stride = receptive_field(model, key).stride
    if spacing * min(float(s_) for s_ in stride) <= max(side):
        raise ReceptiveFieldError(
            f"spacing {spacing} puts the units' fields ({max(side) + 1} px) on top of each other"
        )
    units, windows = [], []
    for di in range(-lay[0] // spacing - 1, lay[0] // spacing + 2):
        for dj in range(-lay[1] // spacing - 1, lay[1] // spacing + 2):
            u = (pos[0] + di * spacing, pos[1] + dj * spacing)
            if not (0 <= u[0] < lay[0] and 0 <= u[1] < lay[1]):
                continue
            b = box(model, key, u, input_size=insize)
            if b is None or (b[0][1] - b[0][0], b[1][1] - b[1][0]) != side:
                continue
            if b[0][0] < 0 or b[1][0] < 0 or b[0][1] >= insize[0] or b[1][1] >= insize[1]:
                continue
            units.append(u)
            windows.append(b)
    if not units:
        raise ReceptiveFieldError("no grid unit has its whole field inside the input")
    return units, windows, b0


def erf_size(erf: np.ndarray, mass: float = 0.95, center: Sequence[float] | None = None) -> int:
    """Side of the smallest square around ``center`` holding ``mass`` of an ERF's total.

    Parameters
    ----------
    erf : ndarray
        2-D map from :func:`effective_receptive_field`.
    mass : float
        Fraction of the total (0 < mass <= 1).
    center : (row, col), optional
        Centre of the square, may be a half-integer (default: the centre of mass).

    Examples
    --------
    >>> e = np.zeros((9, 9)); e[4, 4] = 1.0
    >>> erf_size(e)
    1
    """
    erf = np.abs(np.asarray(erf, dtype=float))
    if erf.ndim != 2:
        raise ValueError("erf must be a 2-D map")
    total = erf.sum()
    if total == 0:
        return 0
    if center is None:
        rows, cols = np.indices(erf.shape)
        center = ((rows * erf).sum() / total, (cols * erf).sum() / total)
    r, c = (float(v) for v in center)
    for h2 in range(0, 4 * max(erf.shape)):
        h = h2 / 2
        r0, r1 = math.ceil(r - h), math.floor(r + h)
        c0, c1 = math.ceil(c - h), math.floor(c + h)
        if r1 < r0 or c1 < c0:
            continue
        if erf[max(r0, 0) : r1 + 1, max(c0, 0) : c1 + 1].sum() >= mass * total * (1 - 1e-12):
            return max(r1 - r0, c1 - c0) + 1
    return 2 * max(erf.shape)
