"""The audit log: who moved what, from which state to which, when and why."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import JSON, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ideation.core.db import utcnow
from ideation.extensions import db

if TYPE_CHECKING:
    from ideation.accounts.models import User


class AuditEvent(db.Model):
    __tablename__ = "audit_events"
    __table_args__ = (
        Index("ix_audit_events_object", "object_type", "object_id"),
        Index("ix_audit_events_challenge_created", "challenge_id", "created_dt"),
        # The public timeline reads the public events of a challenge, newest first. With only
        # the index above it walked past every other event (one per imported or moderated
        # idea: 3.3 ms of a 12 ms challenge page at 10,000 ideas). Equality on two columns
        # makes SQLite, which keeps no statistics, prefer it to the index above.
        Index("ix_audit_events_public", "challenge_id", "is_public", "created_dt", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    created_dt: Mapped[datetime] = mapped_column(default=utcnow)
    # Nullable: the CLI and the system act without a user; a deleted user keeps their history.
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    challenge_id: Mapped[int | None] = mapped_column(
        ForeignKey("challenges.id", ondelete="CASCADE")
    )
    action: Mapped[str] = mapped_column(String(64))
    object_type: Mapped[str] = mapped_column(String(32))
    object_id: Mapped[int | None]
    old_state: Mapped[str | None] = mapped_column(String(255))
    new_state: Mapped[str | None] = mapped_column(String(255))
    reason: Mapped[str | None] = mapped_column(Text)
    # Public events feed the challenge timeline; the rest is for the core team and admins.
    is_public: Mapped[bool] = mapped_column(default=False)
    details: Mapped[dict[str, Any] | None] = mapped_column(JSON)

    actor: Mapped[User | None] = relationship(lazy="joined")

    def __repr__(self) -> str:
        return f"<AuditEvent {self.action} {self.object_type}:{self.object_id}>"


class OutgoingMail(db.Model):
    """A message waiting to be delivered. Written in the transaction of the change it reports,
    so a rolled-back change sends nothing; delivered after the commit (and by
    ``flask mail deliver``), retried with the last error kept."""

    __tablename__ = "outgoing_mail"
    __table_args__ = ({"sqlite_autoincrement": True},)

    id: Mapped[int] = mapped_column(primary_key=True)
    created_dt: Mapped[datetime] = mapped_column(default=utcnow)
    to_address: Mapped[str] = mapped_column(String(254))
    subject: Mapped[str] = mapped_column(String(300))
    body_text: Mapped[str] = mapped_column(Text)
    body_html: Mapped[str | None] = mapped_column(Text)
    attempts: Mapped[int] = mapped_column(default=0)
    last_error: Mapped[str | None] = mapped_column(Text)
    # When a sender last took the message; a stale claim (a crashed sender) makes it due again.
    claimed_dt: Mapped[datetime | None]
    sent_dt: Mapped[datetime | None] = mapped_column(index=True)


class ScheduledRun(db.Model):
    """When a periodic job (retention, the weekly digest) last ran. Claimed with a
    compare-and-set update, so among many workers one runs it."""

    __tablename__ = "scheduled_runs"

    name: Mapped[str] = mapped_column(String(40), primary_key=True)
    last_run_dt: Mapped[datetime | None]
