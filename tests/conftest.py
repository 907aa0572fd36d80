"""Fixtures: an app per test on a fresh database, a client that carries CSRF tokens, factories.

The database is a temporary SQLite file, or a fresh PostgreSQL schema per test when
IDEATION_TEST_DATABASE_URL is set (the CI runs the suite both ways).
"""

from __future__ import annotations

import os
import re
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask, g, request_started, request_tearing_down
from flask.testing import FlaskClient

from ideation import create_app
from ideation.extensions import db
from tests import factories
from tests.mailbox import mailbox  # noqa: F401 - a real SMTP server, for any test that asks

TEST_DATABASE_URL = os.environ.get("IDEATION_TEST_DATABASE_URL")
CSRF_PATTERN = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"|'
                          r'name="csrf_token" value="([^"]+)"')


@pytest.fixture
def database(tmp_path: Path) -> Iterator[dict]:
    """Engine settings for one test's private database."""
    if not TEST_DATABASE_URL:
        yield {"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'test.db'}"}
        return
    import psycopg

    schema = f"t_{uuid.uuid4().hex[:16]}"
    plain_url = TEST_DATABASE_URL.replace("postgresql+psycopg://", "postgresql://")
    with psycopg.connect(plain_url, autocommit=True) as conn:
        conn.execute(f'CREATE SCHEMA "{schema}"')
    try:
        yield {
            "SQLALCHEMY_DATABASE_URI": TEST_DATABASE_URL,
            "SQLALCHEMY_ENGINE_OPTIONS": {
                "connect_args": {"options": f"-csearch_path={schema}"},
                "pool_pre_ping": True,
            },
            "TEST_SCHEMA": schema,
        }
    finally:
        with psycopg.connect(plain_url, autocommit=True) as conn:
            conn.execute(f'DROP SCHEMA "{schema}" CASCADE')


def make_test_app(database: dict, tmp_path: Path, **overrides: object) -> Flask:
    config = {
        "TESTING": True,
        "SECRET_KEY": "test-secret-key-not-for-production",
        "INSTANCE_PATH": str(tmp_path / "instance"),
        # The daily and weekly jobs run after responses; tests that are about them turn
        # them on, the rest keep their requests free of side work.
        "IDEATION_SCHEDULED_JOBS": False,
        **database,
        **overrides,
    }
    return create_app(config)


def _clear_request_globals(sender: Flask, **extra: object) -> None:
    for name in list(g):
        g.pop(name)


def _discard_uncommitted(sender: Flask, **extra: object) -> None:
    db.session.rollback()


@pytest.fixture
def app(database: dict, tmp_path: Path) -> Iterator[Flask]:
    """The app with its tables, and an app context pushed so tests can use the database.

    Flask reuses a pushed app context for every request, so ``g`` (the logged-in user, the
    locale, the CSRF token) and uncommitted changes would leak from one request into the next.
    The two signal handlers make each request start clean and end as on a real server.
    """
    app = make_test_app(database, tmp_path)
    request_started.connect(_clear_request_globals, app)
    request_tearing_down.connect(_discard_uncommitted, app)
    with app.app_context():
        db.create_all()
        yield app
        db.session.remove()
        db.engine.dispose()
    request_started.disconnect(_clear_request_globals, app)
    request_tearing_down.disconnect(_discard_uncommitted, app)


class Client(FlaskClient):
    """A test client that sends the CSRF token with every form POST, like a browser."""

    _token: str | None = None

    def csrf_token(self) -> str:
        if self._token is None:
            page = self.get("/").get_data(as_text=True)
            match = CSRF_PATTERN.search(page)
            assert match, "no CSRF token on the start page"
            self._token = match.group(1) or match.group(2)
        return self._token

    def post_form(self, url: str, data: dict | None = None, **kwargs: object):
        data = dict(data or {})
        data.setdefault("csrf_token", self.csrf_token())
        return self.post(url, data=data, **kwargs)

    def login(self, user_or_email: object, password: str = factories.PASSWORD):
        email = getattr(user_or_email, "email", user_or_email)
        self._token = None
        response = self.post_form("/login", {"email": email, "password": password})
        self._token = None  # the session changed; fetch a fresh token next time
        return response

    def logout(self):
        response = self.post_form("/logout")
        self._token = None
        return response


@pytest.fixture
def client(app: Flask) -> Client:
    app.test_client_class = Client
    return app.test_client()  # type: ignore[return-value]


@pytest.fixture
def runner(app: Flask):
    return app.test_cli_runner()
