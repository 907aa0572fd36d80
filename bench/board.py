"""The curation board at 2,000 ideas, and suggestions for 20,000 ideas end to end.

``board_page``: a temporary instance with 2,000 imported ideas, 400 of them in 20 clusters and
an open proposal of suggested groups (so the page shows everything it can); gunicorn with two
workers as ``make run``; the core team's board (first page, 100 idea cards, every cluster with
its size and first ideas) requested ``REQUESTS`` times one after the other: p50 and p99 of the
full response time, which must stay under a second.

``end_to_end_20k`` (called by ``bench/clustering.py``): a core team's request on 20,000 ideas
in one process, from reading the ideas out of the database through grouping, naming and
summarising to the stored proposal with its 20,000 members (the same code path as the web
page and ``flask cluster``), in seconds; the target is under 5 s.
"""

from __future__ import annotations

import statistics
import tempfile
import time
import urllib.request
from pathlib import Path

from bench._setup import Server, app_for, build_instance
from bench.web import _login

N_IDEAS = 2_000
REQUESTS = 60
CORE_EMAIL = "core@bench.example.org"
CORE_PASSWORD = "bench-core-" + "x" * 20


def _core_team_and_clusters(folder: Path, with_proposal: bool) -> None:
    from sqlalchemy import select

    from ideation.accounts.models import MembershipRole
    from ideation.accounts.services import create_user, set_membership
    from ideation.challenges.models import Challenge
    from ideation.curation import proposals, services
    from ideation.extensions import db
    from ideation.ideas.models import Idea
    from ideation.jobs.models import Job
    from ideation.jobs.services import dispatch

    app = app_for(folder)
    with app.app_context():
        challenge = db.session.scalars(select(Challenge)).one()
        core = create_user(CORE_EMAIL, "Core", CORE_PASSWORD)
        set_membership(None, challenge, core, MembershipRole.core_team)
        ids = list(db.session.scalars(select(Idea.id).where(
            Idea.challenge_id == challenge.id).order_by(Idea.id)))
        for n in range(20):
            cluster = services.create_cluster(core, challenge, f"Cluster {n}")
            services.move_ideas_to_cluster(core, challenge, ids[n * 20:(n + 1) * 20], cluster)
        db.session.commit()
        if with_proposal:
            proposal = proposals.request_suggestions(core, challenge)
            db.session.commit()
            dispatch(db.session.get(Job, proposal.job_id))


def board_page() -> dict:
    with tempfile.TemporaryDirectory(prefix="bench-board-") as tmp:
        instance = build_instance(Path(tmp) / "instance", N_IDEAS)
        _core_team_and_clusters(instance.path, with_proposal=True)
        with Server(instance) as server:
            headers = _login(server.base, CORE_EMAIL, CORE_PASSWORD)
            url = f"{server.base}/c/{instance.slug}/board"
            timings = []
            for number in range(REQUESTS + 5):
                request = urllib.request.Request(url, headers=headers)  # noqa: S310
                start = time.perf_counter()
                with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310
                    body = response.read().decode()
                elapsed = (time.perf_counter() - start) * 1000
                if number >= 5:  # the first requests warm both workers up
                    timings.append(elapsed)
            if body.count('class="board-idea"') != 100:
                raise RuntimeError("the board did not show 100 idea cards")
    timings.sort()
    return {"ideas": N_IDEAS, "p50_ms": round(statistics.median(timings), 1),
            "p99_ms": round(timings[int(0.99 * (len(timings) - 1))], 1),
            "requests": REQUESTS}


def end_to_end_20k() -> float:
    from sqlalchemy import select

    from ideation.challenges.models import Challenge
    from ideation.curation import proposals
    from ideation.curation.themes import embed
    from ideation.extensions import db
    from ideation.jobs.models import Job
    from ideation.jobs.services import dispatch

    with tempfile.TemporaryDirectory(prefix="bench-cluster-") as tmp:
        instance = build_instance(Path(tmp) / "instance", 20_000)
        app = app_for(instance.path)
        with app.app_context():
            embed(["warm up"])  # the weights load once per process
            challenge = db.session.scalars(select(Challenge)).one()
            start = time.perf_counter()
            proposal = proposals.request_suggestions(None, challenge)
            db.session.commit()
            dispatch(db.session.get(Job, proposal.job_id))
            seconds = time.perf_counter() - start
            db.session.expire_all()
            if db.session.get(Job, proposal.job_id).result is None:
                raise RuntimeError("the suggestion job did not finish")
    return round(seconds, 2)


def run() -> dict:
    return {"board_2000": board_page()}
