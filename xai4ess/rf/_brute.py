"""Brute force: the receptive field as the support of input gradients of a positive clone."""

from __future__ import annotations

import math
from collections.abc import Sequence
from fractions import Fraction

import numpy as np

from ..errors import ReceptiveFieldError
from ._exact import _fmt, _resolve, receptive_field
from ._intervals import RF, _to_rf
from ._keras import _flat, _states

_POSITIVE_MAP = {
    "MaxPooling1D": "AveragePooling1D",
    "MaxPooling2D": "AveragePooling2D",
    "MaxPooling3D": "AveragePooling3D",
    "MaxPool1D": "AveragePooling1D",
    "MaxPool2D": "AveragePooling2D",
    "MaxPool3D": "AveragePooling3D",
    "GlobalMaxPooling1D": "GlobalAveragePooling1D",
    "GlobalMaxPooling2D": "GlobalAveragePooling2D",
    "GlobalMaxPooling3D": "GlobalAveragePooling3D",
    "GlobalMaxPool2D": "GlobalAveragePooling2D",
}


def _rewrite_config(cfg: dict, spatial, top: bool, dtype: str = "float64"):
    """Max -> average pooling, dtype, input size; recursively through nested models.

    ``spatial`` None keeps every input shape; otherwise the top model's input
    gets that size and nested models accept any size.
    """

    def resized(shape):
        shape = list(shape)
        if spatial is not None:
            nd = len(shape) - 2
            shape[1:-1] = list(spatial)[:nd] if top and len(spatial) >= nd else [None] * nd
        return tuple(shape)

    for lc in cfg.get("layers", []):
        cls = lc.get("class_name")
        if cls in _POSITIVE_MAP:
            lc["class_name"] = _POSITIVE_MAP[cls]
        c = lc.get("config", {})
        if "dtype" in c:
            c["dtype"] = dtype
        if cls == "InputLayer":
            key = "batch_input_shape" if "batch_input_shape" in c else "batch_shape"
            c[key] = resized(c[key])
            c["dtype"] = dtype
        if "layers" in c:
            _rewrite_config(c, spatial, False, dtype)
    if cfg.get("build_input_shape") is not None:
        cfg["build_input_shape"] = resized(cfg["build_input_shape"])


def _positive_clone(model, spatial, dtype: str = "float64"):
    from .._env import tensorflow

    tf = tensorflow()
    keras = tf.keras
    cfg = model.get_config()
    _rewrite_config(cfg, spatial, True, dtype)
    try:
        if isinstance(model, keras.Sequential):
            clone = keras.Sequential.from_config(cfg)
        else:
            clone = keras.Model.from_config(cfg)
    except Exception as exc:  # noqa: BLE001 - reported with context
        raise ReceptiveFieldError(
            f"cannot rebuild model {model.name!r} for the brute-force check: {exc}"
        ) from exc
    rng = np.random.default_rng(0)
    for w in clone.weights:
        name = w.name.split("/")[-1].split(":")[0]
        shape = tuple(w.shape)
        if name in ("bias", "beta", "moving_mean", "mean"):
            val = np.zeros(shape)
        elif name in ("gamma", "moving_variance", "variance"):
            val = np.ones(shape)
        elif name.endswith("kernel") or name == "embeddings":
            fan_in = max(int(np.prod(shape[:-1])), 1)
            if "depthwise" in name:
                fan_in = max(int(np.prod(shape[:-2])), 1)
            val = rng.uniform(0.5, 1.5, shape) / fan_in
        elif name == "count":
            continue
        else:
            val = np.abs(w.numpy()) + 0.1
        w.assign(val.astype(w.dtype.as_numpy_dtype))
    return clone


def _unit_function(clone, key: str):
    """A callable x -> output of layer ``key`` ("outer/inner" reaches into nested models)."""
    from .._env import tensorflow

    keras = tensorflow().keras
    parts = key.split("/")
    model, fns = clone, []
    for depth, part in enumerate(parts):
        base = part.split("#")[0]
        if depth == len(parts) - 1 and base not in [lyr.name for lyr in model.layers]:
            # an input layer (Sequential models do not list it among their layers)
            if base in [lyr.name for lyr in getattr(model, "_input_layers", [])]:
                break
        layer = model.get_layer(base)
        if depth == len(parts) - 1:
            fns.append(keras.Model(model.inputs, layer.output))
            break
        node = next(n for d in model._nodes_by_depth.values() for n in d if n.layer is layer)
        ins = _flat(node.keras_inputs)
        fns.append(keras.Model(model.inputs, ins[0] if len(ins) == 1 else ins))
        model = layer

    def f(x):
        for g in fns:
            x = g(x)
        return x

    return f


