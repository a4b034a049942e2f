"""Synthetic GOES-16 ABI + GLM scenes with MRMS-like composite reflectivity.

The scenes stand in for GOES-16 ABI channels C07 (3.9 um), C09 (6.9 um) and
C13 (10.3 um) brightness temperatures, the GLM group extent density, and the
MRMS composite reflectivity that Hilburn et al. (2021) estimated from them.
They are made from a latent storm field, so that the physics is plausible and
the ground truth of every "strategy" is known:

* clear sky (warm surface, C13 ~ 290 K) and warm low cloud (C13 ~ 262-280 K)
  without echo;
* anvils (alone, as decaying storms, or over the storms below): cold
  (C13 ~ 214-228 K) and smooth, with diffuse edges, but only weak stratiform
  reflectivity underneath (4-14 dBZ);
* **lightning storms**: mature cells under the anvil, the strongest cores of
  all (46-62 dBZ). Their cloud tops are at most 2 K colder than the anvil
  around them; GLM sees flashes over the cores above ~40 dBZ, its group
  extent spread by its ~8 km footprint. (Strategy 1: lightning -> high
  reflectivity.)
* **developing towers**: young convective towers with sharp edges (large
  brightness-temperature gradients at the cloud boundary), tops as cold as an
  anvil, 36-50 dBZ and no lightning yet. (Strategy 2: strong gradients at cloud
  boundaries without lightning -> elevated reflectivity.)
* **dense storms**: extremely cold, dense overshooting tops (C13 186-198 K,
  C09 warmer than C13) embedded smoothly in the anvil, 42-55 dBZ, with no
  flashes seen by GLM (low flash rate or missed by the detector). (Strategy 3:
  extremely dense/cold cloud -> high reflectivity.)

Storm systems are drawn as lightning storms, developing towers, dense storms
and lone anvils with probabilities 0.3, 0.25, 0.25 and 0.2, so cold cloud
alone never tells where the cores are.

The network does not see brightness temperatures in K directly: see
``input_offset``/``input_scale`` (static fields) and :func:`network_input`.
"""

from __future__ import annotations

import numpy as np
from scipy import ndimage

from ._dataset import Dataset, Split, split_to_arrays

__all__ = ["goes_mrms", "network_input", "CHANNELS", "write_shipped"]

CHANNELS = ("C07", "C09", "C13", "GLM")
UNITS = ("K", "K", "K", "groups per pixel per 5 min")
#: ``network input = (x - INPUT_OFFSET) / INPUT_SCALE``: cloud-top "coldness"
#: (0 for a warm clear sky, ~1 for the coldest tops) and scaled flash density.
INPUT_OFFSET = np.array([310.0, 250.0, 300.0, 0.0], dtype=np.float32)
INPUT_SCALE = np.array([-100.0, -50.0, -100.0, 1.0], dtype=np.float32)

PIXEL_KM = 2.0
BOUNDARY_GRADIENT_K = 12.0  # K per pixel (central difference) on noise-free C13
DENSE_C13_K = 202.0  # extremely cold tops, K
ECHO_MIN_DBZ = 5.0

TYPE_NAMES = {0: "none", 1: "lightning storm", 2: "developing tower", 3: "dense storm"}


def network_input(x: np.ndarray) -> np.ndarray:
    """What the network sees: ``(x - INPUT_OFFSET) / INPUT_SCALE`` per channel.

    The brightness temperatures become cloud-top "coldness" (0 for clear sky,
    about 1 for the coldest tops) and GLM is kept as it is. Positive inputs
    mark signal, which keeps LRP's ``input x weight`` relevance physical.

    Examples
    --------
    >>> x = np.array([[[[310.0, 250.0, 300.0, 5.0]]]])
    >>> network_input(x).ravel().tolist()
    [-0.0, -0.0, -0.0, 5.0]
    """
    x = np.asarray(x, dtype=np.float32)
    if x.shape[-1] != len(CHANNELS):
        raise ValueError(
            f"expected {len(CHANNELS)} channels {CHANNELS} in the last axis, got shape {x.shape}"
        )
    return (x - INPUT_OFFSET) / INPUT_SCALE


