"""Tests for ideation.search: analysers, IdeaIndex writes, searches, rebuilds, damage."""

from __future__ import annotations

import pickle
import random
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from whoosh.util.filelock import FileLock

from ideation.search.analyzers import analyse, analyzer_for
from ideation.search.index import MAX_PREFIX_TERMS, IdeaIndex, IndexBusy, IndexMissing

NL = "nl"
EN = "en"


def idea(id: int, title: str, description: str = "", **extra: Any) -> dict[str, Any]:
    doc: dict[str, Any] = {
        "id": id,
        "title": title,
        "description": description,
        "comments": "",
        "theme_id": None,
        "status": "published",
        "created": datetime(2024, 1, 1) + timedelta(days=id),
        "supports": 0,
        "comments_count": 0,
    }
    doc.update(extra)
    return doc


@pytest.fixture
def index(tmp_path: Path) -> IdeaIndex:
    return IdeaIndex(tmp_path / "search")


def ids(page_or_hits: Any) -> list[int]:
    hits = getattr(page_or_hits, "hits", page_or_hits)
    return [h.id for h in hits]


# --- analysers -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("inflected", "base"),
    [
        ("kinderen", "kind"),
        ("schoolkinderen", "schoolkind"),
        ("eieren", "ei"),
        ("bladeren", "blad"),
        ("liederen", "lied"),
        ("scheidingen", "scheiding"),
        ("steden", "stad"),
        ("ideeën", "idee"),
        ("ideeen", "idee"),
        ("plannen", "plan"),
        ("huizen", "huis"),
        ("brieven", "brief"),
        ("mensen", "mens"),
        ("fietsen", "fiets"),
        ("bewoners", "bewoner"),
        ("buurten", "buurt"),
        ("bankjes", "bankje"),
        ("straatjes", "straatje"),
    ],
)
def test_dutch_inflections_share_the_stem_of_the_base_form(inflected: str, base: str) -> None:
    assert analyse(NL, inflected) == analyse(NL, base)


@pytest.mark.parametrize(
    ("word", "not_like"),
    [("besteden", "stad"), ("geleden", "gelid"), ("veranderen", "verand"), ("leren", "l")],
)
def test_dutch_plural_table_leaves_lookalike_verbs_alone(word: str, not_like: str) -> None:
    assert analyse(NL, word) != [not_like]


def test_dutch_stop_words_are_dropped_and_accents_folded() -> None:
    assert analyse(NL, "de het een van") == []
    assert analyse(NL, "Café") == analyse(NL, "cafe")


def test_english_stemming() -> None:
    assert analyse(EN, "parents") == analyse(EN, "parent")
    assert analyse(EN, "mediation") == analyse(EN, "mediating")
    # Snowball English is suffix-only: irregular plurals stay apart.
    assert analyse(EN, "children") != analyse(EN, "child")
    assert analyse(EN, "the and of") == []


def test_analysers_pickle_and_reject_unknown_languages() -> None:
    for language in (NL, EN):
        restored = pickle.loads(pickle.dumps(analyzer_for(language)))  # noqa: S301
        assert [t.text for t in restored("kinderen parents")] == analyse(
            language, "kinderen parents"
        )
    with pytest.raises(ValueError, match="unsupported"):
        analyzer_for("fr")


# --- searching -------------------------------------------------------------------


def test_dutch_kinderen_finds_kind_and_scheiding_finds_scheidingen(index: IdeaIndex) -> None:
    index.upsert(
        1,
        NL,
        [
            idea(1, "Speeltuin", "Een veilige plek voor elk kind"),
            idea(2, "Hulp bij scheidingen", "Ouders ondersteunen"),
            idea(3, "Meer bomen", "Groen in de straat"),
        ],
    )
    assert ids(index.search(1, NL, "kinderen")) == [1]
    assert ids(index.search(1, NL, "scheiding")) == [2]
    assert ids(index.search(1, NL, "ideeën boom")) == [3]


def test_stop_words_alone_and_empty_queries_return_an_empty_page(index: IdeaIndex) -> None:
    index.upsert(1, NL, [idea(1, "De speeltuin", "Het is de beste")])
    for query in ("de", "het", "de het", "", "   "):
        page = index.search(1, NL, query)
        assert page.total == 0
        assert page.hits == []


