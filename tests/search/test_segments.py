"""A full reindex writes its segments term by term (`SegmentsWriter`): what Whoosh's own reader
reads back from them is what it reads from a segment Whoosh's SegmentWriter wrote from the same
documents, statistic for statistic and block for block."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from whoosh import index as whoosh_index
from whoosh.analysis import StemmingAnalyzer
from whoosh.codec.whoosh3 import W3Codec
from whoosh.fields import ID, KEYWORD, NUMERIC, STORED, TEXT, Schema, UnknownFieldError

from ideation.search import segments
from ideation.search.index import IdeaIndex, build_schema
from ideation.search.schema import CODEC, document
from ideation.search.segments import SegmentsWriter, commit_segments
from ideation.search.whoosh_internals import segments_of
from tests.search.test_index import EN, NL, idea
from tests.search.test_writing import TEXTS


def _ideas() -> list[dict[str, Any]]:
    docs = [idea(i, text, TEXTS[(i + 3) % len(TEXTS)]) for i, text in enumerate(TEXTS, start=1)]
    words = ["speeltuin", "fiets", "groen", "school", "water", "bankje", "licht", "buurt"]
    for i in range(len(docs) + 1, 400):
        docs.append(idea(
            i,
            f"{words[i % 8]} {words[(i * 3) % 8]} idee {i}",
            # Some words 70 times (beyond the shared weights), long texts (lengths stored as
            # one byte lose precision above 10), empty descriptions.
            f"{words[(i * 5) % 8]} " * (70 if i % 50 == 0 else i % 13) + "en de " * (i % 3),
            comments=[f"reactie {words[i % 7]}"] if i % 4 == 0 else [],
            theme_id=i % 5 or None,
            supports=i * 7,
            comments_count=i % 4,
        ))
    return docs


def _whoosh(folder: Path, schema: Schema, codec: W3Codec, docs: list[dict[str, Any]]) -> Any:
    folder.mkdir()
    ix = whoosh_index.create_in(str(folder), schema)
    writer = ix.writer(codec=codec)
    for doc in docs:
        writer.add_document(**doc)
    writer.commit()
    return whoosh_index.open_dir(str(folder))


def _ours(
    folder: Path, schema: Schema, codec: W3Codec, docs: list[dict[str, Any]], limitmb: float = 64
) -> Any:
    folder.mkdir()
    ix = whoosh_index.create_in(str(folder), schema)
    writer = SegmentsWriter(ix, codec, limitmb)
    for doc in docs:
        writer.add(doc)
    commit_segments(ix, codec, writer.finish())
    return whoosh_index.open_dir(str(folder))


def _postings(matcher: Any, blocks: bool) -> list[tuple]:
    """Every posting, with the statistics of the block it is in."""
    out = []
    while matcher.is_active():
        posting = (matcher.id(), matcher.weight(), matcher.value())
        if blocks:
            posting += (
                matcher.block_max_id(), matcher.block_max_weight(),
                matcher.block_min_length(), matcher.block_max_length(),
            )
        out.append(posting)
        matcher.next()
    return out


def _read(ix: Any, *, blocks: bool = True) -> dict[str, Any]:
    """What Whoosh's reader gives of an index: terms with statistics and postings, stored
    fields, field lengths and value columns."""
    with ix.reader() as reader:
        schema = ix.schema
        terms = {}
        for fieldname, btext in reader.all_terms():
            postings = _postings(reader.postings(fieldname, btext), blocks)
            info = reader.term_info(fieldname, btext)
            terms[fieldname, btext] = (
                info.weight(), info.doc_frequency(), info.min_length(), info.max_length(),
                info.max_weight(), info.min_id(), info.max_id(), postings,
            ) if blocks else postings
        count = reader.doc_count_all()
        scorable = [n for n in schema.names() if schema[n].scorable]
        columns = [n for n in schema.names() if schema[n].column_type]
        return {
            "count": count,
            "terms": terms,
            "stored": [reader.stored_fields(d) for d in range(count)],
            "lengths": {n: [reader.doc_field_length(d, n) for d in range(count)] for n in scorable},
            "totals": {n: reader.field_length(n) for n in scorable},
            "columns": {n: list(reader.column_reader(n)) for n in columns},
        }


@pytest.mark.parametrize("language", [NL, EN])
@pytest.mark.parametrize(
    "codec",
    [CODEC, W3Codec(blocklimit=4, compression=3)],
    ids=["ideation's codec", "blocks of 4, compressed"],
)
def test_our_segment_reads_back_as_whooshs_own(
    tmp_path: Path, language: str, codec: W3Codec
) -> None:
    docs = [document(d) for d in _ideas()]
    whooshs = _read(_whoosh(tmp_path / "whoosh", build_schema(language), codec, docs))
    ours_ix = _ours(tmp_path / "ours", build_schema(language), codec, docs)
    assert len(segments_of(ours_ix)) == 1
    ours = _read(ours_ix)
    assert ours["count"] == whooshs["count"] == len(docs)
    assert ours["terms"].keys() == whooshs["terms"].keys()
    for key, value in whooshs["terms"].items():
        assert ours["terms"][key] == value, key
    assert ours == whooshs
    # Words that are in several blocks were part of it.
    assert any(len({p[3] for p in t[-1]}) > 1 for t in ours["terms"].values()) == (
        codec is not CODEC
    )


def test_fields_of_other_kinds_read_back_as_whooshs_own(tmp_path: Path) -> None:
    # The generic path: fields whose analyser has no positions() (keywords, numbers as
    # several encoded terms, plain text, stored-only values).
    schema = Schema(
        key=ID(stored=True),
        tags=KEYWORD(scorable=True, lowercase=True, field_boost=1.5),
        amount=NUMERIC(stored=True, sortable=True),
        body=TEXT(phrase=False),
        note=STORED,
    )
    docs = [
        {"key": f"k{i}", "tags": " ".join(["Groen", "fiets", "school"][: i % 4]) or None,
         "amount": i * 37 - 500, "body": f"the quick brown fox {i} jumps " * (i % 3),
         "note": {"i": i}}
        for i in range(200)
    ]
    codec = W3Codec(blocklimit=8)
    assert _read(_ours(tmp_path / "ours", schema, codec, docs)) == _read(
        _whoosh(tmp_path / "whoosh", schema, codec, docs)
    )


def test_past_its_memory_limit_the_writer_starts_another_segment(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    docs = [document(d) for d in _ideas()]
    # 1 MB holds about 1,000 postings: 399 ideas make several segments.
    monkeypatch.setattr(segments, "POSTING_BYTES", 1024)
    ours = _ours(tmp_path / "ours", build_schema(NL), CODEC, docs, limitmb=1)
    assert len(segments_of(ours)) > 2
    whooshs = _whoosh(tmp_path / "whoosh", build_schema(NL), CODEC, docs)
    # Block statistics differ (each segment has its own blocks); the postings do not.
    assert _read(ours, blocks=False) == _read(whooshs, blocks=False)


def test_a_rebuild_in_several_segments_ranks_as_in_one(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    docs = _ideas()
    one = IdeaIndex(tmp_path / "one")
    one.rebuild(1, NL, docs)
    monkeypatch.setattr(segments, "POSTING_BYTES", 1024)
    several = IdeaIndex(tmp_path / "several", rebuild_limitmb=1)
    several.rebuild(1, NL, docs)
    _assert_same_ranking(one, several)
    # Whoosh's own merge reads the segments and writes one of its own (field length totals
    # then come from the lengths as stored, one byte each: slightly other scores, for both);
    # upserts and deletes go to Whoosh's writer as always.
    for index in (one, several):
        index.optimize(1)
    _assert_same_ranking(one, several)
    for index in (one, several):
        index.upsert(1, NL, [idea(8, "Speeltuin bij het water")])
        index.delete(1, NL, [16])
    _assert_same_ranking(one, several)


def _assert_same_ranking(one: IdeaIndex, other: IdeaIndex) -> None:
    for query in ("speeltuin", "groen water", "fiets NOT school", '"school fiets"', "reactie"):
        a = one.search(1, NL, query, per_page=100)
        b = other.search(1, NL, query, per_page=100)
        assert b.total == a.total > 0, query
        assert [h.score for h in b.hits] == pytest.approx([h.score for h in a.hits], rel=1e-9)


def test_an_unknown_field_or_an_unsupported_schema_is_refused(tmp_path: Path) -> None:
    ix = whoosh_index.create_in(str(tmp_path), build_schema(NL))
    writer = SegmentsWriter(ix, CODEC, 8)
    with pytest.raises(UnknownFieldError):
        writer.add({"id": "1", "no_such_field": "x"})
    writer.cancel()
    (tmp_path / "spelled").mkdir()
    schema = Schema(body=TEXT(analyzer=StemmingAnalyzer(), spelling=True))
    spelled = whoosh_index.create_in(str(tmp_path / "spelled"), schema)
    with pytest.raises(ValueError, match="spelling"):
        SegmentsWriter(spelled, CODEC, 8)


def test_nothing_added_gives_no_segment(tmp_path: Path) -> None:
    ix = whoosh_index.create_in(str(tmp_path), build_schema(NL))
    writer = SegmentsWriter(ix, CODEC, 8)
    assert writer.finish() == []
    commit_segments(ix, CODEC, [])
    assert whoosh_index.open_dir(str(tmp_path)).doc_count() == 0
