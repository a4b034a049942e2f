"""Which strategy does a model use, image by image? Spectral Relevance Analysis (SpRAy).

When the regions a model may use are not known in advance (when they are, see
:mod:`xai4ess.evaluate.localisation`): :func:`spray` pools the maps to a coarse grid
(:func:`pool_maps`), normalises them, links them in a k-nearest-neighbour graph and
splits them by spectral clustering (Lapuschkin et al. 2019); the gaps between the
smallest eigenvalues of the graph Laplacian suggest how many distinct strategies there
are. :func:`cluster_table` and :func:`cluster_purity` compare the clusters with known
labels.

Plain numpy / scipy / scikit-learn; no TensorFlow.

Examples
--------
>>> import numpy as np
>>> R = np.zeros((2, 4, 4)); R[0, 0, 0] = 3.0; R[1, 3, 3] = 2.0
>>> pool_maps(R, (2, 2))[:, 0, 0].tolist()
[1.0, 0.0]
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from ._common import maps3

__all__ = ["pool_maps", "spray", "SprayResult", "cluster_table", "cluster_purity"]


def pool_maps(R: np.ndarray, shape: tuple[int, int] = (16, 16), *, positive: bool = True):
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

    maps = maps3(R)
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
    R: np.ndarray,
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
    R : ndarray
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

    features = pool_maps(R, shape, positive=positive)
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
