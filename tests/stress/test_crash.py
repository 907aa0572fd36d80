"""Crash safety under load: 16 citizens send in ideas through the real form while a gunicorn
worker is killed (SIGKILL), then the master itself; a new server takes over. Every idea the
server acknowledged (a redirect to its page) must be stored, and every stored idea must be
found by search once the new server has answered a search - on SQLite and on PostgreSQL.

An idea can be stored without being acknowledged (the worker died after the commit, before
the answer): the client never heard of it, which is allowed; it must still be searchable.
"""

from __future__ import annotations

import os
import random
import re
import signal
import string
import threading
import time
import urllib.parse
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from sqlalchemy import select

from ideation import create_app
from ideation.extensions import db
from tests.servers import Browser, Gunicorn, server_environment

pytestmark = pytest.mark.stress

CLIENTS = 16
PHASE_S = 4.0  # load before the worker is killed, between the kills, and after the restart
PG_URL = os.environ.get("IDEATION_TEST_DATABASE_URL",
                        "postgresql+psycopg://postgres@127.0.0.1:5432/test")
GENEROUS = "100000 per minute"
IDEA_PATH = re.compile(r"/c/[^/]+/ideas/(\d+)$")


def _word(rng: random.Random) -> str:
    """A made-up word no stemmer changes the search for: it only has to be unique."""
    return "".join(rng.choice(string.ascii_lowercase) for _ in range(12))


@dataclass
class Load:
    slug: str
    base: str  # the server the clients use now (changed on restart)
    acknowledged: dict[int, str] = field(default_factory=dict)  # idea id -> its word
    errors: int = 0
    stop: threading.Event = field(default_factory=threading.Event)
    lock: threading.Lock = field(default_factory=threading.Lock)


def _citizen(load: Load, email: str, password: str, seed: int) -> None:
    rng = random.Random(seed)
    browser, logged_in_at = None, None
    while not load.stop.is_set():
        try:
            if browser is None or logged_in_at != load.base:
                browser = Browser(load.base, timeout=20)
                if browser.login(email, password) != 302:
                    raise OSError("log-in refused")
                logged_in_at = load.base
            word = _word(rng)
            status, _body, headers = browser.submit(f"/c/{load.slug}/ideas/new", {
                "title": f"Idee {word}", "description": f"Een idee over {word}.",
                "consent": "y", "similar_seen": "1"})
        except (OSError, RuntimeError):
            with load.lock:
                load.errors += 1
            browser = None
            time.sleep(0.2)
            continue
        found = IDEA_PATH.search(urllib.parse.urlsplit(headers.get("Location", "")).path)
        if status == 302 and found:
            with load.lock:
                load.acknowledged[int(found.group(1))] = word
        else:
            with load.lock:
                load.errors += 1


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request, tmp_path: Path) -> Iterator[str]:
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'instance' / 'ideation.db'}"
        return
    import psycopg

    plain = PG_URL.replace("postgresql+psycopg://", "postgresql://")
    try:
        psycopg.connect(plain, connect_timeout=3).close()
    except psycopg.OperationalError as exc:
        pytest.skip(f"PostgreSQL not reachable at {PG_URL}: {exc}")
    schema = f"crash_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(plain, autocommit=True) as connection:
        connection.execute(f'CREATE SCHEMA "{schema}"')
    try:
        yield PG_URL + "?" + urllib.parse.urlencode({"options": f"-csearch_path={schema}"})
    finally:
        with psycopg.connect(plain, autocommit=True) as connection:
            connection.execute(f'DROP SCHEMA "{schema}" CASCADE')


def _prepare(url: str, instance: Path) -> tuple[object, str, list[tuple[str, str]]]:
    """Tables, a challenge in its dream phase and 16 citizens; the app, slug and log-ins."""
    from tests import factories

    app = create_app({"TESTING": True, "SECRET_KEY": "crash-test-secret-key-0123456789",
                      "INSTANCE_PATH": str(instance), "SQLALCHEMY_DATABASE_URI": url,
                      "PASSWORD_HASH_METHOD": "scrypt:256:8:1"})
    with app.app_context():
        db.create_all()
        slug = factories.make_challenge(slug="crash").slug
        people = [(factories.make_user(email=f"burger{n}@example.org").email,
                   factories.PASSWORD) for n in range(CLIENTS)]
    return app, slug, people


def _wait_until_gone(pids: set[int], timeout: float = 20) -> None:
    deadline = time.monotonic() + timeout
    while pids and time.monotonic() < deadline:
        pids = {pid for pid in pids if Path(f"/proc/{pid}").exists()}
        time.sleep(0.1)


def test_acknowledged_ideas_survive_killed_workers_and_master_and_are_searchable(
        database_url: str, tmp_path: Path):
    from ideation.challenges.models import Challenge
    from ideation.ideas.models import Idea
    from ideation.search import services as search
    from ideation.search.models import IdeaSearchDocument

    instance = tmp_path / "instance"
    app, slug, people = _prepare(database_url, instance)
    app.config["SQLALCHEMY_DATABASE_URI"] = database_url
    env = server_environment(app, SUBMIT_RATE_LIMIT=GENEROUS, LOGIN_RATE_LIMIT=GENEROUS)
    env["IDEATION_SECRET_KEY"] = app.config["SECRET_KEY"]
    first = Gunicorn(env).start()
    load = Load(slug, first.base)
    clients = [threading.Thread(target=_citizen, args=(load, email, password, n), daemon=True)
               for n, (email, password) in enumerate(people)]
    second = None
    try:
        for client in clients:
            client.start()
        time.sleep(PHASE_S)
        worker = sorted(first.worker_pids())[0]
        os.kill(worker, signal.SIGKILL)  # the master starts a new worker
        time.sleep(PHASE_S)
        workers = first.worker_pids()
        first.kill_master()  # the workers notice and stop; nobody serves on this port
        _wait_until_gone(workers)
        second = Gunicorn(env).start()
        load.base = second.base
        time.sleep(PHASE_S)
        load.stop.set()
        for client in clients:
            client.join(timeout=30)
        status, _page, _headers = Browser(second.base).get(
            f"/c/{slug}/ideas?q={next(iter(load.acknowledged.values()))}")
        assert status == 200  # a search applies what the killed workers left queued
    finally:
        load.stop.set()
        first.stop()
        if second is not None:
            second.stop()

    with app.app_context():
        challenge = db.session.scalars(select(Challenge)).one()
        stored = dict(db.session.execute(select(Idea.id, Idea.title)
                                         .where(Idea.challenge_id == challenge.id)).all())
        if search.backend() == "postgres":  # the default on PostgreSQL
            indexed = set(db.session.scalars(select(IdeaSearchDocument.idea_id)))
        else:
            indexed = search.get_index().doc_ids(challenge.id)
        samples = random.Random(7).sample(sorted(load.acknowledged.items()), 5)
        found = [[r.idea.id for r in search.search_ideas(challenge, word).results]
                 for _id, word in samples]
    acknowledged = set(load.acknowledged)
    print(f"{database_url.split(':')[0]}: acknowledged {len(acknowledged)}, stored "  # noqa: T201
          f"{len(stored)}, searchable {len(indexed & set(stored))}, client errors "
          f"{load.errors}")
    assert len(acknowledged) >= 50  # the load was real
    assert acknowledged - set(stored) == set()  # every acknowledged idea is stored
    assert all(stored[i] == f"Idee {word}" for i, word in load.acknowledged.items())
    assert set(stored) - indexed == set()  # and every stored idea is searchable
    assert [ids for ids in found] == [[idea_id] for idea_id, _word in samples]
