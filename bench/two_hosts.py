"""Two hosts under load: two gunicorn instances (2 sync workers each, their own instance
folders) on one PostgreSQL schema and one Redis, with 10,000 ideas and PostgreSQL search.

wrk runs against both hosts at once (16 connections each, 32 in all, as `bench.web` uses
against one), and a page's requests/s is the sum over both hosts, divided by /healthz's
summed requests/s measured the same way in the same round; p99 is the higher of the two
hosts'. Figures are medians over ``ROUNDS`` rounds; ``errors`` are summed. Both hosts share
this machine's two cores, so the ratio, not the absolute rps, is what carries over. Skipped,
with the reason, when PostgreSQL or Redis does not answer.

``submissions``: then 16 citizens send ideas through the real form for 30 s as in
`bench.submissions`, half of them through each host; every acknowledged idea must afterwards
be in the database and in the PostgreSQL search rows (``lost`` counts those that are not).
"""

from __future__ import annotations

import statistics
import tempfile
import threading
import uuid
from pathlib import Path
from typing import Any

from bench import submissions
from bench._setup import CITIZEN_PASSWORD, GENEROUS_LIMIT, idea_texts
from bench.postgres import fresh_schema, unavailable
from bench.web import DURATION_S, _paths_script, _wrk

N_IDEAS = 10_000
ROUNDS = 3
CONNECTIONS_PER_HOST = 16
REDIS_URL = "redis://127.0.0.1:6379/0"
IDEA_PAGES = 8


def _unavailable() -> str:
    import redis

    if why_not := unavailable():
        return why_not
    try:
        redis.Redis.from_url(REDIS_URL, socket_connect_timeout=1).ping()
    except redis.RedisError as exc:
        return f"Redis does not answer at {REDIS_URL}: {exc}"
    return ""


def _both(bases: list[str], path: str, script: Path | None) -> dict[str, float]:
    """wrk against every host at once; rps summed, p99 the worst, errors summed."""
    import bench.web as web

    figures: list[dict[str, float]] = [{} for _ in bases]
    connections = web.CONNECTIONS
    web.CONNECTIONS = CONNECTIONS_PER_HOST
    try:
        threads = [threading.Thread(target=lambda i=i, base=base: figures.__setitem__(
            i, _wrk(base + path, DURATION_S, script))) for i, base in enumerate(bases)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    finally:
        web.CONNECTIONS = connections
    return {"rps": sum(f["rps"] for f in figures), "p99_ms": max(f["p99_ms"] for f in figures),
            "p50_ms": max(f["p50_ms"] for f in figures),
            "errors": sum(f["errors"] for f in figures)}


def run() -> dict:
    why_not = _unavailable()
    if why_not:
        return {"skipped": why_not}
    from bench.explain import fill_ideas
    from ideation import create_app
    from ideation.accounts.services import create_user
    from ideation.extensions import db
    from tests.servers import Gunicorn

    secret = uuid.uuid4().hex + uuid.uuid4().hex
    hosts: list[Any] = []
    citizens = [f"citizen{n}@bench.example.org" for n in range(submissions.CLIENTS)]
    with fresh_schema("bench_hosts") as url, \
            tempfile.TemporaryDirectory(prefix="bench-hosts-") as tmp:
        folder = Path(tmp)
        app = create_app({
            "TESTING": True, "SECRET_KEY": secret, "INSTANCE_PATH": str(folder / "setup"),
            "SQLALCHEMY_DATABASE_URI": url, "PASSWORD_HASH_METHOD": "scrypt:256:8:1",
            "IDEATION_SCHEDULED_JOBS": False, "IDEATION_MAIL_BACKGROUND": False})
        with app.app_context():
            db.create_all()
            challenge, idea_ids = fill_ideas(N_IDEAS, language="en")
            for email in citizens:
                create_user(email, email.split("@")[0], CITIZEN_PASSWORD)
            db.session.commit()
            slug, challenge_id = challenge.slug, challenge.id
            db.engine.dispose()
        try:
            for name in ("a", "b"):
                instance = folder / f"host-{name}"
                instance.mkdir()
                hosts.append(Gunicorn({
                    "PATH": "/usr/bin:/bin", "IDEATION_INSTANCE_PATH": str(instance),
                    "IDEATION_DATABASE_URL": url, "IDEATION_REDIS_URL": REDIS_URL,
                    "IDEATION_SECRET_KEY": secret, "IDEATION_SCHEDULED_JOBS": "false",
                    "IDEATION_MAIL_BACKGROUND": "false",
                    # 16 citizens post from one address (127.0.0.1), as in bench.submissions
                    "IDEATION_SUBMIT_RATE_LIMIT": GENEROUS_LIMIT,
                    "IDEATION_LOGIN_RATE_LIMIT": GENEROUS_LIMIT}, workers=2).start())
            bases = [host.base for host in hosts]
            ideas = [f"/c/{slug}/ideas/{idea_id}" for idea_id in idea_ids[:IDEA_PAGES]]
            script = _paths_script(folder, ideas)
            targets = {"healthz": ("/healthz", None), "gallery_page": (f"/c/{slug}/ideas", None),
                       "idea_page": ("/", script),
                       "search_page": (f"/c/{slug}/ideas?q=affordable+housing", None)}
            runs: dict[str, list[dict[str, float]]] = {name: [] for name in targets}
            for _ in range(ROUNDS):
                for name, (path, wrk_script) in targets.items():
                    runs[name].append(_both(bases, path, wrk_script))
            texts = idea_texts()[N_IDEAS:]  # not in the challenge yet
            tally, elapsed = submissions.send_ideas(bases, slug, citizens, CITIZEN_PASSWORD,
                                                    texts)
        finally:
            for host in hosts:
                host.stop()
        lost = submissions.count_lost(app, challenge_id, set(tally.acknowledged))
    result: dict[str, Any] = {"hosts": 2, "workers_per_host": 2, "ideas": N_IDEAS}
    health = statistics.median(r["rps"] for r in runs["healthz"])
    result["healthz_rps"] = round(health, 1)
    # The latency of a page that does nothing: what the machine itself adds under this load.
    result["healthz"] = {key: round(statistics.median(r[key] for r in runs["healthz"]), 1)
                         for key in ("p50_ms", "p99_ms")}
    for name in ("gallery_page", "idea_page", "search_page"):
        rounds = runs[name]
        rps = statistics.median(r["rps"] for r in rounds)
        result[name] = {
            "rps": round(rps, 1),
            "p50_ms": round(statistics.median(r["p50_ms"] for r in rounds), 1),
            "p99_ms": round(statistics.median(r["p99_ms"] for r in rounds), 1),
            "errors": int(sum(r["errors"] for r in rounds)),
            "rps_ratio_to_healthz": round(rps / health, 2),
        }
    result["submissions"] = {
        "per_s": round(len(tally.acknowledged) / elapsed, 1),
        "acknowledged": len(tally.acknowledged), "errors": tally.errors,
        "error_kinds": dict(sorted(tally.error_kinds.items())), **lost,
        "config": {"clients": submissions.CLIENTS, "duration_s": submissions.DURATION_S,
                   "clients_per_host": submissions.CLIENTS // 2}}
    return result
