"""The fast paths of indexing and highlighting give exactly what Whoosh's own code gives, and
indexes written before them keep working next to segments written with them."""

from __future__ import annotations

import gc
import re
from pathlib import Path

import pytest
from whoosh import index as whoosh_index
from whoosh.analysis.tokenizers import default_pattern
from whoosh.codec.whoosh3 import W3Codec, W3PerDocReader
from whoosh.formats import Positions

from ideation.search.analyzers import _WORDS, analyzer_for
from ideation.search.index import IdeaCodec, IdeaIndex, IdeaPositions, build_schema
from ideation.search.whoosh_internals import segments_of
from tests.search.test_index import EN, NL, idea, ids

TEXTS = [
    "De kinderen van Café 't Hoekje: 3.141 ideeën, big-time under_score a*b. Het EN de",
    "een de het",  # stop words only
    "Speeltuin speeltuin SPEELTUIN bij de speeltuinen, en nog een speeltuin.",
    "  leading spaces, trailing dots... and 1.2.3 versions v2.0 e-mail@example.org ",
    "Œuvre naïve façade Ĳsselmeer ærø — ideeën über straße",
    "",
    "x y z a b c",  # one-letter words count as stop words
]


@pytest.mark.parametrize("text", TEXTS)
def test_the_word_pattern_without_its_group_finds_the_same_words(text: str) -> None:
    assert _WORDS.findall(text) == [m.group() for m in default_pattern.finditer(text)]
    assert re.compile(default_pattern.pattern).groups == 1  # why findall needs _WORDS


@pytest.mark.parametrize("language", [NL, EN])
@pytest.mark.parametrize("text", TEXTS)
def test_positions_and_spans_are_the_analysers_tokens(language: str, text: str) -> None:
    analyzer = analyzer_for(language)
    expected: dict[str, list[int]] = {}
    for token in analyzer(text, positions=True):
        expected.setdefault(token.text, []).append(token.pos)
    assert analyzer.positions(text) == expected

    spans = [
        (t.startchar, t.endchar, t.text)
        for t in analyzer(text, positions=True, chars=True, removestops=False, mode="index")
    ]
    assert analyzer.spans(text) == spans


@pytest.mark.parametrize("language", [NL, EN])
@pytest.mark.parametrize("boost", [1.0, 2.0])
def test_idea_positions_encode_what_whooshs_positions_encode(language: str, boost: float) -> None:
    analyzer = analyzer_for(language)
    for text in TEXTS:
        ours = sorted(IdeaPositions(field_boost=boost).word_values(text, analyzer, mode="index"))
        whoosh = sorted(Positions(field_boost=boost).word_values(text, analyzer, mode="index"))
        assert ours == whoosh


def test_the_schema_uses_idea_positions_for_the_text_fields() -> None:
    schema = build_schema(NL)
    for name in ("title", "description", "comments"):
        assert type(schema[name].format) is IdeaPositions
    assert schema["title"].format.field_boost == 2.0


def test_phrase_queries_find_the_words_in_their_order(tmp_path: Path) -> None:
    index = IdeaIndex(tmp_path / "search")
    index.rebuild(
        1,
        NL,
        [
            idea(1, "Groene speeltuin kinderen"),
            idea(2, "Kinderen willen een groene speeltuin"),
            idea(3, "Speeltuin: groene kinderen"),
        ],
    )
    # Stop words do not count ("speeltuin voor kinderen" is the phrase "speeltuin kinderen").
    assert ids(index.search(1, NL, '"groene speeltuin voor kinderen"')) == [1]
    assert sorted(ids(index.search(1, NL, "speeltuin kinderen"))) == [1, 2, 3]


