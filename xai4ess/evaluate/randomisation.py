"""Randomisation: does the explanation depend on what the model learned?

Cascading model-parameter randomisation (Adebayo et al. 2018, "Sanity checks for
saliency maps", NeurIPS): replace the weights layer by layer, from the output layer
down, by random values, and compare each explanation with the one of the trained
model. A method that passes shows similarity falling towards the chance level; a method
whose maps stay similar explains the input or the architecture, not the learned function.

Examples
--------
>>> import numpy as np
>>> rng = np.random.default_rng(0)
>>> a = rng.standard_normal((3, 50))
>>> similarity(a, a).tolist()
[1.0, 1.0, 1.0]
>>> abs(float(chance_similarity(a, n_draws=200).mean())) < 0.05
True
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from ._common import flat, pearson_rows, rankdata, same_shape

__all__ = ["similarity", "chance_similarity", "cascading_randomisation"]

KINDS = ("spearman_abs", "spearman", "pearson")


def similarity(a, b, kind: str = "spearman_abs") -> np.ndarray:
    """Per-sample similarity of two sets of maps.

    ``"spearman_abs"``: Spearman rank correlation of ``|a|`` and ``|b|`` (the main
    measure of Adebayo et al. 2018); ``"spearman"``: of the signed maps; ``"pearson"``.
    """
    x, y = flat(a, "a"), flat(b, "b")
    same_shape(x, y, "a and b")
    if kind == "spearman_abs":
        x, y = rankdata(np.abs(x)), rankdata(np.abs(y))
    elif kind == "spearman":
        x, y = rankdata(x), rankdata(y)
    elif kind != "pearson":
        raise ValueError(f"kind must be one of {KINDS}, got {kind!r}")
    return pearson_rows(x, y)


def chance_similarity(a, kind: str = "spearman_abs", n_draws: int = 20, seed: int = 0):
    """Similarity of each map with a random permutation of its own values: the chance
    level (expected 0 for all three kinds, spread about ``1 / sqrt(features)``).

    Returns
    -------
    ndarray
        ``(n_draws, N)``.
    """
    x = flat(a, "a")
    rng = np.random.default_rng(seed)
    return np.stack([similarity(x, rng.permuted(x, axis=1), kind) for _ in range(n_draws)])


def cascading_randomisation(
    model,
    x,
    explain_fn: Callable | None = None,
    method: str = "gradient",
    kind: str = "spearman_abs",
    seed: int = 0,
) -> dict:
    """Explanations of ``model`` while its layers are randomised from the top down.

    Source: Adebayo et al. (2018), cascading model-parameter randomisation. Each weight
    array of a layer is replaced by Gaussian values with the standard deviation of the
    trained array (``1e-3`` if that is 0), cumulatively from the last weighted layer to
    the first. The model's weights are restored afterwards.

    Parameters
    ----------
    model : keras.Model
        Any model with ``layers``, ``get_weights`` and ``set_weights``.
    x : ndarray
        Inputs to explain.
    explain_fn : callable, optional
        ``explain_fn(model, x) -> maps``; default ``xai4ess.explain(model, x, method)``.
    method : str
        Method for the default ``explain_fn``.
    kind : str
        Similarity measure, see :func:`similarity`.
    seed : int
        Seed of the random weights.

    Returns
    -------
    dict
        ``layers`` (names, top first), ``similarity`` ``(layers, N)``, ``chance``
        ``(20, N)`` (permutation chance level of the trained maps), ``kind``.
    """
    if explain_fn is None:
        from .. import explain

        def explain_fn(m, b):
            return explain(m, b, method)

    rng = np.random.default_rng(seed)
    weighted = [layer for layer in model.layers if layer.get_weights()]
    original = model.get_weights()
    r0 = explain_fn(model, x)
    sims, names = [], []
    try:
        for layer in reversed(weighted):
            new = []
            for w in layer.get_weights():
                sd = float(np.std(w)) or 1e-3
                new.append(rng.normal(0.0, sd, size=w.shape).astype(w.dtype))
            layer.set_weights(new)
            sims.append(similarity(r0, explain_fn(model, x), kind))
            names.append(layer.name)
    finally:
        model.set_weights(original)
    return {
        "layers": names,
        "similarity": np.stack(sims),
        "chance": chance_similarity(r0, kind),
        "kind": kind,
    }
