"""Shared helpers: flatten maps per sample, sum channels, rank with ties averaged."""

from __future__ import annotations

import numpy as np

from ..errors import InputShapeError


def flat(r, name: str = "r") -> np.ndarray:
    """``(N, ...)`` -> ``(N, features)`` float64; a single map gets a sample axis."""
    a = np.asarray(r, dtype=np.float64)
    if a.ndim < 1:
        raise InputShapeError(f"{name} must be an array of maps with the sample axis first")
    if a.ndim == 1:
        a = a[None]
    return a.reshape(len(a), -1)


def channel_sum(R, ndim: int) -> np.ndarray:
    """Sum trailing (channel) axes of ``R`` until it has ``ndim`` dimensions (float64)."""
    a = np.asarray(R, dtype=np.float64)
    while a.ndim > ndim:
        a = a.sum(axis=-1)
    return a


def maps3(R) -> np.ndarray:
    """Relevance as ``(N, H, W)``: channels summed, a single map gets a sample axis."""
    a = np.asarray(R, dtype=np.float64)
    if a.ndim == 2:
        a = a[None]
    a = channel_sum(a, 3)
    if a.ndim != 3:
        raise InputShapeError(f"expected relevance maps R (N, H, W[, C]), got shape {np.shape(R)}")
    return a


def same_shape(a: np.ndarray, b: np.ndarray, names: str) -> None:
    if a.shape != b.shape:
        raise InputShapeError(f"{names} must have the same shape, got {a.shape} and {b.shape}")


def rankdata(a: np.ndarray) -> np.ndarray:
    """Ranks along the last axis, ties get their average rank (1-based)."""
    a = np.asarray(a, dtype=np.float64)
    rows = a.reshape(-1, a.shape[-1])
    order = np.argsort(rows, axis=1, kind="mergesort")
    out = np.empty_like(rows)
    np.put_along_axis(out, order, np.arange(1, rows.shape[1] + 1, dtype=np.float64), axis=1)
    srt = np.take_along_axis(rows, order, axis=1)
    for k in np.flatnonzero((srt[:, 1:] == srt[:, :-1]).any(axis=1)):
        s = srt[k]
        bounds = np.flatnonzero(np.r_[True, s[1:] != s[:-1], True])
        lo, hi = bounds[:-1], bounds[1:]  # each run of equal values gets its mean rank
        out[k, order[k]] = np.repeat((lo + hi + 1) / 2.0, hi - lo)
    return out.reshape(a.shape)


def pearson_rows(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Pearson correlation of every row pair; NaN where a row is constant."""
    a = a - a.mean(axis=1, keepdims=True)
    b = b - b.mean(axis=1, keepdims=True)
    den = np.sqrt((a * a).sum(axis=1) * (b * b).sum(axis=1))
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(den > 0, (a * b).sum(axis=1) / np.where(den > 0, den, 1.0), np.nan)
