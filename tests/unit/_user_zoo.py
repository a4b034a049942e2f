"""Keras models built as users build them, each checked in a fresh process.

Usage (the tests in ``test_user_models.py`` call it):

    python _user_zoo.py ARCH OUT_DIR          # build ARCH, run every method, write results
    python _user_zoo.py --reference IN OUT    # iNNvestigate directly, eager disabled

Every model uses automatic layer names (the first model of a fresh process gets
``dense``, ``conv2d``, ``add`` ...) and, like most user code, a softmax inside
the last layer. The worker writes ``OUT_DIR/ARCH.json`` (identity errors and the
outcome of every method) and ``OUT_DIR/ARCH.npz`` (model config, weights,
inputs, targets and our maps, for the reference process).

The pre-activation score used for the LRP-0 identity is computed here with
plain Keras/TensorFlow (the penultimate tensor times the last layer's kernel),
independently of ``xai4ess._backend``.
"""

from __future__ import annotations

import json
import os
import sys
import traceback
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import numpy as np  # noqa: E402

# Methods compared with iNNvestigate run directly (eager disabled, separate process).
REFERENCE_METHODS = [
    ("gradient", {}),
    ("guided_backprop", {}),
    ("deep_taylor", {}),
    ("lrp.z", {}),
    ("lrp.epsilon", {"epsilon": 1e-3}),
    ("lrp.alpha_2_beta_1", {}),
]

# Architectures that iNNvestigate 2.1.2 analyses directly (no BatchNormalization,
# no ReLU layer, no nested model): compared with it in a separate process.
REFERENCE_ARCHS = ("cnn", "residual", "unet", "gap_head", "conv1d", "sigmoid", "leaky_softmax")


# ---------------------------------------------------------------------------
# the models
# ---------------------------------------------------------------------------
def _randomise_bn(keras, model, rng) -> None:
    """Trained-looking BatchNormalization statistics (the initial ones are the identity)."""
    for layer in model.layers:
        if isinstance(layer, keras.Model):
            _randomise_bn(keras, layer, rng)
        if isinstance(layer, keras.layers.BatchNormalization):
            gamma, beta, mean, var = layer.get_weights()
            layer.set_weights(
                [
                    rng.uniform(0.5, 2.0, gamma.shape),
                    rng.normal(0, 0.5, beta.shape),
                    rng.normal(0, 0.5, mean.shape),
                    rng.uniform(0.5, 2.0, var.shape),
                ]
            )


def _biases(keras, model, rng) -> None:
    """Non-zero biases (Keras initialises them to zero): the identity must hold with biases."""
    for layer in model.layers:
        if isinstance(layer, keras.Model):
            _biases(keras, layer, rng)
        bias = getattr(layer, "bias", None)
        if bias is not None:
            bias.assign(rng.normal(0, 0.1, bias.shape).astype(np.float32))


