"""The demo, made hostile: a stored-XSS payload in every text field people can write.

``build_hostile_data`` loads the demo (two challenges: ideas, clusters, concepts with scores,
a prototype with versions and photos, a decided and an open validation round), adds what the
demo lacks (ideas waiting for a check, hidden with a reason, withdrawn, anonymous, imported
from a file with a new theme and an author; reports, a dismissed one with a note; a hidden
comment; a photo with a description), and then overwrites every user-writable text column,
and the texts kept in JSON (question options, notification titles, the decision's minority
report, log details), with payloads from ``tests/xss.py``. The search index is rebuilt from
the result, so search pages (whose highlights are marked safe) show payloads too.

``USER_TEXT`` lists the columns people write; ``NOT_USER_TEXT`` every other text column with
the reason it is not filled. A new text column that is in neither list fails
``test_every_text_column_is_either_hostile_or_explained``.
"""

from __future__ import annotations

import io
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from flask import Flask
from werkzeug.datastructures import FileStorage

from ideation.extensions import db
from tests.xss import MARK, PAYLOADS, payload_text

# table -> columns people type into (directly, or through an import file).
USER_TEXT: dict[str, tuple[str, ...]] = {
    "users": ("name", "pseudonym"),
    "privacy_statements": ("body_nl", "body_en"),
    "challenges": ("title", "question", "description", "image_alt", "licence"),
    "themes": ("name", "description"),
    "ideas": ("title", "description", "hidden_reason", "imported_author"),
    "idea_images": ("alt_text",),
    "comments": ("body",),
    "reports": ("reason", "resolution_note"),
    "clusters": ("name", "summary"),
    # Made from the ideas' words (and renamed by the team): people's text.
    "suggested_groups": ("name", "summary"),
    "concepts": ("title", "dream_big", "realistic"),
    "concept_criteria": ("name", "help_text"),
    "concept_scores": ("note",),
    "prototypes": ("title",),
    "prototype_versions": ("description", "changes", "change_reason"),
    "prototype_images": ("alt_text",),
    "validation_rounds": ("title", "intro"),
    "stakeholder_groups": ("name",),
    "questions": ("text", "help_text", "low_label", "high_label", "options"),
    "invitations": ("name",),
    "answers": ("text",),
    "decisions": ("rationale", "report"),
    "decision_concerns": ("summary", "answer"),
    "audit_events": ("reason", "details"),
    "notifications": ("params",),
    "agendas": ("introduction", "conclusions"),
    "agenda_actions": ("title", "description", "owner", "stop_reason"),
    "agenda_action_status_changes": ("reason",),
    "agenda_action_updates": ("body",),
    "canvas_answers": ("text",),
    "stakeholder_map_entries": ("name", "group_name", "note"),
    "live_sessions": ("title", "place", "summary"),
    "live_session_participants": ("nickname",),
    "live_session_ideas": ("title", "description", "nickname"),
    "live_session_objections": ("text",),
}

# Every other text column, and why no payload goes in.
NOT_USER_TEXT: dict[str, str] = {
    "agendas.pdf_file": "a file name made by the code",
    "users.email": "checked as an e-mail address (email-validator) on every form",
    "users.password_hash": "a hash", "users.session_token": "random",
    "users.locale": "one of nl/en, chosen from a list",
    "challenges.slug": "checked against [a-z0-9-]",
    "challenges.image_key": "random file name",
    "ideas.source": "set by the code (web/import)",
    "idea_search.document": "the search terms of the idea's title, description and comments, "
                            "never shown (ideation.search.postgres)",
    "idea_search.status": "copied from the idea's status (an enum)",
    "idea_images.storage_key": "random file name", "prototype_images.storage_key": "random",
    "invitations.email": "checked as an e-mail address",
    "role_invitations.email": "checked as an e-mail address",
    "users.pending_email": "checked as an e-mail address",
    "consents.kind": "code", "scheduled_runs.name": "code",
    "jobs.kind": "code", "jobs.runner": "code", "jobs.rq_id": "random", "jobs.step": "code",
    "jobs.arguments": "ids", "jobs.result": "ids and numbers",
    "jobs.error": "an exception's message from the code, shown only to the team",
    "suggestion_proposals.idea_ids": "ids", "suggestion_proposals.parameters": "numbers, codes",
    "suggested_groups.typical_ids": "ids",
    "suggested_groups.terms": "the group's characteristic words, stored but shown on no page",
    "notification_preferences.topic": "code", "notification_preferences.channel": "code",
    "invitations.token_nonce": "random", "invitations.token_hash": "a hash",
    "decision_concerns.key": "made by the code (question:3, group:2)",
    "audit_events.action": "code", "audit_events.object_type": "code",
    "audit_events.old_state": "a state name", "audit_events.new_state": "a state name",
    "notifications.key": "code", "notifications.kind": "code",
    "notifications.link": "a path built by url_for",
    "outgoing_mail.to_address": "plain-text e-mail, never shown as HTML",
    "outgoing_mail.subject": "plain-text e-mail", "outgoing_mail.body_text": "plain-text e-mail",
    "outgoing_mail.body_html": "written by the code, not shown on pages",
    "outgoing_mail.last_error": "an SMTP error, shown only by the command",
    "live_sessions.join_code": "random, from a fixed alphabet",
}

