"""Checks for the exercises of the Clever Hans chapter (chapters/02_clever_hans.md).

Each check recomputes what it needs from the shipped test set and models and
answers with a :class:`~xai4ess.exercises.Feedback` that never reveals the
expected value.
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np

from ._core import Feedback, check_number

__all__ = ["check_wrong_reason", "check_tag_share", "check_confounder_test_set"]

METHOD = "lrp.alpha_1_beta_0"
#: A test set exposes the confounder when the confounded model scores at most
#: this, while the fixed model keeps at least ``FIXED_MIN``.
CONFOUNDED_MAX = 0.70
FIXED_MIN = 0.80
MIN_SAMPLES = 50


@lru_cache(maxsize=1)
def _test():
    from ..data import load

    return load("horses").test


def _model(name: str):
    from ..models import shared as shipped

    return shipped(name)


def _tag_box(ds):
    """Where the tag is, or would be: the tag mask of the same scenes rendered with the tag."""
    from ..data import horses

    keys = ("horse_rate", "size")
    opts = {k: ds.attrs[k] for k in keys if k in ds.attrs}
    return horses(
        seed=ds.attrs["seed"], index=ds.index, tag=True, poles=ds.has_pole, **opts
    ).tag_mask


@lru_cache(maxsize=1)
def _tag_shares() -> tuple[float, float]:
    """Mean share of positive LRP relevance (horse output) in the tag box: tagged, untagged horses."""
    from ..attribution import explain
    from ..evaluate import relevance_share

    ds = _test()
    horses_only = ds[np.flatnonzero(ds.y == 1)]
    model = _model("horses")
    box = _tag_box(horses_only)
    share = np.concatenate(
        [
            relevance_share(
                explain(model, horses_only.x[i : i + 64], method=METHOD, target=1), box[i : i + 64]
            )
            for i in range(0, len(horses_only), 64)
        ]
    )
    tagged = horses_only.has_tag
    return float(np.nanmean(share[tagged])), float(np.nanmean(share[~tagged]))


def check_wrong_reason(index) -> Feedback:
    """Is test scene ``index`` a horse that the confounded model gets right for the wrong reason?

    Right for the wrong reason here means: the scene holds a horse, the model
    ``"horses"`` says "horse", and more of the positive ``lrp.alpha_1_beta_0``
    relevance for "horse" lies on the tag and the poles together than on the horse.

    Examples
    --------
    >>> check_wrong_reason(...)
    Replace the ... with the index of a test scene, then run the cell again.
    """
    if index is Ellipsis or index is None:
        return Feedback(
            False, "Replace the ... with the index of a test scene, then run the cell again."
        )
    ds = _test()
    try:
        i = int(index)
    except (TypeError, ValueError):
        return Feedback(False, f"Give one index into the test set (an int), not {index!r}.")
    if i != index or not 0 <= i < len(ds):
        return Feedback(
            False, f"The index must be an integer from 0 to {len(ds) - 1}; got {index!r}."
        )
    from ..attribution import explain
    from ..evaluate import region_shares

    if ds.y[i] != 1:
        return Feedback(False, f"Scene {i} has no horse. Look among the scenes with y == 1.")
    model = _model("horses")
    p = float(model(ds.x[i : i + 1], training=False).numpy()[0, 1])
    if p < 0.5:
        return Feedback(
            False,
            f"The model misses the horse in scene {i} (p(horse) = {p:.2f}): wrong, not right "
            "for the wrong reason.",
        )
    r = explain(model, ds.x[i : i + 1], method=METHOD, target=1)
    shares = region_shares(
        r,
        {
            "tag": ds.tag_mask[i : i + 1],
            "poles": ds.pole_mask[i : i + 1],
            "horse": ds.horse_mask[i : i + 1],
        },
    ).iloc[0]
    confounders = shares["tag"] + shares["poles"]
    if confounders > shares["horse"]:
        return Feedback(
            True,
            f"Right: scene {i} is called a horse (p = {p:.2f}), but {confounders:.0%} of the "
            f"positive relevance lies on tag and poles and only {shares['horse']:.0%} on the horse.",
        )
    return Feedback(
        False,
        f"In scene {i} the horse gets {shares['horse']:.0%} of the positive relevance, tag and "
        f"poles together {confounders:.0%}: here the model looks at the horse. Try a tagged "
        "horse, or one in front of poles.",
    )


def check_tag_share(answer) -> Feedback:
    """Mean share of positive LRP relevance inside the tag box, (tagged horses, untagged horses).

    For the confounded model, ``lrp.alpha_1_beta_0`` relevance of the "horse"
    output (``target=1``), on the horse scenes of the shipped test set. For
    untagged horses, the tag box is where the tag would be (the tag mask of the
    same scenes rendered with ``tag=True``).

    Examples
    --------
    >>> check_tag_share(...)
    Replace the ... with your pair (tagged, untagged) of mean shares, then run the cell again.
    """
    if answer is Ellipsis or answer is None:
        return Feedback(
            False,
            "Replace the ... with your pair (tagged, untagged) of mean shares, then run the "
            "cell again.",
        )
    try:
        values = np.asarray(answer, dtype=float).ravel()
    except (TypeError, ValueError):
        return Feedback(False, f"Give two numbers (tagged, untagged), not {answer!r}.")
    if values.size != 2:
        return Feedback(False, f"Give two numbers (tagged, untagged); you gave {values.size}.")
    if np.any(values > 1) or np.any(values < 0):
        return Feedback(False, "Shares lie between 0 and 1 (not percent). Divide by the total.")
    tagged, untagged = _tag_shares()
    fb = check_number(
        values,
        (tagged, untagged),
        rtol=0.03,
        atol=0.005,
        what="pair of shares",
        hint="Use only positive relevance (clip at 0), sum the colour channels, divide the "
        "relevance inside the tag box by the total of each image, then average over images "
        "(skip images without any positive relevance: np.nanmean).",
    )
    if fb:
        return Feedback(
            True,
            "Right. On tagged horses a small box of the image carries a large part of the "
            "evidence; without the tag the same box carries almost none.",
        )
    return fb


def check_confounder_test_set(ds) -> Feedback:
    """Does a test set expose the confounders of the ``"horses"`` model?

    It does if it holds at least 50 scenes of both classes and the confounded
    model's accuracy on it is at most 70 % while the fixed model keeps at least 80 %.

    Examples
    --------
    >>> check_confounder_test_set(...)
    Replace the ... with your test set (a Dataset from xai4ess.data.horses), then run the cell again.
    """
    if ds is Ellipsis or ds is None:
        return Feedback(
            False,
            "Replace the ... with your test set (a Dataset from xai4ess.data.horses), then run "
            "the cell again.",
        )
    if not hasattr(ds, "x") or not hasattr(ds, "y"):
        return Feedback(
            False, "Pass a Dataset (with .x and .y), e.g. from xai4ess.data.horses(...)."
        )
    x = np.asarray(ds.x, dtype=np.float32)
    y = np.asarray(ds.y)
    if x.ndim != 4 or x.shape[1:] != (64, 64, 3):
        return Feedback(False, f"The images must be (N, 64, 64, 3); yours are {x.shape}.")
    if len(y) < MIN_SAMPLES:
        return Feedback(False, f"Use at least {MIN_SAMPLES} scenes; you have {len(y)}.")
    if np.unique(y).size < 2:
        return Feedback(False, "Your set needs scenes with and without horses.")
    acc = {}
    for name in ("horses", "horses_fixed"):
        net = _model(name)
        # direct calls in chunks: model.predict keeps memory per call in a long session
        p = np.concatenate(
            [net(x[k : k + 256], training=False).numpy() for k in range(0, len(x), 256)]
        ).argmax(axis=1)
        acc[name] = float((p == y).mean())
    summary = (
        f"accuracy: confounded model {acc['horses']:.0%}, fixed model {acc['horses_fixed']:.0%}"
    )
    if acc["horses_fixed"] < FIXED_MIN:
        return Feedback(
            False,
            f"Your set is hard for both models ({summary}): it tests something else than the "
            "confounders. Keep the scenes ordinary and change only tags and poles.",
        )
    if acc["horses"] > CONFOUNDED_MAX:
        return Feedback(
            False,
            f"The confounded model still does well ({summary}). Break the link between the "
            "confounders and the label: where does the model expect the tag and the poles?",
        )
    return Feedback(True, f"Right: your set exposes the shortcut ({summary}).")
