"""State shared by every process of the platform on every host: Redis when
``IDEATION_REDIS_URL`` is set, otherwise nothing (one host shares through its instance folder).

One client per process and URL (redis-py keeps a thread-safe connection pool). Keys carry a
namespace derived from the database URL, so two installations on one Redis never read each
other's state while the hosts of one installation always share it.
"""

from __future__ import annotations

import hashlib
from typing import Any

from flask import current_app

_CLIENTS: dict[str, Any] = {}


def shared_redis() -> Any:
    """The Redis client of ``IDEATION_REDIS_URL``; None when no Redis is configured."""
    url = str(current_app.config.get("IDEATION_REDIS_URL") or "")
    if not url:
        return None
    client = _CLIENTS.get(url)
    if client is None:
        from redis import Redis

        client = _CLIENTS[url] = Redis.from_url(url, socket_connect_timeout=2,
                                                socket_timeout=2, health_check_interval=30)
    return client


def key(name: str) -> str:
    """``name`` in this installation's namespace (one per database)."""
    database = str(current_app.config["SQLALCHEMY_DATABASE_URI"])
    return f"ideation:{hashlib.sha256(database.encode()).hexdigest()[:12]}:{name}"
