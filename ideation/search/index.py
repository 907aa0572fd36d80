"""Per-challenge Whoosh indexes of ideas: writing (multi-process safe), searching, rebuilds.

Layout on disk, one directory per challenge::

    root/<challenge_id>/WRITELOCK      flock held by every writer of this challenge
    root/<challenge_id>/CURRENT        {"generation": "gen-...", "language": "nl"}
    root/<challenge_id>/gen-<hex>/     a complete Whoosh index

Writers (upsert, delete, apply, rebuild, optimize) take WRITELOCK with a bounded, jittered retry
loop and raise `IndexBusy` when it stays taken; flock is released by the kernel
when a process dies, so a crashed worker never leaves a stale lock. The lock lives
outside the generation directories: a writer that waited on a Whoosh lock inside
the old generation would, after a rebuild, write into an index nobody reads.

A rebuild writes a new generation directory and then replaces CURRENT with
os.replace, which is atomic: readers in any process see the old or the new
generation, never a mix. Old generations are deleted after the swap; a reader
that still has one open keeps working on POSIX (unlinked files stay readable),
and a reader that read CURRENT just before the swap fails to open the deleted
directory, re-reads CURRENT and retries once. Readers never take WRITELOCK.

A rebuild holds WRITELOCK while it consumes ``docs`` (a lazy DB query sees every
change committed before it started) and swaps; upserts arriving meanwhile wait
up to their timeout and then raise `IndexBusy`, to be retried from the outbox.
Small upserts commit without merging; every ``max_segments``-th segment lets
Whoosh's MERGE_SMALL policy merge the small ones.
"""

from __future__ import annotations

import contextlib
import gc
import heapq
import json
import multiprocessing
import os
import pickle
import random
import re
import shutil
import struct
import threading
import time
import zlib
from collections import OrderedDict, deque
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from html import escape
from itertools import islice, repeat
from pathlib import Path
from typing import Any, Literal, TypeVar
from weakref import WeakKeyDictionary

import numpy as np
from whoosh import index as whoosh_index
from whoosh.codec.whoosh3 import (
    LENGTHS_COLUMN,
    W3Codec,
    W3LeafMatcher,
    W3PerDocReader,
    _lenfield,
)
from whoosh.columns import NumericColumn
from whoosh.fields import COLUMN, ID, TEXT, Schema
from whoosh.formats import Positions
from whoosh.index import FileIndex, LockError
from whoosh.index import IndexError as WhooshIndexError
from whoosh.matching.wrappers import FilterMatcher
from whoosh.qparser import MultifieldParser, OrGroup
from whoosh.qparser.plugins import (
    EveryPlugin,
    FieldsPlugin,
    PrefixPlugin,
    RangePlugin,
    WildcardPlugin,
)
from whoosh.query import (
    And,
    AndNot,
    Every,
    MultiTerm,
    Not,
    NullQuery,
    Or,
    Prefix,
    Query,
    QueryError,
    Term,
)
from whoosh.reading import IndexReader
from whoosh.scoring import BM25F, BM25FScorer
from whoosh.searching import Searcher
from whoosh.sorting import FieldFacet
from whoosh.support.charset import accent_map
from whoosh.util.filelock import FileLock
from whoosh.util.numeric import byte_to_length, length_to_byte
from whoosh.util.times import datetime_to_long

from ideation.search.analyzers import IdeaAnalyzer, analyzer_for
from ideation.search.segments import SegmentsWriter, commit_segments, encode_positions

T = TypeVar("T")
SortOrder = Literal["relevance", "newest", "supports", "comments"]

TEXT_FIELDS = ("title", "description", "comments")
MAX_QUERY_CHARS = 500
MAX_PER_PAGE = 100
SNIPPET_CHARS = 240
MAX_CACHED_SEARCHERS = 16  # per thread
MIN_PREFIX_CHARS = 3
MAX_PREFIX_TERMS = 10


class IdeaCodec(W3Codec):
    """Whoosh's W3 codec, whose per-document reader keeps each field's length column as
    one bytes object: writing a segment asks for the field length of every posting, and
    Whoosh's reader answered each through four method calls and a file read (a sixth of a
    reindex). Same files; the class is pickled into the index's table of contents, so keep
    its name and module."""

    def per_document_reader(self, storage: Any, segment: Any) -> W3PerDocReader:
        return _LengthsPerDocReader(storage, segment)


class _LengthsPerDocReader(W3PerDocReader):
    def doc_field_length(self, docnum: int, fieldname: str, default: int = 0) -> int:
        lengths = self.__dict__.setdefault("_length_bytes", {})
        data = lengths.get(fieldname)
        if data is None:
            # Fields without lengths (the ID fields) are asked too: remember that as b"".
            column = self._cached_reader(_lenfield(fieldname), LENGTHS_COLUMN)
            data = b"" if column is None else column._dbfile.get(column._basepos, column._count)  # noqa: SLF001
            lengths[fieldname] = data
        if 0 <= docnum < len(data):
            return _LENGTH_OF[data[docnum]] if data[docnum] else default
        if 0 <= docnum < self._doccount:
            # A column ends at the last document with a value; Whoosh's reader answered the
            # documents after it with None instead of the default.
            return default
        return super().doc_field_length(docnum, fieldname, default)


# Uncompressed posting blocks: zlib took a sixth of a reindex's commit and part of every
# search for 25 % smaller files (idea texts are small). Blocks of 1,024 postings instead of
# 128: a search reads a frequent word's postings whole, and each block cost an unpickled
# header and a file slice (ranking at 100,000 ideas took half the time).
_CODEC = IdeaCodec(compression=0, blocklimit=1024)


class IdeaPositions(Positions):
    """Whoosh's Positions format (same encoded values), taking the words and positions of a
    text from `IdeaAnalyzer.positions` in one call instead of a Token per word. Pickled into
    the index's schema: keep its name and module."""

    def word_values(self, value: Any, analyzer: Any, **kwargs: Any) -> Iterator[tuple]:
        if (
            not isinstance(analyzer, IdeaAnalyzer)
            or not isinstance(value, str)
            or (kwargs.keys() - {"mode"})
        ):
            yield from super().word_values(value, analyzer, **kwargs)
            return
        boost = self.field_boost
        for word, poslist in analyzer.positions(value).items():
            yield word, len(poslist), len(poslist) * boost, encode_positions(poslist)


