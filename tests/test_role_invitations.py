"""Invitations into a role: by e-mail address, with or without an account, audited; roles
changed without removing the person."""

from __future__ import annotations

import re
import time

from sqlalchemy import select

from ideation.accounts import tokens
from ideation.accounts.models import Membership, MembershipRole, RoleInvitation, User
from ideation.core.models import AuditEvent
from ideation.extensions import db
from tests.factories import PASSWORD, make_challenge, make_user
from tests.mailbox import link_to, path_of, text_of

NEW_PASSWORD = "de boot vaart langzaam naar het eiland"


def invite(client, challenge, email: str, role: MembershipRole | str):
    return client.post_form(f"/c/{challenge.slug}/manage/team",
                            {"email": email, "role": getattr(role, "value", role)})


def invitation_path(mailbox, email: str) -> str:
    return path_of(link_to(mailbox.last_to(email), "/invitations/"))


def actions() -> list[str]:
    return list(db.session.scalars(select(AuditEvent.action).order_by(AuditEvent.id)))


def test_admin_invites_a_core_team_member_who_has_no_account(client, app, mailbox):
    challenge = make_challenge()
    admin = make_user("admin", name="Anna Beheer")
    client.login(admin)

    response = invite(client, challenge, "Kees@Gemeente.nl", MembershipRole.core_team)

    assert response.status_code == 302
    message = mailbox.last_to("kees@gemeente.nl")
    assert challenge.title in message["Subject"]
    assert "Anna Beheer nodigt je uit" in text_of(message)
    assert "kernteam" in text_of(message)
    assert "role_invitation.sent" in actions()

    newcomer = app.test_client()
    path = invitation_path(mailbox, "kees@gemeente.nl")
    page = newcomer.get(path).get_data(as_text=True)
    assert "Kies je naam en een wachtwoord." in page
    joined = newcomer.post_form(path, {"name": "Kees Kern", "password": NEW_PASSWORD,
                                       "confirm": NEW_PASSWORD, "privacy": "y"})

    assert joined.status_code == 302
    assert joined.location == f"/c/{challenge.slug}"
    kees = db.session.scalar(select(User).where(User.email == "kees@gemeente.nl"))
    assert kees.role_in(challenge) is MembershipRole.core_team
    assert kees.is_confirmed  # the link proved the address
    assert newcomer.get(f"/c/{challenge.slug}/manage").status_code == 200
    assert {"membership.set", "role_invitation.accepted", "user.registered"} <= set(actions())
    # Used once: the link does nothing more.
    assert app.test_client().get(path).status_code == 404


def test_a_person_with_an_account_logs_in_and_accepts(client, app, mailbox):
    challenge = make_challenge()
    person = make_user(email="piet@example.org")
    client.login(make_user("core_team", challenge=challenge))
    invite(client, challenge, "piet@example.org", MembershipRole.stakeholder)
    path = invitation_path(mailbox, "piet@example.org")

    other = app.test_client()
    page = other.get(path).get_data(as_text=True)
    assert "Log in om aan te nemen" in page
    login = re.search(r'href="(/login\?next=[^"]+)"', page).group(1).replace("&amp;", "&")
    other.post_form(login, {"email": "piet@example.org", "password": PASSWORD})
    accepted = other.post_form(path)

    assert accepted.status_code == 302
    db.session.expire_all()
    assert db.session.get(User, person.id).role_in(challenge) is MembershipRole.stakeholder


def test_an_invitation_cannot_be_taken_by_another_account(client, app, mailbox):
    challenge = make_challenge()
    make_user(email="piet@example.org")
    intruder = make_user(email="iemand@example.org")
    client.login(make_user("admin"))
    invite(client, challenge, "piet@example.org", MembershipRole.core_team)
    path = invitation_path(mailbox, "piet@example.org")

    other = app.test_client()
    other.login(intruder)
    page = other.get(path).get_data(as_text=True)
    other.post_form(path)

    assert "Je bent ingelogd met een ander e-mailadres." in page
    db.session.expire_all()
    assert db.session.get(User, intruder.id).role_in(challenge) is None
    assert db.session.scalar(select(RoleInvitation)).accepted_dt is None


