"""Checks of the chapter "Explain your own model": find the heavy-rain classifier's
shortcut, and measure its skill on an archive without it."""

from __future__ import annotations

import functools
from collections.abc import Mapping

import numpy as np

from ._core import Feedback, check_number

__all__ = ["check_shortcut", "check_clean_accuracy", "CLEAN_SEED", "CLEAN_DAYS"]

#: The clean archive of the second exercise: ``xai4ess.data.rainday(CLEAN_DAYS, CLEAN_SEED,
#: artefact=False)``.
CLEAN_SEED, CLEAN_DAYS = 3, 400
#: Where the artefact is: channel name and longitude (degrees east) of its grid column.
_CUE = ("tcwv", 3.25)
_LON_TOL = 0.5  # one grid cell


def check_shortcut(answer: Mapping) -> Feedback:
    """Check the channel and longitude (degrees east) of the cue the classifier relies on.

    Parameters
    ----------
    answer : dict
        ``{"channel": name, "lon": degrees_east}``; the longitude may be off by one
        grid cell (0.5 degrees).

    Examples
    --------
    >>> check_shortcut(...)
    Replace the ... with a dict {"channel": ..., "lon": ...}, then run the cell again.
    >>> bool(check_shortcut({"channel": "w500", "lon": 8.25}))
    False
    """
    if answer is Ellipsis or answer is None:
        return Feedback(
            False,
            'Replace the ... with a dict {"channel": ..., "lon": ...}, then run the cell again.',
        )
    if not isinstance(answer, Mapping) or not {"channel", "lon"} <= set(answer):
        return Feedback(False, 'Give a dict with the keys "channel" and "lon" (degrees east).')
    channel = str(answer["channel"]).strip().lower()
    try:
        lon = float(answer["lon"])
    except (TypeError, ValueError):
        return Feedback(False, '"lon" must be a number: the longitude in degrees east.')
    right_channel = channel == _CUE[0]
    right_lon = abs(lon - _CUE[1]) <= _LON_TOL + 1e-9
    if right_channel and right_lon:
        return Feedback(True, "Right.")
    if right_channel:
        return Feedback(
            False,
            "The channel is right; the longitude is more than one grid cell off. Hint: average "
            "|relevance| of that channel over the heavy-rain days and over latitude, then look "
            "for the longitude that stands out; then look at the input values there.",
        )
    if right_lon:
        return Feedback(False, "The longitude is right, the channel is not. Compare the channels.")
    return Feedback(
        False,
        "Not yet. Hint: composite the relevance over many heavy-rain days, channel by channel; "
        "physics would put it near the catchment. Look for something sharp and far from it, "
        "then inspect the input values there.",
    )


@functools.lru_cache(maxsize=1)
def _clean_accuracy() -> float:
    from ..data import rainday, rainday_split
    from ..models import shared, standardise

    train, _ = rainday_split()
    clean = rainday(CLEAN_DAYS, CLEAN_SEED, artefact=False)
    x = standardise(clean.x, train.x)
    p = np.asarray(shared("rainday")(x, training=False)).argmax(axis=1)
    return float(np.mean(p == clean.y))


def check_clean_accuracy(answer) -> Feedback:
    """Check the shipped classifier's accuracy on the clean archive (seed ``CLEAN_SEED``).

    The inputs must be standardised with the *training* archive's statistics
    (as the model was trained); within 0.01.

    Examples
    --------
    >>> check_clean_accuracy(...)
    Replace the ... with your accuracy, then run the cell again.
    """
    if answer is not Ellipsis and answer is not None:
        a = float(np.ravel(answer)[0]) if np.size(answer) == 1 else None
        if a is not None and a > 1.0:
            return Feedback(False, "Give the accuracy as a share between 0 and 1, not a percent.")
    return check_number(
        answer,
        0.0 if answer is Ellipsis or answer is None else _clean_accuracy(),
        atol=0.01,
        what="accuracy",
        hint="Generate the days with artefact=False and the seed given, standardise them with "
        "the training archive's mean and standard deviation per channel, and compare the "
        "argmax of the model's output with y.",
    )
