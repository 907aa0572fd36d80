"""Ideas with their photos, supports and comments, and the per-challenge idea settings.

Counters (``support_count``, ``comment_count``) are denormalised on purpose: the gallery sorts
many thousands of ideas by them. The services change them in the same transaction as the
support or comment they count.
"""

from __future__ import annotations

import enum
from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import ForeignKey, Index, String, Text, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ideation.core.db import str_enum, utcnow
from ideation.core.enums import LabelledEnum
from ideation.core.i18n import lazy_gettext as _l
from ideation.extensions import db

if TYPE_CHECKING:
    from ideation.accounts.models import User
    from ideation.challenges.models import Challenge, Theme


class IdeaStatus(LabelledEnum):
    published = "published", _l("Published")
    # waiting for the core team when the challenge pre-moderates
    pending = "pending", _l("Waiting for a check")
    hidden = "hidden", _l("Hidden")  # by the core team, with a reason the author can read
    withdrawn = "withdrawn", _l("Withdrawn")  # by the author
    # Sent in before the author confirmed their e-mail address: seen by the author only, and
    # sent in for real (published or pending) once they confirm.
    draft = "draft", _l("Draft: sent in when you confirm your e-mail address")


class CommentStatus(enum.StrEnum):
    published = "published"
    hidden = "hidden"
    draft = "draft"  # as for ideas: the author has not confirmed their address yet


_enum = str_enum


class IdeaSettings(db.Model):
    """How a challenge treats ideas. A challenge without a row uses the defaults below."""

    __tablename__ = "idea_settings"

    id: Mapped[int] = mapped_column(primary_key=True)
    challenge_id: Mapped[int] = mapped_column(
        ForeignKey("challenges.id", ondelete="CASCADE"), unique=True
    )
    is_premoderated: Mapped[bool] = mapped_column(default=False)
    allows_anonymous: Mapped[bool] = mapped_column(default=True)


