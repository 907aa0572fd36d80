"""The Agenda voor Actie of a challenge with 10,000 ideas: the page (cached and not) and the
time to make its PDF.

Set-up: ``bench._setup.build_instance`` (10,000 ideas) and ``bench.progress_data`` (3
published clusters of 300 ideas, a concept, a prototype with 2 versions, two closed rounds of
2,000 responses each, one decided); then the plan moves on to the agenda phase and a core-team
member writes the agenda (introduction, conclusions, 6 actions carrying the concept and the
prototype forward) and publishes it, through the services.

* ``page_p50_ms`` / ``page_p99_ms``: anonymous requests of ``/c/<slug>/agenda`` one after
  the other to gunicorn (2 workers, as ``make run``; the background mail sender off, see
  ``run``); after the first request per worker the agenda's body comes from the page cache
  (``ideation/core/cache.py``) until the next write.
* ``uncached_p50_ms``: the agenda's body made from the data (every query and the template) in
  one process, without the cache, median of ``UNCACHED`` runs.
* ``pdf_seconds``: WeasyPrint rendering the PDF from the same template (what the background
  job does), median of ``PDFS`` runs; ``pdf_pages`` its number of pages.
"""

from __future__ import annotations

import io
import os
import statistics
import tempfile
import time
import urllib.request
from datetime import timedelta
from pathlib import Path

from bench._setup import Server, app_for, build_instance
from bench.progress_data import build_progress

N_IDEAS = 10_000
REQUESTS = 60
UNCACHED = 5
PDFS = 3


def _write_agenda(folder: Path, core_email: str) -> None:
    from sqlalchemy import select

    from ideation.accounts.models import User
    from ideation.challenges import services as challenges
    from ideation.challenges.models import Challenge, PhaseKind
    from ideation.challenges.phases import today
    from ideation.concepts.models import Concept
    from ideation.extensions import db
    from ideation.prototypes.models import Prototype
    from ideation.reports import services

    app = app_for(folder)
    with app.app_context():
        challenge = db.session.scalars(select(Challenge)).one()
        core = db.session.scalar(select(User).where(User.email == core_email))
        start = today()
        plan = {PhaseKind.dream: (-200, 40), PhaseKind.realistic: (-160, 40),
                PhaseKind.prototype: (-120, 40), PhaseKind.validate: (-80, 60),
                PhaseKind.agenda: (-20, 60)}
        errors = challenges.set_phase_dates(None, challenge, {
            kind: (start + timedelta(days=offset), start + timedelta(days=offset + n - 1))
            for kind, (offset, n) in plan.items()})
        if errors:
            raise RuntimeError("; ".join(errors))
        concept = db.session.scalars(select(Concept)).first()
        prototype = db.session.scalars(select(Prototype)).first()
        agenda = services.start_agenda(core, challenge)
        services.update_texts(core, agenda, "An introduction.\n\nIn two paragraphs.",
                              "What we learned.")
        for number in range(6):
            action = services.add_action(core, agenda, {
                "title": f"Action {number + 1}", "owner": "The municipality",
                "due_on": start + timedelta(days=30 * (number + 1)),
                "description": "What happens, by whom.", "concept_ids": [concept.id],
                "prototype_ids": [prototype.id]})
            if number % 2:
                services.change_status(core, action, services.ActionStatus.started)
        services.publish(core, agenda)
        db.session.commit()
        db.engine.dispose()


def _uncached_and_pdf(folder: Path) -> dict:
    from pypdf import PdfReader
    from sqlalchemy import select

    from ideation.challenges.models import Challenge
    from ideation.extensions import db
    from ideation.reports import pdf
    from ideation.reports.agenda import agenda_content
    from ideation.reports.models import Agenda

    app = app_for(folder)
    with app.app_context():
        challenge = db.session.scalars(select(Challenge)).one()
        agenda = db.session.scalars(select(Agenda)).one()
        from flask import render_template

        uncached = []
        for _ in range(UNCACHED):
            with app.test_request_context("/"):
                started = time.perf_counter()
                html = render_template("reports/_agenda_body.html",
                                       content=agenda_content(challenge, agenda),
                                       for_print=False)
                uncached.append((time.perf_counter() - started) * 1000)
            db.session.expire_all()
        seconds = []
        data = b""
        for _ in range(PDFS):
            started = time.perf_counter()
            data = pdf.render_pdf(agenda)
            seconds.append(time.perf_counter() - started)
            db.session.expire_all()
        pages = len(PdfReader(io.BytesIO(data)).pages)
        pdf.store_pdf(agenda, data)
        db.session.commit()
        db.engine.dispose()
    if "Action 6" not in html:
        raise RuntimeError("the agenda did not show its actions")
    return {"uncached_p50_ms": round(statistics.median(uncached), 1),
            "pdf_seconds": round(statistics.median(seconds), 2), "pdf_pages": pages,
            "pdf_bytes": len(data)}


def run() -> dict:
    # The set-up leaves 4,800 invitation e-mails in the outbox; a sender working through them
    # writes to the database all the time, and every write drops the page cache, so the
    # cached figure would measure the mail backlog. Real traffic writes far less often.
    os.environ["IDEATION_MAIL_BACKGROUND"] = "false"
    with tempfile.TemporaryDirectory(prefix="bench-agenda-") as tmp:
        instance = build_instance(Path(tmp) / "instance", N_IDEAS)
        progress = build_progress(instance)
        _write_agenda(instance.path, progress.core_email)
        figures = _uncached_and_pdf(instance.path)
        with Server(instance) as server:
            url = f"{server.base}/c/{instance.slug}/agenda"
            timings = []
            body = ""
            for number in range(REQUESTS + 4):
                start = time.perf_counter()
                with urllib.request.urlopen(url, timeout=60) as response:  # noqa: S310
                    body = response.read().decode()
                elapsed = (time.perf_counter() - start) * 1000
                if number >= 4:  # the first requests fill both workers' caches
                    timings.append(elapsed)
            if "Action 6" not in body:
                raise RuntimeError("the agenda page did not show its actions")
    timings.sort()
    return {"ideas": N_IDEAS, "page_p50_ms": round(statistics.median(timings), 1),
            "page_p99_ms": round(timings[int(len(timings) * 0.99) - 1], 1),
            **figures, "requests": REQUESTS}
