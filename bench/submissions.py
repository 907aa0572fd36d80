"""Ideas sent in through the real form by 16 citizens at once, against gunicorn (2 workers).

Each client thread logs in with its own account and, for ``DURATION_S`` seconds, GETs the
submit form, reads its CSRF token and POSTs title, description, consent and similar_seen=1
(urlencoded, as a browser without photos). A 302 to ``/c/<slug>/ideas/<id>`` is an
acknowledged idea. Afterwards every acknowledged id must be in the database and in the search
index: ``lost_before_final_flush`` counts those missing from the index as the server left it,
``lost`` those still missing (from the database or the index) after one final
``apply_pending`` of the outbox.

The baseline, in the same run and the same database once the server is stopped: plain
single-row INSERTs into the ideas table with a commit each (sqlite3), ``ratio_to_raw_insert``
= ideas/s through the web form divided by those INSERTs/s.
"""

from __future__ import annotations

import http.cookiejar
import re
import sqlite3
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

from bench._setup import Instance, Server, app_for, build_instance, idea_texts

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


def _citizen(base: str, instance: Instance, email: str, texts: list[tuple[str, str]],
             deadline: float, tally: _Tally, offset: int) -> None:
    client = _Client(base)
    try:
        token = client.csrf("/login")
        status, _location = client.post("/login", {
            "csrf_token": token, "email": email, "password": instance.password})
        if status != 302:
            tally.error(f"login {status}")
            return
    except (OSError, RuntimeError) as exc:
        tally.error(f"login {type(exc).__name__}")
        return
    form = f"/c/{instance.slug}/ideas/new"
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


def _load(server: Server, instance: Instance, texts: list[tuple[str, str]]) -> tuple[_Tally,
                                                                                   float]:
    tally = _Tally()
    started = time.monotonic()
    deadline = started + DURATION_S
    threads = [threading.Thread(target=_citizen, daemon=True, args=(
        server.base, instance, email, texts, deadline, tally, number * 997))
        for number, email in enumerate(instance.citizens)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=DURATION_S + TIMEOUT_S * 3)
    return tally, time.monotonic() - started


def _in_database(instance: Instance, ids: set[int]) -> set[int]:
    connection = sqlite3.connect(instance.db_path)
    try:
        found = {row[0] for row in connection.execute("SELECT id FROM ideas")}
    finally:
        connection.close()
    return ids & found


def _index_and_flush(instance: Instance) -> tuple[set[int], set[int], int]:
    """Ids in the index as left by the server, ids after a final outbox apply, jobs applied."""
    from ideation.search import services as search

    app = app_for(instance.path)
    with app.app_context():
        index = search.get_index()
        before = index.doc_ids(instance.challenge_id)
        applied = 0
        for _ in range(100):  # bounded: 100 x 5000 jobs
            done = search.apply_pending()
            applied += done
            if not done:
                break
        index.close()
        after = search.get_index().doc_ids(instance.challenge_id)
    return before, after, applied


def _raw_insert_rate(instance: Instance) -> float:
    """Median single-row INSERT + COMMIT per second into the ideas table of the same DB."""
    connection = sqlite3.connect(instance.db_path)
    rates = []
    try:
        now = datetime.now(UTC).replace(tzinfo=None).isoformat(" ")
        for run_number in range(RAW_INSERT_RUNS):
            count = 0
            started = time.perf_counter()
            while time.perf_counter() - started < RAW_INSERT_S:
                connection.execute(
                    "INSERT INTO ideas (challenge_id, title, description, status, is_anonymous,"
                    " source, support_count, comment_count, created_dt, updated_dt)"
                    " VALUES (?, ?, ?, 'published', 0, 'web', 0, 0, ?, ?)",
                    (instance.challenge_id, f"raw {run_number}-{count}", "raw insert", now, now))
                connection.commit()
                count += 1
            rates.append(count / (time.perf_counter() - started))
        connection.execute("DELETE FROM ideas WHERE description = 'raw insert'")
        connection.commit()
    finally:
        connection.close()
    return statistics.median(rates)


def run() -> dict:
    texts = idea_texts()[N_IDEAS:]  # not yet in the challenge: no duplicates of the seed
    with tempfile.TemporaryDirectory(prefix="bench-submissions-") as tmp:
        instance = build_instance(Path(tmp) / "instance", N_IDEAS, CLIENTS)
        with Server(instance) as server:
            tally, elapsed = _load(server, instance, texts)
        acknowledged = set(tally.acknowledged)
        in_db = _in_database(instance, acknowledged)
        before, after, applied = _index_and_flush(instance)
        raw_per_s = _raw_insert_rate(instance)
    per_s = len(tally.acknowledged) / elapsed
    return {
        "per_s": round(per_s, 1),
        "acknowledged": len(tally.acknowledged),
        "errors": tally.errors,
        "error_kinds": dict(sorted(tally.error_kinds.items())),
        "lost": len(acknowledged - (in_db & after)),
        "lost_before_final_flush": len(acknowledged - before),
        "jobs_left_for_final_flush": applied,
        "raw_insert_per_s": round(raw_per_s, 1),
        "ratio_to_raw_insert": round(per_s / raw_per_s, 4),
        "config": {"clients": CLIENTS, "duration_s": DURATION_S, "workers": 2,
                   "seed_ideas": N_IDEAS},
    }