def test_english_search_uses_english_stemming(index: IdeaIndex) -> None:
    index.upsert(
        2,
        EN,
        [idea(1, "Support for a parent", "Mediating conflicts"), idea(2, "Trees", "Green")],
    )
    assert ids(index.search(2, EN, "parents")) == [1]
    assert ids(index.search(2, EN, "mediation")) == [1]


def test_highlights_use_mark_and_escape_user_html(index: IdeaIndex) -> None:
    index.upsert(
        1,
        NL,
        [idea(1, "<script>alert(1)</script> kind", "Voor het <b>kind</b> & de ouders")],
    )
    (hit,) = index.search(1, NL, "kinderen").hits
    assert hit.title_html == (
        '&lt;script&gt;alert(1)&lt;/script&gt; <mark class="match term0">kind</mark>'
    )
    assert '<mark class="match term0">kind</mark>' in hit.snippet_html
    assert "&lt;b&gt;" in hit.snippet_html
    assert "&amp;" in hit.snippet_html
    assert "<script>" not in hit.title_html + hit.snippet_html
    assert "<b>" not in hit.snippet_html


def test_hits_without_highlightable_text_still_come_back_escaped(index: IdeaIndex) -> None:
    index.upsert(1, NL, [idea(1, "<i>Titel</i>", "<p>tekst</p>", comments="speeltuin")])
    (hit,) = index.search(1, NL, "speeltuin").hits  # matched in comments only
    assert hit.title_html == "&lt;i&gt;Titel&lt;/i&gt;"
    assert hit.snippet_html == "&lt;p&gt;tekst&lt;/p&gt;"


def test_filters_on_theme_and_status_combine_with_the_query(index: IdeaIndex) -> None:
    index.upsert(
        1,
        NL,
        [
            idea(1, "Fietspad", "fiets", theme_id=10, status="published"),
            idea(2, "Fietsenstalling", "fiets", theme_id=10, status="selected"),
            idea(3, "Fiets delen", "fiets", theme_id=20, status="published"),
            idea(4, "Bankjes", "zitten", theme_id=10, status="published"),
        ],
    )
    assert set(ids(index.search(1, NL, "fiets"))) == {1, 2, 3}
    assert set(ids(index.search(1, NL, "fiets", theme_id=10))) == {1, 2}
    assert set(ids(index.search(1, NL, "fiets", status="published"))) == {1, 3}
    assert ids(index.search(1, NL, "fiets", theme_id=10, status="published")) == [1]
    assert index.search(1, NL, "fiets", theme_id=99).total == 0


def test_pagination_and_sorting(index: IdeaIndex) -> None:
    index.upsert(1, NL, [idea(i, f"Groen plan {i}", supports=i) for i in range(1, 26)])
    first = index.search(1, NL, "groen", per_page=10)
    third = index.search(1, NL, "groen", page=3, per_page=10)
    assert (first.total, len(first.hits), first.pages) == (25, 10, 3)
    assert len(third.hits) == 5
    assert not set(ids(first)) & set(ids(third))
    assert index.search(1, NL, "groen", page=9, per_page=10).hits == []
    assert ids(index.search(1, NL, "groen", sort="supports", per_page=3)) == [25, 24, 23]
    assert ids(index.search(1, NL, "groen", sort="newest", per_page=2)) == [25, 24]


@pytest.mark.parametrize(
    ("query", "filters", "expected"),
    [
        ("fiets", {}, {1, 2, 3}),
        ("fiets bankjes", {}, {1, 2, 3, 4}),
        ("fiets OR bankjes", {"theme_id": 10}, {1, 2, 4}),
        ("fiets AND stalling", {}, {2}),
        ("fiets NOT stalling", {}, {1, 3}),
        ('"fiets stalling"', {}, {2}),
        ("fiets*", {"status": "published"}, {1, 3}),
    ],
)
def test_totals_are_exact_for_every_query_shape(
    index: IdeaIndex, query: str, filters: dict[str, Any], expected: set[int]
) -> None:
    index.upsert(
        1,
        NL,
        [
            idea(1, "Fietspad", "een fiets", theme_id=10),
            idea(2, "Stalling", "fiets stalling", theme_id=10, status="selected"),
            idea(3, "Delen", "fietsen delen", theme_id=20),
            idea(4, "Bankjes", "zitten", theme_id=10),
        ],
    )
    page = index.search(1, NL, query, per_page=100, **filters)
    assert set(ids(page)) == expected
    assert page.total == len(expected)


