"""Fixtures: an app per test on a fresh database, a client that carries CSRF tokens, factories.

The tables are created once per run: each test gets a copy of a template SQLite file, or, when
IDEATION_TEST_DATABASE_URL is set, a PostgreSQL schema of the run that is emptied after every
test (the CI runs the suite both ways).
"""

from __future__ import annotations

import os
import re
import shutil
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from flask import Flask, g, request_started, request_tearing_down
from flask.testing import FlaskClient
from jinja2.bccache import Bucket, BytecodeCache

from ideation import create_app
from ideation.core import mail
from ideation.extensions import db
from tests import factories
from tests.mailbox import mailbox  # noqa: F401 - a real SMTP server, for any test that asks
from tests.url_rules import compile_each_rule_once

compile_each_rule_once()

TEST_DATABASE_URL = os.environ.get("IDEATION_TEST_DATABASE_URL")
CSRF_PATTERN = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"|'
                          r'name="csrf_token" value="([^"]+)"')


# The deliberately slow scrypt of production costs 0.2-0.4 s a user; the same algorithm at a
# cost of 256 takes a millisecond (config.validate refuses it outside tests).
TEST_PASSWORD_HASH_METHOD = "scrypt:256:8:1"


def _plain_url(url: str) -> str:
    return url.replace("postgresql+psycopg://", "postgresql://")


def _postgres_settings(schema: str) -> dict:
    return {
        "SQLALCHEMY_DATABASE_URI": TEST_DATABASE_URL,
        "SQLALCHEMY_ENGINE_OPTIONS": {
            "connect_args": {"options": f"-csearch_path={schema}"},
            "pool_pre_ping": True,
        },
        "TEST_SCHEMA": schema,
    }


@contextmanager
def _postgres_schema() -> Iterator[str]:
    import psycopg

    schema = f"t_{uuid.uuid4().hex[:16]}"
    with psycopg.connect(_plain_url(TEST_DATABASE_URL), autocommit=True) as conn:
        conn.execute(f'CREATE SCHEMA "{schema}"')
    try:
        yield schema
    finally:
        with psycopg.connect(_plain_url(TEST_DATABASE_URL), autocommit=True) as conn:
            conn.execute(f'DROP SCHEMA "{schema}" CASCADE')


def _create_schema(settings: dict, tmp_path: Path) -> None:
    app = make_test_app(settings, tmp_path)
    with app.app_context():
        db.create_all()
        db.engine.dispose()


@pytest.fixture(scope="session")
def schema_template(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict]:
    """The tables, created once per test run: creating 31 tables costs 0.2-2 s (an fsync per
    table on SQLite), far more than most tests. SQLite tests get a copy of this file;
    PostgreSQL tests share this schema and find it emptied after each test."""
    folder = tmp_path_factory.mktemp("schema")
    if not TEST_DATABASE_URL:
        settings = {"SQLALCHEMY_DATABASE_URI": f"sqlite:///{folder / 'template.db'}"}
        _create_schema(settings, folder)
        yield {"sqlite_file": folder / "template.db"}
        return
    with _postgres_schema() as schema:
        settings = _postgres_settings(schema)
        _create_schema(settings, folder)
        _keep_insertion_order(settings)
        yield settings


def _keep_insertion_order(settings: dict) -> None:
    """No autovacuum on the shared schema's tables: the rows a test deletes then stay dead, so
    new rows go at the end of each table, in the order they were inserted, as they would in
    fresh tables (a vacuum would let them fill the freed space in any order, and a test reading
    "the first idea" without ORDER BY would depend on it)."""
    import psycopg
    from psycopg import sql

    options = settings["SQLALCHEMY_ENGINE_OPTIONS"]["connect_args"]["options"]
    with psycopg.connect(_plain_url(TEST_DATABASE_URL), options=options) as conn:
        for table in db.metadata.sorted_tables:
            conn.execute(sql.SQL("ALTER TABLE {} SET (autovacuum_enabled = off)")
                         .format(sql.Identifier(table.name)))


# Every sequence of the test's schema back at 1, as TRUNCATE ... RESTART IDENTITY would.
_RESTART_SEQUENCES = """SELECT setval(c.oid, 1, false) FROM pg_class c
    JOIN pg_namespace n ON n.oid = c.relnamespace
    WHERE c.relkind = 'S' AND n.nspname = current_schema()"""


