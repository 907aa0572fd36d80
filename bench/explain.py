"""EXPLAIN ANALYZE, on PostgreSQL at 100,000 ideas, of every statement the gallery, the search,
the board and the results page send (``python -m bench.explain``; not part of ``make bench``).

A schema of its own gets the tables, one English challenge with 100,000 ideas (the texts of
`bench.search`, 2 % hidden, spread over the two themes) and their search rows, then what
`bench.progress_data` adds for the web benchmark's later pages: 3 clusters of 300 ideas, a
concept, a prototype and two closed rounds of 8 questions with 2,000 responses each (from
2,400 invitations over 5 stakeholder groups); the results page is that of round 1. The
pages are requested through Flask's test client, each statement they send is recorded with
its parameters and then run again under EXPLAIN ANALYZE; the slowest statements are printed
with their plans (the README's PostgreSQL section quotes them).
"""

from __future__ import annotations

import os
import sys
import tempfile
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

URL = os.environ.get("IDEATION_BENCH_DATABASE_URL",
                     "postgresql+psycopg://postgres@127.0.0.1:5432/test")
N = 100_000
SHOWN = 3  # slowest statements per page


def fill_ideas(n: int, language: str = "en") -> tuple[Any, list[int]]:
    """A published challenge in its ideas phase with ``n`` ideas (the texts of `bench.search`,
    2 % hidden, over both themes), a core-team member kern@example.org, and the ideas' search
    rows; (the challenge, the ids of its published ideas)."""
    from sqlalchemy import insert, select

    from bench._setup import idea_texts
    from bench.search import _docs
    from ideation.accounts.models import MembershipRole
    from ideation.accounts.services import set_membership
    from ideation.extensions import db
    from ideation.ideas.models import Idea, IdeaStatus
    from ideation.search import services as search
    from tests import factories

    challenge = factories.make_challenge(slug="groot", language=language)
    core = factories.make_user(email="kern@example.org")
    set_membership(None, challenge, core, MembershipRole.core_team)
    author = factories.make_user(email="burger@example.org")
    db.session.commit()
    themes = [theme.id for theme in challenge.themes]
    start = datetime(2026, 1, 1, tzinfo=UTC)
    rows = [{"challenge_id": challenge.id, "author_id": author.id,
             "theme_id": themes[k % len(themes)] if k % 3 else None,
             "title": doc["title"][:120], "description": doc["description"],
             "status": IdeaStatus.hidden if k % 50 == 0 else IdeaStatus.published,
             "source": "web", "support_count": k % 17, "comment_count": k % 5,
             "created_dt": start + timedelta(minutes=k), "updated_dt": start}
            for k, doc in enumerate(_docs(idea_texts(), n))]
    for first in range(0, len(rows), 5000):
        db.session.execute(insert(Idea), rows[first:first + 5000])
    db.session.commit()
    search.rebuild(challenge)
    # As autovacuum leaves a table: statistics, and a visibility map for index-only scans.
    with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        connection.exec_driver_sql("VACUUM ANALYZE")
    ids = list(db.session.scalars(select(Idea.id).where(
        Idea.challenge_id == challenge.id, Idea.status == IdeaStatus.published)
        .order_by(Idea.id)))
    return challenge, ids


def _fill() -> dict[str, str]:
    from bench.progress_data import add_progress
    from ideation.extensions import db
    from ideation.validation.models import Response

    challenge, _ids = fill_ideas(N)
    progress = add_progress(challenge.id)
    responses = db.session.query(Response).filter_by(round_id=progress.results_round_id).count()
    assert responses == progress.config["round_responses"] >= 2000, responses
    with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        connection.exec_driver_sql("VACUUM ANALYZE")
    return {"gallery": f"/c/{challenge.slug}/ideas",
            "search": f"/c/{challenge.slug}/ideas?q=affordable+housing",
            "board": f"/c/{challenge.slug}/board",
            "results": f"/c/{challenge.slug}/rounds/{progress.results_round_id}/results",
            "core": progress.core_email, "password": progress.core_password}


def main() -> int:
    import psycopg
    from sqlalchemy import event

    from ideation import create_app
    from ideation.extensions import db
    from tests.conftest import Client

    plain = URL.replace("postgresql+psycopg://", "postgresql://")
    schema = f"explain_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(plain, autocommit=True) as connection:
        connection.execute(f'CREATE SCHEMA "{schema}"')
    try:
        app = create_app({
            "TESTING": True, "SECRET_KEY": "explain-secret-key-0123456789abcdef",
            "INSTANCE_PATH": tempfile.mkdtemp(prefix="bench-explain-"),
            "SQLALCHEMY_DATABASE_URI": URL,
            "SQLALCHEMY_ENGINE_OPTIONS": {"connect_args": {"options":
                                                            f"-csearch_path={schema}"}},
            "PASSWORD_HASH_METHOD": "scrypt:256:8:1", "IDEATION_SCHEDULED_JOBS": False,
            "IDEATION_MAIL_BACKGROUND": False, "IDEATION_DB_STATEMENT_TIMEOUT_MS": 0})
        app.test_client_class = Client
        with app.app_context():
            db.create_all()
            pages = _fill()
            client = app.test_client()
            seen: list[tuple[str, Any]] = []

            def record(conn, cursor, statement, parameters, context, executemany) -> None:
                if statement.lstrip().upper().startswith("SELECT"):
                    seen.append((statement, parameters))

            for name in ("gallery", "search", "board", "results"):
                if name == "board":
                    client.login(pages["core"], pages["password"])
                seen.clear()
                event.listen(db.engine, "before_cursor_execute", record)
                response = client.get(pages[name])
                event.remove(db.engine, "before_cursor_execute", record)
                assert response.status_code == 200, (name, response.status_code)
                timed = []
                with db.engine.connect() as connection:
                    for statement, parameters in list(seen):
                        plan = [row[0] for row in connection.exec_driver_sql(
                            "EXPLAIN (ANALYZE, BUFFERS) " + statement, parameters)]
                        ms = float(plan[-1].split(":")[1].split()[0])
                        timed.append((ms, statement, plan))
                timed.sort(key=lambda item: item[0], reverse=True)
                total = sum(ms for ms, _, _ in timed)
                print(f"\n=== {name}: {len(timed)} statements, {total:.1f} ms executing")
                for ms, statement, plan in timed[:SHOWN]:
                    print(f"--- {ms:.2f} ms: {' '.join(statement.split())[:300]}")
                    print("\n".join(plan))
            db.engine.dispose()
    finally:
        with psycopg.connect(plain, autocommit=True) as connection:
            connection.execute(f'DROP SCHEMA "{schema}" CASCADE')
    return 0


if __name__ == "__main__":
    sys.exit(main())
