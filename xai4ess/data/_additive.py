"""An additive benchmark with exact attribution, after Mamalakis, Ebert-Uphoff & Barnes (2022).

Synthetic data, declared as such: the inputs stand for maps of standardised sea-surface
temperature anomalies, the response for a scalar that depends on them (say a regional
rainfall index). Nothing here is observed; the set-up exists because its answer is known.

What is built (all deterministic for a given ``seed``; nothing is downloaded):

* an 8 x 16 latitude-longitude grid (5 degrees; 17.5 S - 17.5 N, 2.5 E - 77.5 E), a
  tropical-ocean-sized patch;
* inputs ``x``: zero-mean Gaussian fields with unit variance at every grid cell and
  covariance ``C_ij = exp(-d_ij / L)`` (exponential in the great-circle distance
  ``d_ij`` between cell centres, e-folding length ``L = 1500 km`` by default), drawn
  as ``x = L_c z`` with ``L_c`` the Cholesky factor of ``C`` and ``z`` white noise;
* for every grid cell ``i`` a continuous piece-wise linear function ``f_i`` with
  ``f_i(0) = 0``: ``K = 5`` break points, one of them at 0 and ``K - 1`` at random
  quantiles of the cell's distribution, and ``K + 1`` random slopes. Break points and
  slopes are themselves drawn as Gaussian fields with covariance ``C``, so neighbouring
  cells have similar functions (as in the paper's generator). The slope of segment ``k``
  is ``sqrt(1 - a**2) * s_i + a * s_ik`` with a cell slope ``s_i`` shared by all segments
  and segment slopes ``s_ik`` (all unit-variance Gaussian fields); ``a = nonlinearity``
  (0.5 by default) sets how far ``f_i`` is from a straight line. ``a = 1`` is the
  paper's choice (independent slopes); 0.5 lets a small dense network reach R^2 >= 0.99
  on 20 000 samples instead of the paper's million;
* the response ``y = y0 + sum_i f_i(x_i) / n_cells`` with ``y0`` the response at
  ``x = 0``;
* the ground truth ``truth[n, i] = f_i(x_ni) / n_cells``: the exact contribution of every
  grid cell relative to the baseline ``x = 0``, so ``truth.sum(axis=(1, 2, 3)) == y - y0``.

Checked against the public Python port of the paper's generator
(``ekrell/geoscience-attribution-benchmarks``, ``benchmarks/pwl_from_samples.py``): one break
point at 0, ``K - 1`` break points at quantiles ``Phi(z)`` of a correlated Gaussian ``z``,
slopes drawn from a Gaussian with the input covariance, the sum divided by the number of
cells, default ``K = 5``. The paper itself uses SST-derived covariances on a larger grid
and a million samples; this version is small on purpose (2 CPU cores, a 60 s chapter).
Because the marginals here are exactly N(0, 1), the quantile of ``Phi(z)`` is ``z`` itself.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from ._dataset import Dataset, Split

__all__ = ["additive", "response", "grid", "covariance", "write_shipped"]

#: Grid of the shipped data (nlat, nlon) and its spacing in degrees.
SHAPE, RESOLUTION = (8, 16), 5.0
#: e-folding length of the input covariance (km), number of break points.
LENGTH_KM, BREAKS = 1500.0, 5
#: Response at x = 0.
Y0 = 1.0
#: Seed of the function (break points, slopes) and of the shipped samples.
FUNCTION_SEED, TRAIN_SEED, TEST_SEED = 0, 1, 2
#: Samples in the shipped file, and the storage step of x (x stored as int16 * X_SCALE).
N_TRAIN, N_TEST, X_SCALE = 20000, 2000, 1e-3
#: Share of each slope that is cell-specific per segment (1 = the paper's independent slopes).
NONLINEARITY = 0.5
EARTH_RADIUS_KM = 6371.0


def grid(shape: tuple[int, int] = SHAPE, resolution: float = RESOLUTION):
    """Cell-centre latitudes and longitudes (degrees) of the benchmark grid.

    Examples
    --------
    >>> lat, lon = grid()
    >>> float(lat[0]), float(lat[-1]), float(lon[0]), lon.size
    (-17.5, 17.5, 2.5, 16)
    """
    nlat, nlon = shape
    lat = resolution * (np.arange(nlat) - (nlat - 1) / 2)
    lon = resolution * (np.arange(nlon) + 0.5)
    return lat, lon


def covariance(lat: np.ndarray, lon: np.ndarray, length_km: float = LENGTH_KM) -> np.ndarray:
    """Covariance ``exp(-d / length_km)`` between all cells (row-major), ``d`` great-circle.

    Examples
    --------
    >>> c = covariance(*grid((2, 2)))
    >>> c.shape, float(c[0, 0])
    ((4, 4), 1.0)
    """
    la, lo = np.meshgrid(np.deg2rad(lat), np.deg2rad(lon), indexing="ij")
    la, lo = la.ravel(), lo.ravel()
    cosd = np.sin(la)[:, None] * np.sin(la)[None, :] + np.cos(la)[:, None] * np.cos(la)[
        None, :
    ] * np.cos(lo[:, None] - lo[None, :])
    d = EARTH_RADIUS_KM * np.arccos(np.clip(cosd, -1.0, 1.0))
    return np.exp(-d / length_km)


def _cholesky(c: np.ndarray) -> np.ndarray:
    return np.linalg.cholesky(c + 1e-10 * np.eye(len(c)))


def _function(chol: np.ndarray, breaks: int, seed: int, nonlinearity: float):
    """Break points ``(cells, breaks)`` (sorted, one at 0) and slopes ``(cells, breaks + 1)``."""
    rng = np.random.default_rng([seed, 7])
    m = chol.shape[0]
    others = (chol @ rng.standard_normal((m, breaks - 1))).T  # (breaks-1, cells)
    edges = np.sort(np.vstack([np.zeros((1, m)), others]).T, axis=1)
    common = chol @ rng.standard_normal((m, 1))
    own = chol @ rng.standard_normal((m, breaks + 1))
    slopes = np.sqrt(1.0 - nonlinearity**2) * common + nonlinearity * own
    return edges, slopes


def response(x: np.ndarray, edges: np.ndarray, slopes: np.ndarray) -> np.ndarray:
    """Per-cell values ``f_i(x_i)`` (not yet divided by the number of cells).

    ``f_i`` is continuous and piece-wise linear with ``f_i(0) = 0``; on segment ``k``
    (between ``edges[i, k-1]`` and ``edges[i, k]``) its slope is ``slopes[i, k]``.

    Parameters
    ----------
    x : ndarray
        ``(N, cells)`` input values.
    edges : ndarray
        ``(cells, K)`` sorted break points, one of them exactly 0.
    slopes : ndarray
        ``(cells, K + 1)`` slopes of the segments.

    Examples
    --------
    >>> e = np.array([[-1.0, 0.0]]); s = np.array([[3.0, 1.0, 2.0]])
    >>> response(np.array([[-2.0], [-0.5], [0.0], [2.0]]), e, s).ravel().tolist()
    [-4.0, -0.5, 0.0, 4.0]
    """
    x = np.asarray(x, dtype=np.float64)
    out = np.zeros_like(x)
    k = edges.shape[1]
    lo = np.concatenate([np.full((edges.shape[0], 1), -np.inf), edges], axis=1)  # (cells, K+1)
    hi = np.concatenate([edges, np.full((edges.shape[0], 1), np.inf)], axis=1)
    for j in range(k + 1):
        a, b = lo[:, j], hi[:, j]
        # length of [0, x] (or [x, 0]) that falls in segment j, signed
        pos = np.clip(np.minimum(x, b) - np.maximum(0.0, a), 0.0, None)
        neg = np.clip(np.minimum(0.0, b) - np.maximum(x, a), 0.0, None)
        out += slopes[:, j] * (pos - neg)
    return out


def additive(
    n: int = 1000,
    seed: int = 0,
    *,
    function_seed: int = FUNCTION_SEED,
    shape: tuple[int, int] = SHAPE,
    length_km: float = LENGTH_KM,
    breaks: int = BREAKS,
    y0: float = Y0,
    nonlinearity: float = NONLINEARITY,
    x: np.ndarray | None = None,
) -> Dataset:
    """Samples of the additive benchmark: correlated fields, response and exact attribution.

    Parameters
    ----------
    n : int
        Number of samples (ignored when ``x`` is given).
    seed : int
        Seed of the input fields.
    function_seed : int
        Seed of the piece-wise linear functions (keep it fixed: it defines the problem).
    shape : (int, int)
        Grid size (nlat, nlon) on a 5-degree grid.
    length_km : float
        e-folding length of the input covariance.
    breaks : int
        Number of break points per cell (>= 1; one is at 0).
    nonlinearity : float
        In [0, 1]: 0 makes every ``f_i`` linear, 1 gives independent segment slopes.
    y0 : float
        Response at ``x = 0``.
    x : ndarray, optional
        ``(N, nlat, nlon[, 1])`` inputs to use instead of drawing new ones.

    Returns
    -------
    Dataset
        ``x`` ``(N, nlat, nlon, 1)`` float32, ``y`` ``(N,)`` float64, ``truth``
        ``(N, nlat, nlon, 1)`` float64; static ``lat``, ``lon``, ``edges``, ``slopes``,
        ``y0``; ``truth.sum(axis=(1, 2, 3)) == y - y0``.

    Examples
    --------
    >>> ds = additive(8, seed=3, shape=(4, 8))
    >>> ds.x.shape, bool(np.allclose(ds.truth.sum(axis=(1, 2, 3)), ds.y - ds.y0))
    ((8, 4, 8, 1), True)
    """
    if breaks < 1:
        raise ValueError(f"breaks must be >= 1, got {breaks}")
    lat, lon = grid(shape)
    chol = _cholesky(covariance(lat, lon, length_km))
    m = chol.shape[0]
    if x is None:
        if n < 1:
            raise ValueError(f"n must be >= 1, got {n}")
        rng = np.random.default_rng([seed, 11])
        flat = (chol @ rng.standard_normal((m, n))).T.astype(np.float32)
    else:
        x = np.asarray(x, dtype=np.float32)
        if x.ndim == 4 and x.shape[-1] == 1:
            x = x[..., 0]
        if x.shape[1:] != tuple(shape):
            raise ValueError(f"x must have shape (N, {shape[0]}, {shape[1]}[, 1]), got {x.shape}")
        flat = x.reshape(len(x), m)
    if not 0.0 <= nonlinearity <= 1.0:
        raise ValueError(f"nonlinearity must be in [0, 1], got {nonlinearity}")
    edges, slopes = _function(chol, breaks, function_seed, nonlinearity)
    contrib = response(flat, edges, slopes) / m
    y = y0 + contrib.sum(axis=1)
    attrs = {
        "description": "Synthetic additive benchmark (Mamalakis et al. 2022 style): correlated "
        "Gaussian fields, sum of per-cell piece-wise linear functions, exact attribution",
        "units": {"x": "standard deviations (standardised anomaly)", "y": "1"},
        "covariance": f"exp(-great_circle_distance / {length_km} km), unit variance",
        "breaks": breaks,
        "nonlinearity": nonlinearity,
        "function_seed": function_seed,
    }
    return Dataset(
        {
            "x": flat.reshape(-1, *shape, 1),
            "y": y,
            "truth": contrib.reshape(-1, *shape, 1),
        },
        {
            "lat": lat,
            "lon": lon,
            "edges": edges,
            "slopes": slopes,
            "y0": np.array([y0], dtype=np.float64),
        },
        attrs,
    )


def complete(split: Split) -> Split:
    """Rebuild ``y`` and ``truth`` of the shipped split from its stored ``x`` (exact)."""
    out = []
    for ds in split:
        m = ds.edges.shape[0]
        flat = np.asarray(ds.x, dtype=np.float32).reshape(len(ds), m)
        contrib = response(flat, ds.edges, ds.slopes) / m
        y = float(np.asarray(ds.y0).reshape(-1)[0]) + contrib.sum(axis=1)
        out.append(ds.replace(y=y, truth=contrib.reshape(ds.x.shape)))
    return Split(*out)


def write_shipped(directory: Path) -> None:
    """Write ``additive.npz``: x as int16 * 1e-3 plus the function; y, truth rebuilt on load."""
    from .. import registry
    from ._dataset import split_to_arrays

    parts = []
    for n, seed in ((N_TRAIN, TRAIN_SEED), (N_TEST, TEST_SEED)):
        ds = additive(n, seed)
        q = np.round(ds.x.astype(np.float64) / X_SCALE)
        if np.abs(q).max() > np.iinfo(np.int16).max:
            raise ValueError("x out of int16 range")
        stored = Dataset(
            {"x": q.astype(np.int16)},
            {k: getattr(ds, k) for k in ("lat", "lon", "edges", "slopes", "y0")},
            {**ds.attrs, "x_scale": X_SCALE, "seed": seed},
        )
        parts.append(stored)
    registry.write_npz(
        directory,
        "additive.npz",
        split_to_arrays(Split(*parts)),
        recipe="additive",
        description=f"Additive benchmark: {N_TRAIN} train (seed {TRAIN_SEED}) / {N_TEST} test "
        f"(seed {TEST_SEED}) 16x32 fields; x stored as int16 * x_scale, y and truth rebuilt "
        "exactly on load from the stored function",
    )
