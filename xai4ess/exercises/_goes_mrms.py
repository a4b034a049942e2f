"""Exercise checks of the GOES -> MRMS chapter (feedback without the answer)."""

from __future__ import annotations

import functools

import numpy as np

from ._core import Feedback, check_number

__all__ = ["check_glm_ablation", "check_boundary_storm", "check_outside_trf"]

_GLM = 3


@functools.lru_cache(maxsize=1)
def _shipped():
    from ..data import load as load_data
    from ..models import load as load_model

    return load_model("goes_mrms"), load_data("goes_mrms").test


def _inputs(ds) -> np.ndarray:
    return ((ds.x - ds.input_offset) / ds.input_scale).astype(np.float32)


@functools.lru_cache(maxsize=1)
def _ablation_expected() -> float:
    model, test = _shipped()
    xin = _inputs(test)
    xin[..., _GLM] = 0.0
    est = model.predict(xin, batch_size=4, verbose=0)[..., 0]
    sel = test.lightning_mask & (test.y[..., 0] >= 40.0)
    return float(est[sel].mean())


def check_glm_ablation(answer) -> Feedback:
    """Mean estimate (dBZ) at lightning pixels with MRMS >= 40 dBZ when GLM is set to zero.

    Examples
    --------
    >>> check_glm_ablation(...)
    Replace the ... with your mean estimate without GLM (dBZ), then run the cell again.
    """
    if answer is Ellipsis or answer is None:
        return check_number(answer, 0.0, what="mean estimate without GLM (dBZ)")
    return check_number(
        answer,
        _ablation_expected(),
        rtol=0.03,
        what="mean estimate without GLM (dBZ)",
        hint="Zero channel 3 (GLM) of the network input of all test scenes, predict, and "
        "average the estimate where test.lightning_mask & (test.y[..., 0] >= 40).",
    )


def check_boundary_storm(answer, min_share: float = 0.3) -> Feedback:
    """Is ``(scene, row, col)`` a large estimate without lightning that relies on cloud edges?

    The pixel must be in a test scene, have an estimate of at least 35 dBZ,
    no GLM flash at the pixel, and at least ``min_share`` of its positive
    LRP-alpha1beta0 relevance (summed over channels) on the cloud-edge zone
    ``test.boundary_mask``.

    Examples
    --------
    >>> check_boundary_storm(...)
    Replace the ... with (scene, row, col) of your pixel, then run the cell again.
    """
    if answer is Ellipsis or answer is None:
        return Feedback(
            False, "Replace the ... with (scene, row, col) of your pixel, then run the cell again."
        )
    try:
        scene, row, col = (int(v) for v in answer)
    except (TypeError, ValueError):
        return Feedback(False, "Give three integers: (scene, row, col).")
    from ..attribution import explain

    model, test = _shipped()
    n, h, w = test.y.shape[:3]
    if not (0 <= scene < n and 0 <= row < h and 0 <= col < w):
        return Feedback(False, f"(scene, row, col) must lie in 0..{n - 1}, 0..{h - 1}, 0..{w - 1}.")
    xin = _inputs(test[scene])
    est = float(model.predict(xin, verbose=0)[0, row, col, 0])
    if est < 35.0:
        return Feedback(
            False, f"The estimate there is {est:.0f} dBZ; pick a pixel with at least 35 dBZ."
        )
    if test.lightning_mask[scene, row, col]:
        return Feedback(
            False, "GLM saw flashes at that pixel: look for a strong estimate without lightning."
        )
    r = np.clip(explain(model, xin, "lrp.alpha_1_beta_0", target=(row, col))[0], 0, None).sum(-1)
    share = float(r[test.boundary_mask[scene]].sum() / max(r.sum(), 1e-12))
    if share < min_share:
        return Feedback(
            False,
            f"Only {share:.0%} of that pixel's relevance lies on the cloud-edge zone; "
            f"look for one with at least {min_share:.0%} (a developing tower).",
        )
    return Feedback(
        True,
        f"Right: {est:.0f} dBZ without lightning, and {share:.0%} of the relevance "
        "lies on the sharp cloud edge.",
    )


def check_outside_trf(answer) -> Feedback:
    """Share of the absolute relevance that falls outside the pixel's receptive field.

    Examples
    --------
    >>> check_outside_trf(0.0)
    Right.
    """
    return check_number(
        answer,
        0.0,
        atol=1e-6,
        what="share outside the receptive field",
        hint="Sum |R| outside the box from xai4ess.rf.box and divide by the total.",
    )
