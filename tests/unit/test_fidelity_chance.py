"""evaluate.truth_score reports the chance level of the top-k overlap; a random map sits at it."""

from __future__ import annotations

import numpy as np

from xai4ess import evaluate


def test_topk_chance_is_the_mean_overlap_of_unrelated_maps():
    rng = np.random.default_rng(0)
    truth = rng.random((36, 72))
    overlaps = [
        evaluate.truth_score(rng.random(truth.shape), truth)["topk_overlap"] for _ in range(200)
    ]
    chance = evaluate.truth_score(truth, truth)["topk_chance"]
    assert chance == round(0.1 * truth.size) / truth.size
    # brute force: the mean overlap of 200 random maps is within 3 standard errors of chance
    assert abs(np.mean(overlaps) - chance) < 3 * np.std(overlaps) / np.sqrt(len(overlaps))


def test_chance_follows_fraction_and_is_not_repeated_for_the_baseline():
    truth = np.arange(100.0).reshape(10, 10)
    assert evaluate.truth_score(truth, truth, fraction=0.25)["topk_chance"] == 0.25
    table = evaluate.rank_by_truth({"m": truth}, truth, baseline={"m": -truth})
    assert "topk_chance" in table.columns and "random_topk_chance" not in table.columns
    assert table.loc["m", "random_topk_overlap"] == 0.0