def build(arch: str, keras):
    """(model, x, targets) for one architecture, built the way users build them."""
    L = keras.layers
    keras.utils.set_random_seed(0)
    rng = np.random.default_rng(0)
    image = rng.normal(size=(6, 12, 12, 2)).astype(np.float32)
    targets = np.array([0, 1, 2, 2, 1, 0])
    if arch == "cnn":  # the "first model in a fresh kernel"
        inp = keras.Input((12, 12, 2))
        h = L.Conv2D(4, 3, activation="relu")(inp)
        h = L.MaxPooling2D()(h)
        h = L.Flatten()(h)
        h = L.Dense(8, activation="relu")(h)
        model = keras.Model(inp, L.Dense(3, activation="softmax")(h))
    elif arch == "bn_relu":  # Conv -> BN -> ReLU blocks
        model = keras.Sequential(
            [
                keras.Input((12, 12, 2)),
                L.Conv2D(4, 3, padding="same", use_bias=False),
                L.BatchNormalization(),
                L.ReLU(),
                L.Conv2D(4, 3, padding="same"),
                L.BatchNormalization(),
                L.ReLU(),
                L.MaxPooling2D(),
                L.Conv2D(4, 3),
                L.ReLU(),
                L.BatchNormalization(),  # after the ReLU: not foldable
                L.Flatten(),
                L.Dense(3, activation="softmax"),
            ]
        )
    elif arch == "residual":  # residual Add; a user layer explicitly named "add"
        inp = keras.Input((12, 12, 2))
        h = L.Conv2D(4, 3, padding="same", activation="relu")(inp)
        r = L.Conv2D(4, 3, padding="same", activation="relu")(h)
        r = L.Conv2D(4, 3, padding="same")(r)
        h = L.Add(name="add")([h, r])
        h = L.Activation("relu")(h)
        h = L.MaxPooling2D()(h)
        h = L.Flatten()(h)
        model = keras.Model(inp, L.Dense(3, activation="softmax")(h))
    elif arch == "resnet_bn":  # residual block with BN and ReLU layers
        inp = keras.Input((12, 12, 2))
        h = L.Conv2D(4, 3, padding="same")(inp)
        h = L.BatchNormalization()(h)
        h = L.ReLU()(h)
        r = L.Conv2D(4, 3, padding="same", use_bias=False)(h)
        r = L.BatchNormalization()(r)
        r = L.ReLU()(r)
        r = L.Conv2D(4, 3, padding="same")(r)
        r = L.BatchNormalization()(r)
        h = L.Add()([h, r])
        h = L.ReLU()(h)
        h = L.GlobalAveragePooling2D()(h)
        model = keras.Model(inp, L.Dense(3, activation="softmax")(h))
    elif arch == "unet":  # U-Net with Concatenate and UpSampling, per-pixel softmax
        inp = keras.Input((12, 12, 2))
        c1 = L.Conv2D(4, 3, padding="same", activation="relu")(inp)
        p = L.MaxPooling2D()(c1)
        c2 = L.Conv2D(8, 3, padding="same", activation="relu")(p)
        u = L.UpSampling2D()(c2)
        h = L.Concatenate()([u, c1])
        h = L.Conv2D(4, 3, padding="same", activation="relu")(h)
        model = keras.Model(inp, L.Conv2D(3, 1, activation="softmax")(h))
        targets = [(5, 7, 1)] * 6  # one output pixel and class
    elif arch == "gap_head":  # global pooling heads
        inp = keras.Input((12, 12, 2))
        h = L.Conv2D(4, 3, activation="relu")(inp)
        h = L.Conv2D(6, 3, activation="relu")(h)
        h = L.Concatenate()([L.GlobalAveragePooling2D()(h), L.GlobalMaxPooling2D()(h)])
        model = keras.Model(inp, L.Dense(3, activation="softmax")(h))
    elif arch == "conv1d":  # a time series regression
        image = rng.normal(size=(6, 32, 2)).astype(np.float32)
        inp = keras.Input((32, 2))
        h = L.Conv1D(4, 5, activation="relu")(inp)
        h = L.MaxPooling1D()(h)
        h = L.Conv1D(4, 3, activation="relu")(h)
        h = L.GlobalAveragePooling1D()(h)
        model = keras.Model(inp, L.Dense(1)(h))
        targets = np.zeros(6, dtype=int)
    elif arch == "sigmoid":  # binary classifier: the logit is explained
        inp = keras.Input((12, 12, 2))
        h = L.Conv2D(4, 3, activation="relu")(inp)
        h = L.MaxPooling2D()(h)
        h = L.Flatten()(h)
        model = keras.Model(inp, L.Dense(1, activation="sigmoid")(h))
        targets = np.zeros(6, dtype=int)
    elif arch == "leaky_softmax":  # LeakyReLU layers and a separate Softmax layer
        inp = keras.Input((12, 12, 2))
        h = L.Conv2D(4, 3)(inp)
        h = L.LeakyReLU(0.2)(h)
        h = L.Flatten()(h)
        h = L.Dense(6)(h)
        h = L.LeakyReLU(0.1)(h)
        model = keras.Model(inp, L.Softmax()(L.Dense(3)(h)))
    elif arch == "seq_batch3":  # Sequential built by calling it on a batch of 3
        model = keras.Sequential(
            [
                L.Conv2D(4, 3, activation="relu"),
                L.MaxPooling2D(),
                L.Flatten(),
                L.Dense(3, activation="softmax"),
            ]
        )
        model(image[:3])
    elif arch == "nested":  # a nested Sequential backbone
        backbone = keras.Sequential(
            [
                keras.Input((12, 12, 2)),
                L.Conv2D(4, 3, activation="relu"),
                L.MaxPooling2D(),
                L.Conv2D(4, 3, activation="relu"),
            ]
        )
        inp = keras.Input((12, 12, 2))
        h = L.Flatten()(backbone(inp))
        model = keras.Model(inp, L.Dense(3, activation="softmax")(h))
    else:
        raise ValueError(f"unknown architecture {arch!r}")
    _biases(keras, model, rng)
    _randomise_bn(keras, model, rng)
    return model, image, targets


