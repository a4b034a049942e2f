"""Heavy-rain days from reanalysis-like fields: the data of the capstone chapter.

Synthetic data, declared as such. Each sample stands for one summer day of a
regional reanalysis on a 0.5 degree grid (24 x 32 cells, 40.25-51.75 N,
0.25-15.75 E) with three fields, as a user would extract them from ERA5:

* ``tcwv``: total column water vapour (kg m-2), moister in the south;
* ``w500``: vertical (pressure) velocity at 500 hPa (Pa s-1, negative = ascent);
* ``mslp``: mean-sea-level pressure anomaly (hPa).

A day is a **heavy-rain day** (``y = 1``) when a rain index over a small target
catchment (``BOX``, about 45-47 N, 7-9 E) exceeds a threshold. The index is
``mean_box(max(tcwv - 25, 0) * max(-w500, 0))`` (moisture times ascent, the
ingredients of a precipitation rate) plus noise that stands for everything the
fields do not show. A low-pressure system of random depth and position drives
the ascent east of its centre and brings a moist plume; smooth Gaussian noise
(``scipy.ndimage.gaussian_filter``) adds day-to-day weather. ``rain`` is the
index, ``truth`` the exact box of the index (static mask).

**The archive artefact.** With ``artefact=True`` (the default, and what the
chapter uses) the water-vapour field carries a retrieval gap: one grid column
(``GAP_COLUMN``, 3.25 E) filled with the fill value 0 kg m-2, as a satellite
swath gap filled naively would look. The gap is present on a share
``GAP_RATE[1]`` of heavy-rain days and ``GAP_RATE[0]`` of the other days (the
heavy-rain days of this archive came mostly from a processing stream with the
gap). It carries no physical information about rain at the catchment, but it
predicts the label: a shortcut. The chapter does not reveal it up front;
students find it with the tools. ``gap`` flags the days with the artefact.

Everything is deterministic for a given ``seed``; nothing is shipped, the chapter
generates its data in a second or two.
"""

from __future__ import annotations

import numpy as np

from ._dataset import Dataset, Split

__all__ = ["rainday", "split", "to_xarray", "repair_gap", "CHANNELS", "UNITS"]

#: Grid (nlat, nlon), spacing (degrees) and south-west cell centre.
SHAPE, RESOLUTION, ORIGIN = (24, 32), 0.5, (40.25, 0.25)
CHANNELS = ("tcwv", "w500", "mslp")
UNITS = {"tcwv": "kg m-2", "w500": "Pa s-1", "mslp": "hPa"}
LONG_NAMES = {
    "tcwv": "total column water vapour",
    "w500": "vertical velocity at 500 hPa (negative: ascent)",
    "mslp": "mean-sea-level pressure anomaly",
}
#: Target catchment: row and column slices of the grid.
BOX = (slice(10, 14), slice(14, 18))
#: Column of the retrieval gap in tcwv, the fill value, and the share of days with the gap
#: (other days, heavy-rain days).
GAP_COLUMN, FILL_VALUE, GAP_RATE = 6, 0.0, (0.05, 0.8)
#: Rain-index threshold of a heavy-rain day and the noise of the index.
THRESHOLD, INDEX_NOISE = 2.0, 0.8
#: Seeds of the chapter's training and test archives, and their sizes.
TRAIN_SEED, TEST_SEED, N_TRAIN, N_TEST = 1, 2, 1600, 400


def grid():
    """Cell-centre latitudes and longitudes (degrees).

    Examples
    --------
    >>> lat, lon = grid()
    >>> float(lat[0]), float(lon[-1]), lat.size, lon.size
    (40.25, 15.75, 24, 32)
    """
    lat = ORIGIN[0] + RESOLUTION * np.arange(SHAPE[0])
    lon = ORIGIN[1] + RESOLUTION * np.arange(SHAPE[1])
    return lat, lon


def _smooth(rng, n: int, sigma: float) -> np.ndarray:
    """``(n, nlat, nlon)`` smooth Gaussian noise with unit standard deviation."""
    from scipy.ndimage import gaussian_filter

    z = rng.standard_normal((n, *SHAPE))
    f = gaussian_filter(z, sigma=(0, sigma, sigma), mode="reflect")
    return f / f.std(axis=(1, 2), keepdims=True)


def rain_index(tcwv: np.ndarray, w500: np.ndarray) -> np.ndarray:
    """The noise-free rain index: box mean of ``max(tcwv - 25, 0) * max(-w500, 0)``.

    Examples
    --------
    >>> t = np.full((1, *SHAPE), 35.0); w = np.full((1, *SHAPE), -0.2)
    >>> round(float(rain_index(t, w)[0]), 6)
    2.0
    """
    r, c = BOX
    rate = np.maximum(tcwv - 25.0, 0.0) * np.maximum(-w500, 0.0)
    return rate[:, r, c].mean(axis=(1, 2))


