"""Account rules: registration, authentication, passwords and challenge memberships."""

from __future__ import annotations

from functools import cache

from flask_babel import gettext as _
from sqlalchemy import select
from werkzeug.security import check_password_hash, generate_password_hash

from ideation.accounts import emails, tokens
from ideation.accounts.models import Membership, MembershipRole, User, password_method
from ideation.accounts.passwords import password_problem
from ideation.core.audit import record_event
from ideation.core.db import utcnow
from ideation.core.permissions import ensure_admin, ensure_can_manage
from ideation.core.signals import email_confirmed
from ideation.extensions import db


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


def ensure_strong_password(password: str, email: str, name: str = "",
                           field: str = "password") -> None:
    problem = password_problem(password, email=email, name=name)
    if problem:
        raise AccountError(problem, field)


def register_user(email: str, name: str, password: str, *, locale: str | None = None,
                  email_notifications: bool = False) -> User | None:
    """Register a citizen, answering alike whether or not the address has an account.

    A new address gets an account (unconfirmed) and a link to confirm it; an address that has
    an account gets no second one: its owner is told by e-mail instead. Both ways cost one
    password hash, so neither the answer nor its time tells which it was. Returns the new user,
    or None. A weak password is refused first, before the address is looked at.
    ``email_notifications`` is the person's own choice to get updates by e-mail."""
    email = normalise_email(email)
    ensure_strong_password(password, email, name)
    existing = find_user_by_email(email)
    if existing is not None:
        generate_password_hash(password, method=password_method())  # the same work as below
        emails.send_already_registered(existing)
        return None
    user = User(email=email, name=name.strip(), locale=locale,
                email_notifications=email_notifications, email_confirmed_dt=None)
    user.set_password(password)
    db.session.add(user)
    db.session.flush()
    record_event(user, "user.registered", user)
    emails.send_confirmation(user, email)
    return user


def confirm_email(token: str) -> User | None:
    """Follow a confirmation link: confirm a new account's address, or move the account to its
    new address. Returns the user, or None when the link is not (or no longer) valid.

    A first confirmation sends ``email_confirmed``, so what waited as drafts goes out."""
    found = tokens.confirmation(token)
    if found is None:
        return None
    user, address = found
    if address == user.email:
        if user.email_confirmed_dt is None:
            user.email_confirmed_dt = utcnow()
            record_event(user, "user.email_confirmed", user)
            db.session.flush()
            email_confirmed.send(user, actor=user)
        return user
    if address != user.pending_email or find_user_by_email(address) is not None:
        return None
    old_confirmed = user.email_confirmed_dt
    user.email, user.pending_email = address, None
    user.email_confirmed_dt = utcnow()
    record_event(user, "user.email_changed", user)
    db.session.flush()
    if old_confirmed is None:
        email_confirmed.send(user, actor=user)
    return user


def resend_confirmation(user: User) -> None:
    """Send the confirmation link again (for the new address when a change waits)."""
    if user.pending_email:
        emails.send_confirmation(user, user.pending_email)
    elif not user.is_confirmed:
        emails.send_confirmation(user, user.email)


def request_email_change(user: User, new_address: str, password: str) -> None:
    """Ask to move the account to ``new_address``: it must be confirmed from there; the old
    address is told. When the new address has an account, that address is told instead and
    nothing changes (the answer on the page is the same)."""
    if not user.check_password(password):
        raise AccountError(_("Your current password is not correct."), "password")
    new_address = normalise_email(new_address)
    if new_address == user.email:
        raise AccountError(_("This is already your e-mail address."), "email")
    if find_user_by_email(new_address) is not None:
        emails.send_address_taken(user, new_address)
        return
    user.pending_email = new_address
    record_event(user, "user.email_change_requested", user)
    emails.send_confirmation(user, new_address)
    emails.send_address_change_notice(user, new_address)


def request_password_reset(email: str) -> None:
    """Send a reset link when the address has an active account; nothing otherwise. The page
    says the same either way."""
    user = find_user_by_email(email)
    if user is not None and not user.is_blocked:
        emails.send_password_reset(user)


def reset_password(token: str, password: str) -> User:
    """Set a new password from a reset link; the link dies with the old password, and every
    session of the person ends. Following the link also proves the address."""
    user = tokens.user_for_reset(token)
    if user is None:
        raise AccountError(_("This link does not work (any more). Ask for a new one."), "")
    ensure_strong_password(password, user.email, user.name)
    user.set_password(password)
    if user.email_confirmed_dt is None:
        user.email_confirmed_dt = utcnow()
        email_confirmed.send(user, actor=user)
    record_event(user, "user.password_reset", user)
    return user


def log_out(user: User) -> None:
    """End this person's sessions on the server, so a copied cookie opens nothing."""
    user.end_sessions()


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
    ensure_strong_password(new, user.email, user.name)
    user.set_password(new)
    record_event(user, "user.password_changed", user)


def create_user(email: str, name: str, password: str, *, is_admin: bool = False) -> User:
    """Create a user from the command line (or return an error when the address exists).
    The password rule is the command's to apply (tests make users with simple passwords)."""
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
