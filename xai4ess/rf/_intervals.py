"""Exact integer arithmetic on periodic-linear interval maps, and the RF result type.

For every unit index ``j`` of a layer (one spatial dimension) a :class:`_Map`
holds the interval ``[lo(j), hi(j)]`` of input pixels that can reach it, stored
over one period: ``lo(j + P) = lo(j) + Q``. One layer in one dimension is a
:class:`_Local`; composing them layer by layer gives the exact receptive field.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from fractions import Fraction
from typing import NamedTuple

from ..errors import ReceptiveFieldError


class RF(NamedTuple):
    """The theoretical receptive field of one layer (one entry per spatial dimension).

    Attributes
    ----------
    size : tuple of int
        Side, in input pixels, of the smallest box containing every input pixel
        connected to one unit, maximised over the layer's units; theoretical, so
        it may exceed the input. For a whole-input layer: the input's size.
    min_size : tuple of int
        The same minimised over units (away from the borders). Equal to ``size``
        unless upsampling makes the box depend on the unit's position.
    stride : tuple of int or Fraction
        Effective stride (jump): input pixels between neighbouring units.
        A :class:`fractions.Fraction` when below one (after upsampling).
    padding : tuple of int
        Effective padding (Araujo et al. 2019): how far the box of unit 0 starts
        before the first input pixel, ``-lo(0)``.
    center : tuple of Fraction
        Centre of the box of unit 0, in input pixel coordinates.
    whole_input : bool
        True after Flatten, global pooling, Reshape or a dense layer on a flat
        vector: each unit sees the whole input, and ``stride``, ``padding`` and
        ``center`` are None.
    aligned : bool
        False if a merge (Add, Concatenate, ...) upstream joined paths whose
        boxes are not centred on the same pixel; the sizes are still exact (the
        hull of the union), but the paths see differently centred regions.
    """

    size: tuple
    min_size: tuple
    stride: tuple | None
    padding: tuple | None
    center: tuple | None
    whole_input: bool = False
    aligned: bool = True

    @property
    def position_dependent(self) -> bool:
        """True if the box size depends on the unit's position (``min_size != size``)."""
        return self.size != self.min_size


# --------------------------------------------------------------------------
# exact arithmetic on periodic-linear interval maps
# --------------------------------------------------------------------------


@dataclass(frozen=True)
class _Local:
    """One layer in one dimension: output unit ``o`` reads input units ``reads[o % p] + (o // p) * q``."""

    p: int
    q: int
    reads: tuple  # tuple (length p) of tuples of int offsets


@dataclass(frozen=True)
class _Map:
    """Unit ``j`` of a layer -> inclusive input interval; ``lo(j + P) = lo(j) + Q``."""

    period: int
    shift: int
    lo: tuple  # length period, int or None (unit connected to nothing)
    hi: tuple

    def at(self, j: int):
        r, k = j % self.period, j // self.period
        if self.lo[r] is None:
            return None
        return self.lo[r] + k * self.shift, self.hi[r] + k * self.shift

    @property
    def stride(self) -> Fraction:
        return Fraction(self.shift, self.period)


_IDENTITY = _Map(1, 1, (0,), (0,))


def _reduce(m: _Map) -> _Map:
    """The same map with its smallest period."""
    P, Q = m.period, m.shift
    for d in range(1, P):
        if P % d or (Q * d) % P:
            continue
        sh = Q * d // P
        if all(
            (m.lo[j] is None and m.lo[j + d] is None)
            or (
                m.lo[j] is not None
                and m.lo[j + d] is not None
                and m.lo[j + d] == m.lo[j] + sh
                and m.hi[j + d] == m.hi[j] + sh
            )
            for j in range(P - d)
        ):
            return _Map(d, sh, m.lo[:d], m.hi[:d])
    return m


def _hull(boxes):
    boxes = [b for b in boxes if b is not None]
    if not boxes:
        return None, None
    return min(b[0] for b in boxes), max(b[1] for b in boxes)


def _compose(f: _Map, loc: _Local) -> _Map:
    """The map of a layer reading ``loc`` from a layer whose map is ``f``."""
    m = f.period // math.gcd(loc.q, f.period)
    period = m * loc.p
    shift = m * loc.q * f.shift // f.period
    lo, hi = [], []
    for j in range(period):
        o, k = j % loc.p, j // loc.p
        a, b = _hull(f.at(i + k * loc.q) for i in loc.reads[o])
        lo.append(a)
        hi.append(b)
    return _reduce(_Map(period, shift, tuple(lo), tuple(hi)))


