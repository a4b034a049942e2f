"""The one module that touches TensorFlow, Keras, iNNvestigate and tf-explain internals.

iNNvestigate 2.1 needs TensorFlow graph mode; tf-explain and the students'
training loops need eager mode. We keep eager execution on and give every
iNNvestigate analyzer a private ``tf.Graph``:

1. a clone of the user's model is rebuilt node by node inside the graph, every
   layer under a private name (``xai4ess_<n>``), so neither Keras' global name
   counters nor the user's layer names can collide; BatchNormalization is folded
   into the preceding affine layer (or becomes an exact diagonal 1x1 layer), ReLU
   layers become ``Activation("relu")``, nested models are flattened, and the
   inputs accept any batch size,
2. the analyzer is built on the clone there, and its output tensors are
   evaluated with a ``tf.compat.v1.Session`` that belongs to that graph,
3. before each call the clone reads the user's current weights, so a cached
   analyzer never serves stale weights,
4. afterwards the Keras class bases that graph mode swapped (Keras 2.14 swaps
   v1/v2 base classes when a layer is created in graph mode) are restored.

Why one module of over 800 lines: the design keeps every TensorFlow, Keras,
iNNvestigate and tf-explain internal in one place, so a new stack is ported here.

This leans on private Keras internals and is only acceptable with exact pins;
``tests/unit/test_explain_reference.py`` compares it with iNNvestigate run in a
separate process where eager execution is disabled globally.
"""

from __future__ import annotations

import collections
import contextlib
import importlib
import io
import threading
import weakref
from collections import OrderedDict
from dataclasses import dataclass

import numpy as np

from ._env import tensorflow
from .errors import OptionError, UnsupportedModelError

tf = tensorflow()
keras = tf.keras

with contextlib.redirect_stdout(io.StringIO()):
    import innvestigate
    import innvestigate.analyzer.relevance_based.relevance_analyzer as _ranalyzer
    import innvestigate.analyzer.relevance_based.relevance_rule as _rrule
    import innvestigate.backend as ibackend
    import innvestigate.backend.graph as igraph
    from innvestigate.analyzer.base import NotAnalyzeableModelException
    from tf_explain.core import grad_cam as _tfx_grad_cam
    from tf_explain.core import occlusion_sensitivity as _tfx_occlusion
    from tf_explain.core.gradients_inputs import GradientsInputs
    from tf_explain.core.integrated_gradients import IntegratedGradients
    from tf_explain.core.smoothgrad import SmoothGrad
    from tf_explain.core.vanilla_gradients import VanillaGradients

# Keras internals come from the package that implements tf.keras: ``keras`` on the
# pinned TensorFlow 2.14, ``tf_keras`` on TensorFlow >= 2.16 with TF_USE_LEGACY_KERAS=1.
_KERAS_PACKAGE = keras.__name__.split(".")[0]
_kbackend = importlib.import_module(f"{_KERAS_PACKAGE}.src.backend")
_base_layer = importlib.import_module(f"{_KERAS_PACKAGE}.src.engine.base_layer")

_LOCK = threading.RLock()

# Layers that iNNvestigate 2.1 cannot analyse (it fails with a bare
# NotImplementedError). Checked up front so the error names the layer.
_INNVESTIGATE_UNSUPPORTED = (
    "DepthwiseConv1D",
    "DepthwiseConv2D",
    "SeparableConv1D",
    "SeparableConv2D",
    "LayerNormalization",
    "GroupNormalization",
    "UnitNormalization",
    "Rescaling",
    "Normalization",
    "Resizing",
    "CenterCrop",
    "TimeDistributed",
    "Bidirectional",
    "LSTM",
    "GRU",
    "SimpleRNN",
    "RNN",
    "ConvLSTM1D",
    "ConvLSTM2D",
    "ConvLSTM3D",
    "MultiHeadAttention",
    "Attention",
    "Embedding",
    "Lambda",
    "TFOpLambda",
    "SlicingOpLambda",
)

# Methods that work on any differentiable Keras model (suggested in errors).
GENERIC_METHODS = (
    "tfx.vanilla_gradients",
    "tfx.gradients_inputs",
    "tfx.integrated_gradients",
    "occlusion",
)


# ---------------------------------------------------------------------------
# model inspection (eager side)
# ---------------------------------------------------------------------------
def all_layers(model) -> list:
    """Every layer of a model, descending into nested models."""
    out = []
    for layer in model.layers:
        out.append(layer)
        if isinstance(layer, keras.Model):
            out.extend(all_layers(layer))
    return out


# Output activations that ``explain`` strips by default (the pre-activation score is explained).
_STRIPPED_ACTIVATIONS = ("softmax", "sigmoid")


def _layer_activation(layer) -> str | None:
    """'softmax', 'sigmoid', another activation name, or None for a layer without one."""
    if isinstance(layer, keras.layers.Softmax):
        return "softmax"
    act = getattr(layer, "activation", None)
    if act is None:
        return None
    return getattr(act, "__name__", None) or _activation_name(layer)


def _is_softmax_layer(layer) -> bool:
    return _layer_activation(layer) == "softmax"


def _output_node(tensor):
    """(layer, node) producing a model output tensor, descending into nested models."""
    layer, node_index, tensor_index = tensor._keras_history
    if isinstance(layer, keras.Model) and getattr(layer, "_is_graph_network", False):
        return _output_node(tf.nest.flatten(layer.outputs)[tensor_index])
    return layer, layer._inbound_nodes[node_index]


def output_activation(model) -> str | None:
    """The output activation that ``explain`` strips: ``"softmax"``, ``"sigmoid"`` or None.

    Looks at the layer producing the (first) output, inside nested models too: a
    final ``Activation``/``Softmax`` layer or the ``activation`` of the last layer.
    """
    if not getattr(model, "_is_graph_network", False) or not model.outputs:
        last = model.layers[-1] if getattr(model, "layers", None) else None
        act = _layer_activation(last) if last is not None else None
    else:
        act = _layer_activation(_output_node(model.outputs[0])[0])
    return act if act in _STRIPPED_ACTIVATIONS else None


def has_softmax(model) -> bool:
    return output_activation(model) == "softmax"


def check_functional(model) -> None:
    if not isinstance(model, keras.Model):
        raise TypeError(f"expected a keras.Model, got {type(model).__name__}")
    if getattr(model, "_is_graph_network", False):
        return
    if isinstance(model, keras.Sequential):
        raise UnsupportedModelError(
            f"Sequential model {model.name!r} is not built yet (its input shape is unknown): "
            "build it first with model.build((None, *input_shape)) or by calling it on a batch, "
            "or start it with keras.Input(shape)."
        )
    raise UnsupportedModelError(
        f"model {model.name!r} is a subclassed keras.Model; xai4ess.explain needs a "
        "functional or Sequential model (its layers must be known to rebuild it). "
        "Rebuild it with keras.Input(...) and the functional API."
    )


# Recurrent layers: eager gradient methods work on them, iNNvestigate and Grad-CAM do not.
_RECURRENT = (
    "LSTM",
    "GRU",
    "SimpleRNN",
    "RNN",
    "Bidirectional",
    "ConvLSTM1D",
    "ConvLSTM2D",
    "ConvLSTM3D",
)
RECURRENT_METHODS = ("tfx.vanilla_gradients", "tfx.gradients_inputs", "tfx.integrated_gradients")


