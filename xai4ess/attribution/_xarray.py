"""xarray in and out of :func:`xai4ess.explain` (xarray is imported only when given one).

A ``DataArray`` input has the sample dimension first and its channels last,
or in the dimension named by ``channel_dim``. The relevance comes back as a
``DataArray`` with the input's dims, coords and attrs (the channel dimension is
dropped for methods that return one map per sample), plus the attrs
``method``, ``target`` and ``xai4ess_version``.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass

import numpy as np

from ..errors import InputShapeError

__all__ = ["is_dataarray", "Unwrapped", "unwrap", "rewrap"]


def is_dataarray(x) -> bool:
    """True for an ``xarray.DataArray`` (without importing xarray if it is not loaded).

    >>> is_dataarray(np.zeros(3))
    False
    """
    xr = sys.modules.get("xarray")
    return xr is not None and isinstance(x, xr.DataArray)


@dataclass(frozen=True)
class Unwrapped:
    """How to turn a relevance array back into the user's ``DataArray``."""

    template: object  # the DataArray, channel dimension moved last
    order: tuple  # the user's dimension order
    channel_dim: str | None
    added: bool


def unwrap(da, channel_dim: str | None, rank: int) -> tuple[np.ndarray, Unwrapped]:
    """The numpy array to explain (channels last) and how to rewrap the result.

    ``rank`` is the model input's rank with the batch axis. A ``DataArray``
    with one dimension less and no ``channel_dim`` is given a channel axis of
    length 1 (for ``(time, lat, lon)`` fields fed to ``(N, H, W, 1)`` models).
    """
    order = tuple(da.dims)
    if channel_dim is not None:
        if channel_dim not in da.dims:
            raise InputShapeError(
                f"channel_dim={channel_dim!r} is not a dimension of x; its dims are {order}."
            )
        if da.dims[0] == channel_dim:
            raise InputShapeError(
                f"channel_dim={channel_dim!r} is the first dimension of x; the first dimension "
                f"must be the sample dimension (dims {order})."
            )
        da = da.transpose(*[d for d in order if d != channel_dim], channel_dim)
    added = channel_dim is None and da.ndim == rank - 1
    values = np.asarray(da.values)
    if added:
        values = values[..., None]
    return values, Unwrapped(da, order, channel_dim or (None if added else da.dims[-1]), added)


def rewrap(r: np.ndarray, info: Unwrapped, attrs: dict):
    """A ``DataArray`` like the input around relevance ``r``."""
    import xarray as xr

    template = info.template
    if info.added:
        r = r[..., 0] if r.ndim == template.ndim + 1 else r
    dims = tuple(template.dims)
    if r.ndim == template.ndim - 1 and not info.added:  # one map per sample: no channels
        dims = dims[:-1]
    elif r.ndim != len(dims):
        raise InputShapeError(f"relevance of shape {r.shape} does not fit dims {dims}.")
    coords = {
        name: coord for name, coord in template.coords.items() if set(coord.dims) <= set(dims)
    }
    out = xr.DataArray(r, dims=dims, coords=coords, name=template.name, attrs=dict(template.attrs))
    out.attrs.update(attrs)
    return out.transpose(*[d for d in info.order if d in dims])
