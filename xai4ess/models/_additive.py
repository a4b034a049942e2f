"""Networks for the additive benchmark (Mamalakis, Ebert-Uphoff & Barnes 2022 style).

Two architectures, each shipped with the seed-0 network and five retrained seeds:

* ``"additive"`` (dense, like the paper's fully connected network, smaller):
  ``Input (8, 16, 1) -> Flatten -> Dense(128, ReLU) -> Dense(64, ReLU) -> Dense(1)``.
* ``"additive_cnn"`` (a small CNN whose convolutions are 1 x 1, so each grid cell is
  transformed by the same small learned basis of functions and the last dense layer
  weighs them per cell): ``Input -> Conv2D(16, 1x1, ReLU) -> Conv2D(8, 1x1, ReLU) ->
  Flatten -> Dense(1)``.

Retrained seeds are named ``"additive_s1"`` ... ``"additive_s5"`` and ``"additive_cnn_s1"``
... ``"additive_cnn_s5"``: same data, same settings, other initialisation and batch order.
The output is the response ``y`` itself: training uses the standardised response and the
last layer is rescaled afterwards, which changes nothing inside the network.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from ..errors import InputShapeError

#: Training settings of every shipped network.
EPOCHS, BATCH, LEARNING_RATE = 40, 128, 2e-3
#: Retrained seeds shipped beside seed 0.
SEEDS = (1, 2, 3, 4, 5)
ARCHS = ("additive", "additive_cnn")


def names() -> list[str]:
    """Every shipped model name of this module (seed 0 first, then the retrained seeds)."""
    return [*ARCHS, *(f"{a}_s{s}" for a in ARCHS for s in SEEDS)]


def _parse(name: str) -> tuple[str, int]:
    if name in ARCHS:
        return name, 0
    arch, _, seed = name.rpartition("_s")
    if arch in ARCHS and seed.isdigit():
        return arch, int(seed)
    raise KeyError(f"unknown additive model {name!r}; available: {names()}")


def build(name: str = "additive", *, shape: tuple[int, int] = (8, 16), seed: int | None = None):
    """The untrained network of ``name`` (random weights; ``seed`` makes them reproducible).

    Examples
    --------
    >>> model = build("additive_cnn", seed=0)  # doctest: +SKIP
    >>> model.output_shape  # doctest: +SKIP
    (None, 1)
    """
    from .._env import tensorflow

    keras = tensorflow().keras
    layers = keras.layers
    arch, _ = _parse(name)

    def init(k):
        return keras.initializers.GlorotUniform(seed=None if seed is None else seed * 10 + k)

    inp = keras.Input((*shape, 1), name="field")
    if arch == "additive":
        h = layers.Flatten(name="flatten")(inp)
        h = layers.Dense(128, activation="relu", name="dense_a", kernel_initializer=init(1))(h)
        h = layers.Dense(64, activation="relu", name="dense_b", kernel_initializer=init(2))(h)
    else:
        h = layers.Conv2D(16, 1, activation="relu", name="conv_a", kernel_initializer=init(1))(inp)
        h = layers.Conv2D(8, 1, activation="relu", name="conv_b", kernel_initializer=init(2))(h)
        h = layers.Flatten(name="flatten")(h)
    out = layers.Dense(1, name="response", kernel_initializer=init(3))(h)
    return keras.Model(inp, out, name=name.replace(".", "_"))


def train(name: str = "additive", *, seed: int | None = None, epochs: int = EPOCHS):
    """Retrain ``name`` on the shipped training split (reproducibly) and return it.

    Parameters
    ----------
    name : str
        One of :func:`names`; its suffix ``_sK`` gives the seed unless ``seed`` is given.
    seed : int, optional
        Seed of the initial weights and of the batch order.
    epochs : int
        Passes over the 20 000 training samples.
    """
    from .._env import tensorflow
    from ..data import load

    tf = tensorflow()
    arch, default_seed = _parse(name)
    seed = default_seed if seed is None else int(seed)
    train_ds, _ = load("additive")
    x = np.asarray(train_ds.x, dtype=np.float32)
    y = np.asarray(train_ds.y, dtype=np.float64)
    mu, sd = float(y.mean()), float(y.std())
    tf.keras.utils.set_random_seed(seed)
    tf.config.experimental.enable_op_determinism()
    model = build(name, shape=x.shape[1:3], seed=seed)
    steps = epochs * int(np.ceil(len(x) / BATCH))
    schedule = tf.keras.optimizers.schedules.CosineDecay(LEARNING_RATE, steps)
    model.compile(optimizer=tf.keras.optimizers.Adam(schedule), loss="mse")
    target = ((y - mu) / sd).astype(np.float32)
    model.fit(x, target, epochs=epochs, batch_size=BATCH, shuffle=True, verbose=0)
    w, b = model.get_layer("response").get_weights()
    model.get_layer("response").set_weights([w * sd, b * sd + mu])
    return model


def r2(model, ds) -> float:
    """Coefficient of determination of ``model`` on a dataset with ``x`` and ``y``."""
    x = np.asarray(ds.x, dtype=np.float32)
    if x.ndim != 4:
        raise InputShapeError(f"expected x of shape (N, nlat, nlon, 1), got {x.shape}")
    p = np.asarray(model(x, training=False)).ravel().astype(np.float64)
    y = np.asarray(ds.y, dtype=np.float64)
    return float(1.0 - np.mean((p - y) ** 2) / np.var(y))


def write_shipped(directory: Path) -> None:
    """Train every network of :func:`names` and write ``models/<name>.weights.npz``."""
    from ..data import load
    from . import save_weights

    _, test = load("additive")
    for name in names():
        model = train(name)
        arch, seed = _parse(name)
        save_weights(
            model,
            directory,
            f"models/{name}.weights.npz",
            recipe="model:additive",
            description=f"Additive benchmark {arch} network, seed {seed}, {EPOCHS} epochs; "
            f"test R2 {r2(model, test):.4f}",
        )
