"""A report: someone asks the core team to look at an idea or a comment."""

from __future__ import annotations

import enum
from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import CheckConstraint, Enum, ForeignKey, Index, Text, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ideation.core.db import utcnow
from ideation.extensions import db

if TYPE_CHECKING:
    from ideation.accounts.models import User
    from ideation.challenges.models import Challenge
    from ideation.ideas.models import Comment, Idea

REASON_MAX = 1000


class ReportStatus(enum.StrEnum):
    open = "open"
    resolved = "resolved"  # the core team decided on the item (hid or published it)
    dismissed = "dismissed"  # the core team looked and kept the item as it is


_OPEN = text("status = 'open'")


class Report(db.Model):
    __tablename__ = "reports"
    __table_args__ = (
        CheckConstraint("(idea_id IS NULL) <> (comment_id IS NULL)", name="one_item"),
        Index("ix_reports_queue", "challenge_id", "status", "created_dt"),
        # One open report per person per item; the service says so kindly, these keep a
        # double click from slipping past it.
        Index("uq_reports_open_idea", "reporter_id", "idea_id", unique=True,
              sqlite_where=_OPEN, postgresql_where=_OPEN),
        Index("uq_reports_open_comment", "reporter_id", "comment_id", unique=True,
              sqlite_where=_OPEN, postgresql_where=_OPEN),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    challenge_id: Mapped[int] = mapped_column(ForeignKey("challenges.id", ondelete="CASCADE"))
    idea_id: Mapped[int | None] = mapped_column(
        ForeignKey("ideas.id", ondelete="CASCADE"), index=True
    )
    comment_id: Mapped[int | None] = mapped_column(
        ForeignKey("comments.id", ondelete="CASCADE"), index=True
    )
    # A deleted account leaves its reports behind: the item may still need a look.
    reporter_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    reason: Mapped[str] = mapped_column(Text)
    status: Mapped[ReportStatus] = mapped_column(
        Enum(ReportStatus, native_enum=False, length=20, validate_strings=True),
        default=ReportStatus.open,
    )
    created_dt: Mapped[datetime] = mapped_column(default=utcnow)
    resolved_dt: Mapped[datetime | None]
    resolved_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL")
    )
    resolution_note: Mapped[str | None] = mapped_column(Text)

    challenge: Mapped[Challenge] = relationship()
    idea: Mapped[Idea | None] = relationship()
    comment: Mapped[Comment | None] = relationship()
    reporter: Mapped[User | None] = relationship(foreign_keys=[reporter_id])
    resolved_by: Mapped[User | None] = relationship(foreign_keys=[resolved_by_id])

    def __repr__(self) -> str:
        item = f"idea:{self.idea_id}" if self.idea_id else f"comment:{self.comment_id}"
        return f"<Report {self.id} {item} {self.status}>"
