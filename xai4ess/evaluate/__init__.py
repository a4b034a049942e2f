"""Numbers about explanations, grouped by the question they answer.

Everything here computes numbers and draws nothing (the figures are in
:mod:`xai4ess.plot`); each docstring names its source. The model-based metrics take a
``predict`` or ``explain`` callable, so they work with any model (``xai4ess.explain``
through its public API by default). One argument vocabulary: ``x`` inputs, ``R``
relevance maps (sample axis first), ``masks`` regions, ``truth`` known-right maps.

======================  ==============================================================
:mod:`.localisation`    where is the relevance? ``relevance_share``, ``region_shares``,
                        ``dominant_region``, ``box_mask``
:mod:`.truth`           fidelity against a known truth: ``truth_correlation``,
                        ``summarise``, ``chance_correlation``; composites on a grid:
                        ``composite``, ``truth_score``, ``rank_by_truth``,
                        ``area_weights``, ``pointwise_regression``
:mod:`.similarity`      how alike are two maps? ``spatial_correlation``,
                        ``rank_correlation``, ``similarity``, ``topk_overlap``,
                        ``normalize``
:mod:`.randomisation`   sanity check by model randomisation: ``randomization_test``,
                        ``randomized_models``, ``randomization_blocks``,
                        ``chance_similarity``, ``cascading_randomisation``,
                        ``permutation_similarity``
:mod:`.strategies`      strategy discovery (SpRAy): ``spray``, ``pool_maps``,
                        ``cluster_table``, ``cluster_purity``
:mod:`.faithfulness`    does removing relevant input change the output? deletion /
                        insertion curves, faithfulness correlation
:mod:`.complexity`      how concentrated is a map? sparseness (Gini), entropy
:mod:`.robustness`      how stable is a map? max-sensitivity
:mod:`.ranking`         do two scores rank the methods alike? ``kendall_tau``,
                        ``bootstrap_kendall``, ``rank_by_score``
:mod:`.skill`           how good is an estimate? ``rmse``, ``csi``, ``skill_scores``
:mod:`.reference`       independent references that check ``explain``: numpy LRP
                        (``lrp_step``, ``lrp_dense``, ``dense_network``,
                        ``dense_layers``), ``preactivation_std``
======================  ==============================================================

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
import sys

from .complexity import *  # noqa: F403
from .faithfulness import *  # noqa: F403
from .localisation import *  # noqa: F403
from .randomisation import *  # noqa: F403
from .ranking import *  # noqa: F403
from .reference import *  # noqa: F403
from .robustness import *  # noqa: F403
from .similarity import *  # noqa: F403
from .skill import *  # noqa: F403
from .strategies import *  # noqa: F403
from .truth import *  # noqa: F403

#: The modules in the order of the table above; ``__all__`` is their public names
#: (each module's ``__all__``) and the writer of the shipped results (``results:trust``).
_MODULES = (
    "localisation",
    "truth",
    "similarity",
    "randomisation",
    "strategies",
    "faithfulness",
    "complexity",
    "robustness",
    "ranking",
    "skill",
    "reference",
)
__all__ = [name for m in _MODULES for name in sys.modules[f"{__name__}.{m}"].__all__]
__all__ += ["write_shipped"]


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
