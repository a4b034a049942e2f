"""Independent references that check ``explain``: LRP written in plain numpy.

:func:`lrp_step` and :func:`lrp_dense` are plain-numpy LRP (z, epsilon and alpha-beta
rules) for dense ReLU networks, written to be read next to the formulas;
:func:`dense_network` builds the Keras twin of such a network and :func:`dense_layers`
reads one back. The heatmap-zoo chapter and the tests check :func:`xai4ess.explain`
against them. :func:`preactivation_std` measures the scale of the pre-activations
``z_j`` that the epsilon of LRP-epsilon is compared with.

Examples
--------
>>> import numpy as np
>>> a = np.array([1.0, 2.0])              # activations of the lower layer
>>> w = np.array([[1.0], [-0.5]])         # weights to one upper neuron
>>> lrp_step(a, w, np.array([1.0]), rule="alpha_beta", alpha=2, beta=1)
array([ 2., -1.])
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from ..errors import TargetError

__all__ = [
    "lrp_step",
    "lrp_dense",
    "dense_network",
    "dense_layers",
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
    R: np.ndarray,
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
    R : ndarray
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
    >>> a, w, R = np.array([1.0, 2.0]), np.array([[1.0], [-0.5]]), np.array([1.0])
    >>> lrp_step(a, w, R, rule="alpha_beta", alpha=2, beta=-1, convention="bach")
    array([ 2., -1.])
    """
    a = np.asarray(a, dtype=np.float64)
    w = np.asarray(w, dtype=np.float64)
    R = np.asarray(R, dtype=np.float64)
    if w.ndim != 2 or a.shape != (w.shape[0],) or R.shape != (w.shape[1],):
        raise ValueError(
            f"shapes do not fit: a {a.shape}, w {w.shape}, R {R.shape}; expected a (n_in,), "
            "w (n_in, n_out), R (n_out,)"
        )
    b = np.zeros(w.shape[1]) if bias is None else np.asarray(bias, dtype=np.float64)
    z = a[:, None] * w  # z_ij
    if rule in ("z", "epsilon"):
        zj = z.sum(axis=0) + b
        if rule == "epsilon":
            zj = zj + epsilon * np.where(zj >= 0, 1.0, -1.0)
        return _safe_divide(z, zj) @ R
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
    return (alpha * _safe_divide(zp, dp) + sign * beta * _safe_divide(zn, dn)) @ R


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
    from .._env import tensorflow

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
    from .._env import tensorflow

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
    from .._env import tensorflow

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
