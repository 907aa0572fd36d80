"""Live sessions, their participants (no account), ideas, dots and objections."""

from __future__ import annotations

from datetime import date, datetime
from typing import TYPE_CHECKING

from sqlalchemy import Column, ForeignKey, Index, String, Table, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ideation.challenges.models import PhaseKind
from ideation.core.db import str_enum, utcnow
from ideation.core.enums import LabelledEnum
from ideation.core.i18n import lazy_gettext as _l
from ideation.extensions import db
from ideation.process.models import StakeholderMapEntry

if TYPE_CHECKING:
    from ideation.challenges.models import Challenge


class Stage(LabelledEnum):
    """Where a session is: planned, then ideas, dot-voting, "who sees it differently?", closed."""

    planned = "planned", _l("Planned")
    ideas = "ideas", _l("Sending in ideas")
    voting = "voting", _l("Dot-voting")
    objections = "objections", _l("Who sees it differently?")
    closed = "closed", _l("Closed")


session_groups = Table(
    "live_session_groups",
    db.metadata,
    Column("session_id", ForeignKey("live_sessions.id", ondelete="CASCADE"), primary_key=True),
    Column("entry_id", ForeignKey("stakeholder_map_entries.id", ondelete="CASCADE"),
           primary_key=True),
)


class LiveSession(db.Model):
    __tablename__ = "live_sessions"
    __table_args__ = (Index("ix_live_sessions_challenge_stage", "challenge_id", "stage"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    challenge_id: Mapped[int] = mapped_column(ForeignKey("challenges.id", ondelete="CASCADE"))
    title: Mapped[str] = mapped_column(String(160))
    held_on: Mapped[date]
    place: Mapped[str] = mapped_column(String(160), default="")
    phase: Mapped[PhaseKind] = mapped_column(str_enum(PhaseKind))
    stage: Mapped[Stage] = mapped_column(str_enum(Stage), default=Stage.planned)
    # Short, easy to type on a phone; unique among all sessions.
    join_code: Mapped[str] = mapped_column(String(8), unique=True)
    dots: Mapped[int] = mapped_column(default=3)  # dots each participant may spend
    summary: Mapped[str] = mapped_column(Text, default="")  # the majority choice, by the team
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_dt: Mapped[datetime] = mapped_column(default=utcnow)
    opened_dt: Mapped[datetime | None]
    closed_dt: Mapped[datetime | None]

    challenge: Mapped[Challenge] = relationship()
    groups: Mapped[list[StakeholderMapEntry]] = relationship(
        secondary=session_groups, order_by=StakeholderMapEntry.name)


class Participant(db.Model):
    """Someone on a phone in the room; known only by a signed cookie and an optional nickname."""

    __tablename__ = "live_session_participants"

    id: Mapped[int] = mapped_column(primary_key=True)
    session_id: Mapped[int] = mapped_column(ForeignKey("live_sessions.id", ondelete="CASCADE"),
                                            index=True)
    nickname: Mapped[str] = mapped_column(String(40), default="")
    created_dt: Mapped[datetime] = mapped_column(default=utcnow)


class SessionIdea(db.Model):
    __tablename__ = "live_session_ideas"
    __table_args__ = (Index("ix_live_session_ideas_session", "session_id", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    session_id: Mapped[int] = mapped_column(ForeignKey("live_sessions.id", ondelete="CASCADE"))
    participant_id: Mapped[int | None] = mapped_column(
        ForeignKey("live_session_participants.id", ondelete="SET NULL"), index=True)
    title: Mapped[str] = mapped_column(String(120))
    description: Mapped[str] = mapped_column(Text, default="")
    nickname: Mapped[str] = mapped_column(String(40), default="")
    is_from_paper: Mapped[bool] = mapped_column(default=False)
    created_dt: Mapped[datetime] = mapped_column(default=utcnow)
    # The challenge's idea it became when the session closed.
    idea_id: Mapped[int | None] = mapped_column(ForeignKey("ideas.id", ondelete="SET NULL"),
                                                index=True)


class Dot(db.Model):
    """One dot of a participant's budget: (participant, number) is unique, so a participant
    never spends more dots than the session gives, also when two requests race."""

    __tablename__ = "live_session_dots"
    __table_args__ = (UniqueConstraint("participant_id", "number"),
                      Index("ix_live_session_dots_idea", "session_idea_id"))

    id: Mapped[int] = mapped_column(primary_key=True)
    session_id: Mapped[int] = mapped_column(ForeignKey("live_sessions.id", ondelete="CASCADE"),
                                            index=True)
    participant_id: Mapped[int] = mapped_column(
        ForeignKey("live_session_participants.id", ondelete="CASCADE"))
    session_idea_id: Mapped[int] = mapped_column(
        ForeignKey("live_session_ideas.id", ondelete="CASCADE"))
    number: Mapped[int]
    created_dt: Mapped[datetime] = mapped_column(default=utcnow)


class Objection(db.Model):
    """What would make someone say no to a leading idea. Anonymous: no participant is kept."""

    __tablename__ = "live_session_objections"
    __table_args__ = (Index("ix_live_session_objections_idea", "session_idea_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    session_id: Mapped[int] = mapped_column(ForeignKey("live_sessions.id", ondelete="CASCADE"),
                                            index=True)
    session_idea_id: Mapped[int] = mapped_column(
        ForeignKey("live_session_ideas.id", ondelete="CASCADE"))
    text: Mapped[str] = mapped_column(Text)
    created_dt: Mapped[datetime] = mapped_column(default=utcnow)
