"""The course's stories, each named once: the one table the other lists derive from.

A *story* is a dataset and the models trained on it (horses, convection, ...).
This module is pure data at the bottom of the package (it imports nothing of
``xai4ess``), so that every part can read it without an arrow pointing up:

- :mod:`xai4ess.registry` derives its recipes (``horses``, ``model:horses``, ...)
  from :data:`STORIES` and :data:`RESULTS`;
- :mod:`xai4ess.data` derives the names :func:`xai4ess.data.load` accepts and
  finds each generator in ``data/_<story>.py``;
- :mod:`xai4ess.models` derives the names :func:`xai4ess.models.load` accepts
  and finds each model module in ``models/_<story>.py``;
- the command line (``python -m xai4ess data list|regenerate``) and the
  benchmarks read the registry's recipes and these names.

``tests/unit/test_stories.py`` fails when a story is missing from one of them.

Examples
--------
>>> from xai4ess import stories
>>> stories.names()
['horses', 'convection', 'goes_mrms', 'climate', 'additive', 'rainday']
>>> stories.datasets()
['horses', 'convection', 'goes_mrms', 'climate', 'additive']
>>> stories.models()[:3]
['horses', 'horses_fixed', 'convection']
>>> stories.get("climate").models
('climate', 'climate_ridge_weak', 'climate_ridge_strong')
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["Story", "Result", "STORIES", "RESULTS", "names", "datasets", "models", "get"]


@dataclass(frozen=True)
class Story:
    """One story: its shipped dataset and its trained models.

    Parameters
    ----------
    name : str
        The story's name; also the dataset's name (``data.load(name)``), the
        generator module ``data/_<name>.py`` and the model module
        ``models/_<name>.py``.
    dataset : str
        One line on the shipped dataset (the ``name`` recipe), or ``""`` when the
        data are generated in the chapter and not shipped.
    models : tuple of str
        The model names (``models.load(m)``), all built by ``models/_<name>.py``.
    weights : str
        One line on the shipped weights (the ``model:<name>`` recipe), or ``""``
        when the story ships no models.
    """

    name: str
    dataset: str
    models: tuple[str, ...]
    weights: str


@dataclass(frozen=True)
class Result:
    """A precomputed results file made by a part above the stories (``results:<name>``).

    Parameters
    ----------
    name : str
        The recipe is ``results:<name>``.
    part : str
        The public part whose ``write_shipped`` writes it (``"evaluate"``, ``"seeds"``).
    description : str
        One line for the registry.
    """

    name: str
    part: str
    description: str


def _seeded(names: tuple[str, ...], seeds: range) -> tuple[str, ...]:
    return tuple(f"{n}_s{s}" for n in names for s in seeds)


#: Every story, in the order ``python -m xai4ess data regenerate`` runs them.
STORIES: tuple[Story, ...] = (
    Story(
        "horses",
        "Synthetic horse / no-horse scenes with tag and pole confounders",
        ("horses", "horses_fixed"),
        "Horse classifiers: confounded ('horses') and de-confounded ('horses_fixed')",
    ),
    Story(
        "convection",
        "Synthetic GOES-16-like 5-frame sequences, convective or not",
        ("convection", "convection_texture"),
        "Convection classifiers: brightness-only and texture-aware",
    ),
    Story(
        "goes_mrms",
        "Synthetic GOES C07/C09/C13/GLM scenes with MRMS-like reflectivity",
        ("goes_mrms",),
        "Fully convolutional GOES-to-MRMS network",
    ),
    Story(
        "climate",
        "Synthetic annual-mean temperature maps, forced signal plus variability",
        ("climate", "climate_ridge_weak", "climate_ridge_strong"),
        "Dense year-from-map network with ridge penalty",
    ),
    Story(
        "additive",
        "Additive benchmark with exact attribution (Mamalakis et al. 2022 style)",
        ("additive", "additive_cnn", *_seeded(("additive", "additive_cnn"), range(1, 6))),
        "Dense and 1x1-CNN networks on the additive benchmark, seed 0 and seeds 1-5",
    ),
    Story(
        "rainday",
        "",  # the capstone's days are generated in the chapter (cheap), not shipped
        ("rainday", *_seeded(("rainday",), range(1, 5))),
        "Heavy-rain classifiers of the capstone (BN, residual Add), seeds 0-4",
    ),
)

#: Precomputed results, made after every story's data and weights.
RESULTS: tuple[Result, ...] = (
    Result(
        "trust",
        "evaluate",
        "Precomputed method scores and metric sweeps of the chapter 'Can you trust a heatmap?'",
    ),
    Result(
        "seeds",
        "seeds",
        "Headline numbers of chapters 2, 4, 5 and 6 for networks retrained with seeds 0-4",
    ),
)


def names() -> list[str]:
    """Every story's name, in table order."""
    return [s.name for s in STORIES]


def datasets() -> list[str]:
    """The stories that ship a dataset (the names ``data.load`` accepts)."""
    return [s.name for s in STORIES if s.dataset]


def models() -> list[str]:
    """Every shipped model's name (the names ``models.load`` accepts), in table order."""
    return [m for s in STORIES for m in s.models]


def get(name: str) -> Story:
    """The story of that name.

    Raises
    ------
    KeyError
        If there is no such story; the message lists the known ones.

    Examples
    --------
    >>> get("snow")
    Traceback (most recent call last):
    ...
    KeyError: "unknown story 'snow'; known: ['horses', 'convection', 'goes_mrms', 'climate', 'additive', 'rainday']"
    """
    for story in STORIES:
        if story.name == name:
            return story
    raise KeyError(f"unknown story {name!r}; known: {names()}")
