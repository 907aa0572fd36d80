"""The search outbox: ideas whose index entry must be refreshed.

A job is written in the same transaction as the change it reflects, so a change that is
committed is never lost to the index, whatever happens to the process afterwards.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import ForeignKey
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ideation.core.db import utcnow
from ideation.extensions import db

if TYPE_CHECKING:
    from ideation.ideas.models import Idea


class SearchJob(db.Model):
    __tablename__ = "search_jobs"
    # Without AUTOINCREMENT SQLite hands a deleted job's id to the next job; a worker that read
    # the old job would then delete the new one unapplied. PostgreSQL sequences never reuse.
    __table_args__ = {"sqlite_autoincrement": True}

    id: Mapped[int] = mapped_column(primary_key=True)
    idea_id: Mapped[int] = mapped_column(ForeignKey("ideas.id", ondelete="CASCADE"), index=True)
    created_dt: Mapped[datetime] = mapped_column(default=utcnow)

    idea: Mapped[Idea] = relationship()