# -- latent fields --------------------------------------------------------------
def _smooth(rng: np.random.Generator, shape, sigma: float) -> np.ndarray:
    """A smooth random field with unit standard deviation."""
    f = ndimage.gaussian_filter(rng.standard_normal(shape), sigma, mode="wrap")
    return f / (f.std() + 1e-12)


def _blob(yy, xx, cy, cx, ry, rx, angle):
    """Elliptic distance (1 on the ellipse) of every pixel from (cy, cx)."""
    c, s = np.cos(angle), np.sin(angle)
    dy, dx = yy - cy, xx - cx
    u = (c * dx + s * dy) / rx
    v = (-s * dx + c * dy) / ry
    return np.sqrt(u * u + v * v)


def _soft_disc(d: np.ndarray, width: float) -> np.ndarray:
    """Opacity 1 inside the unit ellipse, falling to 0 over ``width`` (in units of d)."""
    return 1.0 / (1.0 + np.exp(np.clip((d - 1.0) / max(width, 1e-3), -50.0, 50.0)))


class _Window:
    """The part of the scene within ``half`` pixels of (cy, cx): views and local coordinates."""

    def __init__(self, scene: _Scene, cy: float, cx: float, half: float):
        s = scene.size
        y0, y1 = max(0, int(cy - half)), min(s, int(cy + half) + 1)
        x0, x1 = max(0, int(cx - half)), min(s, int(cx + half) + 1)
        self.ok = y1 - y0 > 1 and x1 - x0 > 1
        self.sl = (slice(y0, y1), slice(x0, x1))
        self.shape = (max(y1 - y0, 1), max(x1 - x0, 1))
        self.yy, self.xx = np.mgrid[y0 : max(y1, y0 + 1), x0 : max(x1, x0 + 1)].astype(np.float64)


