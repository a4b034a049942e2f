"""Which strategy does a model use, image by image? Relevance shares and SpRAy.

Two complementary tools for reading many attribution maps at once:

* :func:`region_shares` - when the regions are known (the horse, a tag, a
  fence), the share of each map's positive relevance that falls on each
  region, plus the rest ("background"); :func:`dominant_region` names the
  region that wins in each map.
* :func:`spray` - when they are not known: Spectral Relevance Analysis
  (SpRAy, Lapuschkin et al. 2019). The maps are pooled to a coarse grid,
  normalised, linked in a k-nearest-neighbour graph and split by spectral
  clustering; the gaps between the smallest eigenvalues of the graph
  Laplacian suggest how many distinct strategies there are.

Plain numpy / scipy / scikit-learn; no TensorFlow. The functions take arrays
and masks, whatever model or dataset they came from.

Examples
--------
>>> import numpy as np
>>> r = np.zeros((2, 4, 4)); r[0, 0, 0] = 3.0; r[0, 3, 3] = 1.0; r[1, 3, 3] = 2.0
>>> corner = np.zeros((2, 4, 4), bool); corner[:, 0, 0] = True
>>> region_shares(r, {"corner": corner}).round(2).to_dict("list")
{'corner': [0.75, 0.0], 'background': [0.25, 1.0]}
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np

__all__ = [
    "region_shares",
    "dominant_region",
    "pool_maps",
    "spray",
    "SprayResult",
    "cluster_table",
    "cluster_purity",
]


def _maps(r: np.ndarray, ndim: int = 3) -> np.ndarray:
    """Sum trailing channel axes until the array is ``(N, H, W)``."""
    r = np.asarray(r, dtype=np.float64)
    if r.ndim == ndim - 1:
        r = r[None]
    while r.ndim > ndim:
        r = r.sum(axis=-1)
    if r.ndim != ndim:
        raise ValueError(f"expected relevance maps (N, H, W[, C]), got shape {np.shape(r)}")
    return r


def region_shares(
    r: np.ndarray,
    masks: Mapping[str, np.ndarray],
    *,
    positive: bool = True,
    background: str = "background",
):
    """Share of each map's (positive) relevance on each named region and on the rest.

    Parameters
    ----------
    r : ndarray
        Relevance maps ``(N, H, W[, C])`` (channels are summed first) or one map.
    masks : mapping of str to bool ndarray
        Regions ``(N, H, W)`` (or ``(H, W)``, the same for every map). A pixel
        in several masks counts for the first one, in the mapping's order, so
        the shares of a map add up to 1.
    positive : bool
        Share of the positive relevance (default; the evidence *for* the
        explained output). Otherwise share of the absolute relevance.
    background : str
        Column name of the pixels outside every mask.

    Returns
    -------
    pandas.DataFrame
        One row per map, one column per region plus ``background``; rows add
        up to 1. A map without any (positive) relevance gives a row of NaN.

    Examples
    --------
    >>> r = np.array([[[2.0, -1.0], [1.0, 1.0]]])
    >>> left = np.array([[[True, False], [True, False]]])
    >>> region_shares(r, {"left": left}).round(2).to_dict("list")
    {'left': [0.75], 'background': [0.25]}
    """
    import pandas as pd

    maps = _maps(r)
    n, h, w = maps.shape
    if background in masks:
        raise ValueError(f"{background!r} is reserved for the pixels outside the masks")
    values = np.clip(maps, 0, None) if positive else np.abs(maps)
    total = values.sum(axis=(1, 2))
    taken = np.zeros((n, h, w), dtype=bool)
    columns = {}
    for name, mask in masks.items():
        mask = np.asarray(mask, dtype=bool)
        if mask.shape == (h, w):
            mask = np.broadcast_to(mask, (n, h, w))
        if mask.shape != (n, h, w):
            raise ValueError(
                f"mask {name!r} has shape {mask.shape}; expected {(n, h, w)} or {(h, w)}"
            )
        own = mask & ~taken
        taken |= own
        columns[name] = (values * own).sum(axis=(1, 2))
    columns[background] = (values * ~taken).sum(axis=(1, 2))
    with np.errstate(invalid="ignore", divide="ignore"):
        safe = np.where(total > 0, total, np.nan)
        return pd.DataFrame({k: v / safe for k, v in columns.items()})


def dominant_region(
    shares,
    *,
    exclude: Sequence[str] = ("background",),
    min_share: float = 0.0,
    area=None,
    min_enrichment: float = 1.0,
):
    """The region with the largest share (or enrichment) in each row of :func:`region_shares`.

    A large region collects a large share of the relevance even when the
    network spreads it evenly, so the largest *share* favours large regions.
    Pass ``area`` (each region's share of the image area, same rows and
    columns) to rank by **enrichment** = share / area instead: how many times
    more relevance a region holds than an even spread would give it.

    Parameters
    ----------
    shares : pandas.DataFrame
        Output of :func:`region_shares`.
    exclude : sequence of str
        Columns that never win (default: the background).
    min_share : float
        Rows whose winning share is below this get the label ``"none"``.
    area : pandas.DataFrame, optional
        Area fraction of each region per row (e.g. ``mask.mean(axis=(1, 2))``).
        Regions with zero area cannot win.
    min_enrichment : float
        With ``area``: rows whose best enrichment is below this (default 1,
        no more than an even spread) get ``"none"``.

    Returns
    -------
    ndarray of str

    Examples
    --------
    >>> import pandas as pd
    >>> df = pd.DataFrame({"horse": [0.5, 0.1], "tag": [0.2, 0.4], "background": [0.3, 0.5]})
    >>> dominant_region(df).tolist()
    ['horse', 'tag']
    >>> area = pd.DataFrame({"horse": [0.6, 0.3], "tag": [0.02, 0.02], "background": [0.38, 0.68]})
    >>> dominant_region(df, area=area).tolist()   # 0.2 on 2 % of the image beats 0.5 on 60 %
    ['tag', 'tag']
    """
    numeric = shares.select_dtypes("number").columns  # e.g. skip a "strategy" label column
    cols = [c for c in shares.columns if c not in set(exclude) and c in numeric]
    if not cols:
        raise ValueError("no region left after excluding " + ", ".join(exclude))
    values = shares[cols].to_numpy(dtype=np.float64)
    raw = values
    if area is not None:
        missing = [c for c in cols if c not in area.columns]
        if missing or len(area) != len(shares):
            raise ValueError(
                f"area must have one row per row of shares ({len(shares)}) and the columns "
                f"{cols}; missing columns: {missing}, rows: {len(area)}"
            )
        a = area[cols].to_numpy(dtype=np.float64)
        with np.errstate(divide="ignore", invalid="ignore"):
            values = np.where(a > 0, values / a, np.nan)
    filled = np.where(np.isnan(values), -np.inf, values)
    best = np.argmax(filled, axis=1)
    labels = np.array(cols, dtype=object)[best]
    top = filled[np.arange(len(filled)), best]
    top_share = np.where(np.isnan(raw), -np.inf, raw)[np.arange(len(filled)), best]
    weak = ~(top_share >= min_share) | ~np.isfinite(top)
    if area is not None:
        weak |= ~(top >= min_enrichment)
    labels[weak] = "none"
    return labels.astype(str)


def pool_maps(r: np.ndarray, shape: tuple[int, int] = (16, 16), *, positive: bool = True):
    """Coarse, normalised copies of relevance maps (the SpRAy preprocessing).

    Each map is summed over channels, clipped to its positive part (or made
    absolute), sum-pooled to about ``shape`` cells and scaled to unit length,
    so that maps compare by where their relevance lies, not by how much there is.

    Returns
    -------
    ndarray
        ``(N, shape[0], shape[1])``; all-zero maps stay zero.
    """
    from skimage.measure import block_reduce

    maps = _maps(r)
    maps = np.clip(maps, 0, None) if positive else np.abs(maps)
    n, h, w = maps.shape
    fy, fx = max(1, int(np.ceil(h / shape[0]))), max(1, int(np.ceil(w / shape[1])))
    pooled = block_reduce(maps, (1, fy, fx), np.sum)
    norm = np.sqrt((pooled**2).sum(axis=(1, 2), keepdims=True))
    return pooled / np.where(norm > 0, norm, 1.0)


@dataclass
class SprayResult:
    """The outcome of :func:`spray`.

    Attributes
    ----------
    labels : ndarray of int
        Cluster of each map, ``0 .. n_clusters-1`` (numbered by size, largest first).
    n_clusters : int
        Number of clusters used (given, or chosen by the largest eigengap).
    eigenvalues : ndarray
        The smallest eigenvalues of the normalised graph Laplacian, ascending.
        ``k`` well-separated groups give ``k`` eigenvalues near zero, then a gap.
    embedding : ndarray
        Spectral embedding ``(N, n_eigen)`` (eigenvectors of the smallest
        eigenvalues); columns 1 and 2 make a 2-D map of the strategies.
    features : ndarray
        The pooled, normalised maps ``(N, h, w)`` that were clustered.
    """

    labels: np.ndarray
    n_clusters: int
    eigenvalues: np.ndarray
    embedding: np.ndarray
    features: np.ndarray

    @property
    def eigengaps(self) -> np.ndarray:
        """Differences between consecutive eigenvalues (gap ``k-1`` follows eigenvalue ``k``)."""
        return np.diff(self.eigenvalues)

    def mean_maps(self) -> np.ndarray:
        """The average pooled map of each cluster, ``(n_clusters, h, w)``."""
        return np.stack(
            [self.features[self.labels == k].mean(axis=0) for k in range(self.n_clusters)]
        )


def spray(
    r: np.ndarray,
    n_clusters: int | None = None,
    *,
    shape: tuple[int, int] = (16, 16),
    n_neighbors: int = 10,
    affinity: str = "self_tuning",
    max_clusters: int = 8,
    positive: bool = True,
    seed: int = 0,
) -> SprayResult:
    r"""Spectral Relevance Analysis: cluster attribution maps by where their relevance lies.

    Parameters
    ----------
    r : ndarray
        Relevance maps ``(N, H, W[, C])``, e.g. LRP maps of all images of one class.
    n_clusters : int, optional
        Number of clusters. ``None`` picks it from the largest gap between the
        smallest ``max_clusters + 1`` Laplacian eigenvalues (the eigengap heuristic).
    shape : (int, int)
        Grid the maps are pooled to before comparing them (see :func:`pool_maps`).
    n_neighbors : int
        Neighbourhood size: the local scale of the self-tuning affinity, or the
        neighbours per map of the k-NN graph.
    affinity : {"self_tuning", "knn"}
        ``"self_tuning"`` (default): Gaussian affinity
        :math:`A_{ij} = \exp(-d_{ij}^2 / (\sigma_i \sigma_j))` between all pairs of
        maps, with :math:`\sigma_i` the distance of map *i* to its
        ``n_neighbors``-th nearest neighbour (Zelnik-Manor and Perona 2004).
        ``"knn"``: the unweighted, symmetrised k-nearest-neighbour graph. With
        a k-NN graph each compact group of maps still splits into loosely
        linked chains, which blurs the eigengap; the self-tuning affinity
        keeps groups whole.
    max_clusters : int
        Largest number of clusters the eigengap heuristic may choose.
    positive : bool
        Cluster the positive relevance (default) or its absolute value.
    seed : int
        Seed of the k-means step on the spectral embedding.

    Returns
    -------
    SprayResult

    Notes
    -----
    The steps follow Lapuschkin et al. (2019): preprocess the maps (pool,
    normalise), build an affinity graph between the maps, compute the
    eigenvectors of its normalised Laplacian :math:`L = I - D^{-1/2} A D^{-1/2}`,
    and cluster the rows of the leading eigenvectors with k-means (Ng, Jordan
    and Weiss). Here the graph and the eigenproblem are solved densely, which
    is fine for a few thousand maps.

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> maps = rng.random((60, 8, 8)) * 0.1
    >>> maps[:30, :2, :2] += 5.0   # one strategy: top-left corner
    >>> maps[30:, 6:, 6:] += 5.0   # another: bottom-right corner
    >>> result = spray(maps, shape=(4, 4))
    >>> result.n_clusters, len(set(result.labels[:30])), len(set(result.labels[30:]))
    (2, 1, 1)
    """
    from scipy.spatial.distance import cdist
    from sklearn.cluster import KMeans

    features = pool_maps(r, shape, positive=positive)
    n = len(features)
    if n < 3:
        raise ValueError(f"spray needs at least 3 maps, got {n}")
    if n_clusters is not None and not 1 <= int(n_clusters) < n:
        raise ValueError(f"n_clusters must be between 1 and {n - 1}, got {n_clusters}")
    k_nn = int(min(max(1, n_neighbors), n - 1))
    flat = features.reshape(n, -1)
    dist = cdist(flat, flat)
    np.fill_diagonal(dist, np.inf)
    if affinity == "knn":
        nearest = np.argsort(dist, axis=1, kind="stable")[:, :k_nn]
        adjacency = np.zeros((n, n))
        adjacency[np.repeat(np.arange(n), k_nn), nearest.ravel()] = 1.0
        adjacency = np.maximum(adjacency, adjacency.T)
    elif affinity == "self_tuning":
        scale = np.sort(dist, axis=1)[:, k_nn - 1]
        scale = np.where(scale > 0, scale, max(float(scale.max()), 1e-12))
        adjacency = np.exp(-(dist**2) / (scale[:, None] * scale[None, :]))
        np.fill_diagonal(adjacency, 0.0)
    else:
        raise ValueError(f"affinity must be 'self_tuning' or 'knn', got {affinity!r}")
    degree = adjacency.sum(axis=1)
    d_inv = 1.0 / np.sqrt(np.where(degree > 0, degree, 1.0))
    laplacian = np.eye(n) - d_inv[:, None] * adjacency * d_inv[None, :]
    eigenvalues, eigenvectors = np.linalg.eigh(laplacian)
    n_eigen = int(min(n, max(max_clusters, n_clusters or 0) + 1))
    eigenvalues = np.clip(eigenvalues[:n_eigen], 0, None)
    eigenvectors = eigenvectors[:, :n_eigen]
    if n_clusters is None:
        n_clusters = int(np.argmax(np.diff(eigenvalues)) + 1)
    n_clusters = int(n_clusters)
    # fix the sign of each eigenvector so the result does not depend on the solver
    signs = np.sign(eigenvectors[np.argmax(np.abs(eigenvectors), axis=0), np.arange(n_eigen)])
    eigenvectors = eigenvectors * np.where(signs == 0, 1, signs)
    emb = eigenvectors[:, :n_clusters]
    norms = np.linalg.norm(emb, axis=1, keepdims=True)
    emb = emb / np.where(norms > 0, norms, 1.0)
    if n_clusters == 1:
        labels = np.zeros(n, dtype=int)
    else:
        labels = KMeans(n_clusters, n_init=10, random_state=seed).fit_predict(emb)
    # number clusters by size, largest first (ties: by first appearance)
    counts = np.bincount(labels, minlength=n_clusters)
    first = np.array([np.argmax(labels == k) for k in range(n_clusters)])
    order = sorted(range(n_clusters), key=lambda k: (-counts[k], first[k]))
    relabel = np.empty(n_clusters, dtype=int)
    relabel[order] = np.arange(n_clusters)
    return SprayResult(relabel[labels], n_clusters, eigenvalues, eigenvectors, features)


def cluster_table(labels: np.ndarray, truth: np.ndarray, *, names: Sequence[str] | None = None):
    """Counts of each known strategy (columns) in each cluster (rows): a ``pandas`` crosstab.

    Examples
    --------
    >>> cluster_table(np.array([0, 0, 1]), np.array(["tag", "tag", "horse"])).to_dict()
    {'horse': {0: 0, 1: 1}, 'tag': {0: 2, 1: 0}}
    """
    import pandas as pd

    labels = np.asarray(labels)
    truth = np.asarray(truth)
    if labels.shape != truth.shape:
        raise ValueError(f"labels {labels.shape} and truth {truth.shape} differ in shape")
    table = pd.crosstab(pd.Series(labels, name="cluster"), pd.Series(truth, name="strategy"))
    if names is not None:
        table = table.reindex(columns=list(names), fill_value=0)
    return table


def cluster_purity(labels: np.ndarray, truth: np.ndarray) -> float:
    """Share of samples whose known strategy is the most common one in their cluster.

    1.0 means every cluster holds a single strategy; it is at least the share
    of the most common strategy when everything is in one cluster.

    Examples
    --------
    >>> cluster_purity(np.array([0, 0, 1, 1]), np.array(["a", "a", "b", "a"]))
    0.75
    """
    table = cluster_table(labels, truth)
    return float(table.max(axis=1).sum() / table.to_numpy().sum())
