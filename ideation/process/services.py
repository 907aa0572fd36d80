"""Process design rules: the canvas answers (versioned, audited), the stakeholder map, what a
validation round reached of the map, and the end-user check for the workspace.

Decisions:

* An answer is never overwritten: saving adds a version, so the history shows who wrote what
  and when. Saving the same text again adds nothing.
* The public summary shows the result, ambition, end users, governance and steps; the names of
  co-owners, stakeholders and dissenters stay with the core team.
* A map entry counts as "reached" by a round when a group of that round with the entry's group
  name (case does not matter) has at least one sent-in response.
* The end users have "contributed" when an end-user entry was in the room of a closed session
  that brought in ideas, or was reached by a round.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from flask import current_app
from flask_babel import LazyString
from sqlalchemy import func, select

from ideation.accounts.models import User
from ideation.challenges.models import Challenge, Phase
from ideation.challenges.phases import current_phase, today
from ideation.core.audit import record_event
from ideation.core.i18n import lazy_gettext as _l
from ideation.core.permissions import ensure_can_manage
from ideation.extensions import db
from ideation.process.models import CanvasAnswer, CanvasField, EntryKind, StakeholderMapEntry
from ideation.validation.models import Response, Round, StakeholderGroup

MAX_ANSWER = 5000
MAX_NAME = 120
MAX_GROUP = 80

PUBLIC_FIELDS = (CanvasField.result, CanvasField.ambition, CanvasField.end_users,
                 CanvasField.governance, CanvasField.steps)


class ProcessError(ValueError):
    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.field = field


# --- the canvas ------------------------------------------------------------------------------


def canvas(challenge: Challenge) -> dict[CanvasField, CanvasAnswer | None]:
    """The newest answer to every question (None: not answered yet), in one query."""
    newest = (select(CanvasAnswer.field, func.max(CanvasAnswer.version).label("version"))
              .where(CanvasAnswer.challenge_id == challenge.id)
              .group_by(CanvasAnswer.field).subquery())
    rows = db.session.scalars(
        select(CanvasAnswer).join(newest, (CanvasAnswer.field == newest.c.field)
                                  & (CanvasAnswer.version == newest.c.version))
        .where(CanvasAnswer.challenge_id == challenge.id))
    found = {row.field: row for row in rows}
    return {field: found.get(field) for field in CanvasField}


def history(challenge: Challenge, field: CanvasField) -> list[CanvasAnswer]:
    """Every version of one answer, newest first."""
    return list(db.session.scalars(
        select(CanvasAnswer).where(CanvasAnswer.challenge_id == challenge.id,
                                   CanvasAnswer.field == field)
        .order_by(CanvasAnswer.version.desc())))


def save_answer(actor: User, challenge: Challenge, field: CanvasField, text: str
                ) -> CanvasAnswer | None:
    """Store a new version of one answer (core team); None when the text did not change."""
    ensure_can_manage(actor, challenge)
    text = (text or "").strip()
    if len(text) > MAX_ANSWER:
        raise ProcessError(_l("Write at most %(num)s characters.", num=MAX_ANSWER), "text")
    current = canvas(challenge)[field]
    if current is not None and current.text == text:
        return None
    if current is None and not text:
        return None
    answer = CanvasAnswer(challenge_id=challenge.id, field=field, text=text, author_id=actor.id,
                          version=(current.version + 1) if current else 1)
    db.session.add(answer)
    record_event(actor, "canvas.answered", answer, challenge=challenge, new=field.value,
                 details={"version": answer.version})
    return answer


def public_summary(challenge: Challenge) -> list[tuple[LazyString, str]]:
    """(question, answer) of the public questions that have an answer."""
    answers = canvas(challenge)
    return [(field.label, answer.text) for field in PUBLIC_FIELDS
            if (answer := answers[field]) is not None and answer.text]


# --- the stakeholder map -----------------------------------------------------------------------


def map_entries(challenge: Challenge) -> list[StakeholderMapEntry]:
    return list(db.session.scalars(
        select(StakeholderMapEntry).where(StakeholderMapEntry.challenge_id == challenge.id)
        .order_by(StakeholderMapEntry.name, StakeholderMapEntry.id)))


def get_entry(challenge: Challenge, entry_id: int) -> StakeholderMapEntry | None:
    entry = db.session.get(StakeholderMapEntry, entry_id)
    return entry if entry is not None and entry.challenge_id == challenge.id else None


def _clean_entry(data: Mapping[str, Any]) -> dict[str, Any]:
    name = str(data.get("name") or "").strip()
    if not name:
        raise ProcessError(_l("Give a name."), "name")
    if len(name) > MAX_NAME:
        raise ProcessError(_l("Write at most %(num)s characters.", num=MAX_NAME), "name")
    try:
        kind = EntryKind(str(data.get("kind") or ""))
    except ValueError:
        raise ProcessError(_l("Choose a kind."), "kind") from None
    values = {}
    for key in ("interest", "influence"):
        try:
            values[key] = int(data.get(key) or 0)
        except (TypeError, ValueError):
            values[key] = 0
        if not 1 <= values[key] <= 5:
            raise ProcessError(_l("Choose a number from 1 to 5."), key)
    group_name = str(data.get("group_name") or "").strip() or name[:MAX_GROUP]
    if len(group_name) > MAX_GROUP:
        raise ProcessError(_l("Write at most %(num)s characters.", num=MAX_GROUP), "group_name")
    return {"name": name, "kind": kind, "group_name": group_name,
            "note": str(data.get("note") or "").strip()[:2000], **values}


def add_entry(actor: User, challenge: Challenge, data: Mapping[str, Any]) -> StakeholderMapEntry:
    """Put a person or organisation on the map (core team)."""
    ensure_can_manage(actor, challenge)
    entry = StakeholderMapEntry(challenge_id=challenge.id, **_clean_entry(data))
    db.session.add(entry)
    record_event(actor, "map_entry.added", entry, challenge=challenge, new=entry.name)
    return entry


def update_entry(actor: User, entry: StakeholderMapEntry, data: Mapping[str, Any]) -> None:
    challenge = db.session.get(Challenge, entry.challenge_id)
    ensure_can_manage(actor, challenge)
    values = _clean_entry(data)
    old = f"{entry.name} {entry.kind.value} {entry.interest}/{entry.influence}"
    for key, value in values.items():
        setattr(entry, key, value)
    record_event(actor, "map_entry.changed", entry, challenge=challenge, old=old,
                 new=f"{entry.name} {entry.kind.value} {entry.interest}/{entry.influence}")


def remove_entry(actor: User, entry: StakeholderMapEntry) -> None:
    challenge = db.session.get(Challenge, entry.challenge_id)
    ensure_can_manage(actor, challenge)
    record_event(actor, "map_entry.removed", entry, challenge=challenge, old=entry.name)
    db.session.delete(entry)


def round_group_names(challenge: Challenge) -> list[str]:
    """The stakeholder group names used in the challenge's rounds, to link map entries to."""
    return list(db.session.scalars(
        select(StakeholderGroup.name).join(Round, Round.id == StakeholderGroup.round_id)
        .where(Round.challenge_id == challenge.id).distinct().order_by(StakeholderGroup.name)))


