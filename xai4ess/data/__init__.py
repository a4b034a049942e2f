"""Synthetic Earth-science and vision datasets with known ground truth.

Every generator is deterministic for a given ``seed``. The chapters' train/test
splits are shipped in ``data/`` and loaded with :func:`load`, which checks the
file's SHA-256 first.

=================  =====================================================
``horses``         RGB scenes, horse or not, with tag/pole confounders
``convection``     GOES-16-like 5-frame sequences, convective or not
``goes_mrms``      GOES C07/C09/C13/GLM scenes and MRMS-like reflectivity
``climate``        annual-mean temperature maps, forced trend plus noise
``additive``       correlated fields, additive response, exact attribution
``rainday``        reanalysis-like fields, heavy-rain days (generated, not shipped)
=================  =====================================================

Examples
--------
>>> import xai4ess
>>> train, test = xai4ess.data.load("horses")
>>> train.x.shape, test.x.shape
((300, 64, 64, 3), (400, 64, 64, 3))
"""

from __future__ import annotations

import importlib
from pathlib import Path

import numpy as np

from .. import registry, stories
from ._dataset import Dataset, Split, split_from_arrays

__all__ = [
    "Dataset",
    "Split",
    "load",
    "names",
    "write_shipped",
    "horses",
    "convection",
    "goes_mrms",
    "climate",
    "network_input",
    "GOES_CHANNELS",
    "HORSES_CONFOUNDED",
    "HORSES_BALANCED",
    "convection_io",
    "additive",
    "rainday",
    "rainday_split",
    "rainday_xarray",
    "rainday_repair",
    "RAINDAY_CHANNELS",
]

# Generator modules are private (``_horses``) so that the public name
# ``xai4ess.data.horses`` is the generator function, never the module. The names
# come from the story table: each story that ships a dataset has ``data/_<story>.py``.
_GENERATORS = {name: f"{__name__}._{name}" for name in stories.datasets()}


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
    split = split_from_arrays(registry.load_npz(f"{name}.npz"))
    split = Split(_unpack(split.train), _unpack(split.test))
    # A generator may rebuild derived fields exactly from the stored ones (``complete``).
    complete = getattr(importlib.import_module(_GENERATORS[name]), "complete", None)
    return complete(split) if complete else split


def write_shipped(name: str, directory: str | Path) -> None:
    """Regenerate a shipped dataset into ``directory`` (the registry's recipe ``name``).

    The generator is seeded, so the file is byte-identical to the shipped one;
    its hash is registered in ``directory/registry.json``. This is what
    ``python -m xai4ess data regenerate NAME`` runs.

    Parameters
    ----------
    name : str
        One of :func:`names`.
    directory : path
        Where to write (usually :func:`xai4ess.registry.data_dir`).

    Examples
    --------
    >>> write_shipped("snow", "/tmp")
    Traceback (most recent call last):
    ...
    KeyError: "unknown dataset 'snow'; available: ['horses', 'convection', 'goes_mrms', 'climate', 'additive']"
    """
    if name not in _GENERATORS:
        raise KeyError(f"unknown dataset {name!r}; available: {names()}")
    importlib.import_module(_GENERATORS[name]).write_shipped(Path(directory))


def _unpack(ds: Dataset) -> Dataset:
    """Undo compact storage: ``field = stored * attrs["<field>_scale"] + attrs["<field>_offset"]``."""
    changed = {}
    for field in ds.sample_fields:
        scale = ds.attrs.get(f"{field}_scale")
        offset = ds.attrs.get(f"{field}_offset")
        if scale is None and offset is None:
            continue
        value = getattr(ds, field).astype(np.float32)
        if scale is not None:
            value = value * np.float32(scale)
        if offset is not None:
            value = value + np.float32(offset)
        changed[field] = value
    return ds.replace(**changed) if changed else ds


# Public names other parts use, looked up late (the generator modules stay private):
# public name -> (module, attribute in it).
_PUBLIC = {
    "network_input": ("xai4ess.data._goes_mrms", "network_input"),
    "GOES_CHANNELS": ("xai4ess.data._goes_mrms", "CHANNELS"),
    "HORSES_CONFOUNDED": ("xai4ess.data._horses", "CONFOUNDED"),
    "HORSES_BALANCED": ("xai4ess.data._horses", "BALANCED"),
    # the capstone's days are generated in the chapter (cheap), not shipped
    "rainday": ("xai4ess.data._rainday", "rainday"),
    "rainday_split": ("xai4ess.data._rainday", "split"),
    "rainday_xarray": ("xai4ess.data._rainday", "to_xarray"),
    "rainday_repair": ("xai4ess.data._rainday", "repair_gap"),
    "RAINDAY_CHANNELS": ("xai4ess.data._rainday", "CHANNELS"),
}

#: What :data:`convection_io` offers: the shipped file's recipe and its uint8 storage.
_CONVECTION_IO = ("convection", "as_float", "stored", "SHIPPED", "X_SCALE")


def _convection_io():
    """The convection data's storage helpers as one namespace (``convection_io.as_float`` ...)."""
    from types import SimpleNamespace

    module = importlib.import_module(_GENERATORS["convection"])
    return SimpleNamespace(**{name: getattr(module, name) for name in _CONVECTION_IO})


def __getattr__(name: str):
    # xai4ess.data.horses(...) etc.: the generator function of the module of that name.
    if name in _GENERATORS:
        module = importlib.import_module(_GENERATORS[name])
        globals()[name] = getattr(module, name)
        return globals()[name]
    if name in _PUBLIC:
        module, attribute = _PUBLIC[name]
        globals()[name] = getattr(importlib.import_module(module), attribute)
        return globals()[name]
    if name == "convection_io":
        globals()[name] = _convection_io()
        return globals()[name]
    raise AttributeError(f"module 'xai4ess.data' has no attribute {name!r}")
