"""Interactive demos redraw once per change, never while a slider is dragged.

In-process checks (no browser): every slider of every demo sends its value on
release (``continuous_update=False``), and one change draws exactly one figure
(``plt.show`` and ``widgets._live.emit`` counted) even when a control resets others (the Clever Hans scene
slider sets tag and poles; the convection scene type sets the sample menu).
``tools/widget_timing.py`` measures the times in a real kernel, ``benchmarks/widgets.py``
in-process; tests/live/
test_notebooks.py measures them in JupyterLab.
"""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.live


def _controls(widget):
    import ipywidgets as W

    found = [widget] if isinstance(widget, W.ValueWidget | W.Button) else []
    for child in getattr(widget, "children", ()):
        found += _controls(child)
    return found


@pytest.fixture
def shows(monkeypatch):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    count = [0]

    def show(*args, **kwargs):
        count[0] += 1
        plt.close("all")

    monkeypatch.setattr(plt, "show", show)
    from xai4ess.widgets import _live

    # the demos show their figure through FigureView: one PNG per redraw
    monkeypatch.setattr(_live, "emit", lambda output, png: show())
    return count


def _sliders_on_release(demo):
    import ipywidgets as W

    sliders = [c for c in _controls(demo) if isinstance(c, W.IntSlider | W.SelectionSlider)]
    return all(s.continuous_update is False for s in sliders), len(sliders)


def test_hans_demo_one_redraw_per_change(shows):
    import xai4ess

    demo = xai4ess.widgets.hans_demo(models=("horses",), methods=("gradient",))
    ok, n = _sliders_on_release(demo)
    assert ok and n == 1
    scene = next(c for c in _controls(demo) if getattr(c, "description", "") == "scene")
    ds = xai4ess.data.load("horses").test
    # a scene whose tag and poles differ from the current one: three values change
    target = next(
        i
        for i in range(len(ds))
        if ds.has_tag[i] != ds.has_tag[scene.value] and ds.has_pole[i] != ds.has_pole[scene.value]
    )
    shows[0] = 0
    scene.value = target
    assert shows[0] == 1


def test_convection_explorer_offers_only_scene_types_with_samples(shows):
    import numpy as np

    import xai4ess

    demo = xai4ess.widgets.convection_explorer()
    assert _sliders_on_release(demo)[0]
    kind = next(c for c in _controls(demo) if getattr(c, "description", "") == "scene type")
    sample = next(c for c in _controls(demo) if getattr(c, "description", "") == "sample")
    present = set(np.unique(xai4ess.data.load("convection").test.kind).tolist())
    for _, value in kind.options:
        assert value == -1 or value in present
        shows[0] = 0
        kind.value = value
        assert sample.value is not None and shows[0] <= 1


def test_every_demo_slider_updates_on_release():
    """Source check for the demos that need trained models to build."""
    import inspect

    from xai4ess.widgets import _climate, _goes_mrms, _zoo

    for module in (_climate, _goes_mrms, _zoo):
        src = inspect.getsource(module)
        n_sliders = src.count("Slider(")
        assert n_sliders > 0
        assert src.count("continuous_update=False") >= n_sliders, module.__name__
