"""The public exact receptive-field functions: per layer, per unit box, as a table."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from ..errors import ReceptiveFieldError
from ._intervals import _to_rf
from ._keras import _states


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
