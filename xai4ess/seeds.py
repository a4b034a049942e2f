"""Spread over retrained seeds of every headline number of chapters 2, 4, 5 and 6.

Each application chapter draws its conclusions from one trained network. This
part retrains each story's networks with seeds ``0 .. 4`` (the shipped
recipe, only the seed changes), recomputes the chapter's headline quantities
for every retrained copy, exactly as the chapter computes them for its shipped
network, and writes them to ``data/results/seeds_<story>.npz`` through the
registry (``python -m xai4ess data regenerate results:seeds``, or one story
with ``python -m xai4ess.seeds horses``). The chapters only read the files:
:func:`table` gives one row per seed, :func:`spread` the median and the range.

Determinism: TensorFlow on the CPU with ``keras.utils.set_random_seed`` and
op determinism (as every ``train`` of :mod:`xai4ess.models` sets them), data
from the seeded generators; rerunning a seed on the same stack gives the same
numbers (checked to 1e-6 in ``tests/unit/test_seeds.py`` for the climate
network). Another CPU or TensorFlow build may change the last digits.

It composes models, data, explanations and the chapters' analyses (like
:mod:`xai4ess.widgets` and :mod:`xai4ess.exercises`) and draws nothing.

Examples
--------
>>> from xai4ess import seeds
>>> seeds.STORIES
('horses', 'convection', 'goes_mrms', 'climate')
>>> seeds.spread("climate").loc["lrp_snr_r", "n"]
5.0
"""

from __future__ import annotations

import json
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np

__all__ = ["STORIES", "SEEDS", "compute", "run", "write_shipped", "table", "spread"]

#: Seeds of the retrained copies; each story's shipped seed is among them.
SEEDS = (0, 1, 2, 3, 4)
RECIPE = "results:seeds"


def _filename(story: str) -> str:
    return f"results/seeds_{story}.npz"


def _check_story(story: str) -> None:
    if story not in STORIES:
        raise KeyError(f"unknown story {story!r}; the seed spreads exist for {list(STORIES)}")


# -- chapter 2: Clever Hans ----------------------------------------------------------
def _horses(seed: int) -> dict[str, float]:
    from . import data, evaluate, explain, features, models
    from ._env import tensorflow

    tf = tensorflow()
    _, test = data.load("horses")
    is_horse = test.y == 1
    horses = test[np.flatnonzero(is_horse)]
    tagged = horses[np.flatnonzero(horses.has_tag)]
    tag_box = tagged.tag_mask

    def variant(ds, tag=None, poles=None):
        return data.horses(
            seed=ds.attrs["seed"],
            index=ds.index,
            tag=ds.has_tag if tag is None else tag,
            poles=ds.has_pole if poles is None else poles,
        )

    def accuracy(model, ds):
        said = model(ds.x, training=False).numpy().argmax(axis=1) == 1
        return float(np.mean(said == (ds.y == 1)))

    def tag_share(net, method):
        r = explain(net, tagged.x, method=method, target=1)
        return float(np.nanmean(evaluate.relevance_share(r, tag_box)))

    def logit(net, x):
        return features.unit_activations(net, "logits", 1, x)

    model = models.train("horses", seed=seed)
    fixed = models.train("horses_fixed", seed=seed)
    tf.keras.utils.set_random_seed(seed)
    random_model = models.build("horses")
    swapped = variant(test, tag=~is_horse)
    regions = {"tag": horses.tag_mask, "poles": horses.pole_mask, "horse": horses.horse_mask}
    r_conf = explain(model, horses.x, method="lrp.alpha_1_beta_0", target=1)
    r_fixed = explain(fixed, horses.x, method="lrp.alpha_1_beta_0", target=1)
    sh_conf = evaluate.region_shares(r_conf, regions)[horses.has_tag]
    sh_fixed = evaluate.region_shares(r_fixed, regions)[horses.has_tag]

    def pole_amount(r):
        per_pixel = r.sum(axis=-1)[horses.has_pole]
        return float((per_pixel * horses.pole_mask[horses.has_pole]).sum(axis=(1, 2)).mean())

    share = tag_share(model, "lrp.alpha_1_beta_0")
    drop = logit(model, tagged.x) - logit(model, variant(tagged, tag=False).x)
    return {
        "accuracy": accuracy(model, test),
        "fixed_accuracy": accuracy(fixed, test),
        "tag_share": share,
        "tag_enrich": share / float(tag_box.mean()),
        "tag_ixg": tag_share(model, "input_t_gradient"),
        "tag_random": tag_share(random_model, "lrp.alpha_1_beta_0"),
        "tag_drop": float(np.mean(drop)),
        "conf_cf_acc": accuracy(model, swapped),
        "fixed_cf_acc": accuracy(fixed, swapped),
        "tag_fixed": float(sh_fixed["tag"].mean()),
        "pole_conf": float(sh_conf["poles"].mean()),
        "pole_fixed": float(sh_fixed["poles"].mean()),
        "pole_amount_fixed": pole_amount(r_fixed),
        "pole_amount_ratio": pole_amount(r_fixed) / pole_amount(r_conf),
    }


