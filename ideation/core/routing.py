"""Ids and numbers from requests: URL converters, query strings and forms, one set of rules.

An id that a database column cannot hold (``?built_on=99999999999999999999999``), or that is
no plain number at all (``²`` and ``١٢`` pass ``str.isdigit``; ``int("²")`` raises), must be
a "not found" or a form error, never an overflow in the database driver (a 500). Every id
taken from a URL, a query string or a form goes through this module.
"""

from __future__ import annotations

import re
from typing import Any

from flask import request
from werkzeug.routing import IntegerConverter, Map

# The largest value of a 32-bit signed INTEGER column (PostgreSQL); SQLite overflows at 2**63.
MAX_DATABASE_INT = 2**31 - 1
# Page numbers past this are clamped: no list has that many pages.
MAX_PAGE = 10_000

_ASCII_NUMBER = re.compile(r"[0-9]{1,10}")


class DatabaseIntConverter(IntegerConverter):
    """``<int:...>`` that only matches ids a database column can hold, so a huge id in a URL
    is a plain 404 instead of an overflow error in the database driver."""

    def __init__(self, map: Map, *args: Any, **kwargs: Any) -> None:  # noqa: A002
        kwargs.setdefault("max", MAX_DATABASE_INT)
        super().__init__(map, *args, **kwargs)


def number(value: object, *, low: int = 1, high: int = MAX_DATABASE_INT) -> int:
    """``value`` as a whole number from ``low`` to ``high`` (ASCII digits, spaces around
    allowed); ValueError otherwise. Fits WTForms' ``coerce`` and ``request.args.get(type=)``.
    """
    if isinstance(value, bool):
        raise ValueError("not a number")
    if isinstance(value, int):
        result = value
    else:
        text = str(value).strip()
        if not _ASCII_NUMBER.fullmatch(text):
            raise ValueError("not a number")
        result = int(text)
    if not low <= result <= high:
        raise ValueError("out of range")
    return result


def optional_number(value: object, *, low: int = 1, high: int = MAX_DATABASE_INT) -> int | None:
    """``number``, or None for an empty or invalid value."""
    try:
        return number(value, low=low, high=high) if value not in (None, "") else None
    except ValueError:
        return None


def database_id(value: object) -> int:
    """An id (1 to ``MAX_DATABASE_INT``); ValueError otherwise (a form error as ``coerce``)."""
    return number(value)


def optional_database_id(value: object) -> int | None:
    """An id, or None for an empty or invalid value (an optional choice, a query string)."""
    return optional_number(value)


def id_arg(name: str) -> int | None:
    """The id in the query string parameter ``name``, or None when missing or invalid."""
    return optional_database_id(request.args.get(name))


def page_arg(name: str = "page", last: int = MAX_PAGE) -> int:
    """The page number in the query string: 1 when missing or invalid, at most ``last``."""
    text = request.args.get(name, "").strip()
    if not text.isascii() or not text.isdigit():
        return 1
    return last if len(text) > len(str(last)) else max(1, min(int(text), last))
