"""Cluster suggestions, cluster assignment and near-duplicate detection for ideas.

Pure functions over ``(idea_id, text)`` pairs; no Flask, no database. The method, chosen by
measurement on the STC short-text sets (see ``bench/clustering.py``):

1. Features: TF-IDF over language-aware word stems (the search analysers: Dutch or English
   stemming and stop words) stacked with TF-IDF over character n-grams of the raw text, both
   with sublinear tf. Short texts share few words; character n-grams let "schoolkinderen"
   meet "kind" and soften spelling variants.
2. LSA: TruncatedSVD to ~128 dimensions and L2 normalisation, so k-means on the result
   behaves like spherical k-means on a denoised, co-occurrence-aware representation.
3. K-means (k-means++, several restarts, fixed seed). When k is not given it is chosen by
   silhouette (cosine) on a sample over a range around sqrt(n / 2).
4. Refinement: a few rounds of spherical k-means in the full TF-IDF space, started from the
   LSA partition. LSA finds the coarse structure; the full space then separates clusters by
   rare but decisive terms that the SVD blurred away (+2 to +7 accuracy points on STC).

Names come from the terms that distinguish a cluster most (mean TF-IDF inside minus mean
overall), each stem shown as the most frequent original word that produced it.
"""

from __future__ import annotations

import math
import warnings
from collections import Counter, defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from numbers import Integral

import numpy as np
from scipy import sparse
from sklearn.cluster import KMeans
from sklearn.decomposition import TruncatedSVD
from sklearn.exceptions import ConvergenceWarning
from sklearn.feature_extraction.text import TfidfTransformer, TfidfVectorizer
from sklearn.metrics import silhouette_score
from sklearn.preprocessing import normalize

from ideation.search.analyzers import analyzer_for

__all__ = [
    "Suggestion",
    "assign_to_clusters",
    "near_duplicates",
    "suggest_clusters",
]

# LSA dimensions: 50, 100 and 200 were measured on SearchSnippets; 100 was best (with the
# refinement) and keeps k-means on 20,000 ideas within a few seconds.
SVD_DIMS = 100
# Weight of the character n-gram block relative to the word block (both L2-normalised rows).
CHAR_WEIGHT = 0.5
# k-means restarts: more restarts rarely changed accuracy by more than a point on STC.
N_INIT = 4
MAX_AUTO_K = 30
# Spherical k-means rounds in the full TF-IDF space; it converges within ~10 on STC.
REFINE_ROUNDS = 10
# Silhouette is O(sample^2); 2,000 points take well under a second.
SILHOUETTE_SAMPLE = 2000
NAME_TERMS = 3
TOP_TERMS = 10
REPRESENTATIVES = 5
# Cosine to a centroid: related Dutch ideas measured 0.15-0.25, unrelated ones about 0.02.
ASSIGN_THRESHOLD = 0.1


@dataclass
class Suggestion:
    """One proposed cluster.

    ``label`` numbers suggestions from 0 by decreasing size; ``name`` joins the top
    characteristic surface words; ``representative_ids`` are the members closest to the
    centroid (best first); ``cohesion`` is the mean cosine of members to the centroid in the
    LSA space (1.0 = identical texts).
    """

    label: int
    name: str
    terms: list[str]
    member_ids: list[int]
    representative_ids: list[int]
    cohesion: float


# --- features ------------------------------------------------------------------------------


class _Tokens:
    """Stems per document and, for display, the most frequent surface word of each stem."""

    def __init__(self, texts: Sequence[str], language: str) -> None:
        analyzer = analyzer_for(language)  # built once: the chain carries a stem cache
        surfaces: dict[str, Counter[str]] = defaultdict(Counter)
        self.stems: list[list[str]] = []
        for text in texts:
            doc: list[str] = []
            for stem, word in analyzer.words(text or ""):
                doc.append(stem)
                surfaces[stem][word.lower()] += 1
            self.stems.append(doc)
        # Ties go to the shorter, then alphabetically first word, so names are stable.
        self.surface = {
            stem: min(counts.items(), key=lambda kv: (-kv[1], len(kv[0]), kv[0]))[0]
            for stem, counts in surfaces.items()
        }


def _identity(tokens: list[str]) -> list[str]:
    return tokens


