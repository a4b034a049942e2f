"""Synthetic annual-mean surface temperature maps: a forced warming signal with a known
pattern and timing, hidden in internal variability with realistic spatial structure.

The data stand in for a CMIP-class initial-condition large ensemble such as the
CESM Large Ensemble (Kay et al. 2015) used by Barnes et al. (2019, 2020): every
ensemble member sees the same forcing, so the members differ only by their
internal variability, and the forced response is what they have in common.

What is built (all deterministic; nothing is downloaded):

* a global longitude-latitude grid (5 degrees by default) and a crude but
  recognisable land mask, rasterised from a small hard-coded description of the
  continents (polygons) and islands (ellipses);
* the forced response
  ``forced(t) = ghg(t) * pattern_ghg + aer(t) * pattern_aer + late(t) * pattern_late``
  (K), anomalies relative to the 1920-1949 forced climate. ``pattern_ghg`` is
  the warming per kelvin of global-mean warming: land warms faster than ocean,
  Arctic amplification, weak warming over the Southern Ocean, a hot spot over
  the Middle East and North Africa. ``pattern_aer`` is the regional cooling by
  industrial aerosols (East Asia, Europe, eastern North America, India),
  strongest around 1985. ``pattern_late`` is the slow response that only
  appears after about 2020: more Arctic amplification as the sea ice goes, a
  North-Atlantic warming hole (weaker overturning circulation) and the delayed
  warming of the Southern Ocean. So the forced pattern changes with time;
* internal variability: ENSO-, PDO-, NAO-, AMO- and SAM-like modes (fixed
  patterns, AR(1) time series) plus spatially correlated AR(1) red noise, with
  a known standard deviation at every grid point.

The ground truth (static fields): ``signal`` (forced anomaly averaged over
2071-2100, K), ``noise_std`` (standard deviation of the internal variability of
annual means, K), ``snr = |signal| / noise_std`` and ``emergence_year`` (first
year after which the forced anomaly stays above two noise standard deviations).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from ._dataset import Dataset, Split

__all__ = ["climate", "land_fraction", "write_shipped"]

#: First and last year of the shipped record, and the reference periods.
FIRST_YEAR, LAST_YEAR = 1920, 2100
BASELINE = (1920, 1949)
LATE = (2071, 2100)
#: Members of the shipped file: 0-7 train, 8-9 test.
SHIPPED_MEMBERS, TEST_MEMBERS = 10, (8, 9)
#: Storage step of the shipped anomalies (K): x is stored as int16 * X_SCALE.
X_SCALE = 0.05
#: Threshold (in noise standard deviations) that defines ``emergence_year``.
EMERGENCE_SIGMA = 2.0

# -- a crude map of the world ------------------------------------------------
# fmt: off
# Polygons as (lon, lat) vertices in degrees east/north. They only need to be
# recognisable on a 5-degree grid.
_CONTINENTS: dict[str, list[tuple[float, float]]] = {
    "north_america": [
        (-168, 66), (-164, 70), (-156, 71.5), (-140, 70), (-128, 70), (-115, 69),
        (-100, 68), (-94, 71), (-85, 70), (-82, 66), (-88, 64), (-94, 60), (-92, 57),
        (-82, 55), (-79, 58), (-78, 62), (-72, 62), (-64, 60), (-56, 53), (-60, 47),
        (-66, 45), (-70, 42), (-74, 40), (-76, 35), (-81, 31), (-80, 26), (-82, 26),
        (-82, 29), (-89, 30), (-94, 29), (-97, 26), (-97, 21), (-91, 19), (-87, 21),
        (-88, 16), (-83, 15), (-83, 10), (-78, 8), (-80, 7), (-85, 10), (-92, 14),
        (-96, 16), (-105, 20), (-109, 24), (-110, 23), (-115, 30), (-117, 32),
        (-121, 35), (-124, 40), (-124, 47), (-128, 51), (-135, 57), (-141, 60),
        (-150, 61), (-158, 57), (-165, 55), (-162, 58), (-166, 62), (-165, 64),
    ],
    "arctic_archipelago": [
        (-125, 71), (-118, 77), (-100, 79), (-85, 82), (-62, 82.5), (-70, 79),
        (-78, 76), (-80, 73), (-90, 71), (-105, 70),
    ],
    "greenland": [
        (-73, 78), (-66, 81), (-45, 83), (-25, 83), (-18, 80), (-20, 75), (-22, 70),
        (-32, 68), (-42, 61), (-48, 60), (-52, 64), (-55, 70), (-60, 76),
    ],
    "south_america": [
        (-77, 8), (-72, 12), (-63, 11), (-60, 8), (-52, 5), (-50, 0), (-44, -2),
        (-35, -5), (-38, -13), (-40, -20), (-44, -23), (-48, -26), (-53, -33),
        (-58, -38), (-62, -39), (-65, -42), (-65, -47), (-68, -50), (-69, -53),
        (-68, -55), (-72, -54), (-75, -50), (-74, -43), (-73, -37), (-71, -30),
        (-70, -18), (-76, -14), (-81, -6), (-80, -2), (-79, 2), (-78, 7),
    ],
    "africa": [
        (-17, 15), (-17, 21), (-13, 27), (-10, 30), (-9, 33), (-6, 36), (0, 36),
        (10, 37), (11, 33), (20, 31), (25, 32), (32, 31), (34, 27), (37, 20),
        (40, 15), (43, 12), (51, 12), (51, 10), (48, 5), (42, -1), (40, -5),
        (39, -10), (40, -15), (35, -20), (35, -24), (33, -27), (32, -29), (28, -33),
        (25, -34), (20, -35), (18, -33), (15, -27), (12, -17), (13, -12), (12, -5),
        (9, -1), (9, 4), (5, 5), (-2, 5), (-8, 4.5), (-12, 7), (-15, 11),
    ],
    "eurasia": [
        (-6, 36), (-9, 37), (-9, 43), (-2, 43.5), (-1, 46), (-4, 48), (2, 51), (5, 53),
        (8, 54), (8, 57), (5, 59), (5, 62), (10, 64), (14, 68), (20, 70), (28, 71),
        (33, 69.5), (40, 67), (44, 68), (55, 68.5), (60, 69.5), (68, 72), (73, 73),
        (80, 73), (87, 75), (100, 77.5), (105, 77.5), (113, 74), (130, 72),
        (140, 72.5), (150, 71), (160, 70), (170, 70), (180, 68.5), (180, 65),
        (178, 64), (172, 60), (163, 59), (162, 56), (157, 51), (156, 57), (150, 59),
        (142, 59), (137, 54), (140, 48), (135, 43), (130, 42), (129, 35), (126, 35),
        (125, 39), (121, 40), (118, 39), (121, 37), (120, 34), (122, 30), (120, 26),
        (116, 23), (110, 21), (106, 19), (109, 12), (105, 9), (103, 10), (100, 13),
        (100, 8), (103.5, 1.5), (101, 3), (99, 8), (98, 12), (97, 17), (94, 16),
        (94, 19), (92, 22), (87, 21), (85, 20), (80, 15), (80, 10), (77, 8), (76, 10),
        (73, 16), (72.5, 21), (67, 25), (62, 25), (57, 26), (54, 27), (50, 30),
        (48, 30), (50, 26), (55, 25), (56, 24), (58, 23.5), (59.5, 22.5), (57, 19),
        (55, 17), (52, 16), (45, 13), (43, 13), (42, 16), (39, 21), (36, 26),
        (35, 28), (34, 31), (35, 33), (36, 36), (30, 36), (27, 37), (26, 40),
        (23, 37), (20, 39), (18, 40), (16, 38), (15.5, 40), (12, 42), (10, 44),
        (7, 44), (3, 43), (0, 40), (-1, 37),
    ],
    "australia": [
        (114, -22), (122, -18), (130, -12), (137, -12), (142, -11), (146, -19),
        (153, -25), (151, -34), (146, -39), (138, -35), (130, -32), (116, -35),
    ],
    "antarctica": [
        (-180, -78), (-160, -77), (-150, -76), (-130, -74), (-110, -74), (-100, -73),
        (-80, -73), (-70, -70), (-63, -64), (-58, -64), (-60, -68), (-62, -72),
        (-50, -77), (-40, -78), (-30, -76), (-20, -73), (-10, -71), (0, -70),
        (20, -70), (40, -69), (60, -67), (80, -67), (100, -66), (120, -66),
        (140, -67), (160, -70), (170, -72), (165, -78), (180, -78), (180, -90),
        (-180, -90),
    ],
}
# Islands as ellipses (lon, lat, half-width lon, half-width lat), degrees.
_ISLANDS = [
    (-2, 54, 2.5, 4.5), (-8, 53.5, 1.5, 1.5), (-19, 65, 4, 1.3), (17, 78.5, 5, 2),
    (57, 74, 3, 3.5), (138, 37, 4, 3), (143, 43.5, 2, 1.5), (143, 50, 1.5, 4),
    (121, 23.7, 1, 1.8), (122, 12, 3, 6), (114, 0.5, 4.5, 4.5), (101, 0, 2.5, 5),
    (110, -7.3, 5, 1), (121, -2, 2, 3), (141, -5, 9, 3), (175, -38.5, 2, 2.5),
    (170, -44, 2.5, 3), (46.5, -19, 2.5, 6.5), (81, 7.5, 1, 1.5), (-79, 21.7, 5, 1),
    (-71, 19, 2.5, 1), (-56, 48.5, 2.5, 2), (146.5, -42, 1.5, 1.2),
]
# Inland seas cut out of the continents (same format).
_SEAS = [
    (-86, 59, 8, 5), (19, 58, 3, 4), (21, 63, 2, 3), (34, 43.5, 7, 2.5), (51, 42, 2.5, 5),
]
# fmt: on


def _inside_polygon(lon: np.ndarray, lat: np.ndarray, poly) -> np.ndarray:
    """Even-odd rule: which points (lon, lat) lie inside the polygon."""
    px = np.array([p[0] for p in poly], dtype=float)
    py = np.array([p[1] for p in poly], dtype=float)
    qx, qy = np.roll(px, -1), np.roll(py, -1)
    inside = np.zeros(lon.shape, dtype=bool)
    for x0, y0, x1, y1 in zip(px, py, qx, qy):
        crosses = (y0 > lat) != (y1 > lat)
        with np.errstate(divide="ignore", invalid="ignore"):
            x_at = x0 + (lat - y0) * (x1 - x0) / (y1 - y0)
        inside ^= crosses & (lon < x_at)
    return inside


def _inside_ellipses(lon: np.ndarray, lat: np.ndarray, ellipses) -> np.ndarray:
    out = np.zeros(lon.shape, dtype=bool)
    for lon0, lat0, a, b in ellipses:
        dlon = (lon - lon0 + 180.0) % 360.0 - 180.0
        out |= (dlon / a) ** 2 + ((lat - lat0) / b) ** 2 <= 1.0
    return out


def land_fraction(lat: np.ndarray, lon: np.ndarray, oversample: int = 5) -> np.ndarray:
    """Fraction of land in each grid cell of a regular lon-lat grid.

    Each cell is sampled at ``oversample**2`` points, which are tested against
    the hard-coded continents (polygons), islands and inland seas (ellipses).

    Parameters
    ----------
    lat, lon : ndarray
        Cell-centre latitudes (degrees north, ascending) and longitudes
        (degrees east, in [-180, 180)), regularly spaced.
    oversample : int
        Sub-samples per cell and direction.

    Returns
    -------
    ndarray
        ``(len(lat), len(lon))`` float32 in [0, 1].

    Examples
    --------
    >>> import numpy as np
    >>> lat = np.arange(-87.5, 90, 5.0); lon = np.arange(-177.5, 180, 5.0)
    >>> frac = land_fraction(lat, lon)
    >>> 0.25 < float(np.average(frac.mean(1), weights=np.cos(np.deg2rad(lat)))) < 0.35
    True
    """
    lat = np.asarray(lat, dtype=float)
    lon = np.asarray(lon, dtype=float)
    dlat = abs(lat[1] - lat[0]) if lat.size > 1 else 180.0
    dlon = abs(lon[1] - lon[0]) if lon.size > 1 else 360.0
    offs = (np.arange(oversample) + 0.5) / oversample - 0.5
    sub_lat = (lat[:, None] + offs[None, :] * dlat).ravel()
    sub_lon = (lon[:, None] + offs[None, :] * dlon).ravel()
    sub_lon = (sub_lon + 180.0) % 360.0 - 180.0
    glon, glat = np.meshgrid(sub_lon, sub_lat)
    land = np.zeros(glon.shape, dtype=bool)
    for poly in _CONTINENTS.values():
        land |= _inside_polygon(glon, glat, poly)
    land |= _inside_ellipses(glon, glat, _ISLANDS)
    land &= ~_inside_ellipses(glon, glat, _SEAS)
    frac = land.reshape(lat.size, oversample, lon.size, oversample).mean(axis=(1, 3))
    return frac.astype(np.float32)


# -- building blocks of the physics --------------------------------------------
def _smoothstep(x, a: float, b: float):
    t = np.clip((x - a) / (b - a), 0.0, 1.0)
    return t * t * (3.0 - 2.0 * t)


def _blob(glon, glat, lon0: float, lat0: float, slon: float, slat: float):
    """A Gaussian bump (peak 1) centred at (lon0, lat0), widths in degrees."""
    dlon = (glon - lon0 + 180.0) % 360.0 - 180.0
    return np.exp(-0.5 * ((dlon / slon) ** 2 + ((glat - lat0) / slat) ** 2))


def _area_mean(field, lat):
    w = np.cos(np.deg2rad(lat))[:, None] * np.ones_like(field)
    return float((field * w).sum() / w.sum())


def ghg_index(years) -> np.ndarray:
    """Forced global-mean warming (K): slow until the 1970s, then about 0.3 K per decade.

    A smoothed ramp, ``0.031 K/yr * 18 yr * log(1 + exp((t - 1985) / 18 yr))``: 0.2 K in
    1970, 1.2 K in 2020, 3.6 K in 2100 (before the 1920-1949 baseline is removed).
    """
    t = np.asarray(years, dtype=float)
    return 0.031 * 18.0 * np.logaddexp(0.0, (t - 1985.0) / 18.0)


def aer_index(years) -> np.ndarray:
    """Aerosol loading (1 at its 1985 peak), a bump that rises after 1950 and declines."""
    t = np.asarray(years, dtype=float)
    return np.exp(-(((t - 1985.0) / 28.0) ** 2))


def late_index(years) -> np.ndarray:
    """Slow, late responses (K-equivalent): negligible before 2000, about 2 by 2100.

    ``0.03 K/yr * 15 yr * log(1 + exp((t - 2030) / 15 yr))``: sea-ice loss, a weakening
    Atlantic overturning circulation and the delayed warming of the Southern Ocean.
    """
    t = np.asarray(years, dtype=float)
    return 0.03 * 15.0 * np.logaddexp(0.0, (t - 2030.0) / 15.0)


def _patterns(glon, glat, lf, lat):
    """Forced patterns: warming per K global warming, aerosol cooling (K) at peak loading,
    and the late response per unit of :func:`late_index`."""
    ocean = (
        0.75
        + 1.3 * _smoothstep(glat, 58, 82)  # Arctic amplification
        - 0.45 * _blob(glon, glat, 0, -55, 360, 8)  # Southern Ocean: deep mixing, slow warming
        + 0.25 * _blob(glon, glat, -115, 0, 35, 6)  # El Nino-like eastern Pacific warming
        + 0.15 * _blob(glon, glat, 75, -5, 25, 12)  # Indian Ocean
    )
    land = (
        1.35
        + 1.3 * _smoothstep(glat, 50, 75)  # high-latitude land (snow albedo)
        + 0.4 * _blob(glon, glat, 35, 27, 28, 10)  # Middle East / North Africa hot spot
        - 0.45 * _smoothstep(-glat, 62, 72)  # Antarctica warms less
    )
    ghg = lf * land + (1.0 - lf) * ocean
    ghg = ghg / _area_mean(ghg, lat)  # per K of global-mean warming, exactly
    aer = -(
        0.9 * _blob(glon, glat, 112, 32, 16, 9)  # East Asia
        + 0.75 * _blob(glon, glat, 18, 50, 18, 8)  # Europe
        + 0.65 * _blob(glon, glat, -82, 40, 14, 8)  # eastern North America
        + 0.45 * _blob(glon, glat, 80, 23, 10, 7)  # India
        + 0.12 * _smoothstep(glat, 5, 35)  # hemispheric dimming
    )
    late_ocean = (
        2.2 * _smoothstep(glat, 62, 84)  # summer sea ice disappears
        - 1.6 * _blob(glon, glat, -38, 53, 13, 7)  # North-Atlantic warming hole (AMOC decline)
        + 0.5 * _blob(glon, glat, 0, -58, 360, 8)  # the Southern Ocean catches up
    )
    late_land = 0.6 * _smoothstep(glat, 55, 75)  # permafrost and snow-cover loss
    late = lf * late_land + (1.0 - lf) * late_ocean
    return ghg.astype(np.float64), aer.astype(np.float64), late.astype(np.float64)


def _modes(glon, glat, lf):
    """Internal-variability modes: (name, pattern in K per unit index, AR(1) coefficient)."""
    b = _blob
    enso = (
        0.95 * b(glon, glat, -125, 0, 38, 8) * (1 - lf)
        + 0.3 * b(glon, glat, 75, 0, 25, 14) * (1 - lf)
        - 0.35 * b(glon, glat, 165, 28, 25, 9)
        - 0.35 * b(glon, glat, 165, -28, 25, 9)
        + 0.55 * b(glon, glat, -120, 57, 18, 9)
        - 0.35 * b(glon, glat, -85, 32, 14, 7)
        + 0.25 * b(glon, glat, -60, -5, 15, 12) * lf
        + 0.25 * b(glon, glat, 110, 5, 20, 12)
    )
    pdo = (
        -0.5 * b(glon, glat, -165, 40, 25, 9) * (1 - lf)
        + 0.35 * b(glon, glat, -135, 45, 10, 15)
        + 0.2 * b(glon, glat, -140, 5, 30, 10)
    )
    nao = (
        1.05 * b(glon, glat, 35, 60, 32, 10)
        - 0.85 * b(glon, glat, -50, 64, 20, 9)
        + 0.5 * b(glon, glat, -75, 38, 15, 8)
        - 0.35 * b(glon, glat, 15, 32, 20, 7)
    )
    amo = 0.4 * b(glon, glat, -40, 45, 38, 17) + 0.15 * b(glon, glat, 0, 50, 20, 10)
    sam = 0.7 * _smoothstep(-glat, 66, 80) - 0.3 * b(glon, glat, 0, -48, 360, 7)
    return [
        ("enso", enso, 0.2),
        ("pdo", pdo, 0.75),
        ("nao", nao, 0.1),
        ("amo", amo, 0.92),
        ("sam", sam, 0.3),
    ]


def _local_std(glat, lf):
    """Standard deviation (K) of the grid-point red noise, before the modes are added."""
    alat = np.abs(glat)
    ocean = (
        0.22
        + 0.25 * _smoothstep(alat, 20, 60)
        + 1.3 * _smoothstep(glat, 66, 84)  # Arctic sea-ice edge
        + 0.35 * _smoothstep(-glat, 55, 70)  # Antarctic sea-ice edge
    )
    land = 0.4 + 0.7 * _smoothstep(alat, 15, 60) + 0.45 * _smoothstep(glat, 60, 80)
    return lf * land + (1.0 - lf) * ocean


def _smoother(lat, res: float, length_deg: float = 9.0):
    """Impulse responses of a lat/lon Gaussian smoothing whose longitude width grows
    with 1/cos(lat) (same physical scale everywhere), and the per-point variance it
    gives to unit white noise."""
    from scipy.ndimage import gaussian_filter1d

    nlat = lat.size
    sig_lat = length_deg / res
    klat = gaussian_filter1d(np.eye(nlat), sig_lat, axis=0, mode="nearest")
    sig_lon = np.minimum(sig_lat / np.maximum(np.cos(np.deg2rad(lat)), 1e-3), 0.3 * 360 / res)
    return klat, sig_lon


def _red_noise(rng, shape, lat, res, phi):
    """Spatially correlated AR(1) noise with unit variance at every grid point."""
    from scipy.ndimage import gaussian_filter1d

    nt, nlat, nlon = shape
    klat, sig_lon = _smoother(lat, res)
    var_lat = (klat**2).sum(axis=1)
    var_lon = np.empty(nlat)
    imp = np.zeros(nlon)
    imp[0] = 1.0
    for i in range(nlat):
        var_lon[i] = (gaussian_filter1d(imp, sig_lon[i], mode="wrap") ** 2).sum()
    scale = 1.0 / np.sqrt(var_lat * var_lon)
    out = np.empty(shape)
    state = None
    for t in range(nt):
        w = rng.standard_normal((nlat, nlon))
        w = klat @ w  # smooth along latitude
        for i in range(nlat):
            w[i] = gaussian_filter1d(w[i], sig_lon[i], mode="wrap")
        w *= scale[:, None]
        state = w if state is None else phi * state + np.sqrt(1.0 - phi**2) * w
        out[t] = state
    return out


def _ar1(rng, n: int, phi: float) -> np.ndarray:
    out = np.empty(n)
    out[0] = rng.standard_normal()
    for t in range(1, n):
        out[t] = phi * out[t - 1] + np.sqrt(1.0 - phi**2) * rng.standard_normal()
    return out


def _grid(resolution: float):
    if resolution <= 0 or (180.0 / resolution) % 1 or (360.0 / resolution) % 1:
        raise ValueError(f"resolution must divide 180 degrees, got {resolution!r}")
    lat = np.arange(-90.0 + resolution / 2, 90.0, resolution)
    lon = np.arange(-180.0 + resolution / 2, 180.0, resolution)
    return lat, lon


def _internal_variability(seed, n_years: int, lat, resolution: float, lf, modes) -> np.ndarray:
    """One member's internal variability (n_years, nlat, nlon) in K: local red noise
    (more persistent over the ocean) plus AR(1) amplitudes of the large-scale modes."""
    glat = np.broadcast_to(lat[:, None], lf.shape)
    rng = np.random.default_rng(seed)
    phi_loc = 0.15 * lf + 0.5 * (1.0 - lf)
    noise = _local_std(glat, lf) * _red_noise(rng, (n_years, *lf.shape), lat, resolution, phi_loc)
    for _, pattern, phi in modes:
        noise += _ar1(rng, n_years, phi)[:, None, None] * pattern
    return noise


def _emergence_year(ratio: np.ndarray, years: np.ndarray) -> np.ndarray:
    """First year after which ``ratio`` (years, nlat, nlon) stays at or above
    ``EMERGENCE_SIGMA`` to the end of the record; NaN where it never does."""
    stays = np.flip(np.logical_and.accumulate(np.flip(ratio >= EMERGENCE_SIGMA, 0), axis=0), 0)
    return np.where(stays.any(axis=0), years[np.argmax(stays, axis=0)], np.nan)


def _attrs(resolution: float, seed: int) -> dict:
    """The dataset's description, units and settings."""
    return {
        "description": "Synthetic large ensemble of annual-mean surface temperature anomaly "
        "maps (stand-in for CMIP large ensembles such as CESM-LE)",
        "units": {
            "x": "K",
            "y": "year",
            "signal": "K",
            "noise_std": "K",
            "snr": "1",
            "pattern_ghg": "K per K of global-mean warming",
            "pattern_aer": "K",
        },
        "x_layout": "(sample, lat, lon, 1), lat ascending from the south pole, lon from -180",
        "baseline": list(BASELINE),
        "late_period": list(LATE),
        "resolution_deg": float(resolution),
        "seed": int(seed),
        "emergence_sigma": EMERGENCE_SIGMA,
    }