_POINTER = "CURRENT"
_WRITELOCK = "WRITELOCK"
_SORT_FIELDS = {"newest": "created", "supports": "supports", "comments": "comments_count"}
# What a deleted, truncated or garbled index file surfaces as (measured by
# damaging segment and TOC files): EmptyIndexError for a missing TOC,
# FileNotFoundError for a missing segment, EOFError / struct.error /
# UnpicklingError for truncated segments, UnpicklingError / UnicodeDecodeError (a
# ValueError) for a garbled TOC. zlib.error guards compressed posting blocks.
_UNREADABLE = (
    WhooshIndexError,
    OSError,
    EOFError,
    struct.error,
    zlib.error,
    pickle.UnpicklingError,
    ValueError,
)


class IndexMissing(Exception):
    """The challenge's index is absent, unreadable or built for another language.

    The caller should schedule `IdeaIndex.rebuild` for the challenge.
    """


class IndexBusy(Exception):
    """Another writer held the challenge's write lock for longer than the timeout.

    Nothing was written; retry later (e.g. from the outbox).
    """


@dataclass(frozen=True)
class Hit:
    """One search result; the HTML fields are escaped apart from <mark> tags."""

    id: int
    title_html: str
    snippet_html: str
    score: float


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


def build_schema(language: str) -> Schema:
    """Returns the index schema for a challenge language."""
    analyzer = analyzer_for(language)
    # The numbers and the date are only sorted on, never searched, so they are
    # value columns without postings: indexed, they made up a sixth of all
    # postings and of the reindex time.
    return Schema(
        id=ID(unique=True, stored=True),
        title=_text(stored=True, analyzer=analyzer, field_boost=2.0),
        description=_text(stored=True, analyzer=analyzer),
        comments=_text(analyzer=analyzer),
        theme_id=ID,
        status=ID(stored=True),
        created=COLUMN(NumericColumn("Q")),
        supports=COLUMN(NumericColumn("I")),
        comments_count=COLUMN(NumericColumn("I")),
    )


def _text(**kwargs: Any) -> TEXT:
    field = TEXT(**kwargs)
    field.format = IdeaPositions(field_boost=field.format.field_boost)
    return field


def _document(doc: dict[str, Any]) -> dict[str, Any]:
    """Maps an app document onto schema fields (omitting absent optional ones)."""
    comments = doc.get("comments") or ""
    if not isinstance(comments, str):
        comments = "\n".join(comments)
    out: dict[str, Any] = {
        "id": str(int(doc["id"])),
        "title": doc.get("title") or "",
        "description": doc.get("description") or "",
        "comments": comments,
        # Clamped to the unsigned 32-bit column range so Whoosh never raises
        # mid-write (which would read as index damage).
        "supports": _int32(doc.get("supports")),
        "comments_count": _int32(doc.get("comments_count")),
    }
    if doc.get("theme_id") is not None:
        out["theme_id"] = str(int(doc["theme_id"]))
    if doc.get("status"):
        out["status"] = str(doc["status"])
    if isinstance(doc.get("created"), datetime):
        out["created"] = datetime_to_long(doc["created"])
    return out


def _int32(value: Any) -> int:
    return min(max(int(value or 0), 0), 2**31 - 1)


