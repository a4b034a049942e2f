"""Sanity checks for attribution methods.

Two kinds of check:

* **Does the method depend on the model?** :func:`randomization_test` is the
  cascading model-parameter randomisation test of Adebayo et al. (2018): the
  weights are re-initialised from the top layer down, block by block, and the
  heatmaps of the damaged model are compared with those of the trained one. A
  method whose maps barely change when the network has been scrambled is not
  explaining the network.
* **Does the implementation do what the formula says?** :func:`lrp_step` and
  :func:`lrp_dense` are plain-numpy LRP (z, epsilon and alpha-beta rules) for
  dense ReLU networks, written to be read next to the formulas. The heatmap-zoo
  chapter checks :func:`xai4ess.explain` against them.

Examples
--------
>>> import numpy as np
>>> a = np.array([1.0, 2.0])              # activations of the lower layer
>>> w = np.array([[1.0], [-0.5]])         # weights to one upper neuron
>>> lrp_step(a, w, np.array([1.0]), rule="alpha_beta", alpha=2, beta=1)
array([ 2., -1.])
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from typing import Any

import numpy as np

from .errors import TargetError

__all__ = [
    "lrp_step",
    "lrp_dense",
    "dense_network",
    "dense_layers",
    "randomization_blocks",
    "randomized_models",
    "randomization_test",
    "chance_similarity",
    "preactivation_std",
]


# --------------------------------------------------------------------------- numpy LRP


def _safe_divide(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """``a / b`` with 0 where ``b == 0`` (iNNvestigate's convention)."""
    b = np.asarray(b, dtype=np.float64)
    return np.where(b == 0, 0.0, np.asarray(a, dtype=np.float64) / np.where(b == 0, 1.0, b))


def lrp_step(
    a: np.ndarray,
    w: np.ndarray,
    r: np.ndarray,
    *,
    rule: str = "alpha_beta",
    alpha: float = 1.0,
    beta: float = 0.0,
    epsilon: float = 1e-7,
    bias: np.ndarray | None = None,
    convention: str = "innvestigate",
) -> np.ndarray:
    r"""One LRP step through a dense layer: relevance of the upper neurons -> lower neurons.

    With contributions :math:`z_{ij} = a_i w_{ij}` and :math:`z_j = \sum_i z_{ij} + b_j`:

    * ``rule="z"`` (LRP-0): :math:`R_i = \sum_j \frac{z_{ij}}{z_j} R_j`
    * ``rule="epsilon"``: :math:`R_i = \sum_j \frac{z_{ij}}{z_j + \epsilon\,\mathrm{sign}(z_j)} R_j`
      (sign(0) = +1)
    * ``rule="alpha_beta"``, ``convention="innvestigate"`` (also zennit; alpha - beta = 1):
      :math:`R_i = \sum_j \left(\alpha \frac{z^+_{ij}}{z^+_j} - \beta \frac{z^-_{ij}}{z^-_j}\right) R_j`
    * ``rule="alpha_beta"``, ``convention="bach"`` (Bach et al. 2015, Eq. 60;
      alpha + beta = 1, so beta <= 0 for alpha >= 1):
      :math:`R_i = \sum_j \left(\alpha \frac{z^+_{ij}}{z^+_j} + \beta \frac{z^-_{ij}}{z^-_j}\right) R_j`

    :math:`z^+_{ij}` and :math:`z^-_{ij}` are the positive and negative parts
    of :math:`z_{ij}` (so :math:`z^-_{ij} \le 0`) and :math:`z^\pm_j` their sums
    over :math:`i`. Both alpha-beta conventions give the same numbers when
    ``beta_bach = -beta_innvestigate``. A zero denominator passes no relevance.

    Biases (``bias``): the z and epsilon rules add :math:`b_j` to :math:`z_j`.
    In the alpha-beta rule Bach et al. add :math:`b_j^+` to :math:`z_j^+` and
    :math:`b_j^-` to :math:`z_j^-`; iNNvestigate 2.1 adds the whole
    :math:`b_j` to both denominators. Each convention reproduces its source.

    Parameters
    ----------
    a : ndarray
        Activations of the lower layer, shape ``(n_in,)``.
    w : ndarray
        Weights ``(n_in, n_out)`` (Keras layout).
    r : ndarray
        Relevance of the upper layer, shape ``(n_out,)``.
    rule : {"z", "epsilon", "alpha_beta"}
    alpha, beta : float
        Alpha-beta weights in the chosen ``convention``.
    epsilon : float
        Stabiliser of the epsilon rule.
    bias : ndarray, optional
        Biases ``(n_out,)``; None means a bias-free layer.
    convention : {"innvestigate", "bach"}
        Sign convention of ``beta`` (only for ``rule="alpha_beta"``).

    Returns
    -------
    ndarray
        Relevance of the lower neurons, shape ``(n_in,)``.

    Examples
    --------
    >>> a, w, r = np.array([1.0, 2.0]), np.array([[1.0], [-0.5]]), np.array([1.0])
    >>> lrp_step(a, w, r, rule="alpha_beta", alpha=2, beta=-1, convention="bach")
    array([ 2., -1.])
    """
    a = np.asarray(a, dtype=np.float64)
    w = np.asarray(w, dtype=np.float64)
    r = np.asarray(r, dtype=np.float64)
    if w.ndim != 2 or a.shape != (w.shape[0],) or r.shape != (w.shape[1],):
        raise ValueError(
            f"shapes do not fit: a {a.shape}, w {w.shape}, r {r.shape}; expected a (n_in,), "
            "w (n_in, n_out), r (n_out,)"
        )
    b = np.zeros(w.shape[1]) if bias is None else np.asarray(bias, dtype=np.float64)
    z = a[:, None] * w  # z_ij
    if rule in ("z", "epsilon"):
        zj = z.sum(axis=0) + b
        if rule == "epsilon":
            zj = zj + epsilon * np.where(zj >= 0, 1.0, -1.0)
        return _safe_divide(z, zj) @ r
    if rule != "alpha_beta":
        raise ValueError(f"rule must be 'z', 'epsilon' or 'alpha_beta', got {rule!r}")
    zp, zn = np.clip(z, 0, None), np.clip(z, None, 0)
    if convention == "innvestigate":
        if not np.isclose(alpha - beta, 1.0):
            raise ValueError(
                f"the iNNvestigate convention needs alpha - beta = 1, got {alpha}, {beta}"
            )
        dp, dn = zp.sum(axis=0) + b, zn.sum(axis=0) + b
        sign = -1.0
    elif convention == "bach":
        if not np.isclose(alpha + beta, 1.0):
            raise ValueError(
                f"the Bach et al. convention needs alpha + beta = 1, got {alpha}, {beta}"
            )
        dp, dn = zp.sum(axis=0) + np.clip(b, 0, None), zn.sum(axis=0) + np.clip(b, None, 0)
        sign = 1.0
    else:
        raise ValueError(f"convention must be 'innvestigate' or 'bach', got {convention!r}")
    return (alpha * _safe_divide(zp, dp) + sign * beta * _safe_divide(zn, dn)) @ r


def dense_network(
    weights: Sequence[np.ndarray | tuple[np.ndarray, np.ndarray | None]],
    *,
    softmax: bool = False,
    name: str = "tiny",
):
    """A Keras network of Dense layers with the given weights (ReLU inside, linear output).

    Parameters
    ----------
    weights : sequence
        One entry per layer: a kernel ``(n_in, n_out)`` (a bias-free layer) or
        a pair ``(kernel, bias)``.
    softmax : bool
        Append a separate ``Activation("softmax")`` layer (a classifier).
    name : str
        Model name. Layers are named ``hidden1``, ``hidden2``, ... and ``output``.

    Returns
    -------
    keras.Model

    Examples
    --------
    >>> net = dense_network([np.ones((3, 2)), np.ones((2, 1))])  # doctest: +SKIP
    >>> float(net(np.ones((1, 3), "float32"))[0, 0])  # doctest: +SKIP
    6.0
    """
    from ._env import tensorflow

    keras = tensorflow().keras
    layers = [(w, None) if not isinstance(w, (tuple, list)) else tuple(w) for w in weights]
    if not layers:
        raise ValueError("weights is empty")
    kernels = [np.asarray(k, dtype=np.float32) for k, _ in layers]
    for k, (prev, cur) in enumerate(zip(kernels, kernels[1:])):
        if prev.ndim != 2 or cur.ndim != 2 or prev.shape[1] != cur.shape[0]:
            raise ValueError(f"kernel {k} {prev.shape} does not feed kernel {k + 1} {cur.shape}")
    inp = keras.Input((kernels[0].shape[0],), name="x")
    h = inp
    for k, (kernel, (_, bias)) in enumerate(zip(kernels, layers)):
        last = k == len(layers) - 1
        dense = keras.layers.Dense(
            kernel.shape[1],
            activation=None if last else "relu",
            use_bias=bias is not None,
            name="output" if last else f"hidden{k + 1}",
        )
        h = dense(h)
        values = [kernel] if bias is None else [kernel, np.asarray(bias, dtype=np.float32)]
        dense.set_weights(values)
    if softmax:
        h = keras.layers.Activation("softmax", name="softmax")(h)
    return keras.Model(inp, h, name=name)


def dense_layers(model) -> list[tuple[np.ndarray, np.ndarray | None, str]]:
    """The ``(kernel, bias or None, activation name)`` of every Dense layer of a model.

    Only for plain stacks of Dense layers (Input, Dense, a final softmax
    Activation); anything else raises ``ValueError``.
    """
    from ._env import tensorflow

    keras = tensorflow().keras
    out = []
    for layer in model.layers:
        if isinstance(layer, keras.layers.InputLayer):
            continue
        if isinstance(layer, keras.layers.Activation) and layer is model.layers[-1]:
            continue
        if not isinstance(layer, keras.layers.Dense):
            raise ValueError(f"lrp_dense handles Dense stacks only; found {type(layer).__name__}")
        weights = layer.get_weights()
        act = layer.activation.__name__
        if act not in ("relu", "linear"):
            raise ValueError(f"layer {layer.name!r}: activation {act!r} is not relu/linear")
        out.append((weights[0], weights[1] if layer.use_bias else None, act))
    return out


def lrp_dense(
    layers: Sequence[tuple[np.ndarray, np.ndarray | None, str]] | Any,
    x: np.ndarray,
    target: int | None = None,
    **rule_options,
) -> np.ndarray:
    """LRP of a dense ReLU network in plain numpy, one sample at a time.

    Parameters
    ----------
    layers : list of (kernel, bias or None, activation) or keras.Model
        The network (a Keras model is read with :func:`dense_layers`).
    x : ndarray
        One sample ``(n_in,)`` or a batch ``(N, n_in)``.
    target : int, optional
        The output unit whose score is explained (default: the largest score).
    **rule_options
        Passed to :func:`lrp_step` (``rule``, ``alpha``, ``beta``, ``epsilon``,
        ``convention``). The same rule is used in every layer.

    Returns
    -------
    ndarray
        Relevance with the shape of ``x``.
    """
    if not isinstance(layers, (list, tuple)):
        layers = dense_layers(layers)
    x = np.asarray(x, dtype=np.float64)
    if x.ndim == 2:
        return np.stack([lrp_dense(layers, xi, target, **rule_options) for xi in x])
    acts = [x]
    for w, b, act in layers:
        z = acts[-1] @ w + (0 if b is None else b)
        acts.append(np.maximum(z, 0) if act == "relu" else z)
    out = acts[-1]
    t = int(np.argmax(out)) if target is None else int(target)
    if not 0 <= t < out.size:
        raise TargetError(f"target {t} is outside the {out.size} outputs")
    r = np.zeros_like(out)
    r[t] = out[t]
    for (w, b, _), a in zip(layers[::-1], acts[-2::-1]):
        r = lrp_step(a, w, r, bias=b, **rule_options)
    return r


# --------------------------------------------------------------------------- randomisation


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


def _random_weights(layer, rng: np.random.Generator) -> list[np.ndarray]:
    """Fresh weights for one layer, drawn from the layer's own initialisers when it has them."""
    from ._env import tensorflow

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

    Labels: ``"trained"``, then the names of each block's layers joined by ``+``.
    """
    groups = randomization_blocks(model, blocks)
    original = [w.copy() for w in model.get_weights()]
    if copy:
        from ._env import tensorflow

        net = tensorflow().keras.models.clone_model(model)
        net.set_weights(original)
    else:
        net = model
    rng = np.random.default_rng(seed)
    fresh = {}
    for group in groups:
        for name in group:
            if name not in fresh:
                fresh[name] = _random_weights(model.get_layer(name), rng)
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


def _similarity(a: np.ndarray, b: np.ndarray, kind: str) -> float:
    a, b = np.ravel(a).astype(np.float64), np.ravel(b).astype(np.float64)
    if np.ptp(a) == 0:  # the trained map is constant: nothing to compare with
        return np.nan
    if np.ptp(b) == 0:  # the randomised map is constant (e.g. all zero): nothing of `a` is left
        return 0.0
    if kind == "spearman":
        from scipy.stats import rankdata

        a, b = rankdata(a), rankdata(b)
    elif kind != "pearson":
        raise ValueError(f"similarity must be 'spearman' or 'pearson', got {kind!r}")
    return float(np.corrcoef(a, b)[0, 1])


def _prepare(r: np.ndarray, n_spatial: int, absolute: bool) -> np.ndarray:
    r = np.asarray(r, dtype=np.float64)
    while r.ndim > n_spatial + 1:
        r = r.sum(axis=-1)
    return np.abs(r) if absolute else r


def randomization_test(
    model,
    x: np.ndarray,
    methods: Sequence[str],
    blocks: int | Sequence[str | Sequence[str]] | None = None,
    *,
    seed: int = 0,
    similarity: str = "spearman",
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
    similarity : {"spearman", "pearson"}
        Rank (Spearman) or linear (Pearson) correlation between the flattened
        trained and randomised maps of each sample (channels summed first).
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
        from .attribution import explain
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
    maps: dict[str, dict[str, np.ndarray]] = {}
    table: dict[str, dict[str, float]] = {}
    stages = randomized_models(model, blocks, seed=seed, cascading=cascading, copy=copy)
    try:
        _run_stages(
            stages,
            x,
            methods,
            target,
            options,
            explain,
            return_maps,
            n_spatial,
            absolute,
            similarity,
            maps,
            table,
        )
    finally:
        stages.close()  # restores the trained weights when copy=False
    df = pd.DataFrame(table).loc[methods]
    df.index.name = "method"
    df.columns.name = "randomised (cascading)" if cascading else "randomised (independent)"
    return (df, maps) if return_maps else df


def _run_stages(
    stages,
    x,
    methods,
    target,
    options,
    explain,
    return_maps,
    n_spatial,
    absolute,
    similarity,
    maps,
    table,
) -> None:
    reference: dict[str, np.ndarray] = {}
    for label, net in stages:
        stage = {m: explain(net, x, method=m, target=target, **options.get(m, {})) for m in methods}
        if return_maps:
            maps[label] = {m: np.asarray(v).copy() for m, v in stage.items()}
        if label == "trained":
            reference = {m: _prepare(v, n_spatial, absolute) for m, v in stage.items()}
            continue
        column = {}
        for m, v in stage.items():
            v = _prepare(v, n_spatial, absolute)
            sims = [_similarity(reference[m][i], v[i], similarity) for i in range(len(x))]
            column[m] = float(np.nanmean(sims)) if np.any(np.isfinite(sims)) else np.nan
        table[label] = column


def chance_similarity(
    maps: np.ndarray, *, similarity: str = "spearman", absolute: bool = True
) -> float:
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
    r = np.asarray(maps, dtype=np.float64)
    if r.ndim < 3 or len(r) < 2:
        raise ValueError(f"need the maps of at least two samples (N, H, W[, C]); got {r.shape}")
    n_spatial = 2 if r.ndim >= 3 else r.ndim - 1
    r = _prepare(r, n_spatial, absolute)
    sims = [_similarity(r[i], r[(i + 1) % len(r)], similarity) for i in range(len(r))]
    return float(np.nanmean(sims))


def preactivation_std(model, x: np.ndarray) -> dict[str, float]:
    """Standard deviation of the pre-activations ``z_j`` of every dense/convolutional layer.

    The ε of LRP-ε is added to ``z_j``; it only absorbs relevance when it is
    comparable to the typical size of ``z_j``. Montavon et al. (2019) suggest
    about 0.25 of this standard deviation. Layers whose activation is built in
    (``activation="relu"``) are evaluated without it.

    Examples
    --------
    >>> preactivation_std(model, x[:32])  # doctest: +SKIP
    {'hidden': 2.44, 'year': 9.21}
    """
    from ._env import tensorflow

    tf = tensorflow()
    x = np.asarray(x, dtype=np.float32)
    out: dict[str, float] = {}
    for layer in model.layers:
        kernel = getattr(layer, "kernel", None)
        if kernel is None or not hasattr(layer, "activation"):
            continue
        below = tf.keras.Model(model.inputs, layer.input).predict(x, verbose=0)
        activation = layer.activation
        try:
            layer.activation = tf.keras.activations.linear
            z = np.asarray(layer(below))
        finally:
            layer.activation = activation
        out[layer.name] = float(z.std())
    return out