def _suggestion(kind: str) -> str:
    if kind in _RECURRENT:
        return (
            f"Methods that work with recurrent layers (eager gradients): "
            f"{', '.join(RECURRENT_METHODS)}."
        )
    return f"Methods that work with any differentiable model: {', '.join(GENERIC_METHODS)}."


def check_innvestigate_layers(model, method: str) -> None:
    for layer in all_layers(model):
        kind = type(layer).__name__
        if kind in _INNVESTIGATE_UNSUPPORTED:
            raise UnsupportedModelError(
                f"method {method!r} (iNNvestigate) cannot analyse layer {layer.name!r} of type "
                f"{kind}. {_suggestion(kind)}"
            )
        if isinstance(layer, keras.layers.BatchNormalization):
            rank = len(layer.get_input_shape_at(0))
            axes = [a % rank for a in tf.nest.flatten(layer.axis)]
            if axes != [rank - 1]:
                raise UnsupportedModelError(
                    f"method {method!r} (iNNvestigate) handles BatchNormalization over the last "
                    f"(channels) axis only; layer {layer.name!r} normalises axis {layer.axis}. "
                    f"{_suggestion(kind)}"
                )


def _linear_copy(layer):
    """A copy of ``layer`` with a linear activation, carrying its current weights."""
    config = layer.get_config()
    config["activation"] = "linear"
    config["name"] = f"{layer.name}_linear"
    linear = type(layer).from_config(config)
    return linear


def _score_tensor(tensor, keep: bool):
    """The tensor of the pre-activation score behind a model output tensor (eager graph)."""
    layer, node_index, tensor_index = tensor._keras_history
    node = layer._inbound_nodes[node_index]
    if isinstance(layer, keras.Model) and getattr(layer, "_is_graph_network", False):
        inner = score_model(layer, keep)
        if inner is layer:
            return tensor
        out = inner(*node.call_args, **node.call_kwargs)
        return tf.nest.flatten(out)[tensor_index]
    act = _layer_activation(layer)
    if keep or act not in _STRIPPED_ACTIVATIONS:
        return tensor
    if isinstance(layer, (keras.layers.Activation, keras.layers.Softmax)):
        return tf.nest.flatten(node.call_args)[0]
    linear = _linear_copy(layer)
    out = linear(*node.call_args, **node.call_kwargs)
    linear.set_weights(layer.get_weights())
    return out


def score_model(model, keep_output_activation: bool = False):
    """An eager model returning the pre-activation scores (softmax and sigmoid stripped).

    The model itself if it has no such output activation or if
    ``keep_output_activation`` is true. Layers are shared with ``model``; a
    layer with a built-in softmax/sigmoid is re-applied as a linear copy
    carrying the current weights.
    """
    if keep_output_activation or not model.outputs:
        return model
    outs = [_score_tensor(t, False) for t in model.outputs]
    if all(o is t for o, t in zip(outs, model.outputs)):
        return model
    return keras.Model(
        model.inputs, outs if len(outs) > 1 else outs[0], name=f"{model.name}_scores"
    )


_SELECTED: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def output_names(model) -> list[str]:
    """The names of a model's outputs (the names of the layers producing them)."""
    return list(getattr(model, "output_names", None) or [t.name for t in model.outputs])


def select_output(model, output: int | str):
    """A single-output model (sharing layers and weights) for one output of ``model``.

    ``output`` is the output's index or name (see :func:`output_names`). A
    single-output model is returned unchanged for ``0`` or its own output name.
    """
    from .errors import TargetError

    names = output_names(model)
    n = len(model.outputs)
    listing = ", ".join(f"{i}: {name!r}" for i, name in enumerate(names))
    if isinstance(output, str):
        if output not in names:
            raise TargetError(
                f"model {model.name!r} has no output named {output!r}; its outputs are {listing}."
            )
        index = names.index(output)
    elif isinstance(output, (int, np.integer)) and not isinstance(output, bool):
        index = int(output)
        if not 0 <= index < n:
            raise TargetError(
                f"output={output} is out of range: model {model.name!r} has {n} output(s): "
                f"{listing}."
            )
    else:
        raise TargetError(
            f"output must be an output index or name; got {output!r}. Outputs: {listing}."
        )
    if n == 1:
        return model
    per_model = _SELECTED.setdefault(model, {})
    if index not in per_model:
        per_model[index] = keras.Model(
            model.inputs, model.outputs[index], name=f"{model.name}_{names[index]}"
        )
    return per_model[index]


_FIXED_SIZE: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def fixed_size(model, shape: tuple):
    """``model`` itself, or (if its input size is open) a copy built for inputs of ``shape``.

    The copy is cached per (model, shape) and always receives the model's current weights.
    """
    shape = tuple(int(d) for d in shape)
    if None not in tuple(model.input_shape)[1:]:
        return model
    per_model = _FIXED_SIZE.setdefault(model, {})
    copy = per_model.get(shape)
    if copy is None:
        config = model.get_config()
        for layer in config.get("layers", []):
            if layer.get("class_name") == "InputLayer":
                layer["config"]["batch_input_shape"] = (None, *shape)
        cls = keras.Sequential if isinstance(model, keras.Sequential) else keras.Model
        copy = cls.from_config(config)
        per_model[shape] = copy
    copy.set_weights(model.get_weights())
    return copy


def flat_head_model(scores, mask_weights: np.ndarray | None):
    """Eager head over an image-output score model: flattened output, or a region mean."""
    flat = keras.layers.Flatten(name="xai4ess_flatten")(scores.output)
    if mask_weights is None:
        return keras.Model(scores.inputs, flat)
    dense = keras.layers.Dense(1, use_bias=False, name="xai4ess_region_mean")
    out = dense(flat)
    dense.set_weights([mask_weights.reshape(-1, 1).astype(np.float32)])
    return keras.Model(scores.inputs, out)


# ---------------------------------------------------------------------------
# Keras class-base bookkeeping for graph mode
# ---------------------------------------------------------------------------
def _keras_classes() -> list[type]:
    seen, stack = [], [_base_layer.Layer]
    while stack:
        cls = stack.pop()
        for sub in cls.__subclasses__():
            if sub not in seen:
                seen.append(sub)
                stack.append(sub)
    return seen


@contextlib.contextmanager
def _private_graph(graph):
    """Enter ``graph``; afterwards restore every Keras class base graph mode swapped."""
    saved = {cls: cls.__bases__ for cls in _keras_classes()}
    eager_graph = _kbackend.get_graph()
    uids = _kbackend.PER_GRAPH_OBJECT_NAME_UIDS
    counters = uids.get(eager_graph)
    try:
        with graph.as_default():
            fresh = uids.setdefault(graph, collections.defaultdict(int))
            if counters is not None:
                for key, value in counters.items():
                    fresh[key] = max(fresh[key], value)
            yield
    finally:
        for cls, bases in saved.items():
            if cls.__bases__ != bases:
                cls.__bases__ = bases


