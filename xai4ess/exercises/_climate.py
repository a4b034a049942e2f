"""Exercise checks of the climate chapter (indicator patterns of climate change).

Each check computes the expected value itself from the shipped data and
models and answers with :class:`Feedback`, never with the value.
"""

from __future__ import annotations

import functools

import numpy as np

from ._core import Feedback, check_number

__all__ = [
    "CLIMATE_REGIONS",
    "check_ridge_correlation",
    "check_masked_error",
    "check_watch_region",
    "WARMING_HOLE",
    "check_hole_percentile",
]

#: The North-Atlantic warming hole of the synthetic ensemble: (latitude range, longitude range).
WARMING_HOLE: tuple[tuple[float, float], tuple[float, float]] = ((46, 60), (-52, -24))

#: Candidate regions to watch for detection: name -> (latitude range, longitude range).
CLIMATE_REGIONS: dict[str, tuple[tuple[float, float], tuple[float, float]]] = {
    "Arctic": ((65, 90), (-180, 180)),
    "North Atlantic": ((45, 65), (-60, -10)),
    "Europe": ((40, 65), (-10, 40)),
    "Middle East & North Africa": ((15, 40), (-15, 60)),
    "Eastern tropical Pacific": ((-10, 10), (-150, -80)),
    "Southern Ocean": ((-65, -45), (-180, 180)),
}


@functools.lru_cache(maxsize=1)
def _test_set():
    from ..data import load

    return load("climate").test


def _late_composite_correlation(model_name: str, method: str = "lrp.z") -> float:
    from ..attribution import explain
    from ..evaluate import composite, truth_score
    from ..models import build, load_weights

    test = _test_set()
    model = build("climate")
    load_weights(model, f"models/{model_name}.weights.npz")
    late = test.y >= 2071
    comp = composite(explain(model, test.x[late], method=method))
    return truth_score(comp, test.snr, lat=test.lat)["correlation"]


def check_ridge_correlation(answer) -> Feedback:
    """Area-weighted correlation of the strong-ridge network's late-century LRP-z
    composite (test maps 2071-2100) with the true SNR map.

    Examples
    --------
    >>> check_ridge_correlation(...)
    Replace the ... with your correlation, then run the cell again.
    """
    if answer is Ellipsis or answer is None:
        return check_number(answer, 0.0, what="correlation")
    expected = _late_composite_correlation("climate_ridge_strong")
    return check_number(
        answer,
        expected,
        atol=0.02,
        what="correlation",
        hint="Average lrp.z over the test maps of 2071-2100 of the strong-ridge model, then "
        "compare with test.snr using xai4ess.evaluate.truth_score(..., lat=test.lat).",
    )


def check_masked_error(answer) -> Feedback:
    """Median absolute year error of the shipped model on test maps whose top-10 %
    SNR grid points (``test.snr >= np.quantile(test.snr, 0.9)``) are set to 0 K.

    Examples
    --------
    >>> check_masked_error(...)
    Replace the ... with your median absolute error, then run the cell again.
    """
    if answer is Ellipsis or answer is None:
        return check_number(answer, 0.0, what="median absolute error")
    from ..models import load

    test = _test_set()
    mask = test.snr >= np.quantile(test.snr, 0.9)
    x = np.where(mask[None, :, :, None], np.float32(0.0), test.x).astype(np.float32)
    pred = np.asarray(load("climate").predict(x, verbose=0)).ravel()
    expected = float(np.median(np.abs(pred - test.y)))
    return check_number(
        answer,
        expected,
        rtol=0.02,
        what="median absolute error",
        hint="Mask with np.where(mask[None, :, :, None], 0.0, test.x), predict, then take "
        "np.median(np.abs(predicted - test.y)).",
    )


def _first_region() -> str:
    from ..evaluate import box_mask

    test = _test_set()
    median_year = {}
    for name, (lat_range, lon_range) in CLIMATE_REGIONS.items():
        m = box_mask(test.lat, test.lon, lat_range, lon_range)
        ey = np.where(np.isnan(test.emergence_year[m]), 2101.0, test.emergence_year[m])
        median_year[name] = float(np.median(ey))
    return min(median_year, key=median_year.get)


def check_watch_region(answer) -> Feedback:
    """Which of :data:`CLIMATE_REGIONS` should be watched first to detect the forced
    signal (the earliest median emergence year of its grid points)?

    Examples
    --------
    >>> check_watch_region(...)
    Replace the ... with a region name, then run the cell again.
    >>> bool(check_watch_region("Atlantis"))
    False
    """
    if answer is Ellipsis or answer is None:
        return Feedback(False, "Replace the ... with a region name, then run the cell again.")
    names = {n.lower(): n for n in CLIMATE_REGIONS}
    given = str(answer).strip().lower()
    if given not in names:
        return Feedback(False, f"Choose one of: {', '.join(CLIMATE_REGIONS)}.")
    if names[given] == _first_region():
        return Feedback(
            True,
            "Right: the signal emerges there first, because the year-to-year "
            "noise is small, even though other regions warm more.",
        )
    return Feedback(
        False,
        "Not that one. Detection depends on the signal relative to the noise, not on the "
        "size of the warming: compare the regions' emergence years (or SNR), not the signal.",
    )


def _hole_percentile(method: str, **options) -> float:
    from scipy.stats import percentileofscore

    from ..attribution import explain
    from ..evaluate import box_mask, composite
    from ..models import load

    test = _test_set()
    late = test.y >= 2071
    comp = np.abs(
        np.asarray(composite(explain(load("climate"), test.x[late], method=method, **options)))
    )
    comp = comp.reshape(len(test.lat), len(test.lon))
    hole = box_mask(test.lat, test.lon, *WARMING_HOLE)
    return float(np.mean([percentileofscore(comp.ravel(), v) for v in comp[hole]]))


def check_hole_percentile(answer) -> Feedback:
    """Mean percentile (0-100) of the warming hole's grid points in the |late-century
    gradient composite| of the shipped network (test maps 2071-2100; region
    :data:`WARMING_HOLE`; percentile among all grid points, ``scipy.stats.percentileofscore``).

    Examples
    --------
    >>> check_hole_percentile(...)
    Replace the ... with your percentile (0-100), then run the cell again.
    """
    if answer is Ellipsis or answer is None:
        return Feedback(
            False, "Replace the ... with your percentile (0-100), then run the cell again."
        )
    return check_number(
        answer,
        _hole_percentile("gradient"),
        atol=2.0,
        what="percentile",
        hint="Average the gradient maps of the late-century test maps, take the absolute "
        "value, and rank the hole's grid points among all grid points.",
    )
