"""Shared set-up for the web, search and submissions benchmarks.

* `idea_texts`: real citizen-like texts (Pol.is statements first, then StackOverflow titles and
  SearchSnippets) as unique (title, description) pairs, cut the way the importer cuts them.
* `build_instance`: a throw-away instance folder with a migrated SQLite database (or, given
  a ``database_url``, a migrated PostgreSQL schema, see `bench.postgres.fresh_schema`), one
  published English challenge in its dream phase, ``n_ideas`` imported ideas, ``n_citizens``
  citizen accounts and a freshly built search index (``flask search reindex``: Whoosh on
  SQLite, PostgreSQL full-text search on PostgreSQL).
* `Server`: gunicorn (2 sync workers, as ``make run``) on a free 127.0.0.1 port, stopped in
  ``__exit__`` whatever happens.
"""

from __future__ import annotations

import contextlib
import csv
import os
import random
import secrets
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from types import TracebackType
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
DATASETS = ROOT.parent / "shared" / "datasets"
WORK = Path(__file__).resolve().parent / "work"  # gitignored cache for slow builds
SLUG = "bench"
CITIZEN_PASSWORD = "bench-" + "x" * 20
GENEROUS_LIMIT = "100000 per minute"


def _polis_bodies() -> Iterator[str]:
    csv.field_size_limit(10**7)
    for path in sorted((DATASETS / "polis-opendata").glob("*/comments.csv")):
        with path.open(encoding="utf-8-sig", newline="") as handle:
            for row in csv.DictReader(handle):
                if row.get("moderated") == "-1":
                    continue
                yield row.get("comment-body") or ""


def _lines(name: str) -> Iterator[str]:
    with (DATASETS / "stc2-xu2017" / name).open(encoding="utf-8-sig") as handle:
        yield from handle


def idea_texts(n: int | None = None) -> list[tuple[str, str]]:
    """Unique (title, description) pairs from the shared datasets, in a fixed order.

    Pol.is statements come first (real citizen submissions), then StackOverflow titles and
    SearchSnippets to reach the larger sizes; about 50,000 in all. ``n`` caps the count.
    """
    from ideation.ideas.importer import polis_title

    seen: set[str] = set()
    out: list[tuple[str, str]] = []
    sources: list[Iterator[str]] = [
        _polis_bodies(), _lines("StackOverflow.txt"), _lines("SearchSnippets.txt"),
        _lines("Biomedical.txt"),
    ]
    for source in sources:
        for raw in source:
            body = " ".join(raw.split())
            key = body.casefold()
            if len(body) < 12 or key in seen:
                continue
            seen.add(key)
            out.append((polis_title(body)[:120], body[:5000]))
            if n is not None and len(out) >= n:
                return out
    return out


@dataclass
class Instance:
    """A benchmark instance folder and what was put in it."""

    path: Path
    challenge_id: int
    slug: str
    idea_ids: list[int]
    citizens: list[str] = field(default_factory=list)  # e-mail addresses
    password: str = CITIZEN_PASSWORD
    database_url: str | None = None  # None: the SQLite file in the folder

    @property
    def db_path(self) -> Path:
        return self.path / "ideation.db"

    def app(self) -> Any:
        """A Flask app on this instance's folder and database (for in-process work)."""
        return app_for(self.path, self.database_url)

    def analyze(self) -> None:
        """On PostgreSQL, VACUUM ANALYZE as autovacuum leaves the tables some time after a bulk
        load: statistics for the planner, a visibility map for index-only scans."""
        if not self.database_url:
            return
        from ideation.extensions import db

        with self.app().app_context():
            with db.engine.connect().execution_options(
                    isolation_level="AUTOCOMMIT") as connection:
                connection.exec_driver_sql("VACUUM ANALYZE")
            db.engine.dispose()

    def env(self) -> dict[str, str]:
        """Environment for flask / gunicorn processes serving this instance."""
        env = dict(os.environ)
        env.update({
            "IDEATION_INSTANCE_PATH": str(self.path),
            "IDEATION_SUBMIT_RATE_LIMIT": GENEROUS_LIMIT,
            "IDEATION_LOGIN_RATE_LIMIT": GENEROUS_LIMIT,
            "IDEATION_COMMENT_RATE_LIMIT": GENEROUS_LIMIT,
            # A whole room posts from one address (127.0.0.1); limits are measured elsewhere.
            "IDEATION_SESSION_JOIN_RATE_LIMIT": GENEROUS_LIMIT,
            "IDEATION_SESSION_POST_RATE_LIMIT": GENEROUS_LIMIT,
            "IDEATION_SESSION_CODE_RATE_LIMIT": GENEROUS_LIMIT,
            "PYTHONDONTWRITEBYTECODE": "1",
        })
        if self.database_url:
            env["IDEATION_DATABASE_URL"] = self.database_url
        return env


