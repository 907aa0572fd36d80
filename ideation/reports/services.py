"""Agenda rules: writing and publishing the agenda, its actions, their status and progress,
and following a challenge; and the read queries of the agenda pages.

Who and when (deny by default):

* Only the challenge's core team and admins change anything (``ensure_can_manage``).
* The agenda's texts and actions are written while the phase allows it
  (``Action.write_agenda``: testing and the agenda phase).
* After the hand-over (the agenda is published) the story goes on whatever the phase: an
  action's status and its progress updates change only on a published agenda, also after the
  challenge closed.

Every change writes an AuditEvent and flushes; the view commits and then asks for a new PDF
(``reports/pdf.py``).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import delete, func, select
from sqlalchemy.orm import selectinload

from ideation.accounts.models import User
from ideation.challenges.models import Challenge
from ideation.challenges.phases import Action, ensure_allowed
from ideation.concepts.models import Concept
from ideation.core.audit import record_event
from ideation.core.db import utcnow
from ideation.core.permissions import PermissionDenied, ensure_can_manage
from ideation.core.signals import action_status_changed
from ideation.extensions import db
from ideation.prototypes.models import Prototype
from ideation.reports.models import (
    ActionStatus,
    ActionStatusChange,
    ActionUpdate,
    Agenda,
    AgendaAction,
    ChallengeFollower,
)

MAX_TEXT = 20_000
MAX_UPDATE = 2_000


class AgendaError(ValueError):
    """A rule was broken; ``field`` names the form field the message belongs to."""

    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.field = field


def _clean(text: str | None, limit: int) -> str:
    return (text or "").strip()[:limit]


def _ensure_can_write(actor: User | None, challenge: Challenge) -> None:
    ensure_can_manage(actor, challenge)
    ensure_allowed(challenge, Action.write_agenda)


def _touch(agenda: Agenda) -> None:
    agenda.updated_dt = utcnow()


# --- reading ---------------------------------------------------------------------------------


def agenda_of(challenge: Challenge) -> Agenda | None:
    """The challenge's agenda with its actions, their links, history and updates."""
    return db.session.scalar(
        select(Agenda).where(Agenda.challenge_id == challenge.id)
        .options(selectinload(Agenda.actions).selectinload(AgendaAction.concepts),
                 selectinload(Agenda.actions).selectinload(AgendaAction.prototypes),
                 selectinload(Agenda.actions).selectinload(AgendaAction.history),
                 selectinload(Agenda.actions).selectinload(AgendaAction.updates)))


def published_agenda(challenge: Challenge) -> Agenda | None:
    agenda = agenda_of(challenge)
    return agenda if agenda is not None and agenda.is_published else None


def has_published_agenda(challenge: Challenge) -> bool:
    return bool(db.session.scalar(select(Agenda.id).where(
        Agenda.challenge_id == challenge.id, Agenda.is_published.is_(True))))


def get_action(challenge: Challenge, action_id: int) -> AgendaAction | None:
    action = db.session.get(AgendaAction, action_id)
    if action is None or action.agenda.challenge_id != challenge.id:
        return None
    return action


def action_choices(challenge: Challenge) -> tuple[list[Concept], list[Prototype]]:
    """What an action can carry forward: the challenge's published concepts and prototypes."""
    concepts = db.session.scalars(select(Concept).where(
        Concept.challenge_id == challenge.id, Concept.is_published.is_(True))
        .order_by(Concept.created_dt, Concept.id)).all()
    prototypes = db.session.scalars(select(Prototype).where(
        Prototype.challenge_id == challenge.id, Prototype.is_published.is_(True))
        .order_by(Prototype.created_dt, Prototype.id)).all()
    return list(concepts), list(prototypes)


def count_actions(challenge: Challenge, status: ActionStatus) -> int:
    """Actions in ``status`` of the challenge's published agenda (the funnel's last step)."""
    return db.session.scalar(
        select(func.count(AgendaAction.id)).join(Agenda, Agenda.id == AgendaAction.agenda_id)
        .where(Agenda.challenge_id == challenge.id, Agenda.is_published.is_(True),
               AgendaAction.status == status)) or 0


