"""Configuration: a generated secret key, weak keys refused, IDEATION_* variables validated."""

from __future__ import annotations

import io
import stat

import pytest
from flask import request

from ideation import create_app
from ideation.config import SETTINGS, ConfigError, validate

STRONG_KEY = "a-long-random-key-that-nobody-guesses-0123456789"


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch):
    """Start every test from an environment without IDEATION_* settings."""
    for setting in SETTINGS:
        monkeypatch.delenv("IDEATION_" + setting.env, raising=False)


@pytest.fixture
def instance(tmp_path):
    return tmp_path / "instance"


@pytest.fixture
def make_app(database, instance):
    """create_app with this test's database and instance folder, as a deployer would run it."""

    def make(**config):
        return create_app({**database, "INSTANCE_PATH": str(instance), **config})

    return make


def test_secret_key_is_generated_once_into_the_instance_folder(make_app, instance):
    first = make_app()
    key_file = instance / "secret_key"

    assert key_file.read_text() == first.config["SECRET_KEY"]
    assert len(first.config["SECRET_KEY"]) >= 32
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    assert make_app().config["SECRET_KEY"] == first.config["SECRET_KEY"]


def test_sessions_survive_a_restart_with_the_generated_key(make_app):
    first = make_app().test_client()
    with first.session_transaction() as session:
        session["marker"] = "kept"
    cookie = first.get_cookie("session")

    second = make_app().test_client()
    second.set_cookie("session", cookie.value)
    with second.session_transaction() as session:
        assert session.get("marker") == "kept"


@pytest.mark.parametrize("weak_key", ["dev", "changeme", "Secret", "short-key"])
def test_known_or_short_secret_key_is_refused(make_app, weak_key):
    with pytest.raises(ConfigError, match="SECRET_KEY"):
        make_app(SECRET_KEY=weak_key)


def test_weak_secret_key_from_the_environment_is_refused(make_app, monkeypatch):
    monkeypatch.setenv("IDEATION_SECRET_KEY", "changeme")
    with pytest.raises(ConfigError, match="SECRET_KEY"):
        make_app()


def test_weak_secret_key_is_accepted_while_testing(make_app):
    assert make_app(SECRET_KEY="dev", TESTING=True).config["SECRET_KEY"] == "dev"


def test_default_language_from_the_environment_is_used_for_pages(make_app, monkeypatch):
    monkeypatch.setenv("IDEATION_DEFAULT_LANGUAGE", "en")
    app = make_app(SECRET_KEY=STRONG_KEY)

    page = app.test_client().get("/no-such-page").get_data(as_text=True)

    assert app.config["BABEL_DEFAULT_LOCALE"] == "en"
    assert 'lang="en"' in page
    assert "Page not found" in page


def test_unsupported_default_language_is_refused(make_app, monkeypatch):
    monkeypatch.setenv("IDEATION_DEFAULT_LANGUAGE", "fr")
    with pytest.raises(ConfigError, match="IDEATION_DEFAULT_LANGUAGE"):
        make_app(SECRET_KEY=STRONG_KEY)


def test_the_search_backend_is_checked_and_follows_the_database(make_app, monkeypatch):
    monkeypatch.setenv("IDEATION_SEARCH_BACKEND", "elastic")
    with pytest.raises(ConfigError, match="IDEATION_SEARCH_BACKEND must be auto, whoosh or"):
        make_app(SECRET_KEY=STRONG_KEY)
    monkeypatch.setenv("IDEATION_SEARCH_BACKEND", "auto")
    app = make_app(SECRET_KEY=STRONG_KEY)
    on_postgres = app.config["SQLALCHEMY_DATABASE_URI"].startswith("postgresql")
    assert app.extensions["ideation_search_backend"] == ("postgres" if on_postgres
                                                         else "whoosh")
    settings = {**app.config, "IDEATION_SEARCH_BACKEND": "postgres",
                "SQLALCHEMY_DATABASE_URI": "sqlite:///ideation.db"}
    with pytest.raises(ConfigError, match="needs a PostgreSQL database"):
        validate(settings)


