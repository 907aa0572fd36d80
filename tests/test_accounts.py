"""Accounts: register, log in and out, rate limits, passwords, profile and the create-user CLI."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from ideation.accounts.models import MembershipRole, User
from ideation.extensions import db
from ideation.privacy.models import Consent
from tests.factories import PASSWORD, make_challenge, make_user
from tests.html import page_language
from tests.mailbox import text_of

NEW_PASSWORD = "a brand new sentence"


def registration(**overrides: str) -> dict[str, str]:
    return {
        "name": "Eva de Vries",
        "email": "eva@example.org",
        "password": "long enough pw",
        "confirm": "long enough pw",
        "privacy": "y",
        **overrides,
    }


def user_by_email(email: str) -> User | None:
    return db.session.scalar(select(User).where(User.email == email))


def is_logged_in(client) -> bool:
    return client.get("/account").status_code == 200


# Registering


def test_registering_creates_an_unconfirmed_citizen_and_asks_to_look_in_the_mail(client, app):
    response = client.post_form("/register", registration(email="Eva@Example.org"))

    assert response.status_code == 302
    assert response.location.endswith("/register/check-your-email")
    user = user_by_email("eva@example.org")
    assert user.name == "Eva de Vries"
    assert not user.is_admin and not user.is_confirmed
    assert user.memberships == []
    assert user.locale == "nl"  # the language the page was in
    page = client.get(response.location).get_data(as_text=True)
    assert "Kijk in je e-mail" in page
    assert not is_logged_in(client)  # the same answer as for a known address: no session


def test_registering_records_consent_to_the_privacy_statement_in_force(client, app):
    client.post_form("/register", registration())

    [consent] = db.session.scalars(select(Consent)).all()
    assert consent.user_id == user_by_email("eva@example.org").id
    assert consent.statement_version == 0  # the built-in statement
    assert consent.given_dt is not None


def test_registering_needs_consent_to_the_privacy_statement(client, app):
    response = client.post_form("/register", registration(privacy=""))

    assert "Je kunt alleen een account maken als je akkoord gaat." in response.get_data(
        as_text=True)
    assert user_by_email("eva@example.org") is None


def test_the_register_link_of_the_menu_brings_a_new_citizen_back_to_the_page(client, app):
    challenge = make_challenge()
    page = client.get(f"/c/{challenge.slug}").get_data(as_text=True)
    assert f'href="/register?next=/c/{challenge.slug}?">' in page

    response = client.post_form(f"/register?next=/c/{challenge.slug}", registration())

    assert response.status_code == 302
    assert response.location == f"/register/check-your-email?next=/c/{challenge.slug}"
    check = client.get(response.location).get_data(as_text=True)
    assert f'href="/login?next=/c/{challenge.slug}"' in check


def test_passwords_are_stored_as_scrypt_hashes(client, app):
    client.post_form("/register", registration())

    stored = user_by_email("eva@example.org").password_hash
    assert stored.startswith("scrypt:")
    assert "long enough pw" not in stored


def test_registering_with_a_taken_email_answers_as_for_a_new_one_and_tells_the_owner(
        client, app, mailbox):
    """Issue 14, finding 8: the page said "al een account", so anyone could test addresses."""
    owner = make_user(email="eva@example.org")
    new = client.post_form("/register", registration(name="Nieuw", email="nieuw@example.org"))
    client.get("/")  # a fresh visit, as a second attacker's request would be
    taken = client.post_form("/register", registration(name="Eva Twee", email="EVA@example.org"))

    assert (taken.status_code, taken.location) == (new.status_code, new.location)
    assert taken.get_data() == new.get_data()
    assert db.session.scalar(select(func.count(User.id))) == 2  # the owner and "nieuw"
    assert db.session.get(User, owner.id).name == owner.name
    message = mailbox.last_to("eva@example.org")
    assert message["Subject"] == "Je hebt al een account"
    assert "/forgot-password" in text_of(message)
    assert mailbox.last_to("nieuw@example.org")["Subject"] == "Bevestig je e-mailadres"


def test_registration_costs_one_password_hash_for_new_and_known_addresses(client, app,
                                                                       monkeypatch):
    """The time class of both answers is the same: one scrypt hash each (the costly step)."""
    import ideation.accounts.models as models
    import ideation.accounts.services as services

    calls: list[str] = []

    def counting(original):
        def wrapped(password, *args, **kwargs):
            calls.append(password)
            return original(password, *args, **kwargs)
        return wrapped

    monkeypatch.setattr(services, "generate_password_hash",
                        counting(services.generate_password_hash))
    monkeypatch.setattr(models, "generate_password_hash",
                        counting(models.generate_password_hash))
    make_user(email="eva@example.org")
    calls.clear()

    client.post_form("/register", registration(email="nieuw@example.org"))
    new_calls = len(calls)
    client.post_form("/register", registration(email="eva@example.org"))

    assert new_calls == 1
    assert len(calls) - new_calls == 1


def test_registering_with_a_short_password_is_refused(client, app):
    response = client.post_form("/register", registration(password="short", confirm="short"))

    page = response.get_data(as_text=True)
    assert "Gebruik minstens 10 tekens." in page
    assert user_by_email("eva@example.org") is None
    # The message is tied to the field for screen readers; fields without errors are not marked.
    assert 'aria-describedby="password-help password-error"' in page
    assert page.count('aria-invalid="true"') == 1
    assert '="None"' not in page


@pytest.mark.parametrize("password", ["1234567890", "password12", "aaaaaaaaaaaa",
                                      "wachtwoord123", "qwertyuiop", "Wachtwoord1!"])
def test_registering_with_a_common_or_patterned_password_is_refused(client, app, password):
    """Issue 14, finding 7: each of these was accepted."""
    response = client.post_form("/register", registration(password=password, confirm=password))

    assert "Dit wachtwoord is te makkelijk te raden" in response.get_data(as_text=True)
    assert user_by_email("eva@example.org") is None


@pytest.mark.parametrize("password", ["eva@example.org", "Eva@Example.org!!", "mijn-eva-2024x"])
def test_registering_with_a_password_containing_the_email_address_is_refused(client, app,
                                                                            password):
    response = client.post_form("/register", registration(password=password, confirm=password))

    assert "Je wachtwoord mag je e-mailadres niet bevatten." in response.get_data(as_text=True)
    assert user_by_email("eva@example.org") is None


def test_a_weak_password_is_refused_before_the_address_is_looked_at(client, app, mailbox):
    make_user(email="eva@example.org")

    response = client.post_form("/register", registration(password="1234567890",
                                                          confirm="1234567890"))

    assert response.status_code == 200  # the form again, as for a new address
    assert mailbox.to("eva@example.org") == []


def test_a_long_sentence_is_a_good_password(client, app):
    password = "mijn fiets staat altijd bij de bakker om de hoek"
    client.post_form("/register", registration(password=password, confirm=password))

    assert user_by_email("eva@example.org").check_password(password)


def test_registering_with_two_different_passwords_is_refused(client, app):
    response = client.post_form("/register", registration(confirm="something else"))

    assert "De twee wachtwoorden zijn niet hetzelfde." in response.get_data(as_text=True)
    assert user_by_email("eva@example.org") is None


def test_logged_in_visitor_is_sent_away_from_register(client, app):
    client.login(make_user())
    assert client.get("/register").status_code == 302


# Logging in and out


def test_logging_out_ends_the_session_on_the_server(client, app):
    """Issue 14, finding 4: a copy of the session cookie taken before /logout still worked."""
    user = make_user()
    client.login(user)
    copied = client.get_cookie("session").value

    client.logout()
    thief = app.test_client()
    thief.set_cookie("session", copied)

    assert thief.get("/account").status_code == 302
    assert not is_logged_in(client)
    assert client.login(user).status_code == 302  # logging in again works


def test_the_remember_me_cookie_is_secure_when_sessions_are_secure(database, tmp_path):
    """Issue 14, finding 5: the remember-me cookie lacked Secure behind HTTPS."""
    from tests.conftest import CSRF_PATTERN, make_test_app

    app = make_test_app(database, tmp_path, SESSION_COOKIE_SECURE=True)
    with app.app_context():
        db.create_all()
        user = make_user()
        client = app.test_client()
        page = client.get("/login", base_url="https://localhost").get_data(as_text=True)
        match = CSRF_PATTERN.search(page)
        # Over HTTPS Flask-WTF also checks that the form came from this site.
        response = client.post("/login", base_url="https://localhost",
                               headers={"Referer": "https://localhost/login"}, data={
            "csrf_token": match.group(1) or match.group(2), "email": user.email,
            "password": PASSWORD, "remember": "y"})
        db.session.remove()
        db.engine.dispose()

    assert response.status_code == 302
    cookies = {header.split("=", 1)[0]: header
               for header in response.headers.getlist("Set-Cookie")}
    assert "; Secure" in cookies["remember_token"]
    assert "; HttpOnly" in cookies["remember_token"]


def test_login_and_logout(client, app):
    user = make_user(name="Piet Burger")

    response = client.login(user)

    assert response.status_code == 302
    assert "Piet Burger" in client.get("/account").get_data(as_text=True)
    assert db.session.get(User, user.id).last_login_dt is not None

    response = client.logout()

    assert response.status_code == 302
    assert "Je bent uitgelogd." in client.get("/").get_data(as_text=True)
    assert not is_logged_in(client)


def test_login_ignores_case_and_spaces_in_the_email_address(client, app):
    make_user(email="piet@example.org")
    assert client.login("  PIET@example.org ").status_code == 302


def test_wrong_password_gives_one_message_for_both_fields(client, app):
    user = make_user()

    wrong_password = client.login(user, "not the password")
    unknown_email = client.login("nobody@example.org")

    message = "Het e-mailadres of het wachtwoord klopt niet."
    assert message in wrong_password.get_data(as_text=True)
    assert message in unknown_email.get_data(as_text=True)
    assert not is_logged_in(client)


def test_blocked_user_cannot_log_in(client, app):
    user = make_user()
    user.is_blocked = True
    db.session.commit()

    response = client.login(user)

    assert response.status_code == 200
    assert "Het e-mailadres of het wachtwoord klopt niet." in response.get_data(as_text=True)
    assert not is_logged_in(client)


def test_blocking_a_user_ends_their_current_session(client, app):
    user = make_user()
    client.login(user)
    user.is_blocked = True
    db.session.commit()

    assert not is_logged_in(client)


def test_eleventh_failed_login_in_a_minute_is_refused(client, app):
    user = make_user()
    for _attempt in range(10):
        assert client.login(user, "wrong password").status_code == 200

    response = client.login(user, PASSWORD)  # even the right password waits now

    assert response.status_code == 429
    assert "Te veel pogingen" in response.get_data(as_text=True)


def test_failed_logins_are_counted_per_account_across_addresses(client, app):
    app.config["IDEATION_LOGIN_RATE_LIMIT"] = "3 per minute"
    user = make_user()
    for attempt in range(3):
        client.environ_base["REMOTE_ADDR"] = f"192.0.2.{attempt}"
        assert client.login(user, "wrong password").status_code == 200

    client.environ_base["REMOTE_ADDR"] = "192.0.2.99"
    assert client.login(user, "wrong password").status_code == 429


def test_successful_logins_do_not_count_towards_the_limit(client, app):
    app.config["IDEATION_LOGIN_RATE_LIMIT"] = "3 per minute"
    user = make_user()
    for _attempt in range(2):
        client.login(user, "wrong password")
    assert client.login(user).status_code == 302
    client.logout()

    # The third failure is still answered; a counted success would have made it the fourth.
    assert client.login(user, "wrong password").status_code == 200
    assert client.login(user, "wrong password").status_code == 429


# Password and profile


def change_password(client, current: str, new: str = NEW_PASSWORD):
    return client.post_form(
        "/account/password", {"current_password": current, "password": new, "confirm": new}
    )


def test_changing_password_needs_the_current_password(client, app):
    user = make_user()
    client.login(user)

    response = change_password(client, "not my password")

    assert "Je huidige wachtwoord klopt niet." in response.get_data(as_text=True)
    assert db.session.get(User, user.id).check_password(PASSWORD)


def test_changing_password_keeps_this_session_and_logs_out_other_devices(client, app):
    user = make_user()
    other_device = app.test_client()
    other_device.login(user)
    client.login(user)
    assert is_logged_in(other_device)

    response = change_password(client, PASSWORD)

    assert response.status_code == 302
    assert is_logged_in(client)
    assert not is_logged_in(other_device)
    assert client.logout().status_code == 302
    assert client.login(user, NEW_PASSWORD).status_code == 302


def test_new_password_must_be_long_enough(client, app):
    user = make_user()
    client.login(user)

    response = change_password(client, PASSWORD, new="short")

    assert "Gebruik minstens 10 tekens." in response.get_data(as_text=True)
    assert db.session.get(User, user.id).check_password(PASSWORD)


def test_profile_changes_name_and_language(client, app):
    user = make_user(name="Oude Naam")
    client.login(user)

    response = client.post_form("/account", {"name": "  Nieuwe Naam ", "locale": "en"})

    assert response.status_code == 302
    saved = db.session.get(User, user.id)
    assert (saved.name, saved.locale) == ("Nieuwe Naam", "en")
    page = client.get("/account").get_data(as_text=True)
    assert page_language(page) == "en"
    assert "Your details are saved." in page
    assert "My account" in page


def test_profile_language_overrides_an_earlier_language_switch(client, app):
    client.login(make_user())
    client.post_form("/language", {"language": "en", "next": "/"})

    client.post_form("/account", {"name": "Naam", "locale": "nl"})

    assert page_language(client.get("/account")) == "nl"


def test_profile_needs_a_name(client, app):
    user = make_user(name="Oude Naam")
    client.login(user)

    response = client.post_form("/account", {"name": "", "locale": "nl"})

    assert "Vul je naam in." in response.get_data(as_text=True)
    assert db.session.get(User, user.id).name == "Oude Naam"


# The create-user command


def test_cli_creates_an_admin(runner, app):
    result = runner.invoke(
        args=["create-user", "Beheer@Example.org", "--role", "admin"], input="longenoughpw\n"
    )

    assert result.exit_code == 0, result.output
    assert "Created beheer@example.org as admin" in result.output
    admin = user_by_email("beheer@example.org")
    assert admin.is_admin
    assert admin.check_password("longenoughpw")


def test_cli_creates_a_core_team_member_of_a_challenge(runner, app):
    challenge = make_challenge(slug="zorg")

    result = runner.invoke(
        args=[
            "create-user",
            "kern@example.org",
            "--role",
            "core_team",
            "--challenge",
            "zorg",
            "--name",
            "Kees Kern",
        ],
        input="longenoughpw\n",
    )

    assert result.exit_code == 0, result.output
    user = user_by_email("kern@example.org")
    assert user.name == "Kees Kern"
    assert user.role_in(challenge) is MembershipRole.core_team


def test_cli_core_team_needs_a_challenge(runner, app):
    result = runner.invoke(
        args=["create-user", "kern@example.org", "--role", "core_team"], input="longenoughpw\n"
    )

    assert result.exit_code != 0
    assert "--challenge" in result.output
    assert user_by_email("kern@example.org") is None


def test_cli_refuses_an_unknown_challenge(runner, app):
    result = runner.invoke(
        args=["create-user", "kern@example.org", "--role", "stakeholder", "--challenge", "nope"],
        input="longenoughpw\n",
    )

    assert result.exit_code != 0
    assert "no challenge with slug 'nope'" in result.output
    assert user_by_email("kern@example.org") is None


def test_cli_refuses_a_short_password(runner, app):
    result = runner.invoke(args=["create-user", "kort@example.org"], input="short\n")

    assert result.exit_code != 0
    assert "at least 10 characters" in result.output
    assert user_by_email("kort@example.org") is None


def test_cli_refuses_an_email_that_exists(runner, app):
    make_user(email="dubbel@example.org")

    result = runner.invoke(args=["create-user", "DUBBEL@example.org"], input="longenoughpw\n")

    assert result.exit_code != 0
    assert "already exists" in result.output
    assert len(db.session.scalars(select(User)).all()) == 1