# ---------------------------------------------------------------------------
# walking a model's graph (functional, Sequential, nested)
# ---------------------------------------------------------------------------
def _nodes(model) -> list:
    """The call nodes of a graph model in execution order (input nodes left out)."""
    out = []
    for depth in sorted(model._nodes_by_depth, reverse=True):
        out.extend(node for node in model._nodes_by_depth[depth] if not node.is_input)
    return out


def _walk(model, inputs: list, visit, path: tuple = ()):
    """Run ``model``'s graph on ``inputs`` (one tensor per model input), flattening nested models.

    ``visit(layer, node, args, kwargs, path)`` computes a node's outputs from its
    mapped arguments; nested graph models are entered rather than visited.
    Returns the list of output tensors.
    """
    tensors = {str(id(kt)): t for kt, t in zip(model.inputs, inputs)}
    for node in _nodes(model):
        layer = node.layer
        if any(kt_id not in tensors for kt_id, _ in node._keras_inputs_ids_and_indices):
            continue  # not on a path from the inputs used here
        flat = list(node._flat_arguments)
        for kt_id, index in node._keras_inputs_ids_and_indices:
            flat[index] = tensors[kt_id]
        args, kwargs = tf.nest.pack_sequence_as((node.call_args, node.call_kwargs), flat)
        if isinstance(layer, keras.Model) and getattr(layer, "_is_graph_network", False):
            nested_in = tf.nest.flatten(args[0] if args else kwargs.get("inputs"))
            out = _walk(layer, nested_in, visit, path + (layer.name,))
            out = tf.nest.pack_sequence_as(node.outputs, out)
        else:
            out = visit(layer, node, args, kwargs, path)
        for kt, value in zip(tf.nest.flatten(node.outputs), tf.nest.flatten(out)):
            tensors[str(id(kt))] = value
    return [tensors[str(id(kt))] for kt in model.outputs]


def _consumers(model) -> collections.Counter:
    """How many nodes (or model outputs) consume each Keras tensor of a graph model."""
    count: collections.Counter = collections.Counter()
    for node in _nodes(model):
        for kt_id, _ in node._keras_inputs_ids_and_indices:
            count[kt_id] += 1
        if isinstance(node.layer, keras.Model) and getattr(node.layer, "_is_graph_network", False):
            count.update(_consumers(node.layer))
    for kt in model.outputs:
        count[str(id(kt))] += 1
    return count


_AFFINE = (keras.layers.Dense, keras.layers.Conv1D, keras.layers.Conv2D, keras.layers.Conv3D)


def _foldable(bn, node, consumers) -> bool:
    """True if BatchNormalization ``bn`` directly follows an affine layer it can be folded into."""
    inputs = node.keras_inputs
    if len(inputs) != 1 or consumers[str(id(inputs[0]))] != 1:
        return False
    producer = inputs[0]._keras_history.layer
    rank = len(inputs[0].shape)
    axes = [a % rank for a in tf.nest.flatten(bn.axis)]
    return (
        type(producer) in _AFFINE
        and not isinstance(producer, keras.layers.Conv1DTranspose)
        and getattr(producer, "data_format", "channels_last") in (None, "channels_last")
        and _layer_activation(producer) in ("linear", None)
        and axes == [rank - 1]
    )


def _bn_scale_shift(bn) -> tuple[np.ndarray, np.ndarray]:
    """BatchNormalization at inference as ``y = s * x + t`` per channel."""
    mean = np.asarray(bn.moving_mean.numpy(), np.float64)
    var = np.asarray(bn.moving_variance.numpy(), np.float64)
    gamma = np.asarray(bn.gamma.numpy(), np.float64) if bn.scale else np.ones_like(mean)
    beta = np.asarray(bn.beta.numpy(), np.float64) if bn.center else np.zeros_like(mean)
    s = gamma / np.sqrt(var + bn.epsilon)
    return s, beta - mean * s


def _folded_weights(affine_ref, bn_ref) -> list:
    """Kernel and bias of an affine layer followed by BatchNormalization, folded into one."""
    affine, bn = affine_ref(), bn_ref()
    kernel = affine.kernel.numpy().astype(np.float64)
    bias = affine.bias.numpy().astype(np.float64) if affine.use_bias else 0.0
    s, t = _bn_scale_shift(bn)
    return [(kernel * s).astype(np.float32), (bias * s + t).astype(np.float32)]


def _bn_as_affine(bn, rank: int, name: str):
    """BatchNormalization (inference) as a 1x1 convolution / Dense with a diagonal kernel."""
    channels = int(bn.moving_mean.shape[0])
    if rank == 2:
        return keras.layers.Dense(channels, name=name)
    conv = {3: keras.layers.Conv1D, 4: keras.layers.Conv2D, 5: keras.layers.Conv3D}.get(rank)
    return None if conv is None else conv(channels, 1, name=name)


def _diagonal_weights(bn_ref, rank: int) -> list:
    s, t = _bn_scale_shift(bn_ref())
    kernel = np.diag(s).reshape((1,) * (rank - 2) + (len(s), len(s)))
    return [kernel.astype(np.float32), t.astype(np.float32)]


def _activation_replacement(layer, name: str):
    """An exact ``Activation`` layer for a ReLU layer (iNNvestigate's LRP refuses ReLU layers)."""
    if isinstance(layer, keras.layers.ReLU):
        slope = float(layer.negative_slope)
        threshold = float(layer.threshold)
        max_value = None if layer.max_value is None else float(layer.max_value)
        if slope == 0.0 and threshold == 0.0 and max_value is None:
            return keras.layers.Activation("relu", name=name)

        def generalised_relu(x):  # not called "relu": the zero-skipping check reads the name
            return keras.activations.relu(x, alpha=slope, max_value=max_value, threshold=threshold)

        return keras.layers.Activation(generalised_relu, name=name)
    return None


@dataclass
class _Clone:
    """A model rebuilt in a private graph, with private layer names."""

    model: object
    sources: list  # (clone layer, callable returning its weights from the user's layers)
    names: dict  # private layer name -> user layer name (with nested-model path)


