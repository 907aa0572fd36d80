"""Whoosh idea search against SQLite FTS5 over the same real texts, at 10,000 and 100,000 ideas.

`IdeaIndex` is used directly with document dicts (no database, no web layer): one search is
what the search page asks of it (page 1 of 20 hits with highlighted title and snippet, plus the
total). FTS5 does the same work in the same run: the 20 best by bm25 (title weighted 2, as the
Whoosh schema boosts it) with highlight() and snippet(), plus a COUNT for the total.

Latencies: every query of ``QUERIES`` once per pass; a pass's p50/p95 are taken over its
queries, and the reported figures are medians over ``PASSES`` passes (after one warm-up pass).

Reindexing: ``index_docs_per_s`` is a full rebuild of the 10,000 ideas as ``flask search
reindex`` runs it (``index_processes`` worker processes: one per core, up to four), and
``index_docs_per_s_one_process`` the same in one process, as the web app rebuilds an index it
finds missing. Both indexes searched here are built the command line's way.

The 100,000-idea Whoosh index takes minutes to build, so it is built once into
``bench/work/`` (gitignored) and reused while the texts and the search code are unchanged
(the folder name carries a hash of both). Delete ``bench/work/`` to force a rebuild.
"""

from __future__ import annotations

import hashlib
import random
import shutil
import sqlite3
import statistics
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from bench._setup import ROOT, WORK, idea_texts

SIZES = {"10k": 10_000, "100k": 100_000}
PASSES = 5
REBUILDS = 3
CHALLENGE_ID = 1
LANGUAGE = "en"
PER_PAGE = 20

# Fixed, real-world queries on the topics of the texts (Pol.is conversations on housing,
# climate, policing, taxes, transport; StackOverflow; search snippets; biomedical abstracts).
QUERIES = (
    "affordable housing", "minimum wage", "climate change", "public transport",
    "police", "young people", "basic income", "water quality", "tax", "uber drivers",
    "concussion", "football", "farmland", "electoral reform", "brexit", "renewable energy",
    "biodiversity", "volunteers", "rent", "schools education", "health care", "bicycle",
    "carbon tax", "immigration", "java exception", "excel macro", "database query",
    "cancer cells", "protein", "children",
)


def _docs(texts: list[tuple[str, str]], n: int) -> list[dict[str, Any]]:
    """``n`` idea documents from all sources in a fixed shuffled order, repeated (reshuffled)
    when ``n`` is larger than the number of texts."""
    rng = random.Random(42)
    mixed = list(texts)
    rng.shuffle(mixed)
    order: list[tuple[str, str]] = mixed[:n]
    while len(order) < n:
        extra = list(texts)
        rng.shuffle(extra)
        order.extend(extra[: n - len(order)])
    start = datetime(2026, 1, 1, tzinfo=UTC)
    return [{"id": number, "title": title, "description": description, "status": "published",
             "created": start + timedelta(minutes=number), "supports": number % 17,
             "comments_count": number % 5}
            for number, (title, description) in enumerate(order, start=1)]


def _fingerprint(docs: list[dict[str, Any]]) -> str:
    digest = hashlib.sha256()
    for path in sorted((ROOT / "ideation" / "search").glob("*.py")):
        digest.update(path.read_bytes())
    for doc in docs:
        digest.update(f"{doc['id']}\x1f{doc['title']}\x1f{doc['description']}\x1e".encode())
    return digest.hexdigest()[:16]


def _cached_index(docs: list[dict[str, Any]]) -> tuple[Path, bool]:
    """The index root for ``docs`` under bench/work/, built when absent; (root, was_cached)."""
    from ideation.search.index import IdeaIndex

    root = WORK / f"search-{len(docs)}-{_fingerprint(docs)}"
    done = root / "complete"
    if done.exists():
        return root, True
    shutil.rmtree(root, ignore_errors=True)
    for stale in WORK.glob(f"search-{len(docs)}-*"):
        shutil.rmtree(stale, ignore_errors=True)
    root.mkdir(parents=True)
    from ideation.search.index import rebuild_processes

    IdeaIndex(root).rebuild(CHALLENGE_ID, LANGUAGE, docs, processes=rebuild_processes(len(docs)))
    done.write_text("ok\n")
    return root, False


def _percentiles(samples: list[float]) -> tuple[float, float]:
    cuts = statistics.quantiles(samples, n=100, method="inclusive")
    return statistics.median(samples), cuts[94]


