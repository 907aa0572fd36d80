"""Text features of ideas (TF-IDF over stems and character n-grams), the best existing cluster
for a loose idea, and near-duplicate detection. Pure functions; no Flask, no database.

The features: TF-IDF over language-aware word stems (the search analysers: Dutch or English
stemming and stop words) stacked with TF-IDF over character n-grams of the raw text, both with
sublinear tf. Short texts share few words; character n-grams let "schoolkinderen" meet "kind"
and catch typos and small edits, which is what finding duplicates needs.

Grouping ideas into suggested themes lives in ``themes.py`` (static embeddings measured better
there); the TF-IDF + LSA method it replaced is kept as the benchmark's baseline in
``bench/tfidf_lsa.py``.
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter, defaultdict
from collections.abc import Mapping, Sequence
from numbers import Integral

import numpy as np
from scipy import sparse
from sklearn.feature_extraction.text import TfidfTransformer, TfidfVectorizer
from sklearn.preprocessing import normalize

from ideation.search.analyzers import analyzer_for

__all__ = ["assign_to_clusters", "fold", "near_duplicates"]

# Weight of the character n-gram block relative to the word block (both L2-normalised rows).
CHAR_WEIGHT = 0.5
# Cosine to a centroid: related Dutch ideas measured 0.15-0.25, unrelated ones about 0.02.
ASSIGN_THRESHOLD = 0.1


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


def fold(text: str) -> str:
    """Lowercase, accents and punctuation folded away, spaces collapsed: "Café, graag!" and
    "cafe graag" are the same text."""
    decomposed = unicodedata.normalize("NFKD", (text or "").lower())
    letters = "".join(c for c in decomposed if not unicodedata.combining(c))
    return " ".join(_NON_WORD.sub(" ", letters).split())


_NON_WORD = re.compile(r"[\W_]+")
# Shorter folded titles or descriptions are too common to call two ideas the same ("Groen").
EXACT_TITLE = 3
EXACT_DESCRIPTION = 20


def _similar_pairs(matrix: sparse.csr_matrix, threshold: float) -> dict[tuple[int, int], float]:
    """Row pairs (i < j) with a cosine of at least ``threshold``: products in row blocks,
    keeping only the matches, so memory follows the matches rather than n x n."""
    matrix = matrix.astype(np.float32)
    transposed = matrix.T.tocsc()
    block = 1000
    found: dict[tuple[int, int], float] = {}
    for start in range(0, matrix.shape[0], block):
        product = (matrix[start:start + block] @ transposed).tocoo()
        rows = product.row + start
        keep = (product.data >= threshold - 1e-6) & (product.col > rows)
        for i, j, value in zip(rows[keep], product.col[keep], product.data[keep], strict=True):
            found[(int(i), int(j))] = min(float(value), 1.0)
    return found


def near_duplicates(docs: Sequence[tuple[int, str]], language: str, threshold: float = 0.8,
                    limit: int = 200) -> list[tuple[int, int, float]]:
    """Pairs of near-duplicate ideas ``(id_a, id_b, similarity)``, most similar first.

    ``docs`` are (idea id, "title\ndescription"). Texts are folded first (case, accents,
    punctuation), so two ideas whose folded titles or folded descriptions are identical are
    always found, with similarity 1.0 (each paired with the first of its kind, so a title sent
    in ten times gives nine pairs to merge). Otherwise the similarity is the highest cosine of
    the whole texts and of the titles alone, on the same word + character n-gram TF-IDF as
    the clustering (character n-grams catch typos and small edits).
    """
    ids = [int(i) for i, _ in docs]
    if len(ids) < 2:
        return []
    titles, descriptions = [], []
    for _id, text in docs:
        title, _sep, description = (text or "").partition("\n")
        titles.append(fold(title))
        descriptions.append(fold(description))
    found: dict[tuple[int, int], float] = {}
    for parts, shortest in ((titles, EXACT_TITLE), (descriptions, EXACT_DESCRIPTION)):
        first: dict[str, int] = {}
        for row, part in enumerate(parts):
            if len(part) < shortest:
                continue
            if part in first:
                found[(first[part], row)] = 1.0
            else:
                first[part] = row
    folded = [f"{t} {d}" for t, d in zip(titles, descriptions, strict=True)]
    for texts in (folded, titles):
        tokens = _Tokens(texts, language)
        _, _, matrix = _features(texts, tokens.stems)
        for pair, value in _similar_pairs(matrix, threshold).items():
            found[pair] = max(found.get(pair, 0.0), value)
    pairs = [(ids[i], ids[j], round(value, 4)) for (i, j), value in found.items()]
    pairs.sort(key=lambda p: (-p[2], p[0], p[1]))
    return pairs[:limit]
