"""Synthetic Earth-science and vision datasets with known ground truth.

Every generator is deterministic for a given ``seed``. The chapters' train/test
splits are shipped in ``data/`` and loaded with :func:`load`, which checks the
file's SHA-256 first.

=================  =====================================================
``horses``         RGB scenes, horse or not, with tag/pole confounders
``convection``     GOES-16-like 5-frame sequences, convective or not
``goes_mrms``      GOES C07/C09/C13/GLM scenes and MRMS-like reflectivity
``climate``        annual-mean temperature maps, forced trend plus noise
=================  =====================================================

Examples
--------
>>> import xai4ess
>>> train, test = xai4ess.data.load("horses")  # doctest: +SKIP
"""

from __future__ import annotations

import importlib

from .. import registry
from ._dataset import Dataset, Split, split_from_arrays

__all__ = ["Dataset", "Split", "load", "names", "horses", "convection", "goes_mrms", "climate"]

# Generator modules are private (``_horses``) so that the public name
# ``xai4ess.data.horses`` is the generator function, never the module.
_GENERATORS = {
    "horses": "xai4ess.data._horses",
    "convection": "xai4ess.data._convection",
    "goes_mrms": "xai4ess.data._goes_mrms",
    "climate": "xai4ess.data._climate",
}


def names() -> list[str]:
    """Names accepted by :func:`load`."""
    return list(_GENERATORS)


def load(name: str) -> Split:
    """The shipped train/test split of a dataset, verified against its SHA-256.

    Parameters
    ----------
    name : str
        One of :func:`names`.

    Returns
    -------
    Split
        ``(train, test)`` :class:`Dataset` pair.

    Raises
    ------
    DataFileError
        If the file is missing or corrupted; the message gives the command
        that regenerates it.
    """
    if name not in _GENERATORS:
        raise KeyError(f"unknown dataset {name!r}; available: {names()}")
    return split_from_arrays(registry.load_npz(f"{name}.npz"))


def __getattr__(name: str):
    # xai4ess.data.horses(...) etc.: the generator function of the module of that name.
    if name in _GENERATORS:
        module = importlib.import_module(_GENERATORS[name])
        globals()[name] = getattr(module, name)
        return globals()[name]
    raise AttributeError(f"module 'xai4ess.data' has no attribute {name!r}")
