"""Randomisation: does the explanation depend on what the model learned?

Model-parameter randomisation (Adebayo et al. 2018, "Sanity checks for saliency maps",
NeurIPS): replace the weights block by block, from the output layer down, by random
values, and compare each explanation with the one of the trained model. A method that
passes shows similarity falling towards the chance level; a method whose maps stay
similar explains the input or the architecture, not the learned function.

One engine, :func:`randomized_models`, yields the randomised stages; two front ends:

* :func:`randomization_test` - the chapters' table: several methods through
  :func:`xai4ess.explain`, blocks of layers, mean similarity per stage; its floor is
  :func:`chance_similarity` (maps of *different* samples compared with each other);
* :func:`cascading_randomisation` - per-sample similarities for one explain callable (the
  benchmark), with :func:`permutation_similarity` (each map against a permutation of
  its own values) as chance level.

The similarity itself is :func:`xai4ess.evaluate.similarity`.

Examples
--------
>>> import numpy as np
>>> rng = np.random.default_rng(0)
>>> a = rng.standard_normal((3, 50))
>>> similarity(a, a).tolist()
[1.0, 1.0, 1.0]
>>> abs(float(permutation_similarity(a, n_draws=200).mean())) < 0.05
True
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from typing import Any

import numpy as np

from ..errors import TargetError
from ._common import channel_sum, flat
from .similarity import similarity

__all__ = [
    "randomization_blocks",
    "randomized_models",
    "randomization_test",
    "chance_similarity",
    "cascading_randomisation",
    "permutation_similarity",
]


def permutation_similarity(R, kind: str = "spearman_abs", n_draws: int = 20, seed: int = 0):
    """Similarity of each map with a random permutation of its own values: a chance
    level (expected 0 for all three kinds, spread about ``1 / sqrt(features)``).

    Compare :func:`chance_similarity`, which pairs maps of different samples and so keeps
    what every map of a method shares (a centre bias, the layout of the scenes).

    Returns
    -------
    ndarray
        ``(n_draws, N)``.
    """
    x = flat(R, "R")
    rng = np.random.default_rng(seed)
    return np.stack([similarity(x, rng.permuted(x, axis=1), kind) for _ in range(n_draws)])


def _weighted_layers(model) -> list[str]:
    return [layer.name for layer in model.layers if layer.weights]


def randomization_blocks(
    model, blocks: int | Sequence[str | Sequence[str]] | None = None
) -> list[list[str]]:
    """The blocks of layers that :func:`randomization_test` randomises, top block first.

    Parameters
    ----------
    model : keras.Model
    blocks : None, int or sequence
        ``None``: every layer with weights is its own block, from the output
        down. ``int n``: the layers with weights, from the top, split into
        ``n`` contiguous groups. A sequence: each item a layer name or a list
        of names, in the order they are randomised.

    Returns
    -------
    list of list of str

    Examples
    --------
    >>> randomization_blocks(model, 2)  # doctest: +SKIP
    [['logits', 'dense'], ['conv2', 'conv1']]
    """
    top_down = _weighted_layers(model)[::-1]
    if not top_down:
        raise ValueError(f"model {model.name!r} has no layer with weights to randomise")
    if blocks is None:
        return [[name] for name in top_down]
    if isinstance(blocks, (int, np.integer)):
        n = int(blocks)
        if not 1 <= n <= len(top_down):
            raise ValueError(f"blocks must be between 1 and {len(top_down)} (layers with weights)")
        return [
            list(map(str, part)) for part in np.array_split(np.array(top_down, dtype=object), n)
        ]
    out = []
    names = {layer.name for layer in model.layers}
    for item in blocks:
        group = [item] if isinstance(item, str) else list(item)
        for name in group:
            if name not in names:
                raise TargetError(
                    f"block layer {name!r} is not in model {model.name!r}; layers with weights "
                    f"(top down): {', '.join(top_down)}"
                )
        out.append(group)
    if not out:
        raise ValueError("blocks is empty")
    return out


def _random_weights(layer, rng: np.random.Generator, draw: str = "initialiser") -> list[np.ndarray]:
    """Fresh weights for one layer.

    ``draw="initialiser"``: from the layer's own initialisers when it has them;
    ``draw="gaussian"``: ``N(0, sd)`` with the standard deviation of each trained array
    (``1e-3`` if that is 0).
    """
    if draw == "gaussian":
        return [
            rng.normal(0.0, float(np.std(w)) or 1e-3, size=w.shape).astype(w.dtype)
            for w in layer.get_weights()
        ]
    if draw != "initialiser":
        raise ValueError(f"draw must be 'initialiser' or 'gaussian', got {draw!r}")
    from .._env import tensorflow

    keras = tensorflow().keras
    new = []
    for var in layer.weights:
        short = var.name.split("/")[-1].split(":")[0]
        init = getattr(layer, f"{short}_initializer", None)
        shape = tuple(var.shape)
        if isinstance(init, keras.initializers.Initializer):
            config = init.get_config()
            if "seed" in config:
                config["seed"] = int(rng.integers(0, 2**31 - 1))
            value = np.asarray(type(init).from_config(config)(shape, dtype="float32"))
            if short == "bias" and not np.any(value):
                # zero-initialised biases would erase the bias; draw them like the trained ones
                old = var.numpy()
                value = rng.normal(0.0, float(old.std()) or 0.0, size=shape).astype(np.float32)
        else:
            old = var.numpy()
            value = rng.normal(float(old.mean()), float(old.std()), size=shape).astype(np.float32)
        new.append(value)
    return new


def randomized_models(
    model,
    blocks: int | Sequence[str | Sequence[str]] | None = None,
    *,
    seed: int = 0,
    cascading: bool = True,
    copy: bool = True,
    draw: str = "initialiser",
) -> Iterator[tuple[str, Any]]:
    """Yield ``(label, model)``: first the trained weights, then one stage per block.

    With ``copy=True`` one clone of ``model`` (``keras.models.clone_model`` +
    ``set_weights``) is made and its weights changed between stages; ``model``
    itself is never modified. With ``copy=False`` the random weights are set
    on ``model`` itself and its trained weights are restored when the
    generator finishes or is closed (also after an error): faster, because
    analyzers that :func:`xai4ess.explain` has cached for ``model`` are reused.
    Either way, use each yielded model before asking for the next.

    With ``cascading=True`` (Adebayo et al.'s cascading test) stage ``k`` has
    blocks ``1..k`` randomised; otherwise only block ``k`` (the independent test).

    ``draw`` chooses the random weights, see :func:`_random_weights`: the layers' own
    initialisers (default) or Gaussian values with the trained arrays' spread.

    Labels: ``"trained"``, then the names of each block's layers joined by ``+``.
    """
    groups = randomization_blocks(model, blocks)
    original = [w.copy() for w in model.get_weights()]
    if copy:
        from .._env import tensorflow

        net = tensorflow().keras.models.clone_model(model)
        net.set_weights(original)
    else:
        net = model
    rng = np.random.default_rng(seed)
    fresh = {}
    for group in groups:
        for name in group:
            if name not in fresh:
                fresh[name] = _random_weights(model.get_layer(name), rng, draw)
    try:
        yield "trained", net
        for group in groups:
            if not cascading:
                net.set_weights(original)
            for name in group:
                net.get_layer(name).set_weights(fresh[name])
            yield "+".join(group), net
    finally:
        if not copy:
            model.set_weights(original)


def _prepare(R, n_spatial: int, absolute: bool) -> np.ndarray:
    R = channel_sum(R, n_spatial + 1)
    return np.abs(R) if absolute else R


def _mean_similarity(ref: np.ndarray, maps: np.ndarray, kind: str) -> float:
    """Mean over samples of :func:`similarity` (a constant randomised map counts as 0;
    samples whose reference map is constant are left out, NaN if all are)."""
    if kind not in ("spearman", "pearson"):
        raise ValueError(f"kind must be 'spearman' or 'pearson', got {kind!r}")
    sims = similarity(ref, maps, kind, constant=0.0)
    return float(np.nanmean(sims)) if np.any(np.isfinite(sims)) else np.nan


def randomization_test(
    model,
    x: np.ndarray,
    methods: Sequence[str],
    blocks: int | Sequence[str | Sequence[str]] | None = None,
    *,
    seed: int = 0,
    kind: str = "spearman",
    absolute: bool = True,
    cascading: bool = True,
    target: Any = None,
    options: dict[str, dict] | None = None,
    return_maps: bool = False,
    copy: bool = True,
    explain: Callable | None = None,
):
    """Model-parameter randomisation test (Adebayo et al. 2018).

    The weights of ``model`` (a clone of it) are re-initialised from the top
    block down (cascading), and after each block every method's maps for
    ``x`` are compared with the maps of the trained model.

    Parameters
    ----------
    model : keras.Model
        The trained model (left unchanged).
    x : ndarray
        A few samples ``(N, ...)``; a handful is enough.
    methods : sequence of str
        Names for :func:`xai4ess.explain`.
    blocks : None, int or sequence
        See :func:`randomization_blocks`; e.g. ``3`` for three groups of layers.
    seed : int
        Seed of the random weights.
    kind : {"spearman", "pearson"}
        Rank (Spearman) or linear (Pearson) correlation between the flattened
        trained and randomised maps of each sample (channels summed first), see
        :func:`xai4ess.evaluate.similarity`.
    absolute : bool
        Compare ``|maps|`` (Adebayo et al.'s main choice) instead of signed maps.
    cascading : bool
        Cascading (default) or independent (one block at a time) randomisation.
    target : None or int
        The output explained. ``None``: the class the *trained* model predicts
        for each sample, kept fixed for every randomised model.
    options : dict, optional
        ``{method: {option: value}}`` for :func:`xai4ess.explain`.
    return_maps : bool
        Also return every map: ``{stage label: {method: maps}}``.
    copy : bool
        Randomise a clone (default). ``False`` randomises ``model`` itself and
        restores its trained weights afterwards (also after an error); this
        reuses the analyzers already built for ``model`` and is much faster.
    explain : callable, optional
        Replacement for :func:`xai4ess.explain` (tests).

    Returns
    -------
    pandas.DataFrame or (DataFrame, dict)
        Rows: methods; columns: the stages (labelled by the block randomised at
        that stage, cascading from left to right); values: mean similarity over
        the samples. 1 = the maps did not change at all; about 0 = nothing of
        the trained map is left. A randomised map that is constant (e.g. all
        zero) counts as similarity 0; samples whose trained map is constant are
        left out (NaN if all are).

    Examples
    --------
    >>> table = randomization_test(model, x[:4], ["gradient", "lrp.epsilon"], blocks=3)  # doctest: +SKIP
    """
    import pandas as pd

    if explain is None:
        from .. import explain
    options = options or {}
    methods = list(methods)
    if not methods:
        raise ValueError("methods is empty")
    x = np.asarray(x, dtype=np.float32)
    if x.ndim == len(model.input_shape) - 1:
        x = x[None]
    if target is None:
        # softmax keeps the order of the scores, so the model's own output gives the class
        scores = np.asarray(model(x, training=False))
        if scores.ndim != 2:
            raise TargetError("for an image-output model pass target= explicitly")
        target = np.argmax(scores, axis=1).astype(np.int32) if scores.shape[1] > 1 else 0
    n_spatial = x.ndim - 2  # spatial axes of the input (H, W) for images

    def run(net) -> dict[str, np.ndarray]:
        return {m: explain(net, x, method=m, target=target, **options.get(m, {})) for m in methods}

    stages = randomized_models(model, blocks, seed=seed, cascading=cascading, copy=copy)
    try:
        table, maps = _run_stages(stages, run, lambda v: _prepare(v, n_spatial, absolute), kind)
    finally:
        stages.close()  # restores the trained weights when copy=False
    df = pd.DataFrame(table).loc[methods]
    df.index.name = "method"
    df.columns.name = "randomised (cascading)" if cascading else "randomised (independent)"
    return (df, maps) if return_maps else df


def _run_stages(stages, run: Callable, prepare: Callable, kind: str) -> tuple[dict, dict]:
    """``{stage: {method: mean similarity}}`` and ``{stage: {method: maps}}`` of every stage."""
    reference: dict[str, np.ndarray] = {}
    table: dict[str, dict[str, float]] = {}
    maps: dict[str, dict[str, np.ndarray]] = {}
    for label, net in stages:
        stage = run(net)
        maps[label] = {m: np.asarray(v).copy() for m, v in stage.items()}
        if label == "trained":
            reference = {m: prepare(v) for m, v in stage.items()}
            continue
        table[label] = {
            m: _mean_similarity(reference[m], prepare(v), kind) for m, v in stage.items()
        }
    return table, maps


def chance_similarity(R: np.ndarray, *, kind: str = "spearman", absolute: bool = True) -> float:
    """The similarity of two *unrelated* maps: the floor of the randomisation table.

    Pairs the map of sample ``i`` with the map of sample ``i + 1`` (cyclically)
    and averages their similarity, computed exactly as in
    :func:`randomization_test`. Maps of different inputs share whatever every
    map of the method shares (a centre bias, the image border, the typical
    layout of the scenes); a randomised model whose maps are only this similar
    to the trained ones has kept nothing specific to the input. Use trained
    maps of at least two samples.

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> maps = rng.random((6, 8, 8, 1))
    >>> abs(chance_similarity(maps)) < 0.3       # independent noise: about 0
    True
    >>> g = np.exp(-((np.arange(8) - 3.5) ** 2) / 8)
    >>> blob = np.outer(g, g)
    >>> chance_similarity(blob[None, ..., None] + 0.01 * maps) > 0.9  # a shared layout
    True
    """
    r = np.asarray(R, dtype=np.float64)
    if r.ndim < 3 or len(r) < 2:
        raise ValueError(f"need the maps R of at least two samples (N, H, W[, C]); got {r.shape}")
    r = _prepare(r, 2, absolute)
    return _mean_similarity(r, np.roll(r, -1, axis=0), kind)


def cascading_randomisation(
    model,
    x,
    explain_fn: Callable | None = None,
    method: str = "gradient",
    kind: str = "spearman_abs",
    seed: int = 0,
) -> dict:
    """Explanations of ``model`` while its layers are randomised from the top down.

    Source: Adebayo et al. (2018), cascading model-parameter randomisation. Each weight
    array of a layer is replaced by Gaussian values with the standard deviation of the
    trained array (``1e-3`` if that is 0), cumulatively from the last weighted layer to
    the first (:func:`randomized_models` with ``draw="gaussian"``, one layer a block).
    The model's weights are restored afterwards.

    Parameters
    ----------
    model : keras.Model
        Any model with ``layers``, ``get_layer``, ``get_weights`` and ``set_weights``.
    x : ndarray
        Inputs to explain.
    explain_fn : callable, optional
        ``explain_fn(model, x) -> maps``; default ``xai4ess.explain(model, x, method)``.
    method : str
        Method for the default ``explain_fn``.
    kind : str
        Similarity measure, see :func:`xai4ess.evaluate.similarity`.
    seed : int
        Seed of the random weights.

    Returns
    -------
    dict
        ``layers`` (names, top first), ``similarity`` ``(layers, N)``, ``chance``
        ``(20, N)`` (:func:`permutation_similarity` of the trained maps), ``kind``.
    """
    if explain_fn is None:
        from .. import explain

        def explain_fn(m, b):
            return explain(m, b, method)

    sims, names = [], []
    stages = randomized_models(model, None, seed=seed, copy=False, draw="gaussian")
    try:
        _, trained = next(stages)
        r0 = explain_fn(trained, x)
        for label, net in stages:
            sims.append(similarity(r0, explain_fn(net, x), kind))
            names.append(label)
    finally:
        stages.close()  # restores the trained weights
    return {
        "layers": names,
        "similarity": np.stack(sims),
        "chance": permutation_similarity(r0, kind),
        "kind": kind,
    }
