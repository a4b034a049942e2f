"""Interactive demo of the climate chapter: a year slider -> the temperature map of one
test member, the network's predicted year and the relevance map behind it."""

from __future__ import annotations

import numpy as np

__all__ = ["climate_demo", "climate_demo_figure"]

_DEMO_METHODS = ("lrp.z", "lrp.alpha_1_beta_0", "gradient", "integrated_gradients")


def _defaults(model, dataset):
    if model is None:
        from ..models import load as load_model

        model = load_model("climate")
    if dataset is None:
        from ..data import load as load_data

        dataset = load_data("climate").test
    return model, dataset


def _member_rows(dataset, member: int | None) -> tuple[int, np.ndarray]:
    members = np.unique(dataset.member)
    member = int(members[0]) if member is None else int(member)
    if member not in members:
        raise ValueError(f"member {member} is not in this dataset; members: {members.tolist()}")
    rows = np.flatnonzero(dataset.member == member)
    return member, rows[np.argsort(dataset.y[rows])]


def climate_demo_figure(
    model=None,
    dataset=None,
    *,
    year: int = 2080,
    member: int | None = None,
    method: str = "lrp.z",
    predictions: np.ndarray | None = None,
):
    """The demo's figure: the map of one year, its relevance, and predicted vs true year.

    Parameters
    ----------
    model : keras.Model, optional
        Year-from-map network (default: ``xai4ess.models.load("climate")``).
    dataset : Dataset, optional
        Maps with ``y`` (year) and ``member`` (default: the shipped test set).
    year : int
        The year to show.
    member : int, optional
        Ensemble member (default: the first one in ``dataset``).
    method : str
        Attribution method for :func:`xai4ess.explain` (target: the output).
    predictions : ndarray, optional
        Predicted years of that member's maps in year order (computed if
        not given; the widget passes them to avoid recomputation).

    Returns
    -------
    matplotlib.figure.Figure

    Examples
    --------
    >>> fig = climate_demo_figure(year=2050)  # doctest: +SKIP
    """
    from ..attribution import explain
    from ..plot import geo_map, new_figure

    model, dataset = _defaults(model, dataset)
    member, rows = _member_rows(dataset, member)
    years = dataset.y[rows]
    if not years.min() <= year <= years.max():
        raise ValueError(f"year must be within {years.min():.0f}-{years.max():.0f}, got {year}")
    i = int(np.argmin(np.abs(years - year)))
    x = np.asarray(dataset.x[rows[i] : rows[i] + 1], dtype=np.float32)
    if predictions is None:
        predictions = np.asarray(model.predict(dataset.x[rows], verbose=0)).ravel()
    r = explain(model, x, method=method)[0, ..., 0]
    lat, lon, land = dataset.lat, dataset.lon, dataset.land_fraction

    fig, axes = new_figure(1, 3, figsize=(15.0, 3.3), width_ratios=[1.25, 1.25, 0.85])
    geo_map(
        x[0, ..., 0],
        lat,
        lon,
        land,
        kind="anomaly",
        ax=axes[0, 0],
        vmax=6.0,
        title=f"member {member}, year {years[i]:.0f}: temperature anomaly",
    )
    geo_map(
        r,
        lat,
        lon,
        land,
        kind="relevance",
        ax=axes[0, 1],
        title=f"{method} relevance; predicted year {predictions[i]:.0f}",
    )
    ax = axes[0, 2]
    ax.plot(years, years, color="0.6", lw=1, label="perfect")
    ax.plot(years, predictions, ".", ms=3, color="C0", label="predicted")
    ax.axhline(float(np.mean(dataset.y)), color="C1", lw=1, ls="--", label="climatology")
    ax.plot([years[i]], [predictions[i]], "o", ms=8, mfc="none", mec="C3", mew=2)
    ax.set_xlabel("true year")
    ax.set_ylabel("predicted year")
    ax.set_title("one map -> one year", fontsize=9)
    ax.legend(fontsize=7, loc="upper left")
    return fig


def climate_demo(model=None, dataset=None, *, year: int = 2080, method: str = "lrp.z"):
    """Year slider, member and method choice -> map, predicted year and relevance.

    Parameters
    ----------
    model, dataset
        As in :func:`climate_demo_figure` (defaults: the shipped model and
        test set).
    year : int
        Initial year of the slider.
    method : str
        Initial attribution method.

    Returns
    -------
    ipywidgets.VBox

    Examples
    --------
    >>> import xai4ess
    >>> xai4ess.widgets.climate_demo()  # doctest: +SKIP
    """
    import ipywidgets as widgets

    from ._live import FigureView

    model, dataset = _defaults(model, dataset)
    members = [int(m) for m in np.unique(dataset.member)]
    cache: dict[int, np.ndarray] = {}

    def predictions(member: int) -> np.ndarray:
        if member not in cache:
            _, rows = _member_rows(dataset, member)
            cache[member] = np.asarray(model.predict(dataset.x[rows], verbose=0)).ravel()
        return cache[member]

    lo, hi = int(dataset.y.min()), int(dataset.y.max())
    slider = widgets.IntSlider(
        value=int(np.clip(year, lo, hi)),
        min=lo,
        max=hi,
        step=1,
        description="year",
        continuous_update=False,
        layout=widgets.Layout(width="420px"),
    )
    member_w = widgets.Dropdown(options=members, value=members[0], description="member")
    methods = list(dict.fromkeys([method, *_DEMO_METHODS]))
    method_w = widgets.Dropdown(options=methods, value=method, description="method")
    view = FigureView()

    def draw(*_):
        fig = climate_demo_figure(
            model,
            dataset,
            year=slider.value,
            member=member_w.value,
            method=method_w.value,
            predictions=predictions(member_w.value),
        )
        view.show(fig, layout_key="climate")  # replaces the figure: plots never stack

    for w in (slider, member_w, method_w):
        w.observe(draw, names="value")
    draw()
    return widgets.VBox([widgets.HBox([slider, member_w, method_w]), view.output])
