"""Small Keras models built from :mod:`xai4ess.rf`'s compact layer names.

``build_stack(["conv3", "pool2", "conv3"])`` is the model whose receptive
fields :func:`xai4ess.rf.receptive_field` computes on the same list; the layer
names match (``"1_conv3"``, ``"2_pool2"``, ...). :func:`count_params` counts
its weights without TensorFlow.

>>> count_params(["conv3", "conv3"], channels=1, filters=8)
664
"""

from __future__ import annotations

from collections.abc import Sequence

from ..errors import ReceptiveFieldError
from ..rf import parse_layer

__all__ = ["build_stack", "count_params"]


def build_stack(
    layers: Sequence[str],
    *,
    input_size: int | Sequence[int] | None = 64,
    channels: int = 1,
    filters: int = 8,
    ndim: int = 2,
    activation: str = "relu",
    name: str = "stack",
):
    """A Keras model made of the compact layer names (see :data:`xai4ess.rf.SPEC_HELP`).

    Parameters
    ----------
    layers : list of str
        E.g. ``["conv3", "pool2", "conv3d2", "up2"]``.
    input_size : int or sequence of int or None
        Spatial input size (None: any size).
    channels, filters : int
        Input channels and filters of every convolution.
    ndim : int
        1, 2 or 3 spatial dimensions (bilinear upsampling needs 2).

    Returns
    -------
    keras.Model
        Layers are named ``"1_conv3"``-style like :func:`xai4ess.rf.receptive_field` on the list.

    Examples
    --------
    >>> model = build_stack(["conv3", "pool2"], input_size=16)
    >>> model.output_shape, [layer.name for layer in model.layers]
    ((None, 8, 8, 8), ['input', '1_conv3', '2_pool2'])
    """
    from .._env import tensorflow

    keras = tensorflow().keras
    L = keras.layers
    if isinstance(input_size, int) or input_size is None:
        input_size = (input_size,) * ndim
    conv = {1: L.Conv1D, 2: L.Conv2D, 3: L.Conv3D}[ndim]
    deconv = {2: L.Conv2DTranspose, 3: L.Conv3DTranspose}.get(ndim)
    maxp = {1: L.MaxPooling1D, 2: L.MaxPooling2D, 3: L.MaxPooling3D}[ndim]
    avgp = {1: L.AveragePooling1D, 2: L.AveragePooling2D, 3: L.AveragePooling3D}[ndim]
    up = {1: L.UpSampling1D, 2: L.UpSampling2D, 3: L.UpSampling3D}[ndim]
    x = inp = keras.Input(tuple(input_size) + (channels,), name="input")
    for i, spec in enumerate(layers, 1):
        p = parse_layer(spec)
        lname = f"{i}_{spec}"
        k, s, d = p["k"], p["s"], p["d"]
        if p["kind"] in ("conv", "deconv"):
            if p["kind"] == "deconv" and deconv is None:
                raise ReceptiveFieldError("transposed convolutions need ndim 2 or 3")
            layer = conv if p["kind"] == "conv" else deconv
            x = layer(
                filters,
                k,
                strides=s,
                dilation_rate=d,
                padding=p["padding"],
                activation=activation,
                name=lname,
            )(x)
        elif p["kind"] in ("maxpool", "avgpool"):
            x = (maxp if p["kind"] == "maxpool" else avgp)(
                k, strides=s, padding=p["padding"], name=lname
            )(x)
        elif p["kind"] == "up":
            x = up(k, name=lname)(x)
        else:
            if ndim != 2:
                raise ReceptiveFieldError("bilinear upsampling needs ndim=2")
            x = L.UpSampling2D(k, interpolation="bilinear", name=lname)(x)
    return keras.Model(inp, x, name=name)


def count_params(
    layers: Sequence[str], *, channels: int = 4, filters: int = 32, ndim: int = 2
) -> int:
    """Number of weights of :func:`build_stack` of ``layers`` (kernels and biases), without TensorFlow.

    Examples
    --------
    >>> count_params(["conv3", "pool2", "conv3"], channels=4, filters=32)
    10432
    """
    total, c = 0, channels
    for spec in layers:
        p = parse_layer(spec)
        if p["kind"] in ("conv", "deconv"):
            total += p["k"] ** ndim * c * filters + filters
            c = filters
    return total
