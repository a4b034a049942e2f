"""Horse classifiers: one trained on confounded scenes, one on de-confounded scenes.

Both have the same small CNN architecture (about 33 k weights, no biases)::

    image (64, 64, 3)
    conv1  Conv2D  8 3x3 ReLU, valid -> pool1 MaxPool 2   (31 x 31)
    conv2  Conv2D 16 3x3 ReLU, valid -> pool2 MaxPool 2   (14 x 14)
    conv3  Conv2D 32 3x3 ReLU, valid -> pool3 MaxPool 2   (6 x 6)
    conv4  Conv2D 64 3x3 ReLU, valid -> pool4 MaxPool 2   (2 x 2)
    flatten (256) -> dense (32, ReLU) -> logits (2, linear) -> softmax

Output unit 0 is "no horse", unit 1 is "horse". Two choices make the LRP
heatmaps easier to read: without biases, LRP conserves the logit (the
relevance of a sample sums to its score), and 'valid' convolutions do not pad
the image with zeros, so its border is not an artificial edge that attracts
relevance. The flattening keeps the position of every feature, so the network
can learn that something in the lower-left corner matters.

* ``"horses"`` is trained on :func:`xai4ess.data.horses` scenes with the
  confounded rates :data:`xai4ess.data._horses.CONFOUNDED` (the tag on 80 % of
  the horse pictures and 2 % of the others; fences on 60 % / 5 %).
* ``"horses_fixed"`` is trained on the *same scenes* with the balanced rates
  :data:`xai4ess.data._horses.BALANCED` (tag and fence equally common in both
  classes), so neither confounder carries information about the label.

Training is reproducible: fixed seeds, deterministic TensorFlow ops and data
drawn from the deterministic generator.
"""

from __future__ import annotations

import functools
from pathlib import Path

import numpy as np

__all__ = ["build", "train", "training_data", "write_shipped", "shipped", "TRAINING"]

#: Training recipe shared by both models.
TRAINING = {
    "n_train": 3000,
    "data_seed": 1,
    "seed": 0,
    "epochs": 12,
    "batch_size": 32,
    "learning_rate": 2e-3,
}
_NAMES = ("horses", "horses_fixed")


def _check_name(name: str) -> None:
    if name not in _NAMES:
        raise KeyError(f"unknown horse model {name!r}; available: {list(_NAMES)}")


def build(name: str = "horses", size: int = 64, width: int = 8, dense: int = 32):
    """The untrained CNN (a plain functional ``keras.Model``).

    Parameters
    ----------
    name : {"horses", "horses_fixed"}
        Model name (both share the architecture).
    size : int
        Input height and width (at least 48).
    width : int
        Filters of the first convolution (doubled in each block).
    dense : int
        Units of the hidden dense layer.

    Examples
    --------
    >>> model = build("horses")
    >>> [layer.name for layer in model.layers][-2:]
    ['logits', 'softmax']
    """
    _check_name(name)
    if int(size) < 48:
        raise ValueError(
            f"size must be at least 48 pixels (four valid 3x3 convolutions and "
            f"poolings), got {size}"
        )
    from .._env import tensorflow

    keras = tensorflow().keras
    layers = keras.layers
    inp = keras.Input((size, size, 3), name="image")
    x = inp
    for block in range(4):
        x = layers.Conv2D(
            width * 2**block,
            3,
            padding="valid",
            activation="relu",
            use_bias=False,
            name=f"conv{block + 1}",
        )(x)
        x = layers.MaxPooling2D(2, name=f"pool{block + 1}")(x)
    x = layers.Flatten(name="flatten")(x)
    x = layers.Dense(dense, activation="relu", use_bias=False, name="dense")(x)
    x = layers.Dense(2, use_bias=False, name="logits")(x)
    out = layers.Activation("softmax", name="softmax")(x)
    return keras.Model(inp, out, name=name)


@functools.lru_cache(maxsize=2)
def shipped(name: str):
    """One shared, cached copy of a shipped model for the demo and exercise checks.

    Sharing it means its attribution analyzers are built once per kernel. Do
    not train it; use :func:`xai4ess.models.load` for a copy of your own.
    """
    _check_name(name)
    from . import load

    return load(name)


def training_data(name: str = "horses", n: int | None = None, seed: int | None = None):
    """The training scenes of a model (a :class:`~xai4ess.data.Dataset`).

    Both models see the same scenes (``seed``, samples ``0 .. n-1``); only the
    tag and fence rates differ. The shipped train split
    (``xai4ess.data.load("horses").train``) is the first 300 of the confounded set.
    """
    _check_name(name)
    from ..data import HORSES_BALANCED as BALANCED
    from ..data import HORSES_CONFOUNDED as CONFOUNDED
    from ..data import horses

    rates = CONFOUNDED if name == "horses" else BALANCED
    n = TRAINING["n_train"] if n is None else int(n)
    seed = TRAINING["data_seed"] if seed is None else int(seed)
    return horses(n, seed=seed, **rates)


def train(
    name: str = "horses",
    *,
    n_train: int | None = None,
    epochs: int | None = None,
    seed: int | None = None,
    data=None,
    verbose: int = 0,
):
    """Train a horse classifier reproducibly and return it.

    Parameters
    ----------
    name : {"horses", "horses_fixed"}
        ``"horses"`` trains on confounded scenes, ``"horses_fixed"`` on balanced ones.
    n_train, epochs, seed
        Override :data:`TRAINING` (the shipped models use the defaults).
    data : Dataset, optional
        Train on these scenes instead (``x`` in [0, 1] or uint8 with
        ``attrs["x_scale"]``, ``y``).
    verbose : int
        Keras verbosity (0 = silent).

    Returns
    -------
    keras.Model

    Examples
    --------
    >>> model = train("horses_fixed", n_train=200, epochs=1)  # trains: not run  # doctest: +SKIP
    """
    _check_name(name)
    from .._env import tensorflow

    tf = tensorflow()
    seed = TRAINING["seed"] if seed is None else int(seed)
    if data is None:
        data = training_data(name, n=n_train)
    x = np.asarray(data.x)
    if np.issubdtype(x.dtype, np.integer):  # stored form: uint8 times x_scale
        x = x.astype(np.float32) * np.float32(data.attrs.get("x_scale", 1 / 255))
    x = x.astype(np.float32)
    if x.ndim != 4 or x.shape[-1] != 3:
        raise ValueError(f"data.x must be (N, H, W, 3) images, got shape {x.shape}")
    y = np.asarray(data.y, dtype=np.int64)
    tf.keras.utils.set_random_seed(seed)
    tf.config.experimental.enable_op_determinism()
    model = build(name, size=x.shape[1])
    model.compile(
        optimizer=tf.keras.optimizers.Adam(TRAINING["learning_rate"]),
        loss="sparse_categorical_crossentropy",
        metrics=["accuracy"],
    )
    model.fit(
        x,
        y,
        epochs=TRAINING["epochs"] if epochs is None else int(epochs),
        batch_size=TRAINING["batch_size"],
        shuffle=True,
        verbose=verbose,
    )
    return model


def write_shipped(directory: Path) -> None:
    """Train both models and write ``models/horses.weights.npz`` and ``models/horses_fixed.weights.npz``."""
    from . import save_weights

    for name in _NAMES:
        model = train(name)
        kind = "confounded" if name == "horses" else "de-confounded (balanced tag and fence rates)"
        save_weights(
            model,
            directory,
            f"models/{name}.weights.npz",
            recipe="model:horses",
            description=f"Horse CNN trained on {kind} scenes",
        )
