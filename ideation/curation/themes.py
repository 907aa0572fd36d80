"""Suggested groups in two levels: fine groups where the data has them, under at most
``MAX_THEMES`` themes. Pure functions over ``(idea_id, text)`` pairs; no Flask, no database.

The method, chosen by measurement (``bench/clustering.py``; the figures are in the README):

1. Each idea becomes a 256-number vector from WordLlama's static token embeddings, which ship
   inside the ``wordllama`` wheel (nothing is downloaded at run time): the mean of the
   vectors of its tokens, L2-normalised. On the three STC sets, with k given, they beat the
   TF-IDF + LSA features used before by 3 to 18 accuracy points, and take a third of the time.
2. Spherical k-means (cosine) over-clusters the vectors into many small groups (about 3 * sqrt(n)).
3. Ward's method, weighted by group size, merges those groups step by step; each merge costs
   the growth of the within-group sum of squares, exactly what k-means minimises. The number
   of fine groups is where merging starts to cost much more than the noise between
   near-identical groups (``FINE_COST``); the themes are the cut of the same tree at the
   number (at most ``MAX_THEMES``) after which the next merge costs most, relative to the
   one before. So each fine group lies inside one theme.
4. Names, summaries and typical ideas come from ``naming.py``, with the distinctive words of
   each group from TF-IDF over the language's stems (the search analysers).

With k given, k-means finds k groups; more than ``MAX_THEMES`` are again combined into themes.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np
from scipy import sparse
from sklearn.preprocessing import normalize
from tokenizers import Tokenizer

from ideation.curation.clustering import _identity, _Tokens, _word_vectorizer
from ideation.curation.naming import extractive_summary, readable_name
from ideation.search.analyzers import analyzer_for

METHOD = "wordllama-kmeans-ward"
MAX_THEMES = 25
# Fewer themes than this only when there are fewer fine groups: below it, the steepest cost
# jump is often one outlying merge rather than the shape of the data (Biomedical: 4).
MIN_THEMES = 8
N_INIT = 4
TYPICAL = 3
SEED_SAMPLE = 4000
DISTINCTIVE_TERMS = 40
# Over-clustering: this many times sqrt(n) groups before merging (at most n / 6).
OVER = 3.0
# A merge that costs more than this many times the median cost of the cheapest half of all
# merges ends the fine level. Measured on STC and on the Rakib sets (README).
FINE_COST = 4.0
OVER_ITERATIONS = 8
POLISH_ITERATIONS = 15

Progress = Callable[[float, str], None]


@dataclass
class FoundGroup:
    """One suggested group: members most typical first, with their closeness to the centre."""

    member_ids: list[int]
    scores: list[float]
    tightness: float
    name: str = ""
    summary: str = ""
    terms: list[str] = field(default_factory=list)
    typical_ids: list[int] = field(default_factory=list)
    children: list[FoundGroup] = field(default_factory=list)


# --- representation ---------------------------------------------------------------------------


@lru_cache(maxsize=1)
def _embedder() -> Any:
    """WordLlama with the weights and tokenizer that ship inside its wheel (no download)."""
    import wordllama
    from wordllama import WordLlama

    return WordLlama.load(cache_dir=Path(wordllama.__file__).parent, disable_download=True)


def _content_words(texts: Sequence[str], language: str) -> list[str]:
    analyzer = analyzer_for(language)
    return [" ".join(word for _term, word, stop in analyzer.tagged(text) if not stop) or text
            for text in texts]


def embed(texts: Sequence[str], language: str = "en") -> np.ndarray:
    """Unit vectors for ``texts`` (an empty text gets a zero vector): the mean of WordLlama's
    vectors of the tokens its tokenizer gives (``WordLlama.embed``), L2-normalised.

    Dutch texts are embedded without their stop words: WordLlama's vectors come from English
    models, and the mean over Dutch function words ("de", "het", "van") drowned what an idea
    is about (three clear Dutch topics: 0.84 accuracy without them, about 0.6 with them).
    English keeps them: StackOverflow lost 4 points ("how", "not" carry meaning there).
    """
    texts = [t or "" for t in texts]
    if language != "en":
        texts = _content_words(texts, language)
    table = _embedder().embedding
    vectors = _token_counts(texts, len(table)) @ table
    return normalize(np.nan_to_num(np.asarray(vectors, dtype=np.float32)))


# WordLlama's tokenizer (Llama 2's) writes each space as "▁", puts one in front and runs BPE
# over the whole text. No token of its vocabulary has a "▁" after another character, so a
# text's tokens are those of its pieces (a run of "▁" and the characters up to the next one)
# one after the other, whatever surrounds them.
_PIECE = re.compile("▁*[^▁]+|▁+")


@lru_cache(maxsize=1)
def _piece_tokenizer() -> Tokenizer:
    """WordLlama's tokenizer for text already written with "▁": no normaliser, no padding."""
    settings = json.loads(_embedder().tokenizer.to_str())
    settings.update(normalizer=None, padding=None)
    return Tokenizer.from_str(json.dumps(settings))