# Columns filled only where the demo (or ``_more_states``) set them: their being empty means
# something (not hidden, not imported, not closed, not a text answer, not a scale question).
ONLY_WHERE_SET = {"challenges.image_alt", "ideas.hidden_reason", "ideas.imported_author",
                  "reports.resolution_note", "answers.text", "questions.low_label",
                  "questions.high_label",
                  "prototype_versions.changes", "prototype_versions.change_reason",
                  "decision_concerns.answer", "stakeholder_map_entries.note",
                  "live_sessions.summary", "live_session_participants.nickname",
                  "live_session_ideas.nickname", "live_session_ideas.description"}

# Keys in JSON columns whose values are words people wrote (the rest are ids and codes).
JSON_TEXT_KEYS = {"titles", "object", "challenge", "title", "prototype", "names", "label",
                  "summary", "question", "text", "detail", "option", "name"}


@dataclass
class HostileData:
    accounts: dict[str, tuple[str, str]]  # role -> (e-mail, password)
    token_path: str  # a stakeholder's personal link to the open round
    slugs: list[str]
    must_visit: set[str] = field(default_factory=set)  # paths of the added edge cases


def _payload_for(table: str, column: str, row: int, limit: int | None) -> str:
    tag = f"{table[:2]}{column[:2]}{row} "
    return tag + payload_text((limit or 600) - len(tag), start=row + len(column))


def _walk(value: Any, row: int, key: str | None = None) -> Any:
    """``value`` (JSON) with payloads in the strings under ``JSON_TEXT_KEYS``."""
    if isinstance(value, dict):
        return {k: _walk(v, row, k) for k, v in value.items()}
    if isinstance(value, list):
        return [_walk(item, row + n, key) for n, item in enumerate(value)]
    if isinstance(value, str) and key in JSON_TEXT_KEYS:
        return f"j{row} " + payload_text(120, start=row)
    return value


def _fill_payloads() -> None:
    tables = {table.name: table for table in db.metadata.sorted_tables}
    for name, columns in USER_TEXT.items():
        table = tables[name]
        key = next(iter(table.primary_key.columns))
        for column_name in columns:
            column = table.c[column_name]
            rows = db.session.execute(sa.select(key, column)).all()
            for row_id, current in rows:
                if current in (None, "", [], {}) and (
                        f"{name}.{column_name}" in ONLY_WHERE_SET
                        or isinstance(column.type, sa.JSON)):
                    continue
                if isinstance(column.type, sa.JSON):
                    if name == "questions":  # the options: a list of plain strings
                        value = [f"o{n} " + payload_text(60, start=row_id + n)
                                 for n in range(len(current))]
                    else:
                        value = _walk(current, row_id)
                else:
                    value = _payload_for(name, column_name, row_id,
                                         getattr(column.type, "length", None))
                db.session.execute(sa.update(table).where(key == row_id)
                                   .values({column_name: value}))


def _photo() -> FileStorage:
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (40, 30), (30, 120, 200)).save(buffer, "JPEG")
    buffer.seek(0)
    return FileStorage(buffer, filename="foto.jpg")


