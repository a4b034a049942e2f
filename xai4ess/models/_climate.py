"""The Barnes et al. (2019, 2020) set-up: a small dense network that predicts the year
from one annual-mean temperature anomaly map.

Architecture: ``Input (36, 72, 1) K -> Flatten -> Dense(8, ReLU, L2 ridge penalty on
its kernel, "hidden") -> Dense(1, linear, "year")``. The output is the year itself:
the network is trained on the standardised year ``(year - YEAR_MEAN) / YEAR_STD`` and
the last layer is rescaled afterwards, which changes nothing inside the network.
The ridge penalty makes the first-layer weights spread over many grid points
instead of fitting the noise of a few, as in Barnes et al.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from ..errors import InputShapeError

#: Target standardisation used in training (the mean and std of 1920..2100).
YEAR_MEAN, YEAR_STD = 2010.0, 52.4
#: Defaults of the shipped model.
HIDDEN, RIDGE, EPOCHS, SEED, LEARNING_RATE, BATCH = 8, 0.3, 100, 0, 3e-4, 32
#: Shipped variants: model name -> ridge penalty on the first layer.
RIDGES = {"climate": RIDGE, "climate_ridge_weak": 0.001, "climate_ridge_strong": 1.0}


def build(
    name: str = "climate",
    *,
    shape: tuple[int, int] = (36, 72),
    hidden: int = HIDDEN,
    ridge: float = RIDGE,
    seed: int | None = None,
):
    """The untrained network (random weights; pass ``seed`` to make them reproducible).

    Parameters
    ----------
    name : str
        Model name (``"climate"``).
    shape : (int, int)
        Grid size (nlat, nlon) of the input maps.
    hidden : int
        Units of the hidden layer.
    ridge : float
        L2 penalty on the hidden layer's kernel (only matters for training).
    seed : int, optional
        Seed of the weight initialisers.

    Examples
    --------
    >>> model = build("climate", seed=0)
    >>> model.output_shape
    (None, 1)
    """
    from .._env import tensorflow

    tf = tensorflow()
    keras = tf.keras
    layers = keras.layers
    if ridge < 0:
        raise ValueError(f"ridge must be >= 0, got {ridge}")

    s0 = None if seed is None else seed
    s1 = None if seed is None else seed + 1
    inp = keras.Input((*shape, 1), name="temperature")
    x = layers.Flatten(name="flatten")(inp)
    # Small initial weights: 2592 inputs in K would otherwise start far from the ridge optimum.
    x = layers.Dense(
        hidden,
        activation="relu",
        name="hidden",
        kernel_initializer=keras.initializers.RandomNormal(stddev=0.002, seed=s0),
        kernel_regularizer=keras.regularizers.L2(ridge) if ridge else None,
    )(x)
    out = layers.Dense(
        1, name="year", kernel_initializer=keras.initializers.GlorotUniform(seed=s1)
    )(x)
    return keras.Model(inp, out, name=name)


def _check_x(x: np.ndarray) -> np.ndarray:
    x = np.asarray(x, dtype=np.float32)
    if x.ndim == 3:
        x = x[..., None]
    if x.ndim != 4 or x.shape[-1] != 1:
        raise InputShapeError(
            f"expected temperature maps of shape (N, nlat, nlon) or (N, nlat, nlon, 1), got {x.shape}"
        )
    return x


def fit(
    x: np.ndarray,
    years: np.ndarray,
    *,
    ridge: float = RIDGE,
    hidden: int = HIDDEN,
    epochs: int = EPOCHS,
    seed: int = SEED,
    learning_rate: float = LEARNING_RATE,
    batch_size: int = BATCH,
    name: str = "climate",
):
    """Train the year-from-map network on given maps (reproducibly) and return it.

    Parameters
    ----------
    x : ndarray
        ``(N, nlat, nlon[, 1])`` temperature anomaly maps in K.
    years : ndarray
        ``(N,)`` the year of each map.
    ridge, hidden, epochs, seed, learning_rate, batch_size
        Training settings; the defaults give the shipped model.

    Returns
    -------
    keras.Model
        Whose output is the predicted year.
    """
    from .._env import tensorflow

    tf = tensorflow()
    x = np.asarray(x, dtype=np.float32)
    x = _check_x(x)
    shape = tuple(x.shape[1:3])
    years = np.asarray(years, dtype=np.float32).ravel()
    if len(years) != len(x):
        raise InputShapeError(f"{len(x)} maps but {len(years)} years")
    tf.keras.utils.set_random_seed(seed)
    tf.config.experimental.enable_op_determinism()
    model = build(name, shape=shape, hidden=hidden, ridge=ridge, seed=seed)
    model.compile(optimizer=tf.keras.optimizers.Adam(learning_rate), loss="mse")
    target = (years - YEAR_MEAN) / YEAR_STD
    model.fit(x, target, epochs=epochs, batch_size=batch_size, shuffle=True, verbose=0)
    # Fold the target scaling into the output layer: the output is now the year.
    w, b = model.get_layer("year").get_weights()
    model.get_layer("year").set_weights([w * YEAR_STD, b * YEAR_STD + YEAR_MEAN])
    return model


def train(
    name: str = "climate",
    *,
    ridge: float | None = None,
    hidden: int = HIDDEN,
    epochs: int = EPOCHS,
    seed: int = SEED,
    mask=None,
):
    """Retrain a shipped network on the shipped training members (reproducibly).

    Parameters
    ----------
    name : str
        ``"climate"`` (ridge 0.3), ``"climate_ridge_weak"`` (0.001) or
        ``"climate_ridge_strong"`` (1.0).
    ridge : float, optional
        L2 penalty on the first layer; default: that of ``name``.
    hidden, epochs, seed
        Training settings (defaults: those of the shipped models).
    mask : ndarray of bool, optional
        ``(nlat, nlon)``; grid points where it is True are set to 0 K in
        every training map, which hides that region from the network.

    Returns
    -------
    keras.Model
        Its output is the predicted year.

    Examples
    --------
    >>> import xai4ess
    >>> model = xai4ess.models.train("climate", ridge=1.0)  # trains: not run  # doctest: +SKIP
    """
    if name not in RIDGES:
        raise KeyError(f"this module trains {sorted(RIDGES)}, not {name!r}")
    from ..data import load

    train_ds, _ = load("climate")
    x = np.asarray(train_ds.x, dtype=np.float32)
    if mask is not None:
        mask = np.asarray(mask, dtype=bool)
        if mask.shape != x.shape[1:3]:
            raise InputShapeError(f"mask must have shape {x.shape[1:3]}, got {mask.shape}")
        x = np.where(mask[None, :, :, None], np.float32(0.0), x)
    ridge = RIDGES[name] if ridge is None else float(ridge)
    return fit(x, train_ds.y, ridge=ridge, hidden=hidden, epochs=epochs, seed=seed, name=name)


def write_shipped(directory: Path) -> None:
    """Train the shipped models and write ``models/<name>.weights.npz`` for each."""
    from . import save_weights

    for name, ridge in RIDGES.items():
        model = train(name)
        save_weights(
            model,
            directory,
            f"models/{name}.weights.npz",
            recipe="model:climate",
            description=f"Year-from-map dense network, {HIDDEN} hidden units, "
            f"ridge {ridge}, {EPOCHS} epochs, seed {SEED}",
        )
