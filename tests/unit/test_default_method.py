"""The default method of ``xai4ess.explain`` passes the randomisation test (issue 20).

Cascading model-parameter randomisation (Adebayo et al. 2018) on the shipped
convection network: with the dense head (``logits`` and ``dense``) re-initialised,
the maps of a method that explains what the network learned must lose most of
their similarity to the trained maps. Measured as the similarity left above
chance, ``(rho - chance) / (1 - chance)`` (rho: rank correlation of |maps|; chance:
the same for maps of two different scenes). LRP-alpha1beta0, the old default,
keeps almost all of it, so the same criterion fails for it: the test can fail.
"""

from __future__ import annotations

import inspect

import numpy as np
import pytest

import xai4ess
from xai4ess import evaluate
from xai4ess.attribution import DEFAULT_METHOD


@pytest.fixture(scope="module")
def table():
    model = xai4ess.models.load("convection")
    test = xai4ess.data.load("convection").test
    x = test.x[np.flatnonzero(test.kind == 3)][:8]
    methods = [DEFAULT_METHOD, "lrp.alpha_1_beta_0"]
    tab, maps = evaluate.randomization_test(
        model, x, methods, blocks=[["logits", "dense"]], target=1, return_maps=True, copy=False
    )
    chance = np.array([evaluate.chance_similarity(maps["trained"][m]) for m in methods])
    left = (tab.iloc[:, 0].to_numpy() - chance) / (1 - chance)
    return dict(zip(methods, left))


def test_explain_uses_the_documented_default():
    default = inspect.signature(xai4ess.explain).parameters["method"].default
    assert default == DEFAULT_METHOD and DEFAULT_METHOD in xai4ess.methods().index


def test_default_method_passes_on_the_convection_network(table):
    assert table[DEFAULT_METHOD] < 0.5, table


def test_alpha1beta0_fails_the_same_criterion(table):
    assert table["lrp.alpha_1_beta_0"] > 0.8, table


def test_composite_is_preset_a_on_a_net_with_a_dense_head():
    model = xai4ess.models.load("convection")
    x = xai4ess.data.load("convection").test.x[:4]
    a = xai4ess.explain(model, x, "lrp.composite", target=1)
    b = xai4ess.explain(model, x, "lrp.sequential_preset_a", target=1)
    np.testing.assert_allclose(a, b, rtol=1e-4, atol=1e-6)
    c = xai4ess.explain(model, x, "lrp.composite", target=1, upper=5)  # every layer epsilon
    e = xai4ess.explain(model, x, "lrp.epsilon", target=1)
    np.testing.assert_allclose(c, e, rtol=1e-4, atol=1e-6)


def test_composite_rejects_a_bad_split():
    model = xai4ess.models.load("convection")
    x = xai4ess.data.load("convection").test.x[:2]
    with pytest.raises(xai4ess.errors.OptionError, match="upper"):
        xai4ess.explain(model, x, "lrp.composite", target=1, upper=9)