def test_single_word_matching_one_field_gets_a_real_score(index: IdeaIndex) -> None:
    # Regression for OrGroup.factory(0.9), whose coordination factor scored such
    # hits 0 and ranked fresh single-document segments below older ones.
    index.upsert(1, NL, [idea(1, "Bankjes", "Zitplekken"), idea(2, "Tuin", "Bankjes")])
    index.upsert(1, NL, [idea(3, "Bankjes bij het water", "")])
    page = index.search(1, NL, "bankjes")
    assert all(hit.score > 0 for hit in page.hits)
    assert ids(page)[-1] == 2  # the description-only match ranks last


@pytest.mark.parametrize(
    "query",
    [
        "AND OR (",
        '"',
        "title:",
        "status:hidden",
        "*",
        "?",
        "kind*",
        "*kind",
        "[a TO z]",
        "{ }",
        "^2",
        "kind^",
        "NOT",
        "NOT kind",
        "AND",
        "(((((",
        ")))",
        "'",
        "kind~",
        "kind~2",
        "\\",
        "::::",
        "créche ✨ 儿童 🚲",
        "\x00\x01",
        "kind " * 5000,
        "x" * 100_000,
        "a:b:c:(d",
    ],
)
def test_query_syntax_garbage_never_raises(index: IdeaIndex, query: str) -> None:
    index.upsert(1, NL, [idea(1, "Een kind", "met een fiets"), idea(2, "Bomen", "in de straat")])
    page = index.search(1, NL, query)
    assert page.total >= 0
    assert index.similar(1, NL, query) is not None


def test_random_query_syntax_never_raises(index: IdeaIndex) -> None:
    index.upsert(
        1, NL, [idea(i, f"Kind fiets {i}", "speeltuin bank", theme_id=i % 2) for i in range(9)]
    )
    rng = random.Random(20240501)
    pieces = ["kind", "fiets", "AND", "OR", "NOT", "ANDNOT", "TO", "é", "ë", "🚲"]
    pieces += list("()\"'*?^~:[]{}-+\\")
    for _ in range(300):
        words = rng.choices(pieces, k=rng.randint(1, 9))
        query = "".join(w + rng.choice(("", " ")) for w in words)
        index.search(1, NL, query, theme_id=1, sort="newest")
        index.similar(1, NL, query)


def test_prefix_queries_are_bounded_and_case_insensitive(index: IdeaIndex) -> None:
    index.upsert(
        1,
        NL,
        [idea(1, "Speeltuin"), *(idea(i, f"speelplek{i:02d}") for i in range(2, 40))],
    )
    assert ids(index.search(1, NL, "Speeltu*")) == [1]
    # At most MAX_PREFIX_TERMS completions per field, the shortest first.
    assert index.search(1, NL, "speel*", per_page=100).total == MAX_PREFIX_TERMS
    for too_broad in ("s*", "*", "*plek*", "?"):
        assert index.search(1, NL, too_broad).total == 0


def test_similar_suggests_while_typing_and_excludes_the_idea_itself(index: IdeaIndex) -> None:
    index.upsert(
        1,
        NL,
        [
            idea(1, "Speeltuin voor kinderen", "Klimrek en schommel"),
            idea(2, "Speeltuinen opknappen", "Oude toestellen vervangen"),
            idea(3, "Meer bomen", "Groen"),
        ],
    )
    assert set(ids(index.similar(1, NL, "speeltuin kind"))) == {1, 2}
    assert ids(index.similar(1, NL, "nieuwe speeltu"))[:2] != []  # prefix of the last word
    assert 1 not in ids(index.similar(1, NL, "speeltuin", exclude_id=1))
    assert len(index.similar(1, NL, "speeltuin bomen", limit=1)) == 1
    assert index.similar(1, NL, "de het") == []


# --- writing ---------------------------------------------------------------------


def test_upsert_replaces_documents_without_duplicates(index: IdeaIndex) -> None:
    index.upsert(1, NL, [idea(1, "Oude titel"), idea(2, "Tweede")])
    index.upsert(1, NL, [idea(1, "Nieuwe titel")])
    # Two versions of one id in one batch: the last one wins.
    index.upsert(1, NL, [idea(2, "Tussenversie"), idea(2, "Laatste versie")])
    assert index.doc_ids(1) == {1, 2}
    assert index.search(1, NL, "oude").total == 0
    assert ids(index.search(1, NL, "nieuwe")) == [1]
    assert index.search(1, NL, "tussenversie").total == 0
    assert index.search(1, NL, "titel OR versie").total == 2