# --- the agenda --------------------------------------------------------------------------------


def start_agenda(actor: User, challenge: Challenge) -> Agenda:
    """The challenge's agenda, made (empty, a draft) when it has none yet."""
    _ensure_can_write(actor, challenge)
    agenda = agenda_of(challenge)
    if agenda is not None:
        return agenda
    agenda = Agenda(challenge_id=challenge.id, introduction="", conclusions="")
    db.session.add(agenda)
    record_event(actor, "agenda.created", agenda, challenge=challenge)
    db.session.flush()
    return agenda


def update_texts(actor: User, agenda: Agenda, introduction: str, conclusions: str) -> None:
    """The two free texts of the agenda; everything else is generated from the data."""
    _ensure_can_write(actor, agenda.challenge)
    agenda.introduction = _clean(introduction, MAX_TEXT)
    agenda.conclusions = _clean(conclusions, MAX_TEXT)
    _touch(agenda)
    record_event(actor, "agenda.edited", agenda, challenge=agenda.challenge)
    db.session.flush()


def publish(actor: User, agenda: Agenda) -> None:
    """Hand the agenda over: public from now on. It needs an introduction and an action."""
    _ensure_can_write(actor, agenda.challenge)
    if agenda.is_published:
        raise AgendaError(_("The agenda is already public."))
    if not agenda.introduction.strip():
        raise AgendaError(_("Write an introduction before you publish the agenda."),
                          "introduction")
    if not agenda.actions:
        raise AgendaError(_("Add at least one action before you publish the agenda."))
    agenda.is_published = True
    agenda.published_dt = utcnow()
    _touch(agenda)
    record_event(actor, "agenda.published", agenda, challenge=agenda.challenge, public=True,
                 old="draft", new="published")
    db.session.flush()


def unpublish(actor: User, agenda: Agenda) -> None:
    """Take the agenda back to a draft (a mistake in the hand-over)."""
    _ensure_can_write(actor, agenda.challenge)
    if not agenda.is_published:
        raise AgendaError(_("The agenda is not public."))
    agenda.is_published = False
    _touch(agenda)
    record_event(actor, "agenda.unpublished", agenda, challenge=agenda.challenge,
                 old="published", new="draft")
    db.session.flush()


# --- actions -----------------------------------------------------------------------------------


def _linked(challenge: Challenge, concept_ids: Sequence[int],
            prototype_ids: Sequence[int]) -> tuple[list[Concept], list[Prototype]]:
    concepts, prototypes = action_choices(challenge)
    wanted_c, wanted_p = set(concept_ids), set(prototype_ids)
    chosen_c = [c for c in concepts if c.id in wanted_c]
    chosen_p = [p for p in prototypes if p.id in wanted_p]
    if len(chosen_c) != len(wanted_c) or len(chosen_p) != len(wanted_p):
        raise AgendaError(_("Choose only public concepts and prototypes of this challenge."))
    return chosen_c, chosen_p


def _action_values(agenda: Agenda, data: Mapping[str, Any]) -> dict[str, Any]:
    """The checked fields of an action, before anything is changed."""
    title = _clean(data.get("title"), 200)
    owner = _clean(data.get("owner"), 200)
    if not title:
        raise AgendaError(_("Give the action a title."), "title")
    if not owner:
        raise AgendaError(_("Say who carries the action: an organisation or a role."), "owner")
    due = data.get("due_on")
    concepts, prototypes = _linked(agenda.challenge, data.get("concept_ids") or [],
                                   data.get("prototype_ids") or [])
    return {"title": title, "owner": owner,
            "description": _clean(data.get("description"), MAX_TEXT),
            "due_on": due if isinstance(due, date) else None, "concepts": concepts,
            "prototypes": prototypes, "updated_dt": utcnow()}


def add_action(actor: User, agenda: Agenda, data: Mapping[str, Any]) -> AgendaAction:
    """A new action, planned, at the end of the agenda."""
    _ensure_can_write(actor, agenda.challenge)
    values = _action_values(agenda, data)
    action = AgendaAction(agenda=agenda, position=len(agenda.actions),
                          status=ActionStatus.planned, stop_reason="", **values)
    db.session.add(action)
    db.session.flush()
    action.history.append(ActionStatusChange(old_status=None, new_status=ActionStatus.planned,
                                             reason=""))
    _touch(agenda)
    record_event(actor, "action.added", action, challenge=agenda.challenge,
                 new=ActionStatus.planned, public=agenda.is_published,
                 details={"title": action.title})
    db.session.flush()
    return action