def test_field_lengths_from_the_cached_reader_equal_whooshs(tmp_path: Path) -> None:
    index = IdeaIndex(tmp_path / "search")
    docs = [
        idea(i, "woord " * (i % 7 + 1), "tekst en nog meer tekst " * (i % 5)) for i in range(60)
    ]
    index.rebuild(1, NL, docs)
    generation = (tmp_path / "search" / "1" / "CURRENT").read_text().split('"')[3]
    ix = whoosh_index.open_dir(str(tmp_path / "search" / "1" / generation))
    (segment,) = segments_of(ix)
    assert isinstance(segment.codec(), IdeaCodec)
    ours = IdeaCodec().per_document_reader(ix.storage, segment)
    whooshs = W3PerDocReader(ix.storage, segment)
    for name in ("title", "description", "comments"):
        assert [ours.doc_field_length(d, name) for d in range(60)] == [
            whooshs.doc_field_length(d, name) for d in range(60)
        ]
    assert ours.doc_field_length(0, "no such field", 7) == 7
    ours.close()
    whooshs.close()


def test_an_index_written_with_whooshs_codec_and_format_keeps_working(tmp_path: Path) -> None:
    # Indexes built before IdeaCodec and IdeaPositions: plain W3Codec, blocks of 128 and
    # Whoosh's Positions in the pickled schema. New segments are added next to the old one.
    index = IdeaIndex(tmp_path / "search", max_segments=100)
    schema = build_schema(NL)
    for name in ("title", "description", "comments"):
        schema[name].format = Positions(field_boost=schema[name].format.field_boost)
    gdir = tmp_path / "search" / "1" / "gen-old"
    gdir.mkdir(parents=True)
    writer = whoosh_index.create_in(str(gdir), schema).writer(codec=W3Codec(compression=0))
    for i in range(1, 301):  # more postings of "speeltuin" than one block of 128
        writer.add_document(id=str(i), title=f"Speeltuin nummer {i}", description="kinderen")
    writer.commit()
    (tmp_path / "search" / "1" / "CURRENT").write_text(
        '{"generation": "gen-old", "language": "nl"}'
    )

    assert index.search(1, NL, "speeltuin").total == 300
    index.upsert(1, NL, [idea(301, "Speeltuin met water", "kinderen spelen")])
    index.upsert(1, NL, [idea(5, "Een bankje")])  # replaces a document of the old segment
    page = index.search(1, NL, "speeltuin", per_page=100)
    assert page.total == 300
    assert 5 not in ids(page)
    assert ids(index.search(1, NL, '"speeltuin met water"')) == [301]


def test_rebuild_pauses_the_garbage_collector_and_turns_it_back_on(tmp_path: Path) -> None:
    index = IdeaIndex(tmp_path / "search")
    seen: list[bool] = []

    def docs():
        for i in range(3):
            seen.append(gc.isenabled())
            yield idea(i, f"Idee {i}")

    assert gc.isenabled()
    index.rebuild(1, EN, docs())
    assert seen == [False, False, False]
    assert gc.isenabled()

    def broken():
        yield idea(1, "Idee")
        raise RuntimeError("database gone")

    with pytest.raises(RuntimeError):
        index.rebuild(1, EN, broken())
    assert gc.isenabled()
    assert index.doc_ids(1) == {0, 1, 2}  # the failed rebuild kept the live index


# --- rebuilding with worker processes ------------------------------------------------------


def _docs(n: int) -> list[dict]:
    words = ["speeltuin", "fiets", "groen", "school", "water", "bankje", "licht", "buurt"]
    return [
        idea(i, f"{words[i % 8]} {words[(i * 3) % 8]} idee {i}", f"{words[(i * 5) % 8]} " * (i % 4))
        for i in range(1, n + 1)
    ]


