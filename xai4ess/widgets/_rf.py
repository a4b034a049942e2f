"""Receptive-field demo: build a network from a menu and watch the TRF grow.

:func:`rf_builder_figure` draws the static figure (the website shows it);
:func:`rf_builder` wraps it in ipywidgets for a live kernel. Both use only the
pure-Python calculator of :mod:`xai4ess.rf` (no TensorFlow), so they are fast.
"""

from __future__ import annotations

from collections.abc import Sequence

from .. import rf
from ..models import GOES_MRMS_LAYERS  # the lecture's GOES -> MRMS network, defined with it
from ..plot import new_figure, rf_boxes, rf_growth

__all__ = ["rf_builder", "rf_builder_figure", "GOES_MRMS_LAYERS", "PHENOMENA_KM", "LAYER_MENU"]


#: Typical horizontal scales (km): a single convective cell, the minimum extent of
#: a mesoscale convective system (AMS glossary: ~100 km in one direction), and the
#: width of a frontal zone (fronts are much longer, 1000 km and more).
PHENOMENA_KM = {"convective cell": 10.0, "MCS (minimum)": 100.0, "frontal zone width": 200.0}

#: Menu of the widget: label -> compact layer name (see ``xai4ess.rf.SPEC_HELP``).
LAYER_MENU = {
    "conv 3×3": "conv3",
    "conv 5×5": "conv5",
    "conv 3×3, dilation 2": "conv3d2",
    "conv 3×3, dilation 4": "conv3d4",
    "conv 3×3, stride 2": "conv3s2",
    "max pool 2×2": "pool2",
    "upsample ×2 (nearest)": "up2",
    "upsample ×2 (bilinear)": "bilinear2",
}

_PIXELS = {"GOES IR (2 km)": 2.0, "GOES visible (0.5 km)": 0.5, "GOES-like 3 km": 3.0}


def _centre_boxes(layers: Sequence[str], input_size: int):
    """For every layer, the largest box of a unit near the centre of the input."""
    shape = (input_size, input_size)
    rfs = rf.receptive_field(list(layers), input_size=shape)
    boxes = {}
    for name in list(rfs)[1:]:
        r = rfs[name]
        j0 = int(round((input_size / 2 - float(r.center[0])) / float(r.stride[0])))
        best = None
        for j in range(j0 - 8, j0 + 9):
            b = rf.box(list(layers), name, (j, j), input_size=shape)
            if b is None:
                continue
            side = b[0][1] - b[0][0]
            off = abs((b[0][0] + b[0][1]) / 2 - input_size / 2)
            if best is None or (side, -off) > best[0]:
                best = ((side, -off), b)
        boxes[name] = None if best is None else best[1]
    return rfs, boxes


def rf_builder_figure(
    layers: Sequence[str] = GOES_MRMS_LAYERS,
    pixel_km: float = 2.0,
    *,
    input_size: int = 256,
    phenomena: dict | None = None,
):
    """The TRF of a layer list: boxes on the input (left) and its growth in km (right).

    Parameters
    ----------
    layers : sequence of str
        Compact layer names (``xai4ess.rf.SPEC_HELP``); default the lecture's
        GOES -> MRMS network.
    pixel_km : float
        Pixel size in km (2 for GOES infrared, 0.5 for the visible band).
    input_size : int
        Side of the square input.
    phenomena : dict, optional
        Reference scales in km (default :data:`PHENOMENA_KM`).

    Returns
    -------
    matplotlib.figure.Figure

    Examples
    --------
    >>> fig = rf_builder_figure(["conv3", "pool2", "conv3"])
    """
    layers = list(layers)
    if not layers:
        raise ValueError("add at least one layer")
    rfs, boxes = _centre_boxes(layers, input_size)
    names = list(rfs)[1:]
    fig, axes = new_figure(1, 2, figsize=(11.5, 4.6))
    # boxes: only the layers that changed the field, to keep the picture readable
    shown, last = {}, None
    for name in names:
        b = boxes[name]
        if b is not None and (last is None or (b[0][1] - b[0][0]) != (last[0][1] - last[0][0])):
            shown[name] = b
            last = b
    final = names[-1]
    shown[final] = boxes[final]
    rf_boxes(
        shown,
        shape=(input_size, input_size),
        pixel_km=pixel_km,
        ax=axes[0, 0],
        title=f"TRF of one unit per layer ({pixel_km:g} km pixels)",
    )
    sizes = [max(rfs[n].size) for n in names]
    mins = [max(rfs[n].min_size) for n in names]
    rf_growth(
        names,
        sizes,
        mins,
        pixel_km=pixel_km,
        phenomena=PHENOMENA_KM if phenomena is None else phenomena,
        ax=axes[0, 1],
        title=f"TRF side in km; output: {sizes[-1]} px = {sizes[-1] * pixel_km:g} km",
    )
    return fig


def rf_builder(layers: Sequence[str] = GOES_MRMS_LAYERS, pixel_km: float = 2.0):
    """Interactive demo: add layers from a menu and watch the TRF grow.

    Parameters
    ----------
    layers : sequence of str
        Starting network (default: the lecture's GOES -> MRMS network).
    pixel_km : float
        Starting pixel size.

    Returns
    -------
    ipywidgets.VBox

    Examples
    --------
    >>> w = rf_builder()  # doctest: +SKIP
    """
    import ipywidgets as widgets

    from ._live import FigureView, show_text

    start = list(layers)
    state = {"layers": list(layers)}
    choice = widgets.Dropdown(options=list(LAYER_MENU), value="conv 3×3", description="layer")
    add = widgets.Button(description="add", button_style="primary", icon="plus")
    undo = widgets.Button(description="remove last", icon="minus")
    reset = widgets.Button(description="reset", icon="refresh")
    clear = widgets.Button(description="clear", icon="trash")
    pixels = widgets.Dropdown(
        options=list(_PIXELS),
        value=next((k for k, v in _PIXELS.items() if v == pixel_km), "GOES IR (2 km)"),
        description="pixels",
    )
    text = widgets.HTML()
    view = FigureView()

    def redraw(*_):
        text.value = "<code>" + ", ".join(state["layers"] or ["(no layers)"]) + "</code>"
        if state["layers"]:
            view.show(rf_builder_figure(state["layers"], _PIXELS[pixels.value]), "rf")
        else:
            show_text(view.output, "Add a layer to start.\n")

    def on_add(_):
        state["layers"].append(LAYER_MENU[choice.value])
        redraw()

    def on_undo(_):
        if state["layers"]:
            state["layers"].pop()
        redraw()

    def on_reset(_):
        state["layers"] = list(start)
        redraw()

    def on_clear(_):
        state["layers"] = []
        redraw()

    add.on_click(on_add)
    undo.on_click(on_undo)
    reset.on_click(on_reset)
    clear.on_click(on_clear)
    pixels.observe(redraw, names="value")
    redraw()
    return widgets.VBox(
        [widgets.HBox([choice, add, undo, reset, clear]), pixels, text, view.output]
    )
