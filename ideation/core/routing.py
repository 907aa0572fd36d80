"""URL converters shared by every blueprint."""

from __future__ import annotations

from typing import Any

from werkzeug.routing import IntegerConverter, Map

# The largest value of a 32-bit signed INTEGER column (PostgreSQL); SQLite overflows at 2**63.
MAX_DATABASE_INT = 2**31 - 1


class DatabaseIntConverter(IntegerConverter):
    """``<int:...>`` that only matches ids a database column can hold, so a huge id in a URL
    is a plain 404 instead of an overflow error in the database driver."""

    def __init__(self, map: Map, *args: Any, **kwargs: Any) -> None:  # noqa: A002
        kwargs.setdefault("max", MAX_DATABASE_INT)
        super().__init__(map, *args, **kwargs)
