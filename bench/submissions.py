"""Ideas sent in through the real form by 16 citizens at once, against gunicorn (2 workers).

On SQLite with the Whoosh index (``submissions``), on a fresh PostgreSQL schema with its
full-text search (`bench.postgres` runs ``run(database_url)``: ``postgres.submissions``), and
spread over two hosts on one PostgreSQL and one Redis (`bench.two_hosts` uses `send_ideas` and
`count_lost`: ``two_hosts.submissions``).

Each client thread logs in with its own account and, for ``DURATION_S`` seconds, GETs the
submit form, reads its CSRF token and POSTs title, description, consent and similar_seen=1
(urlencoded, as a browser without photos). A 302 to ``/c/<slug>/ideas/<id>`` is an
acknowledged idea. Afterwards every acknowledged id must be in the database and in the search
index: ``lost_before_final_flush`` counts those missing from the index as the server left it,
``lost`` those still missing (from the database or the index) after one final
``apply_pending`` of the outbox. (PostgreSQL search rows are written in the idea's own
transaction: there is no outbox, and nothing is left for the final flush.)

The baseline, in the same run and the same database once the server is stopped: plain
single-row INSERTs into the ideas table with a commit each (the bare DB-API connection:
sqlite3 or psycopg), ``ratio_to_raw_insert`` = ideas/s through the web form divided by those
INSERTs/s.
"""

from __future__ import annotations

import http.cookiejar
import re
import statistics
import tempfile
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bench._setup import Server, build_instance, idea_texts

CLIENTS = 16
DURATION_S = 30
N_IDEAS = 10_000  # already in the challenge, as in the web benchmark
RAW_INSERT_RUNS = 3
RAW_INSERT_S = 1.0
TIMEOUT_S = 30

_CSRF = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"|value="([^"]+)"[^>]*name="csrf_token"')
_IDEA = re.compile(r"/c/[^/]+/ideas/(\d+)$")


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: object, **kwargs: object) -> None:
        return None


@dataclass
class _Client:
    """One citizen's browser: a cookie jar and no automatic redirects."""

    base: str
    opener: urllib.request.OpenerDirector = field(init=False)

    def __post_init__(self) -> None:
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()), _NoRedirect())

    def get(self, path: str) -> tuple[int, str]:
        with self.opener.open(self.base + path, timeout=TIMEOUT_S) as response:
            return response.status, response.read().decode()

    def post(self, path: str, data: dict[str, str]) -> tuple[int, str]:
        """(status, Location) of a form POST; a 3xx is returned, not followed."""
        body = urllib.parse.urlencode(data).encode()
        try:
            with self.opener.open(self.base + path, data=body, timeout=TIMEOUT_S) as response:
                response.read()
                return response.status, response.headers.get("Location", "")
        except urllib.error.HTTPError as error:
            error.read()
            return error.code, error.headers.get("Location", "")

    def csrf(self, path: str) -> str:
        status, html = self.get(path)
        match = _CSRF.search(html)
        if status != 200 or match is None:
            raise RuntimeError(f"no CSRF token on {path} (status {status})")
        return match.group(1) or match.group(2)


@dataclass
class _Tally:
    acknowledged: list[int] = field(default_factory=list)
    errors: int = 0
    error_kinds: dict[str, int] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def error(self, kind: str) -> None:
        with self.lock:
            self.errors += 1
            self.error_kinds[kind] = self.error_kinds.get(kind, 0) + 1


def _citizen(base: str, slug: str, email: str, password: str, texts: list[tuple[str, str]],
             deadline: float, tally: _Tally, offset: int) -> None:
    client = _Client(base)
    try:
        token = client.csrf("/login")
        status, _location = client.post("/login", {
            "csrf_token": token, "email": email, "password": password})
        if status != 302:
            tally.error(f"login {status}")
            return
    except (OSError, RuntimeError) as exc:
        tally.error(f"login {type(exc).__name__}")
        return
    form = f"/c/{slug}/ideas/new"
    number = 0
    while time.monotonic() < deadline:
        title, description = texts[(offset + number) % len(texts)]
        number += 1
        try:
            token = client.csrf(form)
            status, location = client.post(form, {
                "csrf_token": token, "title": title, "description": description,
                "theme_id": "", "consent": "y", "similar_seen": "1"})
        except (OSError, RuntimeError) as exc:
            tally.error(type(exc).__name__)
            continue
        match = _IDEA.search(urllib.parse.urlsplit(location).path) if status == 302 else None
        if match is None:
            tally.error(f"status {status}")
            continue
        with tally.lock:
            tally.acknowledged.append(int(match.group(1)))


