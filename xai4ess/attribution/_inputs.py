"""The inputs of :func:`xai4ess.explain`: one array, a list or dict of arrays, or DataArrays.

Everything here is numpy (and xarray when given one); the model is only asked
for its input names and shapes.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..errors import InputShapeError
from . import _xarray

__all__ = ["Inputs", "read_inputs", "check_array"]

_FLOAT32_MAX = float(np.finfo(np.float32).max)


def check_array(x, expected: tuple, label: str = "x") -> np.ndarray:
    """``x`` as float32 after checking it against the model input shape ``expected``.

    Examples
    --------
    >>> check_array([[1, 2, 3]], (None, 3)).dtype
    dtype('float32')
    >>> check_array(np.array([[1e300, 0.0, 0.0]]), (None, 3))  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    xai4ess.errors.InputShapeError: x contains values too large for float32 ...
    """
    try:
        raw = np.asarray(x)
        if raw.dtype == object or not (np.issubdtype(raw.dtype, np.number) or raw.dtype == bool):
            raise TypeError(f"dtype {raw.dtype} is not numeric")
    except (TypeError, ValueError) as exc:
        raise InputShapeError(f"{label} must be a numeric array: {exc}") from None
    shown = "(N, " + ", ".join("any" if d is None else str(d) for d in expected[1:]) + ")"
    if raw.ndim == len(expected) - 1 and all(
        e is None or e == s for e, s in zip(expected[1:], raw.shape)
    ):
        raise InputShapeError(
            f"{label} has shape {raw.shape}, the model expects a batch {shown}; for one sample "
            f"pass {label}[None] (shape {(1,) + raw.shape})."
        )
    if raw.ndim != len(expected) or any(
        e is not None and e != s for e, s in zip(expected[1:], raw.shape[1:])
    ):
        raise InputShapeError(f"{label} has shape {raw.shape}, the model expects {shown}.")
    if len(raw) == 0:
        raise InputShapeError(f"{label} is an empty batch.")
    if np.issubdtype(raw.dtype, np.inexact) and not np.all(np.isfinite(raw)):
        raise InputShapeError(f"{label} contains NaN or infinite values.")
    if np.issubdtype(raw.dtype, np.number) and raw.size and np.abs(raw).max() > _FLOAT32_MAX:
        raise InputShapeError(
            f"{label} contains values too large for float32 (largest magnitude "
            f"{float(np.abs(raw).max()):.3g} > {_FLOAT32_MAX:.3g}); the model computes in "
            "float32, so rescale the input."
        )
    return raw.astype(np.float32)


@dataclass
class Inputs:
    """The validated model inputs and how to return one relevance array per input."""

    arrays: list  # float32 arrays, channels last, one per model input
    names: list  # the model's input names
    kind: str  # "single", "list" or "dict": what the user passed
    wraps: list  # per input: an _xarray.Unwrapped or None

    @property
    def n(self) -> int:
        return len(self.arrays[0])

    def pack(self, relevance: list, attrs: dict):
        """Return relevance in the form the inputs came in (array, list, dict, DataArray)."""
        out = [
            r if w is None else _xarray.rewrap(r, w, attrs) for r, w in zip(relevance, self.wraps)
        ]
        if self.kind == "single":
            return out[0]
        if self.kind == "dict":
            return dict(zip(self.names, out))
        return out


def _split(model, x) -> tuple[list, str]:
    names = list(model.input_names)
    if len(names) == 1:
        if isinstance(x, dict):
            raise InputShapeError(
                f"x is a dict but the model has one input ({names[0]!r}): pass the array itself."
            )
        return [x], "single"
    listed = ", ".join(repr(n) for n in names)
    if isinstance(x, dict):
        missing = [n for n in names if n not in x]
        extra = [k for k in x if k not in names]
        if missing or extra:
            raise InputShapeError(
                f"x has keys {list(x)} but the model's inputs are {listed}"
                + (f"; missing {missing}" if missing else "")
                + (f"; unknown {extra}" if extra else "")
                + "."
            )
        return [x[n] for n in names], "dict"
    if isinstance(x, (list, tuple)) and len(x) == len(names):
        return list(x), "list"
    got = f"a {type(x).__name__} of {len(x)}" if isinstance(x, (list, tuple)) else "one array"
    raise InputShapeError(
        f"the model has {len(names)} inputs ({listed}): pass x as a list of {len(names)} "
        f"arrays in that order or a dict keyed by input name; got {got}."
    )


def read_inputs(model, x, channel_dim: str | None = None) -> Inputs:
    """Split, unwrap and validate ``x`` for ``model`` (one array per model input)."""
    items, kind = _split(model, x)
    names = list(model.input_names)
    arrays, wraps = [], []
    for item, name, tensor in zip(items, names, model.inputs):
        expected = tuple(tensor.shape)
        label = "x" if kind == "single" else f"x[{name!r}]" if kind == "dict" else f"input {name!r}"
        if _xarray.is_dataarray(item):
            item, wrap = _xarray.unwrap(item, channel_dim, len(expected))
        elif channel_dim is not None:
            raise InputShapeError(f"channel_dim={channel_dim!r} needs x to be an xarray.DataArray.")
        else:
            wrap = None
        arrays.append(check_array(item, expected, label))
        wraps.append(wrap)
    sizes = {len(a) for a in arrays}
    if len(sizes) > 1:
        raise InputShapeError(
            "the inputs have different numbers of samples: "
            + ", ".join(f"{n!r}: {len(a)}" for n, a in zip(names, arrays))
            + "."
        )
    return Inputs(arrays, names, kind, wraps)