def _clone_in_graph(model, keep_output_activation: bool = False) -> _Clone:
    """Rebuild ``model`` in the current (private) graph, independent of Keras' name state.

    Every layer gets a fresh private name (``xai4ess_<n>``), so neither Keras'
    per-graph name counters nor the user's names can collide with the layers
    iNNvestigate adds. Nested graph models are flattened, inputs accept any
    batch size, BatchNormalization is folded into a preceding affine layer
    (or becomes a diagonal 1x1 convolution), ReLU layers become ``Activation``
    layers, and a final softmax/sigmoid is dropped unless
    ``keep_output_activation``. The weights are *not* copied here: ``sources``
    says how to compute each clone layer's weights from the user's current ones.
    """
    check_functional(model)
    counter = iter(range(10**9))
    sources: list = []
    names: dict = {}
    consumers = _consumers(model)
    fold_into: dict = {}  # id(affine node) -> BN layer
    folded_bn: set = set()  # ids of BN nodes folded away

    def scan(m):
        for node in _nodes(m):
            layer = node.layer
            if isinstance(layer, keras.Model) and getattr(layer, "_is_graph_network", False):
                scan(layer)
            elif isinstance(layer, keras.layers.BatchNormalization) and _foldable(
                layer, node, consumers
            ):
                kt = node.keras_inputs[0]
                producer, node_index, _ = kt._keras_history
                fold_into[id(producer._inbound_nodes[node_index])] = layer
                folded_bn.add(id(node))

    scan(model)
    output_nodes = set()
    if not keep_output_activation:
        for kt in model.outputs:
            layer, node = _output_node(kt)
            if _layer_activation(layer) in _STRIPPED_ACTIVATIONS:
                output_nodes.add(id(node))

    def private(layer, path):
        name = f"xai4ess_{next(counter)}"
        names[name] = "/".join(path + (layer.name,))
        return name

    def visit(layer, node, args, kwargs, path):
        strip = id(node) in output_nodes
        if id(node) in folded_bn:
            return args[0] if args else kwargs["inputs"]
        if strip and isinstance(layer, (keras.layers.Activation, keras.layers.Softmax)):
            return args[0] if args else kwargs["inputs"]
        ref = weakref.ref(layer)
        new = None
        source = None
        if isinstance(layer, keras.layers.BatchNormalization):
            rank = len(tf.nest.flatten(args[0] if args else kwargs["inputs"])[0].shape)
            axes = [a % rank for a in tf.nest.flatten(layer.axis)]
            if axes == [rank - 1]:
                new = _bn_as_affine(layer, rank, private(layer, path))
                if new is not None:
                    source = lambda ref=ref, rank=rank: _diagonal_weights(ref, rank)  # noqa: E731
        elif isinstance(layer, keras.layers.ReLU):
            new = _activation_replacement(layer, private(layer, path))
        if new is None:
            config = layer.get_config()
            config["name"] = private(layer, path)
            bn = fold_into.get(id(node))
            if bn is not None:
                config["use_bias"] = True
                bn_ref = weakref.ref(bn)
                source = lambda ref=ref, bn_ref=bn_ref: _folded_weights(ref, bn_ref)  # noqa: E731
            if strip:
                config["activation"] = "linear"
            new = type(layer).from_config(config)
            if source is None:
                source = lambda ref=ref: ref().get_weights()  # noqa: E731
        kwargs = {k: v for k, v in kwargs.items() if k != "training"}
        out = new(*args, **kwargs)
        if new.weights:
            sources.append((new, source))
        return out

    inputs = [
        keras.Input(
            batch_shape=(None, *tuple(kt.shape)[1:]),
            dtype=kt.dtype,
            name=f"xai4ess_input_{i}",
        )
        for i, kt in enumerate(model.inputs)
    ]
    outputs = _walk(model, inputs, visit)
    clone = keras.Model(inputs, outputs if len(outputs) > 1 else outputs[0], name="xai4ess_clone")
    return _Clone(clone, sources, names)


# ---------------------------------------------------------------------------
# iNNvestigate analyzers in private graphs
# ---------------------------------------------------------------------------
@dataclass
class _GraphAnalyzer:
    graph: object
    session: object
    inputs: list
    outputs: list
    placeholders: list
    assign_ops: list
    sources: list
    head_placeholder: object | None
    head_assign: object | None
    augment_by_n: int
    n_inputs: int = 1

    def run(self, model, x, indices, mask_weights=None):
        """Analyse ``x`` with ``model``'s current weights; ``indices=None``: the argmax.

        ``x`` is an array, or a list with one array per model input (then a list
        of relevance arrays is returned).
        """
        values = [w for _, source in self.sources for w in source()]
        feed = dict(zip(self.placeholders, values))
        ops = list(self.assign_ops)
        if self.head_assign is not None:
            feed[self.head_placeholder] = mask_weights.reshape(-1, 1)
            ops.append(self.head_assign)
        xs = list(x) if isinstance(x, (list, tuple)) else [x]
        with _LOCK:
            self.session.run(ops, feed_dict=feed)
            feed = dict(zip(self.inputs[: self.n_inputs], xs))
            if indices is not None:
                idx = np.repeat(np.asarray(indices, dtype=np.int32), self.augment_by_n)
                feed[self.inputs[self.n_inputs]] = np.stack(
                    [np.arange(idx.size, dtype=np.int32), idx], axis=1
                )
            out = self.session.run(self.outputs[: self.n_inputs], feed_dict=feed)
        out = [np.asarray(o, dtype=np.float32) for o in out]
        return out if isinstance(x, (list, tuple)) else out[0]

    def close(self):
        with contextlib.suppress(Exception):
            self.session.close()


def _raise_for_checks(analyzer, method: str, names: dict, keep_output_activation: bool) -> None:
    checks = analyzer._model_checks
    if keep_output_activation:  # the probability is explained on purpose
        checks = [c for c in checks if "softmax" not in c["message"]]
    if not checks:
        return
    triggered = igraph.model_contains(analyzer._model, [c["check"] for c in checks])
    for layers, check in zip(triggered, checks):
        if layers:
            layer = layers[0]
            kind = type(layer).__name__
            raise UnsupportedModelError(
                f"method {method!r} (iNNvestigate) cannot analyse layer "
                f"{names.get(layer.name, layer.name)!r} of type {kind}: "
                f"{check['message'].strip()} {_suggestion(kind)}"
            )


# ---------------------------------------------------------------------------
# alpha-beta rule without the all-zero half (same numbers as iNNvestigate's)
# ---------------------------------------------------------------------------
# Layers whose output is non-negative when all their inputs are.
_SIGN_PRESERVING = (
    keras.layers.MaxPooling1D,
    keras.layers.MaxPooling2D,
    keras.layers.MaxPooling3D,
    keras.layers.AveragePooling1D,
    keras.layers.AveragePooling2D,
    keras.layers.AveragePooling3D,
    keras.layers.GlobalMaxPooling1D,
    keras.layers.GlobalMaxPooling2D,
    keras.layers.GlobalMaxPooling3D,
    keras.layers.GlobalAveragePooling1D,
    keras.layers.GlobalAveragePooling2D,
    keras.layers.GlobalAveragePooling3D,
    keras.layers.Flatten,
    keras.layers.Reshape,
    keras.layers.Permute,
    keras.layers.Dropout,
    keras.layers.Cropping1D,
    keras.layers.Cropping2D,
    keras.layers.Cropping3D,
    keras.layers.ZeroPadding1D,
    keras.layers.ZeroPadding2D,
    keras.layers.ZeroPadding3D,
    keras.layers.UpSampling1D,
    keras.layers.UpSampling2D,
    keras.layers.UpSampling3D,
    keras.layers.Concatenate,
    keras.layers.Add,
    keras.layers.Average,
    keras.layers.Maximum,
    keras.layers.Minimum,
    keras.layers.Multiply,
)
_NONNEGATIVE_ACTIVATIONS = ("relu", "sigmoid", "softmax", "softplus", "exponential", "hard_sigmoid")


def _activation_name(layer) -> str | None:
    activation = getattr(layer, "activation", None)
    if activation is None:
        return None
    try:
        name = keras.activations.serialize(activation)
    except (ValueError, TypeError):
        return None
    return name if isinstance(name, str) else None