# --- what rounds reached -------------------------------------------------------------------------


def _answered_group_names(round_ids: list[int]) -> set[str]:
    if not round_ids:
        return set()
    return {name.casefold() for name in db.session.scalars(
        select(StakeholderGroup.name).join(Response, Response.group_id == StakeholderGroup.id)
        .where(StakeholderGroup.round_id.in_(round_ids), Response.submitted_dt.is_not(None))
        .distinct())}


@dataclass(frozen=True)
class Reach:
    reached: list[StakeholderMapEntry]
    missed: list[StakeholderMapEntry]  # in the round's groups, but nobody answered
    absent: list[StakeholderMapEntry]  # not among the round's groups at all


def round_reach(round_: Round) -> Reach:
    """Which parts of the map a round reached (3 queries)."""
    challenge = db.session.get(Challenge, round_.challenge_id)
    entries = map_entries(challenge)
    answered = _answered_group_names([round_.id])
    invited = {group.name.casefold() for group in round_.groups}
    reached, missed, absent = [], [], []
    for entry in entries:
        key = entry.group_name.casefold()
        (reached if key in answered else missed if key in invited else absent).append(entry)
    return Reach(reached, missed, absent)


# --- the end-user check --------------------------------------------------------------------------


@dataclass(frozen=True)
class EndUserWarning:
    phase: Phase
    phase_label: LazyString
    missing: list[StakeholderMapEntry]


def end_user_warning(challenge: Challenge, on: date | None = None) -> EndUserWarning | None:
    """A warning when the current phase closes within IDEATION_END_USER_WARNING_DAYS days and
    an end user on the map has not contributed yet (no session with them brought in ideas, no
    round group answered for them)."""
    from ideation.sessions.services import groups_heard_in_sessions

    on = on or today()
    phase = current_phase(challenge, on)
    days = current_app.config["IDEATION_END_USER_WARNING_DAYS"]
    if phase is None or phase.ends_on - on > timedelta(days=days):
        return None
    end_users = [e for e in map_entries(challenge) if e.kind is EntryKind.end_user]
    if not end_users:
        return None
    heard = groups_heard_in_sessions(challenge)
    rounds = list(db.session.scalars(select(Round.id).where(Round.challenge_id == challenge.id)))
    answered = _answered_group_names(rounds)
    missing = [e for e in end_users
               if e.id not in heard and e.group_name.casefold() not in answered]
    if not missing:
        return None
    return EndUserWarning(phase, phase.kind.label, missing)
