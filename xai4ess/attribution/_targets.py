"""One target resolver for every explanation backend (numpy only, no TensorFlow).

A target says *which scalar* of a model's output is explained. It is resolved
once, before any backend runs, into a :class:`Target`: either one flat output
index per sample, or a weighted sum of the (flattened) output with one weight
vector per group of samples. Region means (image outputs) and the class
contrast (classifiers) are weighted sums, so every backend runs them through
the same linear output head.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass

import numpy as np

from ..errors import TargetError

__all__ = ["Target", "resolve_target", "contrast_weights"]


@dataclass(frozen=True)
class Target:
    """A resolved target.

    Attributes
    ----------
    indices : ndarray of int32 or None
        One flat index into the flattened output per sample; ``None`` leaves
        the argmax to the backend (only for plain vector outputs).
    weights : ndarray of float32 or None
        ``(G, D)`` weight vectors over the flattened output ``D``; the score
        explained for sample ``i`` is ``output[i].ravel() @ weights[group[i]]``.
    group : ndarray of int or None
        Which weight vector each sample uses.
    label : str
        A short description (stored in xarray results).
    """

    indices: np.ndarray | None
    weights: np.ndarray | None = None
    group: np.ndarray | None = None
    label: str = ""

    def groups(self, n: int) -> Iterator[tuple[np.ndarray, np.ndarray | None, np.ndarray | None]]:
        """Yield ``(positions, indices, weights)``: samples that share one output head.

        >>> t = Target(None, np.eye(2, dtype=np.float32), np.array([1, 0, 1]))
        >>> [(p.tolist(), w.tolist()) for p, _, w in t.groups(3)]
        [([1], [1.0, 0.0]), ([0, 2], [0.0, 1.0])]
        """
        if self.weights is None:
            yield np.arange(n), self.indices, None
            return
        for g in np.unique(self.group):
            pos = np.flatnonzero(self.group == g)
            yield pos, np.zeros(len(pos), dtype=np.int32), self.weights[g]

    def scores(self, outputs: np.ndarray, positions: np.ndarray) -> np.ndarray:
        """The explained scalar of each row of ``outputs`` (rows belong to ``positions``).

        >>> t = Target(np.array([1, 0], dtype=np.int32))
        >>> t.scores(np.array([[1.0, 2.0], [3.0, 4.0]]), np.array([0, 1])).tolist()
        [2.0, 3.0]
        """
        flat = np.asarray(outputs, dtype=np.float64).reshape(len(outputs), -1)
        if self.weights is None:
            return flat[np.arange(len(flat)), self.indices[positions]]
        return np.einsum("nd,nd->n", flat, self.weights[self.group[positions]])


def contrast_weights(k: int, classes: np.ndarray) -> np.ndarray:
    """Weights of ``logit[c] - mean(logit[j] for j != c)`` for each class ``c``.

    >>> contrast_weights(3, np.array([0, 2])).tolist()
    [[1.0, -0.5, -0.5], [-0.5, -0.5, 1.0]]
    """
    w = np.full((len(classes), k), -1.0 / (k - 1), dtype=np.float32)
    w[np.arange(len(classes)), classes] = 1.0
    return w


def _int_targets(target, n: int, k: int, what: str) -> np.ndarray:
    """One int per sample in ``[0, k)`` from an int or a list/array of ints."""
    t = np.asarray(target)
    if t.dtype == bool or not np.issubdtype(t.dtype, np.integer) or t.ndim > 1:
        raise TargetError(
            f"{what} must be an int in [0, {k - 1}]"
            f"{' or a list/array of one int per sample' if n > 1 else ''}; got {target!r}."
        )
    t = np.broadcast_to(t, (n,)) if t.ndim == 0 else t
    if len(t) != n:
        raise TargetError(f"got {len(t)} values for {what} but {n} samples.")
    if np.any((t < 0) | (t >= k)):
        raise TargetError(
            f"{what} {target!r} is out of range: valid output units are 0 to {k - 1}."
        )
    return t.astype(np.int32)


def _vector_target(target, n, k, classifier, scores, contrast_class, backend_argmax) -> Target:
    kind = "predicted class" if classifier else "largest output"
    if isinstance(target, str) and target == "contrast":
        if k < 2:
            raise TargetError(
                "target='contrast' needs at least two output units; this model has one "
                "(its logit already is the log-odds of a binary classifier): use target=None."
            )
        if contrast_class is None:
            classes = np.argmax(scores(), axis=1).astype(np.int32)
        else:
            classes = _int_targets(contrast_class, n, k, "contrast_class")
        uniq, group = np.unique(classes, return_inverse=True)
        label = "contrast" if contrast_class is None else f"contrast of {contrast_class!r}"
        return Target(None, contrast_weights(k, uniq), group, label)
    if contrast_class is not None:
        raise TargetError("contrast_class is only used with target='contrast'.")
    if target is None:
        if k == 1:
            return Target(np.zeros(n, dtype=np.int32), label="output 0")
        if backend_argmax or scores is None:
            return Target(None, label=kind)
        return Target(np.argmax(scores(), axis=1).astype(np.int32), label=kind)
    if isinstance(target, tuple):
        raise TargetError(
            f"this model has a vector output of {k} units, not an image: a tuple such as "
            f"{target!r} would be read as (row, col). Pass an int, or a list/array of one int "
            f"per sample (e.g. target=[{', '.join(str(v) for v in target)}]) to explain one "
            "class per sample."
        )
    if isinstance(target, str):
        raise TargetError(f"unknown target {target!r}: the only named target is 'contrast'.")
    return Target(_int_targets(target, n, k, "target"), label=str(target))


def _image_target(target, n, out_shape) -> Target:
    spatial = tuple(out_shape[1:3])
    channels = out_shape[3] if len(out_shape) == 4 else 1
    shape_txt = f"{tuple(out_shape[1:])}"
    if target is None:
        raise TargetError(
            f"this model outputs an image of shape {shape_txt}: pass target=(row, col) for one "
            f"output pixel or a boolean mask of shape {spatial} for a region."
        )
    if (
        isinstance(target, tuple)
        and len(target) in (2, 3)
        and all(isinstance(v, (int, np.integer)) for v in target)
    ):
        row, col = int(target[0]), int(target[1])
        ch = int(target[2]) if len(target) == 3 else 0
        if not (0 <= row < spatial[0] and 0 <= col < spatial[1]):
            raise TargetError(
                f"target pixel {target!r} is outside the output: rows 0-{spatial[0] - 1}, "
                f"columns 0-{spatial[1] - 1}."
            )
        if not 0 <= ch < channels:
            raise TargetError(
                f"target channel {ch} of {target!r} is out of range: the output has "
                f"{channels} channel{'s' if channels > 1 else ''} (0-{channels - 1})."
            )
        flat = (row * spatial[1] + col) * channels + ch
        return Target(np.full(n, flat, dtype=np.int32), label=str(target))
    mask = np.asarray(target) if not isinstance(target, str) else None
    if mask is not None and mask.dtype == bool and mask.shape == spatial:
        if not mask.any():
            raise TargetError("the target mask selects no pixel.")
        w = np.repeat(mask.astype(np.float32)[..., None], channels, axis=-1)
        w = (w / w.sum()).reshape(1, -1)
        return Target(None, w, np.zeros(n, dtype=np.int64), f"mean over {int(mask.sum())} pixels")
    raise TargetError(
        f"for an image output of shape {shape_txt}, target must be (row, col)"
        f"{' or (row, col, channel)' if channels > 1 else ''} or a boolean mask of shape "
        f"{spatial}; got {target!r}"
        + (f" of shape {mask.shape} and dtype {mask.dtype}" if hasattr(mask, "shape") else "")
        + "."
    )


def resolve_target(
    target,
    n: int,
    out_shape: tuple,
    classifier: bool,
    scores: Callable[[], np.ndarray] | None = None,
    contrast_class=None,
    backend_argmax: bool = False,
) -> Target:
    """Resolve a user's ``target`` for ``n`` samples of a model with output ``out_shape``.

    Parameters
    ----------
    target : None, int, list/array of int, ``"contrast"``, tuple or bool mask
        See :func:`xai4ess.explain`.
    n : int
        Number of samples.
    out_shape : tuple
        The explained output's shape ``(N, K)`` or ``(N, H, W[, C])``.
    classifier : bool
        Only changes the wording of messages.
    scores : callable, optional
        Returns the model's scores ``(n, K)``; called only when the predicted
        class is needed.
    backend_argmax : bool
        Leave the predicted class of a plain ``target=None`` to the backend
        (``indices=None``): no extra forward pass.
    contrast_class : int or list of int, optional
        The class whose contrast is explained with ``target="contrast"``.

    Examples
    --------
    >>> resolve_target([1, 2], 2, (None, 3), True).indices.tolist()
    [1, 2]
    >>> resolve_target((1, 2), 2, (None, 3), True)  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    xai4ess.errors.TargetError: this model has a vector output of 3 units, not an image: ...
    """
    if len(out_shape) == 2:
        k = int(out_shape[1])
        return _vector_target(target, n, k, classifier, scores, contrast_class, backend_argmax)
    if len(out_shape) in (3, 4):
        if contrast_class is not None or (isinstance(target, str) and target == "contrast"):
            raise TargetError(
                f"target='contrast' needs a vector (class) output; this model outputs shape "
                f"{tuple(out_shape[1:])}."
            )
        return _image_target(target, n, out_shape)
    raise TargetError(
        f"outputs of shape {tuple(out_shape[1:])} are not supported as targets; explain a model "
        "with a vector (N, K) or image (N, H, W[, C]) output."
    )
