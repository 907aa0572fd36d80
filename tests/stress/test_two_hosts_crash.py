"""Two hosts under load, one of them killed: 16 citizens send in ideas, half through host A and
half through host B (one PostgreSQL schema, one Redis, PostgreSQL full-text search), until host
A - master and workers - gets SIGKILL; its citizens then go to B, as a proxy would send them.
Every idea a host acknowledged must be stored and found by search, and B must have answered
every request throughout."""

from __future__ import annotations

import os
import random
import signal
import threading
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import select

from ideation import create_app
from ideation.extensions import db
from tests.servers import Gunicorn, server_environment
from tests.stress.test_crash import GENEROUS, PHASE_S, Load, _citizen
from tests.test_two_hosts import PG_URL, REDIS_URL, WHY_NOT, _plain

pytestmark = [pytest.mark.stress, pytest.mark.skipif(bool(WHY_NOT), reason=WHY_NOT or "-")]

CLIENTS = 16


@pytest.fixture
def schema_url() -> Iterator[str]:
    import urllib.parse

    import psycopg

    schema = f"hosts_crash_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(_plain(), autocommit=True) as connection:
        connection.execute(f'CREATE SCHEMA "{schema}"')
    try:
        yield PG_URL + "?" + urllib.parse.urlencode({"options": f"-csearch_path={schema}"})
    finally:
        with psycopg.connect(_plain(), autocommit=True) as connection:
            connection.execute(f'DROP SCHEMA "{schema}" CASCADE')


def test_killing_host_a_under_load_loses_no_acknowledged_idea_and_b_serves_throughout(
        schema_url: str, tmp_path: Path):
    from ideation.challenges.models import Challenge
    from ideation.ideas.models import Idea, IdeaStatus
    from ideation.search import services as search
    from ideation.search.models import IdeaSearchDocument
    from tests import factories

    app = create_app({"TESTING": True, "SECRET_KEY": "two-hosts-secret-key-0123456789",
                      "INSTANCE_PATH": str(tmp_path / "setup"),
                      "SQLALCHEMY_DATABASE_URI": schema_url,
                      "PASSWORD_HASH_METHOD": "scrypt:256:8:1"})
    with app.app_context():
        db.create_all()
        slug = factories.make_challenge(slug="crash").slug
        people = [(factories.make_user(email=f"burger{n}@example.org").email,
                   factories.PASSWORD) for n in range(CLIENTS)]
    hosts = []
    for name in ("a", "b"):
        env = server_environment(app, REDIS_URL=REDIS_URL, SUBMIT_RATE_LIMIT=GENEROUS,
                                 LOGIN_RATE_LIMIT=GENEROUS, SCHEDULED_JOBS="false")
        (tmp_path / f"host-{name}").mkdir()
        env["IDEATION_INSTANCE_PATH"] = str(tmp_path / f"host-{name}")
        env["IDEATION_DATABASE_URL"] = schema_url
        hosts.append(Gunicorn(env, workers=2))
    a, b = hosts
    loads = {"a": Load(slug, a.base), "b": Load(slug, b.base)}
    clients = [threading.Thread(target=_citizen,
                                args=(loads["a" if n % 2 else "b"], email, password, n),
                                daemon=True)
               for n, (email, password) in enumerate(people)]
    try:
        a.start()
        b.start()
        for client in clients:
            client.start()
        time.sleep(PHASE_S)
        before_kill = len(loads["b"].acknowledged)
        assert a.process is not None
        os.killpg(a.process.pid, signal.SIGKILL)  # host A dies: master and workers at once
        a.process.wait(timeout=10)
        loads["a"].base = b.base  # the proxy sends A's visitors to B
        time.sleep(2 * PHASE_S)
        for load in loads.values():
            load.stop.set()
        for client in clients:
            client.join(timeout=30)
        after_kill = len(loads["b"].acknowledged)
    finally:
        for load in loads.values():
            load.stop.set()
        a.stop()
        b.stop()

    acknowledged = {**loads["a"].acknowledged, **loads["b"].acknowledged}
    with app.app_context():
        challenge = db.session.scalars(select(Challenge)).one()
        stored = dict(db.session.execute(select(Idea.id, Idea.title).where(
            Idea.challenge_id == challenge.id, Idea.status == IdeaStatus.published)).all())
        searchable = set(db.session.scalars(select(IdeaSearchDocument.idea_id)))
        samples = random.Random(7).sample(sorted(acknowledged.items()), 8)
        found = [[r.idea.id for r in search.search_ideas(challenge, word).results]
                 for _id, word in samples]
        db.engine.dispose()
    print(f"two hosts: acknowledged {len(acknowledged)} (B before the kill {before_kill}, "  # noqa: T201
          f"after {after_kill}), stored {len(stored)}, searchable {len(searchable)}, client "
          f"errors A {loads['a'].errors}, B {loads['b'].errors}")
    assert len(acknowledged) >= 50  # the load was real
    assert loads["b"].errors == 0  # B served every request, before and after A died
    assert after_kill > before_kill
    assert set(acknowledged) - set(stored) == set()  # every acknowledged idea is stored
    assert all(stored[i] == f"Idee {word}" for i, word in acknowledged.items())
    assert set(stored) == searchable  # every stored idea is searchable, nothing else
    assert found == [[idea_id] for idea_id, _word in samples]
