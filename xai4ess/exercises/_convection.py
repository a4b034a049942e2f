"""Checks for the exercises of the convection chapter (chapters/04_convection.md)."""

from __future__ import annotations

from functools import lru_cache

import numpy as np

from ._core import Feedback

__all__ = ["check_top_frame", "check_fooling_sample", "check_remedy"]

#: Seed and size of the bright-stratiform trap set used by :func:`check_remedy`.
TRAP = {"n": 200, "seed": 2024, "only": "bright_stratiform"}
# A sequence counts as "not bubbling" below these limits (reflectance units):
# mean |change between frames| and mean small-scale texture, see :func:`_texture_stats`.
MAX_TEMPORAL_CHANGE = 0.01
MAX_SPATIAL_TEXTURE = 0.01


@lru_cache(maxsize=1)
def _test():
    from ..data import convection_io as gen
    from ..data import load

    return gen.as_float(load("convection").test)


@lru_cache(maxsize=1)
def _trap():
    from ..data import convection

    return convection(**TRAP)


@lru_cache(maxsize=2)
def _model(name: str):
    from ..models import load

    return load(name)


def _p_convection(model, x: np.ndarray) -> np.ndarray:
    p = np.asarray(model.predict(np.asarray(x, np.float32), verbose=0, batch_size=256))
    return p[:, 1] if p.ndim == 2 and p.shape[1] == 2 else p.ravel()


@lru_cache(maxsize=1)
def _frame_shares() -> np.ndarray:
    from ..attribution import explain

    ds = _test()
    conv = ds.x[ds.kind == 3]
    r = np.abs(explain(_model("convection"), conv, method="lrp.alpha_1_beta_0", target=1))
    per = r.sum(axis=(1, 2))
    return (per / per.sum(axis=1, keepdims=True)).mean(axis=0)


def check_top_frame(answer) -> Feedback:
    """Index (0-4) of the frame with the largest mean share of |LRP relevance| for the
    brightness-only model on the convective scenes of the test set.

    Examples
    --------
    >>> check_top_frame(...)
    Replace the ... with your frame index (0-4), then run the cell again.
    """
    if answer is Ellipsis or answer is None:
        return Feedback(
            False, "Replace the ... with your frame index (0-4), then run the cell again."
        )
    try:
        idx = int(answer)
    except (TypeError, ValueError):
        return Feedback(False, f"Give one frame index 0-4 (an int), not {answer!r}.")
    if idx != answer or not 0 <= idx <= 4:
        return Feedback(
            False,
            f"A frame index is an integer from 0 (t = 0 min) to 4 (t = 8 min); got {answer!r}.",
        )
    best = int(np.argmax(_frame_shares()))
    if idx == best:
        return Feedback(
            True,
            "Right. Now compare its share with an equal share of 1/5: "
            "how much does this network care about time at all?",
        )
    return Feedback(
        False,
        "Not that one. Sum |relevance| over rows and columns for each frame, "
        "divide by the total per sample, average over the convective scenes "
        "(test.kind == 3), and take the argmax.",
    )


def _texture_stats(x: np.ndarray) -> tuple[float, float]:
    """Mean |change between frames| and mean small-scale texture of one sequence.

    The texture is the mean of |(I - G)^2 x| with G a 2-pixel Gaussian filter in
    space: the high-pass residual x - G(x), high-passed once more. A plain
    residual x - G(x) is not zero on a smooth bright blob (it picks up the
    blob's curvature, about sigma^2/2 times the Laplacian); the second pass
    removes that bias, so a surface that is locally linear or quadratic scores
    near 0 (up to edge effects) while pixel-scale bubbling keeps nearly all of its residual. On the
    shipped test set this is 0.005 for clear sky and at least 0.010 for
    convective scenes.

    Examples
    --------
    >>> rows, cols = np.mgrid[0:32, 0:32]
    >>> bowl = 0.2 + 0.5 * ((rows - 16) ** 2 + (cols - 16) ** 2) / 512
    >>> x = np.repeat(bowl[..., None], 5, axis=-1)
    >>> temporal, texture = _texture_stats(x)
    >>> temporal, texture < 0.003
    (0.0, True)
    >>> noisy = x + np.random.default_rng(0).normal(0, 0.02, x.shape)
    >>> _texture_stats(noisy)[1] > 0.01
    True
    """
    from scipy.ndimage import gaussian_filter

    temporal = float(np.abs(np.diff(x, axis=-1)).mean())
    residual = x - gaussian_filter(x, sigma=(2, 2, 0), mode="nearest")
    twice = residual - gaussian_filter(residual, sigma=(2, 2, 0), mode="nearest")
    spatial = float(np.abs(twice).mean())
    return temporal, spatial