def _measure(search: Any) -> dict[str, float]:
    """Median over passes of each pass's p50 and p95 (ms) of ``search(query)``."""
    for query in QUERIES:  # warm-up: caches, searchers, page cache
        search(query)
    p50s, p95s = [], []
    for _ in range(PASSES):
        times = []
        for query in QUERIES:
            started = time.perf_counter()
            search(query)
            times.append((time.perf_counter() - started) * 1000)
        p50, p95 = _percentiles(times)
        p50s.append(p50)
        p95s.append(p95)
    return {"p50_ms": statistics.median(p50s), "p95_ms": statistics.median(p95s)}


def _whoosh(root: Path) -> dict[str, float]:
    from ideation.search.index import IdeaIndex

    index = IdeaIndex(root)

    def search(query: str) -> None:
        index.search(CHALLENGE_ID, LANGUAGE, query, per_page=PER_PAGE)

    try:
        return _measure(search)
    finally:
        index.close()


def _fts5_query(query: str) -> str:
    return " OR ".join('"' + word.replace('"', '""') + '"' for word in query.split())


def _fts5(folder: Path, docs: list[dict[str, Any]]) -> dict[str, float]:
    path = folder / f"fts5-{len(docs)}.db"
    connection = sqlite3.connect(path)
    try:
        connection.execute(
            "CREATE VIRTUAL TABLE ideas USING fts5(title, description, "
            "tokenize = 'porter unicode61 remove_diacritics 2')")
        connection.executemany(
            "INSERT INTO ideas (rowid, title, description) VALUES (?, ?, ?)",
            ((d["id"], d["title"], d["description"]) for d in docs))
        connection.commit()

        def search(query: str) -> None:
            match = _fts5_query(query)
            rows = connection.execute(
                "SELECT rowid, highlight(ideas, 0, '<mark>', '</mark>'), "
                "snippet(ideas, 1, '<mark>', '</mark>', ' …', 40) FROM ideas "
                "WHERE ideas MATCH ? ORDER BY bm25(ideas, 2.0, 1.0) LIMIT ?",
                (match, PER_PAGE)).fetchall()
            total = connection.execute(
                "SELECT count(*) FROM ideas WHERE ideas MATCH ?", (match,)).fetchone()[0]
            if len(rows) > total:
                raise RuntimeError(f"FTS5 count {total} below {len(rows)} rows for {query!r}")

        return _measure(search)
    finally:
        connection.close()


def _rebuild_rate(folder: Path, docs: list[dict[str, Any]], processes: int) -> float:
    """Median docs/s of `IdeaIndex.rebuild` (a full rebuild into a fresh generation)."""
    from ideation.search.index import IdeaIndex

    index = IdeaIndex(folder / "rebuild")
    rates = []
    try:
        for _ in range(REBUILDS):
            started = time.perf_counter()
            count = index.rebuild(CHALLENGE_ID, LANGUAGE, iter(docs), processes=processes)
            rates.append(count / (time.perf_counter() - started))
    finally:
        index.close()
    return statistics.median(rates)


def run() -> dict:
    from ideation.search.index import rebuild_processes

    texts = idea_texts()
    result: dict[str, Any] = {}
    with tempfile.TemporaryDirectory(prefix="bench-search-") as tmp:
        folder = Path(tmp)
        small = _docs(texts, SIZES["10k"])
        # As `flask search reindex` does it (worker processes for 5,000 ideas or more), and in
        # one process (as the web app does when it finds an index missing).
        processes = rebuild_processes(len(small))
        result["index_docs_per_s_one_process"] = round(_rebuild_rate(folder, small, 1))
        result["index_docs_per_s"] = round(_rebuild_rate(folder, small, processes))
        result["index_processes"] = processes
        for label, n in SIZES.items():
            docs = small if n == len(small) else _docs(texts, n)
            if label == "10k":
                root = folder / "rebuild"  # just built by _rebuild_rate
                cached = False
            else:
                root, cached = _cached_index(docs)
            whoosh = _whoosh(root)
            fts5 = _fts5(folder, docs)
            result[label] = {
                "p50_ms": round(whoosh["p50_ms"], 2),
                "p95_ms": round(whoosh["p95_ms"], 2),
                "fts5_p50_ms": round(fts5["p50_ms"], 2),
                "fts5_p95_ms": round(fts5["p95_ms"], 2),
                "ratio_to_fts5": round(whoosh["p95_ms"] / fts5["p95_ms"], 1),
                "index_reused": cached,
            }
    result["queries"] = len(QUERIES)
    return result
