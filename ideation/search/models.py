"""The search outbox (Whoosh): ideas whose index entry must be refreshed; the PostgreSQL
backend's documents.

A job is written in the same transaction as the change it reflects, so a change that is
committed is never lost to the index, whatever happens to the process afterwards.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import ForeignKey, Index, String, Text
from sqlalchemy.dialects.postgresql import TSVECTOR
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


# On PostgreSQL a tsvector; elsewhere the table exists (the schema is the same on every
# database) but is never used: SQLite searches with Whoosh.
SEARCH_DOCUMENT = Text().with_variant(TSVECTOR(), "postgresql")


class IdeaSearchDocument(db.Model):
    """The PostgreSQL search backend's entry of one searchable idea (`ideation.search.postgres`).

    ``document`` holds the terms of the same analysers Whoosh uses (computed in Python, so
    Dutch stemming and the plural rules are the same), with their positions and a weight per
    field: A title, B description, C comments. Written in the transaction that changes the
    idea; only published ideas that were not merged have a row.
    """

    __tablename__ = "idea_search"
    __table_args__ = (
        Index("ix_idea_search_document", "document", postgresql_using="gin"),
    )

    idea_id: Mapped[int] = mapped_column(
        ForeignKey("ideas.id", ondelete="CASCADE"), primary_key=True
    )
    challenge_id: Mapped[int] = mapped_column(
        ForeignKey("challenges.id", ondelete="CASCADE"), index=True
    )
    theme_id: Mapped[int | None]
    status: Mapped[str] = mapped_column(String(20))
    document: Mapped[str] = mapped_column(SEARCH_DOCUMENT)
