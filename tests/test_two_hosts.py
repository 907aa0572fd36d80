"""Two hosts: two gunicorn instances with their own instance folders, on one PostgreSQL schema
and one Redis, with one secret key. What one host writes, the other searches, shows, counts and
reopens at once. Runs when PostgreSQL and Redis answer (``make test`` on any machine that has
them, and always in ``.ci/run``); skipped with the reason otherwise. The crash under load is in
tests/stress/test_two_hosts_crash.py."""

from __future__ import annotations

import os
import urllib.parse
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from ideation.extensions import db
from ideation.validation.models import QuestionKind
from tests import factories
from tests.conftest import make_test_app
from tests.servers import Browser, Gunicorn, server_environment
from tests.validation.conftest import (  # noqa: F401 - fixtures
    challenge,
    core,
    invite,
    open_round,
    prototype,
    question_of,
)

PG_URL = (os.environ.get("IDEATION_TEST_DATABASE_URL")
          or "postgresql+psycopg://postgres@127.0.0.1:5432/test")
REDIS_URL = "redis://127.0.0.1:6379/0"
GENEROUS = "100000 per minute"


def _unavailable() -> str:
    """Why the two hosts cannot run here ("" when they can)."""
    import psycopg
    import redis

    try:
        psycopg.connect(PG_URL.replace("+psycopg", ""), connect_timeout=2).close()
    except psycopg.OperationalError as exc:
        return f"PostgreSQL does not answer at {PG_URL}: {exc}"
    try:
        redis.Redis.from_url(REDIS_URL, socket_connect_timeout=1).ping()
    except redis.RedisError as exc:
        return f"Redis does not answer at {REDIS_URL}: {exc}"
    return ""


WHY_NOT = _unavailable()
pytestmark = pytest.mark.skipif(bool(WHY_NOT), reason=WHY_NOT or "-")


def _plain() -> str:
    return PG_URL.replace("postgresql+psycopg://", "postgresql://")


@pytest.fixture
def database(tmp_path: Path) -> Iterator[dict]:
    """A PostgreSQL schema of this test, whatever database the rest of the suite uses."""
    import psycopg

    schema = f"hosts_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(_plain(), autocommit=True) as connection:
        connection.execute(f'CREATE SCHEMA "{schema}"')
    settings = {
        "SQLALCHEMY_DATABASE_URI": PG_URL,
        "SQLALCHEMY_ENGINE_OPTIONS": {"connect_args": {"options": f"-csearch_path={schema}"}},
        "TEST_SCHEMA": schema,
    }
    setup = make_test_app(settings, tmp_path / "setup")
    with setup.app_context():
        db.create_all()
        db.engine.dispose()
    try:
        yield settings
    finally:
        with psycopg.connect(_plain(), autocommit=True) as connection:
            connection.execute(f'DROP SCHEMA "{schema}" CASCADE')


@pytest.fixture
def search_backend() -> str:
    return "postgres"


@pytest.fixture
def hosts(app, tmp_path: Path) -> Iterator[tuple[Gunicorn, Gunicorn]]:
    """Hosts A and B: the same environment apart from the instance folder."""
    prefix = f"two-hosts-{uuid.uuid4().hex[:8]}"  # this test's own rate-limit counters
    servers = []
    for name in ("a", "b"):
        instance = tmp_path / f"host-{name}"
        instance.mkdir()
        (instance / "config.py").write_text(f"RATELIMIT_KEY_PREFIX = {prefix!r}\n")
        env = server_environment(app, REDIS_URL=REDIS_URL, LOGIN_RATE_LIMIT="3 per minute",
                                 SUBMIT_RATE_LIMIT=GENEROUS, SCHEDULED_JOBS="false",
                                 MAIL_BACKGROUND="false")
        env["IDEATION_INSTANCE_PATH"] = str(instance)
        servers.append(Gunicorn(env, workers=2))
    a, b = servers
    try:
        a.start()
        b.start()
        yield a, b
    finally:
        a.stop()
        b.stop()


def test_an_idea_sent_to_host_a_is_searched_and_shown_on_host_b_at_once(app, hosts):
    a, b = hosts
    dream = factories.make_challenge(slug="twee-hosts")
    citizen = factories.make_user(email="burger@example.org")
    gallery = f"/c/{dream.slug}/ideas"
    visitor = Browser(b.base)
    status, before, _headers = visitor.get(gallery)
    assert status == 200 and visitor.get(gallery)[1] == before  # B's page, cached

    browser = Browser(a.base)
    assert browser.login(citizen.email, factories.PASSWORD) == 302
    status, _body, headers = browser.submit(f"{gallery}/new", {
        "title": "Een buddy voor elk schoolkind", "description": "Iemand die naast je staat.",
        "consent": "y", "similar_seen": "1"})
    assert status == 302, _body[:500]
    assert "/ideas/" in headers["Location"]

    query = urllib.parse.urlencode({"q": "schoolkinderen"})
    status, found, _headers = visitor.get(f"{gallery}?{query}")
    assert status == 200
    assert "schoolkind</mark>" in found.lower()  # found at once, with B's highlighting
    assert "Een buddy voor elk schoolkind" in visitor.get(gallery)[1]  # B's cache renewed


def test_a_log_in_rate_limit_counts_across_both_hosts(app, hosts):
    a, b = hosts
    user = factories.make_user(email="vergeten@example.org")
    attempts = [Browser(host.base).login(user.email, "wrong password") for host in (a, b, a)]
    assert 429 not in attempts  # three failures allowed, counted on both hosts together
    assert Browser(b.base).login(user.email, "wrong password") == 429
    assert Browser(a.base).login(user.email, factories.PASSWORD) == 429


def test_a_stakeholders_saved_answers_on_host_a_reopen_on_host_b(app, hosts, open_round):  # noqa: F811
    a, b = hosts
    _invitation, token = invite(open_round, "ouder@example.org", "Ouders")
    page = f"/r/{open_round.id}/{token}"
    short = f"q{question_of(open_round, QuestionKind.short_text).id}"
    status, _body, _headers = Browser(a.base).submit(page, {short: "Half af, op A",
                                                            "action": "save"})
    assert status in (200, 302, 303)
    status, reopened, _headers = Browser(b.base).get(page)
    assert status == 200
    assert 'value="Half af, op A"' in reopened
