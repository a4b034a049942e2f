"""LRP-epsilon with its default epsilon must differ from LRP-z (issue 20, E9).

With epsilon = 1e-7 LRP-epsilon is numerically LRP-0: the stabiliser is ~1e-7 of
the climate network's pre-activations (std ~2.5 on late-century maps), so the
promised filtering never happens. The default lives in the method table of
``xai4ess.attribution`` (``LRP_EPSILON``); this test fails if it is set back to a
negligible value.
"""

from __future__ import annotations

import re

import numpy as np

import xai4ess


def default_epsilon() -> float:
    options = xai4ess.methods().loc["lrp.epsilon", "options"]
    return float(re.search(r"epsilon=([0-9.eE+-]+)", options).group(1))


def test_default_epsilon_differs_from_lrp_z_on_the_climate_network():
    test = xai4ess.data.load("climate").test
    model = xai4ess.models.load("climate")
    x = test.x[test.y >= 2071][:20]
    r_z = xai4ess.explain(model, x, "lrp.z")
    r_eps = xai4ess.explain(model, x, "lrp.epsilon")
    change = np.abs(r_eps - r_z).sum() / np.abs(r_z).sum()
    assert change > 0.01, f"LRP-epsilon differs from LRP-z by only {change:.2e} (relative L1)"


def test_explicit_epsilon_differs_and_tiny_epsilon_does_not():
    """The measurement behind the recommendation, with epsilon passed explicitly."""
    test = xai4ess.data.load("climate").test
    model = xai4ess.models.load("climate")
    x = test.x[test.y >= 2071][:20]
    r_z = xai4ess.explain(model, x, "lrp.z")

    def change(eps):
        r = xai4ess.explain(model, x, "lrp.epsilon", epsilon=eps)
        return np.abs(r - r_z).sum() / np.abs(r_z).sum()

    assert change(1e-7) < 1e-5
    assert change(0.1) > 0.01
