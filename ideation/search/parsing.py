"""Reading what people type into a query: Whoosh's parser, made safe and bounded."""

from __future__ import annotations

import threading
from itertools import islice
from typing import Any

from whoosh.fields import Schema
from whoosh.qparser import MultifieldParser, OrGroup
from whoosh.qparser.plugins import (
    EveryPlugin,
    FieldsPlugin,
    PrefixPlugin,
    RangePlugin,
    WildcardPlugin,
)
from whoosh.query import AndNot, Every, MultiTerm, Not, NullQuery, Or, Prefix, Query, Term
from whoosh.searching import Searcher
from whoosh.support.charset import accent_map

from ideation.search.schema import TEXT_FIELDS, build_schema

MIN_PREFIX_CHARS = 3
MAX_PREFIX_TERMS = 10


def parse(searcher: Searcher, language: str, text: str) -> Query | None:
    """Parses user input; falls back to an OR of the analysed words."""
    try:
        q = _parser(language).parse(text)
        q = expand_prefixes(_exclude_negated(q), searcher).normalize()
    except Exception:
        q = None
    if q is None or isinstance(q, type(NullQuery)):
        return terms_query(searcher.schema, text)
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


def expand_prefixes(q: Query, searcher: Searcher) -> Query:
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
    return q.apply(lambda sub: expand_prefixes(sub, searcher))


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


def terms_query(schema: Schema, text: str) -> Query | None:
    words = dict.fromkeys(t.text for t in schema["title"].analyzer(text))
    if not words:
        return None
    return Or([Term(f, w) for w in words for f in TEXT_FIELDS])
