"""Per-sample fidelity to a known truth (Mamalakis, Ebert-Uphoff & Barnes 2022, *Environ.
Data Sci.* 1, e8): the correlation, sample by sample, between an attribution map and the
exact contribution map, summarised over samples.

Examples
--------
>>> import numpy as np
>>> r = truth_correlation(np.array([[1.0, 2, 3], [3, 2, 1]]), np.array([[1.0, 2, 4], [1, 2, 3]]))
>>> np.round(r, 3).tolist()
[0.982, -1.0]
"""

from __future__ import annotations

import numpy as np

from ._common import flat, pearson_rows, rankdata, same_shape

__all__ = ["truth_correlation", "summarise", "chance_correlation"]


def truth_correlation(r, truth, kind: str = "pearson") -> np.ndarray:
    """Correlation between each sample's map and its truth map.

    Source: Mamalakis, Ebert-Uphoff & Barnes (2022), who score methods by the Pearson
    correlation per sample; Spearman (rank) correlation is the rank version.

    Parameters
    ----------
    r, truth : ndarray
        ``(N, ...)`` maps of equal shape (channels are flattened with the grid).
    kind : {"pearson", "spearman"}

    Returns
    -------
    ndarray
        ``(N,)``; NaN for a constant map (no correlation defined).
    """
    a, b = flat(r, "r"), flat(truth, "truth")
    same_shape(a, b, "r and truth")
    if kind == "spearman":
        a, b = rankdata(a), rankdata(b)
    elif kind != "pearson":
        raise ValueError(f"kind must be 'pearson' or 'spearman', got {kind!r}")
    return pearson_rows(a, b)


def summarise(values, threshold: float = 0.7) -> dict[str, float]:
    """Median, quartiles, IQR and the share of samples above ``threshold`` (NaN ignored).

    Examples
    --------
    >>> s = summarise([0.1, 0.5, 0.8, 0.9])
    >>> s["median"], s["share_above"]
    (0.65, 0.5)
    """
    v = np.asarray(values, dtype=np.float64).ravel()
    v = v[np.isfinite(v)]
    if v.size == 0:
        nan = float("nan")
        return {"median": nan, "q25": nan, "q75": nan, "iqr": nan, "share_above": nan, "n": 0}
    q25, med, q75 = np.percentile(v, [25, 50, 75])
    return {
        "median": float(med),
        "q25": float(q25),
        "q75": float(q75),
        "iqr": float(q75 - q25),
        "share_above": float(np.mean(v > threshold)),
        "n": int(v.size),
    }


def chance_correlation(truth, n_draws: int = 20, seed: int = 0, kind: str = "pearson"):
    """Correlation of random maps (i.i.d. Gaussian) with the truth: the chance level.

    Its expectation is 0 for any truth; the spread is about ``1 / sqrt(features)``.

    Returns
    -------
    ndarray
        ``(n_draws, N)`` correlations.
    """
    t = flat(truth, "truth")
    rng = np.random.default_rng(seed)
    return np.stack(
        [truth_correlation(rng.standard_normal(t.shape), t, kind) for _ in range(n_draws)]
    )
