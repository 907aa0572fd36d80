"""A live session with 200 participants on their phones, against gunicorn (2 workers).

The core team plans and opens a session in-process; then ``PARTICIPANTS`` client threads
each join with the code (one GET of the join page for the CSRF token, one POST), and send
ideas for ``IDEAS_S`` seconds with ``THINK_S`` between posts; the core team then starts the
dot-voting and every participant spends its ``DOTS`` dots for the remaining
``DURATION_S - IDEAS_S`` seconds. A 302 back to the participant's page is an acknowledged
write. Afterwards every acknowledged idea (its title is unique) and every acknowledged dot
must be in the database: ``lost`` counts those missing. Requests per second, p50 and p99 are
over every request of the run (joins, ideas and dots).
"""

from __future__ import annotations

import sqlite3
import statistics
import tempfile
import threading
import time
import urllib.parse
from dataclasses import dataclass, field
from pathlib import Path

from bench._setup import Server, app_for, build_instance
from bench.submissions import _Client

PARTICIPANTS = 200
DURATION_S = 60
IDEAS_S = 40
THINK_S = 0.5
DOTS = 10
N_IDEAS = 100


@dataclass
class _Tally:
    latencies: list[float] = field(default_factory=list)
    ideas: list[str] = field(default_factory=list)
    dots: dict[int, int] = field(default_factory=dict)  # participant number -> dots accepted
    errors: int = 0
    error_kinds: dict[str, int] = field(default_factory=dict)
    finished_ideas: int = 0  # participants done sending ideas (or gone)
    lock: threading.Lock = field(default_factory=threading.Lock)
    changed: threading.Condition = field(init=False)

    def __post_init__(self) -> None:
        self.changed = threading.Condition(self.lock)

    def error(self, kind: str) -> None:
        with self.lock:
            self.errors += 1
            self.error_kinds[kind] = self.error_kinds.get(kind, 0) + 1

    def timed(self, call, *args):  # type: ignore[no-untyped-def]
        started = time.perf_counter()
        try:
            return call(*args)
        finally:
            with self.lock:
                self.latencies.append(time.perf_counter() - started)


def _open_session(instance_path: Path, challenge_id: int) -> tuple[int, str]:
    from ideation.accounts.models import MembershipRole
    from ideation.accounts.services import create_user, set_membership
    from ideation.challenges.models import Challenge
    from ideation.challenges.phases import today
    from ideation.extensions import db
    from ideation.sessions import services

    app = app_for(instance_path)
    with app.app_context():
        challenge = db.session.get(Challenge, challenge_id)
        core = create_user("core@bench.example.org", "Core", "a-long-bench-password")
        set_membership(None, challenge, core, MembershipRole.core_team)
        session = services.plan_session(core, challenge, {
            "title": "Bench session", "held_on": today(), "phase": "dream", "dots": DOTS})
        services.advance(core, session)
        db.session.commit()
        return session.id, session.join_code


def _start_voting(instance_path: Path, session_id: int) -> None:
    from sqlalchemy import select

    from ideation.accounts.models import User
    from ideation.extensions import db
    from ideation.sessions import services
    from ideation.sessions.models import LiveSession

    app = app_for(instance_path)
    with app.app_context():
        core = db.session.scalar(select(User).where(User.email == "core@bench.example.org"))
        services.advance(core, db.session.get(LiveSession, session_id))
        db.session.commit()


def _participant(base: str, code: str, number: int, voting: threading.Event,
                 ideas_until: float, deadline: float, tally: _Tally,
                 item_ids: list[int]) -> None:
    counted = []

    def ideas_done() -> None:  # once per phone, also when it gave up early
        if not counted:
            counted.append(True)
            with tally.lock:
                tally.finished_ideas += 1
                tally.changed.notify_all()

    try:
        _take_part(base, code, number, voting, ideas_until, deadline, tally, item_ids,
                   ideas_done)
    finally:
        ideas_done()