def _empty_postgres_tables(settings: dict) -> None:
    """DELETE, children before parents, in one transaction: a test leaves a few rows, and
    TRUNCATE makes new files for each of the 57 tables and their indexes (0.15-0.35 s a test
    against 0.04 s; 13 against 8 minutes for the suite on PostgreSQL). The rows stay in the
    order they are inserted (`_keep_insertion_order`)."""
    import psycopg
    from psycopg import sql

    deletes = sql.SQL("; ").join(sql.SQL("DELETE FROM {}").format(sql.Identifier(table.name))
                                 for table in reversed(db.metadata.sorted_tables))
    options = settings["SQLALCHEMY_ENGINE_OPTIONS"]["connect_args"]["options"]
    with psycopg.connect(_plain_url(TEST_DATABASE_URL), options=options) as conn:
        conn.execute(deletes)
        conn.execute(_RESTART_SEQUENCES)


@pytest.fixture
def database(schema_template: dict, tmp_path: Path) -> Iterator[dict]:
    """Engine settings for one test's database, its tables in place and empty."""
    if not TEST_DATABASE_URL:
        path = tmp_path / "test.db"
        shutil.copyfile(schema_template["sqlite_file"], path)
        yield {"SQLALCHEMY_DATABASE_URI": f"sqlite:///{path}"}
        return
    try:
        yield {key: value for key, value in schema_template.items()}
    finally:
        _empty_postgres_tables(schema_template)


@pytest.fixture
def empty_database(tmp_path: Path) -> Iterator[dict]:
    """Engine settings for a database without any table (for the migration tests)."""
    if not TEST_DATABASE_URL:
        yield {"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'empty.db'}"}
        return
    with _postgres_schema() as schema:
        yield _postgres_settings(schema)


class _TemplateCodeCache(BytecodeCache):
    """Compiled templates kept for the whole run: every test builds its own app, and without
    this each app parses and compiles every template it renders again. Jinja checks the
    template's source checksum, so an edited template is compiled afresh."""

    def __init__(self) -> None:
        self._code: dict[str, bytes] = {}

    def load_bytecode(self, bucket: Bucket) -> None:
        if bucket.key in self._code:
            bucket.bytecode_from_string(self._code[bucket.key])

    def dump_bytecode(self, bucket: Bucket) -> None:
        self._code[bucket.key] = bucket.bytecode_to_string()


_TEMPLATE_CODE = _TemplateCodeCache()


def make_test_app(database: dict, tmp_path: Path, **overrides: object) -> Flask:
    config = {
        "TESTING": True,
        "SECRET_KEY": "test-secret-key-not-for-production",
        "INSTANCE_PATH": str(tmp_path / "instance"),
        # Mail is sent by a thread per process; tests that need it switch it on, the others
        # read the outbox table as it was written.
        "IDEATION_MAIL_BACKGROUND": False,
        # The daily and weekly jobs run after responses; tests that are about them turn
        # them on, the rest keep their requests free of side work.
        "IDEATION_SCHEDULED_JOBS": False,
        "PASSWORD_HASH_METHOD": TEST_PASSWORD_HASH_METHOD,
        **database,
        **overrides,
    }
    app = create_app(config)
    app.jinja_env.bytecode_cache = _TEMPLATE_CODE
    return app


def _clear_request_globals(sender: Flask, **extra: object) -> None:
    for name in list(g):
        g.pop(name)


def _discard_uncommitted(sender: Flask, **extra: object) -> None:
    db.session.rollback()


# The search backends a search behaviour test runs on: PostgreSQL full-text search only where
# the tests run on PostgreSQL. Other tests keep Whoosh (`search_backend`).
SEARCH_BACKENDS = ("whoosh", "postgres") if TEST_DATABASE_URL else ("whoosh",)
both_search_backends = pytest.mark.parametrize("search_backend", SEARCH_BACKENDS)


@pytest.fixture
def search_backend() -> str:
    """IDEATION_SEARCH_BACKEND of the test app; `both_search_backends` runs a test on each."""
    return "whoosh"


@pytest.fixture
def app(database: dict, tmp_path: Path, search_backend: str) -> Iterator[Flask]:
    """The app with its tables, and an app context pushed so tests can use the database.

    Flask reuses a pushed app context for every request, so ``g`` (the logged-in user, the
    locale, the CSRF token) and uncommitted changes would leak from one request into the next.
    The two signal handlers make each request start clean and end as on a real server.
    """
    app = make_test_app(database, tmp_path, IDEATION_SEARCH_BACKEND=search_backend)
    request_started.connect(_clear_request_globals, app)
    request_tearing_down.connect(_discard_uncommitted, app)
    with app.app_context():
        yield app
        mail.sender_of(app).stop()
        db.session.remove()
        db.engine.dispose()
    request_started.disconnect(_clear_request_globals, app)
    request_tearing_down.disconnect(_discard_uncommitted, app)


class Client(FlaskClient):
    """A test client that sends the CSRF token with every form POST, like a browser."""

    _token: str | None = None

    def open(self, *args: object, buffered: bool = True, **kwargs: object):
        """Reads the whole response and closes it, as a WSGI server does: work a request
        leaves for after its response (``response.call_on_close``) is done before the test
        goes on."""
        return super().open(*args, buffered=buffered, **kwargs)

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


