"""Walking Keras models: one periodic-linear state per layer, through nested models and merges.

Only code that receives a Keras model comes here; nothing is imported from
TensorFlow (the layers are read by their class names and configurations).
"""

from __future__ import annotations

import math

from ..errors import ReceptiveFieldError
from ._intervals import (
    _IDENTITY,
    _WHOLE,
    _bilinear,
    _compose,
    _nearest,
    _shift,
    _State,
    _transpose,
    _transpose_pad,
    _union,
    _window,
    _window_pad,
)
from ._spec import _spec_states

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
