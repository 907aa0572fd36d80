"""Per-challenge Whoosh indexes of ideas: `IdeaIndex`, the one interface the app uses.

Writers (upsert, delete, apply, rebuild, optimize) take the challenge's write lock; readers
never do. A rebuild writes a new generation and swaps it in atomically; old generations are
deleted after the swap. A reader that still has one open keeps working on POSIX (unlinked
files stay readable), and a reader that read the pointer just before the swap fails to open
the deleted directory, re-reads it and retries once. The parts, each in its own module:

- `generations`: the layout on disk, generations, the write lock, what damage looks like;
- `writing`: upserts and deletions into the live generation; `rebuilding`: a new one, whole;
- `searchers`: open searchers per thread, and damage told apart from bugs;
- `parsing`, `ranking`, `highlighting`: a query, its matches best first, the shown hits;
- `schema`, `segments`, `analyzers`: what an index holds and how it is written;
- `whoosh_internals`: every use of Whoosh's private names.
"""

from __future__ import annotations

import re
import shutil
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from whoosh import index as whoosh_index
from whoosh.query import And, NullQuery, Or, Prefix, Query, QueryError, Term
from whoosh.searching import Searcher
from whoosh.sorting import FieldFacet
from whoosh.support.charset import accent_map

from ideation.search.generations import (
    POINTER,
    UNREADABLE,
    IndexBusy,
    IndexMissing,
    OpenIndexes,
    challenge_dir,
    read_pointer,
    write_lock,
)
from ideation.search.highlighting import SNIPPET_CHARS, Hit, hits
from ideation.search.parsing import MAX_PREFIX_TERMS, expand_prefixes, parse, terms_query
from ideation.search.ranking import find
from ideation.search.rebuilding import (
    PARALLEL_REBUILD_MIN_DOCS,
    rebuild_processes,
    write_generation,
)

# Pickled into existing indexes under this module's name (see `schema`): keep them here.
from ideation.search.schema import TEXT_FIELDS, IdeaCodec, IdeaPositions, build_schema, document
from ideation.search.searchers import Searchers
from ideation.search.writing import merge_all, open_for_write, write_changes

__all__ = [
    "MAX_PREFIX_TERMS",
    "PARALLEL_REBUILD_MIN_DOCS",
    "SNIPPET_CHARS",
    "Hit",
    "IdeaCodec",
    "IdeaIndex",
    "IdeaPositions",
    "IndexBusy",
    "IndexMissing",
    "SearchPage",
    "build_schema",
    "rebuild_processes",
]

SortOrder = Literal["relevance", "newest", "supports", "comments"]

MAX_QUERY_CHARS = 500
MAX_PER_PAGE = 100
_SORT_FIELDS = {"newest": "created", "supports": "supports", "comments": "comments_count"}


