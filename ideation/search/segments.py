"""Writing the segments of a full reindex, term by term instead of posting by posting.

Whoosh's SegmentWriter serves any schema and any change to a live index: each word of each
document becomes a tuple in a sorting pool, and when the segment is written every posting goes
through five method calls and every word's block through two pickles, a struct and a table row.
For a full reindex of ideas that generic path was nearly all of the time.

`SegmentsWriter` writes the same W3 files (term table, posting blocks, stored fields, value
columns, field lengths, compound file) that Whoosh's own reader and merges read, from each
word's postings kept together in memory as one flat list per word:

- a text field whose analyser can list a text's words with their positions in one call
  (`IdeaAnalyzer.positions`) takes them from there, with no Token object per word;
- a word's postings are written as whole blocks, their statistics taken per block;
- a block's ids, weights and position values are pickled with the newest pickle protocol:
  protocol 2 (Whoosh's) turns each position value into a call to ``_codecs.encode``, five times
  slower to write and slower to read back; Whoosh's reader unpickles any protocol.

Postings are held in memory; when they pass ``limitmb`` the segment is written and the next
documents go to a new one, so memory stays bounded as with Whoosh's pool (which spilled to
sorted runs on disk instead).

The documents are the field dicts `whoosh.writing.SegmentWriter.add_document` takes, without
its ``_boost`` / ``_stored_`` keys. Fields with spelling or term vectors are not supported.
"""

from __future__ import annotations

import pickle
import zlib
from array import array
from operator import sub
from typing import Any

from whoosh.codec.whoosh3 import WHOOSH3_HEADER_MAGIC, W3Codec, W3TermInfo
from whoosh.fields import FieldType, UnknownFieldError
from whoosh.formats import Positions
from whoosh.index import FileIndex
from whoosh.system import pack_int, pack_uint, pack_ushort
from whoosh.util.numeric import byte_to_length, length_to_byte

from ideation.search.whoosh_internals import (
    add_block,
    block_settings,
    commit_toc,
    field_number,
    field_writer_files,
)

_PROTOCOL = pickle.HIGHEST_PROTOCOL
# Memory per posting held: 103 bytes measured with tracemalloc over 20,000 of the benchmark's
# idea texts (four list slots and the list's spare room, the position value, the words' dicts
# and lists, the stored fields and columns held until the segment is written). ``limitmb`` is
# counted in these.
POSTING_BYTES = 110
_SHARED_WEIGHTS = 64  # weights of frequencies below this are shared float objects


class _Field:
    """How one schema field of a document is written."""

    def __init__(self, name: str, field: FieldType) -> None:
        if field.separate_spelling() or field.vector:
            raise ValueError(f"field {name!r}: spelling and term vectors are not supported")
        self.name = name
        self.field = field
        self.indexed = bool(field.indexed)
        self.scorable = bool(field.scorable)
        self.stored = bool(field.stored)
        self.column = field.column_type
        analyzer = getattr(field, "analyzer", None)
        # Positions' own encoding of a word's positions; the weight is its count times the
        # field's boost, as Positions.word_values gives them.
        self.positions = (
            analyzer.positions
            if isinstance(field.format, Positions) and hasattr(analyzer, "positions")
            else None
        )
        boost = field.format.field_boost if field.format else 1.0
        self.weights = [n * boost for n in range(_SHARED_WEIGHTS)]
        self.boost = boost


