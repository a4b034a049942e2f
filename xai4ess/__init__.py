"""xai4ess: explainable AI for Earth system science, the course package.

Importing ``xai4ess`` is cheap: TensorFlow, iNNvestigate and tf-explain are
imported only when a function needs them.

>>> import xai4ess
>>> xai4ess.__version__  # doctest: +SKIP
'0.1.0'
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING

from . import _env  # noqa: F401  (silences TensorFlow before anyone imports it)
from .errors import (
    DataFileError,
    InputShapeError,
    ReceptiveFieldError,
    TargetError,
    UnknownMethodError,
    UnsupportedModelError,
    Xai4essError,
)

__version__ = "0.1.0"

__all__ = [
    "__version__",
    "versions",
    "explain",
    "methods",
    "compare",
    "data",
    "models",
    "rf",
    "plot",
    "features",
    "widgets",
    "exercises",
    "evaluate",
    "analyses",
    "seeds",
    "DataFileError",
    "InputShapeError",
    "ReceptiveFieldError",
    "TargetError",
    "UnknownMethodError",
    "UnsupportedModelError",
    "Xai4essError",
]

_SUBMODULES = {
    "data",
    "models",
    "rf",
    "plot",
    "features",
    "widgets",
    "exercises",
    "registry",
    "evaluate",
    "analyses",
    "seeds",
    "keras3",
}
_FUNCTIONS = {
    "explain": "xai4ess.attribution",
    "methods": "xai4ess.attribution",
    "compare": "xai4ess.comparison",
    "from_keras3": "xai4ess.keras3",
}

if TYPE_CHECKING:  # pragma: no cover
    from . import data, exercises, features, models, plot, rf, widgets  # noqa: F401
    from .attribution import explain, methods  # noqa: F401


def __getattr__(name: str):
    if name in _FUNCTIONS:
        module = importlib.import_module(_FUNCTIONS[name])
        globals()[name] = getattr(module, name)
        return globals()[name]
    if name in _SUBMODULES:
        return importlib.import_module(f"{__name__}.{name}")
    raise AttributeError(f"module 'xai4ess' has no attribute {name!r}")


def __dir__():
    return sorted(set(globals()) | _SUBMODULES | set(_FUNCTIONS))


def versions() -> dict[str, str]:
    """Versions of Python, xai4ess and the pinned stack, as installed.

    Returns
    -------
    dict
        Package name to version string (``"not installed"`` where missing).

    Examples
    --------
    >>> import xai4ess
    >>> sorted(xai4ess.versions())[:2]
    ['innvestigate', 'jupyter-book']
    """
    import platform
    from importlib import metadata

    out = {"python": platform.python_version(), "xai4ess": __version__}
    for dist in (
        "tensorflow",
        "keras",
        "numpy",
        "innvestigate",
        "tf-explain",
        "opencv-python-headless",
        "matplotlib",
        "scikit-image",
        "jupyter-book",
    ):
        try:
            out[dist] = metadata.version(dist)
        except metadata.PackageNotFoundError:
            out[dist] = "not installed"
    return dict(sorted(out.items()))
