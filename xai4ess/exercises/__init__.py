"""Auto-check helpers for the exercises: feedback (right / how far off / a hint)
without ever printing the answer.

>>> from xai4ess.exercises import Feedback
>>> Feedback(True, "Right.")
Right.
"""

from __future__ import annotations

from ._climate import *  # noqa: F403
from ._convection import *  # noqa: F403
from ._core import Feedback, check_number  # noqa: F401
from ._goes_mrms import *  # noqa: F403
from ._horses import *  # noqa: F403
from ._intro import *  # noqa: F403
from ._own import *  # noqa: F403
from ._rf import *  # noqa: F403
from ._trust import *  # noqa: F403
from ._zoo import *  # noqa: F403
