"""The lecture's fully convolutional GOES -> MRMS network (Hilburn et al. 2021).

Architecture (from the authors' public model file): input (H, W, 4) with
channels C07, C09, C13, GLM; 3x3 convolutions with 32 filters, ReLU, 'same'
padding: conv, pool, conv, pool, conv, pool, conv, up, conv, up, conv, up,
then a 1x1 convolution to one output (composite reflectivity, dBZ).

The network's input is the scaled field of :func:`network_input` (cloud-top
"coldness" and GLM as is), not brightness temperatures in K. This module also
holds the per-pixel baseline; the skill scores are :mod:`xai4ess.evaluate.skill`.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np

from ..data import GOES_CHANNELS as CHANNELS
from ..data import network_input

__all__ = [
    "network_input",
    "baseline_fit",
    "baseline_predict",
    "predict",
    "TRAIN_OPTIONS",
    "LAYERS",
]

#: Options of the shipped training run (``train("goes_mrms")`` reproduces it).
TRAIN_OPTIONS = dict(epochs=36, batch_size=16, learning_rate=2e-3, seed=0, without=())


#: The architecture, once, in :mod:`xai4ess.rf`'s compact layer names (the final 1x1
#: convolution to dBZ included): :func:`build` makes the network from it, and
#: receptive-field code and widgets read it.
LAYERS = (
    "conv3", "pool2", "conv3", "pool2", "conv3", "pool2", "conv3",
    "up2", "conv3", "up2", "conv3", "up2", "conv1",
)  # fmt: skip


def build(name: str = "goes_mrms", size: int | None = None, filters: int = 32):
    """The untrained network of :data:`LAYERS`; ``size=None`` accepts any size divisible by 8.

    Layers are named ``conv1``, ``pool1``, ``up1``, ... and the last ``mrms``.

    Examples
    --------
    >>> model = build(size=64)
    >>> [layer.name for layer in model.layers][:3], model.output_shape
    (['goes', 'conv1', 'pool1'], (None, 64, 64, 1))
    """
    from .._env import tensorflow

    keras = tensorflow().keras
    layers = keras.layers
    inp = keras.Input((size, size, len(CHANNELS)), name="goes")
    x = inp
    count = {"conv": 0, "pool": 0, "up": 0}
    for spec in LAYERS[:-1]:
        kind = spec.rstrip("0123456789")
        count[kind] += 1
        lname = f"{kind}{count[kind]}"
        if kind == "conv":
            k = int(spec[4:])
            x = layers.Conv2D(filters, k, padding="same", activation="relu", name=lname)(x)
        elif kind == "pool":
            x = layers.MaxPooling2D(int(spec[4:]), name=lname)(x)
        else:
            x = layers.UpSampling2D(int(spec[2:]), name=lname)(x)
    out = layers.Conv2D(1, int(LAYERS[-1][4:]), name="mrms")(x)
    return keras.Model(inp, out, name=name)


# -- baseline: per-pixel regression on C13 alone --------------------------------
def baseline_fit(x: np.ndarray, y: np.ndarray, degree: int = 3) -> np.ndarray:
    """Least-squares polynomial of reflectivity (dBZ) on C13 (K), pixel by pixel.

    Parameters
    ----------
    x : ndarray
        ``(N, H, W, 4)`` inputs in physical units (C13 is channel 2).
    y : ndarray
        ``(N, H, W[, 1])`` reflectivity in dBZ.
    degree : int
        Polynomial degree (3: cold tops give echo, warm ones none).

    Returns
    -------
    ndarray
        Polynomial coefficients for :func:`baseline_predict` (``numpy.polyval``
        order, in the variable ``(C13 - 250 K) / 50 K``).

    Examples
    --------
    >>> x = np.zeros((1, 2, 2, 4)); x[..., 2] = [[200, 300], [220, 290]]
    >>> coef = baseline_fit(x, np.array([[40.0, 0.0], [30.0, 0.0]]), degree=1)
    >>> baseline_predict(coef, x).shape
    (1, 2, 2, 1)
    """
    x = np.asarray(x)
    if x.ndim != 4 or x.shape[-1] != len(CHANNELS):
        raise ValueError(f"x must be (N, H, W, {len(CHANNELS)}), got {x.shape}")
    # only C13 in float64 (all four channels were 67 MB more for the training scenes)
    t = (x[..., 2].astype(np.float64).ravel() - 250.0) / 50.0
    yy = np.asarray(y, dtype=np.float64).reshape(-1)
    if yy.size != t.size:
        raise ValueError(f"y has {yy.size} pixels, x has {t.size}")
    return np.polyfit(t, yy, degree)


def baseline_predict(coef: np.ndarray, x: np.ndarray) -> np.ndarray:
    """Reflectivity (dBZ, ``(N, H, W, 1)``) of the C13 baseline, clipped at 0."""
    t = (np.asarray(x)[..., 2].astype(np.float64) - 250.0) / 50.0
    return np.clip(np.polyval(coef, t), 0, None)[..., None].astype(np.float32)


def predict(model, x: np.ndarray, batch_size: int = 8) -> np.ndarray:
    """The network's reflectivity estimate (dBZ) for inputs ``x`` in physical units.

    Parameters
    ----------
    model : keras.Model
        From ``xai4ess.models.load("goes_mrms")``.
    x : ndarray
        ``(N, H, W, 4)`` in K and GLM groups (not yet scaled); H and W multiples of 8.
    """
    from ..errors import InputShapeError

    x = np.asarray(x, dtype=np.float32)
    if x.ndim == 3:
        x = x[None]
    if x.ndim != 4 or x.shape[-1] != len(CHANNELS) or x.shape[1] % 8 or x.shape[2] % 8:
        raise InputShapeError(
            f"expected (N, H, W, {len(CHANNELS)}) with H and W multiples of 8, got {x.shape}"
        )
    return model.predict(network_input(x), batch_size=batch_size, verbose=0)


# -- training -------------------------------------------------------------------
def _augment(rng: np.random.Generator, xs: np.ndarray, ys: np.ndarray):
    """Shuffled tiles, each with a random dihedral transform (flip / rotation by 90 degrees)."""
    out_x, out_y = np.empty_like(xs), np.empty_like(ys)
    order = rng.permutation(len(xs))
    for i, k in enumerate(rng.integers(0, 8, len(xs))):
        a, b = np.rot90(xs[order[i]], k % 4), np.rot90(ys[order[i]], k % 4)
        if k >= 4:
            a, b = a[:, ::-1], b[:, ::-1]
        out_x[i], out_y[i] = a, b
    return out_x, out_y


def train(
    name: str = "goes_mrms",
    *,
    epochs: int = TRAIN_OPTIONS["epochs"],
    batch_size: int = TRAIN_OPTIONS["batch_size"],
    learning_rate: float = TRAIN_OPTIONS["learning_rate"],
    seed: int = TRAIN_OPTIONS["seed"],
    without: Sequence[str] = TRAIN_OPTIONS["without"],
    data=None,
    verbose: int = 0,
):
    """Train the network reproducibly on the shipped training tiles.

    Parameters
    ----------
    name : str
        ``"goes_mrms"``.
    epochs, batch_size, learning_rate, seed
        Training settings; the defaults made the shipped weights.
    without : sequence of str
        Channels set to zero during training (e.g. ``("GLM",)`` for the
        exercise "what if there were no lightning mapper?").
    data : Dataset, optional
        Training tiles in physical units (default: ``xai4ess.data.load("goes_mrms").train``).
    verbose : int
        Keras verbosity.

    Returns
    -------
    keras.Model

    Examples
    --------
    >>> model = train("goes_mrms", epochs=1)  # trains: not run  # doctest: +SKIP
    """
    from .._env import tensorflow

    unknown = [c for c in without if c not in CHANNELS]
    if unknown:
        raise ValueError(f"unknown channel(s) {unknown}; channels are {CHANNELS}")
    tf = tensorflow()
    if data is None:
        from ..data import load

        data = load("goes_mrms").train
    xs = network_input(data.x)
    for c in without:
        xs[..., CHANNELS.index(c)] = 0.0
    ys = np.asarray(data.y, dtype=np.float32)

    tf.keras.utils.set_random_seed(seed)
    tf.config.experimental.enable_op_determinism()
    model = build(name, size=None)

    def weighted_mse(y_true, y_pred):
        # heavier weight on strong echo (the cores matter most; cf. Hilburn et al. 2021)
        w = 1.0 + y_true / 10.0
        return tf.reduce_mean(w * tf.square(y_true - y_pred))

    model.compile(optimizer=tf.keras.optimizers.Adam(learning_rate), loss=weighted_mse)
    rng = np.random.default_rng(seed)
    decay = tf.keras.callbacks.LearningRateScheduler(
        lambda epoch, lr: learning_rate * (0.5 ** (3 * epoch / max(epochs, 1)))
    )
    for epoch in range(epochs):
        ax, ay = _augment(rng, xs, ys)
        model.fit(
            ax,
            ay,
            batch_size=batch_size,
            epochs=epoch + 1,
            initial_epoch=epoch,
            shuffle=False,
            verbose=verbose,
            callbacks=[decay],
        )
    return model


def write_shipped(directory) -> None:
    """Train with :data:`TRAIN_OPTIONS` and write ``models/goes_mrms.weights.npz``."""
    from . import save_weights

    model = train("goes_mrms")
    save_weights(
        model,
        Path(directory),
        "models/goes_mrms.weights.npz",
        recipe="model:goes_mrms",
        description="GOES->MRMS fully convolutional network trained on the shipped 64x64 tiles",
    )
