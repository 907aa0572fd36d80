"""“Download my data”: every row of every table that holds the person's data.

The tables are found from the schema, not from a list: every table with a column that points
at ``users.id`` gives the rows where that column is the person (so a table added later is in
the download without anyone remembering to add it), plus the rows tied to the person another
way: the photos of their ideas, stakeholder invitations to their address and the answers given
through them, invitations into a role sent to their address, and e-mails sent to them.
Secrets (password hash, session and link tokens) and e-mail bodies (they hold live links) are
left out.
"""

from __future__ import annotations

import enum
import json
from datetime import date, datetime
from typing import Any

from markupsafe import Markup
from sqlalchemy import Table, or_, select

from ideation.accounts.models import RoleInvitation, User
from ideation.challenges.models import Challenge
from ideation.core.models import OutgoingMail
from ideation.extensions import db
from ideation.ideas.models import Idea, IdeaImage
from ideation.validation.models import Answer, Invitation, Response

SECRET_COLUMNS = frozenset({"password_hash", "session_token", "token_hash", "token_nonce",
                            "body_text", "body_html", "last_error"})


def user_columns(table: Table) -> list[Any]:
    """The columns of ``table`` that point at a user."""
    return [column for column in table.columns
            if any(fk.column.table.name == "users" and fk.column.name == "id"
                   for fk in column.foreign_keys)]


def tables_with_people() -> list[Table]:
    return [table for table in db.metadata.sorted_tables if user_columns(table)]


def _plain(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, enum.Enum):
        return value.value
    return value


def _rows(table: Table, condition: Any) -> list[dict[str, Any]]:
    result = db.session.execute(select(table).where(condition).order_by(*table.primary_key))
    return [{key: _plain(value) for key, value in row._mapping.items()
             if key not in SECRET_COLUMNS} for row in result]


def my_data(user: User) -> dict[str, list[dict[str, Any]]]:
    """{table name: rows}, for the JSON download and the readable page."""
    data: dict[str, list[dict[str, Any]]] = {}
    for table in tables_with_people():
        condition = or_(*(column == user.id for column in user_columns(table)))
        data[table.name] = _rows(table, condition)
    data["users"] = _rows(User.__table__, User.__table__.c.id == user.id)
    own_ideas = select(Idea.id).where(Idea.author_id == user.id)
    data["idea_images"] = _rows(IdeaImage.__table__, IdeaImage.idea_id.in_(own_ideas))
    address = user.email
    mine = or_(Invitation.user_id == user.id, Invitation.email == address)
    data["invitations"] = _rows(Invitation.__table__, mine)
    responses = select(Response.id).join(Invitation, Invitation.id == Response.invitation_id) \
        .where(mine)
    data["responses"] = _rows(Response.__table__, Response.id.in_(responses))
    data["answers"] = _rows(Answer.__table__, Answer.response_id.in_(responses))
    data["role_invitations"] = _rows(
        RoleInvitation.__table__,
        or_(RoleInvitation.email == address, *(column == user.id for column in
                                               user_columns(RoleInvitation.__table__))))
    data["outgoing_mail"] = _rows(OutgoingMail.__table__, OutgoingMail.to_address == address)
    return {name: rows for name, rows in sorted(data.items())}


def readable(data: dict[str, list[dict[str, Any]]], default_language: str,
             ) -> dict[str, list[list[tuple[str, str | Markup, str | None]]]]:
    """The rows of ``my_data`` for the page: per value its text and, for text people may have
    written, the language it is in: the challenge's language when the row belongs to one,
    otherwise ``default_language``. Codes, numbers, dates and the person's own account row
    (names and addresses are in no language) have none; lists and objects are shown as JSON
    with each text in them marked (WCAG 3.1.2: a Dutch title inside the English page is marked
    as Dutch, the platform's own keys are not)."""
    languages = dict(db.session.execute(select(Challenge.id, Challenge.language)).all())

    def shown(table: str, row: dict[str, Any]) -> list[tuple[str, str | Markup, str | None]]:
        language = languages.get(row.get("challenge_id"))
        language = language.value if language is not None else default_language
        values: list[tuple[str, str | Markup, str | None]] = []
        for key, value in row.items():
            if isinstance(value, dict | list):
                values.append((key, _marked_json(value, language), None))
            elif value is None:
                values.append((key, "–", None))
            else:
                written = table != "users" and isinstance(value, str) and _is_text(value)
                values.append((key, str(value), language if written else None))
        return values

    return {table: [shown(table, row) for row in rows] for table, rows in data.items()}


def _is_text(value: str) -> bool:
    return " " in value.strip()


def _marked_json(value: Any, language: str) -> Markup:
    """``value`` as JSON text, each text in it in a span marked with ``language``."""
    if isinstance(value, dict):
        return Markup("{%s}") % Markup(", ").join(
            Markup("{}: {}").format(json.dumps(key, ensure_ascii=False),
                                     _marked_json(item, language))
            for key, item in value.items())
    if isinstance(value, list):
        return Markup("[%s]") % Markup(", ").join(_marked_json(item, language) for item in value)
    text = json.dumps(value, ensure_ascii=False)
    if isinstance(value, str) and _is_text(value):
        return Markup('<span lang="{}">{}</span>').format(language, text)
    return Markup.escape(text)