def _last_call(model):
    """(layer, input tensor) of the layer producing the model's output, through nesting."""
    layer, node_index, _ = model.outputs[0]._keras_history
    node = layer._inbound_nodes[node_index]
    return layer, node.keras_inputs[0]


def pre_activation(model, x, keras, tf):
    """The model's output before its final softmax/sigmoid, with plain Keras and TensorFlow."""
    layer, tensor = _last_call(model)
    before = keras.Model(model.inputs, tensor)(x)
    if isinstance(layer, (keras.layers.Softmax, keras.layers.Activation)):
        return before
    kernel, bias = layer.kernel, layer.bias
    if isinstance(layer, keras.layers.Dense):
        return tf.matmul(before, kernel) + bias
    return tf.nn.convolution(before, kernel, padding=layer.padding.upper()) + bias


def pick(scores, targets, tf):
    """The explained score per sample: class index, or (row, col, channel) pixel."""
    if isinstance(targets, list):
        r, c, ch = targets[0]
        return scores[:, r, c, ch]
    return tf.gather(scores, np.asarray(targets), axis=1, batch_dims=1)


def input_times_gradient(model, x, targets, keras, tf) -> np.ndarray:
    xt = tf.constant(x)
    with tf.GradientTape() as tape:
        tape.watch(xt)
        score = pick(pre_activation(model, xt, keras, tf), targets, tf)
    return (tape.gradient(score, xt) * xt).numpy()


def _outcome(fn) -> tuple[str, object]:
    """('ok', result) or ('xai4ess', message) or ('raw', traceback) for a call."""
    from xai4ess.errors import Xai4essError

    try:
        return "ok", fn()
    except Xai4essError as exc:
        return "xai4ess", f"{type(exc).__name__}: {exc}"
    except Exception:  # noqa: BLE001 - a raw exception is what the test reports
        return "raw", traceback.format_exc(limit=3)


def _target_arg(targets):
    return targets[0] if isinstance(targets, list) else targets


def check_model(model, x, targets, keras, tf, tag: str) -> dict:
    """Run every method of ``xai4ess.methods()``; the LRP-0 identity; our reference maps."""
    import xai4ess

    res: dict = {"tag": tag, "methods": {}}
    ixg = input_times_gradient(model, x, targets, keras, tf)
    lrp = xai4ess.explain(model, x, "lrp.z", target=_target_arg(targets))
    res["ixg_scale"] = float(np.abs(ixg).max())
    res["lrp_z_rel_error"] = float(np.abs(lrp - ixg).max() / np.abs(ixg).max())
    maps = {}
    for method in xai4ess.methods().index:
        kind, value = _outcome(
            lambda method=method: xai4ess.explain(model, x, method, target=_target_arg(targets))
        )
        if kind == "ok":
            value = np.asarray(value)
            maps[method] = value
            kind = "ok" if np.all(np.isfinite(value)) else "raw"
            value = "" if kind == "ok" else "non-finite values"
        res["methods"][method] = [kind, value]
    for method, options in REFERENCE_METHODS:
        if not options:  # the same call as above
            if method in maps:
                maps[f"ref:{method}"] = maps[method]
            continue
        kind, value = _outcome(
            lambda method=method, options=options: xai4ess.explain(
                model, x, method, target=_target_arg(targets), **options
            )
        )
        if kind == "ok":
            maps[f"ref:{method}"] = np.asarray(value)
    res["maps"] = maps
    return res


# ---------------------------------------------------------------------------
# worker entry points
# ---------------------------------------------------------------------------
def _save(res: dict, model, x, targets, out_dir: Path, tag: str) -> None:
    maps = res.pop("maps")
    weights = model.get_weights()
    flat_targets = np.asarray(
        [t for t in targets] if not isinstance(targets, list) else [list(t) for t in targets]
    )
    np.savez(
        out_dir / f"{tag}.npz",
        config=np.frombuffer(json.dumps(model.get_config()).encode(), dtype=np.uint8),
        sequential=model.__class__.__name__ == "Sequential",
        n_weights=len(weights),
        x=x,
        targets=flat_targets,
        **{f"w{i}": w for i, w in enumerate(weights)},
        **{f"map:{k}": v for k, v in maps.items()},
    )
    (out_dir / f"{tag}.json").write_text(json.dumps(res, indent=1, default=str))