def edit_action(actor: User, action: AgendaAction, data: Mapping[str, Any]) -> None:
    _ensure_can_write(actor, action.agenda.challenge)
    for name, value in _action_values(action.agenda, data).items():
        setattr(action, name, value)
    _touch(action.agenda)
    record_event(actor, "action.edited", action, challenge=action.agenda.challenge,
                 details={"title": action.title})
    db.session.flush()


def change_status(actor: User, action: AgendaAction, status: ActionStatus,
                  reason: str = "") -> None:
    """Move an action to ``status``; stopping needs a reason. Before the hand-over this is
    part of writing the agenda; after it, the public follows every step."""
    agenda = action.agenda
    ensure_can_manage(actor, agenda.challenge)
    if not agenda.is_published:
        ensure_allowed(agenda.challenge, Action.write_agenda)
    reason = _clean(reason, MAX_UPDATE)
    if status is action.status:
        raise AgendaError(_("The action already has this status."), "status")
    if status is ActionStatus.stopped and not reason:
        raise AgendaError(_("Say why the action stopped."), "reason")
    old = action.status
    action.status = status
    action.stop_reason = reason if status is ActionStatus.stopped else ""
    action.updated_dt = utcnow()
    action.history.append(ActionStatusChange(old_status=old, new_status=status, reason=reason))
    _touch(agenda)
    record_event(actor, "action.status_changed", action, challenge=agenda.challenge, old=old,
                 new=status, reason=reason or None, public=agenda.is_published,
                 details={"title": action.title})
    db.session.flush()
    if agenda.is_published:
        action_status_changed.send(action, actor=actor, old=old, new=status)


def post_update(actor: User, action: AgendaAction, body: str) -> ActionUpdate:
    """A short progress post on an action of a published agenda."""
    ensure_can_manage(actor, action.agenda.challenge)
    if not action.agenda.is_published:
        raise AgendaError(_("Progress updates start once the agenda is public."))
    body = _clean(body, MAX_UPDATE + 1)
    if not body:
        raise AgendaError(_("Write what happened."), "body")
    if len(body) > MAX_UPDATE:
        raise AgendaError(_("Use at most %(num)s characters.", num=MAX_UPDATE), "body")
    update = ActionUpdate(action=action, body=body, author_id=actor.id)
    db.session.add(update)
    _touch(action.agenda)
    record_event(actor, "action.update_posted", update, challenge=action.agenda.challenge,
                 public=True, details={"title": action.title})
    db.session.flush()
    return update


# --- following ---------------------------------------------------------------------------------


def is_following(user: User | None, challenge: Challenge) -> bool:
    if user is None or not user.is_authenticated:
        return False
    return db.session.scalar(select(ChallengeFollower.id).where(
        ChallengeFollower.challenge_id == challenge.id,
        ChallengeFollower.user_id == user.id)) is not None


def follow(user: User, challenge: Challenge, on: bool) -> None:
    """Start or stop hearing about the challenge's actions."""
    if not user.is_authenticated:
        raise PermissionDenied()
    if on and not is_following(user, challenge):
        db.session.add(ChallengeFollower(challenge_id=challenge.id, user_id=user.id))
        record_event(user, "challenge.followed", challenge, challenge=challenge)
    elif not on:
        db.session.execute(delete(ChallengeFollower).where(
            ChallengeFollower.challenge_id == challenge.id,
            ChallengeFollower.user_id == user.id))
        record_event(user, "challenge.unfollowed", challenge, challenge=challenge)
    db.session.flush()


def followers_of(challenge: Challenge) -> list[User]:
    return list(db.session.scalars(
        select(User).join(ChallengeFollower, ChallengeFollower.user_id == User.id)
        .where(ChallengeFollower.challenge_id == challenge.id).order_by(User.id)))
