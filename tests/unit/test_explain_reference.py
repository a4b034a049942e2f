"""explain (eager kept on, private graphs) equals iNNvestigate run in a process with eager disabled."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np

import xai4ess

from .test_explain import small_cnn

METHODS = [
    ("gradient", {}),
    ("input_t_gradient", {}),
    ("integrated_gradients", {"steps": 16}),  # iNNvestigate: left Riemann sum
    ("guided_backprop", {}),
    ("deep_taylor", {}),
    ("lrp.z", {}),
    ("lrp.epsilon", {"epsilon": 1e-3}),
    ("lrp.alpha_1_beta_0", {}),
    ("lrp.alpha_2_beta_1", {}),
    ("lrp.sequential_preset_a", {}),
]


def test_equal_to_graph_mode_reference(keras, tmp_path: Path):
    model = small_cnn(keras, 21, bias=True, in_shape=(10, 10, 2))
    rng = np.random.default_rng(21)
    # Rows 0-4 have no negative values (alpha-beta analyzers then skip the
    # negative half of every layer's input), rows 5-9 are signed.
    x = np.concatenate([rng.random((5, 10, 10, 2)), rng.normal(size=(5, 10, 10, 2))])
    x = x.astype(np.float32)
    targets = np.array([0, 2, 1, 1, 0, 1, 0, 2, 2, 1])
    weights = model.get_weights()
    src, dst = tmp_path / "in.npz", tmp_path / "out.npz"
    np.savez(
        src,
        config=np.frombuffer(json.dumps(model.get_config()).encode(), dtype=np.uint8),
        n_weights=len(weights),
        x=x,
        targets=targets,
        methods=np.frombuffer(json.dumps(METHODS).encode(), dtype=np.uint8),
        **{f"w{i}": w for i, w in enumerate(weights)},
    )
    worker = Path(__file__).with_name("_reference_worker.py")
    subprocess.run([sys.executable, str(worker), str(src), str(dst)], check=True, timeout=600)
    ref = np.load(dst)
    for name, options in METHODS:
        for rows in (slice(0, 5), slice(5, 10), slice(0, 10)):
            ours = xai4ess.explain(model, x[rows], name, target=targets[rows], **options)
            diff = np.abs(ours - ref[name][rows]).max()
            assert diff <= 1e-6, f"{name}, rows {rows}: max |diff| = {diff}"
