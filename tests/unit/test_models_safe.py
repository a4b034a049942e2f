"""Shipped models load from code + hash-checked arrays: no pickle, no Lambda, clear errors."""

from __future__ import annotations

import numpy as np
import pytest

import xai4ess
from xai4ess.errors import DataFileError


@pytest.mark.parametrize("name", xai4ess.models.names())
def test_shipped_model_is_safe_and_explainable(keras, name):
    model = xai4ess.models.load(name)
    kinds = {type(layer).__name__ for layer in model.layers}
    assert not kinds & {"Lambda", "TFOpLambda", "SlicingOpLambda"}, name
    assert getattr(model, "_is_graph_network", False), f"{name} is not a functional model"
    last = model.layers[-1]
    if last.output_shape[-1] > 1 and len(last.output_shape) == 2:
        if name.startswith("rainday"):  # the capstone's user-style model: softmax inside Dense
            assert type(last).__name__ == "Dense" and last.get_config()["activation"] == "softmax"
        else:
            assert type(last).__name__ == "Activation"
            assert last.get_config()["activation"] == "softmax"


def test_weights_from_another_model_give_a_clear_error(keras):
    model = xai4ess.models.build("horses")
    with pytest.raises(DataFileError, match="regenerate"):
        xai4ess.models.load_weights(model, "models/goes_mrms.weights.npz")


def test_unknown_model_lists_names():
    with pytest.raises(KeyError, match="horses"):
        xai4ess.models.load("hrses")


def test_unknown_dataset_lists_names():
    with pytest.raises(KeyError, match="convection"):
        xai4ess.data.load("convektion")


def test_loaded_data_are_float32_in_range():
    train, test = xai4ess.data.load("horses")
    assert train.x.dtype == np.float32 and 0.0 <= train.x.min() and train.x.max() <= 1.0
    assert len(test) > 0
