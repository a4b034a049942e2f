"""Synthetic GOES-16-like image sequences for convection detection.

The data stand in for the GOES-16 ABI patches of Lee et al. (2021): five
visible images (band 2, 0.64 um, 0.5 km pixels) taken 2 minutes apart, with
convection labels that in the real study come from MRMS radar. Here every
scene is drawn from a simple generative model, so the truth is known exactly:
the label, the scene type and the pixels where convective turrets "bubble".

Scene types (``kind``):

==  ====================  =====  ==================================================
0   ``clear``             y = 0  land surface only (reflectance ~0.05-0.15)
1   ``dim_cloud``         y = 0  thin, smooth cloud (albedo 0.25-0.45), drifting
2   ``bright_stratiform`` y = 0  thick, smooth sheet (albedo 0.60-0.85), drifting
3   ``convective``        y = 1  bright anvil (albedo 0.60-0.85) with bubbling turrets
4   ``texture_only``      y = 1  developing convection: bubbling turrets on a dim
                                 cloud (albedo 0.25-0.45), no bright anvil
==  ====================  =====  ==================================================

Brightness separates the classes only as long as bright stratiform sheets and
texture-only scenes are rare; their rates are parameters.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from ._dataset import Dataset, Split, split_to_arrays

__all__ = ["convection", "KINDS", "write_shipped"]

#: Scene types, in the order of the integer ``kind`` codes.
KINDS = ("clear", "dim_cloud", "bright_stratiform", "convective", "texture_only")
#: Label of each scene type (1 = convection).
KIND_LABELS = (0, 0, 0, 1, 1)
FRAME_MINUTES = (0, 2, 4, 6, 8)
PIXEL_KM = 0.5

# Reflectance factor of the scene parts (visible, ABI band 2).
_SURFACE = (0.05, 0.15)
_DIM_ALBEDO = (0.25, 0.45)
_BRIGHT_ALBEDO = (0.60, 0.85)
# Cloud-top / surface brightness temperatures for the optional IR band 14 (K).
_T_SURFACE = (288.0, 302.0)
_T_TOP = {1: (268.0, 282.0), 2: (238.0, 256.0), 3: (212.0, 228.0), 4: (250.0, 264.0)}


def _smooth_field(rng: np.random.Generator, size: int, scale: float) -> np.ndarray:
    """A periodic, zero-mean, unit-variance Gaussian random field (complex spectrum).

    ``scale`` is the correlation length in pixels. The spectrum is returned so
    that the field can be shifted by sub-pixel amounts without artefacts.
    """
    k = np.fft.fftfreq(size)
    k2 = k[:, None] ** 2 + k[None, :] ** 2
    spectrum = np.fft.fft2(rng.standard_normal((size, size))) * np.exp(
        -2.0 * (np.pi * scale) ** 2 * k2
    )
    field = np.fft.ifft2(spectrum).real
    return spectrum / (field.std() + 1e-12)


def _shifted(spectrum: np.ndarray, dy: float, dx: float) -> np.ndarray:
    """The field of ``spectrum`` advected by (dy, dx) pixels (periodic)."""
    size = spectrum.shape[0]
    k = np.fft.fftfreq(size)
    phase = np.exp(-2j * np.pi * (k[:, None] * dy + k[None, :] * dx))
    return np.fft.ifft2(spectrum * phase).real


def _cloud_cover(field: np.ndarray, coverage: float, sharpness: float = 0.35) -> np.ndarray:
    """Cloud opacity in [0, 1] from a random field, covering about ``coverage`` of the patch."""
    threshold = np.quantile(field, 1.0 - coverage)
    return 1.0 / (1.0 + np.exp(-(field - threshold) / sharpness))


class _Turrets:
    """Convective turrets that are born, grow, bubble and collapse within minutes."""

    def __init__(
        self,
        rng: np.random.Generator,
        centre: tuple[float, float],
        radius: float,
        contrast: float,
        density: float,
        wind: tuple[float, float],
    ) -> None:
        n = max(4, int(round(density * radius**2)))
        ang = rng.uniform(0, 2 * np.pi, n)
        rad = radius * np.sqrt(rng.uniform(0, 1, n))
        self.y = centre[0] + rad * np.sin(ang)
        self.x = centre[1] + rad * np.cos(ang)
        self.size = rng.uniform(1.2, 2.4, n)  # final radius (pixels)
        self.birth = rng.uniform(-8.0, 7.0, n)  # minutes
        self.life = rng.uniform(5.0, 10.0, n)  # minutes
        self.amp = contrast * rng.uniform(0.6, 1.0, n)
        self.vy = rng.normal(0, 0.15, n)  # rise/spread drift (pixels per minute)
        self.vx = rng.normal(0, 0.15, n)
        self.wind = wind

    def _centre(self, i: int, t: float) -> tuple[float, float]:
        age = t - self.birth[i]
        return (
            self.y[i] + self.vy[i] * age + self.wind[0] * t,
            self.x[i] + self.vx[i] * age + self.wind[1] * t,
        )

    def render(
        self, t: float, size: int, sun: tuple[float, float]
    ) -> tuple[np.ndarray, np.ndarray]:
        """Reflectance change and turret-top "height" (0..1) at minute ``t``."""
        age = (t - self.birth) / self.life
        env = np.where((age > 0) & (age < 1), np.sin(np.pi * np.clip(age, 0, 1)), 0.0)
        yy, xx = np.mgrid[0:size, 0:size].astype(np.float64)
        dr = np.zeros((size, size))
        height = np.zeros((size, size))
        for i in np.flatnonzero(env > 0):
            r = self.size[i] * (0.5 + 0.5 * env[i])
            cy, cx = self._centre(i, t)
            dy, dx = yy - cy, xx - cx
            g = np.exp(-(dy**2 + dx**2) / (2 * r**2))
            # Dome lit from the sun's side: bright rim towards the sun, shadow behind.
            shade = -(sun[0] * dy + sun[1] * dx) / r * g
            dr += self.amp[i] * env[i] * (0.45 * g + 0.9 * shade)
            height = np.maximum(height, env[i] * g)
        return dr, height

    def footprint(self, times, size: int) -> np.ndarray:
        """Pixels within 1.5 radii of a turret that is active in any frame."""
        yy, xx = np.mgrid[0:size, 0:size].astype(np.float64)
        mask = np.zeros((size, size), dtype=bool)
        for t in times:
            age = (t - self.birth) / self.life
            env = np.where((age > 0) & (age < 1), np.sin(np.pi * np.clip(age, 0, 1)), 0.0)
            for i in np.flatnonzero(env > 0.2):
                r = self.size[i] * (0.5 + 0.5 * env[i])
                cy, cx = self._centre(i, t)
                mask |= (yy - cy) ** 2 + (xx - cx) ** 2 <= (1.5 * r) ** 2
        return mask


def _scene(
    rng: np.random.Generator, kind: int, size: int, ir: bool, noise: float, turret_contrast: float
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """One sample: vis (T, H, W), IR (T, H, W) or None, texture mask (H, W)."""
    times = np.asarray(FRAME_MINUTES, dtype=np.float64)
    nt = len(times)
    # IR noise has its own stream, so the visible frames do not depend on ``ir``.
    rng_ir = np.random.default_rng(rng.integers(2**62))
    surface = rng.uniform(*_SURFACE) + 0.02 * _shifted(_smooth_field(rng, size, 2.0), 0, 0)
    t_surface = rng.uniform(*_T_SURFACE) + 1.5 * _shifted(_smooth_field(rng, size, 3.0), 0, 0)
    # Steering wind: up to 1 pixel (0.5 km) per 2-minute frame.
    speed = rng.uniform(0.0, 0.5)  # pixels per minute
    heading = rng.uniform(0, 2 * np.pi)
    wind = (speed * np.sin(heading), speed * np.cos(heading))
    sun_angle = rng.uniform(0, 2 * np.pi)
    sun = (np.sin(sun_angle), np.cos(sun_angle))

    cover = np.zeros((nt, size, size))
    albedo = 0.0
    turrets = None
    if kind in (1, 2, 3, 4):
        big = _smooth_field(rng, size, rng.uniform(4.0, 7.0))
        fine = _smooth_field(rng, size, 1.5)
        if kind in (2, 3):
            coverage = rng.uniform(0.55, 0.95)
            albedo = rng.uniform(*_BRIGHT_ALBEDO)
            ripple = 0.03
        else:
            coverage = rng.uniform(0.35, 0.8)
            albedo = rng.uniform(*_DIM_ALBEDO)
            ripple = 0.04
        for j, t in enumerate(times):
            shifted = _shifted(big, wind[0] * t, wind[1] * t)
            cover[j] = _cloud_cover(shifted, coverage)
        # Smooth, slowly drifting in-cloud variation (no bubbling).
        var = np.stack([_shifted(fine, wind[0] * t, wind[1] * t) for t in times])
        base = cover[0]
        if kind in (3, 4):
            # Turrets sit in the thickest part of the cloud.
            cy, cx = np.unravel_index(np.argmax(base), base.shape)
            radius = rng.uniform(4.0, 7.5)
            # Keep the turret region inside the patch.
            cy = float(np.clip(cy, radius, size - 1 - radius))
            cx = float(np.clip(cx, radius, size - 1 - radius))
            turrets = _Turrets(rng, (cy, cx), radius, turret_contrast, density=0.6, wind=wind)
    vis = np.empty((nt, size, size))
    tb = np.empty((nt, size, size)) if ir else None
    t_top = rng.uniform(*_T_TOP[kind]) if kind else 0.0
    for j, t in enumerate(times):
        c = cover[j]
        cloud = albedo * (1.0 + ripple * var[j]) if kind else 0.0
        r = surface * (1.0 - c) + cloud * c
        height = np.zeros((size, size))
        if turrets is not None:
            dr, height = turrets.render(t + 0.0, size, sun)
            r = r + np.maximum(c, 0.6) * dr
        vis[j] = r + noise * rng.standard_normal((size, size))
        if ir:
            top = t_top - 12.0 * height if kind else 0.0
            tb[j] = t_surface * (1.0 - c) + top * c + 0.15 * rng_ir.standard_normal((size, size))
    mask = (
        turrets.footprint(times, size)
        if turrets is not None
        else np.zeros((size, size), dtype=bool)
    )
    return np.clip(vis, 0.0, 1.0), tb, mask


def convection(
    n: int,
    seed: int = 0,
    size: int = 32,
    ir: bool = False,
    *,
    convective_rate: float = 0.45,
    bright_stratiform_rate: float = 0.03,
    texture_only_rate: float = 0.0,
    only: str | None = None,
    turret_contrast: float = 0.18,
    noise: float = 0.004,
) -> Dataset:
    """GOES-16-like 5-frame sequences, convective or not, with the bubbling region as truth.

    Synthetic stand-in for GOES-16 ABI band 2 patches (0.64 um visible
    reflectance factor, 0.5 km pixels, frames 2 minutes apart) labelled with
    MRMS-derived convection flags, as in Lee et al. (2021).

    Parameters
    ----------
    n : int
        Number of samples. Sample ``i`` depends only on ``seed`` and ``i``, so
        ``convection(10)[:5]`` equals ``convection(5)``.
    seed : int
        Random seed.
    size : int
        Patch size in pixels (0.5 km each); at least 16.
    ir : bool
        Also return IR brightness temperature (ABI band 14, 11.2 um, K) as five
        more channels after the visible ones.
    convective_rate, bright_stratiform_rate, texture_only_rate : float
        Shares of convective scenes (bright anvil with bubbling turrets), bright
        smooth stratiform sheets (non-convective) and texture-only scenes
        (bubbling turrets on a dim cloud, convective). The remainder is split
        evenly between clear sky and dim clouds. With few bright stratiform and
        no texture-only scenes, brightness alone separates the classes.
    only : str, optional
        Make every sample this kind (one of :data:`KINDS`), ignoring the rates.
    turret_contrast : float
        Reflectance amplitude of a turret's lit/shadowed dome.
    noise : float
        Standard deviation of the sensor noise in reflectance, per frame.

    Returns
    -------
    Dataset
        ``x`` float32 ``(n, size, size, 5)`` (``10`` channels with ``ir``),
        channel order in ``attrs["channels"]``; ``y`` int64, 1 = convection;
        ``kind`` int64, codes in ``attrs["kinds"]``; ``texture_mask`` bool
        ``(n, size, size)``, where turrets bubble (all False without convection).

    Examples
    --------
    >>> ds = convection(8, seed=1)
    >>> ds.x.shape, ds.attrs["frame_minutes"]
    ((8, 32, 32, 5), [0, 2, 4, 6, 8])
    >>> bool(((ds.y == 1) == ds.texture_mask.any(axis=(1, 2))).all())
    True
    """
    if int(n) != n or n < 0:
        raise ValueError(f"n must be a non-negative integer, got {n!r}")
    if int(size) != size or size < 16:
        raise ValueError(f"size must be an integer of at least 16 pixels, got {size!r}")
    rates = {
        "convective": convective_rate,
        "bright_stratiform": bright_stratiform_rate,
        "texture_only": texture_only_rate,
    }
    for key, value in rates.items():
        if not 0.0 <= value <= 1.0:
            raise ValueError(f"{key}_rate must be in [0, 1], got {value!r}")
    if sum(rates.values()) > 1.0 + 1e-9:
        raise ValueError(f"the rates add up to {sum(rates.values()):.3f} > 1")
    if only is not None and only not in KINDS:
        raise ValueError(f"only must be one of {KINDS}, got {only!r}")
    n, size = int(n), int(size)
    rest = max(0.0, 1.0 - sum(rates.values())) / 2
    probs = np.array([rest, rest, bright_stratiform_rate, convective_rate, texture_only_rate])
    cum = np.cumsum(probs / probs.sum())

    nt = len(FRAME_MINUTES)
    x = np.empty((n, size, size, 2 * nt if ir else nt), dtype=np.float32)
    kinds = np.empty(n, dtype=np.int64)
    masks = np.empty((n, size, size), dtype=bool)
    children = np.random.SeedSequence([seed, 7]).spawn(n)
    for i, child in enumerate(children):
        rng = np.random.default_rng(child)
        u = rng.uniform()
        kind = KINDS.index(only) if only else int(np.searchsorted(cum, u, side="right"))
        kind = min(kind, len(KINDS) - 1)
        vis, tb, mask = _scene(rng, kind, size, ir, noise, turret_contrast)
        x[i, ..., :nt] = np.moveaxis(vis, 0, -1)
        if ir:
            x[i, ..., nt:] = np.moveaxis(tb, 0, -1)
        kinds[i] = kind
        masks[i] = mask
    y = np.asarray(KIND_LABELS, dtype=np.int64)[kinds]
    channels = [f"vis_t{m}" for m in FRAME_MINUTES]
    if ir:
        channels += [f"ir_t{m}" for m in FRAME_MINUTES]
    attrs = {
        "description": "Synthetic GOES-16-like 5-frame sequences (stand-in for ABI band 2 "
        "with MRMS-derived convection labels)",
        "channels": channels,
        "units": {"vis": "reflectance factor (0-1)", "ir": "K"},
        "bands": {"vis": "ABI band 2, 0.64 um", "ir": "ABI band 14, 11.2 um"},
        "frame_minutes": list(FRAME_MINUTES),
        "pixel_km": PIXEL_KM,
        "kinds": list(KINDS),
        "kind_labels": list(KIND_LABELS),
        "classes": ["no convection", "convection"],
        "seed": int(seed),
        "rates": {k: float(v) for k, v in rates.items()},
        "synthetic": True,
    }
    return Dataset({"x": x, "y": y, "kind": kinds, "texture_mask": masks}, attrs=attrs)


def as_float(ds: Dataset) -> Dataset:
    """``ds`` with ``x`` as float32 reflectance (undoes the uint8 storage of the shipped file)."""
    if np.issubdtype(ds.x.dtype, np.integer):
        scale = float(ds.attrs.get("x_scale", 1.0))
        return ds.replace(x=(ds.x.astype(np.float32) * np.float32(scale)))
    return ds


#: Shipped split: seeds and sizes (the standard, brightness-separable data).
SHIPPED = {"train": (900, 0), "test": (300, 1)}
X_SCALE = 1.0 / 255.0


def stored(ds: Dataset) -> Dataset:
    """``ds`` as written to the shipped file: ``x`` as uint8 with ``attrs["x_scale"]``."""
    q = np.clip(np.round(ds.x / X_SCALE), 0, 255).astype(np.uint8)
    out = Dataset(
        {"x": q, "y": ds.y, "kind": ds.kind, "texture_mask": ds.texture_mask},
        attrs={**ds.attrs, "x_scale": X_SCALE, "x_stored_as": "uint8"},
    )
    return out


def shipped_split() -> Split:
    """The standard train/test split as written to ``data/convection.npz`` (float32)."""
    (ntr, str_), (nte, ste) = SHIPPED["train"], SHIPPED["test"]
    return Split(convection(ntr, seed=str_), convection(nte, seed=ste))


def write_shipped(directory: Path) -> None:
    """Write ``convection.npz`` (x stored as uint8 with ``attrs["x_scale"]``)."""
    from .. import registry

    split = shipped_split()
    arrays = split_to_arrays(Split(stored(split.train), stored(split.test)))
    registry.write_npz(
        directory,
        "convection.npz",
        arrays,
        recipe="convection",
        description="Synthetic GOES-16-like 5-frame sequences: standard split "
        "(train seed 0, test seed 1), x as uint8 * x_scale",
    )
