"""evaluate.preactivation_std against numpy; evaluate.chance_similarity against brute force."""

from __future__ import annotations

import numpy as np
from scipy.stats import spearmanr

from xai4ess import evaluate


def test_preactivation_std_matches_numpy():
    rng = np.random.default_rng(0)
    w1, b1 = rng.normal(size=(5, 4)), rng.normal(size=4)
    w2, b2 = rng.normal(size=(4, 2)), rng.normal(size=2)
    net = evaluate.dense_network([(w1, b1), (w2, b2)])
    x = rng.normal(size=(64, 5)).astype(np.float32)
    z1 = x @ w1 + b1
    z2 = np.maximum(z1, 0) @ w2 + b2
    got = list(evaluate.preactivation_std(net, x).values())
    np.testing.assert_allclose(got, [z1.std(), z2.std()], rtol=1e-4)
    # the layers' own activations are restored afterwards
    np.testing.assert_allclose(net.predict(x, verbose=0), z2, rtol=1e-4, atol=1e-4)


def test_chance_similarity_is_the_mean_over_neighbouring_pairs():
    rng = np.random.default_rng(1)
    maps = rng.random((5, 6, 6, 2))
    flat = np.abs(maps.sum(axis=-1)).reshape(5, -1)
    expected = np.mean([spearmanr(flat[i], flat[(i + 1) % 5])[0] for i in range(5)])
    assert abs(evaluate.chance_similarity(maps) - expected) < 1e-12