def brute_force(
    model,
    layer: str | int | Sequence | None = None,
    *,
    input_size: Sequence[int] | int | None = None,
    n_units: int = 17,
    batch: int | None = None,
    seed: int = 0,
):
    """Receptive field of a layer measured from the support of input gradients.

    An independent check of :func:`receptive_field`: the model is rebuilt with
    positive weights, zero biases, unit batch-normalisation statistics and max
    pooling replaced by average pooling (so no path is silenced), in float64 (float32 where a kernel
    lacks float64), and fed positive inputs (so ReLUs stay active). For ``n_units`` units on a
    diagonal through the centre of the layer, the gradient of the unit (summed
    over channels) with respect to the input is computed; the pixels where it is
    non-zero are the unit's receptive field, and its bounding box gives the size.
    Units whose box touches the input border are skipped (clipped boxes).

    Parameters
    ----------
    model : keras.Model or list of str
        A list of layer names is first turned into a 2-D model by :func:`build_stack`.
    layer : str, int or list, optional
        One layer (returns an :class:`RF`), several, or None for every layer
        (returns ``{name: RF}``).
    input_size : int or sequence of int, optional
        Spatial size of the input used for the check (default: the model's own,
        or, if it accepts any size, one large enough for the layer's theoretical
        field, rounded up to a multiple of 64).
    n_units : int
        Units along the diagonal (default 17, enough to see periods up to 8 twice).
    batch : int, optional
        Units per gradient evaluation (default: chosen from the input size).

    Returns
    -------
    RF or dict
        ``size`` and ``min_size`` over the checked units; ``stride``, ``padding``
        and ``center`` from the smallest period seen in the box positions
        (estimates; None where they cannot be estimated).

    Raises
    ------
    ReceptiveFieldError
        If no checked unit has a box away from the border (use a larger ``input_size``).

    Examples
    --------
    >>> brute_force(["conv3", "pool2", "conv3"], -1).size
    (8, 8)
    """
    from .._env import tensorflow

    tf = tensorflow()
    if isinstance(model, (list, tuple, str)):
        from ..models import build_stack  # models builds from rf's layer names: import late

        specs = [model] if isinstance(model, str) else list(model)
        theo = receptive_field(specs, ndim=2)
        need = max(max(r.size) for r in theo.values())
        input_size = input_size or int(64 * math.ceil((3 * need + 16) / 64))
        model = build_stack(specs, input_size=None, ndim=2, filters=2)
    states, in_size = _states(model)
    if layer is None or isinstance(layer, (list, tuple)):
        keys = list(states) if layer is None else [_resolve(states, lyr) for lyr in layer]
    else:
        keys = [_resolve(states, layer)]
    nd = len(in_size)
    if input_size is None:
        if any(s is None for s in in_size):
            need = 1
            for k in keys:
                theo = _to_rf(states[k][0], in_size)
                need = max(need, 64 if theo.whole_input else max(theo.size))
            input_size = int(64 * math.ceil((3 * need + 16) / 64))
        else:
            input_size = in_size
    spatial = (input_size,) * nd if isinstance(input_size, int) else tuple(input_size)
    new_size = spatial if tuple(spatial) != tuple(in_size) else None
    try:
        clone = _positive_clone(model, new_size)
        out = {k: _brute_one(clone, k, spatial, n_units, batch, seed) for k in keys}
    except (tf.errors.NotFoundError, tf.errors.InvalidArgumentError):
        # a few kernels (e.g. 3-D average pooling) exist only in float32 on the CPU
        clone = _positive_clone(model, new_size, "float32")
        out = {k: _brute_one(clone, k, spatial, n_units, batch, seed) for k in keys}
    if layer is None or isinstance(layer, (list, tuple)):
        return out
    return out[keys[0]]


def verify(model, *, input_size: Sequence[int] | int | None = None, n_units: int = 17):
    """Exact receptive fields side by side with the brute-force check, one row per layer.

    Parameters
    ----------
    model : keras.Model or list of str
    input_size : int or sequence of int, optional
        Input size of the brute-force run (see :func:`brute_force`).

    Returns
    -------
    pandas.DataFrame
        ``layer, size, min_size, brute_size, brute_min_size, agree``; sizes of
        square fields are shown once.

    Examples
    --------
    >>> verify(["conv3", "pool2"])[["layer", "size", "brute_size", "agree"]]
         layer size brute_size  agree
    0    input    1          1   True
    1  1_conv3    3          3   True
    2  2_pool2    4          4   True
    """
    import pandas as pd

    if isinstance(model, (list, tuple, str)):
        from ..models import build_stack  # models builds from rf's layer names: import late

        specs = [model] if isinstance(model, str) else list(model)
        need = max(max(r.size) for r in receptive_field(specs, ndim=2).values())
        n = input_size or int(64 * math.ceil((3 * need + 16) / 64))
        model = build_stack(specs, input_size=n, filters=2)
        input_size = None
    exact = receptive_field(model)
    brute = brute_force(model, None, input_size=input_size, n_units=n_units)
    rows = []
    for name, r in exact.items():
        b = brute[name]
        rows.append(
            {
                "layer": name,
                "size": _fmt(r.size),
                "min_size": _fmt(r.min_size),
                "brute_size": _fmt(b.size),
                "brute_min_size": _fmt(b.min_size),
                "agree": (r.size, r.min_size) == (b.size, b.min_size),
            }
        )
    return pd.DataFrame(rows)


