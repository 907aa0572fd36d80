"""Forgotten passwords, confirming an address, drafts until then, changing the address.

Mail goes through a real SMTP server on this machine; the tests follow the links in it.
"""

from __future__ import annotations

import time

import pytest
from sqlalchemy import select

from ideation.accounts import tokens
from ideation.accounts.models import User
from ideation.core.models import AuditEvent
from ideation.extensions import db
from ideation.ideas.models import Comment, CommentStatus, Idea, IdeaStatus
from tests.factories import PASSWORD, make_challenge, make_user
from tests.mailbox import link_to, path_of, text_of

NEW_PASSWORD = "de kat slaapt op de warme vensterbank"


def is_logged_in(client) -> bool:
    return client.get("/account").status_code == 200


def fresh(user: User) -> User:
    db.session.expire_all()
    return db.session.get(User, user.id)


def ask_reset(client, email: str):
    response = client.post_form("/forgot-password", {"email": email})
    response.close()  # as a server does once the answer is out: then the link is sent
    return response


def reset_link(mailbox, email: str) -> str:
    return path_of(link_to(mailbox.last_to(email), "/reset-password/"))


def choose(client, path: str, password: str = NEW_PASSWORD):
    return client.post_form(path, {"password": password, "confirm": password})


# --- forgot password --------------------------------------------------------------------------


def test_the_login_page_offers_forgot_password(client, app):
    page = client.get("/login").get_data(as_text=True)

    assert 'href="/forgot-password"' in page
    assert "Wachtwoord vergeten?" in page


def test_known_and_unknown_addresses_get_the_same_answer_and_only_the_known_one_mail(
        client, app, mailbox):
    make_user(email="eva@example.org")

    known = ask_reset(client, "eva@example.org")
    known_page = client.get(known.location).get_data(as_text=True)
    unknown = ask_reset(client, "niemand@example.org")
    unknown_page = client.get(unknown.location).get_data(as_text=True)

    assert (known.status_code, known.location) == (unknown.status_code, unknown.location)
    assert known.get_data() == unknown.get_data()
    assert known_page == unknown_page
    assert "Als er een account is met dit e-mailadres" in known_page
    assert mailbox.to("niemand@example.org") == []
    assert mailbox.last_to("eva@example.org")["Subject"] == "Kies een nieuw wachtwoord"


def test_the_answer_to_a_reset_request_does_the_same_work_for_either_address(
        client, app, monkeypatch):
    """The time class of both answers is the same: before the answer neither looks the address
    up nor hashes anything; the look-up and the e-mail come after the response."""
    from werkzeug import security

    import ideation.accounts.services as services

    calls: list[str] = []
    for module in (services, security):
        for name in ("generate_password_hash", "check_password_hash"):
            original = getattr(module, name)
            monkeypatch.setattr(module, name,
                                lambda *a, _o=original, **k: calls.append("hash") or _o(*a, **k))
    looked_up: list[str] = []
    original_find = services.find_user_by_email
    monkeypatch.setattr(services, "find_user_by_email",
                        lambda email: looked_up.append(email) or original_find(email))
    make_user(email="eva@example.org")
    calls.clear()
    looked_up.clear()

    for address in ("eva@example.org", "niemand@example.org"):
        # Unbuffered: the response stays open (unsent) until close().
        response = client.post_form("/forgot-password", {"email": address}, buffered=False)
        assert looked_up == [] and calls == []  # the answer is ready: nothing done yet
        response.close()
        assert looked_up == [address]
        looked_up.clear()
    assert calls == []


def test_the_link_sets_a_new_password_logs_in_and_ends_every_other_session(client, app,
                                                                           mailbox):
    user = make_user(email="eva@example.org")
    other_device = app.test_client()
    other_device.login(user)
    ask_reset(client, "eva@example.org")

    path = reset_link(mailbox, "eva@example.org")
    assert "Kies een nieuw wachtwoord" in client.get(path).get_data(as_text=True)
    response = choose(client, path)

    assert response.status_code == 302
    assert fresh(user).check_password(NEW_PASSWORD)
    assert is_logged_in(client)
    assert not is_logged_in(other_device)
    events = db.session.scalars(select(AuditEvent.action).where(
        AuditEvent.object_type == "users", AuditEvent.object_id == user.id)).all()
    assert "user.password_reset" in events