def _flask(instance: Path, *args: str, database_url: str | None = None,
           timeout: float = 900) -> None:
    env = dict(os.environ, IDEATION_INSTANCE_PATH=str(instance))
    if database_url:
        env["IDEATION_DATABASE_URL"] = database_url
    subprocess.run([sys.executable, "-m", "flask", "--app", "ideation", *args], cwd=ROOT,
                   env=env, check=True, capture_output=True, timeout=timeout)


def app_for(instance: Path, database_url: str | None = None) -> Any:
    """A Flask app bound to the instance folder (for in-process checks), on its SQLite file or
    on ``database_url``."""
    from ideation import create_app

    config = {"INSTANCE_PATH": str(instance)}
    if database_url:
        config["SQLALCHEMY_DATABASE_URI"] = database_url
    return create_app(config)


def _migrate(folder: Path, database_url: str | None) -> None:
    """``flask db upgrade``; when the models are ahead of the migrations (work in progress in
    the shared tree), a fresh database from ``create_all`` instead, so the app's queries work.
    """
    _flask(folder, "db", "upgrade", database_url=database_url)
    from sqlalchemy import inspect

    from ideation.extensions import db

    app = app_for(folder, database_url)
    with app.app_context():
        inspector = inspect(db.engine)
        missing = [f"{table.name}.{column.name}"
                   for table in db.metadata.sorted_tables
                   for column in table.columns
                   if not inspector.has_table(table.name)
                   or column.name not in {c["name"] for c in inspector.get_columns(table.name)}]
        if missing:
            print(f"   migrations lag the models ({', '.join(missing[:3])}); using create_all",
                  flush=True)
            db.drop_all()
            with db.engine.begin() as connection:
                connection.exec_driver_sql("DROP TABLE IF EXISTS alembic_version")
            db.create_all()
        db.engine.dispose()