def _token_counts(texts: Sequence[str], vocabulary: int) -> sparse.csr_matrix:
    """(texts x tokens) counts of WordLlama's tokens (no special tokens added), each distinct
    piece tokenised once.

    Tokenising each text on its own took 2 of the 12 s of 20,000 ideas end to end (BPE over
    whole texts, and a Python object per text); the distinct pieces of all texts, joined into
    one string, take a quarter of that. Pieces of "▁" only (trailing spaces) would join the
    next piece, so they are tokenised apart. A literal "<s>" in a text is read as letters
    rather than the special token WordLlama's own call makes of it.
    """
    pieces: dict[str, int] = {}
    columns: list[int] = []
    starts = [0]
    for text in texts:
        if text:
            columns.extend(pieces.setdefault(piece, len(pieces))
                           for piece in _PIECE.findall("▁" + text.replace(" ", "▁")))
        starts.append(len(columns))
    words = [piece for piece in pieces if piece.strip("▁")]
    blanks = [piece for piece in pieces if not piece.strip("▁")]
    tokenizer = _piece_tokenizer()
    owners: list[np.ndarray] = []
    ids: list[np.ndarray] = []
    if words:
        encoded = tokenizer.encode("".join(words), add_special_tokens=False)
        begins = np.cumsum([0] + [len(word) for word in words[:-1]])
        offsets = np.array([start for start, _end in encoded.offsets], dtype=np.int64)
        numbers = np.array([pieces[word] for word in words], dtype=np.int64)
        owners.append(numbers[np.searchsorted(begins, offsets, side="right") - 1])
        ids.append(np.array(encoded.ids, dtype=np.int64))
    for blank in blanks:
        found = tokenizer.encode(blank, add_special_tokens=False).ids
        owners.append(np.full(len(found), pieces[blank], dtype=np.int64))
        ids.append(np.array(found, dtype=np.int64))
    owner = np.concatenate(owners) if owners else np.zeros(0, dtype=np.int64)
    token = np.minimum(np.concatenate(ids), vocabulary - 1) if ids else owner
    piece_tokens = sparse.csr_matrix(
        (np.ones(len(token), dtype=np.float32), (owner, token)),
        shape=(len(pieces), vocabulary))
    text_pieces = sparse.csr_matrix(
        (np.ones(len(columns), dtype=np.float32), columns, starts),
        shape=(len(texts), len(pieces)))
    return (text_pieces @ piece_tokens).tocsr()


# --- grouping ---------------------------------------------------------------------------------


