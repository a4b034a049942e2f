"""Convection classifiers over five GOES-16-like frames (Lee et al. 2021, lecture application 1).

``"convection"``
    A typical image-classification CNN; the five frames (2 minutes apart) are
    the input channels. Trained on the standard data, where bright clouds are
    almost always convective, so brightness is all it needs.
``"convection_texture"``
    The remedy from the lecture: the same CNN trained on data where brightness
    does not separate the classes (many bright stratiform negatives and
    texture-only positives), with the four frame differences computed inside
    the model by a fixed, non-trainable 1x1 convolution (``"frame_diff"``) and
    given to the network next to the frames.

Both end with ``Dense(2, name="logits")`` and ``Activation("softmax")``; no
Lambda layers, so iNNvestigate can analyse them.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

NAMES = ("convection", "convection_texture")
N_FRAMES = 5

#: Training recipes: data, epochs, seed. ``data`` are keyword arguments of
#: :func:`xai4ess.data.convection` (``None`` = the shipped standard split).
RECIPES = {
    "convection": {"data": None, "epochs": 10, "seed": 1, "batch_size": 32},
    "convection_texture": {
        "data": {
            "n": 2400,
            "seed": 10,
            "convective_rate": 0.3,
            "bright_stratiform_rate": 0.3,
            "texture_only_rate": 0.2,
        },
        "epochs": 8,
        "seed": 1,
        "batch_size": 32,
    },
}


def _check_name(name: str) -> None:
    if name not in NAMES:
        raise KeyError(f"unknown convection model {name!r}; available: {list(NAMES)}")


def frame_difference_kernel(n_frames: int = N_FRAMES) -> np.ndarray:
    """Weights ``(1, 1, n_frames, n_frames - 1)`` of the fixed difference layer: d_k = x_{k+1} - x_k."""
    w = np.zeros((1, 1, n_frames, n_frames - 1), dtype=np.float32)
    for k in range(n_frames - 1):
        w[0, 0, k + 1, k] = 1.0
        w[0, 0, k, k] = -1.0
    return w


def build(
    name: str = "convection",
    size: int = 32,
    filters: int = 16,
    frame_differences: bool | None = None,
    raw_frames: bool = True,
):
    """The untrained network.

    Parameters
    ----------
    name : {"convection", "convection_texture"}
    size : int
        Patch size in pixels (divisible by 8).
    filters : int
        Filters of the first convolution (doubled in the later ones).
    frame_differences : bool, optional
        Add the fixed ``frame_diff`` layer (default: only for
        ``"convection_texture"``). Shipped weights fit the defaults only.
    raw_frames : bool
        Give the convolutions the frames themselves (default). ``False``
        (needs ``frame_differences``) hides the brightness: the network then
        sees only the four frame differences.

    Examples
    --------
    >>> model = build("convection_texture")
    >>> model.get_layer("frame_diff").trainable
    False
    """
    _check_name(name)
    if size % 8:
        raise ValueError(f"size must be divisible by 8 (three 2x2 poolings), got {size}")
    from .._env import tensorflow

    keras = tensorflow().keras
    layers = keras.layers
    inp = keras.Input((size, size, N_FRAMES), name="frames")
    x = inp
    if frame_differences is None:
        frame_differences = name == "convection_texture"
    if not (raw_frames or frame_differences):
        raise ValueError(
            "raw_frames=False needs frame_differences=True: the network must see something"
        )
    if frame_differences:
        diff = layers.Conv2D(N_FRAMES - 1, 1, use_bias=False, trainable=False, name="frame_diff")(
            inp
        )
        x = layers.Concatenate(name="frames_and_diffs")([inp, diff]) if raw_frames else diff
    x = layers.Conv2D(filters, 3, padding="same", activation="relu", name="conv1")(x)
    x = layers.MaxPooling2D(2, name="pool1")(x)
    x = layers.Conv2D(2 * filters, 3, padding="same", activation="relu", name="conv2")(x)
    x = layers.MaxPooling2D(2, name="pool2")(x)
    x = layers.Conv2D(2 * filters, 3, padding="same", activation="relu", name="conv3")(x)
    x = layers.MaxPooling2D(2, name="pool3")(x)
    x = layers.Flatten(name="flatten")(x)
    x = layers.Dense(32, activation="relu", name="dense")(x)
    x = layers.Dense(2, name="logits")(x)
    out = layers.Activation("softmax", name="softmax")(x)
    model = keras.Model(inp, out, name=name)
    if frame_differences:
        model.get_layer("frame_diff").set_weights([frame_difference_kernel()])
    return model


def training_data(name: str):
    """The :class:`~xai4ess.data.Dataset` a model is trained on (float32 ``x``)."""
    _check_name(name)
    from ..data import convection_io as gen

    spec = RECIPES[name]["data"]
    if spec is None:
        # Exactly what data/convection.npz holds (reflectance quantised to 1/255);
        # regenerated (same bytes) if the file is missing or damaged.
        from ..data import load
        from ..errors import DataFileError

        try:
            return gen.as_float(load("convection").train)
        except DataFileError:
            n, seed = gen.SHIPPED["train"]
            return gen.as_float(gen.stored(gen.convection(n, seed=seed)))
    spec = dict(spec)
    return gen.convection(spec.pop("n"), **spec)


def train(
    name: str = "convection",
    *,
    epochs: int | None = None,
    data=None,
    seed: int | None = None,
    frame_differences: bool | None = None,
    raw_frames: bool = True,
    verbose: int = 0,
):
    """Train a convection model reproducibly and return it.

    Parameters
    ----------
    name : {"convection", "convection_texture"}
    epochs : int, optional
        Default from :data:`RECIPES`.
    data : Dataset, optional
        Training data (``x`` ``(N, 32, 32, 5)``, ``y``); default: the recipe's.
    seed : int, optional
        Seed of weights and shuffling.
    frame_differences : bool, optional
        Passed to :func:`build` (default: the model's own choice).
    raw_frames : bool
        Passed to :func:`build`; ``False`` trains on frame differences only.
    verbose : int
        Keras verbosity (0 = silent).

    Returns
    -------
    keras.Model
    """
    _check_name(name)
    from .._env import tensorflow
    from ..errors import InputShapeError

    tf = tensorflow()
    recipe = RECIPES[name]
    ds = training_data(name) if data is None else data
    x = np.asarray(ds.x, dtype=np.float32)
    if np.issubdtype(np.asarray(ds.x).dtype, np.integer):
        x = x * np.float32(ds.attrs.get("x_scale", 1.0))
    if x.ndim != 4 or x.shape[-1] != N_FRAMES or x.shape[1] != x.shape[2]:
        raise InputShapeError(
            f"training data x must be (N, H, H, {N_FRAMES}) visible frames, got {x.shape}"
        )
    y = np.asarray(ds.y, dtype=np.int64)
    tf.keras.utils.set_random_seed(recipe["seed"] if seed is None else seed)
    tf.config.experimental.enable_op_determinism()
    model = build(name, size=x.shape[1], frame_differences=frame_differences, raw_frames=raw_frames)
    model.compile(
        optimizer=tf.keras.optimizers.Adam(1e-3),
        loss="sparse_categorical_crossentropy",
        metrics=["accuracy"],
    )
    model.fit(
        x,
        y,
        epochs=epochs or recipe["epochs"],
        batch_size=recipe["batch_size"],
        shuffle=True,
        verbose=verbose,
    )
    return model


def write_shipped(directory: Path) -> None:
    """Train both models and write ``models/<name>.weights.npz``."""
    from . import save_weights

    for name in NAMES:
        model = train(name)
        save_weights(
            model,
            directory,
            f"models/{name}.weights.npz",
            recipe="model:convection",
            description=f"{name}: {RECIPES[name]}",
        )
