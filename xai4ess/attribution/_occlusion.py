"""Occlusion sensitivity computed directly (numpy; the forward pass is a callable).

For every sample, a patch is moved over the input's spatial axes (every axis
between the sample axis and the channel axis: ``(N, T, C)`` series,
``(N, H, W, C)`` images, ``(N, D, H, W, C)`` volumes). At each position the
patch (all channels) is replaced by a baseline and the drop of the explained
score, ``score(x) - score(x with the patch replaced)``, is recorded. Each input
position receives the mean drop over the patches that cover it.

Patch positions along an axis of length ``L`` with patch ``p`` and stride
``s``: ``0, s, 2s, ...`` while the patch fits (``start <= L - p``), plus a
last patch ending at the border (start ``L - p``) if the regular ones leave
positions uncovered. Every patch has the full size; a patch larger than the
axis is cut to the axis length.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable

import numpy as np

from ..errors import InputShapeError, OptionError

__all__ = ["patch_starts", "occlusion_map"]


def patch_starts(length: int, patch: int, stride: int) -> list[int]:
    """Start positions of the patches along one axis.

    >>> patch_starts(8, 3, 3)
    [0, 3, 5]
    >>> patch_starts(9, 3, 3)
    [0, 3, 6]
    >>> patch_starts(4, 8, 8)
    [0]
    """
    patch = min(patch, length)
    starts = list(range(0, length - patch + 1, stride))
    if starts[-1] + patch < length:
        starts.append(length - patch)
    return starts


def _per_axis(value, n_axes: int, name: str) -> tuple[int, ...]:
    values = (value,) * n_axes if np.isscalar(value) else tuple(value)
    if len(values) != n_axes or not all(
        isinstance(v, (int, np.integer)) and v >= 1 for v in values
    ):
        raise OptionError(
            f"occlusion: {name} must be a positive int or {n_axes} positive ints (one per "
            f"spatial axis of the input); got {value!r}."
        )
    return tuple(int(v) for v in values)


def occlusion_map(
    x: np.ndarray,
    score: Callable[[np.ndarray, np.ndarray], np.ndarray],
    patch_size=4,
    stride=None,
    baseline="mean",
    batch: int = 256,
    progress: Callable | None = None,
) -> np.ndarray:
    """Mean score drop over the patches covering each position.

    Parameters
    ----------
    x : ndarray
        ``(N, *spatial, C)`` with at least one spatial axis.
    score : callable
        ``score(batch, owners)`` returns the explained score of each row of
        ``batch``; ``owners`` are the sample indices the rows belong to.
    patch_size, stride : int or tuple of int
        Per spatial axis; ``stride=None`` means ``stride = patch_size``
        (non-overlapping patches). ``stride`` must not exceed ``patch_size``.
    baseline : ``"mean"`` or float
        The value a patch is replaced by: ``"mean"`` is the sample's
        per-channel mean over all positions; a number fills every channel.
    batch : int
        Rows per forward pass.
    progress : callable, optional
        Called with the number of rows done after each forward pass.

    Returns
    -------
    ndarray of float32, shape ``(N, *spatial)``

    Examples
    --------
    >>> x = np.arange(4.0).reshape(1, 4, 1)
    >>> occlusion_map(x, lambda b, o: b.sum(axis=(1, 2)), patch_size=2, baseline=0.0)
    array([[1., 1., 5., 5.]], dtype=float32)
    """
    spatial = x.shape[1:-1]
    if len(spatial) == 0:
        raise InputShapeError(
            f"occlusion needs inputs with spatial axes, (N, T, C) or (N, H, W, C); got shape "
            f"{x.shape}. For (N, features) inputs use 'integrated_gradients' or 'lrp.epsilon'."
        )
    patch = _per_axis(patch_size, len(spatial), "patch_size")
    step = patch if stride is None else _per_axis(stride, len(spatial), "stride")
    if any(s > p for s, p in zip(step, patch)):
        raise OptionError(
            f"occlusion: stride {stride!r} is larger than patch_size {patch_size!r}, which would "
            "leave positions uncovered; use stride <= patch_size."
        )
    patch = tuple(min(p, n) for p, n in zip(patch, spatial))
    boxes = [
        tuple(slice(s, s + p) for s, p in zip(starts, patch))
        for starts in itertools.product(
            *(patch_starts(n, p, s) for n, p, s in zip(spatial, patch, step))
        )
    ]
    if isinstance(baseline, str):
        if baseline != "mean":
            raise OptionError(f"occlusion: baseline must be 'mean' or a number; got {baseline!r}.")
        fill = x.mean(axis=tuple(range(1, x.ndim - 1)))  # (N, C)
    else:
        fill = np.broadcast_to(np.float32(baseline), (len(x), x.shape[-1]))
    total = np.zeros((len(x),) + spatial, dtype=np.float64)
    count = np.zeros(spatial, dtype=np.float64)
    for box in boxes:
        count[box] += 1
    base = score(x, np.arange(len(x)))
    jobs = [(i, b) for i in range(len(x)) for b in range(len(boxes))]
    for start in range(0, len(jobs), batch):
        chunk = jobs[start : start + batch]
        owners = np.array([i for i, _ in chunk])
        patched = x[owners].copy()
        for row, (i, b) in enumerate(chunk):
            patched[(row,) + boxes[b]] = fill[i]
        drops = base[owners] - score(patched, owners)
        for (i, b), d in zip(chunk, drops):
            total[(i,) + boxes[b]] += d
        if progress is not None:
            progress(len(chunk))
    return (total / count).astype(np.float32)
