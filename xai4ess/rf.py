"""Receptive fields of convolutional networks: exact, brute-force checked, and effective.

The *theoretical receptive field* (TRF) of a unit is the set of input pixels
connected to it through the network; its *size* is the side of the smallest
box containing that set (Araujo, Norris & Sim 2019). This module computes it
exactly for every layer of a Keras model (or of a compact layer list such as
``["conv3", "pool2", "conv3"]``), checks it independently from the support of
input gradients (:func:`brute_force`), and measures the *effective* receptive
field (Luo et al. 2016), the part of the TRF that actually matters.

How the exact computation works
-------------------------------
For each layer and each spatial dimension the module keeps, for every unit
index ``j`` of that layer (any integer, the input being thought of as
infinite, so that boxes are not clipped at the border), the interval
``[lo(j), hi(j)]`` of input pixels that can reach unit ``j``. These functions
are *periodic-linear*: ``lo(j + P) = lo(j) + Q`` for a period ``P`` and a shift
``Q``; the effective stride is ``Q / P``. They are stored over one period with
exact integer arithmetic and composed layer by layer (a unit's interval is the
hull of the intervals of the units it reads). The textbook recurrences

.. math:: r_l = r_{l-1} + (k_l - 1)\\, j_{l-1}, \\qquad j_l = j_{l-1} s_l

are the special case ``P = 1``; after an upsampling layer the period exceeds one,
the box size depends on the position of the unit, and the recurrences are no
longer exact. :attr:`RF.size` is the maximum over units, :attr:`RF.min_size`
the minimum.

Only this module's pure-Python functions run without TensorFlow: passing a
layer list (see :func:`parse_layer`) never imports it.

Examples
--------
>>> from xai4ess import rf
>>> rf.receptive_field(["conv3", "pool2", "conv3"], layer=-1).size
(8,)
>>> rf.receptive_field(["pool2", "pool2", "up2", "up2", "conv3"], layer=-1)[:2]
((8,), (4,))
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from dataclasses import dataclass
from fractions import Fraction
from typing import NamedTuple

import numpy as np

from .errors import ReceptiveFieldError

__all__ = [
    "RF",
    "receptive_field",
    "table",
    "box",
    "box_sizes",
    "brute_force",
    "verify",
    "effective_receptive_field",
    "erf_size",
    "build_stack",
    "parse_layer",
    "count_params",
    "SPEC_HELP",
]


class RF(NamedTuple):
    """The theoretical receptive field of one layer (one entry per spatial dimension).

    Attributes
    ----------
    size : tuple of int
        Side, in input pixels, of the smallest box containing every input pixel
        connected to one unit, maximised over the layer's units; theoretical, so
        it may exceed the input. For a whole-input layer: the input's size.
    min_size : tuple of int
        The same minimised over units (away from the borders). Equal to ``size``
        unless upsampling makes the box depend on the unit's position.
    stride : tuple of int or Fraction
        Effective stride (jump): input pixels between neighbouring units.
        A :class:`fractions.Fraction` when below one (after upsampling).
    padding : tuple of int
        Effective padding (Araujo et al. 2019): how far the box of unit 0 starts
        before the first input pixel, ``-lo(0)``.
    center : tuple of Fraction
        Centre of the box of unit 0, in input pixel coordinates.
    whole_input : bool
        True after Flatten, global pooling, Reshape or a dense layer on a flat
        vector: each unit sees the whole input, and ``stride``, ``padding`` and
        ``center`` are None.
    aligned : bool
        False if a merge (Add, Concatenate, ...) upstream joined paths whose
        boxes are not centred on the same pixel; the sizes are still exact (the
        hull of the union), but the paths see differently centred regions.
    """

    size: tuple
    min_size: tuple
    stride: tuple | None
    padding: tuple | None
    center: tuple | None
    whole_input: bool = False
    aligned: bool = True

    @property
    def position_dependent(self) -> bool:
        """True if the box size depends on the unit's position (``min_size != size``)."""
        return self.size != self.min_size


# --------------------------------------------------------------------------
# exact arithmetic on periodic-linear interval maps
# --------------------------------------------------------------------------


@dataclass(frozen=True)
class _Local:
    """One layer in one dimension: output unit ``o`` reads input units ``reads[o % p] + (o // p) * q``."""

    p: int
    q: int
    reads: tuple  # tuple (length p) of tuples of int offsets


@dataclass(frozen=True)
class _Map:
    """Unit ``j`` of a layer -> inclusive input interval; ``lo(j + P) = lo(j) + Q``."""

    period: int
    shift: int
    lo: tuple  # length period, int or None (unit connected to nothing)
    hi: tuple

    def at(self, j: int):
        r, k = j % self.period, j // self.period
        if self.lo[r] is None:
            return None
        return self.lo[r] + k * self.shift, self.hi[r] + k * self.shift

    @property
    def stride(self) -> Fraction:
        return Fraction(self.shift, self.period)


