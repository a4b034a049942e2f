"""Feedback objects shared by every exercise check."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class Feedback:
    """The verdict of an exercise check. It never contains the expected answer.

    Attributes
    ----------
    correct : bool
    message : str
        "Right", or how far off the answer is and a hint.
    """

    correct: bool
    message: str

    def __bool__(self) -> bool:
        return self.correct

    def __repr__(self) -> str:
        return self.message

    def _repr_html_(self) -> str:
        colour = "#1a7f37" if self.correct else "#b35900"
        mark = "&#10004;" if self.correct else "&#10008;"
        return f'<p style="color:{colour}"><b>{mark}</b> {self.message}</p>'


def check_number(
    answer, expected, *, rtol: float = 0.0, atol: float = 0.0, hint: str = "", what: str = "answer"
) -> Feedback:
    """Compare a number (or tuple of numbers) with the expected value.

    The feedback says whether the answer is too large or too small and by how
    much relative to the expected size, never the expected value itself.

    Examples
    --------
    >>> check_number(10, 10)
    Right.
    >>> bool(check_number(12, 10, hint="Count the kernel overlap."))
    False
    """
    if answer is Ellipsis or answer is None:
        return Feedback(False, f"Replace the ... with your {what}, then run the cell again.")
    a = np.atleast_1d(np.asarray(answer, dtype=float))
    e = np.atleast_1d(np.asarray(expected, dtype=float))
    if a.shape != e.shape:
        return Feedback(
            False, f"Your {what} should have {e.size} value(s), it has {a.size}. {hint}".strip()
        )
    if np.allclose(a, e, rtol=rtol, atol=atol):
        return Feedback(True, "Right.")
    rel = np.abs(a - e) / np.maximum(np.abs(e), 1e-12)
    direction = "too large" if np.sum(a - e) > 0 else "too small"
    return Feedback(
        False, f"Not yet: your {what} is {direction} (off by about {rel.max():.0%}). {hint}".strip()
    )
