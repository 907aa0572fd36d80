"""Import ideas gathered on paper, in sessions or in Pol.is into a challenge.

Two file formats, recognised by their header line. Both are UTF-8, with or without a BOM.

**Our format** (comma or semicolon separated; Dutch Excel saves "CSV" with semicolons)::

    title,description,theme,author
    Eén loket,Alle hulp op één plek.,Kinderen centraal,Marieke

* ``title``: required, at most 120 characters.
* ``description``: required.
* ``theme``: optional; the name of one of the challenge's themes, case does not matter.
  Unknown names are refused unless themes may be created (``--create-themes``).
* ``author``: optional, at most 100 characters; shown as the author instead of an account.

Only ``title`` and ``description`` must be in the header; the column order is free. Text with
the separator in it goes between double quotes, as Excel does on its own.

**Pol.is** ``comments.csv`` (timestamp, datetime, comment-id, author-id, agrees, disagrees,
moderated, comment-body): each statement becomes an idea without a theme. The title is its
first sentence, or its first 80 characters cut at a word, and the description the full text.
Statements that Pol.is moderated out (``moderated`` is -1) are refused.

Decisions:

* The whole file is read and checked before anything is stored, so a file that cannot be read
  stores nothing. Refused rows do not stop the others.
* A row whose title and description (ignoring case and spacing) already exist as an idea of
  the challenge, in any status, counts as "already imported": re-running a file, also after a
  crash half-way, adds nothing twice.
* Imported ideas have no account (``author_id`` None) and ``source`` "import"; they are
  published, or pending when the challenge pre-moderates. They are not bound to the dream
  phase: the core team also brings in paper ideas later.
* Each imported idea gets an "idea.imported" audit event, not public: ten thousand imports
  should not flood the challenge timeline.
"""

from __future__ import annotations

import csv
import hashlib
import io
import re
from collections.abc import Callable
from dataclasses import dataclass, field

from sqlalchemy import select

from ideation.accounts.models import User
from ideation.challenges.models import Challenge, Theme
from ideation.challenges.services import add_theme
from ideation.core.audit import record_event
from ideation.core.permissions import ensure_admin
from ideation.extensions import db
from ideation.ideas.models import Idea, IdeaStatus
from ideation.ideas.visibility import settings_for

OUR_COLUMNS = ("title", "description", "theme", "author")
POLIS_COLUMNS = ("comment-body", "moderated")
MAX_TITLE = 120
MAX_AUTHOR = 100
MAX_THEME = 100
POLIS_TITLE = 80
BATCH_SIZE = 500
SOURCE = "import"

# A sentence ends at . ! ? before a space, or at a CJK full stop (written without a space).
_SENTENCE = re.compile(r"^(.+?(?:[.!?](?=\s|$)|[。！？]))")


class ImportFileError(ValueError):
    """The file as a whole cannot be imported; nothing was stored."""


@dataclass(frozen=True)
class Row:
    """One data row of the file: its line number and the values by (lower-case) column."""

    line: int
    values: dict[str, str]
    extra: int = 0  # filled-in values beyond the header's columns


@dataclass(frozen=True)
class ImportFile:
    format: str  # "ideation" or "polis"
    rows: list[Row]


@dataclass(frozen=True)
class Refusal:
    line: int
    reason: str


@dataclass
class ImportResult:
    format: str
    imported_ids: list[int] = field(default_factory=list)
    already_imported: int = 0
    refused: list[Refusal] = field(default_factory=list)
    created_themes: list[str] = field(default_factory=list)

    @property
    def imported(self) -> int:
        return len(self.imported_ids)


@dataclass(frozen=True)
class _Candidate:
    line: int
    title: str
    description: str
    theme_name: str
    author: str | None


# --- reading the file ---------------------------------------------------------------------