_IDENTITY = _Map(1, 1, (0,), (0,))


def _reduce(m: _Map) -> _Map:
    """The same map with its smallest period."""
    P, Q = m.period, m.shift
    for d in range(1, P):
        if P % d or (Q * d) % P:
            continue
        sh = Q * d // P
        if all(
            (m.lo[j] is None and m.lo[j + d] is None)
            or (
                m.lo[j] is not None
                and m.lo[j + d] is not None
                and m.lo[j + d] == m.lo[j] + sh
                and m.hi[j + d] == m.hi[j] + sh
            )
            for j in range(P - d)
        ):
            return _Map(d, sh, m.lo[:d], m.hi[:d])
    return m


def _hull(boxes):
    boxes = [b for b in boxes if b is not None]
    if not boxes:
        return None, None
    return min(b[0] for b in boxes), max(b[1] for b in boxes)


def _compose(f: _Map, loc: _Local) -> _Map:
    """The map of a layer reading ``loc`` from a layer whose map is ``f``."""
    m = f.period // math.gcd(loc.q, f.period)
    period = m * loc.p
    shift = m * loc.q * f.shift // f.period
    lo, hi = [], []
    for j in range(period):
        o, k = j % loc.p, j // loc.p
        a, b = _hull(f.at(i + k * loc.q) for i in loc.reads[o])
        lo.append(a)
        hi.append(b)
    return _reduce(_Map(period, shift, tuple(lo), tuple(hi)))


def _union(maps: Sequence[_Map], where: str) -> _Map:
    strides = {m.stride for m in maps}
    if len(strides) > 1:
        raise ReceptiveFieldError(
            f"{where}: the merged paths have different effective strides "
            f"({', '.join(str(s) for s in sorted(strides))} input pixels per unit), so the "
            "same unit index sees differently spaced regions on each path; the receptive "
            "field is not defined for this merge."
        )
    stride = strides.pop()
    period = math.lcm(*(m.period for m in maps))
    period = math.lcm(period, stride.denominator)
    shift = int(stride * period)
    lo, hi = [], []
    for j in range(period):
        a, b = _hull(m.at(j) for m in maps)
        lo.append(a)
        hi.append(b)
    return _reduce(_Map(period, shift, tuple(lo), tuple(hi)))


@dataclass(frozen=True)
class _State:
    maps: tuple | None  # one _Map per spatial dim, or None for "whole input"
    aligned: bool = True

    @property
    def whole(self) -> bool:
        return self.maps is None


_WHOLE = _State(None)


def _to_rf(state: _State, input_size: tuple) -> RF:
    if state.whole:
        return RF(tuple(input_size), tuple(input_size), None, None, None, True, state.aligned)
    size, min_size, stride, padding, center = [], [], [], [], []
    for m in state.maps:
        sizes = [h - lo + 1 for lo, h in zip(m.lo, m.hi) if lo is not None]
        size.append(max(sizes) if sizes else 0)
        min_size.append(min(sizes) if sizes else 0)
        s = m.stride
        stride.append(int(s) if s.denominator == 1 else s)
        b0 = m.at(0)
        padding.append(None if b0 is None else -b0[0])
        center.append(None if b0 is None else Fraction(b0[0] + b0[1], 2))
    return RF(
        tuple(size),
        tuple(min_size),
        tuple(stride),
        tuple(padding),
        tuple(center),
        False,
        state.aligned,
    )


# --------------------------------------------------------------------------
# elementary layers (one _Local per dimension)
# --------------------------------------------------------------------------


