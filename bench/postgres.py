"""The benchmarks on PostgreSQL (skipped, with the reason, when PostgreSQL does not answer at
IDEATION_BENCH_DATABASE_URL, default the test server), each on a fresh schema dropped
afterwards: idea search at 100,000 ideas (``search_100k``, below), the pages of `bench.web`
(``web``) and the submissions of `bench.submissions` (``submissions``), with the same figures
as those benchmarks on SQLite.

Idea search on PostgreSQL full-text search at 100,000 ideas is measured against Whoosh and
SQLite FTS5 on the same texts and queries as `bench.search`.

One search is what the search page asks of the PostgreSQL backend (`ideation.search.postgres`):
the query through the project's analysers into a tsquery, the 20 best by ``ts_rank_cd`` with
the field weights plus the total (one statement), and the highlighted title and snippet of the
20 shown. The ideas' rows are written in a schema of their own, as `store` writes them
(``index_docs_per_s``: rows per second, analysis included), then ANALYZEd.
Latencies as in `bench.search`: medians over passes of each pass's p50 and p95.

``explain_search`` is the plan of the most frequent query (EXPLAIN ANALYZE), kept in
details.json and quoted in the README.
"""

from __future__ import annotations

import os
import tempfile
import time
import urllib.parse
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from bench._setup import idea_texts
from bench.search import CHALLENGE_ID, LANGUAGE, PER_PAGE, _cached_index, _docs, _fts5, _measure
from bench.search import _whoosh as whoosh_search

N = 100_000
URL = os.environ.get("IDEATION_BENCH_DATABASE_URL",
                     "postgresql+psycopg://postgres@127.0.0.1:5432/test")
BATCH = 2000
EXPLAINED = "children"

_TABLE = """
CREATE TABLE idea_search (
    idea_id integer PRIMARY KEY,
    challenge_id integer NOT NULL,
    theme_id integer,
    status varchar(20) NOT NULL,
    document tsvector NOT NULL
);
CREATE INDEX ix_idea_search_challenge_id ON idea_search (challenge_id);
CREATE INDEX ix_idea_search_document ON idea_search USING gin (document);
"""


def unavailable() -> str:
    """Why PostgreSQL cannot be used for a benchmark, or "" when it answers."""
    import psycopg

    try:
        psycopg.connect(_plain(URL), connect_timeout=3).close()
    except psycopg.OperationalError as exc:
        return f"PostgreSQL does not answer at {URL}: {exc}"
    return ""


def _plain(url: str) -> str:
    return url.replace("postgresql+psycopg://", "postgresql://")


@contextmanager
def fresh_schema(prefix: str) -> Iterator[str]:
    """A new, empty schema in the benchmark database, dropped afterwards whatever happens;
    yields the URL of the database with that schema first on the search path, as the
    platform's processes take it (IDEATION_DATABASE_URL)."""
    import psycopg

    schema = f"{prefix}_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(_plain(URL), autocommit=True) as connection:
        connection.execute(f'CREATE SCHEMA "{schema}"')
    try:
        yield URL + "?" + urllib.parse.urlencode({"options": f"-csearch_path={schema}"})
    finally:
        with psycopg.connect(_plain(URL), autocommit=True) as connection:
            connection.execute(f'DROP SCHEMA "{schema}" CASCADE')


def _fill(session: Any, docs: list[dict[str, Any]]) -> float:
    from ideation.search import postgres

    started = time.perf_counter()
    for start in range(0, len(docs), BATCH):
        postgres.store(session, CHALLENGE_ID, LANGUAGE, docs[start:start + BATCH])
    session.commit()
    return len(docs) / (time.perf_counter() - started)


def _postgres(session: Any, by_id: dict[int, dict[str, Any]]) -> dict[str, float]:
    from ideation.search import postgres

    def search(query: str) -> None:
        q = postgres.parse(LANGUAGE, query)
        if q is None:
            return
        _total, ranked = postgres.find(session, CHALLENGE_ID, q, limit=PER_PAGE)
        for idea_id, rank in ranked:
            doc = by_id[idea_id]
            postgres.hit(LANGUAGE, q, idea_id, doc["title"], doc["description"], rank)

    return _measure(search)


def _explain(session: Any, query: str) -> str:
    from sqlalchemy import text

    from ideation.search import postgres

    q = postgres.parse(LANGUAGE, query)
    assert q is not None
    rows = session.execute(text(
        "EXPLAIN (ANALYZE, BUFFERS) SELECT s.idea_id, " + postgres._RANK  # noqa: S608, SLF001
        + " AS rank, count(*) OVER () AS total FROM idea_search s, "
        "(SELECT CAST(:q AS tsquery) AS q) q WHERE s.challenge_id = :c AND s.document @@ q.q "
        "ORDER BY rank DESC, s.idea_id LIMIT 20"), {"q": q.tsquery, "c": CHALLENGE_ID}).all()
    return "\n".join(row[0] for row in rows)


def _search_100k() -> dict[str, Any]:
    from sqlalchemy import create_engine, text
    from sqlalchemy.orm import Session

    docs = _docs(idea_texts(), N)
    by_id = {doc["id"]: doc for doc in docs}
    result: dict[str, Any] = {}
    with fresh_schema("bench") as url:
        engine = create_engine(url)
        try:
            with Session(engine) as session:
                session.execute(text(_TABLE))
                session.commit()
                result["index_docs_per_s"] = round(_fill(session, docs))
                session.execute(text("ANALYZE idea_search"))
                session.commit()
                pg = _postgres(session, by_id)
                result["explain_search"] = _explain(session, EXPLAINED)
        finally:
            engine.dispose()
    root, cached = _cached_index(docs)
    whoosh = whoosh_search(root)
    with tempfile.TemporaryDirectory(prefix="bench-pg-") as tmp:
        fts5 = _fts5(Path(tmp), docs)
    result["search_100k"] = {
        "p50_ms": round(pg["p50_ms"], 2),
        "p95_ms": round(pg["p95_ms"], 2),
        "whoosh_p95_ms": round(whoosh["p95_ms"], 2),
        "fts5_p95_ms": round(fts5["p95_ms"], 2),
        "ratio_to_whoosh": round(pg["p95_ms"] / whoosh["p95_ms"], 1),
        "ratio_to_fts5": round(pg["p95_ms"] / fts5["p95_ms"], 1),
        "whoosh_index_reused": cached,
    }
    return result


def run() -> dict:
    why_not = unavailable()
    if why_not:
        return {"skipped": why_not}
    from bench import submissions, web

    result = _search_100k()
    print("   search at 100k done; the web pages on PostgreSQL", flush=True)
    with fresh_schema("bench_web") as url:
        result["web"] = web.run(url)
    print("   the submissions on PostgreSQL", flush=True)
    with fresh_schema("bench_submissions") as url:
        result["submissions"] = submissions.run(url)
    return result
