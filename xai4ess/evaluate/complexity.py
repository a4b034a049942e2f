"""Complexity: how concentrated is a map? (Fewer, stronger features = simpler.)

Examples
--------
>>> import numpy as np
>>> one_hot = np.array([[0.0, 0, 0, 5]]); flat_map = np.ones((1, 4))
>>> sparseness(one_hot).tolist(), sparseness(flat_map).tolist()
([0.75], [0.0])
>>> entropy(flat_map).round(4).tolist(), entropy(one_hot).tolist()
([1.3863], [0.0])
"""

from __future__ import annotations

import numpy as np

from ._common import flat

__all__ = ["sparseness", "entropy"]


def sparseness(R) -> np.ndarray:
    """Gini index of ``|R|`` per sample: 0 for a uniform map, ``1 - 1/d`` for one feature.

    Source: Chalasani et al. (2020), "Concise explanations of neural networks using
    adversarial training" (ICML), as in Quantus' ``Sparseness``:
    ``G = sum_i (2 i - d - 1) a_(i) / (d * sum_i a_(i))`` with ``a`` sorted ascending.
    """
    a = np.sort(np.abs(flat(R, "R")), axis=1)
    d = a.shape[1]
    i = np.arange(1, d + 1)
    tot = a.sum(axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        g = ((2 * i - d - 1) * a).sum(axis=1) / (d * tot)
    return np.where(tot > 0, g, np.nan)


def entropy(R) -> np.ndarray:
    """Shannon entropy (nats) of ``p = |R| / sum |R|`` per sample; ``log d`` is uniform.

    Source: Bhatt, Weller & Moura (2020), "complexity" of an explanation (IJCAI), as in
    Quantus' ``Complexity``.
    """
    a = np.abs(flat(R, "R"))
    tot = a.sum(axis=1, keepdims=True)
    with np.errstate(invalid="ignore", divide="ignore"):
        p = a / tot
        h = -np.where(p > 0, p * np.log(np.where(p > 0, p, 1.0)), 0.0).sum(axis=1)
    return np.where(tot[:, 0] > 0, h + 0.0, np.nan)
