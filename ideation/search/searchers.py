"""Reading an index: a cache of open searchers per thread, and damage told from bugs."""

from __future__ import annotations

import contextlib
import threading
from collections import OrderedDict
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

from whoosh.searching import Searcher

from ideation.search.generations import (
    DAMAGED,
    UNREADABLE,
    IndexMissing,
    OpenIndexes,
    challenge_dir,
    live_generation,
)
from ideation.search.ranking import WEIGHTING

T = TypeVar("T")
MAX_CACHED_SEARCHERS = 16  # per thread


class Searchers:
    """Open searchers of the live generations under ``root``, per thread: a stale one is
    closed when the index changes, which must not happen while another thread uses it."""

    def __init__(self, root: Path, indexes: OpenIndexes) -> None:
        self.root = root
        self._indexes = indexes
        self._local = threading.local()

    def read(self, challenge_id: int, language: str | None, fn: Callable[[Searcher], T]) -> T:
        """``fn(searcher)``; `IndexMissing` when the index is absent, in another language, or
        damaged. Damage is what opening the index raises (`UNREADABLE`) or what reading its
        files raises (`DAMAGED`); anything else ``fn`` raises, a ValueError included, is a
        bug of the search, not of the index, and propagates unchanged."""
        # Two attempts: the first failure may be a race with a rebuild swap or a
        # merge that deleted files between reading the TOC and opening segments.
        error: BaseException | None = None
        for _ in range(2):
            try:
                searcher = self._searcher(challenge_id, language)
            except UNREADABLE as exc:
                error = exc
                self.forget(challenge_id)
                continue
            try:
                return fn(searcher)
            except DAMAGED as exc:
                error = exc
                self.forget(challenge_id)
        raise IndexMissing(f"challenge {challenge_id}: index unreadable: {error!r}") from error

    def close(self) -> None:
        """Closes the calling thread's cached searchers."""
        for _, searcher in self._cache().values():
            searcher.close()
        self._cache().clear()

    def forget(self, challenge_id: int) -> None:
        """Drops the challenge's searcher of this thread and its open index."""
        cached = self._cache().pop(challenge_id, None)
        if cached is not None:
            # A broken searcher is being discarded; closing it may fail too.
            with contextlib.suppress(Exception):
                cached[1].close()
        self._indexes.forget(challenge_id)

    def _cache(self) -> OrderedDict[int, tuple[str, Searcher]]:
        cache = getattr(self._local, "searchers", None)
        if cache is None:
            cache = self._local.searchers = OrderedDict()
        return cache

    def _searcher(self, challenge_id: int, language: str | None) -> Searcher:
        cdir = challenge_dir(self.root, challenge_id)
        generation = live_generation(cdir, challenge_id, language)
        cache = self._cache()
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
        searcher = self._indexes.get(challenge_id, cdir, generation).searcher(weighting=WEIGHTING)
        cache[challenge_id] = (generation, searcher)
        cache.move_to_end(challenge_id)
        # Each open searcher holds file handles (and mmaps) for its segments.
        while len(cache) > MAX_CACHED_SEARCHERS:
            cache.popitem(last=False)[1][1].close()
        return searcher
