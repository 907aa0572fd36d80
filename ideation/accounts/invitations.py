"""Invitations into a role: an admin invites core-team members, the core team invites
stakeholders, by e-mail address, whether or not the address has an account.

The invitee follows the link: with an account they log in (as the invited address) and accept;
without one they choose a name and password on the spot (the link proves the address, so the
account starts confirmed). Either way they land in the challenge with the role. Every step is
in the audit log; a role can also be changed later without removing the person
(``services.set_membership``).
"""

from __future__ import annotations

from flask import current_app
from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy import select

from ideation.accounts import tokens
from ideation.accounts.models import Membership, MembershipRole, RoleInvitation, User
from ideation.accounts.services import (
    AccountError,
    ensure_strong_password,
    find_user_by_email,
    normalise_email,
    set_membership,
)
from ideation.challenges.models import Challenge
from ideation.core.audit import record_event
from ideation.core.db import utcnow
from ideation.core.mail import path_for, queue_mail, site_url
from ideation.core.permissions import ensure_admin, ensure_can_manage
from ideation.extensions import db


def role_name(role: MembershipRole) -> str:
    return _("core team") if role is MembershipRole.core_team else _("stakeholder")


def ensure_may_invite(actor: User, challenge: Challenge, role: MembershipRole) -> None:
    if role is MembershipRole.core_team:
        ensure_admin(actor)
    else:
        ensure_can_manage(actor, challenge)


def invite(actor: User, challenge: Challenge, email: str, role: MembershipRole) -> RoleInvitation:
    """Invite ``email`` into ``role`` in ``challenge`` and send the link. An open invitation to
    the same address is replaced (its link stops working)."""
    ensure_may_invite(actor, challenge, role)
    email = normalise_email(email)
    existing = find_user_by_email(email)
    current = existing.role_in(challenge) if existing is not None else None
    if current is role:
        raise AccountError(_("This person already has this role."), "email")
    if current is MembershipRole.core_team:
        ensure_admin(actor)  # only an admin changes a core-team member's role
    now = utcnow()
    for old in db.session.scalars(select(RoleInvitation).where(
            RoleInvitation.challenge_id == challenge.id, RoleInvitation.email == email,
            RoleInvitation.accepted_dt.is_(None), RoleInvitation.revoked_dt.is_(None))):
        old.revoked_dt = now
    invitation = RoleInvitation(challenge=challenge, email=email, role=role,
                                invited_by_id=actor.id)
    db.session.add(invitation)
    db.session.flush()
    record_event(actor, "role_invitation.sent", invitation, challenge=challenge, new=role,
                 details={"has_account": existing is not None})
    _send(invitation, actor, existing)
    return invitation


def _send(invitation: RoleInvitation, actor: User, existing: User | None) -> None:
    link = site_url(path_for("accounts.invitation", token=tokens.invitation_token(invitation.id)))
    # The person's own language when they have an account, else the challenge's.
    locale = ((existing.locale if existing is not None else None)
              or invitation.challenge.language.value
              or current_app.config["BABEL_DEFAULT_LOCALE"])
    with force_locale(locale):
        title = invitation.challenge.title
        role = role_name(invitation.role)
        lines = [
            _("Hello,"),
            _("%(name)s invites you to join the challenge “%(challenge)s” as %(role)s.",
              name=actor.name, challenge=title, role=role),
            _("Open this link to accept:") + "\n" + link,
            (_("You already have an account with this address: log in and accept.")
             if existing is not None else
             _("You do not need an account yet: you choose your name and a password when you "
               "open the link.")),
            _("The link works for 14 days. Did you not expect this? Then you can ignore this "
              "e-mail."),
        ]
        queue_mail(invitation.email, _("Invitation: %(challenge)s", challenge=title),
                   "\n\n".join(lines) + "\n")


def open_invitation(token: str) -> RoleInvitation | None:
    """The invitation of a link, while it is young and neither used nor withdrawn."""
    invitation_id = tokens.invitation_id(token)
    if invitation_id is None:
        return None
    invitation = db.session.get(RoleInvitation, invitation_id)
    if invitation is None or not invitation.is_open:
        return None
    return invitation


def accept(invitation: RoleInvitation, user: User) -> Membership:
    """``user`` (the account of the invited address) takes the role."""
    if normalise_email(user.email) != invitation.email:
        raise AccountError(_("This invitation is for another e-mail address."), "")
    if not invitation.is_open:
        raise AccountError(_("This invitation was already used or withdrawn."), "")
    # The inviter's right was checked when the invitation was sent; the link carries it.
    membership = set_membership(None, invitation.challenge, user, invitation.role)
    invitation.accepted_dt = utcnow()
    invitation.accepted_by_id = user.id
    if user.email_confirmed_dt is None:  # the link proves the address
        user.email_confirmed_dt = utcnow()
    record_event(user, "role_invitation.accepted", invitation, challenge=invitation.challenge,
                 new=invitation.role)
    return membership


def accept_with_new_account(invitation: RoleInvitation, name: str, password: str,
                            locale: str | None) -> User:
    """Make the account of the invited address (which has none yet) and accept."""
    if find_user_by_email(invitation.email) is not None:
        raise AccountError(_("There is an account with this address: log in to accept."), "")
    name = name.strip()
    if not name:
        raise AccountError(_("Fill in your name."), "name")
    ensure_strong_password(password, invitation.email, name)
    user = User(email=invitation.email, name=name, locale=locale)
    user.set_password(password)
    db.session.add(user)
    db.session.flush()
    record_event(user, "user.registered", user, details={"invitation_id": invitation.id})
    accept(invitation, user)
    return user


def withdraw(actor: User, invitation: RoleInvitation) -> None:
    ensure_may_invite(actor, invitation.challenge, invitation.role)
    if invitation.is_open:
        invitation.revoked_dt = utcnow()
        record_event(actor, "role_invitation.withdrawn", invitation,
                     challenge=invitation.challenge, old=invitation.role)


def open_invitations(challenge: Challenge) -> list[RoleInvitation]:
    return list(db.session.scalars(
        select(RoleInvitation).where(RoleInvitation.challenge_id == challenge.id,
                                     RoleInvitation.accepted_dt.is_(None),
                                     RoleInvitation.revoked_dt.is_(None))
        .order_by(RoleInvitation.created_dt)))


def change_role(actor: User, membership: Membership, role: MembershipRole) -> Membership:
    """Give a member another role in the same challenge, keeping the membership (audited)."""
    return set_membership(actor, membership.challenge, membership.user, role)
