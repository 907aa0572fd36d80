"""The search's own ranking loop and highlighter give what Whoosh's collector and highlighter do."""

from __future__ import annotations

import random
from pathlib import Path
from typing import Any

import pytest
from whoosh import highlight as whoosh_highlight
from whoosh import index as whoosh_index
from whoosh.query import Term

from ideation.search.analyzers import analyzer_for
from ideation.search.highlighting import SNIPPET_CHARS, highlight_snippet, highlight_title
from ideation.search.index import IdeaIndex
from ideation.search.parsing import parse
from ideation.search.ranking import _rank_terms
from tests.search.test_index import EN, NL, idea

WORDS = [
    *("fiets", "fietsen", "fietspad", "kind", "kinderen", "speeltuin", "bank", "bankjes"),
    *("groen", "plan", "park", "water", "straat", "licht", "veilig", "school", "tuin"),
    *("bomen", "buurt", "<b>vet</b>", "&", '"quote"', "café", "ideeën"),
]


def _text(rng: random.Random, n: int) -> str:
    return " ".join(rng.choice(WORDS) for _ in range(n))


@pytest.fixture
def segmented(tmp_path: Path) -> tuple[IdeaIndex, Any]:
    """An index of several segments, with replaced (deleted) documents and themes."""
    rng = random.Random(7)
    index = IdeaIndex(tmp_path / "search", max_segments=100)
    for batch in range(4):
        docs = [
            idea(
                i,
                _text(rng, rng.randint(1, 6)),
                _text(rng, rng.randint(0, 60)),
                comments=_text(rng, rng.randint(0, 10)),
                theme_id=i % 3,
            )
            for i in range(batch * 30, batch * 30 + 40)  # overlaps: replaces 10 earlier ones
        ]
        index.upsert(1, NL, docs)
    generation = (tmp_path / "search" / "1" / "CURRENT").read_text().split('"')[3]
    ix = whoosh_index.open_dir(str(tmp_path / "search" / "1" / generation))
    return index, ix


@pytest.mark.parametrize(
    "query", ["fiets", "kinderen speeltuin", "groen park water bomen", "bank licht veilig"]
)
@pytest.mark.parametrize("theme_id", [None, 1])
def test_plain_word_queries_rank_score_and_count_as_whooshs_collector(
    segmented: tuple[IdeaIndex, Any], query: str, theme_id: int | None
) -> None:
    index, ix = segmented
    flt = None if theme_id is None else Term("theme_id", str(theme_id))
    with ix.searcher() as searcher:  # Whoosh's own BM25F, tree of matchers and collector
        assert len(searcher.leaf_searchers()) > 1
        q = parse(searcher, NL, query)
        assert _rank_terms(searcher, q, flt, 10) is not None  # the fast path applies
        expected = searcher.search(q, limit=None, filter=flt)
        want = [(int(hit["id"]), hit.score) for hit in expected]
    page = index.search(1, NL, query, theme_id=theme_id, per_page=100)
    assert page.total == len(want) > 0
    want = want[:100]
    assert [h.id for h in page.hits] == [doc_id for doc_id, _ in want]
    assert [h.score for h in page.hits] == pytest.approx([s for _, s in want], rel=1e-12)


def test_other_query_shapes_fall_back_to_whoosh(segmented: tuple[IdeaIndex, Any]) -> None:
    index, ix = segmented
    with ix.searcher() as searcher:
        for query in ("fiets NOT park", "fiets AND park", '"groen plan"', "fiets^2 park"):
            q = parse(searcher, NL, query)
            assert _rank_terms(searcher, q, None, 10) is None, query
            want = [int(hit["id"]) for hit in searcher.search(q, limit=100)]
            assert [h.id for h in index.search(1, NL, query, per_page=100).hits] == want


@pytest.mark.parametrize("language", [NL, EN])
def test_highlights_equal_whooshs_highlighter(language: str) -> None:
    analyzer = analyzer_for(language)
    rng = random.Random(3)
    texts = [_text(rng, rng.randint(1, 120)) for _ in range(300)]
    texts += ["kind " + "x" * 300 + " kind", "a " * 400 + "kind", "kind" * 100, ""]
    for text in texts:
        for n in (1, 2, 5):
            words = frozenset(t.text for t in analyzer(" ".join(rng.sample(WORDS, n))))

            def whoosh(fragmenter: Any, top: int, text: str = text, words: Any = words) -> str:
                formatter = whoosh_highlight.HtmlFormatter(tagname="mark", between=" … ")
                return whoosh_highlight.highlight(
                    text, words, analyzer, fragmenter, formatter, top=top, mode="index"
                )

            context = whoosh_highlight.ContextFragmenter(maxchars=SNIPPET_CHARS, surround=60)
            assert highlight_snippet(text, words, analyzer) == whoosh(context, 2), text
            whole = whoosh_highlight.WholeFragmenter()
            assert highlight_title(text, words, analyzer) == whoosh(whole, 1), text
