"""The PostgreSQL search backend: full-text search shared by every host of the platform.

One row per searchable idea in ``idea_search`` (`IdeaSearchDocument`) with a ``tsvector`` and
a GIN index. The terms are not PostgreSQL's: they come from the same analysers as the Whoosh
index (`ideation.search.analyzers`), computed here and stored as a tsvector literal with their
positions and a weight per field (A title, B description, C comments), so "kinderen" finds
"kind" exactly as it does in Whoosh. A query goes through the same analysers into a tsquery.

Rows are written in the transaction that changes the idea (see `write`): no outbox, no file
lock, nothing to rebuild after a crash. Ranking is ``ts_rank_cd`` with the field weights of
the Whoosh schema (title twice a description or a comment), divided by the log of the
document's length (BM25 weighs length too); highlighting is the project's own
(`ideation.search.highlighting`) on the shown ideas' text.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from html import escape
from typing import Any

from sqlalchemy import bindparam, text
from sqlalchemy.orm import Session
from whoosh.support.charset import accent_map

from ideation.search.analyzers import IdeaAnalyzer, analyzer_for
from ideation.search.highlighting import (
    SNIPPET_CHARS,
    Hit,
    highlight_snippet,
    highlight_title,
)

MAX_QUERY_CHARS = 500
MAX_PER_PAGE = 100
MIN_PREFIX_CHARS = 3
# D (unused), C comments, B description, A title: Whoosh boosts the title 2.0, the rest 1.0.
RANK_WEIGHTS = "{0.25, 0.5, 0.5, 1.0}"
# 1: rank / (1 + log(number of words)), a longer text needs more matches for the same rank.
RANK_NORMALIZATION = 1
_FIELD_WEIGHTS = (("title", "A"), ("description", "B"), ("comments", "C"))
_MAX_POSITION = 16383  # PostgreSQL's largest tsvector position
_MAX_POSITIONS = 256  # and the most positions it keeps per lexeme
_MAX_LEXEME_BYTES = 2000  # below its 2046-byte limit


# --- documents -------------------------------------------------------------------------------


def _quote(term: str) -> str:
    """A lexeme as tsvector/tsquery input reads it back unchanged."""
    return "'" + term.replace("\\", "\\\\").replace("'", "''") + "'"


def document_literal(language: str, doc: dict[str, Any]) -> str:
    """The tsvector input of one search document (`services._documents`): every term of the
    analyser with its positions and its field's weight. The fields follow each other with a
    gap, so a phrase never runs from the title into the description."""
    analyzer = analyzer_for(language)
    assert isinstance(analyzer, IdeaAnalyzer)
    lexemes: dict[str, list[str]] = {}
    offset = 1
    for field, weight in _FIELD_WEIGHTS:
        value = doc.get(field) or ""
        if not isinstance(value, str):
            value = "\n".join(value)
        last = 0
        for term, positions in analyzer.positions(value).items():
            if len(term.encode()) > _MAX_LEXEME_BYTES:
                continue
            entry = lexemes.setdefault(term, [])
            for position in positions:
                if len(entry) < _MAX_POSITIONS:
                    entry.append(f"{min(offset + position, _MAX_POSITION)}{weight}")
                last = max(last, position)
        offset = min(offset + last + 2, _MAX_POSITION)
    return " ".join(f"{_quote(term)}:{','.join(ps)}" for term, ps in lexemes.items())


_UPSERT = text(
    "INSERT INTO idea_search (idea_id, challenge_id, theme_id, status, document) "
    "VALUES (:idea_id, :challenge_id, :theme_id, :status, CAST(:document AS tsvector)) "
    "ON CONFLICT (idea_id) DO UPDATE SET challenge_id = excluded.challenge_id, "
    "theme_id = excluded.theme_id, status = excluded.status, document = excluded.document"
)
_DELETE = text("DELETE FROM idea_search WHERE idea_id IN :ids").bindparams(
    bindparam("ids", expanding=True)
)


def store(
    session: Session, challenge_id: int, language: str, docs: Iterable[dict[str, Any]]
) -> int:
    """Writes (inserts or replaces) the rows of ``docs``; returns how many."""
    rows = [
        {
            "idea_id": int(doc["id"]),
            "challenge_id": challenge_id,
            "theme_id": doc.get("theme_id"),
            "status": str(doc.get("status") or "published"),
            "document": document_literal(language, doc),
        }
        for doc in docs
    ]
    if rows:
        session.execute(_UPSERT, rows)
    return len(rows)


def remove(session: Session, idea_ids: Sequence[int]) -> None:
    if idea_ids:
        session.execute(_DELETE, {"ids": list(idea_ids)})


def clear(session: Session, challenge_id: int) -> None:
    session.execute(text("DELETE FROM idea_search WHERE challenge_id = :c"), {"c": challenge_id})


# --- queries ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Query:
    """A tsquery and what highlighting needs of it: the terms, and the prefixes typed."""

    tsquery: str
    terms: frozenset[str]
    prefixes: tuple[str, ...]


# A quoted phrase, or a word as the analyser cuts them, with a "-" before or "*" after it.
_TOKEN = re.compile(r'(-?)"([^"]*)"|(-?)([\w\*]+(?:\.?[\w\*]+)*)')


def _fold(word: str) -> str:
    return word.lower().translate(accent_map)


def parse(language: str, query: str) -> Query | None:
    """What people type, as a tsquery: words are ORed (as in Whoosh's parser), "a AND b"
    needs both, "NOT c" or "-c" leaves out ideas with c, "a phrase" keeps its order, and
    "abc*" is a prefix (at least three letters, lowercased and accent-folded, not stemmed).
    None when nothing searchable is left (only stop words, say)."""
    analyzer = analyzer_for(language)
    assert isinstance(analyzer, IdeaAnalyzer)
    wanted: list[list[str]] = []  # OR of ANDs
    unwanted: list[str] = []
    terms: set[str] = set()
    prefixes: list[str] = []
    negate = join = False
    for match in _TOKEN.finditer(query[:MAX_QUERY_CHARS]):
        minus = bool(match.group(1) or match.group(3))
        phrase, word = match.group(2), match.group(4)
        if word in ("AND", "OR", "NOT"):
            negate = negate or word == "NOT"
            join = word == "AND" and bool(wanted)
            continue
        part: str | None = None
        if phrase is not None:
            found = [term for term, _ in analyzer.words(phrase)]
            terms.update(found)
            part = " <-> ".join(_quote(t) for t in found) if found else None
            if part and len(found) > 1:
                part = f"({part})"
        elif word.endswith("*") and "*" not in word[:-1]:
            prefix = _fold(word[:-1])
            if len(prefix) >= MIN_PREFIX_CHARS:
                prefixes.append(prefix)
                part = f"{_quote(prefix)}:*"
        elif "*" not in word:
            found = [term for term, _ in analyzer.words(word)]
            terms.update(found)
            part = " & ".join(_quote(t) for t in found) if found else None
        if part is not None:
            if minus or negate:
                unwanted.append(part)
            elif join:
                wanted[-1].append(part)
            else:
                wanted.append([part])
        negate = join = False
    if not wanted:
        return None
    tsquery = " | ".join("(" + " & ".join(group) + ")" for group in wanted)
    if unwanted:
        tsquery = f"({tsquery}) & !({' | '.join(unwanted)})"
    return Query(tsquery, frozenset(terms), tuple(prefixes))


def similar_query(language: str, value: str) -> Query | None:
    """Like Whoosh's `IdeaIndex.similar`: an OR of the analysed words over title and
    description, and the last word as a prefix of title words while it may be incomplete."""
    analyzer = analyzer_for(language)
    assert isinstance(analyzer, IdeaAnalyzer)
    words = list(dict.fromkeys(term for term, _ in analyzer.words(value)))[:32]
    parts = [f"{_quote(w)}:AB" for w in words]
    prefixes: list[str] = []
    raw = re.findall(r"\w+", value)
    if raw and not value[-1].isspace():
        partial = _fold(raw[-1])
        if len(partial) >= 4:
            prefixes.append(partial)
            parts.append(f"{_quote(partial)}:*A")
    if not parts:
        return None
    return Query(" | ".join(parts), frozenset(words), tuple(prefixes))


_RANK = f"ts_rank_cd(CAST('{RANK_WEIGHTS}' AS float4[]), s.document, q.q, {RANK_NORMALIZATION})"


def find(
    session: Session,
    challenge_id: int,
    q: Query,
    *,
    theme_id: int | None = None,
    status: str | None = None,
    exclude_id: int | None = None,
    offset: int = 0,
    limit: int = 20,
) -> tuple[int, list[tuple[int, float]]]:
    """(number of matches, (idea id, rank) of the page asked for), best first."""
    conditions = ["s.challenge_id = :challenge_id", "s.document @@ q.q"]
    params: dict[str, Any] = {"challenge_id": challenge_id, "q": q.tsquery,
                              "offset": offset, "limit": limit}
    if theme_id is not None:
        conditions.append("s.theme_id = :theme_id")
        params["theme_id"] = int(theme_id)
    if status is not None:
        conditions.append("s.status = :status")
        params["status"] = status
    if exclude_id is not None:
        conditions.append("s.idea_id <> :exclude_id")
        params["exclude_id"] = int(exclude_id)
    where = " AND ".join(conditions)
    rows = session.execute(
        text(
            # Only fixed conditions are joined in; the values are bound parameters.
            f"SELECT s.idea_id, {_RANK} AS rank, count(*) OVER () AS total "  # noqa: S608
            "FROM idea_search s, (SELECT CAST(:q AS tsquery) AS q) q "
            f"WHERE {where} ORDER BY rank DESC, s.idea_id LIMIT :limit OFFSET :offset"
        ),
        params,
    ).all()
    if rows:
        return int(rows[0].total), [(row.idea_id, float(row.rank)) for row in rows]
    if offset == 0:
        return 0, []
    params.pop("offset"), params.pop("limit")
    total = session.execute(
        text(f"SELECT count(*) FROM idea_search s, (SELECT CAST(:q AS tsquery) AS q) q "  # noqa: S608
             f"WHERE {where}"),
        params,
    ).scalar_one()
    return int(total), []


def hit(language: str, q: Query, idea_id: int, title: str, description: str,
        score: float) -> Hit:
    """A hit with the matched words marked, as the Whoosh backend marks them."""
    analyzer = analyzer_for(language)
    assert isinstance(analyzer, IdeaAnalyzer)
    title_words = _matched(analyzer, title, q)
    description_words = _matched(analyzer, description, q)
    title_html = highlight_title(title, title_words, analyzer)
    snippet_html = highlight_snippet(description, description_words, analyzer)
    return Hit(
        id=idea_id,
        title_html=title_html or escape(title, quote=False),
        snippet_html=snippet_html or escape(_shorten(description), quote=False),
        score=score,
    )


def _matched(analyzer: IdeaAnalyzer, value: str, q: Query) -> frozenset[str]:
    if not q.prefixes:
        return q.terms
    extra = {term for _, _, term in analyzer.spans(value) if term.startswith(q.prefixes)}
    return q.terms | extra


def _shorten(value: str, limit: int = SNIPPET_CHARS) -> str:
    if len(value) <= limit:
        return value
    return value[:limit].rsplit(" ", 1)[0] + " …"
