"""The one module that touches TensorFlow, Keras, iNNvestigate and tf-explain internals.

iNNvestigate 2.1 needs TensorFlow graph mode; tf-explain and the students'
training loops need eager mode. We keep eager execution on and give every
iNNvestigate analyzer a private ``tf.Graph``:

1. a clone of the user's model is rebuilt from its config inside the graph,
2. the analyzer is built on the clone there, and its output tensors are
   evaluated with a ``tf.compat.v1.Session`` that belongs to that graph,
3. before each call the user's current weights are assigned to the clone, so a
   cached analyzer never serves stale weights,
4. afterwards the Keras class bases that graph mode swapped (Keras 2.14 swaps
   v1/v2 base classes when a layer is created in graph mode) are restored, and
   Keras' per-graph layer-name counters are seeded so the names the analyzer
   creates never collide with the clone's.

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
from .errors import UnsupportedModelError

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


def _is_softmax_layer(layer) -> bool:
    if isinstance(layer, keras.layers.Softmax):
        return True
    act = getattr(layer, "activation", None)
    return act is not None and getattr(act, "__name__", "") == "softmax"


def has_softmax(model) -> bool:
    return _is_softmax_layer(model.layers[-1])


def check_functional(model) -> None:
    if not isinstance(model, keras.Model):
        raise TypeError(f"expected a keras.Model, got {type(model).__name__}")
    if not (getattr(model, "_is_graph_network", False)):
        raise UnsupportedModelError(
            f"model {model.name!r} is a subclassed keras.Model; xai4ess.explain needs a "
            "functional or Sequential model (its layers must be known to rebuild it). "
            "Rebuild it with keras.Input(...) and the functional API."
        )


def check_innvestigate_layers(model, method: str) -> None:
    for layer in all_layers(model):
        kind = type(layer).__name__
        if kind in _INNVESTIGATE_UNSUPPORTED:
            raise UnsupportedModelError(
                f"method {method!r} (iNNvestigate) cannot analyse layer {layer.name!r} of type "
                f"{kind}. Methods that work with any differentiable model: "
                f"{', '.join(GENERIC_METHODS)}."
            )


def score_model(model):
    """An eager model returning the pre-softmax scores (the model itself if no softmax)."""
    last = model.layers[-1]
    if not has_softmax(model):
        return model
    if isinstance(last, (keras.layers.Activation, keras.layers.Softmax)):
        return keras.Model(model.inputs, last.input, name=f"{model.name}_scores")
    # A layer with a built-in softmax activation: reapply it with a linear activation.
    config = last.get_config()
    config["activation"] = "linear"
    config["name"] = f"{last.name}_linear"
    linear = type(last).from_config(config)
    out = linear(last.input)
    linear.set_weights(last.get_weights())
    return keras.Model(model.inputs, out, name=f"{model.name}_scores")


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
    head_placeholder: object | None
    head_assign: object | None
    augment_by_n: int

    def run(self, model, x: np.ndarray, indices, mask_weights=None) -> np.ndarray:
        """Analyse ``x`` with ``model``'s current weights; ``indices=None``: the argmax."""
        feed = dict(zip(self.placeholders, model.get_weights()))
        ops = list(self.assign_ops)
        if self.head_assign is not None:
            feed[self.head_placeholder] = mask_weights.reshape(-1, 1)
            ops.append(self.head_assign)
        with _LOCK:
            self.session.run(ops, feed_dict=feed)
            feed = {self.inputs[0]: x}
            if indices is not None:
                idx = np.repeat(np.asarray(indices, dtype=np.int32), self.augment_by_n)
                feed[self.inputs[1]] = np.stack([np.arange(idx.size, dtype=np.int32), idx], axis=1)
            out = self.session.run(self.outputs[0], feed_dict=feed)
        return np.asarray(out, dtype=np.float32)

    def close(self):
        with contextlib.suppress(Exception):
            self.session.close()


def _clone_in_graph(model):
    config = model.get_config()
    custom = {}
    if isinstance(model, keras.Sequential):
        clone = keras.Sequential.from_config(config, custom_objects=custom)
    else:
        clone = keras.Model.from_config(config, custom_objects=custom)
    return clone


