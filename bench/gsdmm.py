"""GSDMM, the Dirichlet multinomial mixture for short texts (Yin and Wang, KDD 2014), measured
against the grouping in ``ideation.curation.themes`` by ``bench/clustering.py``.

Each text belongs to one group and all its words come from that group's word distribution;
collapsed Gibbs sampling moves one text at a time to a group drawn with probability

    (m_k + alpha) * prod_w prod_j (n_kw + beta + j - 1) / prod_i (n_k + V * beta + i - 1)

(``m_k`` texts and ``n_k`` words in group k, ``n_kw`` of them word w; j counts the repeats of w
in the text, i its words). The paper's settings: alpha = beta = 0.1, at most K groups, of
which some empty out. Words: scikit-learn's English stop words removed, words in one text only
dropped, a word counted once per text (repeats are rare in short texts; so j is always 1).

One text at a time is 20,000 small numpy steps per sweep (two minutes a set); here the texts of
a block of ``BLOCK`` are drawn together against the counts as the block began (each without
its own words), and the counts are then updated: block Gibbs sampling, the usual way to make
collapsed samplers for topic models parallel. The only PyPI package (``fast-gsdmm`` 0.0.1,
2021, one release) is not maintained, hence these few lines.
"""

from __future__ import annotations

import numpy as np
from scipy import sparse
from scipy.special import gammaln
from sklearn.feature_extraction.text import CountVectorizer

ALPHA = 0.1
BETA = 0.1
ITERATIONS = 15
BLOCK = 256


def labels(texts: list[str], k: int, seed: int = 0, iterations: int = ITERATIONS) -> np.ndarray:
    """The group (0..k-1) of each text after ``iterations`` sweeps of Gibbs sampling."""
    words = CountVectorizer(stop_words="english", min_df=2, binary=True,
                            dtype=np.float64).fit_transform(texts).tocsr()
    n, vocabulary = words.shape
    lengths = np.asarray(words.sum(axis=1)).ravel()
    rng = np.random.default_rng(seed)
    group = rng.integers(k, size=n)

    def counts() -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        member = sparse.csr_matrix((np.ones(n), (group, np.arange(n))), shape=(k, n))
        return (np.bincount(group, minlength=k).astype(np.float64),
                np.asarray((member @ words).todense()), np.bincount(group, lengths, k))

    texts_in, word_in, words_in = counts()
    for _sweep in range(iterations):
        for start in range(0, n, BLOCK):
            block = np.arange(start, min(n, start + BLOCK))
            rows = words[block]
            own = group[block]
            # Each text's own group without the text: its count, word counts and length.
            mine = np.zeros((len(block), k), dtype=bool)
            mine[np.arange(len(block)), own] = True
            texts_k = texts_in[None, :] - mine
            words_k = words_in[None, :] - mine * lengths[block][:, None]
            score = rows @ np.log(word_in + BETA).T
            # The word counts of the own group drop by one for the text's own words.
            row_of = np.repeat(np.arange(len(block)), np.diff(rows.indptr))
            seen = word_in[own[row_of], rows.indices]
            score[np.arange(len(block)), own] += np.bincount(
                row_of, np.log(seen - 1 + BETA) - np.log(seen + BETA), len(block))
            base = words_k + vocabulary * BETA
            score += np.log(texts_k + ALPHA) - (gammaln(base + lengths[block][:, None])
                                                 - gammaln(base))
            p = np.exp(score - score.max(axis=1, keepdims=True))
            cumulative = np.cumsum(p, axis=1)
            draw = rng.random(len(block))[:, None] * cumulative[:, -1:]
            group[block] = np.minimum((cumulative < draw).sum(axis=1), k - 1)
            texts_in, word_in, words_in = counts()
    return group
