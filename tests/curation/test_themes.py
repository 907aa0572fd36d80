"""Specifications of the suggested groups: themes, sub-groups, names and summaries."""

from __future__ import annotations

import numpy as np
import pytest

from ideation.curation.naming import extractive_summary, readable_name
from ideation.curation.themes import (
    MAX_THEMES,
    _embedder,
    cut,
    embed,
    group_ideas,
    spherical_kmeans,
    suggest_themes,
    ward_tree,
)
from tests.curation.test_clustering import ALIMONY, CHILDREN, DUTCH, MEDIATION, STC


def _docs(texts: list[str]) -> list[tuple[int, str]]:
    return [(100 + i, text) for i, text in enumerate(texts)]


def _theme_of(themes, idea_id: int) -> int:
    return next(n for n, t in enumerate(themes) if idea_id in t.member_ids)


def test_dutch_ideas_on_children_alimony_and_mediation_form_three_named_groups() -> None:
    themes = suggest_themes(_docs(DUTCH), "nl", k=3)

    assert len(themes) == 3
    together = 0
    for topic in (CHILDREN, ALIMONY, MEDIATION):
        groups = [_theme_of(themes, 100 + i) for i in topic]
        together += max(groups.count(g) for g in groups)
        assert max(groups.count(g) for g in groups) >= 4  # most of each topic together
    assert together >= 14  # of 18
    names = [t.name for t in themes]
    # Phrases of real words as typed, capitalised, never a comma list of stems.
    assert all(name[:1].isupper() and "," not in name for name in names)
    words = {w.lower() for name in names for w in name.split()}
    assert "alimentatie" in words and words & {"mediation", "mediator"}
    assert not words & {"alimentati", "kinder"}


def test_auto_finds_three_well_separated_topics_with_summaries_and_typical_ideas() -> None:
    topics = [
        ["football match goal striker", "the striker scored a football goal",
         "football league match tonight", "goal keeper saves football penalty",
         "a late goal won the football match", "football fans cheer the striker",
         "the football coach picks a new striker", "penalty goal in the league match"],
        ["bake bread in the oven", "oven baked bread recipe with flour",
         "flour yeast bread dough recipe", "recipe for oven roasted bread",
         "knead the dough before baking bread", "fresh bread from a hot oven",
         "a bread recipe needs flour and yeast", "bake the dough in the oven"],
        ["stock market shares fell", "investors sell shares on the stock market",
         "market index and stock prices", "shares and bonds on the stock exchange",
         "the stock exchange closed higher", "investors buy shares of the bank",
         "stock prices rise on the market", "bond and share investors on the exchange"],
    ]
    texts = [t for group in topics for t in group]

    themes = suggest_themes(_docs(texts), "en")

    assert sorted(len(t.member_ids) for t in themes) == [8, 8, 8]
    for theme in themes:
        assert len(theme.typical_ids) == 3 and set(theme.typical_ids) <= set(theme.member_ids)
        assert theme.summary.endswith(".") and theme.summary[:1].isupper()
        assert 0 < theme.tightness <= 1
        assert theme.scores == sorted(theme.scores, reverse=True)


@pytest.mark.parametrize("count", [0, 1, 2])
def test_tiny_inputs_give_at_most_one_theme_without_errors(count: int) -> None:
    docs = _docs(DUTCH[:count])
    themes = suggest_themes(docs, "nl")
    assert len(themes) == min(count, 1)
    if count:
        assert sorted(themes[0].member_ids) == [i for i, _ in docs]
    assert [t.member_ids for t in suggest_themes(docs, "nl", k=5)] == [
        t.member_ids for t in themes]


def test_texts_without_content_words_still_get_a_theme() -> None:
    themes = suggest_themes(_docs(["de", "het", "een", ""]), "nl")
    assert sum(len(t.member_ids) for t in themes) == 4


def test_same_seed_gives_the_same_themes() -> None:
    first = suggest_themes(_docs(DUTCH), "nl", seed=7)
    assert suggest_themes(_docs(DUTCH), "nl", seed=7) == first