def check_fooling_sample(x) -> Feedback:
    """Does ``x`` fool the brightness-only model: no bubbling, yet called convective?

    ``x`` is one sequence ``(32, 32, 5)`` (or a batch of one) of reflectance in
    [0, 1]. It must be smooth in space and steady in time (mean absolute
    change between frames and mean small-scale texture, the twice high-passed
    residual of a 2-pixel Gaussian filter, both below 0.01), and the shipped ``"convection"`` model must give it
    p(convection) > 0.5.

    Examples
    --------
    >>> check_fooling_sample(...)
    Replace the ... with your sequence (32, 32, 5), then run the cell again.
    """
    if x is Ellipsis or x is None:
        return Feedback(
            False, "Replace the ... with your sequence (32, 32, 5), then run the cell again."
        )
    x = np.asarray(x, dtype=np.float32)
    if x.ndim == 4 and x.shape[0] == 1:
        x = x[0]
    if x.shape != (32, 32, 5):
        return Feedback(
            False,
            f"The sequence must have shape (32, 32, 5) (rows, columns, frames); "
            f"yours has {x.shape}.",
        )
    if not np.isfinite(x).all() or x.min() < 0 or x.max() > 1:
        return Feedback(False, "Reflectance factors lie between 0 and 1 (and must be finite).")
    temporal, spatial = _texture_stats(x)
    if temporal > MAX_TEMPORAL_CHANGE or spatial > MAX_SPATIAL_TEXTURE:
        return Feedback(
            False,
            f"Your scene bubbles: mean change between frames {temporal:.3f}, "
            f"small-scale texture {spatial:.3f} (both must be below "
            f"{MAX_TEMPORAL_CHANGE}). Make it smooth and steady.",
        )
    p = float(_p_convection(_model("convection"), x[None])[0])
    if p > 0.5:
        p_tex = float(_p_convection(_model("convection_texture"), x[None])[0])
        return Feedback(
            True,
            f"Fooled: a smooth, steady scene gets p(convection) = {p:.2f} from "
            f"the brightness-only model (the change-aware one says {p_tex:.2f}).",
        )
    return Feedback(
        False,
        f"Smooth and steady, good, but the brightness-only model says "
        f"p(convection) = {p:.2f}. What does it actually look at?",
    )


def check_remedy(model, max_accuracy_drop: float = 0.05) -> Feedback:
    """Test a remedied model: the bright-stratiform trap and the standard test accuracy.

    Passes when the model's false-positive rate on a fixed set of 200 bright
    stratiform scenes is at most half that of the shipped brightness-only
    model, and its accuracy on the standard test set is at most
    ``max_accuracy_drop`` below it. The numbers are shown either way.

    Parameters
    ----------
    model : keras.Model
        Takes ``(N, 32, 32, 5)`` reflectance, returns ``(N, 2)`` probabilities.

    Examples
    --------
    >>> check_remedy(...)
    Replace the ... with your trained model, then run the cell again.
    """
    if model is Ellipsis or model is None:
        return Feedback(False, "Replace the ... with your trained model, then run the cell again.")
    if not hasattr(model, "predict"):
        return Feedback(False, f"Pass a Keras model, not a {type(model).__name__}.")
    test, trap = _test(), _trap()
    try:
        p_test = _p_convection(model, test.x)
        p_trap = _p_convection(model, trap.x)
    except Exception as exc:  # a wrong input shape, a broken model
        return Feedback(False, f"Your model could not classify (N, 32, 32, 5) sequences: {exc}")
    base = _model("convection")
    acc = float(((p_test > 0.5) == (test.y == 1)).mean())
    fpr = float((p_trap > 0.5).mean())
    acc0 = float(((_p_convection(base, test.x) > 0.5) == (test.y == 1)).mean())
    fpr0 = float((_p_convection(base, trap.x) > 0.5).mean())
    numbers = (
        f"standard test accuracy {acc:.1%} (brightness-only: {acc0:.1%}); "
        f"bright-stratiform false positives {fpr:.0%} (brightness-only: {fpr0:.0%})."
    )
    ok_fpr = fpr <= 0.5 * fpr0
    ok_acc = acc >= acc0 - max_accuracy_drop
    if ok_fpr and ok_acc:
        return Feedback(True, f"The remedy works: {numbers} Now check where its relevance goes.")
    why = []
    if not ok_fpr:
        why.append("the bright-stratiform trap still works (false positives not halved)")
    if not ok_acc:
        why.append(f"it lost more than {max_accuracy_drop:.0%} accuracy on the standard test set")
    return Feedback(False, f"Not yet: {' and '.join(why)}. {numbers}")
