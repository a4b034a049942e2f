"""evaluate.dominant_region with area: enrichment (share / area) instead of the raw share."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from xai4ess import evaluate


def test_share_favours_large_regions_enrichment_does_not():
    shares = pd.DataFrame({"horse": [0.5], "tag": [0.2], "background": [0.3]})
    area = pd.DataFrame({"horse": [0.6], "tag": [0.02], "background": [0.38]})
    assert evaluate.dominant_region(shares).tolist() == ["horse"]
    assert evaluate.dominant_region(shares, area=area).tolist() == ["tag"]


def test_even_spread_is_none_and_zero_area_cannot_win():
    # relevance a little below each region's area: no region is enriched
    area = pd.DataFrame({"a": [0.1, 0.0], "b": [0.3, 0.5], "background": [0.6, 0.5]})
    shares = pd.DataFrame({"a": [0.09, 0.9], "b": [0.29, 0.05], "background": [0.62, 0.05]})
    labels = evaluate.dominant_region(shares, area=area)
    assert labels[0] == "none"
    assert labels[1] == "none"  # "a" has no area; "b" holds less than its area


def test_matches_brute_force_on_random_tables():
    rng = np.random.default_rng(0)
    s = rng.dirichlet(np.ones(3), size=50)
    a = rng.dirichlet(np.ones(3), size=50)
    cols = ["x", "y", "background"]
    labels = evaluate.dominant_region(
        pd.DataFrame(s, columns=cols), area=pd.DataFrame(a, columns=cols), min_enrichment=0.0
    )
    expected = np.array(["x", "y"])[np.argmax(s[:, :2] / a[:, :2], axis=1)]
    assert (labels == expected).all()


def test_bad_area_is_a_clear_error():
    shares = pd.DataFrame({"horse": [0.5], "tag": [0.2]})
    with pytest.raises(ValueError, match="area must have"):
        evaluate.dominant_region(shares, area=pd.DataFrame({"horse": [0.5]}))
