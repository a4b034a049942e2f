"""Interactive demos. Each demo composes :mod:`xai4ess.data`, :mod:`xai4ess.models`,
:func:`xai4ess.explain` and :mod:`xai4ess.plot`; it returns an ipywidgets
widget for a live kernel, and each has a static counterpart (a plain figure of
its default state) that the website shows.
"""

from __future__ import annotations

from ._climate import *  # noqa: F403
from ._convection import *  # noqa: F403
from ._goes_mrms import *  # noqa: F403
from ._horses import *  # noqa: F403
from ._rf import *  # noqa: F403
from ._zoo import *  # noqa: F403
