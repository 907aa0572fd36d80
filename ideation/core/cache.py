"""A per-process cache of values read from the database, dropped after every write.

Why: public pages are read far more often than anything is written, and most of their cost is
a count over thousands of ideas and turning those rows into HTML. A cached value is stored with
the *data version* read before it was computed; any commit that wrote something gives the data a
new version, so the next read computes the value again.

How a write is noticed: a session that flushed changes, or ran a statement other than a SELECT,
writes a new random token after its outermost commit: to Redis when ``IDEATION_REDIS_URL`` is
set (so every host sees it), otherwise to ``<instance>/data-version``. Every process (gunicorn
worker, CLI command) reads that token, so a change made in one worker reaches the others at
their next request. The token is read before the value is computed and written after the
commit, so a value computed from old rows is never stored under the new version. Writes made
outside the application (an SQL shell) are not seen; entries also expire after ``MAX_AGE_S``
seconds for that case. When Redis does not answer, nothing is served from the cache (every read
computes afresh) until it answers again.

Keep per-visitor things (CSRF tokens, the logged-in user, flashed messages) out of cached
values: ``cached_html`` refuses HTML with a CSRF token.
"""

from __future__ import annotations

import os
import secrets
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Hashable
from pathlib import Path
from typing import Any, TypeVar

from flask import Flask, current_app, has_app_context
from markupsafe import Markup
from redis.exceptions import RedisError
from sqlalchemy import event
from sqlalchemy.orm import ORMExecuteState, Session

from ideation.core.shared import key as shared_key
from ideation.core.shared import shared_redis

T = TypeVar("T")

VERSION_FILE = "data-version"
MAX_ENTRIES = 2048
MAX_AGE_S = 60.0
_WROTE = "ideation_cache_wrote"
_UNSHARED = "unshared:"


def _version_path() -> Path:
    return Path(current_app.instance_path) / VERSION_FILE


def data_version() -> str:
    """The current data version: a token that changes after every committed write."""
    redis = shared_redis()
    if redis is not None:
        try:
            token = redis.get(shared_key(VERSION_FILE))
        except RedisError:
            current_app.logger.warning("Redis did not answer; the page cache is bypassed")
            return _UNSHARED + secrets.token_hex(8)  # matches no stored value
        return token.decode() if token else ""
    try:
        return _version_path().read_text()
    except FileNotFoundError:
        return ""


def new_data_version() -> None:
    """Give the data a new version (atomically, so readers never see half a token)."""
    redis = shared_redis()
    if redis is not None:
        try:
            redis.set(shared_key(VERSION_FILE), secrets.token_hex(8))
        except RedisError:
            # Readers bypass the cache while Redis is away, and values stored before expire
            # after MAX_AGE_S: a missed token costs freshness for at most that long.
            current_app.logger.warning("Redis did not answer; the data version was not renewed")
        return
    path = _version_path()
    spare = path.with_name(f"{VERSION_FILE}.{os.getpid()}.{threading.get_ident()}")
    spare.write_text(secrets.token_hex(8))
    os.replace(spare, path)


class VersionedCache:
    """Key -> (data version, time stored, value), least recently used first; thread-safe."""

    def __init__(self, max_entries: int = MAX_ENTRIES, max_age: float = MAX_AGE_S) -> None:
        self.max_entries, self.max_age = max_entries, max_age
        self._entries: OrderedDict[Hashable, tuple[str, float, Any]] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: Hashable, version: str) -> tuple[bool, Any]:
        with self._lock:
            entry = self._entries.get(key)
            if entry is None or entry[0] != version or time.monotonic() - entry[1] > self.max_age:
                return False, None
            self._entries.move_to_end(key)
            return True, entry[2]

    def put(self, key: Hashable, version: str, value: Any) -> None:
        with self._lock:
            self._entries[key] = (version, time.monotonic(), value)
            self._entries.move_to_end(key)
            while len(self._entries) > self.max_entries:
                self._entries.popitem(last=False)


def cached(key: Hashable, compute: Callable[[], T]) -> T:
    """``compute()``, or the value it gave for ``key`` since the last write."""
    store: VersionedCache | None = current_app.extensions.get("ideation_cache")
    if store is None:  # an app built without init_app: nothing is cached
        return compute()
    version = data_version()  # before computing: see the module docstring
    found, value = store.get(key, version)
    if not found:
        value = compute()
        if not version.startswith(_UNSHARED):
            store.put(key, version, value)
    return value


def cached_html(key: Hashable, compute: Callable[[], dict[str, Any]]) -> dict[str, Any]:
    """``cached`` for a dict of page parts shared by visitors; refuses parts with a CSRF token."""
    def checked() -> dict[str, Any]:
        parts = compute()
        if any(isinstance(v, Markup) and "csrf_token" in v for v in parts.values()):
            raise RuntimeError(f"page parts for {key!r} hold a CSRF token; do not share them")
        return parts
    return cached(key, checked)


# --- noticing writes -------------------------------------------------------------------------


# Bookkeeping no page shows: the mail sender working through a backlog, scheduled runs and a
# job's progress must not empty every process's cache on each of their writes. (Search jobs
# do count: applying them changes what searches find.)
QUIET_TABLES = frozenset({"outgoing_mail", "scheduled_runs", "jobs"})


def _table_of(instance: object) -> str | None:
    return getattr(instance, "__tablename__", None)


def _note_flush(session: Session, flush_context: object) -> None:
    # after_flush still sees the flushed objects in new, dirty and deleted.
    changed = (*session.new, *session.dirty, *session.deleted)
    if not changed or any(_table_of(item) not in QUIET_TABLES for item in changed):
        session.info[_WROTE] = True


def _note_statement(state: ORMExecuteState) -> None:
    if state.is_select:
        return
    table = getattr(getattr(state.statement, "table", None), "name", None)
    if table not in QUIET_TABLES:
        state.session.info[_WROTE] = True


def _after_commit(session: Session) -> None:
    # A savepoint's commit is not the end: wait for the outermost transaction. A rollback keeps
    # the mark, so at worst a later commit drops the cache once too often, never too rarely.
    if session.in_nested_transaction() or not session.info.pop(_WROTE, False):
        return
    if has_app_context() and "ideation_cache" in current_app.extensions:
        new_data_version()


_listening = False


def init_app(app: Flask) -> None:
    global _listening
    app.extensions.setdefault("ideation_cache", VersionedCache())
    if not _listening:  # session events are global; register them once per process
        event.listen(Session, "after_flush", _note_flush)
        event.listen(Session, "do_orm_execute", _note_statement)
        event.listen(Session, "after_commit", _after_commit)
        _listening = True