def _shorten(text: str, limit: int = SNIPPET_CHARS) -> str:
    if len(text) <= limit:
        return text
    return text[:limit].rsplit(" ", 1)[0] + " …"


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
        self._indexes: dict[tuple[int, str], FileIndex] = {}
        self._indexes_lock = threading.Lock()
        # Searchers are per thread: a stale one is closed when the index changes,
        # which must not happen while another thread is still using it.
        self._local = threading.local()

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
            batch = {fields["id"]: fields for fields in map(_document, docs)}
            keys = {str(int(i)) for i in deleted} - batch.keys()
            if not batch and not keys:
                return
            ix = self._open_for_write(
                challenge_id, cdir, language if batch else None, create=bool(batch)
            )
            if ix is None:
                return  # only deletions and no index yet: nothing to remove
            with self._unreadable_as_missing(challenge_id):
                try:
                    writer = ix.writer(timeout=1.0, codec=_CODEC)
                except LockError as exc:  # Whoosh's own lock: a writer that never let go
                    raise IndexBusy(f"challenge {challenge_id}: {exc!r}") from exc
                try:
                    for key in keys:
                        writer.delete_by_term("id", key)
                    for fields in batch.values():
                        writer.update_document(**fields)
                    self._commit(writer)
                except BaseException:
                    # Also when the commit fails: a writer left open keeps Whoosh's lock,
                    # and every later write of this process would fail.
                    writer.cancel()
                    raise

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
        schema = build_schema(language)
        with self._write_lock(challenge_id, timeout) as cdir:
            generation = f"gen-{time.time_ns():x}-{os.getpid()}"
            gdir = cdir / generation
            gdir.mkdir()
            count = reported = 0
            try:
                ix = whoosh_index.create_in(str(gdir), schema)
                seen: set[str] = set()
                with _gc_paused(), self._rebuild_writer(ix, processes) as add:
                    for doc in docs:
                        fields = _document(doc)
                        if fields["id"] in seen:
                            continue
                        seen.add(fields["id"])
                        add(fields)
                        count += 1
                        if progress is not None and count - reported >= progress_every:
                            progress(count)
                            reported = count
                _write_pointer(cdir, generation, language)
            except BaseException:
                shutil.rmtree(gdir, ignore_errors=True)
                raise
            self._forget(challenge_id)
            for stale in cdir.glob("gen-*"):
                if stale.name != generation:
                    shutil.rmtree(stale, ignore_errors=True)
        if progress is not None and (count != reported or count == 0):
            progress(count)
        return count

    @contextmanager
    def _rebuild_writer(
        self, ix: FileIndex, processes: int
    ) -> Iterator[Callable[[dict[str, Any]], None]]:
        """A function that adds one document to the new generation; committed on a clean
        exit, cancelled (nothing of the new generation kept) on an error."""
        if processes > 1 and "fork" in multiprocessing.get_all_start_methods():
            parallel = _ParallelWriter(ix, processes, self.rebuild_limitmb)
            try:
                yield parallel.add
            except BaseException:
                parallel.cancel()
                raise
            parallel.commit()
            return
        writer = SegmentsWriter(ix, _CODEC, self.rebuild_limitmb)
        try:
            yield writer.add
        except BaseException:
            writer.cancel()
            raise
        commit_segments(ix, _CODEC, writer.finish())

    def optimize(self, challenge_id: int, *, timeout: float | None = None) -> None:
        """Merges all segments into one (e.g. nightly); a no-op without an index.

        Upserts leave up to ``max_segments`` segments plus deleted documents;
        merging them took search p50 from 62 to 51 ms on 10,000 ideas, but the
        merge itself took 29 s (as long as a rebuild) under the write lock.
        """
        with self._write_lock(challenge_id, timeout) as cdir:
            ix = self._open_for_write(challenge_id, cdir, None, create=False)
            if ix is None:
                return
            with self._unreadable_as_missing(challenge_id):
                ix.writer(timeout=1.0, codec=_CODEC).commit(optimize=True)

    def drop(self, challenge_id: int) -> None:
        """Deletes a challenge's index (e.g. when the challenge is deleted)."""
        with self._write_lock(challenge_id) as cdir:
            # Keep the directory and WRITELOCK: a writer waiting on the lock file
            # must not end up holding a lock on an unlinked inode.
            (cdir / _POINTER).unlink(missing_ok=True)
            self._forget(challenge_id)
            for gdir in cdir.glob("gen-*"):
                shutil.rmtree(gdir, ignore_errors=True)

    # --- reading -------------------------------------------------------------

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
            q = _parse(searcher, language, text)
            if q is None:
                return empty
            try:
                total, top = _find(searcher, q, flt, sortedby, page * per_page)
            except QueryError:
                q = _terms_query(searcher.schema, text)
                if q is None:
                    return empty
                total, top = _find(searcher, q, flt, sortedby, page * per_page)
            start = (page - 1) * per_page
            hits = _hits(searcher, q, top[start : start + per_page])
            return SearchPage(total=total, hits=hits, page=page, per_page=per_page)

        return self._read(challenge_id, language, run)

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
                    parts.append(_expand_prefixes(Prefix("title", partial), searcher))
            parts = [p for p in parts if p is not NullQuery]
            if not parts:
                return []
            mask = Term("id", str(int(exclude_id))) if exclude_id is not None else None
            q = Or(parts)
            results = searcher.search(q, limit=limit, mask=mask)
            return _hits(searcher, q, [(hit.docnum, hit.score) for hit in results])

        return self._read(challenge_id, language, run)

    def doc_ids(self, challenge_id: int) -> set[int]:
        """Ids of all live (non-deleted) documents; raises `IndexMissing`."""
        return self._read(
            challenge_id,
            None,
            lambda s: {int(f["id"]) for f in s.reader().all_stored_fields()},
        )

    def exists(self, challenge_id: int) -> bool:
        """True if the challenge has a built index. Cheap (one small file): for every write."""
        return _read_pointer(self._challenge_dir(challenge_id)) is not None

    def is_healthy(self, challenge_id: int) -> bool:
        """True if the index exists and all of its segments can be read from disk.

        Opens the index afresh instead of using the cached searcher, which may
        still be serving files that were deleted or replaced since it opened them.
        Reads every stored document and term list: O(index size), meant for
        health checks and admin pages, not for every request.
        """
        cdir = self._challenge_dir(challenge_id)
        try:
            pointer = _read_pointer(cdir)
            if pointer is None:
                return False
            ix = whoosh_index.open_dir(str(cdir / pointer[0]))
            with ix.reader() as reader:
                for _ in reader.all_stored_fields():
                    pass
                for fieldname in ("id", *TEXT_FIELDS):
                    for _ in reader.lexicon(fieldname):
                        pass
        except (IndexMissing, *_UNREADABLE):
            return False
        return True

    def close(self) -> None:
        """Closes the calling thread's cached searchers."""
        for _, searcher in self._searchers().values():
            searcher.close()
        self._searchers().clear()

    # --- internals -----------------------------------------------------------

    def _challenge_dir(self, challenge_id: int) -> Path:
        # int() keeps arbitrary strings out of the path.
        return self.root / str(int(challenge_id))

    @contextmanager
    def _write_lock(self, challenge_id: int, timeout: float | None = None) -> Iterator[Path]:
        cdir = self._challenge_dir(challenge_id)
        cdir.mkdir(parents=True, exist_ok=True)
        # flock locks belong to an open file description, so this also
        # serialises threads of one process (each acquire opens the file anew).
        lock = FileLock(str(cdir / _WRITELOCK))
        deadline = time.monotonic() + (self.lock_timeout if timeout is None else timeout)
        delay = 0.002
        while not lock.acquire(blocking=False):
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise IndexBusy(f"challenge {challenge_id}: index write lock busy")
            # Jitter keeps waiting processes from retrying in lockstep.
            time.sleep(min(remaining, delay * (0.5 + random.random())))  # noqa: S311
            delay = min(delay * 2, 0.05)
        try:
            yield cdir
        finally:
            lock.release()

    def _open_for_write(
        self, challenge_id: int, cdir: Path, language: str | None, *, create: bool
    ) -> FileIndex | None:
        pointer = _read_pointer(cdir)
        if pointer is None:
            if not create or language is None:
                return None
            generation = f"gen-{time.time_ns():x}-{os.getpid()}"
            (cdir / generation).mkdir()
            whoosh_index.create_in(str(cdir / generation), build_schema(language))
            _write_pointer(cdir, generation, language)
            pointer = (generation, language)
        generation, built_for = pointer
        if language is not None and built_for != language:
            raise IndexMissing(
                f"challenge {challenge_id}: index built for {built_for!r}, not {language!r}"
            )
        with self._unreadable_as_missing(challenge_id):
            ix = self._index(challenge_id, cdir, generation)
            if not isinstance(ix.schema["created"], COLUMN):
                # Built before the sort fields became value columns: it still
                # serves searches, but new documents no longer fit its schema.
                raise IndexMissing(f"challenge {challenge_id}: index built with an older schema")
            return ix

    def _commit(self, writer: Any) -> None:
        try:
            writer.commit(merge=len(writer.segments) + 1 >= self.max_segments)
        except LockError as exc:  # pragma: no cover - only foreign Whoosh writers
            raise IndexBusy(str(exc)) from exc

    def _index(self, challenge_id: int, cdir: Path, generation: str) -> FileIndex:
        key = (challenge_id, generation)
        with self._indexes_lock:
            ix = self._indexes.get(key)
        if ix is None:
            gdir = cdir / generation
            if not gdir.is_dir():
                raise FileNotFoundError(str(gdir))
            ix = whoosh_index.open_dir(str(gdir))
            with self._indexes_lock:
                for old in [k for k in self._indexes if k[0] == challenge_id]:
                    del self._indexes[old]
                self._indexes[key] = ix
        return ix

    def _searchers(self) -> OrderedDict[int, tuple[str, Searcher]]:
        cache = getattr(self._local, "searchers", None)
        if cache is None:
            cache = self._local.searchers = OrderedDict()
        return cache

    def _searcher(self, challenge_id: int, language: str | None) -> Searcher:
        cdir = self._challenge_dir(challenge_id)
        pointer = _read_pointer(cdir)
        if pointer is None:
            raise IndexMissing(f"challenge {challenge_id}: no index")
        generation, built_for = pointer
        if language is not None and built_for != language:
            raise IndexMissing(
                f"challenge {challenge_id}: index built for {built_for!r}, not {language!r}"
            )
        cache = self._searchers()
        cached = cache.get(challenge_id)
        # up_to_date() costs one listdir. Not Searcher.refresh(): in Whoosh 2.7.5
        # it reuses segment readers with their old deletion sets and re-adds
        # segments that a merge removed, so deleted, replaced or merged documents
        # reappear (duplicates after an optimize). A changed index gets a new
        # searcher instead (which re-reads the TOC, schema included).
        if cached is not None and cached[0] == generation and cached[1].up_to_date():
            cache.move_to_end(challenge_id)
            return cached[1]
        if cached is not None:
            cached[1].close()
        searcher = self._index(challenge_id, cdir, generation).searcher(weighting=_WEIGHTING)
        cache[challenge_id] = (generation, searcher)
        cache.move_to_end(challenge_id)
        # Each open searcher holds file handles (and mmaps) for its segments.
        while len(cache) > MAX_CACHED_SEARCHERS:
            cache.popitem(last=False)[1][1].close()
        return searcher

    def _read(self, challenge_id: int, language: str | None, fn: Callable[[Searcher], T]) -> T:
        # Two attempts: the first failure may be a race with a rebuild swap or a
        # merge that deleted files between reading the TOC and opening segments.
        error: BaseException | None = None
        for _ in range(2):
            try:
                return fn(self._searcher(challenge_id, language))
            except _UNREADABLE as exc:
                error = exc
                self._forget(challenge_id)
        raise IndexMissing(f"challenge {challenge_id}: index unreadable: {error!r}") from error

    @contextmanager
    def _unreadable_as_missing(self, challenge_id: int) -> Iterator[None]:
        try:
            yield
        except _UNREADABLE as exc:
            self._forget(challenge_id)
            raise IndexMissing(f"challenge {challenge_id}: index unreadable: {exc!r}") from exc

    def _forget(self, challenge_id: int) -> None:
        cached = self._searchers().pop(challenge_id, None)
        if cached is not None:
            # A broken searcher is being discarded; closing it may fail too.
            with contextlib.suppress(Exception):
                cached[1].close()
        with self._indexes_lock:
            for key in [k for k in self._indexes if k[0] == challenge_id]:
                del self._indexes[key]