def _blobs(groups: int, per_group: int, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    centres = rng.standard_normal((groups, 32))
    points = np.repeat(centres, per_group, axis=0) + 0.15 * rng.standard_normal(
        (groups * per_group, 32))
    points /= np.linalg.norm(points, axis=1, keepdims=True)
    return points.astype(np.float32), np.repeat(np.arange(groups), per_group)


def _pure(labels: np.ndarray, truth: np.ndarray) -> bool:
    """Every found group holds one true group only."""
    return all(len(set(truth[labels == g].tolist())) == 1 for g in set(labels.tolist()))


def test_many_small_topics_are_found_without_a_cap_under_at_most_max_themes() -> None:
    vectors, truth = _blobs(60, 12)

    fine, themes = group_ideas(vectors, None)

    assert len(set(fine.tolist())) == 60 and _pure(fine, truth)
    assert len(set(themes.tolist())) <= MAX_THEMES
    # Every fine group lies inside one theme.
    assert all(len(set(themes[fine == g].tolist())) == 1 for g in set(fine.tolist()))


def test_a_few_clear_topics_give_one_level() -> None:
    vectors, truth = _blobs(5, 40)
    fine, themes = group_ideas(vectors, None)
    assert len(set(fine.tolist())) == 5 and _pure(fine, truth)
    assert np.array_equal(fine, themes)


def test_ward_merges_the_closest_groups_first_and_cut_follows_the_merges() -> None:
    vectors, truth = _blobs(4, 10)
    halves = np.arange(40) // 5  # each true group split in two
    costs, merges = ward_tree(vectors, halves)
    assert len(costs) == 7
    assert max(costs[:4]) < min(costs[4:])  # the halves first, the true groups last
    assert np.array_equal(cut(merges, 8, 4)[halves], cut(merges, 8, 4)[halves])
    assert _pure(cut(merges, 8, 4)[halves], truth)


def test_embed_gives_the_vectors_of_wordllamas_own_embed() -> None:
    texts = ["Meer bankjes in het park", "two  spaces and trailing ", "   ", "", "\n",
             "title\ndescription, with (punctuation)!", "café naïve über", "emoji 😀 ok",
             "x▁y already", "a", "a", "C# and C++ on .NET 4.5?"]
    own = np.nan_to_num(np.asarray(_embedder().embed(texts, norm=False), dtype=np.float32))
    norms = np.linalg.norm(own, axis=1, keepdims=True)
    expected = np.divide(own, norms, out=np.zeros_like(own), where=norms > 0)

    assert np.allclose(embed(texts), expected, atol=1e-5)
    assert not embed([""]).any()


def test_spherical_kmeans_separates_clear_groups_and_is_repeatable() -> None:
    vectors, truth = _blobs(6, 20)
    labels = spherical_kmeans(vectors, 6, seed=3)
    assert _pure(labels, truth) and len(set(labels.tolist())) == 6
    assert np.array_equal(spherical_kmeans(vectors, 6, seed=3), labels)


def test_the_name_is_the_shared_phrase_and_the_summary_the_central_sentences() -> None:
    texts = ["Meer bankjes in het park\nIn het park kun je nergens zitten. Dat is jammer.",
             "Bankjes in het park graag\nOuderen willen rusten in het park.",
             "Schaduw en bankjes in het park\nBij warm weer is er geen schaduw."]
    distinctive = {"bankj": 0.5, "park": 0.4, "zit": 0.1, "schaduw": 0.2}

    name = readable_name(texts, distinctive, "nl")
    summary = extractive_summary(texts, distinctive, "nl")

    assert name == "Bankjes in het park"
    assert summary.startswith("In het park kun je nergens zitten.")
    assert len(summary) <= 270


def test_without_a_shared_phrase_the_name_joins_the_two_most_typical_words() -> None:
    texts = ["Fietsen stallen\nx", "Parkeren van fietsen\ny", "Auto parkeren\nz"]
    assert readable_name(texts, {"fiets": 0.6, "parker": 0.5}, "nl") == "Fietsen en parkeren"


def test_searchsnippets_sample_with_k_given_beats_plain_tfidf_kmeans() -> None:
    if not (STC / "SearchSnippets.txt").exists():
        pytest.skip(f"STC datasets not found at {STC}")
    from scipy.optimize import linear_sum_assignment
    from sklearn.cluster import KMeans
    from sklearn.feature_extraction.text import TfidfVectorizer

    def accuracy(truth: np.ndarray, predicted: np.ndarray) -> float:
        size = int(max(truth.max(), predicted.max())) + 1
        confusion = np.zeros((size, size), dtype=np.int64)
        np.add.at(confusion, (truth, predicted), 1)
        rows, cols = linear_sum_assignment(-confusion)
        return float(confusion[rows, cols].sum() / len(truth))

    texts = (STC / "SearchSnippets.txt").read_text(encoding="utf-8-sig").splitlines()
    truth = np.array((STC / "SearchSnippets_gnd.txt").read_text().split(), dtype=int) - 1
    picked = np.sort(np.random.default_rng(0).choice(len(texts), 600, replace=False))
    sample = [texts[i] for i in picked]
    truth = truth[picked]
    themes = suggest_themes(list(enumerate(sample)), "en", k=8)
    predicted = np.empty(len(sample), dtype=int)
    for label, theme in enumerate(themes):
        predicted[theme.member_ids] = label
    baseline = KMeans(8, random_state=0, n_init=1).fit_predict(
        TfidfVectorizer().fit_transform(sample))
    ours = accuracy(truth, predicted)
    assert ours >= ACCURACY_FLOOR
    assert ours > accuracy(truth, baseline) + 0.1


# The floor of the sample above with seed 0, minus a margin (measured: see the commit).
ACCURACY_FLOOR = 0.55
