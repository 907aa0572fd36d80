"""The Agenda voor Actie of a challenge, its actions, their history and progress updates, and
the people who follow a challenge.

Only the free texts (introduction, conclusions) and the actions are stored here; everything
else in the agenda is read from the platform's own data when the page is made, so the agenda
never disagrees with the platform (``reports/agenda.py``).
"""

from __future__ import annotations

from datetime import date, datetime
from typing import TYPE_CHECKING

from sqlalchemy import Column, ForeignKey, Index, String, Table, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ideation.core.db import str_enum, utcnow
from ideation.core.enums import LabelledEnum
from ideation.core.i18n import lazy_gettext as _l
from ideation.extensions import db
from ideation.prototypes import models as _prototypes  # noqa: F401 - mapped by name below

if TYPE_CHECKING:
    from ideation.challenges.models import Challenge
    from ideation.concepts.models import Concept
    from ideation.prototypes.models import Prototype


class ActionStatus(LabelledEnum):
    planned = "planned", _l("Planned")
    started = "started", _l("Started")
    done = "done", _l("Done")
    stopped = "stopped", _l("Stopped")  # always with a reason


class Agenda(db.Model):
    __tablename__ = "agendas"

    id: Mapped[int] = mapped_column(primary_key=True)
    challenge_id: Mapped[int] = mapped_column(
        ForeignKey("challenges.id", ondelete="CASCADE"), unique=True)
    introduction: Mapped[str] = mapped_column(Text, default="")
    conclusions: Mapped[str] = mapped_column(Text, default="")
    is_published: Mapped[bool] = mapped_column(default=False)
    published_dt: Mapped[datetime | None]
    created_dt: Mapped[datetime] = mapped_column(default=utcnow)
    updated_dt: Mapped[datetime] = mapped_column(default=utcnow)
    # The stored PDF (a file name in <instance>/agendas/) and when it was made; empty until the
    # first background job made it.
    pdf_file: Mapped[str | None] = mapped_column(String(80))
    pdf_dt: Mapped[datetime | None]

    challenge: Mapped[Challenge] = relationship()
    actions: Mapped[list[AgendaAction]] = relationship(
        back_populates="agenda", cascade="all, delete-orphan",
        order_by="(AgendaAction.position, AgendaAction.id)")


action_concepts = Table(
    "agenda_action_concepts", db.metadata,
    Column("action_id", ForeignKey("agenda_actions.id", ondelete="CASCADE"), primary_key=True),
    Column("concept_id", ForeignKey("concepts.id", ondelete="CASCADE"), primary_key=True,
           index=True),
)

action_prototypes = Table(
    "agenda_action_prototypes", db.metadata,
    Column("action_id", ForeignKey("agenda_actions.id", ondelete="CASCADE"), primary_key=True),
    Column("prototype_id", ForeignKey("prototypes.id", ondelete="CASCADE"), primary_key=True,
           index=True),
)


class AgendaAction(db.Model):
    __tablename__ = "agenda_actions"
    __table_args__ = (Index("ix_agenda_actions_agenda_position", "agenda_id", "position"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    agenda_id: Mapped[int] = mapped_column(ForeignKey("agendas.id", ondelete="CASCADE"))
    position: Mapped[int] = mapped_column(default=0)
    title: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    # An organisation or a role ("Gemeente Utrecht", "de rechtbanken"), not an account.
    owner: Mapped[str] = mapped_column(String(200))
    due_on: Mapped[date | None]
    status: Mapped[ActionStatus] = mapped_column(str_enum(ActionStatus),
                                                 default=ActionStatus.planned)
    stop_reason: Mapped[str] = mapped_column(Text, default="")
    created_dt: Mapped[datetime] = mapped_column(default=utcnow)
    updated_dt: Mapped[datetime] = mapped_column(default=utcnow)

    agenda: Mapped[Agenda] = relationship(back_populates="actions")
    concepts: Mapped[list[Concept]] = relationship(secondary=action_concepts,
                                                   order_by="Concept.id")
    prototypes: Mapped[list[Prototype]] = relationship(secondary=action_prototypes,
                                                       order_by="Prototype.id")
    history: Mapped[list[ActionStatusChange]] = relationship(
        back_populates="action", cascade="all, delete-orphan",
        order_by="(ActionStatusChange.changed_dt, ActionStatusChange.id)")
    updates: Mapped[list[ActionUpdate]] = relationship(
        back_populates="action", cascade="all, delete-orphan",
        order_by="(ActionUpdate.created_dt.desc(), ActionUpdate.id.desc())")


class ActionStatusChange(db.Model):
    """One step in an action's public history (the audit log keeps who made it)."""

    __tablename__ = "agenda_action_status_changes"

    id: Mapped[int] = mapped_column(primary_key=True)
    action_id: Mapped[int] = mapped_column(
        ForeignKey("agenda_actions.id", ondelete="CASCADE"), index=True)
    old_status: Mapped[ActionStatus | None] = mapped_column(str_enum(ActionStatus))
    new_status: Mapped[ActionStatus] = mapped_column(str_enum(ActionStatus))
    reason: Mapped[str] = mapped_column(Text, default="")
    changed_dt: Mapped[datetime] = mapped_column(default=utcnow)

    action: Mapped[AgendaAction] = relationship(back_populates="history")


class ActionUpdate(db.Model):
    """A short progress post by the core team on one action; public with the agenda."""

    __tablename__ = "agenda_action_updates"

    id: Mapped[int] = mapped_column(primary_key=True)
    action_id: Mapped[int] = mapped_column(
        ForeignKey("agenda_actions.id", ondelete="CASCADE"), index=True)
    body: Mapped[str] = mapped_column(Text)
    author_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"),
                                                  index=True)
    created_dt: Mapped[datetime] = mapped_column(default=utcnow)

    action: Mapped[AgendaAction] = relationship(back_populates="updates")


class ChallengeFollower(db.Model):
    """Someone who asked to hear about a challenge's actions after the hand-over."""

    __tablename__ = "challenge_followers"
    __table_args__ = (UniqueConstraint("challenge_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    challenge_id: Mapped[int] = mapped_column(ForeignKey("challenges.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    created_dt: Mapped[datetime] = mapped_column(default=utcnow)