class _Scene:
    """Accumulates the latent layers of one scene."""

    def __init__(self, rng: np.random.Generator, size: int, tower_edge_blur: float = 0.6):
        self.rng, self.size = rng, size
        self.tower_edge_blur = tower_edge_blur
        shape = (size, size)
        # clear sky (daytime): warm surface, mid-level water vapour
        self.c13 = 292.0 + 2.5 * _smooth(rng, shape, 12)
        self.c09 = 244.0 + 2.0 * _smooth(rng, shape, 16)
        self.c07 = self.c13 + 4.0 + 0.8 * _smooth(rng, shape, 8)
        self.z = np.zeros(shape)
        self.glm_rate = np.zeros(shape)
        self.core = np.zeros(shape, dtype=np.uint8)
        self.core_z = np.zeros(shape)

    # cloud layers, drawn bottom-up: each covers what is below with opacity a
    def cover(self, w, a, t13, d07, d09=None):
        c13, c07, c09 = self.c13[w.sl], self.c07[w.sl], self.c09[w.sl]
        new13 = (1 - a) * c13 + a * t13
        c07[...] = (1 - a) * c07 + a * (t13 + d07)
        if d09 is not None:  # high cloud: the water-vapour channel sees its top
            c09[...] = (1 - a) * c09 + a * np.minimum(t13 + d09, c09)
        c13[...] = new13

    def echo(self, w, z, kind=0):
        if kind:
            core, core_z = self.core[w.sl], self.core_z[w.sl]
            take = (z >= 30.0) & (z > core_z)
            core[take] = kind
            core_z[take] = z[take]
        self.z[w.sl] = np.maximum(self.z[w.sl], z)

    # -- components -----------------------------------------------------------
    def low_cloud(self):
        rng = self.rng
        shape = (self.size, self.size)
        f = _smooth(rng, shape, 5)
        a = 1.0 / (1.0 + np.exp(-(f - rng.uniform(0.7, 1.6)) / 0.2))
        a = ndimage.gaussian_filter(a, 1.5)
        w = _Window(self, self.size / 2, self.size / 2, self.size)
        self.cover(w, a, rng.uniform(262.0, 280.0) + 1.5 * _smooth(rng, shape, 4), 14.0)

    def anvil(self, cy, cx):
        rng = self.rng
        r = rng.uniform(10.0, 22.0)
        ry, ang = r * rng.uniform(0.6, 1.0), rng.uniform(0, np.pi)
        t = rng.uniform(214.0, 228.0)
        zmax = rng.uniform(4.0, 14.0)
        w = _Window(self, cy, cx, 1.5 * r + 10)
        d = _blob(w.yy, w.xx, cy, cx, ry, r, ang)
        d = d * (1.0 + 0.12 * _smooth(rng, w.shape, 4))
        a = ndimage.gaussian_filter(_soft_disc(d, 0.12), 3.0)  # diffuse edge: small gradients
        self.cover(w, a, t + 1.5 * _smooth(rng, w.shape, 5), 22.0, 2.0)
        # weak stratiform echo under the thick part of the anvil
        zs = zmax * np.clip((a - 0.6) / 0.4, 0, 1) * (1 + 0.15 * _smooth(rng, w.shape, 3))
        self.echo(w, zs)
        return r, t

    def cell(self, w, cy, cx, r, zpeak):
        d = np.hypot(w.yy - cy, w.xx - cx) / r
        return zpeak * np.exp(-0.5 * d**2) * (1 + 0.04 * _smooth(self.rng, w.shape, 1.5))

    def lightning_storm(self, cy, cx):
        rng = self.rng
        r, _ = self.anvil(cy, cx)
        for _ in range(rng.integers(1, 4)):
            oy, ox = rng.normal(0, 0.3 * r, 2)
            rc = rng.uniform(2.5, 4.5)
            zpeak, cold = rng.uniform(46.0, 62.0), rng.uniform(0.0, 2.0)
            w = _Window(self, cy + oy, cx + ox, 6 * rc)
            if not w.ok:
                continue
            z = self.cell(w, cy + oy, cx + ox, rc, zpeak)
            self.echo(w, z, 1)
            # cloud top only slightly colder than the anvil (never below 205 K)
            prof = np.exp(-0.5 * (np.hypot(w.yy - cy - oy, w.xx - cx - ox) / (1.4 * rc)) ** 2)
            cold = cold * prof
            c13, c09, c07 = self.c13[w.sl], self.c09[w.sl], self.c07[w.sl]
            c13[...] = np.maximum(c13 - cold, np.minimum(c13, 205.0))
            c09[...] = np.maximum(c09 - cold, np.minimum(c09, 207.0))
            c07[...] = c07 - cold
            # GLM group extent density in the cores above ~40 dBZ
            self.glm_rate[w.sl] += 1.5 * np.clip(z - 40.0, 0, None)

    def dense_storm(self, cy, cx):
        rng = self.rng
        r, _ = self.anvil(cy, cx)
        for _ in range(rng.integers(1, 3)):
            oy, ox = rng.normal(0, 0.2 * r, 2)
            rc = rng.uniform(3.0, 5.0)
            zpeak, tmin = rng.uniform(42.0, 55.0), rng.uniform(186.0, 198.0)
            w = _Window(self, cy + oy, cx + ox, 7 * rc)
            if not w.ok:
                continue
            self.echo(w, self.cell(w, cy + oy, cx + ox, rc, zpeak), 3)
            # extremely cold, smooth overshooting top; C09 warmer than C13 there
            prof = np.exp(-0.5 * (np.hypot(w.yy - cy - oy, w.xx - cx - ox) / (1.6 * rc)) ** 2)
            c13, c09, c07 = self.c13[w.sl], self.c09[w.sl], self.c07[w.sl]
            c13[...] = np.minimum(c13, c13 - prof * np.clip(c13 - tmin, 0, None))
            c09[...] = np.minimum(c09, c13 + 2.0 + 5.0 * prof)
            c07[...] = np.minimum(c07, c13 + 22.0 - 12.0 * prof)

    def _diffuse(self, d, rt):
        """Opacity of a tower whose edge is blurred over ``tower_edge_blur`` pixels.

        The disc, widened by one blur width, is smoothed with a Gaussian of that width;
        the caller keeps the sharp opacity where it is larger, so the tower's interior
        (its cold top over the echo) is unchanged and only the edge spreads out.
        """
        b = self.tower_edge_blur
        return ndimage.gaussian_filter(_soft_disc(d / (1.0 + b / rt), 0.05), b)

    def developing_towers(self, cy, cx):
        rng = self.rng
        for _ in range(rng.integers(1, 4)):
            oy, ox = rng.normal(0, 6.0, 2)
            rt = rng.uniform(3.0, 7.0)
            ry, ang = rt * rng.uniform(0.75, 1.0), rng.uniform(0, np.pi)
            t, zpeak = rng.uniform(218.0, 236.0), rng.uniform(36.0, 50.0)
            w = _Window(self, cy + oy, cx + ox, 2 * rt + 6)
            if not w.ok:
                continue
            d = _blob(w.yy, w.xx, cy + oy, cx + ox, ry, rt, ang)
            disc = _soft_disc(d, 0.05)
            a = ndimage.gaussian_filter(disc, 0.6)  # sharp cloud edge
            cloud = a
            if self.tower_edge_blur != 0.6:  # counterfactual: a diffuse edge, the same top
                cloud = np.maximum(a, self._diffuse(d, rt))
            self.cover(w, cloud, t + 1.0 * _smooth(rng, w.shape, 1.5), 22.0, 3.0)
            self.echo(w, self.cell(w, cy + oy, cx + ox, 0.75 * rt, zpeak) * (a > 0.5), 2)