def rebuild_processes(count: int) -> int:
    """How many processes a full reindex of ``count`` ideas from the command line uses: one
    per core, up to four, and one for small challenges (starting a worker costs more than
    indexing a few thousand ideas)."""
    if count < PARALLEL_REBUILD_MIN_DOCS:
        return 1
    return max(1, min(4, os.cpu_count() or 1))


PARALLEL_REBUILD_MIN_DOCS = 5_000
_BATCH = 250  # documents per message to a worker


class _ParallelWriter:
    """Rebuild with worker processes, each writing its own segments of the new generation
    (one, unless its share of the memory limit runs out).

    This process reads the documents and sends them in batches over a pipe to the workers in
    turn (a full pipe blocks the sender, so memory stays bounded); each worker adds them to
    its own `SegmentsWriter` and, told to finish, writes its segments and sends them back.
    The TOC listing the segments is written here, so the generation becomes an index only
    when every worker has succeeded. A worker that fails or dies makes `commit` (or the next
    send) raise, and `cancel` stops the others: the caller deletes the half-written
    generation and the live index stays as it was. Whoosh's own multiprocessing writer was
    not used: it drops the segment of a worker that died without a word and can wait on a
    dead worker for ever.
    """

    def __init__(self, ix: FileIndex, processes: int, limitmb: float) -> None:
        context = multiprocessing.get_context("fork")
        self._ix = ix
        self._workers: list[tuple[Any, Any]] = []
        self._batch: list[dict[str, Any]] = []
        self._next = 0
        try:
            for _ in range(processes):
                ours, theirs = context.Pipe()
                worker = context.Process(
                    target=_segment_worker,
                    args=(ix.storage.folder, ix.indexname, theirs, limitmb / processes),
                    daemon=True,
                )
                worker.start()
                theirs.close()
                self._workers.append((worker, ours))
        except BaseException:
            self.cancel()
            raise

    def add(self, fields: dict[str, Any]) -> None:
        self._batch.append(fields)
        if len(self._batch) >= _BATCH:
            self._send()

    def _send(self) -> None:
        worker, pipe = self._workers[self._next % len(self._workers)]
        self._next += 1
        try:
            pipe.send(self._batch)
        except OSError as exc:  # the worker is gone: a broken pipe
            raise RuntimeError(f"index worker {worker.pid} failed: {_why(worker, pipe)}") from exc
        self._batch = []

    def commit(self) -> None:
        if self._batch:
            self._send()
        segments = []
        try:
            for _worker, pipe in self._workers:
                pipe.send(None)
            for worker, pipe in self._workers:
                try:
                    status, result = pipe.recv()
                except (EOFError, OSError):
                    status, result = "error", _why(worker, pipe)
                if status != "ok":
                    raise RuntimeError(f"index worker {worker.pid} failed: {result}")
                segments.extend(result)
                worker.join()
        except BaseException:
            self.cancel()
            raise
        commit_segments(self._ix, _CODEC, segments)

    def cancel(self) -> None:
        for worker, pipe in self._workers:
            pipe.close()
            if worker.is_alive():
                worker.terminate()
            worker.join()


