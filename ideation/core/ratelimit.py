"""Rate-limit counters that every worker process of one host shares, without a server.

Flask-Limiter's default ``memory://`` storage counts per process: with 2 gunicorn workers a
limit of 10 failed log-ins per minute let 16 through, and the right password was accepted on
the other worker right after a block. ``SQLiteStorage`` keeps the counters in a small SQLite
file in the instance folder (``sqlite:///<instance>/rate-limits.sqlite3``, the default), so
all processes on the host count together and a restart does not forget them. Several hosts
share counters through Redis (``IDEATION_REDIS_URL``).

It plugs into ``limits`` through its public extension point: a ``limits.storage.Storage``
subclass registers the URI scheme it names in ``STORAGE_SCHEME``. It implements what the
fixed-window strategy (Flask-Limiter's default, the one used here) needs.
"""

from __future__ import annotations

import os
import sqlite3
import threading
import time
from pathlib import Path
from typing import Any

from limits.storage import Storage

# Expired windows are deleted at most this often per process (they are ignored anyway).
PURGE_EVERY_S = 60.0

_SCHEMA = """CREATE TABLE IF NOT EXISTS counters (
    key TEXT PRIMARY KEY, value INTEGER NOT NULL, expires REAL NOT NULL) WITHOUT ROWID"""

# One statement, so two processes incrementing at once cannot both start a new window: a key
# whose window has expired starts again at ``amount``, otherwise it grows by ``amount``.
_INCREMENT = """INSERT INTO counters (key, value, expires) VALUES (:key, :amount, :expires)
ON CONFLICT (key) DO UPDATE SET
    value = CASE WHEN counters.expires <= :now THEN :amount ELSE counters.value + :amount END,
    expires = CASE WHEN counters.expires <= :now THEN :expires ELSE counters.expires END
RETURNING value"""


def storage_uri(path: Path) -> str:
    return f"sqlite:///{path}"


class SQLiteStorage(Storage):
    """``sqlite:///path/to/file``: fixed-window counters in one SQLite file per host."""

    STORAGE_SCHEME = ["sqlite"]

    def __init__(self, uri: str | None = None, wrap_exceptions: bool = False,
                 **options: Any) -> None:
        if not uri or "://" not in uri:
            raise ValueError("a sqlite:///path URI is needed")
        # sqlite:///relative/file and sqlite:////absolute/file, as SQLAlchemy writes them.
        self.path = uri.split("://", 1)[1].removeprefix("/")
        self._local = threading.local()
        self._purged = 0.0
        super().__init__(uri, wrap_exceptions=wrap_exceptions, **options)

    @property
    def base_exceptions(self) -> type[Exception] | tuple[type[Exception], ...]:
        return sqlite3.Error

    def _connection(self) -> sqlite3.Connection:
        """One connection per thread and process (a connection must not cross a fork)."""
        local = self._local
        if getattr(local, "pid", None) != os.getpid():
            Path(self.path).parent.mkdir(parents=True, exist_ok=True)
            connection = sqlite3.connect(self.path, timeout=10, isolation_level=None)
            connection.execute("PRAGMA journal_mode=WAL")
            connection.execute("PRAGMA synchronous=NORMAL")
            connection.execute(_SCHEMA)
            local.connection, local.pid = connection, os.getpid()
        return local.connection

    def incr(self, key: str, expiry: float, amount: int = 1) -> int:
        now = time.time()
        connection = self._connection()
        row = connection.execute(_INCREMENT, {"key": key, "amount": amount, "now": now,
                                              "expires": now + expiry}).fetchone()
        if now - self._purged > PURGE_EVERY_S:
            self._purged = now
            connection.execute("DELETE FROM counters WHERE expires <= ?", (now,))
        return int(row[0])

    def get(self, key: str) -> int:
        row = self._connection().execute(
            "SELECT value FROM counters WHERE key = ? AND expires > ?", (key, time.time())
        ).fetchone()
        return int(row[0]) if row else 0

    def get_expiry(self, key: str) -> float:
        now = time.time()
        row = self._connection().execute(
            "SELECT expires FROM counters WHERE key = ? AND expires > ?", (key, now)
        ).fetchone()
        return float(row[0]) if row else now

    def check(self) -> bool:
        try:
            self._connection().execute("SELECT 1").fetchone()
        except sqlite3.Error:
            return False
        return True

    def reset(self) -> int | None:
        return self._connection().execute("DELETE FROM counters").rowcount

    def clear(self, key: str) -> None:
        self._connection().execute("DELETE FROM counters WHERE key = ?", (key,))