def _seeds(vectors: np.ndarray, k: int, rng: np.random.Generator) -> np.ndarray:
    """k-means++ seeding (distance = 1 - cosine) on a sample of the vectors."""
    n = len(vectors)
    sample = vectors if n <= SEED_SAMPLE else vectors[
        np.sort(rng.choice(n, SEED_SAMPLE, replace=False))]
    # einsum rather than ``@``: a BLAS matrix-vector product per seed starts threads, which
    # cost 50 times the arithmetic when the cores are busy (1.5 s for 424 seeds).
    chosen = [int(rng.integers(len(sample)))]
    distance = np.maximum(1.0 - np.einsum("ij,j->i", sample, sample[chosen[0]]), 0.0)
    for _ in range(1, k):
        total = float(distance.sum())
        if total <= 0:  # fewer distinct points than k: repeat one
            chosen.append(chosen[-1])
            continue
        pick = int(np.searchsorted(np.cumsum(distance), rng.random() * total))
        pick = min(pick, len(sample) - 1)
        chosen.append(pick)
        distance = np.minimum(distance,
                              np.maximum(1.0 - np.einsum("ij,j->i", sample, sample[pick]), 0.0))
    return sample[chosen].copy()


def spherical_kmeans(vectors: np.ndarray, k: int, seed: int = 0, n_init: int = N_INIT,
                     max_iter: int = 50, init: np.ndarray | None = None) -> np.ndarray:
    """Labels of k-means on unit vectors by cosine (centres renormalised each round); the
    best of ``n_init`` seeded runs by total closeness. Matrix products only: scikit-learn's
    KMeans spent most of its time seeding hundreds of groups (49 s for 424 groups over
    20,000 ideas against 1 s here)."""
    n = len(vectors)
    k = max(1, min(k, n))
    rng = np.random.default_rng(seed)
    rows = np.arange(n)
    best_labels, best_score = np.zeros(n, dtype=np.int64), -np.inf
    for _run in range(1 if init is not None else max(1, n_init)):
        centres = init.astype(vectors.dtype) if init is not None else _seeds(vectors, k, rng)
        labels = np.full(n, -1, dtype=np.int64)
        for _round in range(max_iter):
            similarity = vectors @ centres.T
            fresh = similarity.argmax(axis=1)
            if np.array_equal(fresh, labels):
                break
            labels = fresh
            indicator = sparse.csr_matrix((np.ones(n, dtype=vectors.dtype), (labels, rows)),
                                          shape=(len(centres), n))
            sums = np.asarray(indicator @ vectors)
            empty = np.asarray(indicator.sum(axis=1)).ravel() == 0
            sums[empty] = centres[empty]  # an emptied group keeps its last centre
            centres = normalize(sums)
        score = float((vectors @ centres.T).max(axis=1).sum())
        if score > best_score:
            best_labels, best_score = labels, score
    return best_labels


def _sums(vectors: np.ndarray, labels: np.ndarray, groups: int) -> np.ndarray:
    """The sum of the vectors of each group (a sparse product: np.add.at is slow)."""
    n = len(labels)
    indicator = sparse.csr_matrix((np.ones(n, dtype=vectors.dtype), (labels, np.arange(n))),
                                  shape=(groups, n))
    return np.asarray(indicator @ vectors)


def _compact(labels: np.ndarray) -> np.ndarray:
    _, compact = np.unique(labels, return_inverse=True)
    return compact.astype(np.int64)


def ward_tree(vectors: np.ndarray, labels: np.ndarray) -> tuple[list[float], list[tuple[int, int]]]:
    """Merge the groups of ``labels`` by Ward's method, weighted by their sizes.

    Returns the cost of each merge (the growth of the within-group sum of squares) and the
    pairs merged, in order; group ``i`` keeps its number when ``j`` is merged into it.
    """
    groups = int(labels.max()) + 1
    sizes = np.bincount(labels, minlength=groups).astype(np.float64)
    centres = _sums(vectors, labels, groups).astype(np.float64)
    centres /= np.maximum(sizes, 1)[:, None]
    squares = (centres ** 2).sum(axis=1)
    distance = np.maximum(squares[:, None] + squares[None, :] - 2 * centres @ centres.T, 0)
    distance *= sizes[:, None] * sizes[None, :] / (sizes[:, None] + sizes[None, :])
    np.fill_diagonal(distance, np.inf)
    costs: list[float] = []
    merges: list[tuple[int, int]] = []
    for _step in range(groups - 1):
        flat = int(np.argmin(distance))
        i, j = divmod(flat, groups)
        i, j = min(i, j), max(i, j)
        cost = float(distance[i, j])
        # Lance-Williams update for Ward's method.
        merged = ((sizes[i] + sizes) * distance[i] + (sizes[j] + sizes) * distance[j]
                  - sizes * cost) / (sizes[i] + sizes[j] + sizes)
        sizes[i] += sizes[j]
        distance[i], distance[:, i] = merged, merged
        distance[i, i] = np.inf
        distance[j, :], distance[:, j] = np.inf, np.inf
        costs.append(cost)
        merges.append((i, j))
    return costs, merges