def _one_scene(
    rng: np.random.Generator, size: int, density: float, noise: float, tower_edge_blur: float
):
    s = _Scene(rng, size, tower_edge_blur)
    if rng.random() < 0.7:
        s.low_cloud()
    n = rng.poisson(density * (size / 64.0) ** 2)
    kinds = rng.choice(4, size=n, p=[0.3, 0.25, 0.25, 0.2])
    for kind in kinds:
        cy, cx = rng.uniform(-6, size + 6, 2)
        (s.lightning_storm, s.developing_towers, s.dense_storm, s.anvil)[kind](cy, cx)
    c13_true = s.c13.copy()
    gy, gx = np.gradient(c13_true)
    boundary = np.hypot(gy, gx) >= BOUNDARY_GRADIENT_K
    dense = c13_true <= DENSE_C13_K
    # GLM: blurred by its ~8 km footprint, then counted
    rate = ndimage.gaussian_filter(s.glm_rate, 3.0)
    glm = rng.poisson(np.where(rate > 0.3, rate, 0.0)).astype(np.float64)
    tb = [c + noise * rng.standard_normal(c.shape) for c in (s.c07, s.c09, s.c13)]
    tb = [np.round(c * 2.0) / 2.0 for c in tb]  # 0.5 K steps, like many archived products
    x = np.stack([*tb, glm], axis=-1).astype(np.float32)
    z = s.z + 1.0 * rng.standard_normal(s.z.shape) * (s.z > ECHO_MIN_DBZ)
    z = np.where(z >= ECHO_MIN_DBZ, np.round(np.clip(z, 0, 70) * 2) / 2, 0.0)
    return x, z.astype(np.float32)[..., None], glm > 0, boundary, dense, s.core


