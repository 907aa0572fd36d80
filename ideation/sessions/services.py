"""Live-session rules: plan, open, take ideas, dots and objections, close into the challenge.

Decisions:

* Stages go one way: planned -> ideas -> voting -> objections -> closed. The core team (the
  facilitator) moves them on; closing is possible from any open stage.
* Participants have no account: the session's join code and a signed cookie with their
  participant id. Their clicks (join, idea, dot, objection) are not audited one by one, as
  supports are not; the core team's steps are.
* Ideas are sent in only while the challenge's phase allows sending in ideas, with the same
  reason as the web form. Paper cards typed in by the core team follow the importer's rule:
  not bound to the phase.
* A participant spends at most ``dots`` dots, several on one idea if they like. Each dot has
  a number, unique per participant, so two racing requests cannot overspend.
* Objections are anonymous (no participant kept) and only for the leading ideas.
* Closing turns every session idea into an idea of the challenge (source "session"), pending
  when the challenge pre-moderates; its dots are kept apart from online supports.
"""

from __future__ import annotations

import secrets
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from ideation.accounts.models import User
from ideation.challenges import timeline
from ideation.challenges.models import Challenge, PhaseKind
from ideation.challenges.phases import Action, check
from ideation.core.audit import record_event
from ideation.core.db import utcnow
from ideation.core.i18n import lazy_gettext as _l
from ideation.core.permissions import ensure_can_manage
from ideation.core.routing import optional_database_id
from ideation.extensions import db
from ideation.ideas.models import Idea, IdeaStatus
from ideation.ideas.visibility import settings_for
from ideation.process.models import StakeholderMapEntry
from ideation.sessions.models import (
    Dot,
    LiveSession,
    Objection,
    Participant,
    SessionIdea,
    Stage,
    session_groups,
)

CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I: easy to read aloud
CODE_LENGTH = 6
LEADING = 3  # ideas in the "who sees it differently?" round
MAX_TITLE = 120
MAX_TEXT = 2000
MAX_NICKNAME = 40
SOURCE = "session"
NEXT_STAGE = {Stage.planned: Stage.ideas, Stage.ideas: Stage.voting,
              Stage.voting: Stage.objections}
OPEN_STAGES = (Stage.ideas, Stage.voting, Stage.objections)


class SessionError(ValueError):
    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.field = field


# --- planning and the facilitator's steps -----------------------------------------------------


def _new_code() -> str:
    while True:
        code = "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))
        if db.session.scalar(select(LiveSession.id).where(LiveSession.join_code == code)) is None:
            return code


def normalise_code(code: str | None) -> str:
    """What people type: spaces, dashes and lower case do not matter."""
    return "".join(ch for ch in str(code or "").upper() if ch.isalnum())[:CODE_LENGTH + 2]


def _clean_plan(challenge: Challenge, data: Mapping[str, Any]) -> dict[str, Any]:
    title = str(data.get("title") or "").strip()
    if not title:
        raise SessionError(_l("Give the session a title."), "title")
    if len(title) > 160:
        raise SessionError(_l("Write at most %(num)s characters.", num=160), "title")
    held_on = data.get("held_on")
    if not isinstance(held_on, date):
        raise SessionError(_l("Give the date of the session."), "held_on")
    try:
        phase = PhaseKind(str(data.get("phase") or ""))
    except ValueError:
        raise SessionError(_l("Choose a phase."), "phase") from None
    dots = data.get("dots") or 3
    if not isinstance(dots, int) or not 1 <= dots <= 10:
        raise SessionError(_l("Choose a number from 1 to 10."), "dots")
    wanted = {key for i in data.get("group_ids") or []
              if (key := optional_database_id(i)) is not None}
    groups = list(db.session.scalars(select(StakeholderMapEntry).where(
        StakeholderMapEntry.challenge_id == challenge.id,
        StakeholderMapEntry.id.in_(wanted)))) if wanted else []
    return {"title": title, "held_on": held_on, "phase": phase, "dots": dots, "groups": groups,
            "place": str(data.get("place") or "").strip()[:160]}


def plan_session(actor: User, challenge: Challenge, data: Mapping[str, Any]) -> LiveSession:
    """Plan a session (core team): title, date, place, phase, the groups in the room."""
    ensure_can_manage(actor, challenge)
    values = _clean_plan(challenge, data)
    session = LiveSession(challenge_id=challenge.id, join_code=_new_code(),
                          created_by_id=actor.id, stage=Stage.planned, **values)
    db.session.add(session)
    record_event(actor, "session.planned", session, challenge=challenge, new=Stage.planned,
                 details={"title": session.title})
    return session


