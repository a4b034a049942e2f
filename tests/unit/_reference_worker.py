"""Run iNNvestigate directly with eager execution disabled globally (a separate process).

Usage: python _reference_worker.py IN.npz OUT.npz
IN.npz holds the model config (JSON bytes), its weights, x, targets and the
method list; OUT.npz gets one analysis per method.
"""

from __future__ import annotations

import json
import os
import sys

os.environ["TF_CPP_MIN_LOG_LEVEL"] = "3"

import numpy as np  # noqa: E402
import tensorflow as tf  # noqa: E402

tf.compat.v1.disable_eager_execution()

import innvestigate  # noqa: E402


def main(src: str, dst: str) -> None:
    data = np.load(src, allow_pickle=False)
    config = json.loads(bytes(data["config"]).decode())
    weights = [data[f"w{i}"] for i in range(int(data["n_weights"]))]
    methods = json.loads(bytes(data["methods"]).decode())
    model = tf.keras.Model.from_config(config)
    model.set_weights(weights)
    scores = (
        innvestigate.model_wo_softmax(model) if model.layers[-1].name == "softmax_act" else model
    )
    if isinstance(model.layers[-1], tf.keras.layers.Activation):
        scores = tf.keras.Model(model.inputs, model.layers[-1].input)
    out = {}
    for name, options in methods:
        analyzer = innvestigate.create_analyzer(
            name, scores, neuron_selection_mode="index", **options
        )
        out[name] = analyzer.analyze(data["x"], neuron_selection=data["targets"])
    np.savez(dst, **out)


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