def _is_nonnegative(tensor, inputs_nonnegative: bool, depth: int = 0) -> bool:
    """True if the graph that produces ``tensor`` guarantees values >= 0 (conservative).

    ``inputs_nonnegative`` says whether the model's inputs are known to be >= 0.
    """
    history = getattr(tensor, "_keras_history", None)
    if history is None or depth > 200:
        return False
    layer, node_index = history[0], history[1]
    if isinstance(layer, keras.layers.InputLayer):
        return inputs_nonnegative
    if isinstance(layer, keras.layers.ReLU):
        return float(layer.negative_slope) == 0.0 and float(layer.threshold) >= 0.0
    if isinstance(layer, keras.layers.Softmax):
        return True
    if isinstance(layer, _SIGN_PRESERVING):
        inputs = tf.nest.flatten(layer.get_input_at(node_index))
        return all(_is_nonnegative(t, inputs_nonnegative, depth + 1) for t in inputs)
    return _activation_name(layer) in _NONNEGATIVE_ACTIVATIONS


class _AlphaBetaSkippingZeros:
    """Mixin for iNNvestigate's ``AlphaBetaRule``: the same relevance, less work.

    iNNvestigate splits a layer's input into its positive and negative parts
    and propagates both through positive- and negative-weight copies of the
    layer. After a ReLU (or a pooling of ReLU outputs) the negative part is
    all zeros, so half of that work multiplies zeros. For a Dense or
    channels-last convolution whose input is non-negative by construction this
    mixin drops that half; the zero part's pre-activation reduces to the other
    copy's bias, which is added exactly as iNNvestigate adds it, so the result
    is the same to the last bit. Any other layer takes iNNvestigate's path.
    ``inputs_nonnegative`` (set per variant) extends this to the first layer
    when the batch being analysed has no negative values.
    """

    inputs_nonnegative = False

    def __init__(self, layer, state, *args, **kwargs):
        super().__init__(layer, state, *args, **kwargs)
        self._skipping_applies = isinstance(
            layer,
            (keras.layers.Dense, keras.layers.Conv1D, keras.layers.Conv2D, keras.layers.Conv3D),
        ) and getattr(layer, "data_format", "channels_last") in (None, "channels_last")

    @staticmethod
    def _bias(copy):
        return copy.bias if getattr(copy, "use_bias", False) else None

    def apply(self, Xs, Ys, Rs, reverse_state):
        Xs = ibackend.to_list(Xs)
        if not (
            self._skipping_applies and all(_is_nonnegative(x, self.inputs_nonnegative) for x in Xs)
        ):
            return super().apply(Xs, Ys, Rs, reverse_state)
        positive, negative = self._layer_wo_act_positive, self._layer_wo_act_negative

        def one_sided(layer, other_bias):
            # iNNvestigate: Z = layer(X+) + other(X-), with X- = 0 here, so
            # other(X-) is its bias; relevance = X+ * grad(layer(X+)) * R / Z.
            Z1 = ibackend.apply(layer, Xs)
            Zs = Z1 if other_bias is None else [z + other_bias for z in Z1]
            tmp = [ibackend.safe_divide(r, z) for r, z in zip(Rs, Zs)]
            grads = ibackend.gradients(Xs, Z1, tmp)
            return [x * g for x, g in zip(Xs, grads)]

        activator = one_sided(positive, self._bias(negative))
        if not self._beta:
            return activator
        inhibitor = one_sided(negative, self._bias(positive))
        return [a * self._alpha - b * self._beta for a, b in zip(activator, inhibitor)]


# iNNvestigate analyzers (our names) whose rules include alpha-beta rules.
ALPHA_BETA_ANALYZERS = frozenset(
    {
        "lrp.alpha_1_beta_0",
        "lrp.alpha_2_beta_1",
        "lrp.alpha_beta",
        "lrp.sequential_preset_a",
        "lrp.composite",
    }
)
_SKIPPING_RULES: dict[tuple[type, bool], type] = {}


def _skipping_zeros(rule, inputs_nonnegative: bool):
    """The zero-skipping variant of an alpha-beta rule class; any other rule unchanged."""
    if isinstance(rule, str):
        rule = _ranalyzer.LRP_RULES.get(rule, rule)
    if not (isinstance(rule, type) and issubclass(rule, _rrule.AlphaBetaRule)):
        return rule
    key = (rule, inputs_nonnegative)
    if key not in _SKIPPING_RULES:
        _SKIPPING_RULES[key] = type(
            f"{rule.__name__}SkippingZeros",
            (_AlphaBetaSkippingZeros, rule),
            {"inputs_nonnegative": inputs_nonnegative},
        )
    return _SKIPPING_RULES[key]


def _use_zero_skipping_rules(analyzer, inputs_nonnegative: bool) -> None:
    """Swap the alpha-beta rules of an iNNvestigate LRP analyzer for their zero-skipping variants."""
    if not isinstance(analyzer, _ranalyzer.LRP):
        return
    if analyzer._rules_use_conditions:
        analyzer._rules = [
            (condition, _skipping_zeros(rule, inputs_nonnegative))
            for condition, rule in analyzer._rules
        ]
    else:
        analyzer._rules = [_skipping_zeros(rule, inputs_nonnegative) for rule in analyzer._rules]


def _weighted_layers(model) -> list:
    """Layers with a kernel (convolutions and dense layers), input to output, nested models flat."""
    out = []
    for layer in model.layers:
        if isinstance(layer, keras.Model):
            out += _weighted_layers(layer)
        elif getattr(layer, "kernel", None) is not None:
            out.append(layer)
    return out