# -- chapter 4: convection -----------------------------------------------------------
def _convection(seed: int) -> dict[str, float]:
    from . import data, evaluate, explain, models

    _, test = data.load("convection")
    conv = test[np.flatnonzero(test.kind == 3)]
    trap = data.convection(200, seed=2024, only="bright_stratiform")
    developing = data.convection(200, seed=2025, only="texture_only")

    def called(model, x):
        return float(np.mean(model.predict(x, verbose=0).argmax(axis=1) == 1))

    def frozen(model, frame=2):
        return called(model, np.repeat(conv.x[..., frame : frame + 1], 5, axis=-1))

    def turret_share(model, method):
        r = explain(model, conv.x, method=method, target=1)
        # NaN for a scene without positive relevance; left out, as pandas' mean does
        return float(np.nanmean(evaluate.relevance_share(r, conv.texture_mask)))

    out = {}
    for key, name in (("bright", "convection"), ("tex", "convection_texture")):
        m = models.train(name, seed=seed)
        acc = np.mean(m.predict(test.x, verbose=0).argmax(axis=1) == test.y)
        out[f"accuracy_{key}"] = float(acc)
        out[f"turret_share_{key}"] = turret_share(m, "lrp.alpha_1_beta_0")
        out[f"turret_ixg_{key}"] = turret_share(m, "input_t_gradient")
        out[f"frozen_{key}"] = frozen(m)
        out[f"trap_{key}"] = called(m, trap.x)
        out[f"texture_only_{key}"] = called(m, developing.x)
    out["turret_area"] = float(conv.texture_mask.mean())
    out["turret_enrich_bright"] = out["turret_share_bright"] / out["turret_area"]
    return out


# -- chapter 5: GOES -> MRMS ---------------------------------------------------------
def _goes_mrms(seed: int) -> dict[str, float]:
    from . import analyses, data, evaluate, models

    train, test = data.load("goes_mrms")
    inputs = ((test.x - test.input_offset) / test.input_scale).astype(np.float32)
    model = models.train("goes_mrms", seed=seed)
    estimate = model.predict(inputs, batch_size=4, verbose=0)
    skill = evaluate.skill_scores(test.y, estimate)
    out = {
        "rmse": float(skill["RMSE (dBZ)"]),
        "correlation": float(skill["correlation"]),
        "csi35": float(skill["CSI@35 dBZ"]),
    }
    methods = ("lrp.alpha_1_beta_0", "gradient", "input_t_gradient")
    table = analyses.goes_mrms_strategies(model, test, methods=methods, estimate=estimate, n=40)
    # the last stage (every layer re-initialised), as in the chapter; one clone throughout
    random_model = list(evaluate.randomized_models(model, None, seed=seed))[-1][1]
    rand = analyses.goes_mrms_strategies(
        random_model, test, methods=("lrp.alpha_1_beta_0",), estimate=estimate, n=40
    )
    for kind in ("lightning", "cloud edge", "dense cloud"):
        k = kind.replace(" ", "_")
        for tag, t, method in (
            ("trained", table, "lrp.alpha_1_beta_0"),
            ("random", rand, "lrp.alpha_1_beta_0"),
            ("sal", table, "gradient"),
            ("ixg", table, "input_t_gradient"),
        ):
            out[f"own_{k}_{tag}"] = float(t.loc[(method, kind), "on " + kind])
        out[f"own_{k}_chance"] = float(table.loc[("lrp.alpha_1_beta_0", kind), "area " + kind])
    out["glm_trained"] = float(table.loc[("lrp.alpha_1_beta_0", "lightning"), "share GLM"])
    out["glm_random"] = float(rand.loc[("lrp.alpha_1_beta_0", "lightning"), "share GLM"])
    return out


# -- chapter 6: climate --------------------------------------------------------------
def _climate(seed: int) -> dict[str, float]:
    from scipy.stats import percentileofscore

    from . import data, evaluate, exercises, explain, models

    train, test = data.load("climate")
    late = test.y >= 2071
    model = models.train("climate", seed=seed)
    pred = model.predict(test.x, verbose=0).ravel()
    out = {"median_error": float(np.median(np.abs(pred - test.y)))}
    lrp_late = evaluate.composite(explain(model, test.x, method="lrp.z"), select=late)
    s = evaluate.truth_score(lrp_late, test.snr, lat=test.lat)
    out.update(lrp_snr_r=s["correlation"], lrp_snr_top=s["topk_overlap"])
    out["top_chance"] = s["topk_chance"]
    # the warming hole: mean percentile of its grid points in the late composites
    x_late = test.x[late]
    climatology = train.x.mean(axis=0, keepdims=True)
    hole = evaluate.box_mask(test.lat, test.lon, *exercises.WARMING_HOLE)
    lenses = {
        "lrp": explain(model, x_late, "lrp.z"),
        "grad": explain(model, x_late, "gradient"),
        "ig": explain(model, x_late, "integrated_gradients", reference_inputs=climatology),
    }
    for k, v in lenses.items():
        c = np.abs(evaluate.composite(v))
        out[f"hole_{k}"] = float(np.mean([percentileofscore(c.ravel(), h) for h in c[hole]]))
    # random weights (the chapter's baseline: the LRP-z composite of 30 late maps)
    random_model = models.build("climate", seed=100 + seed)
    c = evaluate.composite(explain(random_model, x_late[::2], method="lrp.z"))
    out["z_random_r"] = evaluate.truth_score(c, test.snr, lat=test.lat)["correlation"]
    for key, name in (("weak", "climate_ridge_weak"), ("strong", "climate_ridge_strong")):
        m = models.train(name, seed=seed)
        c = evaluate.composite(explain(m, x_late, method="lrp.z"))
        out[f"ridge_{key}_r"] = evaluate.truth_score(c, test.snr, lat=test.lat)["correlation"]
    out["ridge_standard_r"] = out["lrp_snr_r"]
    return out


