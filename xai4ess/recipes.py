"""Run the registry's recipes: each through the public writer of the part that owns it.

The registry (:mod:`xai4ess.registry`) is data: every recipe names the public
part that writes its files (``data``, ``models``, ``evaluate``, ``seeds``) and
the key that part is given (a story or a result name). This module sits above
those parts and calls ``<part>.write_shipped(key, directory)`` (a story's data or
models) or ``<part>.write_shipped(directory)`` (a results file); it is what
``python -m xai4ess data regenerate [NAME ...]`` runs.

Examples
--------
>>> from xai4ess import recipes
>>> callable(recipes.writer("horses"))
True
>>> recipes.writer("nope")
Traceback (most recent call last):
...
KeyError: "unknown recipe 'nope'; known: ['horses', 'convection', 'goes_mrms', 'climate', 'additive', 'model:horses', 'model:convection', 'model:goes_mrms', 'model:climate', 'model:additive', 'model:rainday', 'results:trust', 'results:seeds']"
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from pathlib import Path

from . import registry

__all__ = ["PARTS", "writer", "run", "regenerate"]

#: The parts that write shipped files; each exports ``write_shipped``.
PARTS = ("data", "models", "evaluate", "seeds")


def writer(name: str) -> Callable[[Path], None]:
    """The function that writes recipe ``name``'s files into a directory (nothing runs yet).

    Parameters
    ----------
    name : str
        A key of :data:`xai4ess.registry.RECIPES`.

    Raises
    ------
    KeyError
        If there is no such recipe, or its part is not one of :data:`PARTS`.
    """
    if name not in registry.RECIPES:
        raise KeyError(f"unknown recipe {name!r}; known: {list(registry.RECIPES)}")
    recipe = registry.RECIPES[name]
    if recipe.part not in PARTS:
        raise KeyError(f"recipe {name!r} names part {recipe.part!r}; known parts: {PARTS}")
    write = _part(recipe.part).write_shipped
    return functools.partial(write, recipe.key) if recipe.key else write


def _part(name: str):
    """The public part ``name``, imported only when one of its recipes is asked for."""
    if name == "data":
        from . import data as part
    elif name == "models":
        from . import models as part
    elif name == "evaluate":
        from . import evaluate as part
    else:
        from . import seeds as part
    return part


def run(name: str, directory: Path) -> None:
    """Write recipe ``name``'s files into ``directory`` (and register their hashes there)."""
    writer(name)(Path(directory))


def regenerate(
    names: list[str] | None = None,
    directory: Path | None = None,
    log: Callable[[str], None] = print,
) -> None:
    """Run recipes (all when ``names`` is empty), rewriting their files atomically.

    Parameters
    ----------
    names : list of str, optional
        Keys of :data:`xai4ess.registry.RECIPES`; all of them, in order, by default.
    directory : Path, optional
        Where to write (default :func:`xai4ess.registry.data_dir`).
    log : callable
        Receives one line per recipe.

    Raises
    ------
    KeyError
        If a name is not a recipe (nothing is run then).
    """
    directory = Path(directory) if directory else registry.data_dir()
    selected = names or list(registry.RECIPES)
    unknown = [n for n in selected if n not in registry.RECIPES]
    if unknown:
        raise KeyError(f"unknown recipe(s) {unknown}; known: {list(registry.RECIPES)}")
    for name in selected:
        log(f"regenerating {name} ({registry.RECIPES[name].description}) ...")
        run(name, directory)