def test_a_rebuild_with_workers_indexes_every_document_once_and_ranks_as_one_process(
    tmp_path: Path,
) -> None:
    docs = _docs(1_200)
    docs.append(idea(7, "Een dubbel id: het eerste telt"))
    single = IdeaIndex(tmp_path / "one")
    parallel = IdeaIndex(tmp_path / "two")
    reported: list[int] = []
    assert single.rebuild(1, NL, docs) == 1_200
    assert parallel.rebuild(1, NL, docs, reported.append, processes=2) == 1_200
    assert reported[-1] == 1_200
    assert parallel.doc_ids(1) == set(range(1, 1_201))

    generation = (tmp_path / "two" / "1" / "CURRENT").read_text().split('"')[3]
    ix = whoosh_index.open_dir(str(tmp_path / "two" / "1" / generation))
    assert len(segments_of(ix)) == 2  # one segment per worker
    for query in ("speeltuin", "groen water", "fiets NOT school", '"school fiets"'):
        one = single.search(1, NL, query, per_page=100)
        two = parallel.search(1, NL, query, per_page=100)
        assert two.total == one.total > 0, query
        # The same scores; equal scores may come in another order (other document numbers).
        assert [h.score for h in two.hits] == pytest.approx([h.score for h in one.hits], rel=1e-12)
    assert ids(parallel.search(1, NL, "dubbel")) == []
    assert gc.isenabled()
    assert list((tmp_path / "two" / "1").glob("gen-*")) == [tmp_path / "two" / "1" / generation]


def test_a_rebuild_of_nothing_with_workers_gives_an_empty_index(tmp_path: Path) -> None:
    index = IdeaIndex(tmp_path / "search")
    assert index.rebuild(1, NL, [], processes=3) == 0
    assert index.doc_ids(1) == set()
    assert index.search(1, NL, "speeltuin").total == 0


class _FailingWriter:
    def __init__(self, *args: object, **kwargs: object) -> None:
        raise OSError("disk full")


def test_a_failing_worker_fails_the_rebuild_and_keeps_the_live_index(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    index = IdeaIndex(tmp_path / "search")
    index.rebuild(1, NL, [idea(1, "Bankjes")])
    monkeypatch.setattr("ideation.search.rebuilding.SegmentsWriter", _FailingWriter)  # forked along
    with pytest.raises(RuntimeError, match="disk full"):
        index.rebuild(1, NL, _docs(600), processes=2)
    assert index.doc_ids(1) == {1}
    assert ids(index.search(1, NL, "bankjes")) == [1]
    assert [p.name for p in (tmp_path / "search" / "1").glob("gen-*")] == [
        (tmp_path / "search" / "1" / "CURRENT").read_text().split('"')[3]
    ]
    assert gc.isenabled()


def test_a_worker_killed_halfway_fails_the_rebuild_without_hanging(tmp_path: Path) -> None:
    import multiprocessing
    import os
    import signal

    index = IdeaIndex(tmp_path / "search")
    index.rebuild(1, NL, [idea(1, "Bankjes")])

    def docs():
        for n, doc in enumerate(_docs(3_000)):
            if n == 1_000:  # kill every worker while documents are still being sent
                for child in multiprocessing.active_children():
                    os.kill(child.pid, signal.SIGKILL)
                    child.join()
            yield doc

    with pytest.raises(RuntimeError, match="index worker"):
        index.rebuild(1, NL, docs(), processes=2)
    assert index.doc_ids(1) == {1}
    assert multiprocessing.active_children() == []


def test_the_number_of_processes_for_a_reindex(monkeypatch: pytest.MonkeyPatch) -> None:
    from ideation.search.index import PARALLEL_REBUILD_MIN_DOCS, rebuild_processes

    monkeypatch.setattr("os.cpu_count", lambda: 8)
    assert rebuild_processes(PARALLEL_REBUILD_MIN_DOCS - 1) == 1
    assert rebuild_processes(PARALLEL_REBUILD_MIN_DOCS) == 4
    monkeypatch.setattr("os.cpu_count", lambda: 2)
    assert rebuild_processes(100_000) == 2
    monkeypatch.setattr("os.cpu_count", lambda: None)
    assert rebuild_processes(100_000) == 1
