"""Specifications of the text features: assignment to a cluster and near-duplicate detection.

The suggested groups themselves: ``test_themes.py``."""

from __future__ import annotations

from pathlib import Path

import pytest

from ideation.curation.clustering import assign_to_clusters, near_duplicates

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


def test_tiny_inputs_have_no_duplicates() -> None:
    assert near_duplicates([], "nl") == []
    assert near_duplicates(_docs(DUTCH[:1]), "nl") == []


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
    factory = clustering._char_vectorizer  # noqa: SLF001
    monkeypatch.setattr(clustering, "_char_vectorizer",
                        lambda n: factory(n).set_params(**settings))
    expected = clustering._char_vectorizer(len(texts)).fit_transform(texts)  # noqa: SLF001
    ours = clustering._char_block(texts, len(texts))  # noqa: SLF001
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