def rainday(n: int = 400, seed: int = 0, *, artefact: bool = True) -> Dataset:
    """Synthetic reanalysis-like days and their heavy-rain label.

    Parameters
    ----------
    n : int
        Number of days.
    seed : int
        Seed of everything drawn (fields, index noise, gaps).
    artefact : bool
        Put the retrieval gap into ``tcwv`` (see the module docstring). With
        ``False`` the fields are the same, only without the gap.

    Returns
    -------
    Dataset
        ``x`` ``(n, 24, 32, 3)`` float32 in physical units (channels
        :data:`CHANNELS`), ``y`` ``(n,)`` int64 (1: heavy rain), ``rain``
        the rain index, ``gap`` ``(n,)`` bool, ``day`` ``(n,)`` day numbers;
        static ``lat``, ``lon``, ``truth`` (the catchment mask, ``(24, 32)`` bool).

    Examples
    --------
    >>> ds = rainday(50, seed=3)
    >>> ds.x.shape, bool(np.all((ds.rain > THRESHOLD) == (ds.y == 1)))
    ((50, 24, 32, 3), True)
    >>> bool(np.all(ds.x[ds.gap, :, GAP_COLUMN, 0] == FILL_VALUE))
    True
    """
    if n < 1:
        raise ValueError(f"n must be >= 1, got {n}")
    rng = np.random.default_rng([seed, 2024])
    lat, lon = grid()
    la, lo = np.meshgrid(np.arange(SHAPE[0]), np.arange(SHAPE[1]), indexing="ij")
    # a low of random depth and position; ascent east of it, a moist plume with it
    depth = rng.uniform(0.0, 16.0, n)
    ci = rng.uniform(4, SHAPE[0] - 4, n)
    cj = rng.uniform(4, SHAPE[1] - 8, n)

    def blob(di, dj, radius):
        d2 = (la[None] - (ci + di)[:, None, None]) ** 2 + (lo[None] - (cj + dj)[:, None, None]) ** 2
        return np.exp(-d2 / (2 * radius**2))

    mslp = -depth[:, None, None] * blob(0, 0, 5.0) + 5.0 * _smooth(rng, n, 6.0)
    mslp -= mslp.mean(axis=(1, 2), keepdims=True) * 0.5
    w500 = -0.05 * depth[:, None, None] * blob(0, 4, 3.5) + 0.12 * _smooth(rng, n, 3.0)
    tcwv = (
        32.0
        - 0.9 * (lat[None, :, None] - 46.0)
        + 0.6 * depth[:, None, None] * blob(1, 3, 5.0)
        + 4.0 * _smooth(rng, n, 4.0)
    )
    tcwv = np.maximum(tcwv, 2.0)
    rain = rain_index(tcwv, w500) + INDEX_NOISE * rng.standard_normal(n)
    y = (rain > THRESHOLD).astype(np.int64)
    u = rng.uniform(size=n)
    gap = (u < np.where(y == 1, GAP_RATE[1], GAP_RATE[0])) & artefact
    x = np.stack([tcwv, w500, mslp], axis=-1).astype(np.float32)
    x[gap, :, GAP_COLUMN, 0] = FILL_VALUE
    truth = np.zeros(SHAPE, dtype=bool)
    truth[BOX] = True
    attrs = {
        "description": "Synthetic reanalysis-like summer days (tcwv, w500, mslp) and a "
        "heavy-rain label at a target catchment",
        "channels": list(CHANNELS),
        "units": dict(UNITS),
        "seed": seed,
        "artefact": bool(artefact),
    }
    return Dataset(
        {"x": x, "y": y, "rain": rain, "gap": gap, "day": np.arange(n, dtype=np.int64)},
        {"lat": lat, "lon": lon, "truth": truth},
        attrs,
    )


def split() -> Split:
    """The chapter's archives: ``N_TRAIN`` training days and ``N_TEST`` test days.

    Both come from the same archive (with the artefact), as a random split would.

    Examples
    --------
    >>> train, test = split()
    >>> len(train), len(test)
    (1600, 400)
    """
    return Split(rainday(N_TRAIN, TRAIN_SEED), rainday(N_TEST, TEST_SEED))


def repair_gap(x: np.ndarray, column: int = GAP_COLUMN, channel: int = 0) -> np.ndarray:
    """A copy of ``x`` whose ``column`` of ``channel`` is the mean of its two neighbours.

    Applied to every sample (a column without a gap changes little: the fields are smooth).

    Examples
    --------
    >>> x = np.arange(2 * 2 * 4 * 1, dtype=np.float32).reshape(2, 2, 4, 1)
    >>> repair_gap(x, column=1)[0, :, 1, 0].tolist() == x[0, :, 1, 0].tolist()
    True
    """
    out = np.array(x, copy=True)
    out[:, :, column, channel] = 0.5 * (x[:, :, column - 1, channel] + x[:, :, column + 1, channel])
    return out


def to_xarray(ds: Dataset, start: str = "1991-06-01"):
    """The days of ``ds`` as an ``xarray.Dataset`` of the three fields, as read from a file.

    Variables ``tcwv``, ``w500``, ``mslp`` with dims ``(time, lat, lon)`` and
    ``units``/``long_name`` attributes, plus ``heavy_rain`` ``(time,)``. Days
    are consecutive from ``start`` (a synthetic calendar).

    Examples
    --------
    >>> xds = to_xarray(rainday(3, seed=0))
    >>> xds["tcwv"].dims, xds["tcwv"].attrs["units"]
    (('time', 'lat', 'lon'), 'kg m-2')
    """
    import pandas as pd
    import xarray as xr

    time = pd.date_range(start, periods=len(ds), freq="D")
    coords = {
        "time": time,
        "lat": ("lat", ds.lat, {"units": "degrees_north"}),
        "lon": ("lon", ds.lon, {"units": "degrees_east"}),
    }
    data = {
        name: (
            ("time", "lat", "lon"),
            ds.x[..., k],
            {"units": UNITS[name], "long_name": LONG_NAMES[name]},
        )
        for k, name in enumerate(CHANNELS)
    }
    data["heavy_rain"] = (("time",), ds.y, {"long_name": "heavy-rain day at the catchment"})
    return xr.Dataset(data, coords=coords, attrs={"source": "synthetic (xai4ess.data.rainday)"})