@pytest.mark.parametrize(
    "raw, expected",
    [("true", True), ("Yes", True), ("1", True), ("false", False), ("off", False), ("0", False)],
)
def test_session_cookie_secure_is_read_as_a_boolean(make_app, monkeypatch, raw, expected):
    monkeypatch.setenv("IDEATION_SESSION_COOKIE_SECURE", raw)
    assert make_app(SECRET_KEY=STRONG_KEY).config["SESSION_COOKIE_SECURE"] is expected


def test_secure_cookies_also_turn_on_strict_transport_security(make_app, monkeypatch):
    monkeypatch.setenv("IDEATION_SESSION_COOKIE_SECURE", "true")
    response = make_app(SECRET_KEY=STRONG_KEY).test_client().get("/healthz")
    assert response.headers["Strict-Transport-Security"].startswith("max-age=")


def test_bad_boolean_stops_start_up_naming_the_variable(make_app, monkeypatch):
    monkeypatch.setenv("IDEATION_SESSION_COOKIE_SECURE", "maybe")
    with pytest.raises(ConfigError, match="IDEATION_SESSION_COOKIE_SECURE"):
        make_app(SECRET_KEY=STRONG_KEY)


def test_unknown_time_zone_is_refused(make_app, monkeypatch):
    monkeypatch.setenv("IDEATION_TIMEZONE", "Mars/Olympus_Mons")
    with pytest.raises(ConfigError, match="IDEATION_TIMEZONE"):
        make_app(SECRET_KEY=STRONG_KEY)


def test_time_zone_from_the_environment_is_used(make_app, monkeypatch):
    monkeypatch.setenv("IDEATION_TIMEZONE", "America/Curacao")
    assert make_app(SECRET_KEY=STRONG_KEY).config["IDEATION_TIMEZONE"] == "America/Curacao"


@pytest.mark.parametrize("url", ["mysql://user@localhost/ideation", "oracle://scott@db/x"])
def test_unsupported_database_url_is_refused(instance, monkeypatch, url):
    monkeypatch.setenv("IDEATION_DATABASE_URL", url)
    with pytest.raises(ConfigError, match="IDEATION_DATABASE_URL"):
        create_app({"INSTANCE_PATH": str(instance), "SECRET_KEY": STRONG_KEY})


def test_database_defaults_to_sqlite_in_the_instance_folder(instance):
    app = create_app({"INSTANCE_PATH": str(instance), "SECRET_KEY": STRONG_KEY})
    assert app.config["SQLALCHEMY_DATABASE_URI"] == f"sqlite:///{instance.resolve()}/ideation.db"


@pytest.mark.parametrize("raw", ["ten", "0"])
def test_upload_limit_must_be_a_positive_number(make_app, monkeypatch, raw):
    monkeypatch.setenv("IDEATION_MAX_UPLOAD_MB", raw)
    with pytest.raises(ConfigError, match="IDEATION_MAX_UPLOAD_MB"):
        make_app(SECRET_KEY=STRONG_KEY)


def test_request_larger_than_three_photos_is_refused(make_app, monkeypatch):
    monkeypatch.setenv("IDEATION_MAX_UPLOAD_MB", "1")
    app = make_app(SECRET_KEY=STRONG_KEY)  # allows 3 photos of 1 MB plus 1 MB of text
    photo = io.BytesIO(b"x" * (5 * 1024 * 1024))

    response = app.test_client().post("/login", data={"photo": (photo, "big.jpg")})

    assert response.status_code == 413


def test_login_rate_limit_defaults_and_can_be_changed(make_app, monkeypatch):
    assert make_app(SECRET_KEY=STRONG_KEY).config["IDEATION_LOGIN_RATE_LIMIT"] == (
        "10 per minute;50 per hour"
    )
    monkeypatch.setenv("IDEATION_LOGIN_RATE_LIMIT", "3 per minute")
    assert make_app(SECRET_KEY=STRONG_KEY).config["IDEATION_LOGIN_RATE_LIMIT"] == "3 per minute"