def test_delete_removes_documents_and_tolerates_unknown_ids(index: IdeaIndex) -> None:
    index.upsert(1, NL, [idea(1, "Eerste"), idea(2, "Tweede"), idea(3, "Derde")])
    assert index.search(1, NL, "tweede").total == 1  # warms the cached searcher
    index.delete(1, NL, [2, 99])
    assert index.doc_ids(1) == {1, 3}
    assert index.search(1, NL, "tweede").total == 0
    index.delete(42, NL, [1])  # no index for challenge 42 yet: nothing to do
    assert not (index.root / "42" / "CURRENT").exists()


def test_apply_loads_under_the_lock_and_writes_upserts_and_deletions_together(
    index: IdeaIndex,
) -> None:
    index.upsert(1, NL, [idea(1, "Eerste"), idea(2, "Tweede")])
    lock = index.root / "1" / "WRITELOCK"

    def load() -> tuple[list[dict[str, Any]], list[int]]:
        other = FileLock(str(lock))
        assert not other.acquire()  # called while this process holds the lock
        return [idea(3, "Derde"), idea(1, "Eerste, herzien")], [2]

    index.apply(1, NL, load)
    assert index.doc_ids(1) == {1, 3}
    assert ids(index.search(1, NL, "herzien")) == [1]
    index.apply(7, NL, lambda: ([], [1]))  # deletions only, no index: nothing created
    assert not (index.root / "7" / "CURRENT").exists()


def test_malformed_documents_raise_their_own_error(index: IdeaIndex) -> None:
    index.upsert(1, NL, [idea(1, "Eerste")])
    with pytest.raises(ValueError):
        index.upsert(1, NL, [idea(2, "Tweede", theme_id="geen getal")])
    with pytest.raises(KeyError):
        index.upsert(1, NL, [{"title": "zonder id"}])
    assert index.doc_ids(1) == {1}


def test_cached_searchers_see_merges_without_resurrecting_documents(tmp_path: Path) -> None:
    index = IdeaIndex(tmp_path, max_segments=3)
    for i in range(1, 13):
        index.upsert(1, NL, [idea(i, f"Plan nummer {i}")])
        assert index.search(1, NL, "plan", per_page=100).total == i
    index.delete(1, NL, [5])
    page = index.search(1, NL, "plan", per_page=100)
    assert sorted(ids(page)) == [i for i in range(1, 13) if i != 5]


def test_optimize_merges_segments_and_keeps_the_documents(tmp_path: Path) -> None:
    index = IdeaIndex(tmp_path, max_segments=100)
    for i in range(1, 8):
        index.upsert(1, NL, [idea(i, f"Plan {i}")])
    index.delete(1, NL, [3])
    (gdir,) = (tmp_path / "1").glob("gen-*")
    assert len(list(gdir.glob("*.seg"))) > 1
    index.optimize(1)
    assert len(list(gdir.glob("*.seg"))) == 1
    assert index.doc_ids(1) == {1, 2, 4, 5, 6, 7}
    index.optimize(99)  # no index: nothing to do


def test_other_processes_see_writes_through_their_own_instance(tmp_path: Path) -> None:
    writer, reader = IdeaIndex(tmp_path), IdeaIndex(tmp_path)
    writer.upsert(1, NL, [idea(1, "Bankjes")])
    assert reader.doc_ids(1) == {1}
    writer.upsert(1, NL, [idea(2, "Bankjes")])
    writer.rebuild(1, NL, [idea(3, "Bankjes")])
    assert ids(reader.search(1, NL, "bankjes")) == [3]


def test_busy_write_lock_raises_index_busy_after_the_timeout(tmp_path: Path) -> None:
    index = IdeaIndex(tmp_path, lock_timeout=0.2)
    index.upsert(1, NL, [idea(1, "Bankjes")])
    lock = FileLock(str(tmp_path / "1" / "WRITELOCK"))
    assert lock.acquire()
    try:
        with pytest.raises(IndexBusy):
            index.upsert(1, NL, [idea(2, "Tafels")])
        with pytest.raises(IndexBusy):
            index.delete(1, NL, [1], timeout=0.01)
        with pytest.raises(IndexBusy):
            index.rebuild(1, NL, [idea(2, "Tafels")], timeout=0)
        assert index.doc_ids(1) == {1}  # readers are not blocked by writers
    finally:
        lock.release()
    index.upsert(1, NL, [idea(2, "Tafels")])
    assert index.doc_ids(1) == {1, 2}


