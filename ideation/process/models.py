"""The process canvas (one versioned answer per basic question) and the stakeholder map."""

from __future__ import annotations

import enum
from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ideation.core.db import str_enum, utcnow
from ideation.extensions import db

if TYPE_CHECKING:
    from ideation.accounts.models import User


class CanvasField(enum.StrEnum):
    """The basic questions of the process canvas, in the order they are asked."""

    result = "result"
    ambition = "ambition"
    end_users = "end_users"
    co_owners = "co_owners"
    stakeholders = "stakeholders"
    outsiders = "outsiders"
    governance = "governance"
    steps = "steps"


class EntryKind(enum.StrEnum):
    co_owner = "co_owner"
    partner = "partner"
    end_user = "end_user"
    dissenter = "dissenter"
    outsider = "outsider"


class CanvasAnswer(db.Model):
    """One version of the answer to one question; the newest version is the answer."""

    __tablename__ = "canvas_answers"
    __table_args__ = (UniqueConstraint("challenge_id", "field", "version"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    challenge_id: Mapped[int] = mapped_column(ForeignKey("challenges.id", ondelete="CASCADE"))
    field: Mapped[CanvasField] = mapped_column(str_enum(CanvasField))
    version: Mapped[int]
    text: Mapped[str] = mapped_column(Text)
    author_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"),
                                                  index=True)
    created_dt: Mapped[datetime] = mapped_column(default=utcnow)

    author: Mapped[User | None] = relationship()


class StakeholderMapEntry(db.Model):
    """A person or organisation on the map, placed by interest and influence (1-5).

    ``group_name`` is the name of the stakeholder group in validation rounds that speaks for
    this entry, so a round can show which parts of the map it reached.
    """

    __tablename__ = "stakeholder_map_entries"
    __table_args__ = (Index("ix_stakeholder_map_entries_challenge", "challenge_id", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    challenge_id: Mapped[int] = mapped_column(ForeignKey("challenges.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(120))
    kind: Mapped[EntryKind] = mapped_column(str_enum(EntryKind))
    interest: Mapped[int] = mapped_column(default=3)
    influence: Mapped[int] = mapped_column(default=3)
    group_name: Mapped[str] = mapped_column(String(80), default="")
    note: Mapped[str] = mapped_column(Text, default="")
    created_dt: Mapped[datetime] = mapped_column(default=utcnow)