def send_ideas(bases: list[str], slug: str, citizens: list[str], password: str,
               texts: list[tuple[str, str]]) -> tuple[_Tally, float]:
    """Every citizen sends ideas for DURATION_S seconds, the citizens spread over the hosts
    at ``bases`` in turn; (what was acknowledged and what failed, seconds taken)."""
    tally = _Tally()
    started = time.monotonic()
    deadline = started + DURATION_S
    threads = [threading.Thread(target=_citizen, daemon=True, args=(
        bases[number % len(bases)], slug, email, password, texts, deadline, tally,
        number * 997)) for number, email in enumerate(citizens)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=DURATION_S + TIMEOUT_S * 3)
    return tally, time.monotonic() - started


def count_lost(app: Any, challenge_id: int, acknowledged: set[int]) -> dict[str, int]:
    """Which acknowledged ideas are missing from the database or the search, before and after
    a final apply of the outbox (Whoosh); the figures `run` reports."""
    from sqlalchemy import select

    from ideation.extensions import db
    from ideation.ideas.models import Idea
    from ideation.search import services as search
    from ideation.search.models import IdeaSearchDocument

    def indexed() -> set[int]:
        if search.backend() == "postgres":
            return set(db.session.scalars(select(IdeaSearchDocument.idea_id).where(
                IdeaSearchDocument.challenge_id == challenge_id)))
        index = search.get_index()
        try:
            return index.doc_ids(challenge_id)
        finally:
            index.close()

    with app.app_context():
        stored = set(db.session.scalars(select(Idea.id).where(Idea.id.in_(acknowledged))))
        before = indexed()
        applied = 0
        for _ in range(100):  # bounded: 100 x 5000 jobs
            done = search.apply_pending()
            applied += done
            if not done:
                break
        after = indexed()
        db.session.remove()
        db.engine.dispose()
    return {"lost": len(acknowledged - (stored & after)),
            "lost_before_final_flush": len(acknowledged - before),
            "jobs_left_for_final_flush": applied}


_RAW_INSERT = ("INSERT INTO ideas (challenge_id, title, description, status, is_anonymous,"
               " source, support_count, comment_count, created_dt, updated_dt)"
               " VALUES (?, ?, ?, 'published', ?, 'web', 0, 0, ?, ?)")


def _raw_insert_rate(app: Any, challenge_id: int) -> float:
    """Median single-row INSERT + COMMIT per second into the ideas table of the same DB."""
    from ideation.extensions import db

    with app.app_context():
        connection = db.engine.raw_connection()  # the DB-API connection itself
        mark = "?" if db.engine.dialect.paramstyle == "qmark" else "%s"  # sqlite3, psycopg
        rates = []
        try:
            cursor = connection.cursor()
            now = datetime.now(UTC).replace(tzinfo=None).isoformat(" ")
            for run_number in range(RAW_INSERT_RUNS):
                count = 0
                started = time.perf_counter()
                while time.perf_counter() - started < RAW_INSERT_S:
                    cursor.execute(
                        _RAW_INSERT.replace("?", mark),
                        (challenge_id, f"raw {run_number}-{count}", "raw insert", False, now,
                         now))
                    connection.commit()
                    count += 1
                rates.append(count / (time.perf_counter() - started))
            cursor.execute("DELETE FROM ideas WHERE description = 'raw insert'")
            connection.commit()
        finally:
            connection.close()
        db.engine.dispose()
    return statistics.median(rates)


def run(database_url: str | None = None) -> dict:
    """On SQLite, or on the (empty) PostgreSQL schema of ``database_url``."""
    texts = idea_texts()[N_IDEAS:]  # not yet in the challenge: no duplicates of the seed
    with tempfile.TemporaryDirectory(prefix="bench-submissions-") as tmp:
        instance = build_instance(Path(tmp) / "instance", N_IDEAS, CLIENTS, database_url)
        with Server(instance) as server:
            tally, elapsed = send_ideas([server.base], instance.slug, instance.citizens,
                                        instance.password, texts)
        lost = count_lost(instance.app(), instance.challenge_id, set(tally.acknowledged))
        raw_per_s = _raw_insert_rate(instance.app(), instance.challenge_id)
    per_s = len(tally.acknowledged) / elapsed
    return {
        "per_s": round(per_s, 1),
        "acknowledged": len(tally.acknowledged),
        "errors": tally.errors,
        "error_kinds": dict(sorted(tally.error_kinds.items())),
        **lost,
        "raw_insert_per_s": round(raw_per_s, 1),
        "ratio_to_raw_insert": round(per_s / raw_per_s, 4),
        "config": {"database": "postgresql" if database_url else "sqlite",
                   "clients": CLIENTS, "duration_s": DURATION_S, "workers": 2,
                   "seed_ideas": N_IDEAS},
    }