def _more_states(users: dict[str, Any]) -> set[str]:
    """Ideas and reports in the states the demo does not have; their paths."""
    from ideation.challenges import services as challenges
    from ideation.demo import SLUG
    from ideation.ideas import commenting, submitting, visibility
    from ideation.ideas.importer import ImportFile, Row, import_ideas
    from ideation.moderation import services as moderation
    from ideation.privacy.services import set_statement

    challenge = challenges.get_by_slug(SLUG)
    core, citizen, admin = users["core_team"], users["citizen"], users["admin"]
    set_statement(admin, "Privacyverklaring", "Privacy statement")  # the admin's own text
    citizen.pseudonym = "Schuilnaam"
    reporter = users["stakeholder"]
    visibility.update_settings(core, challenge, is_premoderated=False, allows_anonymous=True)
    photo = submitting.submit_idea(citizen, challenge, {
        "title": "Met foto", "description": "Beschrijving", "consent": True,
        "photo_alt": "Een foto"}, [_photo()])
    hidden = submitting.submit_idea(citizen, challenge, {
        "title": "Verborgen", "description": "Tekst", "consent": True})
    moderation.decide_on_idea(core, hidden, "hide", "Reden om te verbergen")
    withdrawn = submitting.submit_idea(citizen, challenge, {
        "title": "Ingetrokken", "description": "Tekst", "consent": True})
    submitting.withdraw_idea(citizen, withdrawn)
    anonymous = submitting.submit_idea(citizen, challenge, {
        "title": "Anoniem", "description": "Tekst", "consent": True, "is_anonymous": True})
    note = commenting.comment(citizen, photo, "Een reactie")
    commenting.comment(reporter, photo, "Een antwoord", parent=note)
    rude = commenting.comment(reporter, anonymous, "Niet netjes")
    moderation.decide_on_comment(core, rude, "hide", "Reden voor de reactie")
    moderation.report_idea(reporter, photo, "Meldreden")
    moderation.report_comment(reporter, note, "Meldreden reactie")
    dismissed = moderation.report_idea(admin, anonymous, "Nog een melding")
    moderation.dismiss_report(core, dismissed, "Notitie bij afwijzen")
    result = import_ideas(admin, challenge, ImportFile("ideation", [
        Row(2, {"title": "Geïmporteerd idee", "description": "Van papier",
                "theme": "Nieuw thema", "author": "Een deelnemer"})]), create_themes=True)
    db.session.flush()
    visibility.update_settings(core, challenge, is_premoderated=True, allows_anonymous=True)
    pending = submitting.submit_idea(citizen, challenge, {
        "title": "Wacht op controle", "description": "Tekst", "consent": True,
        "is_anonymous": True})
    db.session.flush()
    idea_ids = [photo.id, hidden.id, withdrawn.id, anonymous.id, pending.id,
                *result.imported_ids]
    return {f"/c/{SLUG}/ideas/{idea_id}" for idea_id in idea_ids} | {
        f"/c/{SLUG}/moderation", f"/c/{SLUG}/moderation?tab=reported",
        f"/c/{SLUG}/moderation?tab=hidden"}


def build_hostile_data(app: Flask) -> HostileData:
    """Fill the app's (empty) database; see the module docstring."""
    from ideation.accounts.services import find_user_by_email
    from ideation.challenges.models import Challenge
    from ideation.demo import ACCOUNTS, load_demo
    from ideation.search import services as search
    from ideation.validation import invitations
    from ideation.validation.models import Invitation, Round, RoundState

    with app.test_request_context("/"):
        load_demo(echo=lambda _message: None)
        users = {role: find_user_by_email(email) for email, _name, role in ACCOUNTS}
        must_visit = _more_states(users)
        db.session.commit()
        _fill_payloads()
        db.session.commit()
        invitation = db.session.scalars(
            sa.select(Invitation).join(Round).where(Round.state == RoundState.open,
                                                    Invitation.user_id.is_(None))
            .order_by(Invitation.id)).first()
        token_path = f"/r/{invitation.round_id}/{invitations.token_for(invitation)}"
        slugs = list(db.session.scalars(sa.select(Challenge.slug).order_by(Challenge.id)))
        for challenge in db.session.scalars(sa.select(Challenge)):
            search.rebuild(challenge)
        search.apply_pending()
    passwords = json.loads((Path(app.instance_path) / "demo-accounts.json").read_text())
    accounts = {role: (email, passwords[email]) for email, _name, role in ACCOUNTS}
    return HostileData(accounts, token_path, slugs, must_visit)


def text_columns() -> set[str]:
    """Every String, Text and JSON column of the models, as table.column."""
    return {f"{table.name}.{column.name}" for table in db.metadata.sorted_tables
            for column in table.columns
            if isinstance(column.type, sa.String | sa.Text | sa.JSON)
            and not isinstance(column.type, sa.Enum)}


def columns_without_payload() -> list[str]:
    """The ``USER_TEXT`` columns in which no row holds a payload (the data set missed them)."""
    tables = {table.name: table for table in db.metadata.sorted_tables}
    missing = []
    for name, columns in USER_TEXT.items():
        for column_name in columns:
            column = tables[name].c[column_name]
            text = sa.cast(column, sa.Text) if isinstance(column.type, sa.JSON) else column
            found = db.session.scalar(sa.select(sa.func.count()).select_from(tables[name])
                                      .where(text.contains(MARK)))
            if not found:
                missing.append(f"{name}.{column_name}")
    return missing


ROLES = ("anonymous", "citizen", "stakeholder", "link", "core_team", "admin")


def client_as(app: Flask, data: HostileData, role: str):
    """A test client logged in as ``role`` (``link``: a stakeholder by personal link), and the
    pages it starts from."""
    from tests.conftest import Client

    app.test_client_class = Client
    client = app.test_client()
    if role == "link":
        return client, [data.token_path]
    if role == "anonymous":
        return client, ["/"]
    client.login(*data.accounts[role])
    return client, ["/", "/account", "/rounds", "/notifications"]


def crawl_as(app: Flask, data: HostileData, role: str, per_kind: int):
    from tests.crawl import Crawler

    client, starts = client_as(app, data, role)
    crawl = Crawler(app, client, role, per_pattern=per_kind, must_visit=data.must_visit,
                    keep_html=True).run(starts)
    return client, crawl.pages


assert all(MARK in payload for payload in PAYLOADS)
