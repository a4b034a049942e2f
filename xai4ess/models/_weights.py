"""Save and load Keras weights as plain ``.npz`` arrays (no pickle, no code execution)."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from .. import registry
from ..errors import DataFileError


def weights_to_arrays(model) -> dict[str, np.ndarray]:
    """``{"0003:conv2d/kernel:0": array, ...}`` in ``model.weights`` order."""
    return {f"{i:04d}:{w.name}": w.numpy() for i, w in enumerate(model.weights)}


def save_weights(
    model, directory: Path, filename: str, *, recipe: str, description: str = ""
) -> Path:
    """Write a model's weights to ``directory/filename`` atomically and register the hash."""
    return registry.write_npz(
        directory, filename, weights_to_arrays(model), recipe=recipe, description=description
    )


def load_weights(model, filename: str) -> None:
    """Set ``model``'s weights from a registered ``.npz`` (hash verified first)."""
    arrays = registry.load_npz(filename)
    keys = sorted(arrays)
    entry = registry.entries().get(filename, {})
    hint = f"Regenerate it with:\n    {entry.get('command', 'python -m xai4ess data regenerate')}"
    if len(keys) != len(model.weights):
        raise DataFileError(
            f"{filename} holds {len(keys)} weight arrays but the model {model.name!r} has "
            f"{len(model.weights)}: the file and the architecture disagree. {hint}"
        )
    values = []
    for key, var in zip(keys, model.weights):
        arr = arrays[key]
        if tuple(arr.shape) != tuple(var.shape):
            raise DataFileError(
                f"{filename}: weight {key!r} has shape {arr.shape}, the model expects "
                f"{tuple(var.shape)} for {var.name!r}. {hint}"
            )
        values.append(arr)
    model.set_weights(values)