def test_the_link_works_only_once(client, app, mailbox):
    make_user(email="eva@example.org")
    ask_reset(client, "eva@example.org")
    path = reset_link(mailbox, "eva@example.org")
    choose(client, path)
    client.logout()

    again = client.get(path)
    second = choose(client, path, "nog een heel ander wachtwoord hier")

    assert again.status_code == 404
    assert "Deze link werkt niet (meer)." in again.get_data(as_text=True)
    assert second.status_code == 404
    assert fresh(db.session.scalar(select(User))).check_password(NEW_PASSWORD)


def test_the_link_dies_when_the_password_is_changed_another_way(client, app, mailbox):
    user = make_user(email="eva@example.org")
    ask_reset(client, "eva@example.org")
    path = reset_link(mailbox, "eva@example.org")
    client.login(user)
    client.post_form("/account/password", {"current_password": PASSWORD,
                                           "password": NEW_PASSWORD, "confirm": NEW_PASSWORD})
    client.logout()

    assert client.get(path).status_code == 404
    assert choose(client, path, "nog een heel ander wachtwoord hier").status_code == 404
    assert fresh(user).check_password(NEW_PASSWORD)


def test_the_link_dies_after_its_lifetime(client, app, mailbox, monkeypatch):
    user = make_user(email="eva@example.org")
    ask_reset(client, "eva@example.org")
    path = reset_link(mailbox, "eva@example.org")
    assert client.get(path).status_code == 200

    later = time.time() + tokens.RESET_LIFETIME.total_seconds() + 1
    monkeypatch.setattr("itsdangerous.timed.time.time", lambda: later)

    assert client.get(path).status_code == 404
    assert choose(client, path).status_code == 404
    assert fresh(user).check_password(PASSWORD)


@pytest.mark.parametrize("token", ["", "x" * 40, "a.b.c", "é" * 10, "9" * 600])
def test_a_made_up_link_is_a_clear_404(client, app, token):
    response = client.get(f"/reset-password/{token}x")

    assert response.status_code == 404


def test_a_weak_new_password_is_refused_and_the_link_still_works(client, app, mailbox):
    user = make_user(email="eva@example.org")
    ask_reset(client, "eva@example.org")
    path = reset_link(mailbox, "eva@example.org")

    response = choose(client, path, "eva@example.org1")

    assert response.status_code == 200
    assert "Je wachtwoord mag je e-mailadres niet bevatten." in response.get_data(as_text=True)
    assert fresh(user).check_password(PASSWORD)
    assert client.get(path).status_code == 200


def test_asking_for_reset_links_is_rate_limited(client, app, mailbox):
    app.config["IDEATION_ACCOUNT_MAIL_RATE_LIMIT"] = "3 per hour"
    make_user(email="eva@example.org")
    for attempt in range(3):
        client.environ_base["REMOTE_ADDR"] = f"192.0.2.{attempt}"
        assert ask_reset(client, "eva@example.org").status_code == 302

    client.environ_base["REMOTE_ADDR"] = "192.0.2.99"  # another address, the same account
    assert ask_reset(client, "eva@example.org").status_code == 429
    assert len(mailbox.to("eva@example.org")) == 3


def test_the_reset_page_works_in_english(client, app, mailbox):
    make_user(email="eva@example.org")
    headers = {"Accept-Language": "en"}
    page = client.get("/forgot-password", headers=headers).get_data(as_text=True)
    assert "Forgot your password?" in page

    client.post_form("/forgot-password", {"email": "eva@example.org"}, headers=headers).close()
    # The e-mail is in the person's own language (the default, Dutch, for an account
    # that never chose one).
    assert mailbox.last_to("eva@example.org")["Subject"] == "Kies een nieuw wachtwoord"