def _brute_one(clone, key, spatial, n_units, batch, seed) -> RF:
    from .._env import tensorflow

    tf = tensorflow()
    nd = len(spatial)
    f = _unit_function(clone, key)
    c_in = clone.inputs[0].shape[-1]
    rng = np.random.default_rng(seed)
    x0 = rng.uniform(0.5, 1.5, (1,) + spatial + (c_in,))
    y_shape = tuple(f(tf.constant(x0)).shape)
    lnd = len(y_shape) - 2
    if lnd <= 0 or lnd != nd:
        # a flat layer: one unit (Dense, pooling) or, where each unit is one
        # rearranged input value (Flatten, Reshape), the layer as a whole
        rearranged = key.split("/")[-1].split("#")[0] in _rearranging_layers(clone)
        with tf.GradientTape() as tape:
            x = tf.constant(x0)
            tape.watch(x)
            y = f(x)
            if rearranged:
                y = tf.reduce_sum(y[0])
            else:
                y = tf.reduce_sum(y[0, ..., 0] if lnd > 0 else y[0, 0])
        g = tape.gradient(y, x).numpy()[0]
        idx = np.nonzero(np.any(g != 0, axis=-1))
        size = tuple(int(i.max() - i.min() + 1) for i in idx)
        return RF(size, size, None, None, None, size == spatial, True)
    lay = y_shape[1:-1]
    m = min(n_units // 2, min(lay) // 4)
    ts = list(range(-m, m + 1))
    positions = [tuple(n_ // 2 + t for n_ in lay) for t in ts]
    if batch is None:
        width = max(int(np.prod(spatial)) * 64, 1)
        batch = int(max(1, min(len(positions), 4_000_000 // width)))
    boxes = []  # per unit: list per dim of (lo, hi) or None
    for start in range(0, len(positions), batch):
        chunk = positions[start : start + batch]
        x = tf.constant(np.repeat(x0, len(chunk), axis=0))
        idx = tf.constant([(b,) + p for b, p in enumerate(chunk)], dtype=tf.int32)
        with tf.GradientTape() as tape:
            tape.watch(x)
            total = tf.reduce_sum(tf.gather_nd(f(x), idx))
        g = tape.gradient(total, x).numpy()
        for b in range(len(chunk)):
            sup = np.any(g[b] != 0, axis=-1)
            per = []
            for d in range(nd):
                proj = np.any(sup, axis=tuple(a for a in range(nd) if a != d)) if nd > 1 else sup
                nz = np.nonzero(proj)[0]
                per.append(None if nz.size == 0 else (int(nz[0]), int(nz[-1])))
            boxes.append(per)
    size, min_size, stride, padding, center = [], [], [], [], []
    for d in range(nd):
        ok = [
            (t, b[d])
            for t, b in zip(ts, boxes)
            if b[d] is not None and b[d][0] > 0 and b[d][1] < spatial[d] - 1
        ]
        if not ok:
            raise ReceptiveFieldError(
                f"brute force for layer {key!r}: every checked unit's box touches the input border "
                f"in dimension {d}; pass a larger input_size (now {spatial})."
            )
        sizes = [hi - lo + 1 for _, (lo, hi) in ok]
        size.append(max(sizes))
        min_size.append(min(sizes))
        st, pad, cen = _period_estimate(dict(ok), lay[d] // 2)
        stride.append(st)
        padding.append(pad)
        center.append(cen)
    return RF(
        tuple(size), tuple(min_size), tuple(stride), tuple(padding), tuple(center), False, True
    )


def _rearranging_layers(model) -> set:
    names = set()
    for lyr in model.layers:
        if type(lyr).__name__ in ("Flatten", "Reshape", "RepeatVector"):
            names.add(lyr.name)
        if hasattr(lyr, "layers"):
            names |= _rearranging_layers(lyr)
    return names


def _period_estimate(boxes: dict, offset: int):
    """Stride, padding and centre of unit 0 from boxes {t: (lo, hi)} of units ``offset + t``."""
    ts = sorted(boxes)
    for per in range(1, len(ts) // 2 + 1):
        diffs = {
            (boxes[t + per][0] - boxes[t][0], boxes[t + per][1] - boxes[t][1])
            for t in ts
            if t + per in boxes
        }
        if len(diffs) != 1:
            continue
        ((dl, dh),) = diffs
        if dl != dh or dl <= 0:
            continue
        s = Fraction(dl, per)
        for t in ts:
            j = offset + t
            if j % per == 0:
                lo, hi = boxes[t]
                k = j // per
                return (
                    (int(s) if s.denominator == 1 else s),
                    -(lo - k * dl),
                    Fraction(lo + hi - 2 * k * dl, 2),
                )
        return (int(s) if s.denominator == 1 else s), None, None
    return None, None, None