class _Builder:
    """One new segment of ``ix`` (see the module docstring)."""

    def __init__(self, ix: FileIndex, codec: W3Codec, fields: dict[str, _Field]) -> None:
        self._storage = ix.storage
        self._codec = codec
        self._fields = fields
        self.segment = codec.new_segment(ix.storage, ix.indexname)
        self._perdoc = codec.per_document_writer(ix.storage, self.segment)
        self._fieldwriter = codec.field_writer(ix.storage, self.segment)
        # field name -> word (str from an analyser, bytes otherwise) -> flat list of
        # (docnum, weight, position value, stored field length) per document
        self._postings: dict[str, dict[Any, list]] = {n: {} for n, f in fields.items() if f.indexed}
        self.docs = 0
        self.postings = 0

    def add(self, document: dict[str, Any]) -> None:
        docnum = self.docs
        perdoc = self._perdoc
        perdoc.start_doc(docnum)
        for name in sorted(document):
            value = document[name]
            if value is None:
                continue
            spec = self._fields.get(name)
            if spec is None:
                raise UnknownFieldError(f"No field named {name!r} in the schema")
            length = self._index(spec, docnum, value) if spec.indexed else 0
            perdoc.add_field(name, spec.field, value if spec.stored else None, length)
            if spec.column is not None:
                perdoc.add_column_value(name, spec.column, spec.field.to_column_value(value))
        perdoc.finish_doc()
        self.docs += 1

    def _index(self, spec: _Field, docnum: int, value: Any) -> int:
        """Adds the postings of one field value; returns its length (0 if not scorable)."""
        words = self._postings[spec.name]
        if spec.positions is not None:
            found = spec.positions(value)
            length = sum(map(len, found.values())) if spec.scorable else 0
            stored = _stored_length(length)
            shared = spec.weights
            for word, poslist in found.items():
                count = len(poslist)
                if count == 1:
                    encoded = _one_position(poslist[0])
                    weight = shared[1]
                else:
                    encoded = encode_positions(poslist)
                    weight = shared[count] if count < _SHARED_WEIGHTS else count * spec.boost
                entry = words.get(word)
                if entry is None:
                    words[word] = [docnum, weight, encoded, stored]
                else:
                    entry += (docnum, weight, encoded, stored)
            self.postings += len(found)
            return length
        items = list(spec.field.index(value))
        length = sum(freq for _, freq, _, _ in items) if spec.scorable else 0
        stored = _stored_length(length)
        for btext, _freq, weight, encoded in items:
            entry = words.get(btext)
            if entry is None:
                words[btext] = entry = []
            entry += (docnum, float(weight), encoded or b"", stored)
        self.postings += len(items)
        return length

    def finish(self) -> Any:
        """Writes the segment's files; returns the segment (None when it has no documents)."""
        self._perdoc.close()
        fieldwriter = self._fieldwriter
        if not self.docs:
            fieldwriter.close()
            return None
        postfile, terms = field_writer_files(fieldwriter)
        writer = _TermWriter(postfile, self._codec)
        for name in sorted(self._postings):
            words = self._postings[name]
            if not words:
                continue
            spec = self._fields[name]
            fieldwriter.start_field(name, spec.field)
            prefix = pack_ushort(field_number(fieldwriter))
            fixed = spec.field.format.fixed_value_size()
            by_bytes = sorted(
                ((w.encode("utf-8") if isinstance(w, str) else w), p) for w, p in words.items()
            )
            words.clear()
            for btext, flat in by_bytes:
                terms.add(prefix + btext, writer.write(flat, fixed))
            fieldwriter.finish_field()
        fieldwriter.close()
        segment = self.segment
        segment.set_doc_count(self.docs)
        if segment.should_assemble():
            segment.create_compound_file(self._storage)
            segment.compound = True
        return segment

    def cancel(self) -> None:
        for writer in (self._perdoc, self._fieldwriter):
            if not writer.is_closed:
                writer.close()


