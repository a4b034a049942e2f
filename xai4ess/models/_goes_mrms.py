"""The lecture's fully convolutional GOES -> MRMS network (Hilburn et al. 2021).

Architecture (from the authors' public model file): input (H, W, 4) with
channels C07, C09, C13, GLM; 3x3 convolutions with 32 filters, ReLU, 'same'
padding: conv, pool, conv, pool, conv, pool, conv, up, conv, up, conv, up,
then a 1x1 convolution to one output (composite reflectivity, dBZ).
"""

from __future__ import annotations

CHANNELS = ("C07", "C09", "C13", "GLM")


def build(name: str = "goes_mrms", size: int | None = None, filters: int = 32):
    """The untrained network; ``size=None`` accepts any input size divisible by 8."""
    from .._env import tensorflow

    keras = tensorflow().keras
    layers = keras.layers
    inp = keras.Input((size, size, len(CHANNELS)), name="goes")
    x = inp
    plan = ["C", "P", "C", "P", "C", "P", "C", "U", "C", "U", "C", "U"]
    nc = npool = nu = 0
    for step in plan:
        if step == "C":
            nc += 1
            x = layers.Conv2D(filters, 3, padding="same", activation="relu", name=f"conv{nc}")(x)
        elif step == "P":
            npool += 1
            x = layers.MaxPooling2D(2, name=f"pool{npool}")(x)
        else:
            nu += 1
            x = layers.UpSampling2D(2, name=f"up{nu}")(x)
    out = layers.Conv2D(1, 1, name="mrms")(x)
    return keras.Model(inp, out, name=name)
