"""Keras 3 models as equivalent tf-keras (Keras 2) models, which iNNvestigate can explain.

On TensorFlow >= 2.16, ``import keras`` is Keras 3, while xai4ess (through
iNNvestigate) works on tf-keras, the Keras 2 that ``tf.keras`` stays with when
``TF_USE_LEGACY_KERAS=1``. :func:`from_keras3` rebuilds a Keras 3 model layer by
layer in tf-keras and copies its weights, so the two compute the same outputs.

Layer by layer, not from the saved config: tf-keras cannot read a Keras 3 config
(``batch_shape``, ``optional`` and the serialised dtype policies are unknown to
it). Supported: Dense, Conv1D/2D/3D, Conv2DTranspose, max/average pooling (1D,
2D, 3D), global pooling, Flatten, Reshape, Permute, Dropout, SpatialDropout,
BatchNormalization, Activation, ReLU, LeakyReLU, ELU, Softmax, UpSampling1D/2D,
ZeroPadding1D/2D, Cropping1D/2D, Add, Subtract, Multiply, Average, Maximum,
Minimum, Concatenate. A plain ``ReLU()`` layer becomes ``Activation("relu")`` and
a ``Softmax()`` over the last axis becomes ``Activation("softmax")`` (the same
function; iNNvestigate's LRP checks accept only the latter, and ``explain``
strips a final softmax only in that form). Names of layers and inputs are kept.

Examples
--------
>>> from xai4ess.keras3 import is_keras3_model
>>> is_keras3_model(object())
False
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from typing import Any

from .errors import KerasVersionError, UnsupportedModelError

# Keras 3 config keys passed on unchanged, per layer class.
_CONV = ("filters", "kernel_size", "strides", "padding", "data_format", "dilation_rate")
_POOL = ("pool_size", "strides", "padding", "data_format")
_GLOBAL = ("data_format", "keepdims")
_KEYS: dict[str, tuple[str, ...]] = {
    "Dense": ("units", "activation", "use_bias"),
    "Conv1D": (*_CONV, "groups", "activation", "use_bias"),
    "Conv2D": (*_CONV, "groups", "activation", "use_bias"),
    "Conv3D": (*_CONV, "groups", "activation", "use_bias"),
    "Conv2DTranspose": (*_CONV, "output_padding", "activation", "use_bias"),
    "MaxPooling1D": _POOL,
    "MaxPooling2D": _POOL,
    "MaxPooling3D": _POOL,
    "AveragePooling1D": _POOL,
    "AveragePooling2D": _POOL,
    "AveragePooling3D": _POOL,
    "GlobalAveragePooling1D": _GLOBAL,
    "GlobalAveragePooling2D": _GLOBAL,
    "GlobalAveragePooling3D": _GLOBAL,
    "GlobalMaxPooling1D": _GLOBAL,
    "GlobalMaxPooling2D": _GLOBAL,
    "GlobalMaxPooling3D": _GLOBAL,
    "Flatten": ("data_format",),
    "Reshape": ("target_shape",),
    "Permute": ("dims",),
    "Dropout": ("rate", "noise_shape", "seed"),
    "SpatialDropout1D": ("rate", "seed"),
    "SpatialDropout2D": ("rate", "data_format", "seed"),
    "BatchNormalization": ("axis", "momentum", "epsilon", "center", "scale"),
    "Activation": ("activation",),
    "ELU": ("alpha",),
    "UpSampling1D": ("size",),
    "UpSampling2D": ("size", "data_format", "interpolation"),
    "ZeroPadding1D": ("padding",),
    "ZeroPadding2D": ("padding", "data_format"),
    "Cropping1D": ("cropping",),
    "Cropping2D": ("cropping", "data_format"),
    "Add": (),
    "Subtract": (),
    "Multiply": (),
    "Average": (),
    "Maximum": (),
    "Minimum": (),
    "Concatenate": ("axis",),
}

# Activations that compute the same function in Keras 3 and tf-keras (checked by
# tests/unit/test_keras3.py). Keras 3's hard_sigmoid, for one, is not Keras 2's.
_ACTIVATIONS = frozenset(
    {
        "linear",
        "relu",
        "sigmoid",
        "softmax",
        "tanh",
        "elu",
        "selu",
        "softplus",
        "softsign",
        "swish",
        "silu",
        "gelu",
        "exponential",
    }
)


def supported_layers() -> list[str]:
    """Names of the Keras 3 layer classes :func:`from_keras3` converts.

    Examples
    --------
    >>> from xai4ess.keras3 import supported_layers
    >>> "Conv2D" in supported_layers() and "LSTM" not in supported_layers()
    True
    """
    return sorted({*_KEYS, "ReLU", "LeakyReLU", "Softmax", "InputLayer"})


def is_keras3_model(model: Any) -> bool:
    """Whether ``model`` is a Keras 3 model (never imports Keras or TensorFlow).

    Parameters
    ----------
    model : object
        Anything.

    Returns
    -------
    bool
        True for a model (or layer) made with Keras 3 (``import keras`` on
        TensorFlow >= 2.16); False for tf-keras and Keras 2 models and everything else.

    Examples
    --------
    >>> from xai4ess.keras3 import is_keras3_model
    >>> is_keras3_model("not a model")
    False
    """
    for cls in type(model).__mro__:
        top = cls.__module__.split(".")[0]
        if top == "keras":
            version = str(getattr(sys.modules.get("keras"), "__version__", "0"))
            return version.split(".")[0].isdigit() and int(version.split(".")[0]) >= 3
    return False


def _tf_keras():
    """tf.keras, which must be tf-keras (Keras 2) here."""
    from ._env import tensorflow

    tfk = tensorflow().keras
    impl = sys.modules.get(tfk.Model.__module__.split(".")[0])
    if str(getattr(impl, "__version__", "2")).startswith("3"):
        raise KerasVersionError(
            "tf.keras is Keras 3 in this Python process, so there is no Keras 2 to convert "
            "into. Restart the kernel and run `import xai4ess` before importing TensorFlow "
            "or Keras (or set TF_USE_LEGACY_KERAS=1 in the environment first); "
            "`python -m xai4ess setup` installs tf-keras if it is missing."
        )
    return tfk


def _policy_name(layer) -> str:
    policy = getattr(layer, "dtype_policy", None)
    return str(getattr(policy, "name", None) or getattr(layer, "dtype", None) or "float32")


def _activation(value, layer_name: str, cls: str):
    if value is None:
        return "linear"
    if isinstance(value, dict):  # a serialised function: only built-ins are known
        value = value.get("config", value.get("class_name"))
    name = value if isinstance(value, str) else getattr(value, "__name__", repr(value))
    if name not in _ACTIVATIONS:
        raise UnsupportedModelError(
            f"from_keras3: layer {layer_name!r} ({cls}) uses activation {name!r}, which has "
            f"no exact tf-keras counterpart here. Supported activations: "
            f"{', '.join(sorted(_ACTIVATIONS))}. Use one of those, or put the function in a "
            "separate layer that is supported."
        )
    return name


def _unsupported(layer_name: str, cls: str, why: str = "") -> UnsupportedModelError:
    return UnsupportedModelError(
        f"from_keras3: layer {layer_name!r} of type {cls} cannot be converted to tf-keras"
        f"{' (' + why + ')' if why else ''}. Supported layer types: "
        f"{', '.join(supported_layers())}. Rebuild the model with tf.keras after "
        "`import xai4ess` (tf.keras is then tf-keras), or replace that layer."
    )


def _convert_layer(layer, tfk) -> Any:
    """A new tf-keras layer computing what the Keras 3 ``layer`` computes (no weights yet)."""
    cls = type(layer).__name__
    name = layer.name
    if getattr(layer, "layers", None) is not None and hasattr(layer, "inputs"):
        raise _unsupported(name, cls, "a model nested inside the model; flatten it first")
    cfg = layer.get_config()
    common = {"name": name, "dtype": _policy_name(layer), "trainable": layer.trainable}
    L = tfk.layers
    if cls == "ReLU":
        slope = float(cfg.get("negative_slope") or 0.0)
        threshold = float(cfg.get("threshold") or 0.0)
        if cfg.get("max_value") is None and slope == 0.0 and threshold == 0.0:
            return L.Activation("relu", **common)
        return L.ReLU(
            max_value=cfg.get("max_value"), negative_slope=slope, threshold=threshold, **common
        )
    if cls == "LeakyReLU":
        slope = cfg.get("negative_slope", cfg.get("alpha", 0.3))
        return L.LeakyReLU(alpha=float(slope), **common)
    if cls == "Softmax":
        axis = cfg.get("axis", -1)
        if axis in (-1, [-1], (-1,)):
            return L.Activation("softmax", **common)
        return L.Softmax(axis=axis, **common)
    if cls not in _KEYS:
        raise _unsupported(name, cls)
    kwargs = {key: cfg[key] for key in _KEYS[cls] if key in cfg}
    if "activation" in kwargs:
        kwargs["activation"] = _activation(kwargs["activation"], name, cls)
    if cls in ("Dropout", "SpatialDropout1D", "SpatialDropout2D"):
        kwargs.pop("seed", None)  # inactive at inference; tf-keras seeds differently anyway
    if cls == "Conv2DTranspose" and kwargs.get("output_padding") is None:
        kwargs.pop("output_padding", None)
    if cls == "BatchNormalization" and cfg.get("renorm"):
        raise _unsupported(name, cls, "batch renormalisation")
    return getattr(L, cls)(**kwargs, **common)


def _copy_weights(src, dst, cls: str) -> None:
    weights = src.get_weights()
    if not dst.weights and not weights:
        return
    shapes_src = [tuple(w.shape) for w in weights]
    shapes_dst = [tuple(w.shape) for w in dst.weights]
    if shapes_src != shapes_dst:
        raise _unsupported(
            src.name, cls, f"its weights {shapes_src} do not fit the tf-keras layer's {shapes_dst}"
        )
    dst.set_weights(weights)


def _is_tensor_ref(obj) -> bool:
    return isinstance(obj, dict) and obj.get("class_name") == "__keras_tensor__"


def _map_refs(obj, fn: Callable):
    """Replace every serialised Keras tensor in a (nested) node argument by ``fn(history)``."""
    if _is_tensor_ref(obj):
        return fn(tuple(obj["config"]["keras_history"]))
    if isinstance(obj, list | tuple):
        return [_map_refs(o, fn) for o in obj]
    if isinstance(obj, dict):
        return {k: _map_refs(v, fn) for k, v in obj.items()}
    return obj


def _refs(obj) -> list[tuple]:
    found: list[tuple] = []
    _map_refs(obj, lambda h: found.append(h))
    return found


def _as_histories(spec) -> list[tuple]:
    """``input_layers`` / ``output_layers`` of a functional config as (name, node, index)."""
    if isinstance(spec, dict):
        raise UnsupportedModelError(
            "from_keras3: models with dict inputs or outputs are not supported; "
            "use a list of inputs/outputs."
        )
    if (
        isinstance(spec, list | tuple)
        and len(spec) == 3
        and isinstance(spec[0], str)
        and all(isinstance(v, int) for v in spec[1:])
    ):
        return [tuple(spec)]
    out: list[tuple] = []
    for item in spec:
        out.extend(_as_histories(item))
    return out


def _input(tfk, name: str, batch_shape, dtype) -> Any:
    return tfk.Input(batch_shape=tuple(batch_shape), dtype=dtype or "float32", name=name)


def _from_sequential(model, tfk):
    try:
        (k_in,) = model.inputs
    except (AttributeError, ValueError, TypeError):
        raise UnsupportedModelError(
            f"from_keras3: the Sequential model {model.name!r} has no input shape yet. "
            "Give it one (keras.Input(shape) as its first layer) or call it on a batch "
            "before converting."
        ) from None
    x = inp = _input(tfk, k_in.name, k_in.shape, k_in.dtype)
    for layer in model.layers:
        new = _convert_layer(layer, tfk)
        x = new(x)
        _copy_weights(layer, new, type(layer).__name__)
    return tfk.Model(inp, x, name=model.name)


def _from_functional(model, tfk):
    cfg = model.get_config()
    entries = cfg["layers"]
    tensors: dict[tuple, Any] = {}
    inputs = []
    pending = []  # (layer entry, node index, node) still to call
    for entry in entries:
        name = entry.get("name") or entry["config"]["name"]
        if entry["class_name"] == "InputLayer":
            c = entry["config"]
            shape = c.get("batch_shape") or c.get("batch_input_shape")
            tensors[(name, 0, 0)] = _input(tfk, name, shape, c.get("dtype"))
            continue
        for i, node in enumerate(entry.get("inbound_nodes", [])):
            pending.append((name, entry["class_name"], i, node))
    converted: dict[str, Any] = {}
    while pending:
        rest = []
        for name, cls, i, node in pending:
            if not all(h in tensors for h in _refs(node)):
                rest.append((name, cls, i, node))
                continue
            if name not in converted:
                converted[name] = _convert_layer(model.get_layer(name), tfk)
            args = _map_refs(node.get("args", []), tensors.__getitem__)
            kwargs = node.get("kwargs", {}) or {}
            if _refs(kwargs) or len(args) != 1:
                raise _unsupported(name, cls, "it is called with more than one tensor argument")
            kwargs = {k: v for k, v in kwargs.items() if k not in ("training", "mask")}
            out = converted[name](args[0], **kwargs)
            for j, t in enumerate(out if isinstance(out, list | tuple) else [out]):
                tensors[(name, i, j)] = t
        if len(rest) == len(pending):
            raise UnsupportedModelError(
                "from_keras3: the layer graph could not be ordered (layers "
                f"{sorted({p[0] for p in rest})} wait for tensors that no layer makes)."
            )
        pending = rest
    for name, new in converted.items():
        layer = model.get_layer(name)
        _copy_weights(layer, new, type(layer).__name__)
    inputs = [tensors[h] for h in _as_histories(cfg["input_layers"])]
    outputs = [tensors[h] for h in _as_histories(cfg["output_layers"])]
    return tfk.Model(
        inputs[0] if len(inputs) == 1 else inputs,
        outputs[0] if len(outputs) == 1 else outputs,
        name=model.name,
    )


def from_keras3(model):
    """An equivalent tf-keras model of a Keras 3 model, weights copied.

    Parameters
    ----------
    model : keras.Model
        A Keras 3 Sequential or functional model built from standard layers
        (see :func:`supported_layers`). A tf-keras model is returned unchanged.

    Returns
    -------
    tf.keras.Model
        A functional tf-keras model with the same layer names, the same weights
        and the same outputs (to float round-off), ready for :func:`xai4ess.explain`.

    Raises
    ------
    UnsupportedModelError
        A layer has no tf-keras counterpart here (the message names it and its type),
        a Sequential model has no input shape, or ``model`` is not a Keras model.
    KerasVersionError
        ``tf.keras`` is itself Keras 3 in this process (xai4ess was imported too late).

    Examples
    --------
    >>> import keras  # doctest: +SKIP
    >>> from xai4ess.keras3 import from_keras3
    >>> k3 = keras.Sequential([keras.Input((4,)), keras.layers.Dense(2)])  # doctest: +SKIP
    >>> from_keras3(k3).predict(x)  # the same as k3.predict(x)  # doctest: +SKIP
    """
    if not is_keras3_model(model):
        tfk = sys.modules.get("tf_keras") or sys.modules.get("keras")
        if tfk is not None and isinstance(model, getattr(tfk, "Model", ())):
            return model
        raise UnsupportedModelError(
            f"from_keras3 needs a Keras 3 model; got {type(model).__module__}."
            f"{type(model).__name__}."
        )
    if not hasattr(model, "layers"):
        raise UnsupportedModelError(
            f"from_keras3 needs a Keras 3 model, not the single layer {model.name!r}."
        )
    tfk = _tf_keras()
    bases = {c.__name__ for c in type(model).__mro__}
    if "Sequential" in bases:
        return _from_sequential(model, tfk)
    if "Functional" not in bases:
        raise UnsupportedModelError(
            f"from_keras3: {type(model).__name__} {model.name!r} is a subclassed model "
            "(its graph is Python code); only Sequential and functional models convert."
        )
    return _from_functional(model, tfk)
