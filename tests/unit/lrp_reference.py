"""A small, independent LRP reference in numpy (no TensorFlow, no iNNvestigate).

Networks are lists of layers; convolutions are turned into explicit dense
matrices by applying their definition to basis vectors, so every rule is
written once, in dense form, exactly as in Bach et al. (2015) and Montavon et
al. (2019), with iNNvestigate's conventions for the details:

- the bias is part of the denominator z_j (rules with ``bias=True``);
- epsilon takes the sign of z_j, with sign(0) = +1;
- alpha-beta splits inputs and weights into positive and negative parts, puts
  the positive (negative) bias into the activator (inhibitor) pre-activation
  and subtracts beta times the inhibitor relevance (alpha - beta = 1);
- max pooling sends the relevance of a pooled unit to the winning input.
"""

from __future__ import annotations

import numpy as np

SAFE = 1e-7


def conv2d_matrix(kernel: np.ndarray, in_shape: tuple[int, int, int]) -> tuple[np.ndarray, tuple]:
    """Dense matrix of a 'valid', stride-1 Conv2D with ``kernel`` (kh, kw, cin, cout)."""
    h, w, cin = in_shape
    kh, kw, _, cout = kernel.shape
    oh, ow = h - kh + 1, w - kw + 1
    mat = np.zeros((oh * ow * cout, h * w * cin))
    for i in range(oh):
        for j in range(ow):
            for o in range(cout):
                row = (i * ow + j) * cout + o
                for a in range(kh):
                    for b in range(kw):
                        for c in range(cin):
                            col = ((i + a) * w + (j + b)) * cin + c
                            mat[row, col] = kernel[a, b, c, o]
    return mat, (oh, ow, cout)


def maxpool_winners(x: np.ndarray, shape: tuple, size: int = 2):
    """Max pooling of a flat (h, w, c) vector; returns pooled values and winner indices."""
    h, w, c = shape
    oh, ow = h // size, w // size
    x3 = x.reshape(h, w, c)
    out = np.zeros((oh, ow, c))
    win = np.zeros((oh, ow, c), dtype=int)
    for i in range(oh):
        for j in range(ow):
            for k in range(c):
                block = x3[i * size : (i + 1) * size, j * size : (j + 1) * size, k]
                a = int(np.argmax(block))
                out[i, j, k] = block.flat[a]
                r, s = divmod(a, size)
                win[i, j, k] = ((i * size + r) * w + (j * size + s)) * c + k
    return out.reshape(-1), win.reshape(-1), (oh, ow, c)


def _rule_dense(x, W, b, R, rule, epsilon=1e-7, alpha=1.0, beta=0.0):
    """Relevance at the input of y = W x + b, given relevance R at its output."""
    if rule in ("z", "epsilon"):
        z = W @ x + b
        if rule == "epsilon":
            denom = z + np.where(z >= 0, 1.0, -1.0) * epsilon
        else:
            denom = z + SAFE * (z == 0)
        return x * (W.T @ (R / denom))
    xp, xn = np.clip(x, 0, None), np.clip(x, None, 0)
    Wp, Wn = np.clip(W, 0, None), np.clip(W, None, 0)
    bp, bn = np.clip(b, 0, None), np.clip(b, None, 0)

    def part(W1, W2, b1, b2):
        z = W1 @ xp + b1 + W2 @ xn + b2
        s = R / (z + SAFE * (z == 0))
        return xp * (W1.T @ s) + xn * (W2.T @ s)

    act = part(Wp, Wn, bp, bn)
    if beta == 0:
        return act
    inh = part(Wn, Wp, bn, bp)
    return alpha * act - beta * inh


def forward_and_lrp(
    net: list[dict], x: np.ndarray, target: int, rule: str, **kw
) -> tuple[np.ndarray, np.ndarray]:
    """Run ``net`` on one flat input and return (output scores, input relevance).

    ``net`` items: {"type": "conv", "kernel", "bias", "relu"} (needs "in_shape"),
    {"type": "pool"}, {"type": "dense", "W" (out, in), "b", "relu"}.
    """
    acts, records = [x.astype(np.float64)], []
    shape = None
    for layer in net:
        a = acts[-1]
        if layer["type"] == "conv":
            shape = layer.get("in_shape", shape)
            M, shape = conv2d_matrix(layer["kernel"], shape)
            b = np.tile(layer["bias"], shape[0] * shape[1])
            records.append(("linear", a, M, b))
            y = M @ a + b
            if layer.get("relu"):
                y = np.maximum(y, 0)
        elif layer["type"] == "pool":
            y, win, shape = maxpool_winners(a, shape)
            records.append(("pool", a, win, None))
        else:
            records.append(("linear", a, layer["W"], layer["b"]))
            y = layer["W"] @ a + layer["b"]
            if layer.get("relu"):
                y = np.maximum(y, 0)
        acts.append(y)
    scores = acts[-1]
    R = np.zeros_like(scores)
    R[target] = scores[target]
    for kind, a, M, b in reversed(records):
        if kind == "pool":
            Rin = np.zeros_like(a)
            np.add.at(Rin, M, R)
            R = Rin
        else:
            R = _rule_dense(a, M, b, R, rule, **kw)
    return scores, R
