"""Figures for the course. Every function draws arrays it is given and returns a
``matplotlib.figure.Figure`` with a white background, so figures stay readable
in the website's dark mode.

Conventions: signed relevance uses a diverging colour map centred at zero,
unsigned maps a sequential one; physical fields carry their units.
"""

from __future__ import annotations

from ._core import *  # noqa: F403
from ._geo import *  # noqa: F403
from ._radar import *  # noqa: F403
from ._rf import *  # noqa: F403
from ._sanity import *  # noqa: F403
from ._sequence import *  # noqa: F403
