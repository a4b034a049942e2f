"""The texture measure of the fooling exercise (chapter 4): smooth curvature is not texture,
bubbling is (issue 20, E2)."""

from __future__ import annotations

import numpy as np

from xai4ess.data import _convection as gen
from xai4ess.data import load
from xai4ess.exercises import _convection as ex


def blob(sigma: float = 9.0) -> np.ndarray:
    """The published solution: a smooth bright Gaussian blob, steady in time."""
    rows, cols = np.mgrid[0:32, 0:32]
    b = 0.1 + 0.7 * np.exp(-((rows - 16) ** 2 + (cols - 16) ** 2) / (2 * sigma**2))
    return np.repeat(b[..., None], 5, axis=-1).astype(np.float32)


def test_smooth_blobs_pass_the_limits():
    for sigma in (5.0, 9.0, 14.0):
        temporal, texture = ex._texture_stats(blob(sigma))
        assert temporal == 0.0
        assert texture < ex.MAX_SPATIAL_TEXTURE / 2, (sigma, texture)


def test_every_convective_test_scene_is_refused():
    ds = gen.as_float(load("convection").test)
    conv = ds.x[ds.kind == 3]
    stats = np.array([ex._texture_stats(x) for x in conv])
    refused = (stats[:, 0] > ex.MAX_TEMPORAL_CHANGE) | (stats[:, 1] > ex.MAX_SPATIAL_TEXTURE)
    assert refused.all(), f"{(~refused).sum()} convective scenes pass as smooth and steady"
    # the texture alone flags nearly all of them, although they drift and bubble
    assert np.mean(stats[:, 1] > ex.MAX_SPATIAL_TEXTURE) > 0.95
