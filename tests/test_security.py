"""Security: headers, cookies, deny-by-default access, CSRF, safe redirects and error pages."""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest
from flask import url_for
from sqlalchemy import select

from ideation.accounts.models import User
from ideation.challenges.models import Theme
from ideation.core.security import public
from ideation.extensions import db
from tests.conftest import make_test_app
from tests.factories import PASSWORD, make_challenge, make_user

# Every endpoint reachable without logging in. Adding a public page means adding it here.
PUBLIC_ENDPOINTS = {
    "static",  # stylesheets and images; Flask's own view, let through by the security module
    "core.healthz",
    "core.readyz",
    "core.switch_language",
    "core.accessibility",  # the accessibility statement
    "challenges.image",  # a card's picture, only while the challenge is visible to the viewer
    "accounts.register",
    "accounts.registered",  # "look in your e-mail"
    "accounts.login",
    "accounts.forgot_password",  # answers alike for every address
    "accounts.reset_password",  # the signed, single-use link from the e-mail is the key
    "accounts.confirm_email",  # the signed link from the e-mail, and its button
    "accounts.confirm_email_post",
    "accounts.invitation",  # an invitation into a role; the signed link is the key
    "notifications.unsubscribe",  # works without logging in, as every e-mail promises
    "privacy.statement",
    "challenges.index",
    "challenges.show",
    "challenges.timeline",  # public audit events only, without names
    "ideas.gallery",  # published ideas are public; the service filters the rest
    "ideas.show",
    "ideas.similar",  # titles of published ideas, for the live hint while typing
    "ideas.media",  # photos, served only when the idea is visible to the viewer
    "concepts.show",  # published concepts; 404 for the public otherwise
    "prototypes.show",  # published prototypes; 404 for the public otherwise
    "prototypes.version",  # old versions of the same, under the same rule
    "prototypes.image",  # images of a version, only when the prototype is visible
    "validation.token_answer",  # a stakeholder's personal link; the token is the key
    "validation.stop_reminders",  # "no more reminders" from a round e-mail; the token is the key
    "validation.token_image",  # images of the tested version, behind the same token
    "reports.agenda",  # the Agenda voor Actie once published; the core team's preview before
    "reports.agenda_pdf",  # its stored PDF, once published
    "reports.open_data",  # the public record of a published challenge, no personal data
    # the read-only JSON API: published challenges and their public content only
    *(f"api.{name}" for name in ("challenges", "challenge", "ideas", "clusters", "concepts",
                                 "prototypes", "decisions", "actions", "openapi")),
    "process.approach",  # the public summary of the process design (public questions only)
    "sessions.results",  # a held session's results; 404 until it is closed
    "sessions.join",  # participants of a live session have no account: the code is the key
    "sessions.participate",  # the participant's page, known by the signed cookie
    "sessions.send_idea",  # the same, rate-limited per participant and per join code
    "sessions.spend_dot",
    "sessions.object_to",
}


def is_marked_public(app, endpoint: str) -> bool:
    return endpoint == "static" or getattr(app.view_functions[endpoint], "is_public", False)


def redirects_to_login(response) -> bool:
    return response.status_code == 302 and urlsplit(response.location).path == "/login"


def test_public_page_sends_strict_security_headers(client):
    response = client.get("/")
    csp = response.headers["Content-Security-Policy"]

    assert "'unsafe-inline'" not in csp
    assert "'unsafe-eval'" not in csp
    assert "frame-ancestors 'none'" in csp
    assert "default-src 'self'" in csp
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["Referrer-Policy"] == "same-origin"
    assert "Strict-Transport-Security" not in response.headers  # only behind TLS


def test_error_pages_send_the_security_headers_too(client):
    response = client.get("/no-such-page")
    assert response.status_code == 404
    assert "frame-ancestors 'none'" in response.headers["Content-Security-Policy"]


def test_session_cookie_is_http_only_and_same_site_lax_after_login(client, app):
    user = make_user()
    response = client.login(user)

    cookie = next(c for c in response.headers.getlist("Set-Cookie") if c.startswith("session="))
    assert "HttpOnly" in cookie
    assert "SameSite=Lax" in cookie


def test_pages_for_logged_in_people_are_not_cached(client, app):
    client.login(make_user())
    assert client.get("/account").headers["Cache-Control"] == "private, no-store"


def test_every_public_endpoint_is_on_the_allow_list(app):
    marked = {
        rule.endpoint for rule in app.url_map.iter_rules() if is_marked_public(app, rule.endpoint)
    }
    assert marked == PUBLIC_ENDPOINTS