class _TermWriter:
    """Writes one word's postings as W3 posting blocks; returns its term info bytes.

    The same blocks `W3PostingsWriter` writes posting by posting: up to ``blocklimit``
    postings a block, each a length (negative for the last), a pickled header (count, last
    id, highest weight, compression, shortest and longest field length as bytes) and the
    pickled (id deltas from 0, weights: None if all 1.0, one float if all equal, values).
    """

    def __init__(self, postfile: Any, codec: W3Codec) -> None:
        self._postfile = postfile
        self._offset = postfile.tell()
        self._limit, self._compression = block_settings(codec)

    def write(self, flat: list, fixed: int | None) -> bytes:
        ids, weights, values, lengths = flat[0::4], flat[1::4], flat[2::4], flat[3::4]
        total = len(ids)
        info = W3TermInfo()
        parts = [WHOOSH3_HEADER_MAGIC]
        size = len(WHOOSH3_HEADER_MAGIC)
        limit = self._limit
        for start in range(0, total, limit):
            end = min(start + limit, total)
            block_ids = ids[start:end]
            floats = array("f", weights[start:end])  # weights are kept as 32-bit floats
            first = floats[0]
            if floats.count(first) == len(floats):
                mini_weights: Any = None if first == 1.0 else first
            else:
                mini_weights = tuple(floats)
            block_values = values[start:end]
            if fixed is None or fixed < 0:
                mini_values: Any = tuple(filter(None, block_values))
            elif fixed == 0:
                mini_values = None
            else:
                mini_values = b"".join(block_values)
            data = pickle.dumps(
                ((block_ids[0], *map(sub, block_ids[1:], block_ids[:-1])), mini_weights,
                 mini_values),
                _PROTOCOL,
            )
            if self._compression:
                data = zlib.compress(data, self._compression)
            top = max(weights[start:end])
            top_weight = top if top > 0 else 0
            block_lengths = [n for n in lengths[start:end] if n]
            shortest = min(block_lengths) if block_lengths else None
            longest = max(block_lengths) if block_lengths else 0
            header = pickle.dumps(
                (end - start, block_ids[-1], top_weight, self._compression,
                 length_to_byte(shortest), length_to_byte(longest)),
                2,
            )
            block_size = len(header) + len(data)
            parts += (pack_int(-block_size if end == total else block_size), header, data)
            size += 4 + block_size
            add_block(info, weight=sum(floats), count=end - start, first_id=block_ids[0],
                      last_id=block_ids[-1], shortest=shortest, longest=longest,
                      top_weight=top_weight, first=start == 0)
        self._postfile.write(b"".join(parts))
        info.set_extent(self._offset, size)
        self._offset += size
        return info.to_bytes()


class SegmentsWriter:
    """Adds documents to new segments of ``ix`` (written with ``codec``), starting another
    segment whenever the postings held pass ``limitmb``. `finish` returns the segments for
    the caller to list in the index's table of contents (`commit_segments`)."""

    def __init__(self, ix: FileIndex, codec: W3Codec, limitmb: float) -> None:
        schema = ix.schema
        self._ix = ix
        self._codec = codec
        self._limit = max(1, int(limitmb * 1024 * 1024 / POSTING_BYTES))
        self._fields = {name: _Field(name, schema[name]) for name in schema.names()}
        self._segments: list[Any] = []
        self._current: _Builder | None = None

    def add(self, document: dict[str, Any]) -> None:
        if self._current is None:
            self._current = _Builder(self._ix, self._codec, self._fields)
        self._current.add(document)
        if self._current.postings >= self._limit:
            self._close_current()

    def _close_current(self) -> None:
        current, self._current = self._current, None
        if current is not None:
            segment = current.finish()
            if segment is not None:
                self._segments.append(segment)

    def finish(self) -> list[Any]:
        """Writes the open segment; returns every segment written."""
        self._close_current()
        return self._segments

    def cancel(self) -> None:
        if self._current is not None:
            self._current.cancel()
            self._current = None


def commit_segments(ix: FileIndex, codec: W3Codec, segments: list[Any]) -> None:
    """Makes ``segments`` the content of ``ix``, a new index nobody else writes: one table of
    contents naming them, written under Whoosh's lock as its writers write theirs."""
    commit_toc(ix.writer(codec=codec), segments)


_ONE_POSITION: dict[int, bytes] = {}


def _one_position(pos: int) -> bytes:
    """Positions.encode([pos]), kept: most words occur once in an idea."""
    encoded = _ONE_POSITION.get(pos)
    if encoded is None:
        encoded = encode_positions([pos])
        if pos < 4096:
            _ONE_POSITION[pos] = encoded
    return encoded


def encode_positions(poslist: list[int]) -> bytes:
    """Positions.encode: the count, then the pickled position deltas (also what
    `IdeaPositions` gives Whoosh's own writer)."""
    deltas = [poslist[0], *map(sub, poslist[1:], poslist[:-1])]
    return pack_uint(len(deltas)) + pickle.dumps(deltas, 2)


def _stored_length(length: int) -> int:
    """The field length Whoosh's reader gives back for ``length`` (stored as one byte)."""
    byte = length_to_byte(length)
    return byte_to_length(byte) if byte else 0
