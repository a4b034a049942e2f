"""Robustness: does the explanation change a lot when the input barely changes?

Examples
--------
>>> import numpy as np
>>> w = np.array([1.0, -2.0, 0.5])
>>> explain_fn = lambda b: b * w  # input x gradient of a linear model
>>> s = max_sensitivity(explain_fn, np.ones((2, 3)), radius=0.1, n_samples=8)
>>> bool(np.all(s <= 0.1 + 1e-12)) and bool(np.all(s > 0))
True
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from ._common import flat

__all__ = ["max_sensitivity"]


def max_sensitivity(
    explain_fn: Callable,
    x,
    radius: float = 0.1,
    n_samples: int = 10,
    seed: int = 0,
    normalise: bool = True,
) -> np.ndarray:
    """Largest change of the explanation over random perturbations in an L-inf ball.

    Source: Yeh et al. (2019), "On the (in)fidelity and sensitivity of explanations"
    (NeurIPS): ``max_{||d||_inf <= radius} ||e(x + d) - e(x)||``, estimated by Monte Carlo
    with ``n_samples`` uniform perturbations. With ``normalise`` the change is divided by
    ``||e(x)||`` (Frobenius norms), as Quantus' ``MaxSensitivity`` does by default.

    Parameters
    ----------
    explain_fn : callable
        Batch ``(B, ...)`` to attributions of the same leading shape.
    x : ndarray
        ``(N, ...)`` inputs.
    radius : float
        Half-width of the uniform perturbation, in input units.

    Returns
    -------
    ndarray
        ``(N,)``; 0 means perfectly stable.
    """
    x = np.asarray(x)
    rng = np.random.default_rng(seed)
    e0 = flat(explain_fn(x))
    norm0 = np.linalg.norm(e0, axis=1)
    worst = np.zeros(len(x))
    for _ in range(n_samples):
        d = rng.uniform(-radius, radius, size=x.shape).astype(x.dtype)
        diff = np.linalg.norm(flat(explain_fn(x + d)) - e0, axis=1)
        worst = np.maximum(worst, diff)
    if normalise:
        with np.errstate(invalid="ignore", divide="ignore"):
            worst = np.where(norm0 > 0, worst / np.where(norm0 > 0, norm0, 1.0), np.nan)
    return worst