def composite_rules(model, epsilon: float, upper: int | None = None) -> dict:
    """iNNvestigate ``LRP`` options of the composite: epsilon above, alpha1beta0 below.

    The ``upper`` last weighted layers of ``model`` (and any head xai4ess adds) get the
    epsilon rule, the layers below them LRP-alpha1beta0. ``upper=None``: the dense layers
    if the network has any, otherwise the upper half (rounded up) of its layers.
    """
    own = [la for la in _weighted_layers(model) if la.name != "xai4ess_region_mean"]
    if upper is None:
        dense = [la for la in own if isinstance(la, keras.layers.Dense)]
        upper = len(dense) if dense else -(-len(own) // 2)
    upper = int(upper)
    if not 0 <= upper <= len(own):
        raise OptionError(
            f"method 'lrp.composite': upper={upper}, but the model has {len(own)} layers with weights; choose upper between 0 and {len(own)}."
        )
    lower = frozenset(la.name for la in own[: len(own) - upper])

    class EpsilonProxy(_rrule.EpsilonRule):
        def __init__(self, *args, **kwargs):
            super().__init__(*args, epsilon=epsilon, bias=True, **kwargs)

    return {
        "rule": [
            (lambda layer: layer.name in lower, _rrule.Alpha1Beta0Rule),
            (lambda layer: True, EpsilonProxy),
        ]
    }


def build_analyzer(
    model,
    inn_name: str,
    method: str,
    options: dict,
    region: bool,
    mode: str = "index",
    inputs_nonnegative: bool = False,
    keep_output_activation: bool = False,
) -> _GraphAnalyzer:
    """Build an iNNvestigate analyzer for ``model`` in a private graph.

    ``inputs_nonnegative=True`` builds it for inputs without negative values
    only (alpha-beta rules then skip work on the all-zero negative part).
    ``keep_output_activation=True`` explains the model's output as it is
    (probability) instead of the score before a final softmax/sigmoid.
    """
    graph = tf.Graph()
    with _LOCK, _private_graph(graph), contextlib.redirect_stdout(io.StringIO()):
        cloned = _clone_in_graph(model, keep_output_activation)
        scores = cloned.model
        if len(scores.outputs) != 1:
            raise UnsupportedModelError(
                f"model {model.name!r} has {len(scores.outputs)} outputs "
                f"({', '.join(output_names(model))}); choose one with output=<index or name>."
            )
        head_ph = head_assign = None
        target_model = scores
        if len(scores.output_shape) > 2 or region:
            flat = keras.layers.Flatten(name="xai4ess_flatten")(scores.output)
            if region:
                dense = keras.layers.Dense(1, use_bias=False, name="xai4ess_region_mean")
                out = dense(flat)
                head_ph = tf.compat.v1.placeholder(tf.float32, dense.kernel.shape)
                head_assign = dense.kernel.assign(head_ph)
            else:
                out = flat
            target_model = keras.Model(scores.inputs, out)
        if inn_name == "lrp.composite":
            inn_name, options = "lrp", composite_rules(target_model, **options)
        try:
            analyzer = innvestigate.create_analyzer(
                inn_name,
                target_model,
                neuron_selection_mode=mode,
                disable_model_checks=True,
                **options,
            )
        except TypeError as exc:
            raise TypeError(f"method {method!r}: {exc}") from None
        _raise_for_checks(analyzer, method, cloned.names, keep_output_activation)
        _use_zero_skipping_rules(analyzer, inputs_nonnegative)
        sub = getattr(analyzer, "_subanalyzer", None)
        try:
            analyzer.create_analyzer_model()
        except (NotImplementedError, NotAnalyzeableModelException) as exc:
            raise UnsupportedModelError(
                f"method {method!r} (iNNvestigate) cannot analyse model {model.name!r}"
                f"{': ' + str(exc) if str(exc) else ''}. {_suggestion('')}"
            ) from None
        amodel = (sub or analyzer)._analyzer_model
        augment = int(getattr(analyzer, "_augment_by_n", 1)) if sub is not None else 1
        weights = [w for layer, _ in cloned.sources for w in layer.weights]
        placeholders = [tf.compat.v1.placeholder(w.dtype.base_dtype, w.shape) for w in weights]
        assign_ops = [w.assign(p) for w, p in zip(weights, placeholders)]
        session = tf.compat.v1.Session(graph=graph)
        session.run(tf.compat.v1.global_variables_initializer())
        return _GraphAnalyzer(
            graph=graph,
            session=session,
            inputs=list(amodel.inputs),
            outputs=list(amodel.outputs),
            placeholders=placeholders,
            assign_ops=assign_ops,
            sources=cloned.sources,
            head_placeholder=head_ph,
            head_assign=head_assign,
            augment_by_n=augment,
            n_inputs=len(scores.inputs),
        )


class AnalyzerCache:
    """LRU cache of analyzers, keyed by (model, method, options); never outlives its model."""

    def __init__(self, maxsize: int = 32):
        self.maxsize = maxsize
        self._items: OrderedDict = OrderedDict()

    def get(self, model, key, factory):
        self._purge_dead()
        full = (id(model), key)
        item = self._items.get(full)
        if item is not None and item[0]() is model:
            self._items.move_to_end(full)
            return item[1]
        value = factory()
        self._items[full] = (weakref.ref(model), value)
        while len(self._items) > self.maxsize:
            _, (_, old) = self._items.popitem(last=False)
            old.close()
        return value

    def _purge_dead(self):
        """Close the analyzers of models that no longer exist (their ids may be reused)."""
        for full in [k for k, (ref, _) in self._items.items() if ref() is None]:
            self._items.pop(full)[1].close()

    def clear(self):
        for _, value in self._items.values():
            value.close()
        self._items.clear()


ANALYZERS = AnalyzerCache()


def _as_list(x) -> list:
    return list(x) if isinstance(x, (list, tuple)) else [x]


def innvestigate_analyze(
    model,
    x,
    inn_name,
    method,
    options,
    indices,
    mask_weights=None,
    keep_output_activation: bool = False,
):
    """Relevance of ``model`` (single output) for ``x`` with an iNNvestigate analyzer.

    ``x`` is an array, or a list with one array per model input; the result
    is an array, or a list with one relevance array per input.
    ``keep_output_activation=True`` explains the output after its final
    softmax/sigmoid (default: the score before it).
    """
    if inn_name in ("integrated_gradients", "smoothgrad"):
        return _augmented_gradient(
            model, x, inn_name, method, options, indices, mask_weights, keep_output_activation
        )
    mode = "max_activation" if indices is None else "index"
    # Alpha-beta rules can skip the negative part of the input if there is none;
    # such an analyzer is only ever used for batches without negative values.
    nonnegative = inn_name in ALPHA_BETA_ANALYZERS and all(
        bool(np.all(np.asarray(xi) >= 0)) for xi in _as_list(x)
    )
    key = (
        inn_name,
        tuple(sorted((k, repr(v)) for k, v in options.items())),
        mask_weights is not None,
        mode,
        nonnegative,
        bool(keep_output_activation),
    )
    analyzer = ANALYZERS.get(
        model,
        key,
        lambda: build_analyzer(
            model,
            inn_name,
            method,
            options,
            mask_weights is not None,
            mode,
            nonnegative,
            bool(keep_output_activation),
        ),
    )
    return analyzer.run(model, x, indices, mask_weights)


def _augmented_gradient(
    model,
    x,
    inn_name,
    method,
    options,
    indices,
    mask_weights,
    keep_output_activation=False,
    chunk=1024,
):
    """iNNvestigate's IntegratedGradients / SmoothGrad wrappers, with the augmentation in numpy.

    The wrappers' own augmented graphs give wrong results when evaluated in a
    private graph, so we apply their exact recipe around iNNvestigate's
    Gradient analyzer: integrated gradients average the gradient at
    ``ref + k/n (x - ref)`` for ``k = 0..n-1`` (iNNvestigate's left Riemann sum)
    and multiply by ``x - ref``; SmoothGrad averages the gradient at
    ``x + N(0, noise_scale^2)`` over ``augment_by_n`` draws from a seeded
    generator (reproducible, unlike a TensorFlow random op). The same draws are
    used for every sample, so a sample's map does not depend on its batch.
    Samples are processed in groups of at most ``chunk`` augmented inputs, so
    memory does not grow with the batch size. ``x`` may be a list (one array per
    model input); then a list is returned.
    """
    xs = [np.asarray(xi, dtype=np.float32) for xi in _as_list(x)]
    n_in = len(xs[0])
    if inn_name == "integrated_gradients":
        n = int(options.get("steps", 64))
        refs = options.get("reference_inputs", 0.0)
        refs = refs if isinstance(refs, (list, tuple)) else [refs] * len(xs)
        refs = [np.broadcast_to(np.asarray(r, np.float32), xi.shape) for r, xi in zip(refs, xs)]
        alphas = np.arange(n, dtype=np.float32) / n
        noises = None
    else:
        n = int(options.get("augment_by_n", 64))
        scale = float(options.get("noise_scale", 1.0))
        rng = np.random.default_rng(int(options.get("seed", 0)))
        noises = [rng.normal(0.0, scale, size=(n,) + xi.shape[1:]).astype(np.float32) for xi in xs]
    key = ("gradient", (), mask_weights is not None, "index", False, bool(keep_output_activation))
    grad = ANALYZERS.get(
        model,
        key,
        lambda: build_analyzer(
            model,
            "gradient",
            method,
            {},
            mask_weights is not None,
            keep_output_activation=bool(keep_output_activation),
        ),
    )
    per_group = max(1, chunk // n)
    results = [np.empty(xi.shape, np.float32) for xi in xs]
    indices = np.asarray(indices)
    for start in range(0, n_in, per_group):
        rows = slice(start, min(start + per_group, n_in))
        m = rows.stop - rows.start
        aug = []
        for i, xi in enumerate(xs):
            if noises is None:
                shape = (1, n) + (1,) * (xi.ndim - 1)
                path = (
                    refs[i][rows, None]
                    + alphas.reshape(shape) * (xi[rows] - refs[i][rows])[:, None]
                )
            else:
                path = xi[rows, None] + noises[i][None]
            aug.append(path.reshape((m * n,) + xi.shape[1:]))
        idx = np.repeat(indices[rows], n)
        grads = grad.run(model, aug if len(aug) > 1 else aug[0], idx, mask_weights)
        for i, g in enumerate(_as_list(grads)):
            mean = g.reshape((m, n) + xs[i].shape[1:]).mean(axis=1)
            if noises is None:
                mean = mean * (xs[i][rows] - refs[i][rows])
            results[i][rows] = mean
    return results if isinstance(x, (list, tuple)) else results[0]


# ---------------------------------------------------------------------------
# tf-explain (eager)
# ---------------------------------------------------------------------------
def _groups(indices: np.ndarray):
    """Yield (target index, sample positions) groups: tf-explain takes one class per call."""
    for t in np.unique(indices):
        yield int(t), np.flatnonzero(indices == t)


def _eager_nodes(model) -> list:
    """(layer, output rank, output shape) of every node of a graph model, nested flattened."""
    out = []
    for node in _nodes(model):
        layer = node.layer
        if isinstance(layer, keras.Model) and getattr(layer, "_is_graph_network", False):
            out.extend(_eager_nodes(layer))
        else:
            shape = tuple(tf.nest.flatten(node.outputs)[0].shape)
            out.append((layer, shape))
    return out


_FLATTENING = (
    keras.layers.Flatten,
    keras.layers.GlobalAveragePooling1D,
    keras.layers.GlobalMaxPooling1D,
    keras.layers.GlobalAveragePooling2D,
    keras.layers.GlobalMaxPooling2D,
    keras.layers.GlobalAveragePooling3D,
    keras.layers.GlobalMaxPooling3D,
    keras.layers.Dense,
)


def default_gradcam_layer(model) -> str:
    """Name of the last layer whose output keeps the input's axes, before the first flattening.

    For images ``(N, H, W, C)`` that is the last layer with an ``(N, h, w, c)``
    output, for series ``(N, L, C)`` the last with an ``(N, l, c)`` output;
    nested models (e.g. a Sequential backbone) are searched too.
    """
    check_functional(model)
    rank = len(model.inputs[0].shape)
    name = None
    other = None
    for layer, shape in _eager_nodes(model):
        if isinstance(layer, _FLATTENING) or len(shape) < min(rank, 3):
            break
        if isinstance(layer, keras.layers.InputLayer):
            continue
        if len(shape) == rank and rank in (3, 4):
            name = layer.name
        elif len(shape) in (3, 4):
            other = (layer, shape)
    if name is not None:
        return name
    instead = _model_suggestion(model, "'lrp.epsilon', 'integrated_gradients'")
    if rank not in (3, 4):
        detail = (
            f" (layer {other[0].name!r} of type {type(other[0]).__name__} outputs "
            f"{_shape_text(other[1])}, which lacks some of the input's axes)"
            if other is not None
            else ""
        )
        raise UnsupportedModelError(
            f"method 'gradcam' maps a convolutional feature map onto an (N, H, W, C) image or "
            f"an (N, L, C) series; model {model.name!r} takes inputs of shape "
            f"{_shape_text(model.inputs[0].shape)}{detail}. Use {instead} instead."
        )
    wanted = "(N, h, w, c)" if rank == 4 else "(N, l, c)"
    raise UnsupportedModelError(
        f"method 'gradcam' needs a convolutional layer with an {wanted} output before the first "
        f"flattening layer; model {model.name!r} has none. Use {instead} instead."
    )


def _model_suggestion(model, default: str) -> str:
    """Methods to suggest for ``model``: eager gradients if it has recurrent layers."""
    if any(type(layer).__name__ in _RECURRENT for layer in all_layers(model)):
        return ", ".join(repr(m) for m in RECURRENT_METHODS)
    return default


def _shape_text(shape) -> str:
    return "(N, " + ", ".join("any" if d is None else str(d) for d in tuple(shape)[1:]) + ")"


def _find_layer(model, name: str):
    for layer, shape in _eager_nodes(model):
        if layer.name == name:
            return layer, shape
    names = [layer.name for layer, _ in _eager_nodes(model)]
    raise ValueError(f"gradcam: model has no layer {name!r}; layers: {names}")


def _forward_recording(model, x, target_layer):
    """Eager forward pass of a graph model that also returns ``target_layer``'s output.

    The layers are called directly on eager tensors (no new nodes, nothing
    added to the user's model), through nested models too.
    """
    recorded = []

    def visit(layer, node, args, kwargs, path):
        kwargs = {k: v for k, v in kwargs.items() if k != "training"}
        out = layer(*args, **kwargs)  # outside fit(): inference mode
        if layer is target_layer and not recorded:
            recorded.append(out)
        return out

    out = _walk(model, [tf.convert_to_tensor(x)], visit)[0]
    return recorded[0], out


def _resize_1d(cam: np.ndarray, length: int) -> np.ndarray:
    """Linear resize with cv2's INTER_LINEAR convention (half-pixel centres)."""
    src = (np.arange(length) + 0.5) * (len(cam) / length) - 0.5
    return np.interp(np.clip(src, 0, len(cam) - 1), np.arange(len(cam)), cam).astype(np.float32)


def tfx_gradcam(model, x, indices, layer: str | None = None, guided: bool = False):
    """Grad-CAM (tf-explain's weighting) on an image or series model, nested models included.

    The feature map and its gradient come from an eager pass over the model's
    graph, so layers inside a nested model (e.g. a Sequential backbone) can be
    used. The map is ReLU-ed and resized linearly to the input.
    """
    import cv2

    layer = layer or default_gradcam_layer(model)
    target, shape = _find_layer(model, layer)
    rank = x.ndim
    if len(shape) != rank or rank not in (3, 4):
        raise UnsupportedModelError(
            f"gradcam: layer {layer!r} ({type(target).__name__}) outputs {_shape_text(shape)} "
            f"but the input has shape {_shape_text(x.shape)}; Grad-CAM needs a layer whose "
            f"output keeps the input's axes (images (N, H, W, C), series (N, L, C)). Pass such "
            f"a layer as layer=..., or use "
            f"{_model_suggestion(model, repr('integrated_gradients'))}."
        )
    out = np.zeros(x.shape[:-1], dtype=np.float32)
    for t, pos in _groups(indices):
        with tf.GradientTape() as tape:
            conv, preds = _forward_recording(model, x[pos], target)
            score = tf.reshape(preds, (len(pos), -1))[:, t]
        grads = tape.gradient(score, conv)
        if guided:
            grads = tf.cast(conv > 0, "float32") * tf.cast(grads > 0, "float32") * grads
        if rank == 4:
            cams = _tfx_grad_cam.GradCAM.generate_ponderated_output(conv, grads)
        else:
            weights = tf.reduce_mean(grads, axis=1, keepdims=True)
            cams = list(tf.reduce_sum(weights * conv, axis=-1))
        for p, cam in zip(pos, cams):
            cam = np.maximum(np.asarray(cam, dtype=np.float32), 0.0)  # Grad-CAM's ReLU
            if rank == 4:
                out[p] = cv2.resize(cam, (x.shape[2], x.shape[1]), interpolation=cv2.INTER_LINEAR)
            else:
                out[p] = _resize_1d(cam, x.shape[1])
    return out


@contextlib.contextmanager
def _occlusion_fill(value):
    """tf-explain fills patches with 127.5 (0-255 images); use ``value`` instead."""
    original = _tfx_occlusion.apply_grey_patch

    def patch(image, top_left_x, top_left_y, patch_size):
        patched = np.array(image, copy=True)
        patched[top_left_y : top_left_y + patch_size, top_left_x : top_left_x + patch_size, :] = (
            value
        )
        return patched

    _tfx_occlusion.apply_grey_patch = patch
    try:
        yield
    finally:
        _tfx_occlusion.apply_grey_patch = original


def tfx_occlusion(model, x, indices, patch_size: int = 4, baseline: str | float = "mean"):
    h, w = x.shape[1:3]
    if h != w or x.ndim != 4:
        raise UnsupportedModelError(
            f"method 'occlusion' (tf-explain) needs square (N, H, W, C) inputs; got "
            f"{_shape_text(x.shape)}. Use "
            f"{_model_suggestion(model, repr('integrated_gradients') + ' or ' + repr('lrp.epsilon'))}"
            " instead."
        )
    scores = model.predict(x, verbose=0)
    out = np.zeros(x.shape[:-1], dtype=np.float32)
    occ = _tfx_occlusion.OcclusionSensitivity(batch_size=256)
    for i in range(len(x)):
        t = int(indices[i])
        fill = x[i].mean(axis=(0, 1)) if baseline == "mean" else float(baseline)
        with _occlusion_fill(fill), contextlib.redirect_stdout(io.StringIO()):
            sens = occ.get_sensitivity_map(model, x[i], t, patch_size)
        # tf-explain returns 1 - score(occluded); the attribution is the drop in score.
        out[i] = np.asarray(sens, dtype=np.float32) - (1.0 - float(scores[i, t]))
    return out


def tfx_vanilla_gradients(model, x, indices):
    out = np.zeros_like(x)
    for t, pos in _groups(indices):
        out[pos] = VanillaGradients.compute_gradients(x[pos], model, t).numpy()
    return out


def tfx_gradients_inputs(model, x, indices):
    out = np.zeros_like(x)
    for t, pos in _groups(indices):
        out[pos] = GradientsInputs.compute_gradients(x[pos], model, t).numpy()
    return out


def tfx_integrated_gradients(model, x, indices, steps: int = 32):
    out = np.zeros_like(x)
    for t, pos in _groups(indices):
        paths = IntegratedGradients.generate_interpolations(x[pos], steps)
        avg = IntegratedGradients.get_integrated_gradients(paths, model, t, steps).numpy()
        # tf-explain returns the path-averaged gradient; IG multiplies it by (x - baseline=0).
        out[pos] = avg * x[pos]
    return out


def tfx_smoothgrad(softmax_model, x, indices, samples: int = 16, noise: float = 0.1, seed: int = 0):
    shape = tuple(softmax_model.output_shape) if len(softmax_model.outputs) == 1 else ()
    if len(shape) != 2:
        raise UnsupportedModelError(
            f"method 'tfx.smoothgrad' differentiates tf-explain's cross-entropy over classes and "
            f"needs a classifier with one output of shape (N, classes); model "
            f"{softmax_model.name!r} outputs {shape or 'several tensors'}. Use 'smoothgrad' "
            "(iNNvestigate) instead."
        )
    out = np.zeros_like(x)
    rng_state = np.random.get_state()
    np.random.seed(seed)
    try:
        for t, pos in _groups(indices):
            noisy = SmoothGrad.generate_noisy_images(x[pos], samples, noise)
            grads = SmoothGrad.get_averaged_gradients(noisy, softmax_model, t, samples).numpy()
            # tf-explain differentiates the cross-entropy loss -log p_t; flip the sign so
            # that positive values are evidence for the target.
            out[pos] = -grads
    finally:
        np.random.set_state(rng_state)
    return out


# --- helpers for attribution.py (frontend) ---
_FRONTEND_OUTPUTS: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def frontend_predict(model, x, batch: int = 256) -> np.ndarray:
    """``model(x)`` as numpy, in batches of ``batch`` rows (``x``: an array or a list of arrays)."""
    xs = x if isinstance(x, list) else [x]
    parts = []
    for i in range(0, len(xs[0]), batch):
        chunk = [a[i : i + batch] for a in xs]
        out = model(chunk if isinstance(x, list) else chunk[0], training=False)
        parts.append(np.asarray(out, dtype=np.float32))
    return np.concatenate(parts)


def frontend_select_output(model, index: int):
    """A single-output model for output ``index`` of a multi-output model (cached, same layers)."""
    per_model = _FRONTEND_OUTPUTS.setdefault(model, {})
    if index not in per_model:
        per_model[index] = keras.Model(
            model.inputs, model.outputs[index], name=f"{model.name}_output_{index}"
        )
    return per_model[index]


def frontend_output_activation(model) -> str | None:
    """``"softmax"``, ``"sigmoid"`` or ``None``: the activation of the model's last layer."""
    if has_softmax(model):
        return "softmax"
    return "sigmoid" if _activation_name(model.layers[-1]) == "sigmoid" else None


def frontend_tfx_smoothgrad(model, noisy: np.ndarray, target: int, samples: int) -> np.ndarray:
    """tf-explain's averaged gradient of -log p(target) over ``samples`` noisy rows per input."""
    grads = SmoothGrad.get_averaged_gradients(tf.constant(noisy), model, target, samples)
    return np.asarray(grads, dtype=np.float32)