def _word_vectorizer(n_docs: int) -> TfidfVectorizer:
    # Words seen once carry no similarity between ideas; only prune them on larger inputs so
    # that a handful of ideas still has a vocabulary.
    return TfidfVectorizer(analyzer=_identity, lowercase=False, sublinear_tf=True,
                           min_df=2 if n_docs >= 200 else 1)


def _char_vectorizer(n_docs: int) -> TfidfVectorizer:
    return TfidfVectorizer(analyzer="char_wb", ngram_range=(3, 5), sublinear_tf=True,
                           min_df=3 if n_docs >= 200 else 1, max_features=60_000,
                           dtype=np.float32)


def _char_block(texts: Sequence[str], n_docs: int) -> sparse.csr_matrix:
    """``_char_vectorizer(n_docs).fit_transform(texts)``, from each distinct word's n-grams.

    The vectorizer cuts every word of every text into n-grams in Python and counts them one by
    one (4.3 of 15 s for 20,000 ideas). Its "char_wb" n-grams never cross a word, so a text's
    counts are the sum of its words' counts: (texts x words) @ (words x n-grams), with each
    distinct word cut once by the vectorizer's own analyser. Then the vectorizer's own steps:
    columns in alphabetical order, its pruning by document frequency and total count, and its
    TF-IDF weighting (`TfidfTransformer` with the same settings). Raises ValueError for an
    empty vocabulary, as the vectorizer does.
    """
    vectorizer = _char_vectorizer(n_docs)
    analyze = vectorizer.build_analyzer()
    words: dict[str, int] = {}
    columns: list[int] = []
    starts = [0]
    for text in texts:
        columns.extend(words.setdefault(word, len(words)) for word in text.split())
        starts.append(len(columns))
    grams: dict[str, int] = {}
    gram_columns: list[int] = []
    gram_starts = [0]
    for word in words:  # in column order
        gram_columns.extend(grams.setdefault(gram, len(grams)) for gram in analyze(word))
        gram_starts.append(len(gram_columns))
    if not grams:
        raise ValueError("empty vocabulary; perhaps the documents only contain stop words")
    text_words = sparse.csr_matrix(
        (np.ones(len(columns), dtype=np.float32), columns, starts),
        shape=(len(texts), len(words)))
    word_grams = sparse.csr_matrix(
        (np.ones(len(gram_columns), dtype=np.float32), gram_columns, gram_starts),
        shape=(len(words), len(grams)))
    counts = (text_words @ word_grams).tocsr()
    # The n-grams are numbered in the order the vectorizer first meets them (the first word
    # that has an n-gram is the first occurrence of that word), and, like it, each row is
    # sorted by that number and then renumbered alphabetically without sorting again: the
    # same arrays, so the SVD adds up in the same order and gives the same clusters.
    counts.sort_indices()
    alphabetical = np.empty(len(grams), dtype=counts.indices.dtype)
    alphabetical[[grams[g] for g in sorted(grams)]] = np.arange(len(grams))
    counts.indices = alphabetical.take(counts.indices, mode="clip")
    counts = _pruned(counts, vectorizer)
    weighting = TfidfTransformer(norm=vectorizer.norm, use_idf=vectorizer.use_idf,
                                 smooth_idf=vectorizer.smooth_idf,
                                 sublinear_tf=vectorizer.sublinear_tf)
    return weighting.fit(counts).transform(counts, copy=False)


def _pruned(counts: sparse.csr_matrix, vectorizer: TfidfVectorizer) -> sparse.csr_matrix:
    """CountVectorizer._limit_features with the vectorizer's settings: the columns in at least
    min_df and at most max_df texts (a whole number, or a share of the texts), then the
    max_features most frequent of those (the same argsort over the same counts, so ties fall
    the same way)."""
    texts = counts.shape[0]
    most, least = (
        limit if isinstance(limit, Integral) else limit * texts
        for limit in (vectorizer.max_df, vectorizer.min_df)
    )
    frequency = np.bincount(counts.indices, minlength=counts.shape[1])
    mask = (frequency <= most) & (frequency >= least)
    if vectorizer.max_features is not None and mask.sum() > vectorizer.max_features:
        totals = np.asarray(counts.sum(axis=0)).ravel()
        chosen = (-totals[mask]).argsort()[: vectorizer.max_features]
        limited = np.zeros(len(mask), dtype=bool)
        limited[np.where(mask)[0][chosen]] = True
        mask = limited
    kept = np.where(mask)[0]
    if len(kept) == 0:
        raise ValueError("After pruning, no terms remain. Try a lower min_df or a higher max_df.")
    return counts[:, kept]