def run_arch(arch: str, out_dir: Path) -> None:
    from xai4ess._env import tensorflow

    tf = tensorflow()
    keras = tf.keras
    import xai4ess
    from xai4ess import _backend

    out_dir.mkdir(parents=True, exist_ok=True)
    if arch == "saved_build":
        model, x, targets = build("resnet_bn", keras)
        model.save(out_dir / "model.h5")
        model.save(out_dir / "model.keras")
        model.save(out_dir / "model_savedmodel", save_format="tf")
        np.savez(out_dir / "saved_input.npz", x=x, targets=targets)
        res = check_model(model, x, targets, keras, tf, "saved_build")
        _save(res, model, x, targets, out_dir, "saved_build")
        return
    if arch == "saved_load":
        data = np.load(out_dir / "saved_input.npz")
        x, targets = data["x"], data["targets"]
        for fmt, name in (("h5", "model.h5"), ("keras", "model.keras"), ("tf", "model_savedmodel")):
            model = keras.models.load_model(out_dir / name, compile=False)
            res = check_model(model, x, targets, keras, tf, f"saved_{fmt}")
            _save(res, model, x, targets, out_dir, f"saved_{fmt}")
        return
    if arch == "recurrent":
        L = keras.layers
        keras.utils.set_random_seed(0)
        rng = np.random.default_rng(0)
        inp = keras.Input((10, 3))
        lstm = keras.Model(inp, L.Dense(1)(L.LSTM(4)(inp)))
        inp = keras.Input((4, 8, 8, 1))
        h = L.ConvLSTM2D(3, 3, padding="same")(inp)
        convlstm = keras.Model(inp, L.Dense(2, activation="softmax")(L.Flatten()(h)))
        out: dict = {"tag": "recurrent"}
        for name, model, x in (
            ("lstm", lstm, rng.normal(size=(3, 10, 3)).astype(np.float32)),
            ("convlstm", convlstm, rng.normal(size=(3, 4, 8, 8, 1)).astype(np.float32)),
        ):
            out[name] = {
                method: list(
                    _outcome(lambda m=method, mo=model, a=x: xai4ess.explain(mo, a, m, target=0))
                )
                for method in xai4ess.methods().index
            }
            for method, (kind, _) in out[name].items():
                if kind == "ok":
                    out[name][method] = ["ok", ""]
        (out_dir / "recurrent.json").write_text(json.dumps(out, indent=1, default=str))
        return
    if arch == "multi":
        run_multi(keras, tf, _backend, out_dir)
        return
    model, x, targets = build(arch, keras)
    if arch == "seq_batch3":
        x = np.concatenate([x, x[:1] * 0.5])  # a batch of 7, not 3
        targets = np.concatenate([targets, [1]])
    res = check_model(model, x, targets, keras, tf, arch)
    if arch == "seq_batch3":
        unbuilt = keras.Sequential([keras.layers.Dense(2)])
        res["unbuilt"] = list(_outcome(lambda: xai4ess.explain(unbuilt, x[:, 0, 0], "gradient")))
    if arch == "nested":
        res["gradcam_layer"] = _backend.default_gradcam_layer(model)
        res["gradcam_vs_flat"] = _gradcam_vs_flat(model, x, targets, keras, _backend)
    if arch == "cnn":
        res["gradcam_vs_tfexplain"] = _gradcam_vs_tfexplain(model, x, targets, keras, _backend)
    _save(res, model, x, targets, out_dir, arch)


def _gradcam_vs_flat(model, x, targets, keras, _backend) -> float:
    """Grad-CAM inside a nested backbone equals Grad-CAM of the same network built flat."""
    backbone = model.layers[1]
    inp = keras.Input(x.shape[1:])
    h = inp
    for layer in backbone.layers:
        h = type(layer).from_config(layer.get_config())(h)
    h = keras.layers.Flatten()(h)
    flat = keras.Model(inp, keras.layers.Dense(3)(h))
    flat.set_weights(model.get_weights())
    ours = _backend.tfx_gradcam(_backend.score_model(model), x, targets)
    ref = _backend.tfx_gradcam(flat, x, targets, layer=flat.layers[3].name)
    return float(np.abs(ours - ref).max() / max(np.abs(ref).max(), 1e-12))