def test_the_core_team_cannot_invite_into_the_core_team_or_change_a_colleague(client, app,
                                                                            mailbox):
    challenge = make_challenge()
    colleague = make_user("core_team", challenge=challenge)
    client.login(make_user("core_team", challenge=challenge))

    into_team = invite(client, challenge, "nieuw@example.org", MembershipRole.core_team)
    demote = invite(client, challenge, colleague.email, MembershipRole.stakeholder)

    assert (into_team.status_code, demote.status_code) == (403, 403)
    assert db.session.scalars(select(RoleInvitation)).all() == []
    assert mailbox.to("nieuw@example.org") == []


def test_the_role_picker_has_no_default_and_a_missing_role_is_explained(client, app, mailbox):
    challenge = make_challenge()
    client.login(make_user("admin"))
    form = client.get(f"/c/{challenge.slug}/manage").get_data(as_text=True)
    options = re.findall(r'<input[^>]*name="role"[^>]*>', form)
    assert options and not [option for option in options if "checked" in option]

    response = invite(client, challenge, "iemand@example.org", "")

    assert response.status_code == 422
    assert "Kies een rol." in response.get_data(as_text=True)
    assert 'value="iemand@example.org"' in response.get_data(as_text=True)
    assert mailbox.to("iemand@example.org") == []


def test_a_new_invitation_replaces_the_open_one_and_withdrawing_stops_the_link(client, app,
                                                                             mailbox):
    challenge = make_challenge()
    client.login(make_user("admin"))
    invite(client, challenge, "kees@example.org", MembershipRole.stakeholder)
    first = invitation_path(mailbox, "kees@example.org")
    invite(client, challenge, "kees@example.org", MembershipRole.core_team)
    second = invitation_path(mailbox, "kees@example.org")

    assert client.get(first).status_code == 404
    assert client.get(second).status_code == 200
    open_one = db.session.scalar(select(RoleInvitation).where(
        RoleInvitation.revoked_dt.is_(None)))
    assert "kees@example.org" in client.get(f"/c/{challenge.slug}/manage").get_data(
        as_text=True)
    client.post_form(f"/c/{challenge.slug}/manage/invitations/{open_one.id}/withdraw")

    assert client.get(second).status_code == 404
    assert "role_invitation.withdrawn" in actions()


def test_an_invitation_link_expires_after_14_days(client, app, mailbox, monkeypatch):
    challenge = make_challenge()
    client.login(make_user("admin"))
    invite(client, challenge, "kees@example.org", MembershipRole.stakeholder)
    path = invitation_path(mailbox, "kees@example.org")
    later = time.time() + tokens.INVITATION_LIFETIME.total_seconds() + 1
    monkeypatch.setattr("itsdangerous.timed.time.time", lambda: later)

    assert app.test_client().get(path).status_code == 404


def test_an_admin_changes_a_role_without_removing_the_person(client, app):
    challenge = make_challenge()
    member = make_user("stakeholder", challenge=challenge)
    membership = member.memberships[0]
    client.login(make_user("admin"))

    response = client.post_form(
        f"/c/{challenge.slug}/manage/team/{membership.id}/role", {"role": "core_team"})

    assert response.status_code == 302
    db.session.expire_all()
    kept = db.session.get(Membership, membership.id)  # the same membership, a new role
    assert kept.role is MembershipRole.core_team
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "membership.set")
                              .order_by(AuditEvent.id.desc()))
    assert (event.old_state, event.new_state) == ("stakeholder", "core_team")


def test_the_core_team_cannot_change_roles(client, app):
    challenge = make_challenge()
    member = make_user("stakeholder", challenge=challenge)
    client.login(make_user("core_team", challenge=challenge))

    response = client.post_form(
        f"/c/{challenge.slug}/manage/team/{member.memberships[0].id}/role", {"role": "core_team"})

    assert response.status_code == 403
    db.session.expire_all()
    assert db.session.get(User, member.id).role_in(challenge) is MembershipRole.stakeholder


def test_the_invitation_page_and_mail_work_in_english(client, app, mailbox):
    challenge = make_challenge(language="en")
    client.login(make_user("admin"))
    invite(client, challenge, "kees@example.org", MembershipRole.stakeholder)

    message = mailbox.last_to("kees@example.org")  # the challenge's language
    assert "invites you to join" in text_of(message)
    page = app.test_client().get(path_of(link_to(message, "/invitations/")),
                                 headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert "Choose your name and a password." in page
