"""The process canvas (one versioned answer per basic question) and the stakeholder map."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ideation.core.db import str_enum, utcnow
from ideation.core.enums import LabelledEnum
from ideation.core.i18n import lazy_gettext as _l
from ideation.extensions import db

if TYPE_CHECKING:
    from ideation.accounts.models import User


class CanvasField(LabelledEnum):
    """The basic questions of the process canvas, in the order they are asked."""

    result = ("result", _l("Intended result"),
              _l("What must the challenge deliver at the end?"))
    ambition = ("ambition", _l("Ambition"),
                _l("How big do we dream? What would be a success?"))
    end_users = ("end_users", _l("End users and how they take part"),
                 _l("Who are the end users, and how and when do we reach them?"))
    co_owners = ("co_owners", _l("Co-owners"),
                 _l("Who owns the question with us and shares the decisions?"))
    stakeholders = ("stakeholders", _l("Stakeholders"),
                    _l("Who else has an interest, and at which step do they join?"))
    outsiders = ("outsiders", _l("Unsought stakeholders, outsiders and dissenters"),
                 _l("Whom would we easily forget? Who sees it differently?"))
    governance = ("governance", _l("Governance and roles"),
                  _l("Who decides what, and who does what in the core team?"))
    steps = ("steps", _l("Planned steps and working methods"),
             _l("Which steps, sessions and methods do we plan?"))


class EntryKind(LabelledEnum):
    co_owner = "co_owner", _l("Co-owner")
    partner = "partner", _l("Partner")
    end_user = "end_user", _l("End user")
    dissenter = "dissenter", _l("Dissenter")
    outsider = "outsider", _l("Outsider")


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