def test_environment_overrides_instance_config_file(make_app, instance, monkeypatch):
    instance.mkdir(parents=True)
    (instance / "config.py").write_text('BABEL_DEFAULT_LOCALE = "en"\nIDEATION_PROXY_FIX = 1\n')
    monkeypatch.setenv("IDEATION_DEFAULT_LANGUAGE", "nl")

    app = make_app(SECRET_KEY=STRONG_KEY)

    assert app.config["BABEL_DEFAULT_LOCALE"] == "nl"
    assert app.config["IDEATION_PROXY_FIX"] == 1


def test_instance_config_file_is_validated_too(make_app, instance):
    instance.mkdir(parents=True)
    (instance / "config.py").write_text('SECRET_KEY = "changeme"\n')
    with pytest.raises(ConfigError):
        make_app()


@pytest.mark.parametrize("hops, scheme", [("0", "http"), ("1", "https")])
def test_forwarded_scheme_is_trusted_only_behind_a_configured_proxy(
    make_app, monkeypatch, hops, scheme
):
    monkeypatch.setenv("IDEATION_PROXY_FIX", hops)
    app = make_app(SECRET_KEY=STRONG_KEY)
    seen = []
    app.before_request(lambda: seen.append(request.scheme))

    app.test_client().get("/healthz", headers={"X-Forwarded-Proto": "https"})

    assert seen == [scheme]


def test_too_few_answers_threshold_defaults_to_five_and_can_be_changed(make_app, monkeypatch):
    assert make_app(SECRET_KEY=STRONG_KEY).config["IDEATION_MIN_RESPONSES_FOR_CONCLUSIONS"] == 5
    monkeypatch.setenv("IDEATION_MIN_RESPONSES_FOR_CONCLUSIONS", "12")
    assert make_app(SECRET_KEY=STRONG_KEY).config["IDEATION_MIN_RESPONSES_FOR_CONCLUSIONS"] == 12


@pytest.mark.parametrize("raw", ["five", "0", "-3", "2.5"])
def test_too_few_answers_threshold_must_be_a_whole_positive_number(make_app, monkeypatch, raw):
    monkeypatch.setenv("IDEATION_MIN_RESPONSES_FOR_CONCLUSIONS", raw)
    with pytest.raises(ConfigError, match="IDEATION_MIN_RESPONSES_FOR_CONCLUSIONS"):
        make_app(SECRET_KEY=STRONG_KEY)


def test_too_few_answers_threshold_from_the_instance_file_is_validated(make_app, instance):
    instance.mkdir(parents=True)
    (instance / "config.py").write_text('IDEATION_MIN_RESPONSES_FOR_CONCLUSIONS = "many"\n')
    with pytest.raises(ConfigError, match="IDEATION_MIN_RESPONSES_FOR_CONCLUSIONS"):
        make_app(SECRET_KEY=STRONG_KEY)


def test_new_passwords_are_hashed_with_scrypt_by_default(make_app):
    from ideation.accounts.models import User

    with make_app(SECRET_KEY=STRONG_KEY).app_context():
        user = User(email="a@example.org", name="A")
        user.set_password("a long enough password")
    assert user.password_hash.startswith("scrypt:32768:")
    assert user.check_password("a long enough password")


@pytest.mark.parametrize("method", ["pbkdf2:sha256:1000", "scrypt:256:8:1", "scrypt:many:8:1"])
def test_a_password_hash_weaker_than_scrypt_is_refused_outside_tests(make_app, monkeypatch,
                                                                     method):
    monkeypatch.setenv("IDEATION_PASSWORD_HASH_METHOD", method)
    with pytest.raises(ConfigError, match="IDEATION_PASSWORD_HASH_METHOD"):
        make_app(SECRET_KEY=STRONG_KEY)


def test_a_costlier_scrypt_is_accepted(make_app, monkeypatch):
    from ideation.accounts.models import User

    monkeypatch.setenv("IDEATION_PASSWORD_HASH_METHOD", "scrypt:65536:8:1")
    with make_app(SECRET_KEY=STRONG_KEY).app_context():
        user = User(email="a@example.org", name="A")
        user.set_password("a long enough password")
    assert user.password_hash.startswith("scrypt:65536:8:1$")