class Idea(db.Model):
    __tablename__ = "ideas"
    __table_args__ = (
        # One index per gallery sort order, and one for the theme filter.
        Index("ix_ideas_gallery_newest", "challenge_id", "status", "created_dt"),
        Index("ix_ideas_gallery_supported", "challenge_id", "status", "support_count"),
        Index("ix_ideas_gallery_discussed", "challenge_id", "status", "comment_count"),
        Index("ix_ideas_gallery_theme", "challenge_id", "theme_id", "status"),
        Index("ix_ideas_challenge_cluster", "challenge_id", "cluster_id"),
        # Counting the gallery's ideas and the board's ideas without a group: at 100,000
        # ideas both counts read every row of the table (50 ms on PostgreSQL); over these
        # small partial indexes they are index-only scans (see the README's PostgreSQL
        # section).
        Index("ix_ideas_count_visible", "challenge_id", "status", "id",
              postgresql_where=text("merged_into_id IS NULL"),
              sqlite_where=text("merged_into_id IS NULL")),
        Index("ix_ideas_count_unclustered", "challenge_id", "status", "id",
              postgresql_where=text("merged_into_id IS NULL AND cluster_id IS NULL"),
              sqlite_where=text("merged_into_id IS NULL AND cluster_id IS NULL")),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    challenge_id: Mapped[int] = mapped_column(ForeignKey("challenges.id", ondelete="CASCADE"))
    # A deleted account leaves its ideas behind, shown without a name.
    author_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), index=True
    )
    theme_id: Mapped[int | None] = mapped_column(ForeignKey("themes.id", ondelete="SET NULL"))
    title: Mapped[str] = mapped_column(String(120))
    description: Mapped[str] = mapped_column(Text)
    status: Mapped[IdeaStatus] = mapped_column(_enum(IdeaStatus), default=IdeaStatus.published)
    is_anonymous: Mapped[bool] = mapped_column(default=False)
    hidden_reason: Mapped[str | None] = mapped_column(Text)
    # "web" for ideas sent in on the site, "import" for ideas the team brought in from paper,
    # sessions or Pol.is; imported ideas have no account, only an optional name from the file.
    source: Mapped[str | None] = mapped_column(String(20), default="web", server_default="web")
    imported_author: Mapped[str | None] = mapped_column(String(100))
    # Ideas made in a live session (source "session"): which one, and the dots they got
    # there, counted apart from the online supports.
    live_session_id: Mapped[int | None] = mapped_column(
        ForeignKey("live_sessions.id", ondelete="SET NULL"), index=True)
    session_dots: Mapped[int] = mapped_column(default=0, server_default="0")
    # Indexed: the idea page looks up what builds on an idea and what was merged into it.
    built_on_id: Mapped[int | None] = mapped_column(
        ForeignKey("ideas.id", ondelete="SET NULL"), index=True
    )
    merged_into_id: Mapped[int | None] = mapped_column(
        ForeignKey("ideas.id", ondelete="SET NULL"), index=True
    )
    # At most one cluster per idea (ideation.curation); a removed cluster leaves its ideas.
    cluster_id: Mapped[int | None] = mapped_column(
        ForeignKey("clusters.id", ondelete="SET NULL"), index=True
    )
    support_count: Mapped[int] = mapped_column(default=0)
    comment_count: Mapped[int] = mapped_column(default=0)
    created_dt: Mapped[datetime] = mapped_column(default=utcnow)
    updated_dt: Mapped[datetime] = mapped_column(default=utcnow)

    challenge: Mapped[Challenge] = relationship()
    author: Mapped[User | None] = relationship()
    theme: Mapped[Theme | None] = relationship()
    images: Mapped[list[IdeaImage]] = relationship(
        back_populates="idea", cascade="all, delete-orphan", order_by="IdeaImage.position"
    )
    built_on: Mapped[Idea | None] = relationship(
        remote_side=[id], foreign_keys=[built_on_id], back_populates="built_upon_by"
    )
    built_upon_by: Mapped[list[Idea]] = relationship(
        foreign_keys=[built_on_id], back_populates="built_on", order_by="Idea.created_dt"
    )
    merged_into: Mapped[Idea | None] = relationship(remote_side=[id], foreign_keys=[merged_into_id])

    @property
    def is_public(self) -> bool:
        return self.status is IdeaStatus.published and self.challenge.is_published

    def __repr__(self) -> str:
        return f"<Idea {self.id} {self.status}>"


class IdeaImage(db.Model):
    __tablename__ = "idea_images"

    id: Mapped[int] = mapped_column(primary_key=True)
    idea_id: Mapped[int] = mapped_column(ForeignKey("ideas.id", ondelete="CASCADE"), index=True)
    # The ImageStore key; the files live in the instance folder, never in static/.
    storage_key: Mapped[str] = mapped_column(String(40), unique=True)
    width: Mapped[int]
    height: Mapped[int]
    position: Mapped[int] = mapped_column(default=0)
    alt_text: Mapped[str | None] = mapped_column(String(300))

    idea: Mapped[Idea] = relationship(back_populates="images")


class Support(db.Model):
    __tablename__ = "supports"
    __table_args__ = (UniqueConstraint("idea_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    idea_id: Mapped[int] = mapped_column(ForeignKey("ideas.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    created_dt: Mapped[datetime] = mapped_column(default=utcnow)


class Comment(db.Model):
    __tablename__ = "comments"
    __table_args__ = (Index("ix_comments_idea_created", "idea_id", "created_dt"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    idea_id: Mapped[int] = mapped_column(ForeignKey("ideas.id", ondelete="CASCADE"))
    author_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), index=True
    )
    # One level of threading: a reply always points at a top-level comment.
    parent_id: Mapped[int | None] = mapped_column(
        ForeignKey("comments.id", ondelete="CASCADE"), index=True
    )
    body: Mapped[str] = mapped_column(Text)
    status: Mapped[CommentStatus] = mapped_column(
        _enum(CommentStatus), default=CommentStatus.published
    )
    created_dt: Mapped[datetime] = mapped_column(default=utcnow)
    edited_dt: Mapped[datetime | None]

    idea: Mapped[Idea] = relationship()
    author: Mapped[User | None] = relationship()
    parent: Mapped[Comment | None] = relationship(remote_side=[id])