def _gradcam_vs_tfexplain(model, x, targets, keras, _backend) -> float:
    """Our Grad-CAM equals tf-explain's own gradient path on a flat model."""
    import cv2
    from tf_explain.core.grad_cam import GradCAM

    scores = _backend.score_model(model)
    layer = _backend.default_gradcam_layer(scores)
    ours = _backend.tfx_gradcam(scores, x, targets)
    ref = np.zeros_like(ours)
    for i in range(len(x)):
        conv, grads = GradCAM.get_gradients_and_filters(
            scores, x[i : i + 1], layer, int(targets[i]), False
        )
        cam = np.maximum(np.asarray(GradCAM.generate_ponderated_output(conv, grads)[0]), 0)
        ref[i] = cv2.resize(cam, (x.shape[2], x.shape[1]), interpolation=cv2.INTER_LINEAR)
    return float(np.abs(ours - ref).max() / max(np.abs(ref).max(), 1e-12))


def run_multi(keras, tf, _backend, out_dir: Path) -> None:
    """Multi-input and multi-output models through the backend functions."""
    L = keras.layers
    keras.utils.set_random_seed(0)
    rng = np.random.default_rng(0)
    image_in = keras.Input((8, 8, 2))
    vector_in = keras.Input((4,))
    h = L.Conv2D(3, 3, activation="relu")(image_in)
    h = L.Flatten()(L.MaxPooling2D()(h))
    v = L.Dense(5, activation="relu")(vector_in)
    h = L.Concatenate()([h, v])
    h = L.Dense(6, activation="relu")(h)
    precip = L.Dense(3, activation="softmax", name="precip")(h)
    temp = L.Dense(1, name="temp")(h)
    model = keras.Model([image_in, vector_in], [precip, temp])
    _biases(keras, model, rng)
    xs = [
        rng.normal(size=(5, 8, 8, 2)).astype(np.float32),
        rng.normal(size=(5, 4)).astype(np.float32),
    ]
    targets = np.array([0, 1, 2, 1, 0])
    res: dict = {"tag": "multi", "output_names": _backend.output_names(model)}
    checks = {}
    for output, idx, kernel_layer in (("precip", targets, "precip"), (1, np.zeros(5, int), "temp")):
        single = _backend.select_output(model, output)
        checks[str(output)] = {"same_object_again": _backend.select_output(model, output) is single}
        # input x gradient of the pre-activation score, plain TensorFlow
        layer = model.get_layer(kernel_layer)
        before = keras.Model(model.inputs, layer.input)
        xt = [tf.constant(a) for a in xs]
        with tf.GradientTape() as tape:
            for t in xt:
                tape.watch(t)
            z = tf.matmul(before(xt), layer.kernel) + layer.bias
            score = tf.gather(z, idx, axis=1, batch_dims=1)
        ixg = [(g * t).numpy() for g, t in zip(tape.gradient(score, xt), xt)]
        lrp = _backend.innvestigate_analyze(single, xs, "lrp.z", "lrp.z", {}, idx)
        checks[str(output)]["n_relevance"] = len(lrp)
        checks[str(output)]["shapes_ok"] = all(r.shape == a.shape for r, a in zip(lrp, xs))
        checks[str(output)]["lrp_z_rel_error"] = [
            float(np.abs(r - g).max() / np.abs(g).max()) for r, g in zip(lrp, ixg)
        ]
        steps = 16
        ig = _backend.innvestigate_analyze(
            single, xs, "integrated_gradients", "integrated_gradients", {"steps": steps}, idx
        )
        # reference: left Riemann sum of the tape gradient along the path from 0, times x
        total = [np.zeros_like(a) for a in xs]
        for k in range(steps):
            path = [tf.constant(a * (k / steps)) for a in xs]
            with tf.GradientTape() as tape:
                for t in path:
                    tape.watch(t)
                z = tf.matmul(before(path), layer.kernel) + layer.bias
                score = tf.gather(z, idx, axis=1, batch_dims=1)
            for acc, g in zip(total, tape.gradient(score, path)):
                acc += g.numpy() / steps
        ref = [acc * a for acc, a in zip(total, xs)]
        checks[str(output)]["ixg_scales"] = [float(np.abs(g).max()) for g in ixg]
        checks[str(output)]["ig_rel_error"] = [
            float(np.abs(r - g).max() / np.abs(g).max()) for r, g in zip(ig, ref)
        ]
        outcomes = {}
        for inn in ("gradient", "guided_backprop", "deep_taylor", "lrp.epsilon", "smoothgrad"):
            opts = {"augment_by_n": 4, "noise_scale": 0.1} if inn == "smoothgrad" else {}
            kind, value = _outcome(
                lambda inn=inn, opts=opts, s=single, i=idx: _backend.innvestigate_analyze(
                    s, xs, inn, inn, opts, i
                )
            )
            outcomes[inn] = [kind, "" if kind == "ok" else value]
        checks[str(output)]["methods"] = outcomes
    res["checks"] = checks
    res["errors"] = {
        "name": list(_outcome(lambda: _backend.select_output(model, "rain"))),
        "index": list(_outcome(lambda: _backend.select_output(model, 2))),
        "both": list(
            _outcome(
                lambda: _backend.innvestigate_analyze(model, xs, "lrp.z", "lrp.z", {}, targets)
            )
        ),
    }
    (out_dir / "multi.json").write_text(json.dumps(res, indent=1, default=str))