def _union(maps: Sequence[_Map], where: str) -> _Map:
    strides = {m.stride for m in maps}
    if len(strides) > 1:
        raise ReceptiveFieldError(
            f"{where}: the merged paths have different effective strides "
            f"({', '.join(str(s) for s in sorted(strides))} input pixels per unit), so the "
            "same unit index sees differently spaced regions on each path; the receptive "
            "field is not defined for this merge."
        )
    stride = strides.pop()
    period = math.lcm(*(m.period for m in maps))
    period = math.lcm(period, stride.denominator)
    shift = int(stride * period)
    lo, hi = [], []
    for j in range(period):
        a, b = _hull(m.at(j) for m in maps)
        lo.append(a)
        hi.append(b)
    return _reduce(_Map(period, shift, tuple(lo), tuple(hi)))


@dataclass(frozen=True)
class _State:
    maps: tuple | None  # one _Map per spatial dim, or None for "whole input"
    aligned: bool = True

    @property
    def whole(self) -> bool:
        return self.maps is None


_WHOLE = _State(None)


def _to_rf(state: _State, input_size: tuple) -> RF:
    if state.whole:
        return RF(tuple(input_size), tuple(input_size), None, None, None, True, state.aligned)
    size, min_size, stride, padding, center = [], [], [], [], []
    for m in state.maps:
        sizes = [h - lo + 1 for lo, h in zip(m.lo, m.hi) if lo is not None]
        size.append(max(sizes) if sizes else 0)
        min_size.append(min(sizes) if sizes else 0)
        s = m.stride
        stride.append(int(s) if s.denominator == 1 else s)
        b0 = m.at(0)
        padding.append(None if b0 is None else -b0[0])
        center.append(None if b0 is None else Fraction(b0[0] + b0[1], 2))
    return RF(
        tuple(size),
        tuple(min_size),
        tuple(stride),
        tuple(padding),
        tuple(center),
        False,
        state.aligned,
    )


# --------------------------------------------------------------------------
# elementary layers (one _Local per dimension)
# --------------------------------------------------------------------------


def _same_pad(n: int | None, k_eff: int, s: int) -> int:
    """Padding before the first pixel for TensorFlow's 'same' (out = ceil(n / s))."""
    if n is None:  # unknown size: assume divisible by the stride
        total = max(k_eff - s, 0)
    else:
        out = -(-n // s)
        total = max((out - 1) * s + k_eff - n, 0)
    return total // 2


def _out_len(kind: str, n: int | None, k: int, s: int, d: int, padding: str) -> int | None:
    if n is None:
        return None
    k_eff = d * (k - 1) + 1
    if kind == "window":
        if padding in ("same", "causal"):
            return -(-n // s)
        return max((n - k_eff) // s + 1, 0)
    if kind == "transpose":
        return n * s if padding == "same" else n * s + max(k_eff - s, 0)
    raise AssertionError(kind)


def _window(k: int, s: int, d: int, pad_before: int) -> _Local:
    return _Local(1, s, (tuple(-pad_before + t * d for t in range(k)),))


def _window_pad(padding: str, n: int | None, k: int, s: int, d: int) -> int:
    k_eff = d * (k - 1) + 1
    if padding == "valid":
        return 0
    if padding == "same":
        return _same_pad(n, k_eff, s)
    if padding == "causal":
        return k_eff - 1
    raise ReceptiveFieldError(f"unknown padding {padding!r}")


def _transpose(k: int, s: int, d: int, pad_before: int) -> _Local:
    reads = []
    for o in range(s):
        reads.append(
            tuple(
                sorted(
                    {
                        (o + pad_before - t * d) // s
                        for t in range(k)
                        if (o + pad_before - t * d) % s == 0
                    }
                )
            )
        )
    return _Local(s, 1, tuple(reads))


def _transpose_pad(
    padding: str, n_in: int | None, n_out: int | None, k: int, s: int, d: int
) -> int:
    if padding == "valid":
        return 0
    k_eff = d * (k - 1) + 1
    if n_in is None or n_out is None:
        return max(k_eff - s, 0) // 2
    return max((n_in - 1) * s + k_eff - n_out, 0) // 2


def _nearest(u: int) -> _Local:
    return _Local(u, 1, tuple((0,) for _ in range(u)))


def _bilinear(u: int) -> _Local:
    # tf.image.resize (half-pixel centres): output o samples input (o + 1/2) / u - 1/2
    reads = []
    for o in range(u):
        src = Fraction(2 * o + 1, 2 * u) - Fraction(1, 2)
        lo, hi = math.floor(src), math.ceil(src)
        reads.append((lo,) if lo == hi else (lo, hi))
    return _Local(u, 1, tuple(reads))


def _shift(c: int) -> _Local:
    return _Local(1, 1, ((c,),))
