"""One attribution API over iNNvestigate and tf-explain: :func:`explain` and :func:`methods`.

Eager execution stays on: iNNvestigate analyzers run in private graphs (see
``xai4ess._backend``), tf-explain runs eagerly, and both can be used in any
order in the kernel where the model is trained. Analyzers are cached per
(model, method, options) and always use the model's current weights.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass
from typing import Any

import numpy as np

from .errors import InputShapeError, TargetError, UnknownMethodError

__all__ = ["explain", "methods", "method_info", "MethodInfo", "clear_cache"]


@dataclass(frozen=True)
class MethodInfo:
    """What an explanation method is, where it comes from and what it returns."""

    name: str
    backend: str
    signed: bool
    per_channel: bool
    question: str
    defaults: tuple = ()

    @property
    def output(self) -> str:
        return "x.shape" if self.per_channel else "x.shape[:-1]"


def _m(name, backend, signed, question, per_channel=True, **defaults):
    return MethodInfo(name, backend, signed, per_channel, question, tuple(sorted(defaults.items())))


_METHODS: dict[str, MethodInfo] = {
    m.name: m
    for m in [
        _m(
            "gradient",
            "iNNvestigate",
            True,
            "How sensitive is the score to a small change of each input value? (saliency)",
        ),
        _m(
            "input_t_gradient",
            "iNNvestigate",
            True,
            "Input times gradient: a first-order estimate of each input's contribution.",
        ),
        _m(
            "smoothgrad",
            "iNNvestigate",
            True,
            "The gradient averaged over noisy copies of the input: sensitivity without the noise.",
            augment_by_n=16,
            noise_scale=None,
            seed=0,
        ),
        _m(
            "integrated_gradients",
            "iNNvestigate",
            True,
            "How much does each input contribute along a straight path from a baseline?",
            steps=32,
            reference_inputs=0.0,
        ),
        _m(
            "guided_backprop",
            "iNNvestigate",
            True,
            "Which input patterns excite the score through positive paths (ReLU nets only)?",
        ),
        _m(
            "deep_taylor",
            "iNNvestigate",
            False,
            "Deep Taylor decomposition: positive evidence, conserving the (positive) score.",
        ),
        _m(
            "lrp.z",
            "iNNvestigate",
            True,
            "LRP-0 (z rule): redistribute the score in proportion to the contributions z_ij.",
        ),
        _m(
            "lrp.epsilon",
            "iNNvestigate",
            True,
            "LRP-epsilon: the z rule with a stabiliser that absorbs weak, noisy contributions.",
            epsilon=1e-7,
        ),
        _m(
            "lrp.alpha_1_beta_0",
            "iNNvestigate",
            True,
            "LRP-alpha1beta0: which inputs provide positive evidence for the score? "
            "(non-negative for a positive score up to bias effects; negative scores flip it)",
        ),
        _m(
            "lrp.alpha_2_beta_1",
            "iNNvestigate",
            True,
            "LRP-alpha2beta1: positive evidence, minus counter-evidence.",
        ),
        _m(
            "lrp.alpha_beta",
            "iNNvestigate",
            True,
            "LRP-alpha-beta with your alpha and beta (iNNvestigate convention: alpha - beta = 1).",
            alpha=1.0,
            beta=0.0,
        ),
        _m(
            "lrp.sequential_preset_a",
            "iNNvestigate",
            True,
            "Composite LRP: epsilon rule for dense layers, alpha1beta0 for convolutions.",
        ),
        _m(
            "gradcam",
            "tf-explain",
            False,
            "Which regions of a convolutional feature map support the score? (coarse, unsigned)",
            per_channel=False,
            layer=None,
        ),
        _m(
            "occlusion",
            "tf-explain",
            True,
            "How much does the score drop when a patch of the input is hidden?",
            per_channel=False,
            patch_size=4,
            baseline="mean",
        ),
        _m(
            "tfx.vanilla_gradients",
            "tf-explain",
            True,
            "The gradient of the score (saliency), computed eagerly by tf-explain.",
        ),
        _m(
            "tfx.smoothgrad",
            "tf-explain",
            True,
            "tf-explain's SmoothGrad: gradient of log p(target) averaged over noisy inputs.",
            samples=16,
            noise=0.1,
            seed=0,
        ),
        _m(
            "tfx.integrated_gradients",
            "tf-explain",
            True,
            "Integrated gradients from a zero baseline, via tf-explain's path gradients.",
            steps=32,
        ),
        _m(
            "tfx.gradients_inputs",
            "tf-explain",
            True,
            "Input times gradient, computed eagerly by tf-explain.",
        ),
    ]
}

_INN_NAMES = {
    "gradient": "gradient",
    "input_t_gradient": "input_t_gradient",
    "smoothgrad": "smoothgrad",
    "integrated_gradients": "integrated_gradients",
    "guided_backprop": "guided_backprop",
    "deep_taylor": "deep_taylor",
    "lrp.z": "lrp.z",
    "lrp.epsilon": "lrp.epsilon",
    "lrp.alpha_1_beta_0": "lrp.alpha_1_beta_0",
    "lrp.alpha_2_beta_1": "lrp.alpha_2_beta_1",
    "lrp.alpha_beta": "lrp.alpha_beta",
    "lrp.sequential_preset_a": "lrp.sequential_preset_a",
}


def methods():
    """Every method name with its backend, the question it answers and its output.

    Returns
    -------
    pandas.DataFrame
        Indexed by method name; columns ``backend``, ``signed``, ``output``
        (``"x.shape"`` or ``"x.shape[:-1]"``), ``question`` and ``options``.

    Examples
    --------
    >>> import xai4ess
    >>> "lrp.epsilon" in xai4ess.methods().index
    True
    """
    import pandas as pd

    rows = [
        {
            "method": m.name,
            "backend": m.backend,
            "signed": m.signed,
            "output": m.output,
            "question": m.question,
            "options": ", ".join(f"{k}={v!r}" for k, v in m.defaults),
        }
        for m in _METHODS.values()
    ]
    return pd.DataFrame(rows).set_index("method")


def method_info(method: str) -> MethodInfo:
    """The :class:`MethodInfo` of a method name (raises UnknownMethodError)."""
    try:
        return _METHODS[method]
    except KeyError:
        close = difflib.get_close_matches(str(method), list(_METHODS), n=3, cutoff=0.4)
        hint = f" Did you mean {', '.join(repr(c) for c in close)}?" if close else ""
        raise UnknownMethodError(
            f"unknown method {method!r}.{hint} Known methods: {', '.join(_METHODS)}."
        ) from None


def clear_cache() -> None:
    """Close every cached iNNvestigate analyzer (frees their graphs and sessions)."""
    from . import _backend

    _backend.ANALYZERS.clear()


# ---------------------------------------------------------------------------
def _check_input(model, x) -> np.ndarray:
    try:
        x = np.asarray(x, dtype=np.float32)
    except (TypeError, ValueError) as exc:
        raise InputShapeError(f"x must be a numeric array: {exc}") from None
    expected = tuple(model.input_shape)
    shown = "(N, " + ", ".join("any" if d is None else str(d) for d in expected[1:]) + ")"
    if x.ndim == len(expected) - 1 and all(
        e is None or e == s for e, s in zip(expected[1:], x.shape)
    ):
        raise InputShapeError(
            f"x has shape {x.shape}, the model expects a batch {shown}; for one sample "
            f"pass x[None] (shape {(1,) + x.shape})."
        )
    if x.ndim != len(expected) or any(
        e is not None and e != s for e, s in zip(expected[1:], x.shape[1:])
    ):
        raise InputShapeError(f"x has shape {x.shape}, the model expects {shown}.")
    if len(x) == 0:
        raise InputShapeError("x is an empty batch.")
    if not np.all(np.isfinite(x)):
        raise InputShapeError("x contains NaN or infinite values.")
    return x


def _resolve_target(target, n: int, out_shape: tuple, classifier: bool, scores=None):
    """Return (flat indices per sample, region weights or None).

    ``scores`` is a callable giving the model's scores; it is only called when
    the target is the predicted class (the argmax), so explicit targets cost no
    extra forward pass. With ``scores=None`` the argmax is left to the backend
    (indices ``None``).
    """
    ndim = len(out_shape)
    if ndim == 2:  # vector output: classes or regression outputs
        k = out_shape[1]
        if target is None:
            if k == 1:
                return np.zeros(n, dtype=np.int32), None
            if scores is None:
                return None, None
            return np.argmax(scores(), axis=1).astype(np.int32), None
        t = np.asarray(target)
        if t.dtype == bool or not np.issubdtype(t.dtype, np.integer) or t.ndim > 1:
            raise TargetError(
                f"this model has a vector output of {k} units: target must be None (the "
                f"{'predicted class' if classifier else 'largest output'}) or an int in [0, {k - 1}]"
                f"{' (or one int per sample)' if n > 1 else ''}; got {target!r}."
            )
        t = np.broadcast_to(t, (n,)) if t.ndim == 0 else t
        if len(t) != n:
            raise TargetError(f"got {len(t)} targets for {n} samples.")
        if np.any((t < 0) | (t >= k)):
            raise TargetError(
                f"target {target!r} is out of range: valid output units are 0 to {k - 1}."
            )
        return t.astype(np.int32), None

    # image output (N, H, W[, C])
    spatial = tuple(out_shape[1:3])
    channels = out_shape[3] if ndim == 4 else 1
    shape_txt = f"{tuple(out_shape[1:])}"
    if target is None:
        raise TargetError(
            f"this model outputs an image of shape {shape_txt}: pass target=(row, col) for one "
            f"output pixel or a boolean mask of shape {tuple(spatial)} for a region."
        )
    if (
        isinstance(target, tuple)
        and len(target) in (2, 3)
        and all(isinstance(v, (int, np.integer)) for v in target)
    ):
        row, col = int(target[0]), int(target[1])
        ch = int(target[2]) if len(target) == 3 else 0
        if not (0 <= row < spatial[0] and 0 <= col < spatial[1] and 0 <= ch < channels):
            raise TargetError(
                f"target pixel {target!r} is outside the output: rows 0-{spatial[0] - 1}, "
                f"columns 0-{spatial[1] - 1}"
                + (f", channels 0-{channels - 1}" if channels > 1 else "")
                + "."
            )
        flat = (row * spatial[1] + col) * channels + ch
        return np.full(n, flat, dtype=np.int32), None
    mask = np.asarray(target)
    if mask.dtype == bool and mask.shape == tuple(spatial):
        if not mask.any():
            raise TargetError("the target mask selects no pixel.")
        w = (
            np.repeat(mask.astype(np.float32)[..., None], channels, axis=-1)
            if channels > 1
            else mask.astype(np.float32)
        )
        w = w / w.sum()
        return np.zeros(n, dtype=np.int32), w.reshape(-1)
    raise TargetError(
        f"for an image output of shape {shape_txt}, target must be (row, col)"
        f"{' or (row, col, channel)' if channels > 1 else ''} or a boolean mask of shape "
        f"{tuple(spatial)}; got {type(target).__name__}"
        + (f" of shape {mask.shape} and dtype {mask.dtype}" if hasattr(mask, "shape") else "")
        + "."
    )


def explain(
    model, x, method: str = "lrp.alpha_1_beta_0", target: Any = None, **options
) -> np.ndarray:
    """Attribution (heatmap) of a Keras model's output for a batch of inputs.

    Parameters
    ----------
    model : keras.Model
        A functional or Sequential model. A final softmax (a separate
        ``Activation("softmax")`` layer or a layer's softmax activation) is
        stripped automatically: the pre-softmax score is explained.
    x : ndarray
        A batch with the model's input shape, e.g. ``(N, H, W, C)``.
    method : str
        A name from :func:`methods`: ``gradient``, ``input_t_gradient``,
        ``smoothgrad``, ``integrated_gradients``, ``guided_backprop``,
        ``deep_taylor``, ``lrp.z``, ``lrp.epsilon``, ``lrp.alpha_1_beta_0``,
        ``lrp.alpha_2_beta_1``, ``lrp.alpha_beta`` (``alpha``, ``beta``),
        ``lrp.sequential_preset_a`` (iNNvestigate); ``gradcam`` (``layer``),
        ``occlusion`` (``patch_size``, ``baseline``), ``tfx.vanilla_gradients``,
        ``tfx.smoothgrad``, ``tfx.integrated_gradients``,
        ``tfx.gradients_inputs`` (tf-explain).
    target : None, int, tuple or ndarray of bool
        What to explain. ``None``: the predicted class of a classifier, or the
        single output of a scalar regression. ``int``: that output unit (or one
        int per sample). For a model whose output is an image ``(N, H, W[, C])``:
        ``(row, col)`` (or ``(row, col, channel)``) explains that output pixel;
        a boolean mask of shape ``(H, W)`` explains the mean over that region.
    **options
        Method options, e.g. ``epsilon`` for ``lrp.epsilon``, ``alpha`` and
        ``beta`` for ``lrp.alpha_beta``, ``steps`` for integrated gradients,
        ``augment_by_n``/``noise_scale`` for ``smoothgrad``.

    Returns
    -------
    ndarray of float32
        The raw attribution (never an RGB overlay), with the shape of ``x``.
        ``gradcam`` and ``occlusion`` give one map per sample without
        channels: shape ``x.shape[:-1]``. ``gradcam`` is ReLU-ed and resized
        bilinearly to the input; ``occlusion`` is the drop of the score when a
        patch is replaced by the sample's channel mean.

    Notes
    -----
    The alpha-beta rule follows iNNvestigate and zennit: positive and
    negative contributions are weighted by ``alpha`` and ``beta`` with
    ``alpha - beta = 1`` and the negative term subtracted.
    ``tfx.integrated_gradients`` multiplies tf-explain's path-averaged
    gradient by the input (the definition of Sundararajan et al. 2017);
    ``tfx.smoothgrad`` is the gradient of log p(target) (tf-explain
    differentiates the cross-entropy) and needs a softmax classifier.

    Raises
    ------
    UnknownMethodError, InputShapeError, TargetError, UnsupportedModelError

    Examples
    --------
    >>> import xai4ess
    >>> model = xai4ess.models.load("horses")  # doctest: +SKIP
    >>> r = xai4ess.explain(model, x[:8], "lrp.epsilon")  # doctest: +SKIP
    """
    info = method_info(method)
    from . import _backend

    _backend.check_functional(model)
    x = _check_input(model, x)
    allowed = dict(info.defaults)
    if method == "lrp.alpha_beta":
        allowed = {"alpha": 1.0, "beta": 0.0}
    extra = {"epsilon"} if method.startswith("lrp") else set()
    unknown = set(options) - set(allowed) - extra
    if unknown and info.backend == "tf-explain":
        raise TypeError(
            f"method {method!r} takes options {sorted(allowed)}; got {sorted(unknown)}."
        )
    opts = {**allowed, **options}

    scores_model = _backend.score_model(model)
    classifier = _backend.has_softmax(model)
    out_shape = tuple(scores_model.output_shape)
    if any(d is None for d in out_shape[1:]):  # fully convolutional: ask a forward pass
        out_shape = tuple(scores_model.compute_output_shape(x.shape))
    backend_argmax = info.backend == "iNNvestigate" and method not in (
        "smoothgrad",
        "integrated_gradients",
    )
    indices, region = _resolve_target(
        target,
        len(x),
        out_shape,
        classifier,
        None if backend_argmax else (lambda: np.asarray(scores_model(x, training=False))),
    )
    if len(out_shape) > 2 and (region is not None or info.backend == "tf-explain"):
        # A flattening or region-mean head needs a fixed input size: use a copy of a
        # fully convolutional model built for x's size (it carries the current weights).
        model = _backend.fixed_size(model, x.shape[1:])
        scores_model = _backend.score_model(model)

    if info.backend == "iNNvestigate":
        _backend.check_innvestigate_layers(model, method)
        inn_opts = {k: v for k, v in opts.items() if v is not None}
        if method == "lrp.alpha_beta":
            a, b = float(inn_opts["alpha"]), float(inn_opts["beta"])
            if not np.isclose(a - b, 1.0):
                raise ValueError(
                    f"lrp.alpha_beta needs alpha - beta = 1 (iNNvestigate convention); got "
                    f"alpha={a}, beta={b}. In the convention of Bach et al. 2015 "
                    f"(beta = 1 - alpha with a '+beta' term) see the heatmap-zoo chapter."
                )
        if method == "smoothgrad" and "noise_scale" not in inn_opts:
            inn_opts["noise_scale"] = float(0.1 * (x.max() - x.min()) or 0.1)
        # Chunks of at most 64 samples keep the memory of large batches flat.
        step = len(x) if method in ("smoothgrad", "integrated_gradients") else 64
        parts = [
            _backend.innvestigate_analyze(
                model,
                x[i : i + step],
                _INN_NAMES[method],
                method,
                inn_opts,
                None if indices is None else indices[i : i + step],
                region,
            )
            for i in range(0, len(x), step)
        ]
        return np.concatenate(parts).reshape(x.shape).astype(np.float32)

    # tf-explain: explain the pre-softmax score model (flattened / region head for image outputs)
    target_model = scores_model
    if len(out_shape) > 2:
        target_model = _backend.flat_head_model(scores_model, region)
    if method == "gradcam":
        out = _backend.tfx_gradcam(target_model, x, indices, layer=opts.get("layer"))
    elif method == "occlusion":
        out = _backend.tfx_occlusion(
            target_model, x, indices, int(opts["patch_size"]), opts["baseline"]
        )
    elif method == "tfx.vanilla_gradients":
        out = _backend.tfx_vanilla_gradients(target_model, x, indices)
    elif method == "tfx.gradients_inputs":
        out = _backend.tfx_gradients_inputs(target_model, x, indices)
    elif method == "tfx.integrated_gradients":
        out = _backend.tfx_integrated_gradients(target_model, x, indices, int(opts["steps"]))
    elif method == "tfx.smoothgrad":
        if not classifier:
            from .errors import UnsupportedModelError

            raise UnsupportedModelError(
                f"method 'tfx.smoothgrad' differentiates tf-explain's cross-entropy loss and needs a "
                f"classifier ending in softmax; model {model.name!r} has none. Use 'smoothgrad' "
                "(iNNvestigate) instead."
            )
        out = _backend.tfx_smoothgrad(
            model, x, indices, int(opts["samples"]), float(opts["noise"]), int(opts["seed"])
        )
    else:  # pragma: no cover - every method is handled above
        raise AssertionError(method)
    return np.asarray(out, dtype=np.float32)
