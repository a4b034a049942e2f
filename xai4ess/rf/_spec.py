"""The compact layer mini-language (``"conv3"``, ``"pool2"``, ``"up2"``, ...).

>>> parse_layer("conv3s2")["s"]
2
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from ..errors import ReceptiveFieldError
from ._intervals import (
    _IDENTITY,
    _bilinear,
    _compose,
    _Local,
    _nearest,
    _out_len,
    _State,
    _transpose,
    _transpose_pad,
    _window,
    _window_pad,
)

SPEC_HELP = """Compact layer names accepted by receptive_field, build_stack and the widgets:
  conv3, conv5, conv3s2 (stride 2), conv3d2 (dilation 2), conv3-valid (no padding)
  pool2 / maxpool2, avgpool2, pool3s2 (window 3, stride 2)
  up2 (nearest upsampling), bilinear2 (bilinear upsampling)
  deconv3s2 (transposed convolution, kernel 3, stride 2)
All convolutions use 'same' padding unless '-valid' is appended."""

_SPEC_CONV = re.compile(r"^(conv|deconv)(\d+)(?:s(\d+))?(?:d(\d+))?(-valid)?$")
_SPEC_POOL = re.compile(r"^(pool|maxpool|avgpool)(\d+)(?:s(\d+))?(-valid|-same)?$")
_SPEC_UP = re.compile(r"^(up|bilinear)(\d+)$")


def parse_layer(spec: str) -> dict:
    """Parse one compact layer name into a dict of its parameters.

    Parameters
    ----------
    spec : str
        See :data:`SPEC_HELP`, e.g. ``"conv3"``, ``"conv3d2"``, ``"pool2"``, ``"up2"``.

    Returns
    -------
    dict
        ``kind`` ("conv", "deconv", "maxpool", "avgpool", "up", "bilinear"),
        ``k``, ``s``, ``d``, ``padding``.

    Examples
    --------
    >>> parse_layer("conv3s2")["s"]
    2
    """
    text = str(spec).strip().lower().replace(" ", "")
    m = _SPEC_CONV.match(text)
    if m:
        kind, k, s, d, valid = m.groups()
        s_default = 1
        return {
            "kind": kind,
            "k": int(k),
            "s": int(s or s_default),
            "d": int(d or 1),
            "padding": "valid" if valid else "same",
        }
    m = _SPEC_POOL.match(text)
    if m:
        kind, k, s, pad = m.groups()
        kind = "avgpool" if kind == "avgpool" else "maxpool"
        return {
            "kind": kind,
            "k": int(k),
            "s": int(s or k),
            "d": 1,
            "padding": "same" if pad == "-same" else "valid",
        }
    m = _SPEC_UP.match(text)
    if m:
        kind, u = m.groups()
        return {"kind": kind, "k": int(u), "s": int(u), "d": 1, "padding": "same"}
    raise ReceptiveFieldError(f"cannot read the layer name {spec!r}.\n{SPEC_HELP}")


def _spec_local(p: dict, n: int | None) -> tuple[_Local, int | None]:
    kind, k, s, d, padding = p["kind"], p["k"], p["s"], p["d"], p["padding"]
    if kind in ("conv", "maxpool", "avgpool"):
        return _window(k, s, d, _window_pad(padding, n, k, s, d)), _out_len(
            "window", n, k, s, d, padding
        )
    if kind == "deconv":
        n_out = _out_len("transpose", n, k, s, d, padding)
        return _transpose(k, s, d, _transpose_pad(padding, n, n_out, k, s, d)), n_out
    if kind == "up":
        return _nearest(k), None if n is None else n * k
    if kind == "bilinear":
        return _bilinear(k), None if n is None else n * k
    raise AssertionError(kind)


def _spec_states(specs: Sequence[str], input_size, ndim: int):
    if isinstance(specs, str):
        specs = [specs]
    sizes = list(input_size) if input_size is not None else [None] * ndim
    state = _State(tuple(_IDENTITY for _ in sizes))
    out = {"input": (state, "Input", tuple(sizes))}
    for i, spec in enumerate(specs, 1):
        p = parse_layer(spec)
        maps, new_sizes = [], []
        for m, n in zip(state.maps, sizes):
            loc, n_out = _spec_local(p, n)
            maps.append(_compose(m, loc))
            new_sizes.append(n_out)
        state, sizes = _State(tuple(maps)), new_sizes
        out[f"{i}_{spec}"] = (state, spec, tuple(sizes))
    return out, tuple(input_size) if input_size is not None else (None,) * ndim