def advance(actor: User, session: LiveSession) -> Stage:
    """Move the session to its next stage (open it, start the voting, start the round of
    objections)."""
    ensure_can_manage(actor, session.challenge)
    following = NEXT_STAGE.get(session.stage)
    if following is None:
        raise SessionError(_l("This session cannot move on: it is closed."))
    old, session.stage = session.stage, following
    if following is Stage.ideas:
        session.opened_dt = utcnow()
    record_event(actor, "session.stage_changed", session, challenge=session.challenge,
                 old=old, new=following)
    return following


def add_paper_cards(actor: User, session: LiveSession, text: str) -> int:
    """Type in the paper cards of a session: one card a line, "title: explanation". They take
    the same path as the ideas from phones. Returns how many were added."""
    ensure_can_manage(actor, session.challenge)
    if session.stage is Stage.closed:
        raise SessionError(_l("This session is closed."), "cards")
    cards = [line.strip() for line in (text or "").splitlines() if line.strip()]
    if not cards:
        raise SessionError(_l("Type at least one card."), "cards")
    ideas = []
    for line in cards:
        title, _sep, description = line.partition(":")
        title = title.strip()[:MAX_TITLE] or line[:MAX_TITLE]
        ideas.append(SessionIdea(session_id=session.id, title=title, is_from_paper=True,
                                 description=description.strip()[:MAX_TEXT]))
    db.session.add_all(ideas)
    record_event(actor, "session.cards_added", session, challenge=session.challenge,
                 details={"count": len(ideas)})
    return len(ideas)


def close_session(actor: User, session: LiveSession, summary: str) -> list[Idea]:
    """Close the session: store the summary and bring its ideas into the challenge, with their
    dots; the public timeline tells that the session was held."""
    challenge = session.challenge
    ensure_can_manage(actor, challenge)
    if session.stage not in OPEN_STAGES:
        raise SessionError(_l("Only an open session can be closed."))
    summary = (summary or "").strip()
    if len(summary) > 5000:
        raise SessionError(_l("Write at most %(num)s characters.", num=5000), "summary")
    status = IdeaStatus.pending if settings_for(challenge).is_premoderated else IdeaStatus.published
    dots = dot_counts(session)
    created = []
    for item in session_ideas(session):
        idea = Idea(challenge_id=challenge.id, title=item.title,
                    description=item.description or item.title, status=status, source=SOURCE,
                    imported_author=item.nickname or None, live_session_id=session.id,
                    session_dots=dots.get(item.id, 0), author_id=None)
        db.session.add(idea)
        db.session.flush()
        item.idea_id = idea.id
        record_event(actor, "idea.from_session", idea, challenge=challenge, new=idea.status,
                     details={"session": session.id})
        created.append(idea)
    old, session.stage = session.stage, Stage.closed
    session.summary, session.closed_dt = summary, utcnow()
    record_event(actor, "session.closed", session, challenge=challenge, old=old,
                 new=Stage.closed, public=True,
                 details={"title": session.title, "number": len(created)})
    return created


# --- participants ----------------------------------------------------------------------------


def find_open_session(code: str | None) -> LiveSession | None:
    """The open session with this join code, or None."""
    code = normalise_code(code)
    if len(code) != CODE_LENGTH:
        return None
    return db.session.scalar(select(LiveSession).where(LiveSession.join_code == code,
                                                       LiveSession.stage.in_(OPEN_STAGES)))


def join(session: LiveSession, nickname: str | None) -> Participant:
    if session.stage not in OPEN_STAGES:
        raise SessionError(_l("This session is not open."))
    nickname = (nickname or "").strip()
    if len(nickname) > MAX_NICKNAME:
        raise SessionError(_l("Write at most %(num)s characters.", num=MAX_NICKNAME),
                           "nickname")
    participant = Participant(session_id=session.id, nickname=nickname)
    db.session.add(participant)
    db.session.flush()
    return participant


def get_participant(session: LiveSession, participant_id: Any) -> Participant | None:
    if not isinstance(participant_id, int):
        return None
    found = db.session.get(Participant, participant_id)
    return found if found is not None and found.session_id == session.id else None


