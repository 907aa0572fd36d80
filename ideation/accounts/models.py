"""Users and their memberships of challenges.

Roles: everyone with an account is a citizen; ``is_admin`` makes an admin; a membership makes
someone core team or stakeholder of one specific challenge, and of that challenge only.
"""

from __future__ import annotations

import enum
import secrets
from datetime import datetime
from typing import TYPE_CHECKING

from flask import current_app, has_app_context
from flask_login import UserMixin
from sqlalchemy import Enum, ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship
from werkzeug.security import check_password_hash, generate_password_hash

from ideation.core.db import utcnow
from ideation.extensions import db

if TYPE_CHECKING:
    from ideation.challenges.models import Challenge

# scrypt is Werkzeug's memory-hard default; named explicitly so a Werkzeug change cannot weaken it.
# The method is the setting PASSWORD_HASH_METHOD (tests lower its cost); this is the default.
PASSWORD_METHOD = "scrypt"  # noqa: S105 - a hash method name, not a password


def password_method() -> str:
    """The hash method new passwords get: the app's setting, scrypt outside an app."""
    if not has_app_context():
        return PASSWORD_METHOD
    return current_app.config.get("PASSWORD_HASH_METHOD", PASSWORD_METHOD)


def new_session_token() -> str:
    return secrets.token_urlsafe(24)


class MembershipRole(enum.StrEnum):
    core_team = "core_team"
    stakeholder = "stakeholder"


class User(UserMixin, db.Model):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    name: Mapped[str] = mapped_column(String(100))
    password_hash: Mapped[str] = mapped_column(String(255))
    is_admin: Mapped[bool] = mapped_column(default=False)
    is_blocked: Mapped[bool] = mapped_column(default=False)
    locale: Mapped[str | None] = mapped_column(String(5))
    # Consent to receive notifications by e-mail as well as in the app (off until asked).
    email_notifications: Mapped[bool] = mapped_column(default=False)
    # Part of the login cookie; rotating it (password change) logs out every other session.
    session_token: Mapped[str] = mapped_column(String(64), default=new_session_token)
    created_dt: Mapped[datetime] = mapped_column(default=utcnow)
    last_login_dt: Mapped[datetime | None]
    # Set when the person followed the link sent to ``email``; until then ideas and comments
    # wait as drafts and no e-mail notifications go out. Accounts made by an admin on the
    # command line, or from an invitation link (which proves the address), start confirmed:
    # only self-registration (``register_user``) makes an account without it.
    email_confirmed_dt: Mapped[datetime | None]
    # A new address waiting for its confirmation link; ``email`` stays in use until then.
    pending_email: Mapped[str | None] = mapped_column(String(254))
    # The name shown on challenges that show pseudonyms (chosen by the person).
    pseudonym: Mapped[str | None] = mapped_column(String(60))
    # The person agreed to be thanked by name in the Agenda voor Actie of challenges they
    # took part in (as the challenge names authors; never with "no names").
    thanks_by_name: Mapped[bool] = mapped_column(default=False, server_default="0")
    # The last weekly digest of notifications sent to this person.
    digest_sent_dt: Mapped[datetime | None]

    memberships: Mapped[list[Membership]] = relationship(
        back_populates="user", cascade="all, delete-orphan", lazy="selectin"
    )

    def __init__(self, **values: object) -> None:
        # Confirmed unless told otherwise (a column default would also fill an explicit None).
        values.setdefault("email_confirmed_dt", utcnow())
        super().__init__(**values)

    def set_password(self, password: str) -> None:
        self.password_hash = generate_password_hash(password, method=password_method())
        self.end_sessions()

    def check_password(self, password: str) -> bool:
        return check_password_hash(self.password_hash, password)

    @property
    def is_confirmed(self) -> bool:
        return self.email_confirmed_dt is not None

    def end_sessions(self) -> None:
        """Log out every session (and remembered device) of this person."""
        self.session_token = new_session_token()

    @property
    def is_active(self) -> bool:  # Flask-Login refuses inactive users
        return not self.is_blocked

    def get_id(self) -> str:
        return f"{self.id}:{self.session_token}"

    def role_in(self, challenge: Challenge) -> MembershipRole | None:
        for membership in self.memberships:
            if membership.challenge_id == challenge.id:
                return membership.role
        return None

    def __repr__(self) -> str:
        return f"<User {self.id}>"


class Membership(db.Model):
    __tablename__ = "memberships"
    __table_args__ = (UniqueConstraint("user_id", "challenge_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    challenge_id: Mapped[int] = mapped_column(
        ForeignKey("challenges.id", ondelete="CASCADE"), index=True
    )
    role: Mapped[MembershipRole] = mapped_column(
        Enum(MembershipRole, native_enum=False, length=20, validate_strings=True)
    )
    created_dt: Mapped[datetime] = mapped_column(default=utcnow)

    user: Mapped[User] = relationship(back_populates="memberships")
    challenge: Mapped[Challenge] = relationship(back_populates="memberships")


class RoleInvitation(db.Model):
    """An invitation by e-mail into a role in one challenge, for an address with or without an
    account. Its link is a signed token of its id (``tokens``); it is used once."""

    __tablename__ = "role_invitations"
    __table_args__ = (Index("ix_role_invitations_email", "email"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    challenge_id: Mapped[int] = mapped_column(
        ForeignKey("challenges.id", ondelete="CASCADE"), index=True)
    email: Mapped[str] = mapped_column(String(254))
    role: Mapped[MembershipRole] = mapped_column(
        Enum(MembershipRole, native_enum=False, length=20, validate_strings=True))
    invited_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_dt: Mapped[datetime] = mapped_column(default=utcnow)
    accepted_dt: Mapped[datetime | None]
    accepted_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"))
    # Withdrawn by the team, or replaced by a newer invitation to the same address.
    revoked_dt: Mapped[datetime | None]

    challenge: Mapped[Challenge] = relationship()
    invited_by: Mapped[User | None] = relationship(foreign_keys=[invited_by_id])

    @property
    def is_open(self) -> bool:
        return self.accepted_dt is None and self.revoked_dt is None