def cut(merges: Sequence[tuple[int, int]], groups: int, count: int) -> np.ndarray:
    """The group of each of ``groups`` leaves after merging down to ``count`` groups."""
    parent = np.arange(groups)

    def root(x: int) -> int:
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = int(parent[x])
        return x

    for i, j in merges[: max(0, groups - count)]:
        parent[root(j)] = root(i)
    return _compact(np.array([root(x) for x in range(groups)]))


def fine_count(costs: Sequence[float], groups: int) -> int:
    """Where merging stops being cheap: the number of groups before the first merge that
    costs ``FINE_COST`` times the typical cost of merging near-identical groups (the median
    of the cheaper half of all merges)."""
    if groups <= 2:
        return groups
    ordered = np.sort(np.asarray(costs))
    typical = float(np.median(ordered[: max(1, len(ordered) // 2)])) or 1e-9
    for step, cost in enumerate(costs):
        if cost > FINE_COST * typical:
            return groups - step
    return 1


def theme_count(costs: Sequence[float], groups: int, at_least: int = MIN_THEMES,
                at_most: int = MAX_THEMES) -> int:
    """The number of themes (``at_least``..``at_most``) where the merges just above cost most
    compared with those just below (three merges on each side, to steady the ratio)."""
    if groups <= at_most:
        return groups
    best, best_ratio = at_most, 0.0
    for count in range(max(2, at_least), at_most + 1):
        step = groups - count  # the merge from ``count`` to ``count - 1`` groups
        above = float(np.mean(costs[step:step + 3]))
        below = float(np.mean(costs[max(0, step - 3):step])) if step > 0 else 0.0
        ratio = above / max(below, 1e-9)
        if ratio > best_ratio + 1e-9:
            best, best_ratio = count, ratio
    return best


def _centres(vectors: np.ndarray, labels: np.ndarray) -> np.ndarray:
    return normalize(_sums(vectors, labels, int(labels.max()) + 1))


def group_ideas(vectors: np.ndarray, k: int | None, seed: int = 0
                ) -> tuple[np.ndarray, np.ndarray]:
    """(fine label, theme label) per idea. Every fine group lies inside one theme."""
    n = len(vectors)
    if k is not None:
        fine = _compact(spherical_kmeans(vectors, int(k), seed))
    else:
        over = int(min(max(2, n // 6), max(2, round(OVER * math.sqrt(n)))))
        # A rough partition is enough here: Ward's merges and the polish below refine it.
        start = _compact(spherical_kmeans(vectors, over, seed, n_init=1,
                                          max_iter=OVER_ITERATIONS))
        costs, merges = ward_tree(vectors, start)
        groups = int(start.max()) + 1
        rough = cut(merges, groups, max(1, fine_count(costs, groups)))[start]
        # Polish: k-means from the centres of the merged groups.
        centres = _centres(vectors, rough)
        fine = _compact(spherical_kmeans(vectors, len(centres), seed, init=centres,
                                         max_iter=POLISH_ITERATIONS))
    groups = int(fine.max()) + 1
    if groups <= MAX_THEMES:
        return fine, fine.copy()
    costs, merges = ward_tree(vectors, fine)
    return fine, cut(merges, groups, theme_count(costs, groups))[fine]


# --- describing -------------------------------------------------------------------------------


class _Words:
    """Word TF-IDF over the language's stems, for the distinctive words of a group."""

    def __init__(self, texts: Sequence[str], language: str) -> None:
        self.tokens = _Tokens(texts, language)
        self.matrix: sparse.csr_matrix | None = None
        try:
            vectorizer = _word_vectorizer(len(texts))
            assert vectorizer.analyzer is _identity
            self.matrix = vectorizer.fit_transform(self.tokens.stems).astype(np.float32)
            self.vocabulary = vectorizer.get_feature_names_out()
            self.overall = np.asarray(self.matrix.mean(axis=0)).ravel()
            self.by_term = self.matrix.T.tocsr()
        except ValueError:  # no content word at all
            self.matrix = None

    def distinctive(self, members: np.ndarray) -> dict[str, float]:
        if self.matrix is None or len(members) == 0:
            return {}
        # The members' mean row as one product, without copying their rows out.
        share = np.zeros(self.matrix.shape[0], dtype=np.float32)
        share[members] = 1.0 / len(members)
        score = self.by_term @ share - self.overall
        # The vocabulary is in alphabetical order: a stable sort breaks ties by the word.
        order = np.argsort(-score, kind="stable")[:DISTINCTIVE_TERMS]
        return {str(self.vocabulary[i]): float(score[i]) for i in order if score[i] > 0}

    def surface(self, stem: str) -> str:
        return self.tokens.surface.get(stem, stem)


def _describe(members: np.ndarray, vectors: np.ndarray, ids: Sequence[int],
              texts: Sequence[str], words: _Words, language: str) -> FoundGroup:
    centre = vectors[members].mean(axis=0)
    norm = float(np.linalg.norm(centre))
    centre = centre / norm if norm > 0 else centre
    closeness = vectors[members] @ centre
    order = members[np.lexsort((members, -closeness))]
    scores = (vectors[order] @ centre).round(4)
    ordered_texts = [texts[i] for i in order]
    distinctive = words.distinctive(members)
    return FoundGroup(
        member_ids=[int(ids[i]) for i in order], scores=[float(s) for s in scores],
        tightness=round(float(closeness.mean()), 4),
        name=readable_name(ordered_texts, distinctive, language),
        summary=extractive_summary(ordered_texts, distinctive, language),
        terms=[words.surface(stem) for stem in list(distinctive)[:10]],
        typical_ids=[int(ids[i]) for i in order[:TYPICAL]])


def suggest_themes(docs: Sequence[tuple[int, str]], language: str, k: int | None = None, *,
                   seed: int = 0, progress: Progress | None = None) -> list[FoundGroup]:
    """Themes (largest first) for ``docs`` ((idea_id, text) pairs) in ``language``, each with
    its fine groups as ``children`` when it has more than one. Fewer than three ideas give
    one theme (none for no ideas); the same input and seed always give the same output."""
    say = progress or (lambda share, step: None)
    ids = [int(i) for i, _ in docs]
    texts = [t or "" for _, t in docs]
    if not ids:
        return []
    words = _Words(texts, language)
    say(0.1, "features")
    vectors = embed(texts, language)
    say(0.35, "fine")
    if len(ids) < 3 or (k is not None and k <= 1):
        fine = themes = np.zeros(len(ids), dtype=np.int64)
    else:
        fine, themes = group_ideas(vectors, k, seed)
    say(0.7, "naming")
    found: list[FoundGroup] = []
    for theme in range(int(themes.max()) + 1):
        members = np.flatnonzero(themes == theme)
        if len(members) == 0:
            continue
        group = _describe(members, vectors, ids, texts, words, language)
        parts = sorted(set(fine[members].tolist()))
        if len(parts) > 1:
            group.children = [_describe(np.flatnonzero(fine == part), vectors, ids, texts,
                                        words, language) for part in parts]
            group.children.sort(key=lambda g: (-len(g.member_ids), g.member_ids[0]))
        found.append(group)
    found.sort(key=lambda g: (-len(g.member_ids), g.member_ids[0]))
    say(1.0, "naming")
    return found