def build_instance(folder: Path, n_ideas: int, n_citizens: int = 1,
                   database_url: str | None = None) -> Instance:
    """Migrate a new database in ``folder`` and fill it; see the module docstring.

    Ideas go through the importer (the fast path for bulk data; published, no author). The
    importer's search jobs are dropped because ``flask search reindex`` rebuilds the whole
    index from the database right after.
    """
    folder.mkdir(parents=True, exist_ok=True)
    _migrate(folder, database_url)

    from sqlalchemy import delete, select

    from ideation.accounts.services import create_user
    from ideation.challenges import services as challenges
    from ideation.challenges.models import Challenge, PhaseKind
    from ideation.challenges.phases import today
    from ideation.extensions import db
    from ideation.ideas.importer import ImportFile, Row, import_ideas
    from ideation.ideas.models import Idea
    from ideation.search.models import SearchJob

    app = app_for(folder, database_url)
    with app.app_context():
        challenge: Challenge = challenges.create_challenge(None, {
            "slug": SLUG, "title": "Benchmark challenge",
            "question": "How do we make our city a better place to live?",
            "description": "Ideas imported from real public conversations.",
            "language": "en", "is_published": True,
        })
        start = today()
        plan = [(PhaseKind.dream, -7, 60), (PhaseKind.realistic, 60, 30),
                (PhaseKind.prototype, 90, 30), (PhaseKind.validate, 120, 30),
                (PhaseKind.agenda, 150, 30)]
        challenges.set_phase_dates(None, challenge, {
            kind: (start + timedelta(days=offset), start + timedelta(days=offset + length - 1))
            for kind, offset, length in plan})
        citizens = []
        for number in range(n_citizens):
            email = f"citizen{number}@bench.example.org"
            create_user(email, f"Citizen {number}", CITIZEN_PASSWORD)
            citizens.append(email)
        db.session.commit()
        rows = [Row(line, {"title": title, "description": description})
                for line, (title, description) in enumerate(idea_texts(n_ideas), start=2)]
        if len(rows) < n_ideas:
            raise RuntimeError(f"only {len(rows)} unique texts for {n_ideas} ideas")
        result = import_ideas(None, challenge, ImportFile("ideation", rows),
                              after_batch=lambda _n: db.session.commit())
        db.session.execute(delete(SearchJob))
        db.session.commit()
        challenge_id = challenge.id
        idea_ids = list(db.session.scalars(
            select(Idea.id).where(Idea.challenge_id == challenge_id).order_by(Idea.id)))
        if result.imported != n_ideas:
            raise RuntimeError(f"imported {result.imported} of {n_ideas} ideas")
        db.engine.dispose()
    _flask(folder, "search", "reindex", database_url=database_url)
    instance = Instance(folder, challenge_id, SLUG, idea_ids, citizens, database_url=database_url)
    instance.analyze()
    return instance


def free_port() -> int:
    """A currently free TCP port on 127.0.0.1."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class Server:
    """gunicorn with ``workers`` sync workers serving ``instance`` on 127.0.0.1.

    Use as a context manager; the master (and its process group) is always stopped.
    """

    def __init__(self, instance: Instance, workers: int = 2) -> None:
        self.instance = instance
        self.workers = workers
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.process: subprocess.Popen[bytes] | None = None
        self.log = instance.path / f"gunicorn-{secrets.token_hex(3)}.log"

    def __enter__(self) -> Server:
        with self.log.open("wb") as log:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "gunicorn", "--bind", f"127.0.0.1:{self.port}",
                 "--workers", str(self.workers), "--error-logfile", str(self.log),
                 "ideation:create_app()"],
                cwd=ROOT, env=self.instance.env(), stdout=log, stderr=subprocess.STDOUT,
                start_new_session=True)
        try:
            self._wait_ready()
        except BaseException:
            self.stop()
            raise
        return self

    def _wait_ready(self, timeout: float = 60.0) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process is not None and self.process.poll() is not None:
                raise RuntimeError(f"gunicorn exited: {self.log.read_text()[-2000:]}")
            try:
                url = self.base + "/healthz"  # always http://127.0.0.1
                with urllib.request.urlopen(url, timeout=2) as response:  # noqa: S310
                    if response.status == 200:
                        return
            except (urllib.error.URLError, OSError):
                pass
            time.sleep(0.2)
        raise RuntimeError(f"gunicorn did not answer /healthz within {timeout:.0f} s")

    def stop(self) -> None:
        """SIGTERM the master, then SIGKILL its process group if it lingers."""
        process, self.process = self.process, None
        if process is None or process.poll() is not None:
            return
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=5)

    def __exit__(self, kind: type[BaseException] | None, value: BaseException | None,
                 traceback: TracebackType | None) -> None:
        self.stop()


def sample(items: list[Any], k: int, seed: int = 7) -> list[Any]:
    """A reproducible sample of ``k`` items."""
    return random.Random(seed).sample(items, min(k, len(items)))