@dataclass(frozen=True)
class SearchPage:
    """One page of search results; ``total`` counts all matches."""

    total: int
    hits: list[Hit] = field(default_factory=list)
    page: int = 1
    per_page: int = 20

    @property
    def pages(self) -> int:
        """Number of pages needed for ``total`` results."""
        return -(-self.total // self.per_page)


class IdeaIndex:
    """Manages one Whoosh index per challenge under ``root`` (see module docstring).

    Safe to share between threads; every process (gunicorn worker) makes its own.
    """

    def __init__(
        self,
        root: Path | str,
        *,
        lock_timeout: float = 10.0,
        max_segments: int = 10,
        rebuild_limitmb: float = 256,
    ) -> None:
        self.root = Path(root)
        self.lock_timeout = lock_timeout
        # Small upserts commit without merging (each adds a tiny segment); once
        # this many segments exist, a commit lets Whoosh's MERGE_SMALL policy
        # fold the small ones together so searches don't slow down.
        self.max_segments = max_segments
        self.rebuild_limitmb = rebuild_limitmb
        self._indexes = OpenIndexes()
        self._searchers = Searchers(self.root, self._indexes)

    # --- writing -------------------------------------------------------------

    def upsert(
        self,
        challenge_id: int,
        language: str,
        docs: Iterable[dict[str, Any]],
        *,
        timeout: float | None = None,
    ) -> None:
        """Adds or replaces ideas (by ``id``); creates the index on first use.

        Raises `IndexBusy` if the write lock stays taken for ``timeout`` seconds
        (default: ``lock_timeout``; a web request may prefer a short one and
        leave the work to the outbox) and `IndexMissing` if the index is
        unreadable or was built for another language.
        """
        docs = list(docs)
        self.apply(challenge_id, language, lambda: (docs, ()), timeout=timeout)

    def delete(
        self,
        challenge_id: int,
        language: str,
        ids: Iterable[int],
        *,
        timeout: float | None = None,
    ) -> None:
        """Removes ideas by id; a no-op if the challenge has no index yet.

        ``language`` is accepted for symmetry with `upsert` (deleting by id does
        not depend on it). Raises `IndexBusy` / `IndexMissing` like `upsert`.
        """
        ids = list(ids)
        self.apply(challenge_id, language, lambda: ((), ids), timeout=timeout)

    def apply(
        self,
        challenge_id: int,
        language: str,
        load: Callable[[], tuple[Iterable[dict[str, Any]], Iterable[int]]],
        *,
        timeout: float | None = None,
    ) -> None:
        """Calls ``load()`` under the write lock and applies its (docs, deleted ids).

        Reading the current state of the ideas while holding the lock makes
        the last writer also the one with the freshest data: two workers
        processing changes to the same idea cannot leave the older version in
        the index. Upserts and deletions land in one commit. Raises like
        `upsert`; errors from ``load`` propagate unchanged.
        """
        with self._write_lock(challenge_id, timeout) as cdir:
            docs, deleted = load()
            # Converted before touching the index: a malformed document must
            # raise its own error, not be mistaken for index damage. Keyed by id
            # because update_document() only sees committed segments, so two
            # versions of one id in a batch would both be kept: the last wins.
            batch = {fields["id"]: fields for fields in map(document, docs)}
            keys = {str(int(i)) for i in deleted} - batch.keys()
            if not batch and not keys:
                return
            ix = open_for_write(
                self._indexes, challenge_id, cdir, language if batch else None,
                create=bool(batch), forget=self._forget,
            )
            if ix is None:
                return  # only deletions and no index yet: nothing to remove
            write_changes(
                ix, challenge_id, keys, batch, max_segments=self.max_segments,
                forget=self._forget,
            )

    def rebuild(
        self,
        challenge_id: int,
        language: str,
        docs: Iterable[dict[str, Any]],
        progress: Callable[[int], None] | None = None,
        *,
        progress_every: int = 100,
        timeout: float | None = None,
        processes: int = 1,
    ) -> int:
        """Indexes ``docs`` into a fresh generation and swaps it in atomically.

        ``docs`` is consumed while the write lock is held, so a lazy DB query
        sees every change committed before the rebuild started; upserts that
        arrive meanwhile wait (then `IndexBusy`) and are retried by the caller.
        Duplicate ids keep their first occurrence. ``progress`` receives the
        running count every ``progress_every`` documents and once at the end.
        Returns the number of documents indexed.

        Segments are written term by term (`SegmentsWriter`), a new one whenever the postings
        held pass ``rebuild_limitmb``. ``processes`` > 1 indexes in that many forked worker
        processes, each writing its own segments of the new generation, while this process
        reads ``docs`` and hands them out in batches (see `_ParallelWriter`); for the command
        line, not for a web request. Where fork is not available it falls back to one process.
        """
        with self._write_lock(challenge_id, timeout) as cdir:
            generation, count, reported = write_generation(
                cdir, language, docs, progress, progress_every=progress_every,
                processes=processes, limitmb=self.rebuild_limitmb,
            )
            self._forget(challenge_id)
            for stale in cdir.glob("gen-*"):
                if stale.name != generation:
                    shutil.rmtree(stale, ignore_errors=True)
        if progress is not None and (count != reported or count == 0):
            progress(count)
        return count

    def optimize(self, challenge_id: int, *, timeout: float | None = None) -> None:
        """Merges all segments into one (e.g. nightly); a no-op without an index.

        Upserts leave up to ``max_segments`` segments plus deleted documents;
        merging them took search p50 from 62 to 51 ms on 10,000 ideas, but the
        merge itself took 29 s (as long as a rebuild) under the write lock.
        """
        with self._write_lock(challenge_id, timeout) as cdir:
            ix = open_for_write(
                self._indexes, challenge_id, cdir, None, create=False, forget=self._forget
            )
            if ix is None:
                return
            merge_all(ix, challenge_id, self._forget)

    def drop(self, challenge_id: int) -> None:
        """Deletes a challenge's index (e.g. when the challenge is deleted)."""
        with self._write_lock(challenge_id) as cdir:
            # Keep the directory and WRITELOCK: a writer waiting on the lock file
            # must not end up holding a lock on an unlinked inode.
            (cdir / POINTER).unlink(missing_ok=True)
            self._forget(challenge_id)
            for gdir in cdir.glob("gen-*"):
                shutil.rmtree(gdir, ignore_errors=True)

    def search(
        self,
        challenge_id: int,
        language: str,
        query: str,
        *,
        theme_id: int | None = None,
        status: str | None = None,
        page: int = 1,
        per_page: int = 20,
        sort: SortOrder = "relevance",
    ) -> SearchPage:
        """Full-text search over title, description and comments of a challenge.

        Any user input is accepted: unparsable syntax falls back to a plain OR of
        the analysed words, and an empty (or stop-words-only) query gives an empty
        page. ``theme_id`` and ``status`` filter the matches. Raises
        `IndexMissing` if the index needs a rebuild.
        """
        page = max(1, int(page))
        per_page = min(max(1, int(per_page)), MAX_PER_PAGE)
        text = (query or "").strip()[:MAX_QUERY_CHARS]
        empty = SearchPage(total=0, hits=[], page=page, per_page=per_page)
        if not text:
            return empty

        filters: list[Query] = []
        if theme_id is not None:
            filters.append(Term("theme_id", str(int(theme_id))))
        if status is not None:
            filters.append(Term("status", status))
        flt = filters[0] if len(filters) == 1 else And(filters) if filters else None
        sortedby = None
        if sort in _SORT_FIELDS:
            sortedby = FieldFacet(_SORT_FIELDS[sort], reverse=True)

        def run(searcher: Searcher) -> SearchPage:
            q = parse(searcher, language, text)
            if q is None:
                return empty
            try:
                total, top = find(searcher, q, flt, sortedby, page * per_page)
            except QueryError:
                q = terms_query(searcher.schema, text)
                if q is None:
                    return empty
                total, top = find(searcher, q, flt, sortedby, page * per_page)
            start = (page - 1) * per_page
            shown = hits(searcher, q, top[start : start + per_page])
            return SearchPage(total=total, hits=shown, page=page, per_page=per_page)

        return self._searchers.read(challenge_id, language, run)

    def similar(
        self,
        challenge_id: int,
        language: str,
        text: str,
        limit: int = 5,
        exclude_id: int | None = None,
    ) -> list[Hit]:
        """Ideas resembling ``text`` (a title being typed), best first.

        An OR of the analysed words over title and description, plus a prefix
        match on the last word when it may still be incomplete (no trailing
        space). Raises `IndexMissing` like `search`.
        """
        text = (text or "")[:MAX_QUERY_CHARS]
        if not text.strip():
            return []

        def run(searcher: Searcher) -> list[Hit]:
            analyzer = searcher.schema["title"].analyzer
            words = list(dict.fromkeys(t.text for t in analyzer(text)))[:32]
            parts: list[Query] = [Term(f, w) for w in words for f in ("title", "description")]
            raw = re.findall(r"\w+", text)
            if raw and not text[-1].isspace():
                partial = raw[-1].lower().translate(accent_map)
                if len(partial) >= 4:
                    parts.append(expand_prefixes(Prefix("title", partial), searcher))
            parts = [p for p in parts if p is not NullQuery]
            if not parts:
                return []
            mask = Term("id", str(int(exclude_id))) if exclude_id is not None else None
            q = Or(parts)
            results = searcher.search(q, limit=limit, mask=mask)
            return hits(searcher, q, [(hit.docnum, hit.score) for hit in results])

        return self._searchers.read(challenge_id, language, run)

    def doc_ids(self, challenge_id: int) -> set[int]:
        """Ids of all live (non-deleted) documents; raises `IndexMissing`."""
        return self._searchers.read(
            challenge_id,
            None,
            lambda s: {int(f["id"]) for f in s.reader().all_stored_fields()},
        )

    def exists(self, challenge_id: int) -> bool:
        """True if the challenge has a built index. Cheap (one small file): for every write."""
        return read_pointer(challenge_dir(self.root, challenge_id)) is not None

    def is_healthy(self, challenge_id: int) -> bool:
        """True if the index exists and all of its segments can be read from disk.

        Opens the index afresh instead of using the cached searcher, which may
        still be serving files that were deleted or replaced since it opened them.
        Reads every stored document and term list: O(index size), meant for
        health checks and admin pages, not for every request.
        """
        cdir = challenge_dir(self.root, challenge_id)
        try:
            pointer = read_pointer(cdir)
            if pointer is None:
                return False
            ix = whoosh_index.open_dir(str(cdir / pointer[0]))
            with ix.reader() as reader:
                for _ in reader.all_stored_fields():
                    pass
                for fieldname in ("id", *TEXT_FIELDS):
                    for _ in reader.lexicon(fieldname):
                        pass
        except (IndexMissing, *UNREADABLE):
            return False
        return True

    def close(self) -> None:
        """Closes the calling thread's cached searchers."""
        self._searchers.close()
    # --- internals -----------------------------------------------------------

    def _write_lock(self, challenge_id: int, timeout: float | None = None) -> Any:
        cdir = challenge_dir(self.root, challenge_id)
        return write_lock(cdir, challenge_id, self.lock_timeout if timeout is None else timeout)

    def _forget(self, challenge_id: int) -> None:
        self._searchers.forget(challenge_id)