# --- rebuild -----------------------------------------------------------------------


def test_rebuild_reports_progress_and_equals_the_document_set(index: IdeaIndex) -> None:
    index.upsert(1, NL, [idea(i, "verouderd") for i in range(1000, 1010)])
    calls: list[int] = []
    docs = (idea(i, f"Idee {i}", "tekst over de buurt") for i in range(1, 251))
    assert index.rebuild(1, NL, docs, progress=calls.append, progress_every=100) == 250
    assert calls == [100, 200, 250]
    assert index.doc_ids(1) == set(range(1, 251))
    assert index.search(1, NL, "verouderd").total == 0
    assert len(list((index.root / "1").glob("gen-*"))) == 1  # old generation removed


def test_rebuild_of_nothing_creates_an_empty_index(index: IdeaIndex) -> None:
    calls: list[int] = []
    assert index.rebuild(5, NL, [], progress=calls.append) == 0
    assert calls == [0]
    assert index.doc_ids(5) == set()
    assert index.search(5, NL, "kind").total == 0


def test_failed_rebuild_keeps_the_live_index(index: IdeaIndex) -> None:
    index.upsert(1, NL, [idea(1, "Bankjes")])

    def broken():
        yield idea(2, "Tafels")
        raise RuntimeError("database went away")

    with pytest.raises(RuntimeError):
        index.rebuild(1, NL, broken())
    assert index.doc_ids(1) == {1}
    assert len(list((index.root / "1").glob("gen-*"))) == 1


def test_rebuild_can_change_the_language(index: IdeaIndex) -> None:
    index.upsert(1, NL, [idea(1, "kinderen")])
    with pytest.raises(IndexMissing):
        index.search(1, EN, "children")
    with pytest.raises(IndexMissing):
        index.upsert(1, EN, [idea(2, "parents")])
    index.rebuild(1, EN, [idea(2, "parents")])
    assert ids(index.search(1, EN, "parent")) == [2]


# --- missing and damaged indexes -----------------------------------------------------


def _segment_files(index: IdeaIndex, challenge_id: int) -> list[Path]:
    (gdir,) = (index.root / str(challenge_id)).glob("gen-*")
    return sorted(gdir.glob("*.seg"))


def test_missing_index_raises_index_missing(index: IdeaIndex) -> None:
    with pytest.raises(IndexMissing):
        index.search(1, NL, "kind")
    with pytest.raises(IndexMissing):
        index.doc_ids(1)
    assert not index.is_healthy(1)


