"""Exercise checks of the heatmap-zoo chapter (LRP by hand, randomisation, a tag neuron).

Every check returns a :class:`~xai4ess.exercises.Feedback` and never reveals
the expected answer; ``...`` means "not answered yet".
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np

from ._core import Feedback, check_number

__all__ = [
    "alpha_beta_problem",
    "check_alpha_beta_step",
    "check_survivors",
    "check_tag_neuron",
]


def alpha_beta_problem() -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The layer of the exercise "one alpha-beta step by hand".

    Returns
    -------
    a : ndarray (3,)
        Activations of three lower neurons.
    w : ndarray (3, 2)
        Weights from the three lower to two upper neurons (Keras layout).
    r : ndarray (2,)
        Relevance of the two upper neurons.

    Examples
    --------
    >>> a, w, r = alpha_beta_problem()
    >>> a.shape, w.shape, r.shape
    ((3,), (3, 2), (2,))
    """
    a = np.array([2.0, 1.0, 3.0])
    w = np.array([[0.5, -1.0], [-2.0, 1.0], [1.0, 0.5]])
    r = np.array([1.5, 2.0])
    return a, w, r


def check_alpha_beta_step(answer, alpha: float = 2.0, beta: float = 1.0) -> Feedback:
    """Check the relevance of the three lower neurons of :func:`alpha_beta_problem`.

    ``alpha`` and ``beta`` are in the iNNvestigate convention (alpha - beta = 1).

    Examples
    --------
    >>> check_alpha_beta_step(...)
    Replace the ... with your relevance of the three lower neurons, then run the cell again.
    """
    from ..evaluate import lrp_step

    what = "relevance of the three lower neurons"
    if answer is Ellipsis or answer is None:
        return check_number(answer, 0, what=what)
    a, w, r = alpha_beta_problem()
    expected = lrp_step(a, w, r, rule="alpha_beta", alpha=alpha, beta=beta)
    try:
        ans = np.asarray(answer, dtype=float).ravel()
    except (TypeError, ValueError):
        return Feedback(False, f"Give the {what} as three numbers, e.g. a numpy array.")
    if ans.size == expected.size and not np.isclose(ans.sum(), r.sum(), rtol=1e-3):
        return Feedback(
            False,
            f"Not yet: your values add up to {ans.sum():.3g}, but the alpha-beta rule conserves "
            "relevance here (alpha - beta = 1, every upper neuron has positive and negative "
            "inputs): they must add up to the upper relevance. Check the signs of the z- terms.",
        )
    return check_number(
        ans,
        expected,
        rtol=1e-3,
        atol=1e-6,
        what=what,
        hint="Treat each upper neuron separately: split its z_ij into positive and negative parts, "
        "normalise each part by its own sum, weight them with alpha and -beta, multiply by R_j, "
        "then add the shares that each lower neuron receives.",
    )


def check_survivors(
    answer: Iterable[str] | type(Ellipsis), table, column: str | None = None, threshold: float = 0.5
) -> Feedback:
    """Check a prediction of which methods "survive" weight randomisation.

    A method survives if the similarity of its maps to the trained model's maps
    stays at or above ``threshold`` in ``column`` of the randomisation ``table``
    (default: the last column, everything randomised).

    Parameters
    ----------
    answer : iterable of str
        The method names you predict to survive (possibly empty).
    table : pandas.DataFrame
        The result of :func:`xai4ess.evaluate.randomization_test`.
    """
    if answer is Ellipsis or answer is None:
        return Feedback(
            False, "Replace the ... with a list of method names, then run the cell again."
        )
    if isinstance(answer, str):
        answer = [answer]
    answer = set(answer)
    col = table.columns[-1] if column is None else column
    if col not in table.columns:
        return Feedback(
            False, f"column {col!r} is not in the table; columns: {list(table.columns)}"
        )
    unknown = answer - set(table.index)
    if unknown:
        return Feedback(False, f"{sorted(unknown)} not in the table; methods: {list(table.index)}")
    survivors = {m for m, v in table[col].items() if np.isfinite(v) and v >= threshold}
    false_pos = len(answer - survivors)
    missed = len(survivors - answer)
    if not false_pos and not missed:
        return Feedback(True, "Right.")
    parts = []
    if false_pos:
        parts.append(f"{false_pos} of your methods do(es) not keep a similarity of {threshold}")
    if missed:
        parts.append(f"{missed} surviving method(s) are missing from your list")
    return Feedback(False, "Not yet: " + "; ".join(parts) + ". Look at the table row by row.")


def check_tag_neuron(
    answer, model, x: np.ndarray, tag_mask: np.ndarray, layer: str, min_ratio: float = 3.0
) -> Feedback:
    """Check a unit (channel index of ``layer``) that is claimed to fire on the tag.

    The unit passes if its activation is concentrated on the tag: the share of
    its activation inside the tag masks of ``x`` is at least ``min_ratio`` times
    the tag's share of the image area (see :func:`xai4ess.features.mask_response`).
    """
    from ..features import mask_response

    if answer is Ellipsis or answer is None:
        return Feedback(
            False, "Replace the ... with a unit (channel) index, then run the cell again."
        )
    df = mask_response(model, layer, x, tag_mask).set_index("unit")
    if not isinstance(answer, (int, np.integer)) or int(answer) not in df.index:
        return Feedback(
            False, f"Give one integer channel index of layer {layer!r} (0 to {len(df) - 1})."
        )
    row = df.loc[int(answer)]
    if np.isfinite(row.ratio) and row.ratio >= min_ratio:
        rank = int((df.ratio > row.ratio).sum()) + 1
        return Feedback(
            True,
            f"Right: {row.share:.0%} of this unit's activation falls on the tag, "
            f"which covers {row.area:.1%} of the image (rank {rank} of {len(df)}).",
        )
    return Feedback(
        False,
        f"Not yet: only {0 if not np.isfinite(row.share) else row.share:.0%} of "
        "this unit's activation falls on the tag. Rank the units by how much of "
        "their activation lies inside the tag mask.",
    )
