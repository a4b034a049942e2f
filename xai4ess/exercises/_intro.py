"""Exercise checks for the chapter "Peering inside the black box"."""

from __future__ import annotations

from ._core import Feedback

__all__ = ["METHOD_FAMILY_QUESTION", "check_method_families"]

#: The methods to sort into Type A (feature visualisation) and Type B (attribution).
METHOD_FAMILY_QUESTION = (
    "layer-wise relevance propagation",
    "activation maximisation",
    "Grad-CAM",
    "training samples that activate a neuron most",
    "occlusion sensitivity",
    "saliency map",
)
_FAMILIES = dict(zip(METHOD_FAMILY_QUESTION, "BABABB"))


def check_method_families(answer) -> Feedback:
    """Check a ``{method: "A" or "B"}`` dict for :data:`METHOD_FAMILY_QUESTION`.

    Examples
    --------
    >>> check_method_families({m: "B" for m in METHOD_FAMILY_QUESTION}).correct
    False
    """
    if answer is Ellipsis or answer is None:
        return Feedback(
            False, "Replace the ... with a dict {method: 'A' or 'B'}, then run the cell."
        )
    if not isinstance(answer, dict):
        return Feedback(False, "Give a dict that maps each method name to 'A' or 'B'.")
    missing = [m for m in METHOD_FAMILY_QUESTION if m not in answer]
    if missing:
        return Feedback(False, f"Some methods have no answer yet, e.g. {missing[0]!r}.")
    wrong = sum(str(answer[m]).strip().upper() != _FAMILIES[m] for m in METHOD_FAMILY_QUESTION)
    if wrong == 0:
        return Feedback(True, "Right: all six are in the right family.")
    return Feedback(
        False,
        f"{wrong} of 6 are in the wrong family. Hint: ask whether the method explains one "
        "decision for a given input (Type B) or what a unit inside the network responds to (Type A).",
    )