# ---------------------------------------------------------------------------
# reference: iNNvestigate run directly with eager execution disabled
# ---------------------------------------------------------------------------
def _renamed(config: dict) -> dict:
    """A functional config with every layer renamed ``ref_<i>``.

    iNNvestigate adds layers with automatic names (``input_1`` ...), which collide
    with the user's automatic names in a fresh process; renaming the layers in the
    config (plain JSON surgery) avoids that without using xai4ess.
    """
    mapping = {layer["name"]: f"ref_{i}" for i, layer in enumerate(config["layers"])}

    def rename(obj):
        if isinstance(obj, list):
            if obj and isinstance(obj[0], str) and obj[0] in mapping:
                return [mapping[obj[0]], *obj[1:]]
            return [rename(o) for o in obj]
        if isinstance(obj, dict):
            return {k: rename(v) for k, v in obj.items()}
        return obj

    for layer in config["layers"]:
        layer["name"] = layer["config"]["name"] = mapping[layer["name"]]
        layer["inbound_nodes"] = rename(layer["inbound_nodes"])
    config["input_layers"] = rename(config["input_layers"])
    config["output_layers"] = rename(config["output_layers"])
    return config


def run_reference(src_dir: Path, archs: list[str]) -> None:
    import tensorflow as tf

    tf.compat.v1.disable_eager_execution()
    import innvestigate

    keras = tf.keras
    for arch in archs:
        data = np.load(src_dir / f"{arch}.npz", allow_pickle=False)
        config = json.loads(bytes(data["config"]).decode())
        weights = [data[f"w{i}"] for i in range(int(data["n_weights"]))]
        assert not bool(data["sequential"]), "reference models are functional"
        model = keras.Model.from_config(_renamed(config))
        model.set_weights(weights)
        last = model.layers[-1]
        if isinstance(last, (keras.layers.Softmax, keras.layers.Activation)):
            scores = keras.Model(model.inputs, last.input)
        else:  # the same network with a linear last layer
            cfg = last.get_config()
            cfg["activation"] = "linear"
            cfg["name"] = "ref_linear"
            linear = type(last).from_config(cfg)
            scores = keras.Model(model.inputs, linear(last.input))
            linear.set_weights(last.get_weights())
        targets = data["targets"]
        if targets.ndim == 2:  # (row, col, channel) of an image output
            r, c, ch = (int(v) for v in targets[0])
            shape = scores.output_shape
            flat = keras.layers.Flatten(name="ref_flatten")(scores.output)
            scores = keras.Model(scores.inputs, flat)
            targets = np.full(len(targets), (r * shape[2] + c) * shape[3] + ch)
        out = {}
        for name, options in REFERENCE_METHODS:
            try:  # iNNvestigate's own model checks refuse e.g. deep_taylor on LeakyReLU
                analyzer = innvestigate.create_analyzer(
                    name, scores, neuron_selection_mode="index", **options
                )
                out[name] = analyzer.analyze(data["x"], neuron_selection=targets)
            except Exception:  # noqa: BLE001 - recorded as "iNNvestigate refuses"
                continue
        np.savez(src_dir / f"{arch}.reference.npz", **out)


if __name__ == "__main__":
    if sys.argv[1] == "--reference":
        run_reference(Path(sys.argv[2]), sys.argv[3:])
    else:
        run_arch(sys.argv[1], Path(sys.argv[2]))
