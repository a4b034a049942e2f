"""Numbers about explanations: how right, how faithful, how stable, how simple.

The metrics are grouped by the question they answer; each docstring names its source.
Everything here computes numbers and draws nothing; the model-based metrics take a
``predict`` or ``explain`` callable, so they work with any model (``xai4ess.explain``
through its public API by default).

=====================  ============================================================
:mod:`.truth`          per-sample agreement with a known truth (Pearson, Spearman)
:mod:`.faithfulness`   deletion / insertion curves, faithfulness correlation
:mod:`.randomisation`  cascading model-parameter randomisation, similarity, chance
:mod:`.complexity`     sparseness (Gini index), entropy
:mod:`.robustness`     max-sensitivity
:mod:`.ranking`        Kendall tau between method rankings, bootstrap intervals
=====================  ============================================================

Examples
--------
>>> import numpy as np
>>> from xai4ess import evaluate
>>> truth = np.arange(12.0).reshape(2, 6)
>>> evaluate.truth_correlation(2 * truth + 1, truth).tolist()
[1.0, 1.0]
"""

from __future__ import annotations

import os

from .complexity import entropy, sparseness
from .faithfulness import (
    area_under_curve,
    deletion_curve,
    faithfulness_correlation,
    insertion_curve,
)
from .randomisation import cascading_randomisation, chance_similarity, similarity
from .ranking import bootstrap_kendall, kendall_tau, rank_methods
from .robustness import max_sensitivity
from .truth import chance_correlation, summarise, truth_correlation

__all__ = [
    "truth_correlation",
    "summarise",
    "chance_correlation",
    "deletion_curve",
    "insertion_curve",
    "area_under_curve",
    "faithfulness_correlation",
    "cascading_randomisation",
    "similarity",
    "chance_similarity",
    "sparseness",
    "entropy",
    "max_sensitivity",
    "kendall_tau",
    "bootstrap_kendall",
    "rank_methods",
    "write_shipped",
]


def write_shipped(directory: str | os.PathLike) -> None:
    """Recompute the shipped results of the chapter "Can you trust a heatmap?" into
    ``directory`` (``results/trust.npz``; recipe ``results:trust``, about 30 minutes).

    Examples
    --------
    >>> from xai4ess import evaluate
    >>> evaluate.write_shipped("/tmp/trust")  # explains 12 networks: not run  # doctest: +SKIP
    """
    from pathlib import Path

    from . import _sweep

    _sweep.write_shipped(Path(directory))