def may_send_ideas(session: LiveSession) -> tuple[bool, str | None]:
    """Whether phones may send ideas now, and why not (the web form's reason)."""
    if session.stage is not Stage.ideas:
        return False, str(_l("Sending in ideas is not possible at this step of the session."))
    verdict = check(session.challenge, Action.submit_idea)
    return verdict.allowed, verdict.reason


def send_idea(session: LiveSession, participant: Participant, title: str,
              description: str = "") -> SessionIdea:
    allowed, reason = may_send_ideas(session)
    if not allowed:
        raise SessionError(reason or "")
    title, description = (title or "").strip(), (description or "").strip()
    if not title:
        raise SessionError(_l("Give your idea a title."), "title")
    if len(title) > MAX_TITLE:
        raise SessionError(_l("Write at most %(num)s characters.", num=MAX_TITLE), "title")
    if len(description) > MAX_TEXT:
        raise SessionError(_l("Write at most %(num)s characters.", num=MAX_TEXT), "description")
    item = SessionIdea(session_id=session.id, participant_id=participant.id, title=title,
                       description=description, nickname=participant.nickname)
    db.session.add(item)
    db.session.flush()
    return item


def dots_spent(participant: Participant) -> int:
    return db.session.scalar(select(func.count(Dot.id))
                             .where(Dot.participant_id == participant.id)) or 0


def spend_dot(session: LiveSession, participant: Participant, item_id: Any) -> Dot:
    if session.stage is not Stage.voting:
        raise SessionError(_l("Dot-voting is not open now."))
    item = _session_idea(session, item_id)
    spent = dots_spent(participant)
    if spent >= session.dots:
        raise SessionError(_l("You have used all your dots."))
    dot = Dot(session_id=session.id, participant_id=participant.id, session_idea_id=item.id,
              number=spent + 1)
    try:
        with db.session.begin_nested():
            db.session.add(dot)
    except IntegrityError:
        raise SessionError(_l("You have used all your dots.")) from None
    return dot


def object_to(session: LiveSession, item_id: Any, text: str) -> Objection:
    """Record, anonymously, what would make someone say no to a leading idea."""
    if session.stage is not Stage.objections:
        raise SessionError(_l("The round “Who sees it differently?” is not open now."))
    item = _session_idea(session, item_id)
    if item.id not in {lead.id for lead, _dots in leading_ideas(session)}:
        raise SessionError(_l("Choose one of the leading ideas."), "idea")
    text = (text or "").strip()
    if not text:
        raise SessionError(_l("Write what would make you say no."), "text")
    if len(text) > MAX_TEXT:
        raise SessionError(_l("Write at most %(num)s characters.", num=MAX_TEXT), "text")
    objection = Objection(session_id=session.id, session_idea_id=item.id, text=text)
    db.session.add(objection)
    db.session.flush()
    return objection


def _session_idea(session: LiveSession, item_id: Any) -> SessionIdea:
    item = db.session.get(SessionIdea, item_id) if isinstance(item_id, int) else None
    if item is None or item.session_id != session.id:
        raise SessionError(_l("Choose one of the session's ideas."), "idea")
    return item


# --- reading -----------------------------------------------------------------------------------


def sessions_of(challenge: Challenge) -> list[LiveSession]:
    return list(db.session.scalars(
        select(LiveSession).where(LiveSession.challenge_id == challenge.id)
        .order_by(LiveSession.held_on.desc(), LiveSession.id.desc())))


def held_sessions(challenge: Challenge) -> list[LiveSession]:
    """The closed sessions of a challenge, newest first (for public pages and the agenda)."""
    return list(db.session.scalars(
        select(LiveSession).where(LiveSession.challenge_id == challenge.id,
                                  LiveSession.stage == Stage.closed)
        .order_by(LiveSession.held_on.desc(), LiveSession.id.desc())))


def get_session(challenge: Challenge, session_id: int) -> LiveSession | None:
    found = db.session.get(LiveSession, session_id)
    return found if found is not None and found.challenge_id == challenge.id else None


def session_ideas(session: LiveSession) -> list[SessionIdea]:
    return list(db.session.scalars(select(SessionIdea).where(SessionIdea.session_id == session.id)
                                   .order_by(SessionIdea.id)))


def dot_counts(session: LiveSession) -> dict[int, int]:
    rows = db.session.execute(
        select(Dot.session_idea_id, func.count(Dot.id)).where(Dot.session_id == session.id)
        .group_by(Dot.session_idea_id))
    return {item_id: count for item_id, count in rows}