def _why(worker: Any, pipe: Any) -> str:
    """What a worker that stopped early said (its exception), or how it ended."""
    with contextlib.suppress(EOFError, OSError):
        if pipe.poll(0):
            status, result = pipe.recv()
            if status == "error":
                return str(result)
    worker.join(timeout=5)
    return f"exited with code {worker.exitcode}"


def _segment_worker(folder: str, indexname: str, pipe: Any, limitmb: float) -> None:
    """In a forked process: add the documents of every batch received to new segments; at
    the end (None) write them and send ("ok", segments), or ("error", why)."""
    gc.disable()  # as in _gc_paused: the process ends when the segment is written
    try:
        ix = whoosh_index.open_dir(folder, indexname=indexname)
        writer = SegmentsWriter(ix, _CODEC, limitmb)
        while (batch := pipe.recv()) is not None:
            for fields in batch:
                writer.add(fields)
        pipe.send(("ok", writer.finish()))
    except BaseException as exc:  # noqa: BLE001 - reported to the parent, which raises
        with contextlib.suppress(OSError):
            pipe.send(("error", repr(exc)))


@contextmanager
def _gc_paused() -> Iterator[None]:
    """Keeps Python's cyclic garbage collector from running during a rebuild.

    A rebuild makes millions of small objects (postings, pickles) that live until the commit;
    the collector walked them again and again, a fifth of a reindex (measured: 1,400 -> 1,800
    ideas/s). Reference counting still frees everything meanwhile, and the collector runs
    normally again afterwards. It is process-wide, so other threads go without it too for
    the few seconds a rebuild takes.
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def _read_pointer(cdir: Path) -> tuple[str, str] | None:
    try:
        data = json.loads((cdir / _POINTER).read_text(encoding="utf-8"))
        return str(data["generation"]), str(data["language"])
    except FileNotFoundError:
        return None
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise IndexMissing(f"{cdir}: unreadable {_POINTER} file") from exc


def _write_pointer(cdir: Path, generation: str, language: str) -> None:
    tmp = cdir / f"{_POINTER}.{os.getpid()}.tmp"
    with open(tmp, "w", encoding="utf-8") as fh:
        json.dump({"generation": generation, "language": language}, fh)
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(tmp, cdir / _POINTER)
    # Make the rename itself durable (POSIX: fsync the directory).
    with contextlib.suppress(OSError):
        dir_fd = os.open(cdir, os.O_RDONLY)
        try:
            os.fsync(dir_fd)
        finally:
            os.close(dir_fd)


def _parse(searcher: Searcher, language: str, text: str) -> Query | None:
    """Parses user input; falls back to an OR of the analysed words."""
    try:
        q = _parser(language).parse(text)
        q = _expand_prefixes(_exclude_negated(q), searcher).normalize()
    except Exception:
        q = None
    if q is None or isinstance(q, type(NullQuery)):
        return _terms_query(searcher.schema, text)
    return q


_parsers = threading.local()


def _parser(language: str) -> MultifieldParser:
    """The query parser for a language, built once per thread (building one cost
    as much as parsing with it). Only the text fields' analysers matter, and they
    give the same words for indexes built with older schemas."""
    cache: dict[str, MultifieldParser] = _parsers.__dict__
    parser = cache.get(language)
    if parser is None:
        # Plain OrGroup, not OrGroup.factory(0.9): its CoordMatcher multiplies each
        # segment's scores by (n - 1) / n, n = number of field/term pairs present in
        # that segment, so a one-word query matching a single field scores 0 and a
        # freshly upserted idea (in its own tiny segment) ranks below older ones.
        # BM25F already sums over words, so ideas matching more words rank higher.
        parser = MultifieldParser(TEXT_FIELDS, build_schema(language), group=OrGroup)
        # No field:value (users could target internal fields), no ranges and no
        # wildcards other than a trailing "*" (they expand to much of the
        # vocabulary; see _expand_prefixes), no "*:*".
        for plugin in (FieldsPlugin, RangePlugin, EveryPlugin, WildcardPlugin):
            parser.remove_plugin_class(plugin)
        parser.add_plugin(_PrefixPlugin())
        cache[language] = parser
    return parser


class _PrefixPlugin(PrefixPlugin):
    """ "abc*" as a prefix of index terms, lowercased and accent-folded only.

    Whoosh's own node runs the prefix through the full analyser, so the Dutch
    stemmer turns "speel*" into "spel*", which misses "speeltuin".
    """

    class PrefixNode(PrefixPlugin.PrefixNode):
        def query(self, parser: Any) -> Query:
            text = self.text.lower().translate(accent_map)
            return Prefix(self.fieldname or parser.fieldname, text, boost=self.boost)

    nodetype = PrefixNode


def _expand_prefixes(q: Query, searcher: Searcher) -> Query:
    """Bounds "abc*": an OR of its MAX_PREFIX_TERMS shortest completions.

    Whoosh's Prefix query scores every completion; "a*" took 76 s and "*" 15 s
    on 10,000 ideas. Shorter prefixes and other multi-term queries are dropped.
    Shortest rather than most frequent: looking up document frequencies cost
    more (0.3 s for "ver*") than the search itself.
    """
    if isinstance(q, Prefix):
        if len(q.text) < MIN_PREFIX_CHARS:
            return NullQuery
        field, reader = searcher.schema[q.fieldname], searcher.reader()
        candidates = islice(reader.expand_prefix(q.fieldname, q.text), 20 * MAX_PREFIX_TERMS)
        words = sorted((field.from_bytes(b) for b in candidates), key=lambda w: (len(w), w))
        words = words[:MAX_PREFIX_TERMS]
        return Or([Term(q.fieldname, w, boost=q.boost) for w in words]) if words else NullQuery
    if isinstance(q, (MultiTerm, Every)):
        return NullQuery
    return q.apply(lambda sub: _expand_prefixes(sub, searcher))


def _exclude_negated(q: Query) -> Query:
    """Turns "a b NOT c" into "(a OR b) ANDNOT c".

    Under OR grouping Whoosh reads it as "a OR b OR (anything without c)", which
    matches nearly every idea; users mean "without c".
    """
    q = q.apply(_exclude_negated)
    if isinstance(q, Or):
        negated = [sub.query for sub in q.subqueries if isinstance(sub, Not)]
        wanted = [sub for sub in q.subqueries if not isinstance(sub, Not)]
        if negated and wanted:
            return AndNot(Or(wanted), Or(negated))
    return q


def _terms_query(schema: Schema, text: str) -> Query | None:
    words = dict.fromkeys(t.text for t in schema["title"].analyzer(text))
    if not words:
        return None
    return Or([Term(f, w) for w in words for f in TEXT_FIELDS])


# --- ranking ---------------------------------------------------------------------------------
#
# Whoosh scores a match through a tree of matcher objects and reads the field length of every
# hit from its length column, one method chain per posting: at 100,000 ideas that was most of
# a search. Nearly every query typed is a plain OR of words over the text fields; `_rank_terms`
# scores those in one loop over the posting lists with the same BM25F arithmetic, counts the
# matches on the way and keeps the best with a heap. Anything else (NOT, AND, phrases, prefixes,
# a sort order) goes through Whoosh's collector, which still gets the cached field lengths.

_B, _K1 = 0.75, 1.2  # Whoosh's BM25F defaults
_LENGTH_OF = [byte_to_length(b) for b in range(256)]
_LENGTHS_ARRAY = np.array(_LENGTH_OF, dtype=np.float64)
_LENGTHS: WeakKeyDictionary[IndexReader, dict[str, bytes]] = WeakKeyDictionary()
_LENGTHS_LOCK = threading.Lock()


def _field_lengths(reader: IndexReader, fieldname: str) -> bytes:
    """One segment's length bytes of ``fieldname`` by document number, read once per reader
    (a segment's documents never change length; deletions do not touch the column)."""
    cached = _LENGTHS.get(reader)
    if cached is not None and fieldname in cached:
        return cached[fieldname]
    count = reader.doc_count_all()
    try:
        # The reader Whoosh's own doc_field_length() uses: one byte per document.
        column = reader._perdoc._cached_reader(_lenfield(fieldname), LENGTHS_COLUMN)  # noqa: SLF001
        data = b"" if column is None else column._dbfile.get(column._basepos, column._count)  # noqa: SLF001
    except AttributeError:  # pragma: no cover - another reader or column layout
        data = bytes(
            length_to_byte(reader.doc_field_length(d, fieldname, 0) or 0) for d in range(count)
        )
    data = data[:count].ljust(count, b"\0")
    with _LENGTHS_LOCK:
        _LENGTHS.setdefault(reader, {})[fieldname] = data
    return data


class _CachedBM25F(BM25F):
    """Whoosh's BM25F, reading field lengths from `_field_lengths` instead of the column file
    (same lengths, same scores)."""

    def scorer(self, searcher: Searcher, fieldname: str, text: bytes, qf: int = 1) -> Any:
        scorer = super().scorer(searcher, fieldname, text, qf=qf)
        if isinstance(scorer, BM25FScorer):
            lengths = _field_lengths(searcher.reader(), fieldname)
            scorer.dfl = lambda docnum: _LENGTH_OF[lengths[docnum]]
        return scorer


_WEIGHTING = _CachedBM25F(B=_B, K1=_K1)


def _find(
    searcher: Searcher, q: Query, flt: Query | None, sortedby: Any, limit: int
) -> tuple[int, list[tuple[int, float]]]:
    """(number of matches, the first ``limit`` as (docnum, score)), best or sorted first."""
    if sortedby is None:
        ranked = _rank_terms(searcher, q, flt, limit)
        if ranked is not None:
            return ranked
    results = searcher.search(q, limit=limit, filter=flt, sortedby=sortedby)
    return _count(searcher, q, flt, results), [(hit.docnum, hit.score) for hit in results]


def _plain_terms(q: Query) -> list[Term] | None:
    """The words of a query that is one word or a plain OR of words, else None."""
    if type(q) is Term:
        leaves = [q]
    elif type(q) is Or and q.boost == 1.0 and not q.scale and not q.minmatch:
        leaves = q.subqueries
    else:
        return None
    if all(type(t) is Term and t.boost == 1.0 and not t.minquality for t in leaves):
        return leaves
    return None


def _rank_terms(
    searcher: Searcher, q: Query, flt: Query | None, limit: int
) -> tuple[int, list[tuple[int, float]]] | None:
    """What ``searcher.search(q, limit, filter=flt)`` ranks and counts, for plain OR queries.

    The scores are Whoosh's: the same BM25F arithmetic with the same global statistics, and
    a document's term scores added in the order of Whoosh's binary tree of union matchers.
    Whoosh's collector may regroup that sum once it skips blocks, so a score can differ in
    the last bit (measured: at most 2.3e-16 relative). Ties keep Whoosh's order: lower
    document number first. Returns None for other queries.

    The arithmetic runs on numpy arrays over the matching documents, so the cost per posting
    is that of C, not of a Python loop.
    """
    leaves = _plain_terms(q)
    if leaves is None:
        return None
    schema = searcher.schema
    if not all(t.fieldname in schema and schema[t.fieldname].scorable for t in leaves):
        return None  # not a text field: let Whoosh decide
    per_term = [_term_scores(searcher, term) for term in leaves]
    present = [ids for ids, _ in per_term if len(ids)]
    if not present:
        return 0, []
    docs = np.unique(np.concatenate(present))  # every matching document, ascending
    aligned = []
    for ids, scores in per_term:
        # The term's score for each of ``docs``; 0.0 where the document lacks the term.
        column = np.zeros(len(docs))
        column[np.searchsorted(docs, ids)] = scores
        aligned.append(column)
    found = _union(aligned, 0, len(aligned))
    if flt is not None:
        allowed = np.fromiter(searcher.docs_for_query(flt), dtype=np.int64)
        keep = np.isin(docs, allowed)
        docs, found = docs[keep], found[keep]
    total = len(docs)
    if total > limit:
        # Everything scoring at least the limit-th best score, ties at the edge included.
        edge = np.partition(found, total - limit)[total - limit]
        keep = found >= edge
        docs, found = docs[keep], found[keep]
    order = np.lexsort((docs, -found))[:limit]  # best first, then lower document number
    return total, [(int(docs[i]), float(found[i])) for i in order]


def _term_scores(searcher: Searcher, term: Term) -> tuple[np.ndarray, np.ndarray]:
    """(document numbers ascending, BM25F scores) of one word in one field."""
    fieldname = term.fieldname
    btext = searcher.schema[fieldname].to_bytes(term.text)
    if (fieldname, btext) not in searcher.reader():
        return np.zeros(0, dtype=np.int64), np.zeros(0)
    idf = searcher.idf(fieldname, btext)
    avgfl = searcher.avg_field_length(fieldname) or 1
    norms = _K1 * ((1 - _B) + _B * _LENGTHS_ARRAY / avgfl)
    all_ids, all_scores = [], []
    for leaf, offset in searcher.leaf_searchers():
        reader = leaf.reader()
        if (fieldname, btext) not in reader:
            continue
        docnums, tfs = _postings(reader, fieldname, btext)
        lengths = np.frombuffer(_field_lengths(reader, fieldname), dtype=np.uint8)
        # bm25() of whoosh.scoring: idf * ((tf * (K1 + 1)) / (tf + K1 * (...)))
        all_scores.append(idf * ((tfs * (_K1 + 1)) / (tfs + norms[lengths[docnums]])))
        all_ids.append(docnums + offset)  # leaves come in order of their offsets
    if not all_ids:
        return np.zeros(0, dtype=np.int64), np.zeros(0)
    return np.concatenate(all_ids), np.concatenate(all_scores)


def _postings(reader: IndexReader, fieldname: str, btext: bytes) -> tuple[np.ndarray, np.ndarray]:
    """(document numbers, weights) of a term's live postings in one segment.

    Whoosh's codec keeps postings in blocks of ids and weights; reading them a block at a
    time instead of a posting at a time through the matcher interface.
    """
    m = reader.postings(fieldname, btext)
    deleted: Any = ()
    if isinstance(m, FilterMatcher):  # the segment has deletions: reader.postings excludes them
        m, deleted = m.child, m._ids  # noqa: SLF001
    if not isinstance(m, W3LeafMatcher) or m._byteids:  # noqa: SLF001 # pragma: no cover
        pairs = []
        while m.is_active():
            pairs.append((m.id(), m.weight()))
            m.next()
        ids = np.array([d for d, _ in pairs], dtype=np.int64)
        tfs = np.array([w for _, w in pairs], dtype=np.float64)
    else:
        # The private block API of W3LeafMatcher (Whoosh 2.7): the unpickled (ids as deltas,
        # the first from 0, weights, ...) of a block (weights None: all 1.0; one float: all
        # that), the block's last id, next block. The blocks are joined into one array of
        # deltas (the first of a block made relative to the last id before it), so numpy
        # turns them into ids with one cumsum.
        deltas: list[int] = []
        weights: list[float] = []
        starts: list[int] = []
        last_ids: list[int] = []
        while m.is_active():
            m._read_data()  # noqa: SLF001
            block_deltas, block_weights = m._data[0], m._data[1]  # noqa: SLF001
            starts.append(len(deltas))
            last_ids.append(m._maxid)  # noqa: SLF001
            deltas.extend(block_deltas)
            if block_weights is None or isinstance(block_weights, float):
                weights.extend(
                    repeat(1.0 if block_weights is None else block_weights, len(block_deltas))
                )
            else:
                weights.extend(block_weights)
            m._next_block()  # noqa: SLF001
        steps = np.array(deltas, dtype=np.int64)
        if len(starts) > 1:
            steps[starts[1:]] -= np.array(last_ids[:-1], dtype=np.int64)
        ids = np.cumsum(steps)
        tfs = np.array(weights, dtype=np.float64)
    if deleted:
        live = ~np.isin(ids, np.fromiter(deleted, dtype=np.int64))
        ids, tfs = ids[live], tfs[live]
    return ids, tfs


def _union(per_term: list[np.ndarray], lo: int, hi: int) -> np.ndarray:
    """Every document's score: the term scores added as Whoosh's UnionMatcher adds them in
    make_binary_tree's order (left + right where both match, else the one side; adding the
    0.0 of an absent side changes nothing)."""
    if hi - lo == 1:
        return per_term[lo]
    half = lo + (hi - lo) // 2
    return _union(per_term, lo, half) + _union(per_term, half, hi)


def _count(searcher: Searcher, q: Query, flt: Query | None, results: Any) -> int:
    """Exact number of matches.

    len(results) walks Whoosh's tree of union matchers one document at a time;
    for the usual plain OR of terms, collecting each term's posting list into a
    set is about 2.5x faster (p50 8 ms vs 20 ms on 10,000 ideas).
    """
    leaves = [q] if isinstance(q, Term) else getattr(q, "subqueries", None)
    if not isinstance(q, (Or, Term)) or not all(isinstance(t, Term) for t in leaves):
        return len(results)
    docs: set[int] = set()
    for term in leaves:
        docs.update(searcher.docs_for_query(term))
    if flt is not None:
        docs.intersection_update(searcher.docs_for_query(flt))
    return len(docs)


# --- hits ------------------------------------------------------------------------------------


def _hits(searcher: Searcher, q: Query, scored: Iterable[tuple[int, float | None]]) -> list[Hit]:
    """Hits with highlighted title and snippet (only call it for the shown page)."""
    words = _query_words(searcher, q)
    return [_hit(searcher, docnum, score, words) for docnum, score in scored]


def _query_words(searcher: Searcher, q: Query) -> dict[str, frozenset[str]]:
    """The query's words per highlighted field, looked up once per search.

    Whoosh's highlight_hit looks them up again in the index for every hit and
    field: a fifth of the highlighting time.
    """
    schema, reader = searcher.schema, searcher.reader()
    # One call per field: without ``fieldname``, Whoosh 2.7.5's existing_terms()
    # overwrites its argument in its loop and drops every field but the first.
    return {
        name: frozenset(
            schema[name].from_bytes(btext)
            for _, btext in q.existing_terms(reader, expand=True, fieldname=name)
        )
        for name in _HIGHLIGHTED
    }


def _hit(
    searcher: Searcher, docnum: int, score: float | None, words: dict[str, frozenset[str]]
) -> Hit:
    fields = searcher.stored_fields(docnum)
    title = fields.get("title", "")
    description = fields.get("description", "")
    schema = searcher.schema
    title_html = _highlight_title(title, words["title"], schema["title"].analyzer)
    snippet_html = _highlight_snippet(
        description, words["description"], schema["description"].analyzer
    )
    return Hit(
        id=int(fields["id"]),
        title_html=title_html or escape(title, quote=False),
        snippet_html=snippet_html or escape(_shorten(description), quote=False),
        score=float(score or 0.0),
    )


# Whoosh's Highlighter (a fresh one per field and hit: HtmlFormatter keeps state) was half of a
# search once ranking got fast: a generator per step and a Token copy per matched word. The
# functions below give exactly its output for our fields: tokens of the field's analyser
# (stop words kept, so they can be shown), BasicFragmentScorer, order FIRST, minscore 1 and
# HtmlFormatter(tagname="mark", between=" … "). Whoosh's step that merges overlapping matched
# tokens is left out: the analyser's regular expression never yields overlapping tokens.
_CHARLIMIT = 2**15  # whoosh.highlight.DEFAULT_CHARLIMIT
_MARK = '<mark class="match term{}">{}</mark>'
_BETWEEN = " … "
_MAX_CLASSES = 5
_Token = tuple[int, int, str]  # startchar, endchar, term
_Fragment = tuple[int, int, list[_Token]]  # startchar, endchar, matched tokens


def _tokens(text: str, words: frozenset[str], analyzer: Any) -> list[tuple[int, int, str, bool]]:
    """(startchar, endchar, term, matched) of each word, stop words included."""
    if isinstance(analyzer, IdeaAnalyzer):
        return [(start, end, term, term in words) for start, end, term in analyzer.spans(text)]
    # Indexes built with the older filter chain keep Whoosh's analyser objects.
    return [
        (t.startchar, t.endchar, t.text, t.text in words)
        for t in analyzer(text, positions=True, chars=True, mode="index", removestops=False)
    ]


def _whole_fragment(text: str, words: frozenset[str], analyzer: Any) -> list[_Fragment]:
    """WholeFragmenter: the whole text, with the matched words before the character limit."""
    matches = []
    for start, end, term, matched in _tokens(text, words, analyzer):
        if end > _CHARLIMIT:
            break
        if matched:
            matches.append((start, end, term))
    return [(0, len(text), matches)]


def _context_fragments(  # noqa: C901 - ContextFragmenter.fragment_tokens, step by step
    text: str, words: frozenset[str], analyzer: Any
) -> list[_Fragment]:
    """ContextFragmenter(maxchars=SNIPPET_CHARS, surround=60): runs of matched words with up
    to ``surround`` characters of context around them."""
    maxchars, surround = SNIPPET_CHARS, 60
    fragments: list[_Fragment] = []
    first: int | None = None
    firsts: deque[int] = deque()
    countdown = -1
    tks: list[_Token] = []
    endchar = 0
    currentlen = 0
    for startchar, endchar, term, matched in _tokens(text, words, analyzer):  # noqa: B007
        tlength = endchar - startchar
        if endchar > _CHARLIMIT:
            break
        if countdown < 0 and not matched:
            firsts.append(startchar)
            while firsts and endchar - firsts[0] > surround:
                firsts.popleft()
        elif currentlen + tlength > maxchars:
            countdown = 0
        elif matched:
            countdown = surround
            if first is None:
                if firsts:
                    first = firsts[0]
                else:
                    first = startchar
                    countdown += surround
            tks.append((startchar, endchar, term))
        if countdown >= 0:
            currentlen += tlength
            countdown -= tlength
            if countdown <= 0:
                fragments.append((first or 0, min(len(text), endchar), tks))
                tks, firsts, first, currentlen = [], deque(), None, 0
    if tks:
        fragments.append((first or 0, min(len(text), endchar), tks))
    return fragments


def _format(text: str, fragments: list[_Fragment], top: int) -> str:
    """top_fragments() with BasicFragmentScorer, then HtmlFormatter.format()."""
    scored = [
        (len(matches) * ((len({term for _, _, term in matches}) * 100) or 1), start, i)
        for i, (start, _, matches) in enumerate(fragments)
    ]
    # Whoosh breaks a tie in score by the later start (Fragment.__lt__ under nlargest).
    best = sorted(
        (fragments[i] for score, _, i in heapq.nlargest(top, scored) if score >= 1),
        key=lambda f: f[0],
    )
    seen: dict[str, int] = {}
    out = []
    for start, end, matches in best:
        parts, index = [], start
        for m_start, m_end, _ in sorted(matches, key=lambda t: (t[0], t[0] - t[1])):
            if m_start < index:
                continue
            if m_start > index:
                parts.append(escape(text[index:m_start], quote=False))
            word = escape(text[m_start:m_end], quote=False)
            number = seen.setdefault(word, len(seen) % _MAX_CLASSES)
            parts.append(_MARK.format(number, word))
            index = m_end
        parts.append(escape(text[index:end], quote=False))
        out.append("".join(parts))
    return _BETWEEN.join(out)


def _highlight_title(text: str, words: frozenset[str], analyzer: Any) -> str:
    if not text or not words:
        return ""
    return _format(text, _whole_fragment(text, words, analyzer), top=1)


def _highlight_snippet(text: str, words: frozenset[str], analyzer: Any) -> str:
    if not text or not words:
        return ""
    return _format(text, _context_fragments(text, words, analyzer), top=2)


_HIGHLIGHTED = ("title", "description")
