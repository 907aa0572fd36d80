"""Account rules: registration, authentication, passwords and challenge memberships."""

from __future__ import annotations

from functools import cache

from flask_babel import gettext as _
from sqlalchemy import func, select
from werkzeug.security import check_password_hash, generate_password_hash

from ideation.accounts.models import Membership, MembershipRole, User, password_method
from ideation.core.audit import record_event
from ideation.core.db import utcnow
from ideation.core.permissions import ensure_admin, ensure_can_manage
from ideation.extensions import db

MIN_PASSWORD_LENGTH = 10


@cache
def _dummy_hash(method: str) -> str:
    """Checked when the e-mail address is unknown, so a failed log-in takes as long either way
    and does not reveal which addresses have an account (one hash per configured method)."""
    return generate_password_hash("not-a-real-password", method=method)


class AccountError(ValueError):
    """A rule was broken; ``field`` names the form field the message belongs to."""

    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.field = field


def normalise_email(email: str) -> str:
    return email.strip().lower()


def find_user_by_email(email: str) -> User | None:
    return db.session.scalar(select(User).where(User.email == normalise_email(email)))


def register_user(email: str, name: str, password: str, *, locale: str | None = None,
                  email_notifications: bool = False) -> User:
    """Create a citizen account. Raises AccountError when the address is taken.

    ``email_notifications`` is the person's own choice to get updates by e-mail (off unless
    they tick it)."""
    email = normalise_email(email)
    if find_user_by_email(email) is not None:
        raise AccountError(_("There is already an account with this e-mail address."), "email")
    user = User(email=email, name=name.strip(), locale=locale,
                email_notifications=email_notifications)
    user.set_password(password)
    db.session.add(user)
    db.session.flush()
    return user


def authenticate(email: str, password: str) -> User | None:
    """Return the user when the address and password match and the account is not blocked."""
    user = find_user_by_email(email)
    if user is None:
        check_password_hash(_dummy_hash(password_method()), password)
        return None
    if not user.check_password(password) or user.is_blocked:
        return None
    user.last_login_dt = utcnow()
    return user


def change_password(user: User, current: str, new: str) -> None:
    """Replace the password; every other session of this user is logged out."""
    if not user.check_password(current):
        raise AccountError(_("Your current password is not correct."), "current_password")
    user.set_password(new)


def create_user(email: str, name: str, password: str, *, is_admin: bool = False) -> User:
    """Create a user from the command line (or return an error when the address exists)."""
    if find_user_by_email(email) is not None:
        raise AccountError(f"a user with e-mail {normalise_email(email)} already exists", "email")
    user = User(email=normalise_email(email), name=name.strip() or email, is_admin=is_admin)
    user.set_password(password)
    db.session.add(user)
    db.session.flush()
    return user


def set_membership(actor: User | None, challenge, user: User, role: MembershipRole) -> Membership:
    """Make ``user`` core team or stakeholder of ``challenge`` (one role per challenge).

    Only admins appoint the core team; the core team may add stakeholders. ``actor`` None is
    the command line, which is trusted.
    """
    if actor is not None:
        if role is MembershipRole.core_team:
            ensure_admin(actor)
        else:
            ensure_can_manage(actor, challenge)
    membership = db.session.scalar(
        select(Membership).where(
            Membership.user_id == user.id, Membership.challenge_id == challenge.id
        )
    )
    old_role = membership.role if membership else None
    if membership is None:
        membership = Membership(user=user, challenge=challenge, role=role)
        db.session.add(membership)
    else:
        if membership.role is MembershipRole.core_team and actor is not None:
            ensure_admin(actor)  # only an admin can demote a core-team member
        membership.role = role
    if old_role is not role:
        record_event(actor, "membership.set", membership, challenge=challenge,
                     old=old_role, new=role, details={"user_id": user.id})
    return membership


def remove_membership(actor: User, membership: Membership) -> None:
    """End a membership; core-team memberships only by an admin."""
    if membership.role is MembershipRole.core_team:
        ensure_admin(actor)
    else:
        ensure_can_manage(actor, membership.challenge)
    record_event(actor, "membership.removed", membership, challenge=membership.challenge,
                 old=membership.role, new=None, details={"user_id": membership.user_id})
    db.session.delete(membership)


def count_users() -> int:
    return db.session.scalar(select(func.count(User.id))) or 0