@pytest.mark.parametrize("damage", ["delete", "truncate", "empty", "toc"])
def test_corrupt_index_raises_index_missing_until_rebuilt(index: IdeaIndex, damage: str) -> None:
    index.upsert(1, NL, [idea(i, f"Bankje {i}", "in het park") for i in range(1, 21)])
    index.upsert(1, NL, [idea(21, "Bankje 21")])
    assert index.search(1, NL, "bankje").total == 21  # this instance now caches a searcher
    assert index.is_healthy(1)
    segment = _segment_files(index, 1)[0]
    # Damage by writing a new file over the old name: truncating the inode in
    # place would make the warm searcher's mmap raise SIGBUS, which no Python
    # code can handle (Whoosh itself never rewrites a file in place).
    damaged = segment.with_suffix(".damaged")
    if damage == "delete":
        segment.unlink()
    elif damage == "truncate":
        damaged.write_bytes(segment.read_bytes()[: segment.stat().st_size // 2])
        damaged.replace(segment)
    elif damage == "empty":
        damaged.write_bytes(b"")
        damaged.replace(segment)
    else:
        for toc in segment.parent.glob("*.toc"):
            toc.unlink()

    fresh = IdeaIndex(index.root)  # e.g. another worker process
    assert not fresh.is_healthy(1)
    with pytest.raises(IndexMissing):
        fresh.search(1, NL, "bankje")
    for idx in (fresh, index):
        with pytest.raises(IndexMissing):
            idx.upsert(1, NL, [idea(22, "Nog een bankje")])
    with pytest.raises(IndexMissing):  # the failed write dropped the cached searcher
        index.search(1, NL, "bankje")

    assert index.rebuild(1, NL, [idea(i, f"Bankje {i}") for i in range(1, 23)]) == 22
    assert fresh.is_healthy(1)
    assert fresh.doc_ids(1) == set(range(1, 23))
    assert fresh.search(1, NL, "bankjes").total == 22
    assert index.search(1, NL, "bankjes").total == 22


def test_a_value_error_of_the_search_itself_is_not_taken_for_damage(
    index: IdeaIndex, monkeypatch: pytest.MonkeyPatch
) -> None:
    index.upsert(1, NL, [idea(1, "Bankjes in het park")])

    def broken(*args: Any, **kwargs: Any) -> Any:
        raise ValueError("a bug in the highlighter")

    monkeypatch.setattr("ideation.search.index.hits", broken)
    with pytest.raises(ValueError, match="a bug in the highlighter"):
        index.search(1, NL, "bankjes")
    monkeypatch.setattr("ideation.search.index.find", broken)
    with pytest.raises(ValueError, match="a bug in the highlighter"):
        index.search(1, NL, "bankjes")
    monkeypatch.undo()
    assert index.is_healthy(1)
    assert ids(index.search(1, NL, "bankjes")) == [1]


def test_garbled_pointer_file_raises_index_missing(index: IdeaIndex) -> None:
    index.upsert(1, NL, [idea(1, "Bankjes")])
    (index.root / "1" / "CURRENT").write_text("{not json")
    with pytest.raises(IndexMissing):
        index.search(1, NL, "bankjes")
    index.rebuild(1, NL, [idea(1, "Bankjes")])
    assert index.doc_ids(1) == {1}


def test_an_index_from_the_previous_schema_is_searchable_and_rebuilt_on_the_next_write(
    index: IdeaIndex,
) -> None:
    # Before the sort fields became value columns they were indexed NUMERIC/DATETIME terms.
    from whoosh import index as whoosh_index
    from whoosh.fields import DATETIME, NUMERIC

    from ideation.search.index import build_schema

    schema = build_schema(NL)
    for name in ("supports", "comments_count"):
        schema.remove(name)
        schema.add(name, NUMERIC(sortable=True))
    schema.remove("created")
    schema.add("created", DATETIME(sortable=True))
    gdir = index.root / "1" / "gen-old"
    gdir.mkdir(parents=True)
    writer = whoosh_index.create_in(str(gdir), schema).writer()
    writer.add_document(id="1", title="Bankjes", supports=3, created=datetime(2024, 1, 1))
    writer.commit()
    (index.root / "1" / "CURRENT").write_text('{"generation": "gen-old", "language": "nl"}')

    assert ids(index.search(1, NL, "bankjes", sort="supports")) == [1]
    with pytest.raises(IndexMissing):
        index.upsert(1, NL, [idea(2, "Tafels")])
    index.rebuild(1, NL, [idea(1, "Bankjes"), idea(2, "Tafels", supports=5)])
    assert ids(index.search(1, NL, "bankjes OR tafels", sort="supports")) == [2, 1]


def test_analysis_gives_whooshs_filter_chain_tokens_positions_and_offsets() -> None:
    # The one-loop analyser must index exactly what the earlier Whoosh chain did,
    # or phrase queries and highlights shift against existing indexes.
    from whoosh.analysis import (
        CharsetFilter,
        LowercaseFilter,
        RegexTokenizer,
        StemFilter,
        StopFilter,
    )
    from whoosh.lang import stopwords_for_language
    from whoosh.support.charset import accent_map

    from ideation.search.analyzers import stem_dutch

    text = "De kinderen van Café 't Hoekje: 3.141 ideeën, big-time under_score a*b. Het EN de"
    for language in (NL, EN):
        chain = (
            RegexTokenizer()
            | LowercaseFilter()
            | CharsetFilter(accent_map)
            | StopFilter(stoplist=stopwords_for_language(language), minsize=2)
            | (StemFilter(stemfn=stem_dutch) if language == NL else StemFilter(lang=language))
        )
        for options in (
            {},
            {"positions": True, "start_pos": 3},
            {"positions": True, "chars": True, "removestops": False, "start_char": 2},
            {"tokenize": False},
        ):
            def tokens(analyzer: Any, options: dict[str, Any] = options) -> list[tuple]:
                return [
                    (t.text, t.stopped, getattr(t, "pos", None), getattr(t, "startchar", None))
                    for t in analyzer(text, **options)
                ]

            assert tokens(analyzer_for(language)) == tokens(chain), (language, options)