def _take_part(base: str, code: str, number: int, voting: threading.Event,
               ideas_until: float, deadline: float, tally: _Tally,
               item_ids: list[int], ideas_done) -> None:  # noqa: ANN001 - a callback
    client = _Client(base)
    try:
        token = tally.timed(client.csrf, f"/join?code={code}")
        status, location = tally.timed(client.post, "/join", {
            "csrf_token": token, "code": code, "nickname": f"p{number}"})
    except (OSError, RuntimeError) as exc:
        tally.error(f"join {type(exc).__name__}")
        return
    if status != 302:
        tally.error(f"join {status}")
        return
    page = urllib.parse.urlsplit(location).path
    sent = 0
    while time.monotonic() < ideas_until:
        title = f"Idee {number}-{sent}"
        try:
            status, location = tally.timed(client.post, f"/join/{code}/idea", {
                "csrf_token": token, "title": title, "description": "Uit de bench."})
        except OSError as exc:
            tally.error(f"idea {type(exc).__name__}")
            continue
        if status == 302 and urllib.parse.urlsplit(location).path == page:
            with tally.lock:
                tally.ideas.append(title)
        else:
            tally.error(f"idea {status}")
        sent += 1
        time.sleep(THINK_S)
    ideas_done()  # this phone is done with ideas: the team may start the voting
    voting.wait(timeout=DURATION_S)
    spent = 0
    while time.monotonic() < deadline and spent < DOTS and item_ids:
        target = item_ids[(number * 7 + spent) % len(item_ids)]
        try:
            status, location = tally.timed(client.post, f"/join/{code}/dot", {
                "csrf_token": token, "idea": str(target)})
        except OSError as exc:
            tally.error(f"dot {type(exc).__name__}")
            continue
        if status == 302 and urllib.parse.urlsplit(location).path == page:
            spent += 1
        else:
            tally.error(f"dot {status}")
        time.sleep(THINK_S)
    with tally.lock:
        tally.dots[number] = spent


def _stored(db_path: Path, session_id: int) -> tuple[set[str], dict[str, int], list[int]]:
    connection = sqlite3.connect(db_path)
    try:
        titles = {row[0] for row in connection.execute(
            "SELECT title FROM live_session_ideas WHERE session_id = ?", (session_id,))}
        dots = dict(connection.execute(
            "SELECT p.nickname, COUNT(d.id) FROM live_session_participants p "
            "LEFT JOIN live_session_dots d ON d.participant_id = p.id "
            "WHERE p.session_id = ? GROUP BY p.id", (session_id,)).fetchall())
        ids = [row[0] for row in connection.execute(
            "SELECT id FROM live_session_ideas WHERE session_id = ? ORDER BY id LIMIT 50",
            (session_id,))]
    finally:
        connection.close()
    return titles, dots, ids


def run() -> dict:
    with tempfile.TemporaryDirectory(prefix="bench-sessions-") as tmp:
        instance = build_instance(Path(tmp) / "instance", N_IDEAS)
        session_id, code = _open_session(instance.path, instance.challenge_id)
        tally, voting, item_ids = _Tally(), threading.Event(), []
        with Server(instance) as server:
            started = time.monotonic()
            ideas_until, deadline = started + IDEAS_S, started + DURATION_S
            threads = [threading.Thread(target=_participant, daemon=True, args=(
                server.base, code, number, voting, ideas_until, deadline, tally, item_ids))
                for number in range(PARTICIPANTS)]
            for thread in threads:
                thread.start()
            # The team starts the voting once every phone has had its last idea answered, as a
            # facilitator would: no idea is refused for arriving after the stage changed.
            with tally.lock:
                tally.changed.wait_for(lambda: tally.finished_ideas >= PARTICIPANTS,
                                       timeout=DURATION_S * 2)
            _start_voting(instance.path, session_id)
            item_ids.extend(_stored(instance.db_path, session_id)[2])
            voting.set()
            for thread in threads:
                thread.join(timeout=DURATION_S * 3)
            elapsed = time.monotonic() - started
        titles, stored_dots, _ids = _stored(instance.db_path, session_id)
    lost_ideas = len(set(tally.ideas) - titles)
    lost_dots = sum(max(0, spent - stored_dots.get(f"p{number}", 0))
                    for number, spent in tally.dots.items())
    latencies = sorted(tally.latencies)
    p99 = latencies[min(len(latencies) - 1, int(len(latencies) * 0.99))] if latencies else 0
    return {
        "rps": round(len(latencies) / elapsed, 1),
        "p50_ms": round(statistics.median(latencies) * 1000, 1) if latencies else 0,
        "p99_ms": round(p99 * 1000, 1),
        "errors": tally.errors,
        "lost": lost_ideas + lost_dots,
        "lost_ideas": lost_ideas,
        "lost_dots": lost_dots,
        "ideas_acknowledged": len(tally.ideas),
        "dots_acknowledged": sum(tally.dots.values()),
        "requests": len(latencies),
        "error_kinds": dict(sorted(tally.error_kinds.items())),
        "config": {"participants": PARTICIPANTS, "duration_s": DURATION_S,
                   "ideas_s": IDEAS_S, "think_s": THINK_S, "dots": DOTS, "workers": 2},
    }