def goes_mrms(
    n: int,
    size: int = 64,
    seed: int = 0,
    *,
    density: float = 1.5,
    noise: float = 0.2,
    tower_edge_blur: float = 0.6,
) -> Dataset:
    """Synthetic GOES ABI + GLM scenes and MRMS-like composite reflectivity.

    The data are synthetic stand-ins for GOES-16 ABI brightness temperatures
    (C07 3.9 um, C09 6.9 um, C13 10.3 um), the GLM group extent density and
    MRMS composite reflectivity, made from a latent storm field with three
    kinds of storms (see the module docstring).

    Parameters
    ----------
    n : int
        Number of scenes.
    size : int
        Scene height and width in pixels (2 km each). Multiples of 8 suit the
        fully convolutional network.
    seed : int
        The scenes are a deterministic function of ``(n, size, seed, density, noise)``.
    density : float
        Mean number of storm systems per 64 x 64 pixels (Poisson).
    noise : float
        Standard deviation of the sensor noise in K.
    tower_edge_blur : float
        Width (pixels, standard deviation of a Gaussian) over which a developing
        tower's cloud edge is smoothed. The default 0.6 gives the sharp edges of
        the shipped data; 3.0 gives edges as diffuse as an anvil's (a
        counterfactual): the cloud is widened by this width and blurred, and keeps
        its full opacity (the same cold top) inside the sharp edge. Only the tower
        clouds change: every random draw, every echo, ``y``, ``core_type`` and GLM
        stay the same for the same ``seed``.

    Returns
    -------
    Dataset
        ``x`` float32 ``(n, size, size, 4)``: C07, C09, C13 in K and GLM in
        groups per 2 km pixel per 5 min; ``y`` float32 ``(n, size, size, 1)``:
        composite reflectivity in dBZ (0 = no echo); boolean ground-truth maps
        ``lightning_mask`` (GLM > 0), ``boundary_mask`` (noise-free C13
        gradient >= 12 K per pixel: sharp cloud edges) and ``dense_mask``
        (noise-free C13 <= 202 K: extremely cold, dense tops); ``core_type``
        uint8 (0 none, 1 lightning storm, 2 developing tower, 3 dense storm:
        the storm that made the echo >= 30 dBZ there). Static fields
        ``input_offset``/``input_scale`` give the network input
        ``(x - input_offset) / input_scale``.

    Examples
    --------
    >>> ds = goes_mrms(2, size=32, seed=1)
    >>> ds.x.shape, ds.y.shape, ds.attrs["channels"]
    ((2, 32, 32, 4), (2, 32, 32, 1), ['C07', 'C09', 'C13', 'GLM'])
    """
    if not isinstance(n, (int, np.integer)) or n < 1:
        raise ValueError(f"n must be a positive integer, got {n!r}")
    if not isinstance(size, (int, np.integer)) or size < 8:
        raise ValueError(f"size must be an integer >= 8, got {size!r}")
    if density < 0 or noise < 0:
        raise ValueError("density and noise must be >= 0")
    if not tower_edge_blur > 0:
        raise ValueError(
            f"tower_edge_blur must be > 0 (pixels; 0.6 = sharp, 3.0 = diffuse), "
            f"got {tower_edge_blur!r}"
        )
    rng = np.random.default_rng([int(seed), int(size), 20210])
    parts = [
        _one_scene(rng, int(size), float(density), float(noise), float(tower_edge_blur))
        for _ in range(int(n))
    ]
    x, y, light, bnd, dense, core = (np.stack(p) for p in zip(*parts))
    attrs = {
        "name": "goes_mrms",
        "channels": list(CHANNELS),
        "units": {"C07": "K", "C09": "K", "C13": "K", "GLM": UNITS[3], "y": "dBZ"},
        "pixel_km": PIXEL_KM,
        "description": (
            "SYNTHETIC stand-in for GOES-16 ABI C07/C09/C13 brightness temperatures (K), "
            "GLM group extent density and MRMS composite reflectivity (dBZ), "
            "made from a latent storm field with lightning storms, developing towers "
            "and dense storms"
        ),
        "input_offset": INPUT_OFFSET.tolist(),
        "input_scale": INPUT_SCALE.tolist(),
        "boundary_gradient_K_per_px": BOUNDARY_GRADIENT_K,
        "dense_c13_K": DENSE_C13_K,
        "core_types": {str(k): v for k, v in TYPE_NAMES.items()},
        "seed": int(seed),
    }
    return Dataset(
        {
            "x": x,
            "y": y,
            "lightning_mask": light,
            "boundary_mask": bnd,
            "dense_mask": dense,
            "core_type": core,
        },
        static={"input_offset": INPUT_OFFSET, "input_scale": INPUT_SCALE},
        attrs=attrs,
    )


#: The shipped split: training tiles and full test scenes.
SHIPPED = {"train": dict(n=320, size=64, seed=1), "test": dict(n=8, size=256, seed=2)}


def shipped_split() -> Split:
    """Generate the shipped split from scratch (what ``write_shipped`` writes)."""
    return Split(goes_mrms(**SHIPPED["train"]), goes_mrms(**SHIPPED["test"]))


def write_shipped(directory) -> None:
    """Write ``goes_mrms.npz`` (the registry recipe "goes_mrms")."""
    from .. import registry

    split = shipped_split()
    arrays = split_to_arrays(split)
    registry.write_npz(
        directory,
        "goes_mrms.npz",
        arrays,
        recipe="goes_mrms",
        description=(
            f"{SHIPPED['train']['n']} training tiles of 64x64 and {SHIPPED['test']['n']} test "
            "scenes of 256x256 (2 km pixels), synthetic GOES C07/C09/C13/GLM and MRMS dBZ"
        ),
    )
