"""Specifications of the cluster suggestions, assignment and near-duplicate detection."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from ideation.curation.clustering import (
    Suggestion,
    assign_to_clusters,
    near_duplicates,
    suggest_clusters,
)

STC = Path(__file__).resolve().parents[3] / "shared" / "datasets" / "stc2-xu2017"

DUTCH = [
    # children
    "Kinderen moeten zelf gehoord worden over de omgang met beide ouders",
    "Het kind verdient een eigen stem bij de scheiding van zijn ouders",
    "Meer aandacht voor kinderen die tussen twee huizen wonen",
    "Een kindgesprek met de rechter voor ieder kind vanaf acht jaar",
    "Kinderen hebben recht op contact met beide ouders na de scheiding",
    "Scholen kunnen kinderen van gescheiden ouders beter begeleiden",
    # maintenance payments
    "De berekening van de alimentatie moet eenvoudiger en begrijpelijker",
    "Alimentatie automatisch laten innen door het LBIO",
    "Partneralimentatie korter maken en de alimentatie beter controleren",
    "Een rekenhulp voor alimentatie op de website van de overheid",
    "Achterstallige alimentatie sneller innen bij de betalende ouder",
    "De hoogte van de alimentatie jaarlijks indexeren met een vaste formule",
    # mediation
    "Mediation verplicht stellen voordat je naar de rechter gaat",
    "Een gratis mediator voor ieder stel dat gaat scheiden",
    "De mediator moet onafhankelijk zijn en goed opgeleid",
    "Mediation vergoeden uit de rechtsbijstand voor lage inkomens",
    "Online mediation aanbieden zodat partners niet samen hoeven te zitten",
    "Een register van erkende mediators met ervaring in scheidingen",
]
CHILDREN, ALIMONY, MEDIATION = range(0, 6), range(6, 12), range(12, 18)


def _docs(texts: list[str]) -> list[tuple[int, str]]:
    return [(100 + i, text) for i, text in enumerate(texts)]


def _group_of(suggestions: list[Suggestion], idea_id: int) -> int:
    return next(s.label for s in suggestions if idea_id in s.member_ids)


def _accuracy(truth: np.ndarray, predicted: np.ndarray) -> float:
    from scipy.optimize import linear_sum_assignment

    size = int(max(truth.max(), predicted.max())) + 1
    confusion = np.zeros((size, size), dtype=np.int64)
    np.add.at(confusion, (truth, predicted), 1)
    rows, cols = linear_sum_assignment(-confusion)
    return float(confusion[rows, cols].sum() / len(truth))


def test_dutch_ideas_on_children_alimony_and_mediation_form_three_groups_named_in_dutch() -> None:
    suggestions = suggest_clusters(_docs(DUTCH), "nl", k=3, seed=0)
    assert len(suggestions) == 3
    for topic in (CHILDREN, ALIMONY, MEDIATION):
        groups = [_group_of(suggestions, 100 + i) for i in topic]
        # Most of each topic (5 of 6) lands in one suggestion.
        assert max(groups.count(g) for g in groups) >= 5
    names = " ".join(s.name for s in suggestions).split(", ")
    words = {w for name in " ".join(s.name for s in suggestions).split(", ") for w in name.split()}
    assert names
    # Real words, not stems: "kinderen"/"kind", "alimentatie", "mediation"/"mediator".
    assert words & {"kinderen", "kind"}
    assert "alimentatie" in words
    assert words & {"mediation", "mediator"}
    assert not words & {"alimentatie"[:-1], "kinder", "mediation"[:-1]}


def test_auto_k_finds_three_well_separated_topics() -> None:
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
    suggestions = suggest_clusters(_docs(texts), "en", seed=0)
    assert len(suggestions) == 3
    assert sorted(len(s.member_ids) for s in suggestions) == [8, 8, 8]


@pytest.mark.parametrize("count", [0, 1, 2])
def test_tiny_inputs_give_at_most_one_suggestion_without_errors(count: int) -> None:
    docs = _docs(DUTCH[:count])
    suggestions = suggest_clusters(docs, "nl", seed=0)
    assert len(suggestions) == min(count, 1)
    if count:
        assert suggestions[0].member_ids == [i for i, _ in docs]
    assert suggest_clusters(docs, "nl", k=5, seed=0) == suggestions
    assert near_duplicates(docs, "nl") == []


def test_texts_without_content_words_still_get_a_suggestion() -> None:
    suggestions = suggest_clusters(_docs(["de", "het", "een", ""]), "nl", seed=0)
    assert sum(len(s.member_ids) for s in suggestions) == 4


def test_every_idea_is_in_one_suggestion_and_representatives_are_members() -> None:
    suggestions = suggest_clusters(_docs(DUTCH), "nl", seed=0)
    members = [i for s in suggestions for i in s.member_ids]
    assert sorted(members) == [i for i, _ in _docs(DUTCH)]
    for suggestion in suggestions:
        assert 1 <= len(suggestion.representative_ids) <= 5
        assert set(suggestion.representative_ids) <= set(suggestion.member_ids)
        assert -1.0 <= suggestion.cohesion <= 1.0
        assert suggestion.terms


def test_same_seed_gives_the_same_suggestions() -> None:
    first = suggest_clusters(_docs(DUTCH), "nl", seed=7)
    assert suggest_clusters(_docs(DUTCH), "nl", seed=7) == first


def test_unclustered_idea_goes_to_the_obvious_cluster_and_an_unrelated_one_to_none() -> None:
    clusters = {
        1: [DUTCH[i] for i in CHILDREN],
        2: [DUTCH[i] for i in ALIMONY],
        3: [DUTCH[i] for i in MEDIATION],
    }
    unclustered = [
        (7, "De alimentatie voor de ex-partner wordt vaak niet betaald"),
        (8, "Een mediator helpt ouders om zelf afspraken te maken"),
        (9, "Meer fietsenstallingen bij het station graag"),
    ]
    result = assign_to_clusters(unclustered, clusters, "nl")
    assert result[7][0] == 2
    assert result[8][0] == 3
    assert result[9][0] is None
    assert result[7][1] > result[9][1]
    assert assign_to_clusters([], clusters, "nl") == {}
    assert assign_to_clusters(unclustered[:1], {}, "nl") == {7: (None, 0.0)}


def test_near_duplicates_finds_a_near_copy_and_not_unrelated_pairs() -> None:
    docs = _docs(DUTCH) + [
        (900, "Kinderen moeten zelf gehoord worden over de omgang met beide ouders!"),
        (901, "Alimentatie automatisch laten innen door het LBIO."),
    ]
    pairs = near_duplicates(docs, "nl", threshold=0.8)
    found = {(a, b) for a, b, _ in pairs}
    assert (100, 900) in found
    assert (107, 901) in found
    assert len(found) == 2
    assert all(0.8 <= score <= 1.0 for _, _, score in pairs)
    assert near_duplicates(docs, "nl", threshold=0.8, limit=1) == pairs[:1]


def test_searchsnippets_sample_beats_plain_tfidf_kmeans_and_a_measured_floor() -> None:
    if not (STC / "SearchSnippets.txt").exists():
        pytest.skip(f"STC datasets not found at {STC}")
    from sklearn.cluster import KMeans
    from sklearn.feature_extraction.text import TfidfVectorizer

    texts = (STC / "SearchSnippets.txt").read_text(encoding="utf-8-sig").splitlines()
    truth = np.array((STC / "SearchSnippets_gnd.txt").read_text().split(), dtype=int) - 1
    picked = np.sort(np.random.default_rng(0).choice(len(texts), 600, replace=False))
    sample = [texts[i] for i in picked]
    truth = truth[picked]
    suggestions = suggest_clusters(list(enumerate(sample)), "en", k=8, seed=0)
    predicted = np.empty(len(sample), dtype=int)
    for suggestion in suggestions:
        predicted[suggestion.member_ids] = suggestion.label
    plain = TfidfVectorizer().fit_transform(sample)
    baseline = KMeans(8, random_state=0, n_init=1).fit_predict(plain)
    ours = _accuracy(truth, predicted)
    assert ours >= ACCURACY_FLOOR
    assert ours > _accuracy(truth, baseline)


# Measured 0.380 (plain TF-IDF + K-means: 0.257) on this sample with seed 0; minus a margin.
ACCURACY_FLOOR = 0.33


# --- the fast paths give what the libraries give ---------------------------------------------


FEATURE_TEXTS = [
    *DUTCH,
    "",
    "   ",
    "a b c",  # words shorter than an n-gram count once
    "Ideeën   voor\tde\nbuurt: café, straße, ÆRØ — 3.141 en e-mail@example.org",
    "zelfde woorden zelfde woorden zelfde woorden",
]


@pytest.mark.parametrize("n_docs", [len(FEATURE_TEXTS), 500])  # min_df 1, then 3
def test_the_character_block_equals_the_vectorizers_own(n_docs: int) -> None:
    from ideation.curation.clustering import _char_block, _char_vectorizer

    texts = [t.lower() for t in FEATURE_TEXTS]
    expected = _char_vectorizer(n_docs).fit_transform(texts)
    ours = _char_block(texts, n_docs)
    _assert_same_arrays(ours, expected)


def _assert_same_arrays(ours, expected) -> None:
    # Not only the same values: the same entries in the same order (the SVD adds them up in
    # that order, and a last-bit difference can move an idea to another cluster).
    assert ours.shape == expected.shape
    assert ours.dtype == expected.dtype
    assert ours.indptr.tolist() == expected.indptr.tolist()
    assert ours.indices.tolist() == expected.indices.tolist()
    assert ours.data.tobytes() == expected.data.tobytes()


@pytest.mark.parametrize(
    "settings",
    [
        # Fewer columns than there are n-grams in at least one text: many ties in the counts,
        # and the vectorizer's choice among equally frequent n-grams is kept.
        {"max_features": 37},
        # Pruning by shares of the texts instead of whole numbers.
        {"min_df": 0.1, "max_df": 0.5},
    ],
    ids=["max_features with ties", "min_df and max_df as shares"],
)
def test_the_character_block_prunes_as_the_vectorizer_does(
    monkeypatch: pytest.MonkeyPatch, settings: dict[str, float]
) -> None:
    from ideation.curation import clustering

    texts = [t.lower() for t in FEATURE_TEXTS]
    factory = clustering._char_vectorizer
    monkeypatch.setattr(clustering, "_char_vectorizer",
                        lambda n: factory(n).set_params(**settings))
    expected = clustering._char_vectorizer(len(texts)).fit_transform(texts)
    ours = clustering._char_block(texts, len(texts))
    assert expected.shape[1] < factory(len(texts)).fit_transform(texts).shape[1]
    if "max_features" in settings:
        assert expected.shape == (len(texts), settings["max_features"])
    _assert_same_arrays(ours, expected)


def test_the_character_block_of_empty_texts_is_refused_as_by_the_vectorizer() -> None:
    from ideation.curation.clustering import _char_block, _char_vectorizer

    with pytest.raises(ValueError, match="empty vocabulary"):
        _char_vectorizer(2).fit_transform(["", "  "])
    with pytest.raises(ValueError, match="empty vocabulary"):
        _char_block(["", "  "], 2)


@pytest.mark.parametrize("language", ["nl", "en"])
def test_the_analysers_words_are_its_tokens_with_their_original(language: str) -> None:
    from ideation.search.analyzers import analyzer_for

    analyzer = analyzer_for(language)
    for text in FEATURE_TEXTS:
        tokens = [(t.text, t.original) for t in analyzer(text, keeporiginal=True)]
        assert analyzer.words(text) == tokens
