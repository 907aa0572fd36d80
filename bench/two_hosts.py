"""Two hosts under load: two gunicorn instances (2 sync workers each, their own instance
folders) on one PostgreSQL schema and one Redis, with 10,000 ideas and PostgreSQL search.

wrk runs against both hosts at once (16 connections each, 32 in all, as `bench.web` uses
against one), and a page's requests/s is the sum over both hosts, divided by /healthz's
summed requests/s measured the same way in the same round; p99 is the higher of the two
hosts'. Figures are medians over ``ROUNDS`` rounds; ``errors`` are summed. Both hosts share
this machine's two cores, so the ratio, not the absolute rps, is what carries over. Skipped,
with the reason, when PostgreSQL or Redis does not answer.
"""

from __future__ import annotations

import statistics
import tempfile
import threading
import urllib.parse
import uuid
from pathlib import Path
from typing import Any

from bench.postgres import URL
from bench.web import DURATION_S, _paths_script, _wrk

N_IDEAS = 10_000
ROUNDS = 3
CONNECTIONS_PER_HOST = 16
REDIS_URL = "redis://127.0.0.1:6379/0"
IDEA_PAGES = 8


def _unavailable() -> str:
    import psycopg
    import redis

    try:
        psycopg.connect(URL.replace("+psycopg", ""), connect_timeout=3).close()
    except psycopg.OperationalError as exc:
        return f"PostgreSQL does not answer at {URL}: {exc}"
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
    import psycopg

    from bench.explain import fill_ideas
    from ideation import create_app
    from ideation.extensions import db
    from tests.servers import Gunicorn

    plain = URL.replace("postgresql+psycopg://", "postgresql://")
    schema = f"bench_hosts_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(plain, autocommit=True) as connection:
        connection.execute(f'CREATE SCHEMA "{schema}"')
    secret = uuid.uuid4().hex + uuid.uuid4().hex
    hosts: list[Any] = []
    try:
        with tempfile.TemporaryDirectory(prefix="bench-hosts-") as tmp:
            folder = Path(tmp)
            app = create_app({
                "TESTING": True, "SECRET_KEY": secret, "INSTANCE_PATH": str(folder / "setup"),
                "SQLALCHEMY_DATABASE_URI": URL, "SQLALCHEMY_ENGINE_OPTIONS": {
                    "connect_args": {"options": f"-csearch_path={schema}"}},
                "PASSWORD_HASH_METHOD": "scrypt:256:8:1", "IDEATION_SCHEDULED_JOBS": False,
                "IDEATION_MAIL_BACKGROUND": False})
            with app.app_context():
                db.create_all()
                challenge, idea_ids = fill_ideas(N_IDEAS, language="en")
                slug = challenge.slug
                db.engine.dispose()
            url = URL + "?" + urllib.parse.urlencode({"options": f"-csearch_path={schema}"})
            for name in ("a", "b"):
                instance = folder / f"host-{name}"
                instance.mkdir()
                hosts.append(Gunicorn({
                    "PATH": "/usr/bin:/bin", "IDEATION_INSTANCE_PATH": str(instance),
                    "IDEATION_DATABASE_URL": url, "IDEATION_REDIS_URL": REDIS_URL,
                    "IDEATION_SECRET_KEY": secret, "IDEATION_SCHEDULED_JOBS": "false",
                    "IDEATION_MAIL_BACKGROUND": "false"}, workers=2).start())
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
    finally:
        for host in hosts:
            host.stop()
        with psycopg.connect(plain, autocommit=True) as connection:
            connection.execute(f'DROP SCHEMA "{schema}" CASCADE')
    result: dict[str, Any] = {"hosts": 2, "workers_per_host": 2, "ideas": N_IDEAS}
    health = statistics.median(r["rps"] for r in runs["healthz"])
    result["healthz_rps"] = round(health, 1)
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
    return result
