"""Today's method before issue 17, kept as the benchmark's baseline: TF-IDF + LSA + k-means.

Stemmed word TF-IDF (the search analysers) stacked with character n-grams, LSA to 100
dimensions, k-means with k-means++ and four restarts, then a spherical k-means refinement in the
full TF-IDF space; k chosen by silhouette (cosine) between about sqrt(n / 8) and 30 when not
given. ``bench/clustering.py`` measures it in the same run as ``ideation.curation.themes``,
which replaced it in the application.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Sequence

import numpy as np
from scipy import sparse
from sklearn.cluster import KMeans
from sklearn.decomposition import TruncatedSVD
from sklearn.exceptions import ConvergenceWarning
from sklearn.metrics import silhouette_score
from sklearn.preprocessing import normalize

from ideation.curation.clustering import _features, _Tokens

SVD_DIMS = 100
N_INIT = 4
MAX_AUTO_K = 30
REFINE_ROUNDS = 10
SILHOUETTE_SAMPLE = 2000


def _lsa(matrix: sparse.csr_matrix, seed: int) -> np.ndarray:
    """LSA vectors, L2-normalised; falls back to the dense TF-IDF rows for tiny inputs."""
    n, m = matrix.shape
    dims = min(SVD_DIMS, n - 1, m - 1)
    if dims < 2:
        dense = matrix.toarray()
    else:
        dense = TruncatedSVD(dims, random_state=seed, n_iter=4).fit_transform(matrix)
    return normalize(dense.astype(np.float32))




def _kmeans(vectors: np.ndarray, k: int, seed: int, n_init: int = N_INIT) -> KMeans:
    with warnings.catch_warnings():
        # Fewer distinct points than k (duplicate ideas) is legitimate input.
        warnings.simplefilter("ignore", ConvergenceWarning)
        return KMeans(k, n_init=n_init, random_state=seed).fit(vectors)


def _refine(matrix: sparse.csr_matrix, labels: np.ndarray, k: int) -> np.ndarray:
    """Spherical k-means on the sparse TF-IDF rows, started from ``labels``."""
    n = matrix.shape[0]
    labels = labels.copy()
    centroids = None
    for _ in range(REFINE_ROUNDS):
        indicator = sparse.csr_matrix((np.ones(n, dtype=np.float32), (labels, np.arange(n))),
                                      shape=(k, n))
        fresh = normalize(indicator @ matrix).toarray()
        if centroids is not None:
            # A cluster that lost all members keeps its last centroid instead of vanishing.
            empty = np.asarray(indicator.sum(axis=1)).ravel() == 0
            fresh[empty] = centroids[empty]
        centroids = fresh
        updated = np.asarray(matrix @ centroids.T).argmax(axis=1)
        if np.array_equal(updated, labels):
            break
        labels = updated
    return labels


def _auto_k(vectors: np.ndarray, seed: int) -> int:
    """Best silhouette (cosine) over a range around sqrt(n / 2), on a sample."""
    n = len(vectors)
    upper_bound = min(MAX_AUTO_K, n - 1)
    if upper_bound <= 2:
        return max(1, upper_bound)
    centre = math.sqrt(n / 2)
    # Large inputs put sqrt(n / 2) above the cap; the range then covers its upper half.
    low = max(2, min(int(centre / 2), upper_bound // 2))
    high = min(upper_bound, max(low + 1, int(math.ceil(centre * 2))))
    candidates = sorted(set(np.linspace(low, high, num=min(8, high - low + 1)).round().astype(int)))
    rng = np.random.default_rng(seed)
    sample = vectors if n <= SILHOUETTE_SAMPLE else vectors[
        np.sort(rng.choice(n, SILHOUETTE_SAMPLE, replace=False))]
    best_k, best_score = candidates[0], -2.0
    for k in candidates:
        if k >= len(sample):
            break
        labels = _kmeans(sample, int(k), seed, n_init=2).labels_
        if len(set(labels.tolist())) < 2:
            continue
        score = silhouette_score(sample, labels, metric="cosine")
        if score > best_score + 1e-9:  # ties keep the smaller k
            best_k, best_score = int(k), score
    return best_k


def labels(texts: Sequence[str], language: str, k: int | None, seed: int = 0) -> np.ndarray:
    """The group of each text, as the application's suggestions found them before."""
    tokens = _Tokens(texts, language)
    _word, _word_vec, matrix = _features(texts, tokens.stems)
    vectors = _lsa(matrix, seed)
    k = _auto_k(vectors, seed) if k is None else min(int(k), len(texts))
    return _refine(matrix, _kmeans(vectors, k, seed).labels_, k)