# --- confirming the address and drafts ---------------------------------------------------------


def register(client, email: str = "eva@example.org", password: str = NEW_PASSWORD):
    return client.post_form("/register", {"name": "Eva de Vries", "email": email,
                                          "password": password, "confirm": password,
                                          "privacy": "y"})


def confirm_path(mailbox, email: str = "eva@example.org") -> str:
    return path_of(link_to(mailbox.last_to(email), "/confirm/"))


def test_following_the_confirmation_link_confirms_and_logs_in(client, app, mailbox):
    register(client)
    path = confirm_path(mailbox)

    page = client.get(path).get_data(as_text=True)
    assert "Bevestig mijn e-mailadres" in page
    response = client.post_form(path)

    assert response.status_code == 302
    user = db.session.scalar(select(User).where(User.email == "eva@example.org"))
    assert user.is_confirmed
    assert "Je e-mailadres is bevestigd." in client.get("/").get_data(as_text=True)
    assert is_logged_in(client)


def test_an_unconfirmed_account_can_log_in_and_read_and_is_reminded(client, app, mailbox):
    register(client)
    challenge = make_challenge()

    assert client.login("eva@example.org", NEW_PASSWORD).status_code == 302
    page = client.get(f"/c/{challenge.slug}").get_data(as_text=True)

    assert "Bevestig je e-mailadres met de link die we je stuurden." in page


def test_ideas_and_responses_wait_as_drafts_until_the_address_is_confirmed(client, app,
                                                                          mailbox):
    challenge = make_challenge()
    other = make_user()
    team = make_user("core_team", challenge=challenge)
    from ideation.ideas import submitting

    published = submitting.submit_idea(other, challenge, {"title": "Bestaand", "description": "Al",
                                                          "consent": True})
    db.session.commit()
    register(client)
    client.login("eva@example.org", NEW_PASSWORD)

    response = client.post_form(f"/c/{challenge.slug}/ideas/new", {
        "title": "Een buddy voor elk kind", "description": "Iemand om mee te praten.",
        "consent": "y", "similar_seen": "1"})
    client.post_form(f"/c/{challenge.slug}/ideas/{published.id}/comments",
                     {"body": "Goed plan, ik doe mee."})

    draft = db.session.scalar(select(Idea).where(Idea.title == "Een buddy voor elk kind"))
    assert response.status_code == 302
    assert draft.status is IdeaStatus.draft
    comment = db.session.scalar(select(Comment))
    assert comment.status is CommentStatus.draft
    assert db.session.get(Idea, published.id).comment_count == 0
    # The author sees the draft; nobody else does, the core team neither.
    assert client.get(f"/c/{challenge.slug}/ideas/{draft.id}").status_code == 200
    team_client = app.test_client()
    team_client.login(team)
    assert team_client.get(f"/c/{challenge.slug}/ideas/{draft.id}").status_code == 404
    gallery = team_client.get(f"/c/{challenge.slug}/ideas").get_data(as_text=True)
    assert "Een buddy voor elk kind" not in gallery
    idea_page = team_client.get(f"/c/{challenge.slug}/ideas/{published.id}")
    assert "Goed plan, ik doe mee." not in idea_page.get_data(as_text=True)

    client.post_form(confirm_path(mailbox))

    db.session.expire_all()
    assert db.session.get(Idea, draft.id).status is IdeaStatus.published
    assert db.session.get(Comment, comment.id).status is CommentStatus.published
    assert db.session.get(Idea, published.id).comment_count == 1
    assert "Een buddy voor elk kind" in team_client.get(
        f"/c/{challenge.slug}/ideas").get_data(as_text=True)