def leading_ideas(session: LiveSession, limit: int = LEADING) -> list[tuple[SessionIdea, int]]:
    """The ideas with the most dots (at least one), most first."""
    counts = dot_counts(session)
    ranked = sorted((item for item in session_ideas(session) if counts.get(item.id)),
                    key=lambda item: (-counts[item.id], item.id))
    return [(item, counts[item.id]) for item in ranked[:limit]]


@dataclass(frozen=True)
class ResultLine:
    item: SessionIdea
    dots: int
    objections: list[Objection]


def results(session: LiveSession) -> list[ResultLine]:
    """Every idea of the session with its dots and objections, most dots first (3 queries)."""
    counts = dot_counts(session)
    objections: dict[int, list[Objection]] = {}
    for objection in db.session.scalars(select(Objection).where(
            Objection.session_id == session.id).order_by(Objection.id)):
        objections.setdefault(objection.session_idea_id, []).append(objection)
    lines = [ResultLine(item, counts.get(item.id, 0), objections.get(item.id, []))
             for item in session_ideas(session)]
    return sorted(lines, key=lambda line: (-line.dots, line.item.id))


def public_results(session: LiveSession, team: bool) -> list[ResultLine]:
    """The results as the reader may see them: the core team sees everything; others see the
    ideas that are published in the challenge, without the objections (those are not
    moderated)."""
    lines = results(session)
    if team:
        return lines
    ids = [line.item.idea_id for line in lines if line.item.idea_id is not None]
    published = set(db.session.scalars(select(Idea.id).where(
        Idea.id.in_(ids), Idea.status == IdeaStatus.published))) if ids else set()
    return [ResultLine(line.item, line.dots, []) for line in lines
            if line.item.idea_id in published]


def feed_version(session: LiveSession) -> str:
    """Changes whenever the projector would show something new (its ETag)."""
    ideas = db.session.execute(select(func.count(SessionIdea.id), func.max(SessionIdea.id))
                               .where(SessionIdea.session_id == session.id)).one()
    dots = db.session.scalar(select(func.count(Dot.id)).where(Dot.session_id == session.id))
    objections = db.session.scalar(select(func.count(Objection.id))
                                   .where(Objection.session_id == session.id))
    return f"s{session.id}-{session.stage.value}-{ideas[0]}-{ideas[1]}-{dots}-{objections}"


def participant_count(session: LiveSession) -> int:
    return db.session.scalar(select(func.count(Participant.id))
                             .where(Participant.session_id == session.id)) or 0


def groups_heard_in_sessions(challenge: Challenge) -> set[int]:
    """Map entries that were in the room of a closed session that brought in ideas."""
    return set(db.session.scalars(
        select(session_groups.c.entry_id).join(LiveSession,
                                               LiveSession.id == session_groups.c.session_id)
        .where(LiveSession.challenge_id == challenge.id, LiveSession.stage == Stage.closed,
               select(SessionIdea.id).where(SessionIdea.session_id == LiveSession.id).exists())
        .distinct()))


@dataclass(frozen=True)
class Origin:
    session: LiveSession
    objections: Sequence[Objection]


def origin_of(idea: Idea, with_objections: bool) -> Origin | None:
    """The session an idea came from, with the objections raised against it there."""
    if idea.live_session_id is None:
        return None
    session = db.session.get(LiveSession, idea.live_session_id)
    if session is None:
        return None
    objections: list[Objection] = []
    if with_objections:
        objections = list(db.session.scalars(
            select(Objection).join(SessionIdea, SessionIdea.id == Objection.session_idea_id)
            .where(SessionIdea.idea_id == idea.id).order_by(Objection.id)))
    return Origin(session, objections)


# --- the public timeline ----------------------------------------------------------------------


def _timeline_targets(challenge: Challenge, ids: list[int]) -> dict[int, Any]:
    from flask import url_for

    rows = db.session.execute(select(LiveSession.id, LiveSession.title).where(
        LiveSession.id.in_(ids), LiveSession.challenge_id == challenge.id,
        LiveSession.stage == Stage.closed))
    return {sid: timeline._Target(url_for("sessions.results", slug=challenge.slug,  # noqa: SLF001
                                          session_id=sid), {"title": title})
            for sid, title in rows}


timeline.SENTENCES["session.closed"] = timeline.Sentence((
    _l("The session “%(title)s” was held: %(number)s ideas came in."),
    _l("A session was held."),
))
timeline.LOADERS[LiveSession.__tablename__] = _timeline_targets
