"""Hits with highlighted titles and snippets: Whoosh's highlighter's output, computed directly.

Whoosh's Highlighter (a fresh one per field and hit: HtmlFormatter keeps state) was half of a
search once ranking got fast: a generator per step and a Token copy per matched word. The
functions below give exactly its output for our fields: tokens of the field's analyser
(stop words kept, so they can be shown), BasicFragmentScorer, order FIRST, minscore 1 and
HtmlFormatter(tagname="mark", between=" … "). Whoosh's step that merges overlapping matched
tokens is left out: the analyser's regular expression never yields overlapping tokens.
"""

from __future__ import annotations

import heapq
from collections import deque
from collections.abc import Iterable
from dataclasses import dataclass
from html import escape
from typing import Any

from whoosh.query import Query
from whoosh.searching import Searcher

from ideation.search.analyzers import IdeaAnalyzer

SNIPPET_CHARS = 240


@dataclass(frozen=True)
class Hit:
    """One search result; the HTML fields are escaped apart from <mark> tags."""

    id: int
    title_html: str
    snippet_html: str
    score: float


_HIGHLIGHTED = ("title", "description")


def hits(searcher: Searcher, q: Query, scored: Iterable[tuple[int, float | None]]) -> list[Hit]:
    """Hits with highlighted title and snippet (only call it for the shown page)."""
    words = _query_words(searcher, q)
    return [_hit(searcher, docnum, score, words) for docnum, score in scored]


def _query_words(searcher: Searcher, q: Query) -> dict[str, frozenset[str]]:
    """The query's words per highlighted field, looked up once per search.

    Whoosh's highlight_hit looks them up again in the index for every hit and
    field: a fifth of the highlighting time.
    """
    schema, reader = searcher.schema, searcher.reader()
    # One call per field: without ``fieldname``, Whoosh 2.7.5's existing_terms()
    # overwrites its argument in its loop and drops every field but the first.
    return {
        name: frozenset(
            schema[name].from_bytes(btext)
            for _, btext in q.existing_terms(reader, expand=True, fieldname=name)
        )
        for name in _HIGHLIGHTED
    }


def _hit(
    searcher: Searcher, docnum: int, score: float | None, words: dict[str, frozenset[str]]
) -> Hit:
    fields = searcher.stored_fields(docnum)
    title = fields.get("title", "")
    description = fields.get("description", "")
    schema = searcher.schema
    title_html = highlight_title(title, words["title"], schema["title"].analyzer)
    snippet_html = highlight_snippet(
        description, words["description"], schema["description"].analyzer
    )
    return Hit(
        id=int(fields["id"]),
        title_html=title_html or escape(title, quote=False),
        snippet_html=snippet_html or escape(_shorten(description), quote=False),
        score=float(score or 0.0),
    )


def _shorten(text: str, limit: int = SNIPPET_CHARS) -> str:
    if len(text) <= limit:
        return text
    return text[:limit].rsplit(" ", 1)[0] + " …"


_CHARLIMIT = 2**15  # whoosh.highlight.DEFAULT_CHARLIMIT
_MARK = '<mark class="match term{}">{}</mark>'
_BETWEEN = " … "
_MAX_CLASSES = 5
_Token = tuple[int, int, str]  # startchar, endchar, term
_Fragment = tuple[int, int, list[_Token]]  # startchar, endchar, matched tokens


def _tokens(text: str, words: frozenset[str], analyzer: Any) -> list[tuple[int, int, str, bool]]:
    """(startchar, endchar, term, matched) of each word, stop words included."""
    if isinstance(analyzer, IdeaAnalyzer):
        return [(start, end, term, term in words) for start, end, term in analyzer.spans(text)]
    # Indexes built with the older filter chain keep Whoosh's analyser objects.
    return [
        (t.startchar, t.endchar, t.text, t.text in words)
        for t in analyzer(text, positions=True, chars=True, mode="index", removestops=False)
    ]


def _whole_fragment(text: str, words: frozenset[str], analyzer: Any) -> list[_Fragment]:
    """WholeFragmenter: the whole text, with the matched words before the character limit."""
    matches = []
    for start, end, term, matched in _tokens(text, words, analyzer):
        if end > _CHARLIMIT:
            break
        if matched:
            matches.append((start, end, term))
    return [(0, len(text), matches)]


def _context_fragments(  # noqa: C901 - ContextFragmenter.fragment_tokens, step by step
    text: str, words: frozenset[str], analyzer: Any
) -> list[_Fragment]:
    """ContextFragmenter(maxchars=SNIPPET_CHARS, surround=60): runs of matched words with up
    to ``surround`` characters of context around them."""
    maxchars, surround = SNIPPET_CHARS, 60
    fragments: list[_Fragment] = []
    first: int | None = None
    firsts: deque[int] = deque()
    countdown = -1
    tks: list[_Token] = []
    endchar = 0
    currentlen = 0
    for startchar, endchar, term, matched in _tokens(text, words, analyzer):  # noqa: B007
        tlength = endchar - startchar
        if endchar > _CHARLIMIT:
            break
        if countdown < 0 and not matched:
            firsts.append(startchar)
            while firsts and endchar - firsts[0] > surround:
                firsts.popleft()
        elif currentlen + tlength > maxchars:
            countdown = 0
        elif matched:
            countdown = surround
            if first is None:
                if firsts:
                    first = firsts[0]
                else:
                    first = startchar
                    countdown += surround
            tks.append((startchar, endchar, term))
        if countdown >= 0:
            currentlen += tlength
            countdown -= tlength
            if countdown <= 0:
                fragments.append((first or 0, min(len(text), endchar), tks))
                tks, firsts, first, currentlen = [], deque(), None, 0
    if tks:
        fragments.append((first or 0, min(len(text), endchar), tks))
    return fragments


def _format(text: str, fragments: list[_Fragment], top: int) -> str:
    """top_fragments() with BasicFragmentScorer, then HtmlFormatter.format()."""
    scored = [
        (len(matches) * ((len({term for _, _, term in matches}) * 100) or 1), start, i)
        for i, (start, _, matches) in enumerate(fragments)
    ]
    # Whoosh breaks a tie in score by the later start (Fragment.__lt__ under nlargest).
    best = sorted(
        (fragments[i] for score, _, i in heapq.nlargest(top, scored) if score >= 1),
        key=lambda f: f[0],
    )
    seen: dict[str, int] = {}
    out = []
    for start, end, matches in best:
        parts, index = [], start
        for m_start, m_end, _ in sorted(matches, key=lambda t: (t[0], t[0] - t[1])):
            if m_start < index:
                continue
            if m_start > index:
                parts.append(escape(text[index:m_start], quote=False))
            word = escape(text[m_start:m_end], quote=False)
            number = seen.setdefault(word, len(seen) % _MAX_CLASSES)
            parts.append(_MARK.format(number, word))
            index = m_end
        parts.append(escape(text[index:end], quote=False))
        out.append("".join(parts))
    return _BETWEEN.join(out)


def highlight_title(text: str, words: frozenset[str], analyzer: Any) -> str:
    if not text or not words:
        return ""
    return _format(text, _whole_fragment(text, words, analyzer), top=1)


def highlight_snippet(text: str, words: frozenset[str], analyzer: Any) -> str:
    if not text or not words:
        return ""
    return _format(text, _context_fragments(text, words, analyzer), top=2)