def test_drafts_in_a_premoderated_challenge_wait_for_the_core_team_after_confirming(
        client, app, mailbox):
    from ideation.ideas import visibility

    challenge = make_challenge()
    visibility.update_settings(None, challenge, is_premoderated=True, allows_anonymous=True)
    db.session.commit()
    register(client)
    client.login("eva@example.org", NEW_PASSWORD)
    client.post_form(f"/c/{challenge.slug}/ideas/new", {
        "title": "Een buddy", "description": "Praten.", "consent": "y", "similar_seen": "1"})

    client.post_form(confirm_path(mailbox))

    assert db.session.scalar(select(Idea)).status is IdeaStatus.pending


def test_a_confirmation_link_that_is_made_up_or_expired_says_so(client, app, mailbox,
                                                               monkeypatch):
    register(client)
    path = confirm_path(mailbox)
    later = time.time() + tokens.CONFIRM_LIFETIME.total_seconds() + 1
    monkeypatch.setattr("itsdangerous.timed.time.time", lambda: later)

    assert "Deze link werkt niet (meer)." in client.get(path).get_data(as_text=True)
    response = client.post_form(path)
    assert response.status_code == 302
    assert not db.session.scalar(select(User)).is_confirmed
    assert client.get("/confirm/made-up").status_code == 200


def test_the_confirmation_link_can_be_sent_again_with_a_limit(client, app, mailbox):
    app.config["IDEATION_ACCOUNT_MAIL_RATE_LIMIT"] = "2 per hour"
    register(client)
    client.login("eva@example.org", NEW_PASSWORD)

    assert client.post_form("/account/confirm/resend").status_code == 302
    assert client.post_form("/account/confirm/resend").status_code == 302
    assert client.post_form("/account/confirm/resend").status_code == 429
    assert len(mailbox.to("eva@example.org")) == 3  # registration and two resends


# --- changing the address ---------------------------------------------------------------------


def test_changing_the_address_needs_the_new_one_confirmed_and_tells_the_old_one(
        client, app, mailbox):
    user = make_user(email="eva@example.org")
    client.login(user)

    response = client.post_form("/account/email", {"email": "Eva@Nieuw.nl",
                                                    "password": PASSWORD})

    assert response.status_code == 302
    assert fresh(user).email == "eva@example.org"  # nothing changes before confirmation
    assert fresh(user).pending_email == "eva@nieuw.nl"
    notice = mailbox.last_to("eva@example.org")
    assert notice["Subject"] == "Je e-mailadres wordt veranderd"
    assert "eva@nieuw.nl" in text_of(notice)

    client.post_form(confirm_path(mailbox, "eva@nieuw.nl"))

    assert (fresh(user).email, fresh(user).pending_email) == ("eva@nieuw.nl", None)
    client.logout()
    assert client.login("eva@nieuw.nl").status_code == 302


def test_changing_to_an_address_that_has_an_account_changes_nothing_and_tells_that_address(
        client, app, mailbox):
    user = make_user(email="eva@example.org")
    make_user(email="bezet@example.org")
    client.login(user)

    taken = client.post_form("/account/email", {"email": "bezet@example.org",
                                                "password": PASSWORD})
    free = client.post_form("/account/email", {"email": "vrij@example.org",
                                               "password": PASSWORD})

    assert (taken.status_code, taken.location) == (free.status_code, free.location)
    assert mailbox.last_to("bezet@example.org")["Subject"] == (
        "Er is al een account met dit e-mailadres")
    assert fresh(user).email == "eva@example.org"
    assert fresh(user).pending_email == "vrij@example.org"


def test_changing_the_address_needs_the_password(client, app, mailbox):
    user = make_user(email="eva@example.org")
    client.login(user)

    response = client.post_form("/account/email", {"email": "nieuw@example.org",
                                                    "password": "niet het wachtwoord"})

    assert response.status_code == 200
    assert "Je huidige wachtwoord klopt niet." in response.get_data(as_text=True)
    assert fresh(user).pending_email is None
    assert mailbox.to("nieuw@example.org") == []
