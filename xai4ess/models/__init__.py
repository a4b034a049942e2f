"""The course's trained models: architectures in code, weights shipped in ``data/models``.

Every shipped model is a plain Keras functional model (no Lambda layers),
built from code and filled with weights from a hash-checked ``.npz`` file, so
loading never executes code from a file.

============================  ===============================================
``horses``                    horse classifier trained on confounded scenes
``horses_fixed``              the same architecture, de-confounded training
``convection``                5-frame convection classifier (brightness only)
``convection_texture``        the remedied, texture-aware classifier
``goes_mrms``                 fully convolutional GOES -> MRMS network
``climate``                   dense network: year from a temperature map
``climate_ridge_weak``        the same with a weak ridge penalty (0.001)
``climate_ridge_strong``      the same with a strong ridge penalty (1.0)
``additive``                  dense network on the additive benchmark
``additive_cnn``              1x1-convolution CNN on the additive benchmark
``additive[_cnn]_s1`` ... s5  the same, retrained with seeds 1-5
``rainday``                   heavy-rain classifier (BN, residual Add; capstone)
``rainday_s1`` ... ``_s4``    the same, retrained with seeds 1-4
============================  ===============================================

Examples
--------
>>> import xai4ess
>>> model = xai4ess.models.load("horses")
>>> model.output_shape
(None, 2)
"""

from __future__ import annotations

import functools
import importlib
from pathlib import Path

from .. import stories
from ._weights import load_weights, save_weights

__all__ = [
    "names",
    "build",
    "load",
    "shared",
    "train",
    "save_weights",
    "load_weights",
    "baseline_fit",
    "baseline_predict",
    "build_stack",
    "count_params",
    "GOES_MRMS_LAYERS",
    "standardise",
    "write_shipped",
]

# model name -> module that defines build(name), train(name, ...) and write_shipped(directory):
# from the story table, each story's models in ``models/_<story>.py``.
_MODULES = {m: f"{__name__}._{s.name}" for s in stories.STORIES for m in s.models}


# The per-pixel baseline of the regression model (its skill: xai4ess.evaluate.skill).
_FUNCTIONS = {
    "baseline_fit": "xai4ess.models._goes_mrms",
    "baseline_predict": "xai4ess.models._goes_mrms",
    # small models from rf's compact layer names ("conv3", "pool2", ...)
    "build_stack": "xai4ess.models._stack",
    # inputs of the capstone's heavy-rain classifier, standardised as in training
    "standardise": "xai4ess.models._rainday",
    "count_params": "xai4ess.models._stack",
}

# Public constants of one model: public name -> (module, attribute).
_CONSTANTS = {"GOES_MRMS_LAYERS": ("xai4ess.models._goes_mrms", "LAYERS")}


def __getattr__(name: str):
    if name in _FUNCTIONS:
        globals()[name] = getattr(importlib.import_module(_FUNCTIONS[name]), name)
        return globals()[name]
    if name in _CONSTANTS:
        module, attribute = _CONSTANTS[name]
        globals()[name] = getattr(importlib.import_module(module), attribute)
        return globals()[name]
    raise AttributeError(f"module 'xai4ess.models' has no attribute {name!r}")


def names() -> list[str]:
    """Names accepted by :func:`load`, :func:`build` and :func:`train`."""
    return list(_MODULES)


def _module(name: str):
    if name not in _MODULES:
        raise KeyError(f"unknown model {name!r}; available: {names()}")
    return importlib.import_module(_MODULES[name])


def build(name: str, **options):
    """The untrained architecture of a named model (a ``keras.Model``)."""
    return _module(name).build(name, **options)


def load(name: str):
    """A named model with its shipped weights (hash verified).

    Raises
    ------
    DataFileError
        If the weights file is missing or corrupted; the message gives the
        command that regenerates it.
    """
    model = build(name)
    load_weights(model, f"models/{name}.weights.npz")
    return model


@functools.lru_cache(maxsize=4)
def shared(name: str):
    """One shared, cached copy of a shipped model (for demos, widgets and exercise checks).

    Sharing it means its attribution analyzers are built once per kernel. Do
    not train or modify it; :func:`load` gives a copy of your own.

    Examples
    --------
    >>> import xai4ess
    >>> xai4ess.models.shared("horses") is xai4ess.models.shared("horses")
    True
    """
    return load(name)


def write_shipped(story: str, directory: str | Path) -> None:
    """Retrain a story's models and write their weights into ``directory`` (recipe
    ``model:<story>``; what ``python -m xai4ess data regenerate model:<story>`` runs).

    Parameters
    ----------
    story : str
        A story of :mod:`xai4ess.stories` (``"horses"`` writes ``horses`` and
        ``horses_fixed``).
    directory : path
        Where to write (usually :func:`xai4ess.registry.data_dir`).

    Examples
    --------
    >>> write_shipped("snow", "/tmp")
    Traceback (most recent call last):
    ...
    KeyError: "unknown story 'snow'; known: ['horses', 'convection', 'goes_mrms', 'climate', 'additive', 'rainday']"
    """
    module = _module(stories.get(story).models[0])
    module.write_shipped(Path(directory))


def train(name: str, **options):
    """Retrain a named model reproducibly (same seed, same data) and return it.

    This does not overwrite the shipped weights; use
    ``python -m xai4ess data regenerate model:NAME`` for that.
    """
    return _module(name).train(name, **options)
