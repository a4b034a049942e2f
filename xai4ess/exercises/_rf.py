"""Exercise checks of the receptive-field chapter."""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from functools import lru_cache

from .. import rf
from ..errors import ReceptiveFieldError
from ._core import Feedback, check_number

__all__ = ["check_rf", "check_mcs_design", "MCS_RULES"]

MCS_RULES = """Rules of the design exercise:
  - layers: "conv3" or "conv5" (32 filters, 'same' padding, ReLU) and "pool2" (2x2 max pooling);
  - the input has 4 channels (C07, C09, C13, GLM) and the first layer is a convolution;
  - no two pooling layers in a row (a convolution between them);
  - the TRF of the last layer must be at least as wide as the MCS."""


def check_rf(
    answer,
    layers: Sequence[str] | None = None,
    *,
    model=None,
    layer: str | int = -1,
    field: str = "size",
) -> Feedback:
    """Check a receptive field computed by hand against the exact calculator.

    Parameters
    ----------
    answer : int or tuple
        Your value (a single number for square fields).
    layers : list of str, optional
        The network as compact layer names (``xai4ess.rf.SPEC_HELP``) ...
    model : keras.Model, optional
        ... or as a Keras model.
    layer : str or int
        The layer (default: the last one).
    field : {"size", "min_size", "stride", "padding"}
        Which property you computed.

    Returns
    -------
    Feedback

    Examples
    --------
    >>> check_rf(8, ["conv3", "pool2", "conv3"])
    Right.
    >>> bool(check_rf(10, ["conv3", "pool2", "conv3"]))
    False
    """
    if (layers is None) == (model is None):
        raise ValueError("pass either layers=[...] or model=...")
    if field not in ("size", "min_size", "stride", "padding"):
        raise ValueError("field must be 'size', 'min_size', 'stride' or 'padding'")
    target = rf.receptive_field(model if model is not None else list(layers), layer=layer)
    expected = getattr(target, field)
    if target.whole_input:
        return Feedback(
            False, "This layer sees the whole input (it comes after a dense/flatten layer)."
        )
    values = tuple(float(v) for v in expected)
    if answer is not Ellipsis and answer is not None and len(set(values)) == 1:
        if isinstance(answer, (tuple, list)) and len(set(answer)) == 1:
            answer = answer[0]  # a square field given as (n, n)
        if not isinstance(answer, (tuple, list)):
            values = values[:1]
    hints = {
        "size": "Start from 1 and add (k - 1) x (product of the strides before the layer) per "
        "layer; a pooling window counts like a kernel; upsampling divides the stride.",
        "min_size": "After upsampling, compare units at different positions: which units "
        "of the previous layer does each one read?",
        "stride": "Multiply the strides of all layers so far (upsampling by u divides by u).",
        "padding": "Sum over layers of (padding before) x (product of the earlier strides).",
    }
    return check_number(answer, values, hint=hints[field], what=field.replace("_", " "))


def _cost(specs: Sequence[str], channels: int, filters: int) -> int:
    return rf.count_params(specs, channels=channels, filters=filters)


@lru_cache(maxsize=32)
def _fewest(target_px: int, channels: int, filters: int, max_convs: int = 8) -> int | None:
    """Fewest parameters of any rule-abiding design reaching ``target_px``."""
    best = None
    for m in range(1, max_convs + 1):
        for ks in itertools.product((3, 5), repeat=m):
            for pools in itertools.product((0, 1), repeat=m):
                r, j = 1, 1
                for k, p in zip(ks, pools):
                    r += (k - 1) * j
                    if p:
                        r += j
                        j *= 2
                if r >= target_px:
                    specs = [s for k, p in zip(ks, pools) for s in ([f"conv{k}"] + ["pool2"] * p)]
                    cost = _cost(specs, channels, filters)
                    best = cost if best is None else min(best, cost)
        if best is not None and m * (9 * filters * filters) > best:
            break
    return best


def check_mcs_design(
    layers: Sequence[str],
    *,
    pixel_km: float = 2.0,
    mcs_km: float = 200.0,
    channels: int = 4,
    filters: int = 32,
) -> Feedback:
    """Check a network whose TRF should cover a mesoscale convective system.

    The rules are in :data:`MCS_RULES`. The check computes your design's TRF
    and parameter count and compares them with the fewest parameters any
    design under the same rules needs.

    Parameters
    ----------
    layers : list of str
        E.g. ``["conv3", "pool2", "conv3"]``.
    pixel_km : float
        Pixel size in km (2 for GOES infrared).
    mcs_km : float
        Size of the MCS in km.

    Returns
    -------
    Feedback

    Examples
    --------
    >>> bool(check_mcs_design(["conv3", "pool2", "conv3"]))
    False
    """
    if layers is Ellipsis or layers is None:
        return Feedback(False, "Replace the ... with your list of layers, then run the cell again.")
    if isinstance(layers, str):
        layers = [layers]
    layers = [str(s).strip().lower() for s in layers]
    if not layers:
        return Feedback(False, "Your network has no layers yet.")
    allowed = {"conv3", "conv5", "pool2"}
    bad = [s for s in layers if s not in allowed]
    if bad:
        return Feedback(
            False, f"Only conv3, conv5 and pool2 are allowed here, not {bad}.\n{MCS_RULES}"
        )
    if layers[0] == "pool2":
        return Feedback(False, "Start with a convolution: pooling the raw channels mixes nothing.")
    if any(a == b == "pool2" for a, b in zip(layers, layers[1:])):
        return Feedback(False, "Put a convolution between two pooling layers (see the rules).")
    target = int(-(-mcs_km // pixel_km))
    try:
        size = max(rf.receptive_field(layers, layer=-1, ndim=2).size)
    except ReceptiveFieldError as exc:  # pragma: no cover - the rules exclude this
        return Feedback(False, str(exc))
    cost = _cost(layers, channels, filters)
    if size < target:
        return Feedback(
            False,
            f"Not yet: the TRF is {size} px = {size * pixel_km:g} km, smaller than the "
            f"{mcs_km:g} km MCS. Pooling layers make every later kernel count more.",
        )
    best = _fewest(target, channels, filters)
    if best is None or cost <= best:
        return Feedback(
            True,
            f"Right: the TRF is {size} px = {size * pixel_km:g} km and the network has "
            f"{cost:,} parameters, as few as the rules allow.",
        )
    return Feedback(
        False,
        f"Your network covers the MCS (TRF {size} px = {size * pixel_km:g} km) with "
        f"{cost:,} parameters, but a design with {100 * (1 - best / cost):.0f}% fewer "
        "parameters exists. Hint: which layers cost nothing, and what does a 5x5 kernel "
        "cost compared with two 3x3 kernels?",
    )
