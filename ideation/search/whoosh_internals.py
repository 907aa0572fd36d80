"""Every use of Whoosh's private names, in one place (ruff's SLF rule forbids them elsewhere).

Speed needed a few of them: the search ranks and the reindex writes through Whoosh's codec
below its public API. whoosh-reloaded is pinned to the exact version (pyproject.toml) these
were written against; tests/search/test_ranking.py, test_segments.py and test_writing.py
compare what they give with Whoosh's own public path, so an upgrade that changes any of them
fails there first.

=========================================  =================================================
private name (Whoosh 2.7.5)                 used for
=========================================  =================================================
``whoosh.codec.whoosh3._lenfield``          the name of a field's length column
``W3PerDocReader._cached_reader``           that column's reader
``W3PerDocReader._doccount``                documents in the segment
``SegmentReader._perdoc``                   a segment reader's per-document reader
``_dbfile``, ``_basepos``, ``_count``       a column reader's bytes (one byte per document)
``FilterMatcher._ids``                      the deleted documents a postings matcher skips
``W3LeafMatcher._byteids``                  ids stored as bytes (not our schema's layout)
``W3LeafMatcher._read_data()``, ``_data``   one posting block: id deltas and weights
``W3LeafMatcher._maxid``, ``_next_block()`` the block's last id; the next block
``W3FieldWriter._postfile``, ``_tindex``    the posting file and the term table it writes
``W3FieldWriter._fieldid``                  the number of the field being written
``W3Codec._blocklimit``, ``_compression``   the posting block settings of a codec
``W3TermInfo._weight`` ... ``_maxid``       a term's statistics, added to block by block
``SegmentWriter._close_segment()``          an index writer's own (empty) segment, closed
``SegmentWriter._commit_toc()``             a table of contents naming given segments
``SegmentWriter._finish()``                 releases Whoosh's lock and temporary files
``FileIndex._segments()``                   the segments of an index (tests)
=========================================  =================================================
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from whoosh.codec.whoosh3 import (
    LENGTHS_COLUMN,
    W3Codec,
    W3LeafMatcher,
    W3PerDocReader,
    W3TermInfo,
    _lenfield,
)
from whoosh.index import FileIndex
from whoosh.matching.wrappers import FilterMatcher
from whoosh.reading import IndexReader
from whoosh.util.numeric import byte_to_length

# The field length a stored length byte stands for.
LENGTH_OF = [byte_to_length(b) for b in range(256)]


# --- field lengths -------------------------------------------------------------------------


def _column_bytes(perdoc: W3PerDocReader, fieldname: str) -> bytes:
    """One byte per document: the field's stored lengths (b"" for a field without them)."""
    column = perdoc._cached_reader(_lenfield(fieldname), LENGTHS_COLUMN)
    return b"" if column is None else column._dbfile.get(column._basepos, column._count)


def length_bytes(reader: IndexReader, fieldname: str) -> bytes:
    """The length column of ``fieldname`` in one segment reader, as Whoosh's own
    doc_field_length() reads it; AttributeError for a reader of another kind."""
    return _column_bytes(reader._perdoc, fieldname)


class LengthsPerDocReader(W3PerDocReader):
    """W3PerDocReader keeping each field's length column as one bytes object (see
    `ideation.search.schema.IdeaCodec`)."""

    def doc_field_length(self, docnum: int, fieldname: str, default: int = 0) -> int:
        lengths = self.__dict__.setdefault("_length_bytes", {})
        data = lengths.get(fieldname)
        if data is None:
            # Fields without lengths (the ID fields) are asked too: remember that as b"".
            data = _column_bytes(self, fieldname)
            lengths[fieldname] = data
        if 0 <= docnum < len(data):
            return LENGTH_OF[data[docnum]] if data[docnum] else default
        if 0 <= docnum < self._doccount:
            # A column ends at the last document with a value; Whoosh's reader answered the
            # documents after it with None instead of the default.
            return default
        return super().doc_field_length(docnum, fieldname, default)


# --- posting blocks ------------------------------------------------------------------------


def without_deletions(matcher: Any) -> tuple[Any, Any]:
    """(the matcher of all postings, the deleted document numbers it skipped, or ())."""
    if isinstance(matcher, FilterMatcher):  # the segment has deletions
        return matcher.child, matcher._ids
    return matcher, ()


def reads_blocks(matcher: Any) -> bool:
    """Whether `posting_blocks` can read this matcher (our codec's leaf matcher)."""
    return isinstance(matcher, W3LeafMatcher) and not matcher._byteids


def posting_blocks(matcher: W3LeafMatcher) -> Iterator[tuple[Any, Any, int]]:
    """(id deltas, the first from 0; weights; the block's last id) of each posting block.

    Weights are None when all are 1.0, one float when all are equal, else one per posting.
    """
    while matcher.is_active():
        matcher._read_data()
        yield matcher._data[0], matcher._data[1], matcher._maxid
        matcher._next_block()


# --- writing segments ----------------------------------------------------------------------


def field_writer_files(fieldwriter: Any) -> tuple[Any, Any]:
    """(the posting file, the term table) of a W3FieldWriter, as it writes them."""
    return fieldwriter._postfile, fieldwriter._tindex


def field_number(fieldwriter: Any) -> int:
    """The number of the field a W3FieldWriter is writing (the prefix of its terms)."""
    return fieldwriter._fieldid


def block_settings(codec: W3Codec) -> tuple[int, int]:
    """(postings per block, zlib level) of a codec."""
    return codec._blocklimit, codec._compression


def add_block(
    info: W3TermInfo,
    *,
    weight: float,
    count: int,
    first_id: int,
    last_id: int,
    shortest: int | None,
    longest: int,
    top_weight: float,
    first: bool,
) -> None:
    """W3TermInfo.add_block, from a block's figures instead of a block object."""
    info._weight += weight
    info._df += count
    if first:
        info._minid = first_id
    if info._minlength is None:
        info._minlength = shortest
    elif shortest is not None:
        info._minlength = min(info._minlength, shortest)
    info._maxlength = max(info._maxlength, longest)
    info._maxweight = max(info._maxweight, top_weight)
    info._maxid = last_id


def commit_toc(writer: Any, segments: list[Any]) -> None:
    """Writes a table of contents naming ``segments`` with an index writer, as Whoosh's
    MpWriter does; the writer's own segment stays empty."""
    try:
        writer._close_segment()
        writer._commit_toc(segments)
    finally:
        writer._finish()  # releases the lock, deletes the shared temp folder


def segments_of(ix: FileIndex) -> list[Any]:
    """The segments of an index (for tests)."""
    return ix._segments()
