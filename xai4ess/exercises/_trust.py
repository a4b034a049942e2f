"""Checks of the chapter "Can you trust a heatmap?": rank methods by their truth fidelity,
and choose an integrated-gradients baseline for an input encoding."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np

from ._core import Feedback

__all__ = ["check_truth_ranking", "baseline_problem", "check_baselines"]

_BASELINES = {
    "sst_kelvin": "climatology",
    "sst_standardised_anomaly": "zero",
    "sst_minmax_0_1": "climatology",
}
_OPTIONS = ("zero", "climatology", "sample_mean")


def check_truth_ranking(answer: Sequence[str], scores: Mapping[str, float]) -> Feedback:
    """Check an ordering of methods from closest to the truth to farthest.

    Parameters
    ----------
    answer : sequence of str
        Every method name of ``scores``, best first.
    scores : mapping of str to float
        Median per-sample correlation with the truth of each method.

    Examples
    --------
    >>> s = {"a": 0.9, "b": 0.2, "c": 0.5}
    >>> check_truth_ranking(["a", "c", "b"], s)
    Right.
    >>> bool(check_truth_ranking(["c", "a", "b"], s))
    False
    """
    if answer is Ellipsis or answer is None:
        return Feedback(False, "Replace the ... with a list of method names, best first.")
    answer = list(answer)
    if sorted(answer) != sorted(scores):
        return Feedback(False, f"List each of these methods exactly once: {sorted(scores)}.")
    pos = {m: k for k, m in enumerate(answer)}
    names = list(scores)
    wrong = sum(
        1
        for i in range(len(names))
        for j in range(i + 1, len(names))
        if np.sign(scores[names[i]] - scores[names[j]]) * np.sign(pos[names[j]] - pos[names[i]]) < 0
    )
    if wrong == 0:
        return Feedback(True, "Right.")
    return Feedback(
        False,
        f"{wrong} pair(s) of methods are in the wrong order. Hint: which methods multiply by "
        "the input, and what is the truth of an additive function relative to x = 0?",
    )


def baseline_problem() -> dict[str, str]:
    """Three encodings of the same SST field, and the baseline options to choose from."""
    return {
        "sst_kelvin": "absolute sea-surface temperature in K (about 300 K)",
        "sst_standardised_anomaly": "(T - climatology) / standard deviation, per grid cell",
        "sst_minmax_0_1": "(T - min) / (max - min) over the training set, per grid cell",
        "options": ", ".join(_OPTIONS),
    }


def check_baselines(answer: Mapping[str, str]) -> Feedback:
    """Check the integrated-gradients baseline chosen for each encoding.

    The question behind every choice: which input means "nothing unusual", so that the
    attribution answers "why this prediction rather than the climatological one"?

    Examples
    --------
    >>> bool(check_baselines({"sst_kelvin": "zero"}))
    False
    """
    if answer is Ellipsis or answer is None:
        return Feedback(False, "Replace the ... with a dict {encoding: option}.")
    missing = set(_BASELINES) - set(answer)
    if missing:
        return Feedback(False, f"Choose a baseline for every encoding; missing: {sorted(missing)}.")
    bad_opts = {v for v in answer.values() if v not in _OPTIONS}
    if bad_opts:
        return Feedback(False, f"Options are {list(_OPTIONS)}; got {sorted(bad_opts)}.")
    wrong = sum(answer[k] != v for k, v in _BASELINES.items())
    if wrong == 0:
        return Feedback(True, "Right.")
    return Feedback(
        False,
        f"{wrong} of 3 choices would explain the prediction relative to an input that is not "
        "'normal'. Hint: what does 0 mean in each encoding -- 0 K, the climatology, or the "
        "coldest value ever seen?",
    )