_DEMO_COPY: dict[str, object] = {}  # per test process: the first demo loaded, kept


@pytest.fixture
def loaded_demo(app: Flask, runner, tmp_path_factory: pytest.TempPathFactory) -> str:
    """The demo (``flask demo``) loaded into this test's own database and instance folder;
    returns what the command printed. On SQLite the first load in a test process is kept (the
    database file and the instance folder with its photos, search index and passwords) and
    later tests get a copy of it: the same data and the same output in a fraction of a second
    instead of about 20. On PostgreSQL every test loads it. Tests of the command itself
    (loading twice, ``--if-empty``) invoke it as well."""
    database = Path(app.config["SQLALCHEMY_DATABASE_URI"].removeprefix("sqlite:///"))
    instance = Path(app.instance_path)
    kept = _DEMO_COPY.get("folder")
    if TEST_DATABASE_URL or not isinstance(kept, Path):
        result = runner.invoke(args=["demo"])
        assert result.exit_code == 0, result.output
        if not TEST_DATABASE_URL:
            folder = tmp_path_factory.mktemp("demo-copy")
            db.session.remove()
            db.engine.dispose()
            shutil.copyfile(database, folder / "demo.db")
            shutil.copytree(instance, folder / "instance")
            _DEMO_COPY.update(folder=folder, output=result.output)
        return result.output
    db.session.remove()
    db.engine.dispose()
    shutil.copyfile(kept / "demo.db", database)
    shutil.rmtree(instance, ignore_errors=True)
    shutil.copytree(kept / "instance", instance)
    return str(_DEMO_COPY["output"])


@pytest.fixture(scope="session")
def demo_site(schema_template: dict, tmp_path_factory: pytest.TempPathFactory):
    """The demo (``flask demo``), loaded once per run into a database of its own, for the
    crawler and the route x role matrix (tests/demo_site.py). Read it, never change it.
    Its rate limits are high: a crawl asks for hundreds of pages a minute from one address.
    (Not RATELIMIT_ENABLED=False: the limiter is one object for every app of the run, and
    that setting would stay off for the apps made after this one.)"""
    from tests.demo_site import build_demo_site

    folder = tmp_path_factory.mktemp("demo")

    @contextmanager
    def settings() -> Iterator[dict]:
        if not TEST_DATABASE_URL:
            shutil.copyfile(schema_template["sqlite_file"], folder / "demo.db")
            yield {"SQLALCHEMY_DATABASE_URI": f"sqlite:///{folder / 'demo.db'}"}
            return
        with _postgres_schema() as schema:
            _create_schema(_postgres_settings(schema), folder)
            yield _postgres_settings(schema)

    with settings() as database:
        app = make_test_app(database, folder, **{
            f"IDEATION_{name}_RATE_LIMIT": "100000 per minute"
            for name in ("LOGIN", "SUBMIT", "COMMENT", "TOKEN")})
        yield build_demo_site(app)
        with app.app_context():
            db.engine.dispose()


@pytest.fixture(scope="session")
def demo_crawls(demo_site) -> dict:
    """The demo crawled once per run as each person (tests/crawl.py: CRAWL_ROLES), for the
    crawler's tests and for checks of every crawled page (``crawl.html_pages``)."""
    from tests.crawl import CRAWL_ROLES, crawl_demo

    crawls = {}
    for role in CRAWL_ROLES:
        started = time.perf_counter()
        crawls[role] = crawl_demo(demo_site, role)
        CRAWL_SUMMARY.append(f"{role}: {len(crawls[role].pages)} URLs requested "
                             f"({len(crawls[role].html_pages())} pages), "
                             f"{crawls[role].links_seen} links seen, "
                             f"{len(crawls[role].reached())} routes reached, "
                             f"{time.perf_counter() - started:.1f} s")
    return crawls


CRAWL_SUMMARY: list[str] = []


def pytest_sessionfinish(session: pytest.Session) -> None:
    """Under pytest-xdist the crawls ran in a worker: hand their summary to the controller."""
    if hasattr(session.config, "workeroutput"):
        session.config.workeroutput["crawl_summary"] = list(CRAWL_SUMMARY)


@pytest.hookimpl(optionalhook=True)
def pytest_testnodedown(node, error) -> None:  # noqa: ANN001, ARG001 - xdist's hook
    CRAWL_SUMMARY.extend(node.workeroutput.get("crawl_summary", []))


def pytest_terminal_summary(terminalreporter) -> None:  # noqa: ANN001 - pytest's reporter
    """What the crawls of the demo covered, at the end of the run."""
    if CRAWL_SUMMARY:
        terminalreporter.write_sep("-", "crawls of the demo")
        for line in CRAWL_SUMMARY:
            terminalreporter.write_line(line)