_COMPUTE: dict[str, Callable[[int], dict[str, float]]] = {
    "horses": _horses,
    "convection": _convection,
    "goes_mrms": _goes_mrms,
    "climate": _climate,
}
#: The stories with a seed spread (chapters 2, 4, 5, 6), cheapest to most expensive to
#: retrain: those of :data:`_COMPUTE` (each a story of :mod:`xai4ess.stories`).
STORIES: tuple[str, ...] = tuple(_COMPUTE)


def compute(story: str, seed: int) -> dict[str, float]:
    """Retrain the story's networks with ``seed`` and return the chapter's headline numbers.

    Parameters
    ----------
    story : {"horses", "convection", "goes_mrms", "climate"}
        The chapter's story.
    seed : int
        Seed of the weights and of the shuffling (the data stay those of the recipe).

    Returns
    -------
    dict of str to float
        Quantity name -> value, as named in :func:`table`.

    Examples
    --------
    >>> compute("climate", seed=0)["lrp_snr_r"]  # retrains: not run  # doctest: +SKIP
    """
    _check_story(story)
    return _COMPUTE[story](int(seed))


def run(
    story: str, seeds: Sequence[int] = SEEDS, log: Callable[[str], None] = print
) -> dict[str, np.ndarray]:
    """Every seed of one story: ``values`` (seeds x quantities), ``seeds``, ``names``, ``meta``."""
    _check_story(story)
    rows, seconds = [], []
    for s in seeds:
        t0 = time.time()
        rows.append(compute(story, s))
        seconds.append(time.time() - t0)
        log(f"{story} seed {s}: {seconds[-1]:.0f} s " + json.dumps(rows[-1]))
    names = list(rows[0])
    meta = {"story": story, "seconds_per_seed": [round(t) for t in seconds]}
    return {
        "values": np.array([[r[n] for n in names] for r in rows], dtype=np.float64),
        "seeds": np.asarray(seeds, dtype=np.int64),
        "names": np.frombuffer(json.dumps(names).encode(), dtype=np.uint8),
        "meta": np.frombuffer(json.dumps(meta, sort_keys=True).encode(), dtype=np.uint8),
    }


def write_shipped(directory: Path, stories: Sequence[str] | None = None) -> None:
    """Run every story (or the given ones) and write ``results/seeds_<story>.npz``."""
    from . import registry

    for story in stories or STORIES:
        registry.write_npz(
            Path(directory),
            _filename(story),
            run(story),
            recipe=RECIPE,
            description=f"Headline numbers of the {story} chapter for networks retrained "
            f"with seeds {list(SEEDS)} (xai4ess.seeds)",
        )


def table(story: str, directory: Path | None = None):
    """The shipped results of one story: a DataFrame, one row per seed, one column per quantity.

    Raises
    ------
    DataFileError
        If ``data/results/seeds_<story>.npz`` is missing or changed; the message
        names the command that regenerates it.
    """
    import pandas as pd

    from . import registry

    _check_story(story)
    res = registry.load_npz(_filename(story), directory)
    names = json.loads(res["names"].tobytes().decode())
    return pd.DataFrame(res["values"], columns=names, index=pd.Index(res["seeds"], name="seed"))


def spread(story: str, directory: Path | None = None):
    """Median, minimum, maximum and number of seeds of every quantity of one story.

    A quantity that is undefined for a seed (NaN, e.g. the correlation of an all-zero
    relevance composite) is left out of its median and range; ``n`` counts the seeds
    where it is defined.

    Examples
    --------
    >>> s = spread("climate")
    >>> bool((s["min"] <= s["median"]).all() and (s["median"] <= s["max"]).all())
    True
    """
    import pandas as pd

    t = table(story, directory)
    return pd.DataFrame(
        {"median": t.median(), "min": t.min(), "max": t.max(), "n": t.count().astype(float)}
    ).rename_axis("quantity")


if __name__ == "__main__":  # python -m xai4ess.seeds [story ...]
    from . import registry

    write_shipped(registry.data_dir(), sys.argv[1:] or None)
