"""The spread over retrained seeds (``data/results/seeds_<story>.npz``, :mod:`xai4ess.seeds`).

Each file must match its registry entry (hash and recipe), hold at least five seeds
with finite numbers, and be reproducible: recomputing one seed of the cheapest story
(convection: two small networks, about a minute) gives the stored numbers within
``TOL``. TensorFlow on the CPU with seeds and op determinism set reproduces them
exactly on one machine and thread count; ``TOL`` leaves room for another CPU.
"""

from __future__ import annotations

import json

import numpy as np
import pytest

from xai4ess import registry, seeds
from xai4ess.errors import DataFileError

#: Absolute tolerance of a recomputed share or rate (all numbers of the convection story
#: are shares or rates in [0, 1]).
TOL = 1e-3


@pytest.mark.parametrize("story", seeds.STORIES)
def test_results_file_matches_its_registry_entry(story):
    name = f"results/seeds_{story}.npz"
    entry = registry.entries()[name]
    assert entry["recipe"] == "results:seeds" and entry["kind"] == "results"
    file = registry.path(name)  # raises if the SHA-256 differs
    assert registry.sha256(file) == entry["sha256"]
    t = seeds.table(story)
    assert len(t) >= 5 and t.index.is_unique
    # NaN marks a number undefined for that seed: a constant relevance composite, or a
    # random-weights copy that passes no positive relevance; every quantity is defined
    # for at least three seeds, and every other number for all of them
    assert not np.isinf(t.to_numpy()).any()
    assert (t.notna().sum() >= 3).all(), t.notna().sum()
    undefined = [c for c in t.columns if t[c].isna().any()]
    assert all("random" in c or c == "ridge_weak_r" for c in undefined), undefined
    s = seeds.spread(story)
    assert (s["min"] <= s["median"]).all() and (s["median"] <= s["max"]).all()
    assert set(s.index) == set(t.columns)


def test_a_changed_results_file_is_refused(tmp_path):
    src = registry.path("results/seeds_climate.npz")
    (tmp_path / "results").mkdir()
    (tmp_path / "results" / "seeds_climate.npz").write_bytes(src.read_bytes()[:-10] + b"0" * 10)
    reg = {"results/seeds_climate.npz": registry.entries()["results/seeds_climate.npz"]}
    (tmp_path / "registry.json").write_text(json.dumps(reg))
    with pytest.raises(DataFileError, match="results:seeds"):
        seeds.table("climate", directory=tmp_path)


def test_unknown_story_names_the_known_ones():
    with pytest.raises(KeyError, match="horses"):
        seeds.compute("additive", 0)


def test_one_seed_of_the_cheapest_story_reproduces_the_stored_numbers():
    stored = seeds.table("convection")
    seed = int(stored.index[1])
    again = seeds.compute("convection", seed)
    assert list(again) == list(stored.columns)
    diff = {k: abs(v - stored.loc[seed, k]) for k, v in again.items()}
    assert max(diff.values()) <= TOL, diff  # NaN would fail here: none is expected