def climate(
    members: int = SHIPPED_MEMBERS,
    seed: int = 0,
    *,
    first_year: int = FIRST_YEAR,
    last_year: int = LAST_YEAR,
    resolution: float = 5.0,
) -> Dataset:
    """Annual-mean surface temperature anomaly maps of a synthetic large ensemble.

    Every member shares the forced response (same pattern, same timing) and has
    its own internal variability; member ``m`` depends only on ``(seed, m)``.

    Parameters
    ----------
    members : int
        Number of ensemble members (0 ... members-1).
    seed : int
        Seed of the internal variability.
    first_year, last_year : int
        Years of the record (inclusive).
    resolution : float
        Grid spacing in degrees (5 or 10 are sensible; must divide 180).

    Returns
    -------
    Dataset
        Per sample (one map per member and year, member-major order):
        ``x`` (N, nlat, nlon, 1) float32, temperature anomaly in K relative
        to the 1920-1949 forced climate; ``y`` (N,) float32, the year;
        ``member`` (N,) int. Static: ``lat``, ``lon`` (cell centres, degrees),
        ``land_mask`` (bool), ``land_fraction``, ``signal`` (forced anomaly
        2071-2100, K), ``noise_std`` (K), ``snr`` (``|signal| / noise_std``),
        ``emergence_year`` (NaN where the signal never emerges),
        ``pattern_ghg`` (K per K of global-mean warming), ``pattern_aer`` (K
        at peak aerosol loading), ``pattern_late`` (K per unit late index),
        the forcing time series ``forcing_year``, ``forcing_ghg`` (K),
        ``forcing_aer`` (1 at peak), ``forcing_late``, and
        ``forced_baseline`` (K), so that the forced anomaly of year t is
        ``ghg(t) * pattern_ghg + aer(t) * pattern_aer + late(t) * pattern_late
        - forced_baseline``.

    Examples
    --------
    >>> ds = climate(members=1, last_year=1925, resolution=10)
    >>> ds.x.shape, ds.y[:3].tolist()
    ((6, 18, 36, 1), [1920.0, 1921.0, 1922.0])
    """
    members = int(members)
    if members < 1:
        raise ValueError(f"members must be at least 1, got {members}")
    if last_year < first_year:
        raise ValueError(f"last_year ({last_year}) is before first_year ({first_year})")
    lat, lon = _grid(float(resolution))
    glon, glat = np.meshgrid(lon, lat)
    lf = land_fraction(lat, lon).astype(np.float64)
    ghg_pat, aer_pat, late_pat = _patterns(glon, glat, lf, lat)

    def forced(years):
        years = np.asarray(years, dtype=float)
        return (
            ghg_index(years)[:, None, None] * ghg_pat
            + aer_index(years)[:, None, None] * aer_pat
            + late_index(years)[:, None, None] * late_pat
        )

    base = forced(np.arange(BASELINE[0], BASELINE[1] + 1)).mean(axis=0)
    years = np.arange(first_year, last_year + 1)
    fx = forced(years) - base

    modes = _modes(glon, glat, lf)
    noise_std = np.sqrt(sum(p**2 for _, p, _ in modes) + _local_std(glat, lf) ** 2)

    xs = [
        fx + _internal_variability([int(seed), m], years.size, lat, resolution, lf, modes)
        for m in range(members)
    ]
    x = np.concatenate(xs).astype(np.float32)[..., None]
    y = np.tile(years, members).astype(np.float32)
    member = np.repeat(np.arange(members), years.size).astype(np.int64)

    signal = forced(np.arange(LATE[0], LATE[1] + 1)).mean(axis=0) - base
    snr = np.abs(signal) / noise_std
    all_years = np.arange(FIRST_YEAR, LAST_YEAR + 1)
    emergence = _emergence_year(np.abs(forced(all_years) - base) / noise_std, all_years)

    static = {
        "lat": lat.astype(np.float32),
        "lon": lon.astype(np.float32),
        "land_mask": lf >= 0.5,
        "land_fraction": lf.astype(np.float32),
        "signal": signal.astype(np.float32),
        "noise_std": noise_std.astype(np.float32),
        "snr": snr.astype(np.float32),
        "emergence_year": emergence.astype(np.float32),
        "pattern_ghg": ghg_pat.astype(np.float32),
        "pattern_aer": aer_pat.astype(np.float32),
        "pattern_late": late_pat.astype(np.float32),
        "forcing_year": all_years.astype(np.float32),
        "forcing_ghg": ghg_index(all_years).astype(np.float32),
        "forcing_aer": aer_index(all_years).astype(np.float32),
        "forcing_late": late_index(all_years).astype(np.float32),
        "forced_baseline": base.astype(np.float32),
    }
    return Dataset({"x": x, "y": y, "member": member}, static, _attrs(resolution, seed))


def write_shipped(directory: Path) -> None:
    """Write ``climate.npz``: members 0-7 train, 8-9 test (x stored as int16 * 0.05 K)."""
    from .. import registry
    from ._dataset import split_to_arrays

    ds = climate(SHIPPED_MEMBERS, seed=0)
    stored = ds.replace(x=np.round(ds.x / X_SCALE).astype(np.int16))
    stored.attrs["x_scale"] = X_SCALE
    test = np.isin(ds.member, TEST_MEMBERS)
    split = Split(stored[np.flatnonzero(~test)], stored[np.flatnonzero(test)])
    registry.write_npz(
        directory,
        "climate.npz",
        split_to_arrays(split),
        recipe="climate",
        description="Synthetic large ensemble, 5-degree annual-mean temperature anomaly maps "
        "1920-2100, members 0-7 train, 8-9 test; x stored as int16, multiply by attrs x_scale (K)",
    )
