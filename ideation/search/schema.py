"""What an idea's index is made of: the schema, its positions format and codec, the documents.

`IdeaCodec` and `IdeaPositions` are pickled into every index's table of contents under the
name ``ideation.search.index.<class>`` (where they were defined first): their ``__module__``
stays that, and `ideation.search.index` imports them, so existing indexes keep opening.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from typing import Any

from whoosh.codec.whoosh3 import W3Codec, W3PerDocReader
from whoosh.columns import NumericColumn
from whoosh.fields import COLUMN, ID, TEXT, Schema
from whoosh.formats import Positions
from whoosh.util.times import datetime_to_long

from ideation.search.analyzers import IdeaAnalyzer, analyzer_for
from ideation.search.segments import encode_positions
from ideation.search.whoosh_internals import LengthsPerDocReader

TEXT_FIELDS = ("title", "description", "comments")
# The name under which the classes below are pickled into existing indexes.
_PICKLED_AS = "ideation.search.index"


class IdeaCodec(W3Codec):
    """Whoosh's W3 codec, whose per-document reader keeps each field's length column as
    one bytes object: writing a segment asks for the field length of every posting, and
    Whoosh's reader answered each through four method calls and a file read (a sixth of a
    reindex). Same files; the class is pickled into the index's table of contents, so keep
    its name and module."""

    __module__ = _PICKLED_AS

    def per_document_reader(self, storage: Any, segment: Any) -> W3PerDocReader:
        return LengthsPerDocReader(storage, segment)


# Uncompressed posting blocks: zlib took a sixth of a reindex's commit and part of every
# search for 25 % smaller files (idea texts are small). Blocks of 1,024 postings instead of
# 128: a search reads a frequent word's postings whole, and each block cost an unpickled
# header and a file slice (ranking at 100,000 ideas took half the time).
CODEC = IdeaCodec(compression=0, blocklimit=1024)


class IdeaPositions(Positions):
    """Whoosh's Positions format (same encoded values), taking the words and positions of a
    text from `IdeaAnalyzer.positions` in one call instead of a Token per word. Pickled into
    the index's schema: keep its name and module."""

    __module__ = _PICKLED_AS

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


def document(doc: dict[str, Any]) -> dict[str, Any]:
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