def test_every_other_page_sends_anonymous_visitors_to_login(client, app):
    challenge = make_challenge()
    values = {"slug": challenge.slug, "theme_id": challenge.themes[0].id}
    token = client.csrf_token()
    checked, wrong = [], []
    for rule in app.url_map.iter_rules():
        if is_marked_public(app, rule.endpoint):
            continue
        args = {name: values.get(name, 1) for name in rule.arguments}
        with app.test_request_context():
            url = url_for(rule.endpoint, **args)
        if "GET" in rule.methods:
            response = client.get(url)
        else:
            response = client.post(url, data={"csrf_token": token})
        checked.append(rule.endpoint)
        if not redirects_to_login(response):
            wrong.append((rule.rule, response.status_code))

    assert wrong == []
    assert "challenges.remove_theme" in checked  # the loop reached the POST-only routes
    assert len(checked) >= 10


def test_after_login_the_visitor_lands_on_the_page_asked_for(client, app):
    challenge = make_challenge()
    user = make_user("core_team", challenge=challenge)
    login_url = client.get(f"/c/{challenge.slug}/manage").location

    response = client.post_form(login_url, {"email": user.email, "password": PASSWORD})

    assert response.location == f"/c/{challenge.slug}/manage"


def test_login_without_csrf_token_is_refused(client, app):
    user = make_user()

    response = client.post("/login", data={"email": user.email, "password": PASSWORD})

    assert response.status_code == 400
    assert "verlopen" in response.get_data(as_text=True)
    assert redirects_to_login(client.get("/account"))


def test_register_without_csrf_token_is_refused(client, app):
    response = client.post(
        "/register",
        data={
            "name": "Eva",
            "email": "eva@example.org",
            "password": "long enough pw",
            "confirm": "long enough pw",
        },
    )

    assert response.status_code == 400
    assert "verlopen" in response.get_data(as_text=True)
    assert db.session.scalar(select(User).where(User.email == "eva@example.org")) is None


def test_manage_form_without_csrf_token_is_refused(client, app):
    challenge = make_challenge(themes=())
    client.login(make_user("core_team", challenge=challenge))

    response = client.post(f"/c/{challenge.slug}/manage/themes", data={"name": "Nieuw thema"})

    assert response.status_code == 400
    assert "verlopen" in response.get_data(as_text=True)
    assert db.session.scalars(select(Theme)).all() == []


@pytest.mark.parametrize(
    "target",
    [
        "//evil.example",
        "https://evil.example/x",
        "/\\evil.example",
        "javascript:alert(1)",
        "///evil.example",
    ],
)
def test_login_never_redirects_to_another_site(client, app, target):
    user = make_user()
    response = client.post_form(
        "/login", {"email": user.email, "password": PASSWORD}, query_string={"next": target}
    )
    assert response.status_code == 302
    assert response.location == "/"


@pytest.mark.parametrize("target", ["\x00/x", "/\x00/evil.example"])
def test_a_nul_character_in_next_is_refused_and_redirects_nowhere(client, app, target):
    # Every NUL in a request is a 400 (ideation.core.security.refuse_nul_characters).
    user = make_user()
    response = client.post_form(
        "/login", {"email": user.email, "password": PASSWORD}, query_string={"next": target}
    )
    assert response.status_code == 400
    assert "Location" not in response.headers


def test_login_returns_to_a_page_on_this_site(client, app):
    user = make_user()
    response = client.post_form(
        "/login", {"email": user.email, "password": PASSWORD}, query_string={"next": "/c/slug"}
    )
    assert response.location == "/c/slug"


def test_not_found_page_is_in_dutch_by_default(client):
    response = client.get("/no-such-page")
    assert response.status_code == 404
    assert "Pagina niet gevonden" in response.get_data(as_text=True)


def test_not_found_page_follows_the_browser_language(client):
    response = client.get("/no-such-page", headers={"Accept-Language": "en-GB,en;q=0.9"})
    assert response.status_code == 404
    assert "Page not found" in response.get_data(as_text=True)


def test_wrong_method_gets_a_friendly_page(client):
    response = client.get("/logout")
    assert response.status_code == 405
    assert "Dit werkt hier niet" in response.get_data(as_text=True)


def test_forbidden_page_explains_in_dutch(client, app):
    client.login(make_user())
    response = client.get("/admin")
    assert response.status_code == 403
    assert "Je hebt geen toegang tot deze pagina" in response.get_data(as_text=True)


def test_unexpected_error_shows_a_calm_page_without_a_traceback(database, tmp_path):
    app = make_test_app(database, tmp_path, PROPAGATE_EXCEPTIONS=False)

    @app.get("/test-only/boom")
    @public
    def boom():
        raise RuntimeError("secret detail from the stack")

    response = app.test_client().get("/test-only/boom")
    page = response.get_data(as_text=True)

    assert response.status_code == 500
    assert "Er ging bij ons iets mis" in page
    assert "secret detail" not in page
    assert "Traceback" not in page
    assert "frame-ancestors 'none'" in response.headers["Content-Security-Policy"]