def _features(texts: Sequence[str], stems: list[list[str]]
              ) -> tuple[sparse.csr_matrix | None, TfidfVectorizer | None, sparse.csr_matrix]:
    """Word block (and its vectorizer, for term names) and the combined row-normalised matrix.

    The word block is None when no text has a content word (e.g. only stop words).
    """
    n = len(texts)
    blocks = []
    word: sparse.csr_matrix | None = None
    word_vec: TfidfVectorizer | None = _word_vectorizer(n)
    try:
        word = word_vec.fit_transform(stems).astype(np.float32)
        blocks.append(word)
    except ValueError:  # empty vocabulary
        word, word_vec = None, None
    try:
        chars = _char_block([t.lower() for t in texts], n)
        blocks.append(chars * CHAR_WEIGHT)
    except ValueError:
        pass
    if not blocks:
        return None, None, sparse.csr_matrix((n, 1), dtype=np.float32)
    return word, word_vec, normalize(sparse.hstack(blocks).tocsr())


def _lsa(matrix: sparse.csr_matrix, seed: int) -> np.ndarray:
    """LSA vectors, L2-normalised; falls back to the dense TF-IDF rows for tiny inputs."""
    n, m = matrix.shape
    dims = min(SVD_DIMS, n - 1, m - 1)
    if dims < 2:
        dense = matrix.toarray()
    else:
        dense = TruncatedSVD(dims, random_state=seed, n_iter=4).fit_transform(matrix)
    return normalize(dense.astype(np.float32))


# --- clustering ----------------------------------------------------------------------------


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


def _characteristic_terms(word: sparse.csr_matrix | None, word_vec: TfidfVectorizer | None,
                          members: np.ndarray, tokens: _Tokens) -> list[str]:
    """Surface words of the stems most over-represented in ``members``."""
    if word is None or word_vec is None:
        return []
    inside = np.asarray(word[members].mean(axis=0)).ravel()
    overall = np.asarray(word.mean(axis=0)).ravel()
    score = inside - overall
    vocabulary = word_vec.get_feature_names_out()
    order = np.lexsort((vocabulary, -score))  # ties by stem, for determinism
    terms: list[str] = []
    for index in order:
        if inside[index] <= 0 or len(terms) >= TOP_TERMS:
            break
        surface = tokens.surface.get(vocabulary[index], vocabulary[index])
        if surface not in terms:
            terms.append(surface)
    return terms


def _single(ids: list[int], texts: list[str], language: str) -> list[Suggestion]:
    """All documents in one suggestion (inputs too small to split)."""
    if not ids:
        return []
    tokens = _Tokens(texts, language)
    counts = Counter(stem for doc in tokens.stems for stem in doc)
    terms = [tokens.surface[s] for s, _ in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))]
    terms = terms[:TOP_TERMS]
    return [Suggestion(label=0, name=", ".join(terms[:NAME_TERMS]), terms=terms,
                       member_ids=list(ids), representative_ids=list(ids[:REPRESENTATIVES]),
                       cohesion=1.0 if len(ids) == 1 else 0.0)]


def suggest_clusters(docs: Sequence[tuple[int, str]], language: str, k: int | None = None,
                     *, seed: int = 0) -> list[Suggestion]:
    """Proposes clusters for ``docs`` ((idea_id, text) pairs) in ``language`` ("nl" or "en").

    ``k`` is the number of clusters; None chooses it by silhouette. Fewer than three ideas
    give a single suggestion (or none for no ideas). Suggestions come largest first, and the
    same input and seed always give the same output.
    """
    ids = [int(i) for i, _ in docs]
    texts = [t or "" for _, t in docs]
    n = len(ids)
    if n < 3 or (k is not None and k <= 1):
        return _single(ids, texts, language)
    tokens = _Tokens(texts, language)
    word, word_vec, matrix = _features(texts, tokens.stems)
    if matrix.nnz == 0:
        return _single(ids, texts, language)
    vectors = _lsa(matrix, seed)
    k = _auto_k(vectors, seed) if k is None else min(int(k), n)
    if k <= 1:
        return _single(ids, texts, language)
    labels = _refine(matrix, _kmeans(vectors, k, seed).labels_, k)

    suggestions: list[Suggestion] = []
    for cluster in range(k):
        members = np.flatnonzero(labels == cluster)
        if len(members) == 0:
            continue
        centroid = vectors[members].mean(axis=0)
        norm = float(np.linalg.norm(centroid))
        centroid = centroid / norm if norm > 0 else centroid
        closeness = vectors[members] @ centroid
        # Stable order: closest first, then by position in the input.
        best = members[np.lexsort((members, -closeness))[:REPRESENTATIVES]]
        terms = _characteristic_terms(word, word_vec, members, tokens)
        suggestions.append(Suggestion(
            label=cluster,
            name=", ".join(terms[:NAME_TERMS]),
            terms=terms,
            member_ids=[ids[i] for i in members],
            representative_ids=[ids[i] for i in best],
            cohesion=round(float(closeness.mean()), 4),
        ))
    # Largest first; ties by first member so the order does not depend on k-means numbering.
    suggestions.sort(key=lambda s: (-len(s.member_ids), s.member_ids[0]))
    for label, suggestion in enumerate(suggestions):
        suggestion.label = label
    return suggestions


