"""Accounts: register, log in and out, rate limits, passwords, profile and the create-user CLI."""

from __future__ import annotations

from sqlalchemy import select

from ideation.accounts.models import MembershipRole, User
from ideation.extensions import db
from tests.factories import PASSWORD, make_challenge, make_user

NEW_PASSWORD = "a brand new sentence"


def registration(**overrides: str) -> dict[str, str]:
    return {
        "name": "Eva de Vries",
        "email": "eva@example.org",
        "password": "long enough pw",
        "confirm": "long enough pw",
        **overrides,
    }


def user_by_email(email: str) -> User | None:
    return db.session.scalar(select(User).where(User.email == email))


def is_logged_in(client) -> bool:
    return client.get("/account").status_code == 200


# Registering


def test_registering_creates_a_citizen_and_logs_them_in(client, app):
    response = client.post_form("/register", registration(email="Eva@Example.org"))

    assert response.status_code == 302
    user = user_by_email("eva@example.org")
    assert user.name == "Eva de Vries"
    assert not user.is_admin
    assert user.memberships == []
    assert user.locale == "nl"  # the language the page was in
    assert "Welkom, Eva de Vries" in client.get("/").get_data(as_text=True)
    assert is_logged_in(client)


def test_the_register_link_of_the_menu_brings_a_new_citizen_back_to_the_page(client, app):
    challenge = make_challenge()
    page = client.get(f"/c/{challenge.slug}").get_data(as_text=True)
    assert f'href="/register?next=/c/{challenge.slug}?">' in page

    response = client.post_form(f"/register?next=/c/{challenge.slug}", registration())

    assert response.status_code == 302 and response.location == f"/c/{challenge.slug}"


def test_passwords_are_stored_as_scrypt_hashes(client, app):
    client.post_form("/register", registration())

    stored = user_by_email("eva@example.org").password_hash
    assert stored.startswith("scrypt:")
    assert "long enough pw" not in stored


def test_registering_with_a_taken_email_is_refused_and_keeps_the_input(client, app):
    make_user(email="eva@example.org")

    response = client.post_form("/register", registration(name="Eva Twee", email="EVA@example.org"))
    page = response.get_data(as_text=True)

    assert response.status_code == 200
    assert "Er is al een account met dit e-mailadres." in page
    assert 'value="Eva Twee"' in page
    assert 'value="EVA@example.org"' in page
    assert db.session.scalars(select(User)).all() == [user_by_email("eva@example.org")]
    assert not is_logged_in(client)


def test_registering_with_a_short_password_is_refused(client, app):
    response = client.post_form("/register", registration(password="short", confirm="short"))

    page = response.get_data(as_text=True)
    assert "Gebruik minstens 10 tekens." in page
    assert user_by_email("eva@example.org") is None
    # The message is tied to the field for screen readers; fields without errors are not marked.
    assert 'aria-describedby="password-help password-error"' in page
    assert page.count('aria-invalid="true"') == 1
    assert '="None"' not in page


def test_registering_with_two_different_passwords_is_refused(client, app):
    response = client.post_form("/register", registration(confirm="something else"))

    assert "De twee wachtwoorden zijn niet hetzelfde." in response.get_data(as_text=True)
    assert user_by_email("eva@example.org") is None


def test_logged_in_visitor_is_sent_away_from_register(client, app):
    client.login(make_user())
    assert client.get("/register").status_code == 302


# Logging in and out


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
    assert '<html lang="en">' in page
    assert "Your details are saved." in page
    assert "My account" in page


def test_profile_language_overrides_an_earlier_language_switch(client, app):
    client.login(make_user())
    client.post_form("/language", {"language": "en", "next": "/"})

    client.post_form("/account", {"name": "Naam", "locale": "nl"})

    assert '<html lang="nl">' in client.get("/account").get_data(as_text=True)


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
