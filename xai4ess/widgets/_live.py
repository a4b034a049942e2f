"""One figure shown in an ``ipywidgets.Output``, redrawn fast on every change.

A demo's figure is built by the same function as its static version. What the
inline backend does on ``plt.show`` costs most of a change: a constrained
layout pass and a tight bounding box (a second full draw). :class:`FigureView`
does them once per kind of figure (``layout_key``): later figures of the same
kind take the axes positions and the bounding box of the first and are drawn
once. A demo may also keep its figure and update artists in place
(``set_data``) before :meth:`FigureView.show`. Either way one PNG replaces the
previous one in the output area in a single update of the widget's ``outputs``
(no flicker, no stacked plots).
"""

from __future__ import annotations

import base64
import io

__all__: list[str] = []


def emit(output, png: bytes) -> None:
    """Replace what ``output`` shows by the PNG image ``png`` (tests replace this).

    The widget's ``outputs`` are set in one state update instead of capturing a
    ``display`` call (``with output:``): capturing makes a headless executor
    (nbclient, used by myst-nb, the grader and the Colab-style run) echo each
    captured output back to the kernel on the shell channel while it waits there
    for the cell's reply, which can stall the execution until the cell timeout
    (jupyter/nbclient#312). In JupyterLab both ways show the same image.
    """
    output.outputs = (_display_data({"image/png": base64.b64encode(png).decode("ascii")}),)


def show_text(output, text: str) -> None:
    """Replace what ``output`` shows by plain ``text`` (one state update, as :func:`emit`)."""
    output.outputs = ({"output_type": "stream", "name": "stdout", "text": text},)


def _display_data(data: dict) -> dict:
    return {
        "output_type": "display_data",
        "data": {**data, "text/plain": "<Figure>"},
        "metadata": {},
    }


class FigureView:
    """Show successive matplotlib figures in one ``Output`` widget, one draw per change.

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> from xai4ess.plot import new_figure
    >>> view = FigureView(output=None)
    >>> fig, axes = new_figure(1, 2)
    >>> view.render(fig, "two panels")[:4] == b"\\x89PNG"
    True
    >>> fig2, _ = new_figure(1, 2)
    >>> view.render(fig2, "two panels")[:4] == b"\\x89PNG"  # same layout, one draw
    True
    """

    def __init__(self, output=None):
        if output is None:
            try:
                import ipywidgets

                output = ipywidgets.Output()
            except ImportError:  # pragma: no cover - ipywidgets is a dependency
                output = None
        self.output = output
        self.figure = None
        self._layouts: dict = {}

    def _adopt(self, fig, layout_key) -> object:
        """Take ``fig`` out of pyplot; reuse the layout of an earlier figure of its kind."""
        import matplotlib
        import matplotlib.pyplot as plt
        from matplotlib.backends.backend_agg import FigureCanvasAgg

        plt.close(fig)  # not shown again by the inline backend at the end of a cell
        FigureCanvasAgg(fig)  # what the inline backend draws with
        saved = self._layouts.get(layout_key)
        if saved is not None and len(saved[0]) == len(fig.axes):
            fig.set_layout_engine("none")
            for ax, pos in zip(fig.axes, saved[0]):
                ax.set_position(pos)
            return saved[1]
        fig.canvas.draw()  # runs the layout engine once
        bbox = fig.get_tightbbox(fig.canvas.get_renderer()).padded(
            float(matplotlib.rcParams["savefig.pad_inches"])
        )
        fig.set_layout_engine("none")
        if layout_key is not None:
            self._layouts[layout_key] = ([ax.get_position() for ax in fig.axes], bbox)
        return bbox

    def render(self, fig=None, layout_key=None) -> bytes:
        """PNG of ``fig`` (a new figure) or, with ``fig=None``, of the current one after in-place edits.

        One draw of the figure's canvas, cropped to the tight bounding box
        found when this kind of figure was first laid out (what ``savefig``
        with ``bbox_inches="tight"`` gives, without its layout and measuring
        passes).
        """
        import matplotlib.colors
        import numpy as np
        from PIL import Image

        if fig is not None:
            bbox = self._adopt(fig, layout_key)
            if self.figure is not None and self.figure is not fig:
                self.figure.clear()
            self.figure, self._bbox = fig, bbox
        fig = self.figure
        fig.canvas.draw()
        rgba = np.asarray(fig.canvas.buffer_rgba())
        h, w = rgba.shape[:2]
        x0, y0, x1, y1 = (int(round(float(v) * fig.dpi)) for v in self._bbox.extents)
        r0, r1 = h - y1, h - y0  # rows of the box (may reach past the figure's edge)
        # the padding beyond the figure's edge shows the figure's background, as in savefig
        face = np.array(matplotlib.colors.to_rgba(fig.get_facecolor())) * 255
        img = np.empty((r1 - r0, x1 - x0, 4), dtype=np.uint8)
        img[:] = np.round(face).astype(np.uint8)
        rs, cs = slice(max(r0, 0), min(r1, h)), slice(max(x0, 0), min(x1, w))
        img[rs.start - r0 : rs.stop - r0, cs.start - x0 : cs.stop - x0] = rgba[rs, cs]
        buf = io.BytesIO()
        Image.fromarray(img).save(buf, format="png", dpi=(fig.dpi, fig.dpi))
        return buf.getvalue()

    def show(self, fig=None, layout_key=None) -> None:
        """Render (see :meth:`render`) and replace the image in the output area."""
        emit(self.output, self.render(fig, layout_key))