# --- assignment ----------------------------------------------------------------------------


def assign_to_clusters(unclustered: Sequence[tuple[int, str]],
                       clusters: Mapping[int, Sequence[str]], language: str,
                       threshold: float = ASSIGN_THRESHOLD
                       ) -> dict[int, tuple[int | None, float]]:
    """Best existing cluster for each unclustered idea: ``{idea_id: (cluster_id, cosine)}``.

    ``clusters`` maps a cluster id to its member texts. The similarity is the cosine between
    the idea and the cluster centroid in TF-IDF space (words and character n-grams, fitted on
    all the texts given); below ``threshold`` the cluster id is None.
    """
    ids = [int(i) for i, _ in unclustered]
    if not ids:
        return {}
    cluster_ids = [cid for cid, texts in clusters.items() if len(texts) > 0]
    if not cluster_ids:
        return {i: (None, 0.0) for i in ids}
    member_texts = [t or "" for cid in cluster_ids for t in clusters[cid]]
    owner = np.repeat(np.arange(len(cluster_ids)), [len(clusters[cid]) for cid in cluster_ids])
    texts = [t or "" for _, t in unclustered] + member_texts
    tokens = _Tokens(texts, language)
    _, _, matrix = _features(texts, tokens.stems)
    ideas, members = matrix[: len(ids)], matrix[len(ids):]
    # Centroid = normalised sum of member rows: every member counts, however long.
    indicator = sparse.csr_matrix((np.ones(len(owner), dtype=np.float32),
                                   (owner, np.arange(len(owner)))),
                                  shape=(len(cluster_ids), len(owner)))
    centroids = normalize(indicator @ members)
    similarity = (ideas @ centroids.T).toarray()
    result: dict[int, tuple[int | None, float]] = {}
    for row, idea in enumerate(ids):
        best = int(similarity[row].argmax())
        score = round(float(similarity[row, best]), 4)
        result[idea] = (cluster_ids[best] if score >= threshold else None, score)
    return result


# --- near duplicates -----------------------------------------------------------------------


def near_duplicates(docs: Sequence[tuple[int, str]], language: str, threshold: float = 0.8,
                    limit: int = 200) -> list[tuple[int, int, float]]:
    """Pairs of near-duplicate ideas ``(id_a, id_b, cosine)``, most similar first.

    Cosine on the same word + character n-gram TF-IDF as the clustering (character n-grams
    catch typos and small edits). The similarity matrix is computed in row blocks of sparse
    products, keeping only entries at or above ``threshold``, so memory stays proportional
    to the matches rather than n x n.
    """
    ids = [int(i) for i, _ in docs]
    if len(ids) < 2:
        return []
    texts = [t or "" for _, t in docs]
    tokens = _Tokens(texts, language)
    _, _, matrix = _features(texts, tokens.stems)
    matrix = matrix.astype(np.float32)
    transposed = matrix.T.tocsc()
    block = 1000
    pairs: list[tuple[int, int, float]] = []
    for start in range(0, len(ids), block):
        product = (matrix[start:start + block] @ transposed).tocoo()
        rows = product.row + start
        keep = (product.data >= threshold - 1e-6) & (product.col > rows)
        for i, j, value in zip(rows[keep], product.col[keep], product.data[keep], strict=True):
            pairs.append((ids[i], ids[j], round(min(float(value), 1.0), 4)))
    pairs.sort(key=lambda p: (-p[2], p[0], p[1]))
    return pairs[:limit]
