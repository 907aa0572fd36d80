"""The privacy statement (versioned, set by an admin) and the consents given to it."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from ideation.core.db import utcnow
from ideation.extensions import db

MAX_RETENTION_MONTHS = 240


class PrivacyStatement(db.Model):
    """One version of the installation's privacy statement; the newest is in force. Version 0
    is the built-in default text, which needs no row."""

    __tablename__ = "privacy_statements"

    id: Mapped[int] = mapped_column(primary_key=True)
    version: Mapped[int] = mapped_column(unique=True)
    body_nl: Mapped[str] = mapped_column(Text)
    body_en: Mapped[str] = mapped_column(Text)
    created_dt: Mapped[datetime] = mapped_column(default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))


class Consent(db.Model):
    """A person agreed to a version of the privacy statement (on registering, or on joining
    from an invitation)."""

    __tablename__ = "consents"
    __table_args__ = (Index("ix_consents_user", "user_id", "given_dt"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(20), default="privacy")
    statement_version: Mapped[int]
    given_dt: Mapped[datetime] = mapped_column(default=utcnow)


class PrivacySettings(db.Model):
    """The installation's retention period (one row, id 1; absent: keep until deleted)."""

    __tablename__ = "privacy_settings"

    id: Mapped[int] = mapped_column(primary_key=True)
    # Closed challenges are anonymised this many months after their last phase ended; and
    # accounts unused this long (no log-in) are deleted, their contributions kept without a
    # name. None: nothing is removed on its own.
    retention_months: Mapped[int | None]
    updated_dt: Mapped[datetime] = mapped_column(default=utcnow)