def _strip_softmax_in_graph(clone):
    last = clone.layers[-1]
    if isinstance(last, (keras.layers.Activation, keras.layers.Softmax)) and _is_softmax_layer(
        last
    ):
        return keras.Model(clone.inputs, last.input, name=f"{clone.name}_scores")
    if _is_softmax_layer(last):
        return innvestigate.model_wo_softmax(clone)
    return clone


def _raise_for_checks(analyzer, method: str) -> None:
    checks = analyzer._model_checks
    if not checks:
        return
    triggered = igraph.model_contains(analyzer._model, [c["check"] for c in checks])
    for layers, check in zip(triggered, checks):
        if layers:
            layer = layers[0]
            raise UnsupportedModelError(
                f"method {method!r} (iNNvestigate) cannot analyse layer {layer.name!r} of type "
                f"{type(layer).__name__}: {check['message'].strip()} Methods that work with any "
                f"differentiable model: {', '.join(GENERIC_METHODS)}."
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
    {"lrp.alpha_1_beta_0", "lrp.alpha_2_beta_1", "lrp.alpha_beta", "lrp.sequential_preset_a"}
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


def build_analyzer(
    model,
    inn_name: str,
    method: str,
    options: dict,
    region: bool,
    mode: str = "index",
    inputs_nonnegative: bool = False,
) -> _GraphAnalyzer:
    """Build an iNNvestigate analyzer for ``model`` in a private graph.

    ``inputs_nonnegative=True`` builds it for inputs without negative values
    only (alpha-beta rules then skip work on the all-zero negative part).
    """
    graph = tf.Graph()
    with _LOCK, _private_graph(graph), contextlib.redirect_stdout(io.StringIO()):
        clone = _clone_in_graph(model)
        scores = _strip_softmax_in_graph(clone)
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
        _raise_for_checks(analyzer, method)
        _use_zero_skipping_rules(analyzer, inputs_nonnegative)
        sub = getattr(analyzer, "_subanalyzer", None)
        try:
            analyzer.create_analyzer_model()
        except (NotImplementedError, NotAnalyzeableModelException) as exc:
            raise UnsupportedModelError(
                f"method {method!r} (iNNvestigate) cannot analyse model {model.name!r}"
                f"{': ' + str(exc) if str(exc) else ''}. Methods that work with any "
                f"differentiable model: {', '.join(GENERIC_METHODS)}."
            ) from None
        amodel = (sub or analyzer)._analyzer_model
        augment = int(getattr(analyzer, "_augment_by_n", 1)) if sub is not None else 1
        placeholders = [
            tf.compat.v1.placeholder(w.dtype.base_dtype, w.shape) for w in clone.weights
        ]
        assign_ops = [w.assign(p) for w, p in zip(clone.weights, placeholders)]
        session = tf.compat.v1.Session(graph=graph)
        session.run(tf.compat.v1.global_variables_initializer())
        return _GraphAnalyzer(
            graph=graph,
            session=session,
            inputs=list(amodel.inputs),
            outputs=list(amodel.outputs),
            placeholders=placeholders,
            assign_ops=assign_ops,
            head_placeholder=head_ph,
            head_assign=head_assign,
            augment_by_n=augment,
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


def innvestigate_analyze(model, x, inn_name, method, options, indices, mask_weights=None):
    if inn_name in ("integrated_gradients", "smoothgrad"):
        return _augmented_gradient(model, x, inn_name, method, options, indices, mask_weights)
    mode = "max_activation" if indices is None else "index"
    # Alpha-beta rules can skip the negative part of the input if there is none;
    # such an analyzer is only ever used for batches without negative values.
    nonnegative = inn_name in ALPHA_BETA_ANALYZERS and bool(np.all(x >= 0))
    key = (
        inn_name,
        tuple(sorted((k, repr(v)) for k, v in options.items())),
        mask_weights is not None,
        mode,
        nonnegative,
    )
    analyzer = ANALYZERS.get(
        model,
        key,
        lambda: build_analyzer(
            model, inn_name, method, options, mask_weights is not None, mode, nonnegative
        ),
    )
    return analyzer.run(model, x, indices, mask_weights)


def _augmented_gradient(model, x, inn_name, method, options, indices, mask_weights, chunk=1024):
    """iNNvestigate's IntegratedGradients / SmoothGrad wrappers, with the augmentation in numpy.

    The wrappers' own augmented graphs give wrong results when evaluated in a
    private graph, so we apply their exact recipe around iNNvestigate's
    Gradient analyzer: integrated gradients average the gradient at
    ``ref + k/n (x - ref)`` for ``k = 0..n-1`` (iNNvestigate's left Riemann sum)
    and multiply by ``x - ref``; SmoothGrad averages the gradient at
    ``x + N(0, noise_scale^2)`` over ``augment_by_n`` draws from a seeded
    generator (reproducible, unlike a TensorFlow random op).
    """
    n_in = len(x)
    if inn_name == "integrated_gradients":
        n = int(options.get("steps", 64))
        ref = np.broadcast_to(np.asarray(options.get("reference_inputs", 0.0), np.float32), x.shape)
        alphas = (np.arange(n, dtype=np.float32) / n).reshape((1, n) + (1,) * (x.ndim - 1))
        aug = (ref[:, None] + alphas * (x - ref)[:, None]).reshape((n_in * n,) + x.shape[1:])
    else:
        n = int(options.get("augment_by_n", 64))
        scale = float(options.get("noise_scale", 1.0))
        rng = np.random.default_rng(int(options.get("seed", 0)))
        noise = rng.normal(0.0, scale, size=(n_in, n) + x.shape[1:]).astype(np.float32)
        aug = (x[:, None] + noise).reshape((n_in * n,) + x.shape[1:])
    idx = np.repeat(np.asarray(indices), n)
    key = ("gradient", (), mask_weights is not None, "index")
    grad = ANALYZERS.get(
        model, key, lambda: build_analyzer(model, "gradient", method, {}, mask_weights is not None)
    )
    parts = [
        grad.run(model, aug[i : i + chunk], idx[i : i + chunk], mask_weights)
        for i in range(0, len(aug), chunk)
    ]
    mean = np.concatenate(parts).reshape((n_in, n) + x.shape[1:]).mean(axis=1)
    if inn_name == "integrated_gradients":
        return (mean * (x - ref)).astype(np.float32)
    return mean.astype(np.float32)


# ---------------------------------------------------------------------------
# tf-explain (eager)
# ---------------------------------------------------------------------------
def _groups(indices: np.ndarray):
    """Yield (target index, sample positions) groups: tf-explain takes one class per call."""
    for t in np.unique(indices):
        yield int(t), np.flatnonzero(indices == t)


def default_gradcam_layer(model) -> str:
    """Name of the last layer with a 4-D output before the first flattening layer."""
    name = None
    for layer in model.layers:
        if isinstance(
            layer,
            (
                keras.layers.Flatten,
                keras.layers.GlobalAveragePooling2D,
                keras.layers.GlobalMaxPooling2D,
                keras.layers.Dense,
            ),
        ):
            break
        shape = getattr(layer, "output_shape", None)
        if (
            isinstance(shape, tuple)
            and len(shape) == 4
            and not isinstance(layer, keras.layers.InputLayer)
        ):
            name = layer.name
    if name is None:
        raise UnsupportedModelError(
            f"method 'gradcam' needs a convolutional layer with an (N, H, W, C) output; model "
            f"{model.name!r} has none. Try 'lrp.epsilon' or 'integrated_gradients'."
        )
    return name


def tfx_gradcam(model, x, indices, layer: str | None = None, guided: bool = False):
    import cv2

    layer = layer or default_gradcam_layer(model)
    try:
        model.get_layer(layer)
    except ValueError:
        names = [lay.name for lay in model.layers]
        raise ValueError(f"gradcam: model has no layer {layer!r}; layers: {names}") from None
    out = np.zeros(x.shape[:-1], dtype=np.float32)
    for t, pos in _groups(indices):
        conv, grads = _tfx_grad_cam.GradCAM.get_gradients_and_filters(
            model, x[pos], layer, t, guided
        )
        cams = _tfx_grad_cam.GradCAM.generate_ponderated_output(conv, grads)
        for p, cam in zip(pos, cams):
            cam = np.maximum(np.asarray(cam, dtype=np.float32), 0.0)  # Grad-CAM's ReLU
            out[p] = cv2.resize(cam, (x.shape[2], x.shape[1]), interpolation=cv2.INTER_LINEAR)
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
    if h != w:
        raise UnsupportedModelError(
            f"method 'occlusion' (tf-explain) needs square inputs; got {h}x{w}. "
            "Use 'integrated_gradients' or 'lrp.epsilon' for non-square inputs."
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