def read_import_file(data: bytes) -> ImportFile:
    """Decode and parse the whole file; raises ImportFileError when it cannot be used."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise ImportFileError(
            f"the file is not UTF-8 text (byte 0x{data[error.start]:02x} at position "
            f"{error.start}); save it as 'CSV UTF-8'"
        ) from error
    if "\x00" in text:
        raise ImportFileError("the file contains NUL bytes; it is not a CSV text file")
    if not text.strip():
        raise ImportFileError("the file is empty")
    first_line = text.split("\n", 1)[0]
    delimiter = ";" if first_line.count(";") > first_line.count(",") else ","
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        header = [name.strip().lower() for name in next(reader)]
        file_format = _detect_format(header)
        rows = []
        while True:
            line = reader.line_num + 1
            try:
                values = next(reader)
            except StopIteration:
                break
            extra = sum(1 for value in values[len(header):] if value.strip())
            rows.append(Row(line, dict(zip(header, values, strict=False)), extra))
    except csv.Error as error:
        raise ImportFileError(f"line {reader.line_num}: {error}") from error
    return ImportFile(file_format, rows)


def _detect_format(header: list[str]) -> str:
    if all(name in header for name in POLIS_COLUMNS):
        return "polis"
    if "title" in header and "description" in header:
        unknown = [name for name in header if name and name not in OUR_COLUMNS]
        if unknown:
            raise ImportFileError(
                f"unknown column(s) {', '.join(map(repr, unknown))}; "
                f"use {', '.join(OUR_COLUMNS)}"
            )
        return "ideation"
    raise ImportFileError(
        "unrecognised header; expected the columns title,description,theme,author "
        "or a Pol.is comments.csv"
    )


# --- checking rows ------------------------------------------------------------------------


def polis_title(body: str) -> str:
    """The first sentence, or the first 80 characters cut at a word boundary with '…'."""
    body = " ".join(body.split())
    sentence = _SENTENCE.match(body)
    if sentence and len(sentence.group(1)) <= POLIS_TITLE:
        return sentence.group(1)
    if len(body) <= POLIS_TITLE:
        return body
    cut = body[:POLIS_TITLE]
    if " " in cut and body[POLIS_TITLE] != " ":
        cut = cut.rsplit(" ", 1)[0]
    return cut.rstrip(" ,;:-") + "…"


def _check_ours(row: Row) -> _Candidate | str:
    """The row as a candidate idea, or the reason it is refused."""
    values = {name: row.values.get(name, "").strip() for name in OUR_COLUMNS}
    if not any(values.values()) and not row.extra:
        return "empty row"
    if row.extra:
        return (f"{row.extra} value(s) more than the header has columns; "
                "put text containing the separator between double quotes")
    if not values["title"]:
        return "missing title"
    if not values["description"]:
        return "missing description"
    if len(values["title"]) > MAX_TITLE:
        return f"title longer than {MAX_TITLE} characters ({len(values['title'])})"
    if len(values["author"]) > MAX_AUTHOR:
        return f"author name longer than {MAX_AUTHOR} characters"
    if len(values["theme"]) > MAX_THEME:
        return f"theme name longer than {MAX_THEME} characters"
    return _Candidate(row.line, values["title"], values["description"], values["theme"],
                      values["author"] or None)


def _check_polis(row: Row) -> _Candidate | str:
    body = row.values.get("comment-body", "").strip()
    if not any(value.strip() for value in row.values.values()):
        return "empty row"
    if row.values.get("moderated", "").strip() == "-1":
        return "moderated out in Pol.is"
    if not body:
        return "missing comment-body"
    return _Candidate(row.line, polis_title(body), body, "", None)


def _text_key(title: str, description: str) -> bytes:
    """Identity of an idea's text, ignoring case and spacing, for finding earlier imports."""
    normal = "\x1f".join(" ".join(part.split()).casefold() for part in (title, description))
    return hashlib.sha256(normal.encode()).digest()


def _existing_keys(challenge: Challenge) -> set[bytes]:
    rows = db.session.execute(
        select(Idea.title, Idea.description).where(Idea.challenge_id == challenge.id)
    )
    return {_text_key(title, description) for title, description in rows}


# --- storing ------------------------------------------------------------------------------


def import_ideas(actor: User | None, challenge: Challenge, file: ImportFile, *,
                 create_themes: bool = False, batch_size: int = BATCH_SIZE,
                 after_batch: Callable[[int], None] | None = None) -> ImportResult:
    """Add the file's ideas to ``challenge``; admins only, None is the CLI.

    Rows are handled in batches of ``batch_size``; after each batch is flushed,
    ``after_batch(rows_in_batch)`` runs, so the caller can commit and show progress. Without
    it, everything stays in the session for the caller to commit.
    """
    if actor is not None:
        ensure_admin(actor)
    check = _check_polis if file.format == "polis" else _check_ours
    status = (IdeaStatus.pending if settings_for(challenge).is_premoderated
              else IdeaStatus.published)
    themes = {theme.name.casefold(): theme.id for theme in challenge.themes}
    existing = _existing_keys(challenge)
    seen: dict[bytes, int] = {}
    result = ImportResult(file.format)
    for start in range(0, len(file.rows), batch_size):
        batch = file.rows[start:start + batch_size]
        ideas: list[tuple[Idea, int]] = []
        for row in batch:
            outcome = check(row)
            if isinstance(outcome, str):
                result.refused.append(Refusal(row.line, outcome))
                continue
            theme_id = _theme_id(actor, challenge, themes, outcome.theme_name, create_themes,
                                 result)
            if isinstance(theme_id, str):
                result.refused.append(Refusal(row.line, theme_id))
                continue
            key = _text_key(outcome.title, outcome.description)
            if key in seen:
                result.refused.append(Refusal(row.line, f"duplicate of line {seen[key]}"))
                continue
            seen[key] = row.line
            if key in existing:
                result.already_imported += 1
                continue
            idea = Idea(challenge_id=challenge.id, title=outcome.title,
                        description=outcome.description, theme_id=theme_id, status=status,
                        source=SOURCE, imported_author=outcome.author)
            ideas.append((idea, row.line))
        result.imported_ids.extend(_store(actor, challenge, ideas, file.format))
        if after_batch is not None:
            after_batch(len(batch))
    return result


def _theme_id(actor: User | None, challenge: Challenge, themes: dict[str, int], name: str,
              create: bool, result: ImportResult) -> int | None | str:
    """The theme's id (None without a theme), or the reason the row is refused."""
    if not name:
        return None
    if name.casefold() in themes:
        return themes[name.casefold()]
    if not create:
        return f"unknown theme '{name}'"
    theme: Theme = add_theme(actor, challenge, name)  # flushes, through its audit event
    themes[name.casefold()] = theme.id
    result.created_themes.append(theme.name)
    return theme.id


def _store(actor: User | None, challenge: Challenge, ideas: list[tuple[Idea, int]],
           file_format: str) -> list[int]:
    """Insert the batch in one flush, then its audit events in another."""
    db.session.add_all([idea for idea, _line in ideas])
    db.session.flush()
    for idea, line in ideas:
        record_event(actor, "idea.imported", idea, challenge=challenge, new=idea.status,
                     details={"format": file_format, "line": line})
    db.session.flush()
    return [idea.id for idea, _line in ideas]
