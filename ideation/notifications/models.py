"""Notifications shown in the app; e-mail copies go through the mail outbox."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from ideation.core.db import utcnow
from ideation.extensions import db


class Notification(db.Model):
    __tablename__ = "notifications"
    __table_args__ = (
        # ``key`` names the fact ("idea:12:prototype:3"), so a person is told it once.
        UniqueConstraint("user_id", "key"),
        Index("ix_notifications_user_read", "user_id", "read_dt"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    challenge_id: Mapped[int | None] = mapped_column(
        ForeignKey("challenges.id", ondelete="CASCADE"), index=True)
    key: Mapped[str] = mapped_column(String(120))
    # The message id and its parameters; rendered in the reader's language when shown.
    kind: Mapped[str] = mapped_column(String(40))
    params: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    # An internal path such as /c/slug/prototypes/3 (never an outside address).
    link: Mapped[str] = mapped_column(String(300), default="")
    created_dt: Mapped[datetime] = mapped_column(default=utcnow)
    read_dt: Mapped[datetime | None]


class NotificationPreference(db.Model):
    """How one person wants to hear about one topic: in the app, by e-mail at once, or in a
    weekly e-mail. Without a row: by e-mail when they agreed to e-mail updates, else in the
    app only (``User.email_notifications``)."""

    __tablename__ = "notification_preferences"
    __table_args__ = (UniqueConstraint("user_id", "topic"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    topic: Mapped[str] = mapped_column(String(20))
    channel: Mapped[str] = mapped_column(String(10))
    updated_dt: Mapped[datetime] = mapped_column(default=utcnow)
