"""The heavy-rain classifier of the capstone chapter, built the way users build models.

A ``tf.keras`` functional model with automatic layer names, Conv -> BatchNormalization
-> ReLU blocks, one residual ``Add`` and the softmax inside the last ``Dense``::

    Input (24, 32, 3) -> [Conv 16 3x3 -> BN -> ReLU] -> MaxPool 2
      -> residual block [Conv -> BN -> ReLU -> Conv -> BN] + skip -> ReLU -> MaxPool 2
      -> Flatten -> Dense(2, softmax)

Trained on the chapter's training archive (:func:`xai4ess.data.rainday_split`, with the archive artefact), inputs standardised per channel with
the training mean and standard deviation (:func:`standardise`). ``"rainday"`` is
seed 0; ``"rainday_s1"`` ... ``"rainday_s4"`` are the same training with other seeds
(initialisation and batch order).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

#: Training settings of every shipped network.
EPOCHS, BATCH, LEARNING_RATE = 12, 32, 2e-3
SEEDS = (1, 2, 3, 4)


def names() -> list[str]:
    """Every shipped model name of this module (seed 0 first)."""
    return ["rainday", *(f"rainday_s{s}" for s in SEEDS)]


def _seed(name: str) -> int:
    if name == "rainday":
        return 0
    head, _, s = name.rpartition("_s")
    if head == "rainday" and s.isdigit():
        return int(s)
    raise KeyError(f"unknown rainday model {name!r}; available: {names()}")


def build(name: str = "rainday", *, shape: tuple[int, int, int] = (24, 32, 3)):
    """The untrained network (automatic layer names, as a user writes it).

    Examples
    --------
    >>> model = build()  # doctest: +SKIP
    >>> model.output_shape  # doctest: +SKIP
    (None, 2)
    """
    _seed(name)
    from .._env import tensorflow

    keras = tensorflow().keras
    layers = keras.layers
    inputs = keras.Input(shape)
    h = layers.Conv2D(16, 3, padding="same")(inputs)
    h = layers.BatchNormalization()(h)
    h = layers.ReLU()(h)
    h = layers.MaxPooling2D()(h)
    r = layers.Conv2D(16, 3, padding="same")(h)
    r = layers.BatchNormalization()(r)
    r = layers.ReLU()(r)
    r = layers.Conv2D(16, 3, padding="same")(r)
    r = layers.BatchNormalization()(r)
    h = layers.ReLU()(layers.Add()([h, r]))
    h = layers.MaxPooling2D()(h)
    h = layers.Flatten()(h)
    outputs = layers.Dense(2, activation="softmax")(h)
    return keras.Model(inputs, outputs)


def standardise(x: np.ndarray, reference: np.ndarray) -> np.ndarray:
    """``(x - mean) / std`` per channel, the statistics taken over ``reference``'s days and grid.

    Examples
    --------
    >>> r = np.arange(8, dtype=np.float32).reshape(2, 2, 1, 2)
    >>> standardise(r, r).mean(axis=(0, 1, 2)).round(6).tolist()
    [0.0, 0.0]
    """
    ref = np.asarray(reference, dtype=np.float64)
    mu, sd = ref.mean(axis=(0, 1, 2)), ref.std(axis=(0, 1, 2))
    return ((np.asarray(x, dtype=np.float64) - mu) / sd).astype(np.float32)


def train(name: str = "rainday", *, seed: int | None = None, epochs: int = EPOCHS):
    """Train ``name`` on the chapter's training archive (reproducibly) and return it."""
    from .._env import tensorflow
    from ..data import rainday_split

    tf = tensorflow()
    seed = _seed(name) if seed is None else int(seed)
    train_ds, _ = rainday_split()
    x = standardise(train_ds.x, train_ds.x)
    tf.keras.utils.set_random_seed(seed)
    tf.config.experimental.enable_op_determinism()
    model = build(name, shape=x.shape[1:])
    model.compile(
        optimizer=tf.keras.optimizers.Adam(LEARNING_RATE),
        loss="sparse_categorical_crossentropy",
        metrics=["accuracy"],
    )
    model.fit(x, train_ds.y, epochs=epochs, batch_size=BATCH, shuffle=True, verbose=0)
    return model


def accuracy(model, x: np.ndarray, y: np.ndarray) -> float:
    """Share of days whose predicted class (argmax) is ``y``."""
    p = np.asarray(model(np.asarray(x, np.float32), training=False)).argmax(axis=1)
    return float(np.mean(p == np.asarray(y)))


def write_shipped(directory: Path) -> None:
    """Train every network of :func:`names` and write ``models/<name>.weights.npz``."""
    from ..data import rainday_split
    from . import save_weights

    train_ds, test = rainday_split()
    xt = standardise(test.x, train_ds.x)
    for name in names():
        model = train(name)
        save_weights(
            model,
            directory,
            f"models/{name}.weights.npz",
            recipe="model:rainday",
            description=f"Heavy-rain classifier (capstone), seed {_seed(name)}, {EPOCHS} epochs; "
            f"test accuracy {accuracy(model, xt, test.y):.3f}",
        )