def _same_pad(n: int | None, k_eff: int, s: int) -> int:
    """Padding before the first pixel for TensorFlow's 'same' (out = ceil(n / s))."""
    if n is None:  # unknown size: assume divisible by the stride
        total = max(k_eff - s, 0)
    else:
        out = -(-n // s)
        total = max((out - 1) * s + k_eff - n, 0)
    return total // 2


def _out_len(kind: str, n: int | None, k: int, s: int, d: int, padding: str) -> int | None:
    if n is None:
        return None
    k_eff = d * (k - 1) + 1
    if kind == "window":
        if padding in ("same", "causal"):
            return -(-n // s)
        return max((n - k_eff) // s + 1, 0)
    if kind == "transpose":
        return n * s if padding == "same" else n * s + max(k_eff - s, 0)
    raise AssertionError(kind)


def _window(k: int, s: int, d: int, pad_before: int) -> _Local:
    return _Local(1, s, (tuple(-pad_before + t * d for t in range(k)),))


def _window_pad(padding: str, n: int | None, k: int, s: int, d: int) -> int:
    k_eff = d * (k - 1) + 1
    if padding == "valid":
        return 0
    if padding == "same":
        return _same_pad(n, k_eff, s)
    if padding == "causal":
        return k_eff - 1
    raise ReceptiveFieldError(f"unknown padding {padding!r}")


def _transpose(k: int, s: int, d: int, pad_before: int) -> _Local:
    reads = []
    for o in range(s):
        reads.append(
            tuple(
                sorted(
                    {
                        (o + pad_before - t * d) // s
                        for t in range(k)
                        if (o + pad_before - t * d) % s == 0
                    }
                )
            )
        )
    return _Local(s, 1, tuple(reads))


def _transpose_pad(
    padding: str, n_in: int | None, n_out: int | None, k: int, s: int, d: int
) -> int:
    if padding == "valid":
        return 0
    k_eff = d * (k - 1) + 1
    if n_in is None or n_out is None:
        return max(k_eff - s, 0) // 2
    return max((n_in - 1) * s + k_eff - n_out, 0) // 2


def _nearest(u: int) -> _Local:
    return _Local(u, 1, tuple((0,) for _ in range(u)))


def _bilinear(u: int) -> _Local:
    # tf.image.resize (half-pixel centres): output o samples input (o + 1/2) / u - 1/2
    reads = []
    for o in range(u):
        src = Fraction(2 * o + 1, 2 * u) - Fraction(1, 2)
        lo, hi = math.floor(src), math.ceil(src)
        reads.append((lo,) if lo == hi else (lo, hi))
    return _Local(u, 1, tuple(reads))


def _shift(c: int) -> _Local:
    return _Local(1, 1, ((c,),))


# --------------------------------------------------------------------------
# compact layer lists ("conv3", "pool2", "up2", ...)
# --------------------------------------------------------------------------

SPEC_HELP = """Compact layer names accepted by receptive_field, build_stack and the widgets:
  conv3, conv5, conv3s2 (stride 2), conv3d2 (dilation 2), conv3-valid (no padding)
  pool2 / maxpool2, avgpool2, pool3s2 (window 3, stride 2)
  up2 (nearest upsampling), bilinear2 (bilinear upsampling)
  deconv3s2 (transposed convolution, kernel 3, stride 2)
All convolutions use 'same' padding unless '-valid' is appended."""

_SPEC_CONV = re.compile(r"^(conv|deconv)(\d+)(?:s(\d+))?(?:d(\d+))?(-valid)?$")
_SPEC_POOL = re.compile(r"^(pool|maxpool|avgpool)(\d+)(?:s(\d+))?(-valid|-same)?$")
_SPEC_UP = re.compile(r"^(up|bilinear)(\d+)$")


def parse_layer(spec: str) -> dict:
    """Parse one compact layer name into a dict of its parameters.

    Parameters
    ----------
    spec : str
        See :data:`SPEC_HELP`, e.g. ``"conv3"``, ``"conv3d2"``, ``"pool2"``, ``"up2"``.

    Returns
    -------
    dict
        ``kind`` ("conv", "deconv", "maxpool", "avgpool", "up", "bilinear"),
        ``k``, ``s``, ``d``, ``padding``.

    Examples
    --------
    >>> parse_layer("conv3s2")["s"]
    2
    """
    text = str(spec).strip().lower().replace(" ", "")
    m = _SPEC_CONV.match(text)
    if m:
        kind, k, s, d, valid = m.groups()
        s_default = 1
        return {
            "kind": kind,
            "k": int(k),
            "s": int(s or s_default),
            "d": int(d or 1),
            "padding": "valid" if valid else "same",
        }
    m = _SPEC_POOL.match(text)
    if m:
        kind, k, s, pad = m.groups()
        kind = "avgpool" if kind == "avgpool" else "maxpool"
        return {
            "kind": kind,
            "k": int(k),
            "s": int(s or k),
            "d": 1,
            "padding": "same" if pad == "-same" else "valid",
        }
    m = _SPEC_UP.match(text)
    if m:
        kind, u = m.groups()
        return {"kind": kind, "k": int(u), "s": int(u), "d": 1, "padding": "same"}
    raise ReceptiveFieldError(f"cannot read the layer name {spec!r}.\n{SPEC_HELP}")


def _spec_local(p: dict, n: int | None) -> tuple[_Local, int | None]:
    kind, k, s, d, padding = p["kind"], p["k"], p["s"], p["d"], p["padding"]
    if kind in ("conv", "maxpool", "avgpool"):
        return _window(k, s, d, _window_pad(padding, n, k, s, d)), _out_len(
            "window", n, k, s, d, padding
        )
    if kind == "deconv":
        n_out = _out_len("transpose", n, k, s, d, padding)
        return _transpose(k, s, d, _transpose_pad(padding, n, n_out, k, s, d)), n_out
    if kind == "up":
        return _nearest(k), None if n is None else n * k
    if kind == "bilinear":
        return _bilinear(k), None if n is None else n * k
    raise AssertionError(kind)


def _spec_states(specs: Sequence[str], input_size, ndim: int):
    if isinstance(specs, str):
        specs = [specs]
    sizes = list(input_size) if input_size is not None else [None] * ndim
    state = _State(tuple(_IDENTITY for _ in sizes))
    out = {"input": (state, "Input", tuple(sizes))}
    for i, spec in enumerate(specs, 1):
        p = parse_layer(spec)
        maps, new_sizes = [], []
        for m, n in zip(state.maps, sizes):
            loc, n_out = _spec_local(p, n)
            maps.append(_compose(m, loc))
            new_sizes.append(n_out)
        state, sizes = _State(tuple(maps)), new_sizes
        out[f"{i}_{spec}"] = (state, spec, tuple(sizes))
    return out, tuple(input_size) if input_size is not None else (None,) * ndim


# --------------------------------------------------------------------------
# Keras models
# --------------------------------------------------------------------------

_ELEMENTWISE = {
    "InputLayer",
    "BatchNormalization",
    "SyncBatchNormalization",
    "Dropout",
    "SpatialDropout1D",
    "SpatialDropout2D",
    "SpatialDropout3D",
    "GaussianNoise",
    "GaussianDropout",
    "AlphaDropout",
    "Activation",
    "ReLU",
    "LeakyReLU",
    "PReLU",
    "ELU",
    "ThresholdedReLU",
    "Rescaling",
    "ActivityRegularization",
    "Masking",
    "Identity",
    "GroupNormalization",
    "UnitNormalization",
    "Softmax",
    "LayerNormalization",
    "Normalization",
    "TFOpLambda_identity",
}
_WHOLE_LAYERS = {
    "Flatten",
    "Reshape",
    "GlobalAveragePooling1D",
    "GlobalAveragePooling2D",
    "GlobalAveragePooling3D",
    "GlobalMaxPooling1D",
    "GlobalMaxPooling2D",
    "GlobalMaxPooling3D",
    "RepeatVector",
}
_MERGES = {"Add", "Subtract", "Multiply", "Average", "Maximum", "Minimum", "Concatenate"}


def _is(layer, name: str) -> bool:
    return any(c.__name__ == name for c in type(layer).__mro__)


def _spatial(shape) -> tuple:
    shape = tuple(shape)
    return tuple(shape[1:-1])


def _tuple(v, n: int) -> tuple:
    if isinstance(v, int):
        return (v,) * n
    return tuple(v)


def _pairs(v, n: int) -> tuple:
    """ZeroPadding/Cropping argument -> ((before, after), ...) per dimension."""
    if isinstance(v, int):
        return ((v, v),) * n
    v = tuple(v)
    if n == 1 and len(v) == 2 and all(isinstance(a, int) for a in v):
        return (v,)
    return tuple((a, a) if isinstance(a, int) else tuple(a) for a in v)


def _unsupported(layer, why: str = "") -> ReceptiveFieldError:
    return ReceptiveFieldError(
        f"layer {layer.name!r} of type {type(layer).__name__} is not supported by xai4ess.rf"
        + (f": {why}" if why else "")
        + ". Supported: convolutions (incl. transposed, depthwise, separable), pooling, "
        "upsampling (nearest, bilinear), zero padding, cropping, element-wise layers, "
        "merges, Flatten/Dense/global pooling."
    )


def _layer_locals(layer, in_shape, out_shape):
    """Per-dimension _Local list for a spatial layer, 'identity', or 'whole'."""
    name = type(layer).__name__
    if getattr(layer, "data_format", "channels_last") == "channels_first":
        raise _unsupported(layer, "channels_first data format")
    nd = len(in_shape) - 2
    n_in = _spatial(in_shape)
    n_out = _spatial(out_shape)
    if _is(layer, "Conv"):
        k = _tuple(layer.kernel_size, nd)
        s = _tuple(layer.strides, nd)
        d = _tuple(layer.dilation_rate, nd)
        if any(x > 1 for x in s) and any(x > 1 for x in d):
            raise _unsupported(layer, "strides and dilation together")
        if "Transpose" in name:
            return [
                _transpose(
                    k[i],
                    s[i],
                    d[i],
                    _transpose_pad(layer.padding, n_in[i], n_out[i], k[i], s[i], d[i]),
                )
                for i in range(nd)
            ]
        return [
            _window(k[i], s[i], d[i], _window_pad(layer.padding, n_in[i], k[i], s[i], d[i]))
            for i in range(nd)
        ]
    if _is(layer, "Pooling1D") or _is(layer, "Pooling2D") or _is(layer, "Pooling3D"):
        k = _tuple(layer.pool_size, nd)
        s = _tuple(layer.strides, nd)
        return [
            _window(k[i], s[i], 1, _window_pad(layer.padding, n_in[i], k[i], s[i], 1))
            for i in range(nd)
        ]
    if name.startswith("UpSampling"):
        u = _tuple(layer.size, nd)
        interp = getattr(layer, "interpolation", "nearest")
        if interp == "nearest":
            return [_nearest(x) for x in u]
        if interp == "bilinear":
            return [_bilinear(x) for x in u]
        raise _unsupported(layer, f"interpolation {interp!r} (only 'nearest' and 'bilinear')")
    if name.startswith("ZeroPadding"):
        return [_shift(-a) for a, _ in _pairs(layer.padding, nd)]
    if name.startswith("Cropping"):
        return [_shift(a) for a, _ in _pairs(layer.cropping, nd)]
    if name in _WHOLE_LAYERS or any(_is(layer, w) for w in _WHOLE_LAYERS):
        return "whole"
    if _is(layer, "Dense") or _is(layer, "EinsumDense"):
        return "whole" if nd < 1 else "identity"  # Dense acts on the last (channel) axis
    if name in _ELEMENTWISE or any(_is(layer, e) for e in _ELEMENTWISE):
        if name in ("Softmax", "LayerNormalization", "UnitNormalization", "Normalization"):
            axes = getattr(layer, "axis", -1)
            axes = [axes] if isinstance(axes, int) else list(axes or [])
            rank = len(in_shape)
            if any((a % rank) not in (0, rank - 1) for a in axes):
                return "whole"
        return "identity"
    raise _unsupported(layer)


def _merge(layer, states, where, rank: int):
    if _is(layer, "Concatenate") and layer.axis % rank != rank - 1:
        raise _unsupported(layer, "concatenation along a spatial axis")
    if any(s.whole for s in states):
        return _WHOLE
    nds = {len(s.maps) for s in states}
    if len(nds) > 1:
        raise ReceptiveFieldError(
            f"{where}: merged tensors have different numbers of spatial dimensions"
        )
    nd = nds.pop()
    maps = tuple(_union([s.maps[i] for s in states], where) for i in range(nd))
    aligned = all(s.aligned for s in states)
    for i in range(nd):
        period = math.lcm(*(s.maps[i].period for s in states))
        for j in range(period):
            centres = {sum(b) for b in (s.maps[i].at(j) for s in states) if b is not None}
            if len(centres) > 1:
                aligned = False
    return _State(maps, aligned)


def _flat(x):
    if isinstance(x, (list, tuple)):
        out = []
        for v in x:
            out.extend(_flat(v))
        return out
    if isinstance(x, dict):
        return _flat(list(x.values()))
    return [x]


def _walk(model, in_states: list, prefix: str, out: dict):
    """Propagate states through a functional model; fill ``out`` {name: (state, type, size)}."""
    if not hasattr(model, "_nodes_by_depth") or model.inputs is None:
        raise ReceptiveFieldError(
            f"model {getattr(model, 'name', model)!r} is not a built functional or Sequential "
            "Keras model (subclassed models and unbuilt Sequential models have no layer graph); "
            "build it with keras.Input(...) first."
        )
    tensors = {}
    for t, s in zip(model.inputs, in_states):
        tensors[id(t)] = s
    seen: dict[str, int] = {}
    for depth in sorted(model._nodes_by_depth, reverse=True):
        for node in model._nodes_by_depth[depth]:
            layer = node.layer
            outputs = _flat(node.outputs)
            key = prefix + layer.name
            seen[key] = seen.get(key, 0) + 1
            if seen[key] > 1:
                key = f"{key}#{seen[key]}"
            if node.is_input:
                st = tensors.get(id(outputs[0]))
                if st is None:
                    raise ReceptiveFieldError(f"input {layer.name!r} is not connected")
                out[key] = (st, type(layer).__name__, _spatial(outputs[0].shape))
                continue
            ins = _flat(node.keras_inputs)
            try:
                states = [tensors[id(t)] for t in ins]
            except KeyError:
                raise ReceptiveFieldError(
                    f"layer {key!r}: an input tensor does not come from the model input"
                ) from None
            if hasattr(layer, "_nodes_by_depth") and hasattr(layer, "layers"):  # nested model
                res = _walk(layer, states, key + "/", out)
                for t, s in zip(outputs, res):
                    tensors[id(t)] = s
                out[key] = (res[0], type(layer).__name__, _spatial(outputs[0].shape))
                continue
            if len(states) > 1 or type(layer).__name__ in _MERGES:
                st = (
                    _merge(layer, states, f"merge layer {key!r}", len(outputs[0].shape))
                    if len(states) > 1
                    else states[0]
                )
            else:
                st = states[0]
                if not st.whole:
                    loc = _layer_locals(layer, tuple(ins[0].shape), tuple(outputs[0].shape))
                    if loc == "whole":
                        st = _WHOLE
                    elif loc != "identity":
                        if len(loc) != len(st.maps):
                            raise _unsupported(layer, "it changes the number of spatial dimensions")
                        st = _State(
                            tuple(_compose(m, lc) for m, lc in zip(st.maps, loc)), st.aligned
                        )
                elif type(layer).__name__ not in _ELEMENTWISE | _WHOLE_LAYERS | {"Dense"}:
                    _layer_locals(
                        layer, tuple(ins[0].shape), tuple(outputs[0].shape)
                    )  # raises if unsupported
            for t in outputs:
                tensors[id(t)] = st
            out[key] = (st, type(layer).__name__, _spatial(outputs[0].shape))
    return [tensors[id(t)] for t in _flat(model.outputs)]


def _states(model, input_size=None, ndim: int = 1):
    """{name: (state, type, output spatial size)} and the input's spatial size."""
    if isinstance(model, (list, tuple, str)):
        return _spec_states(model, input_size, ndim)
    if not hasattr(model, "layers"):
        raise ReceptiveFieldError(
            f"expected a Keras model or a list of layer names, got {type(model).__name__}"
        )
    inputs = getattr(model, "inputs", None)
    if not inputs:
        raise ReceptiveFieldError(
            "the model has no defined input; build it with keras.Input(...) first"
        )
    in_states = []
    for t in inputs:
        nd = len(t.shape) - 2
        in_states.append(_State(tuple(_IDENTITY for _ in range(nd))) if nd >= 1 else _WHOLE)
    out: dict = {}
    _walk(model, in_states, "", out)
    return out, _spatial(inputs[0].shape)


def receptive_field(
    model, layer: str | int | None = None, *, input_size: Sequence[int] | None = None, ndim: int = 1
):
    """Exact theoretical receptive field of every layer (or of one layer).

    Parameters
    ----------
    model : keras.Model or list of str
        A functional or Sequential Keras model (nested models allowed, their
        layers are named ``"outer/inner"``), or a list of compact layer names
        such as ``["conv3", "pool2", "conv3"]`` (see :data:`SPEC_HELP`).
    layer : str or int, optional
        Name (or position in the returned order) of one layer; then only its
        :class:`RF` is returned.
    input_size : sequence of int, optional
        Only for layer lists: the input's spatial size (needed for the exact
        'same' padding of strided layers; default: sizes divisible by every stride).
    ndim : int
        Only for layer lists without ``input_size``: number of spatial dimensions.

    Returns
    -------
    dict or RF
        ``{layer name: RF}`` in topological order from the input to the output,
        or one :class:`RF`.

    Raises
    ------
    ReceptiveFieldError
        For an unsupported layer (the message names it and its type) or a merge
        of paths with different effective strides.

    Examples
    --------
    >>> receptive_field(["conv3", "conv3", "pool2"], layer=-1)
    RF(size=(6,), min_size=(6,), stride=(2,), padding=(2,), center=(Fraction(1, 2),), whole_input=False, aligned=True)
    """
    states, in_size = _states(model, input_size, ndim)
    rfs = {name: _to_rf(st, in_size) for name, (st, _, _) in states.items()}
    if layer is None:
        return rfs
    return rfs[_resolve(rfs, layer)]


def _resolve(names, layer) -> str:
    keys = list(names)
    if isinstance(layer, int):
        try:
            return keys[layer]
        except IndexError:
            raise ReceptiveFieldError(
                f"layer index {layer} out of range (0..{len(keys) - 1})"
            ) from None
    if layer in names:
        return layer
    tails = [k for k in keys if k.split("/")[-1] == layer]
    if len(tails) == 1:
        return tails[0]
    import difflib

    close = difflib.get_close_matches(str(layer), keys, n=3)
    raise ReceptiveFieldError(
        f"no layer named {layer!r}" + (f"; did you mean {close}?" if close else f"; layers: {keys}")
    )


def box(
    model,
    layer: str | int,
    position: Sequence[int],
    *,
    clip: bool = False,
    input_size=None,
    ndim: int = 1,
):
    """The input box of one unit: ``((lo, hi), ...)`` inclusive, one pair per spatial dimension.

    Parameters
    ----------
    model : keras.Model or list of str
    layer : str or int
        Layer name (or index in :func:`receptive_field` order).
    position : sequence of int
        The unit's index in that layer's output, e.g. ``(row, col)``.
    clip : bool
        Clip the box to the input (otherwise the theoretical box, which may
        extend beyond the border).

    Returns
    -------
    tuple of (int, int)
        ``None`` for a unit connected to no input pixel. For a whole-input
        layer, the whole input.

    Examples
    --------
    >>> box(["conv3", "pool2"], -1, (5,))
    ((9, 12),)
    """
    states, in_size = _states(model, input_size, ndim)
    st = states[_resolve(states, layer)][0]
    position = tuple(np.atleast_1d(position).tolist())
    if st.whole:
        if any(n is None for n in in_size):
            raise ReceptiveFieldError("whole-input layer of a model without a fixed input size")
        return tuple((0, n - 1) for n in in_size)
    if len(position) != len(st.maps):
        raise ReceptiveFieldError(f"position needs {len(st.maps)} indices, got {len(position)}")
    out = []
    for m, j, n in zip(st.maps, position, in_size):
        b = m.at(int(j))
        if b is None:
            return None
        if clip and n is not None:
            b = (max(b[0], 0), min(b[1], n - 1))
        out.append(b)
    return tuple(out)


def box_sizes(
    model, layer: str | int, rows: Sequence[int], cols: Sequence[int], *, input_size=None
):
    """TRF box sides of a block of units of a 2-D layer: ``(len(rows), len(cols), 2)`` ints.

    ``out[i, j] = (height, width)`` of the box of unit ``(rows[i], cols[j])``;
    0 for a unit connected to no input pixel.

    Examples
    --------
    >>> box_sizes(["pool2", "pool2", "up2", "up2", "conv3"] , -1, [0, 1], [2, 3], input_size=(64, 64))[..., 1]
    array([[4, 8],
           [4, 8]])
    """
    states, in_size = _states(model, input_size, 2)
    st = states[_resolve(states, layer)][0]
    if st.whole or len(st.maps) != 2:
        raise ReceptiveFieldError("box_sizes needs a layer with two spatial dimensions")
    out = np.zeros((len(rows), len(cols), 2), dtype=int)
    hs = [st.maps[0].at(int(r)) for r in rows]
    ws = [st.maps[1].at(int(c)) for c in cols]
    for i, h in enumerate(hs):
        for j, w in enumerate(ws):
            if h is not None and w is not None:
                out[i, j] = (h[1] - h[0] + 1, w[1] - w[0] + 1)
    return out


def _fmt(v) -> str:
    if v is None:
        return "-"
    items = [str(x) for x in v]
    return items[0] if len(set(items)) == 1 else "x".join(items)


def table(model, *, pixel_km: float | None = None, input_size=None, ndim: int = 1):
    """The receptive fields as a pandas DataFrame, one row per layer.

    Parameters
    ----------
    model : keras.Model or list of str
    pixel_km : float, optional
        Pixel size; adds columns with the TRF size in km.

    Returns
    -------
    pandas.DataFrame
        Columns ``layer, type, output, size, min_size, stride, padding, whole_input,
        aligned`` (and ``size_km``, ``min_size_km``). Square values are shown
        once (``38`` rather than ``38x38``).

    Examples
    --------
    >>> table(["conv3", "pool2"]).loc[2, "size"]
    '4'
    """
    import pandas as pd

    states, in_size = _states(model, input_size, ndim)
    rows = []
    for name, (st, typ, size) in states.items():
        r = _to_rf(st, in_size)
        row = {
            "layer": name,
            "type": typ,
            "output": _fmt(size) if size else "-",
            "size": "whole input" if r.whole_input else _fmt(r.size),
            "min_size": "whole input" if r.whole_input else _fmt(r.min_size),
            "stride": _fmt(r.stride),
            "padding": _fmt(r.padding),
            "whole_input": r.whole_input,
            "aligned": r.aligned,
        }
        if pixel_km is not None:
            row["size_km"] = None if r.whole_input else max(r.size) * pixel_km
            row["min_size_km"] = None if r.whole_input else max(r.min_size) * pixel_km
        rows.append(row)
    return pd.DataFrame(rows)


# --------------------------------------------------------------------------
# building small models from layer lists
# --------------------------------------------------------------------------


def build_stack(
    layers: Sequence[str],
    *,
    input_size: int | Sequence[int] | None = 64,
    channels: int = 1,
    filters: int = 8,
    ndim: int = 2,
    activation: str = "relu",
    name: str = "stack",
):
    """A Keras model made of the compact layer names (see :data:`SPEC_HELP`).

    Parameters
    ----------
    layers : list of str
        E.g. ``["conv3", "pool2", "conv3d2", "up2"]``.
    input_size : int or sequence of int or None
        Spatial input size (None: any size).
    channels, filters : int
        Input channels and filters of every convolution.
    ndim : int
        1, 2 or 3 spatial dimensions (bilinear upsampling needs 2).

    Returns
    -------
    keras.Model
        Layers are named ``"1_conv3"``-style like :func:`receptive_field` on the list.

    Examples
    --------
    >>> model = build_stack(["conv3", "pool2"], input_size=16)  # doctest: +SKIP
    """
    from ._env import tensorflow

    keras = tensorflow().keras
    L = keras.layers
    if isinstance(input_size, int) or input_size is None:
        input_size = (input_size,) * ndim
    conv = {1: L.Conv1D, 2: L.Conv2D, 3: L.Conv3D}[ndim]
    deconv = {2: L.Conv2DTranspose, 3: L.Conv3DTranspose}.get(ndim)
    maxp = {1: L.MaxPooling1D, 2: L.MaxPooling2D, 3: L.MaxPooling3D}[ndim]
    avgp = {1: L.AveragePooling1D, 2: L.AveragePooling2D, 3: L.AveragePooling3D}[ndim]
    up = {1: L.UpSampling1D, 2: L.UpSampling2D, 3: L.UpSampling3D}[ndim]
    x = inp = keras.Input(tuple(input_size) + (channels,), name="input")
    for i, spec in enumerate(layers, 1):
        p = parse_layer(spec)
        lname = f"{i}_{spec}"
        k, s, d = p["k"], p["s"], p["d"]
        if p["kind"] == "conv":
            x = conv(
                filters,
                k,
                strides=s,
                dilation_rate=d,
                padding=p["padding"],
                activation=activation,
                name=lname,
            )(x)
        elif p["kind"] == "deconv":
            if deconv is None:
                raise ReceptiveFieldError("transposed convolutions need ndim 2 or 3")
            x = deconv(
                filters,
                k,
                strides=s,
                dilation_rate=d,
                padding=p["padding"],
                activation=activation,
                name=lname,
            )(x)
        elif p["kind"] in ("maxpool", "avgpool"):
            x = (maxp if p["kind"] == "maxpool" else avgp)(
                k, strides=s, padding=p["padding"], name=lname
            )(x)
        elif p["kind"] == "up":
            x = up(k, name=lname)(x)
        else:
            if ndim != 2:
                raise ReceptiveFieldError("bilinear upsampling needs ndim=2")
            x = L.UpSampling2D(k, interpolation="bilinear", name=lname)(x)
    return keras.Model(inp, x, name=name)


def count_params(
    layers: Sequence[str], *, channels: int = 4, filters: int = 32, ndim: int = 2
) -> int:
    """Number of weights of :func:`build_stack` of ``layers`` (kernels and biases), without TensorFlow.

    Examples
    --------
    >>> count_params(["conv3", "pool2", "conv3"], channels=4, filters=32)
    10432
    """
    total, c = 0, channels
    for spec in layers:
        p = parse_layer(spec)
        if p["kind"] in ("conv", "deconv"):
            total += p["k"] ** ndim * c * filters + filters
            c = filters
    return total


# --------------------------------------------------------------------------
# brute force: support of input gradients
# --------------------------------------------------------------------------

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
    from ._env import tensorflow

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
    from ._env import tensorflow

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
    >>> brute_force(["conv3", "pool2", "conv3"], -1).size  # doctest: +SKIP
    (8, 8)
    """
    from ._env import tensorflow

    tf = tensorflow()
    if isinstance(model, (list, tuple, str)):
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
    >>> verify(["conv3", "pool2"])  # doctest: +SKIP
    """
    import pandas as pd

    if isinstance(model, (list, tuple, str)):
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
    from ._env import tensorflow

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


# --------------------------------------------------------------------------
# effective receptive field
# --------------------------------------------------------------------------


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
    >>> import xai4ess  # doctest: +SKIP
    >>> erf = effective_receptive_field(xai4ess.models.build("goes_mrms", size=64))  # doctest: +SKIP
    """
    from ._env import tensorflow

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
    units, windows = [pos], None
    if spacing:
        if len(lay) != 2:
            raise ReceptiveFieldError("spacing needs a layer with two spatial dimensions")
        key = layer if layer is not None else list(_states(model)[0])[-1]
        insize = (x.shape[1], x.shape[2])
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
