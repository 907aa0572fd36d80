"""The agenda as a PDF: rendered by WeasyPrint from the same template as the page, in a
background job (``ideation/jobs``) when the agenda is published or changes, stored in the
instance folder and served as a file, never rendered per request.

WeasyPrint writes real text (selectable, searchable) and turns the headings into the PDF's
outline (bookmarks); the print stylesheet adds page numbers and the table of contents' page
references. It needs Debian's Pango libraries (``make pango``).
"""

from __future__ import annotations

import logging
import os
import threading
from pathlib import Path
from typing import Any

from flask import current_app, render_template
from flask_babel import force_locale
from sqlalchemy import func, select

from ideation.accounts.models import User
from ideation.challenges.models import Challenge
from ideation.core.db import utcnow
from ideation.extensions import db
from ideation.ideas.models import Idea
from ideation.jobs import services as jobs
from ideation.jobs.models import Job
from ideation.reports.models import Agenda

# WeasyPrint reports every layout step at INFO: too much for a log that runs on every change.
logging.getLogger("weasyprint.progress").setLevel(logging.WARNING)

KIND = "agenda_pdf"
FOLDER = "agendas"


def _folder() -> Path:
    return Path(current_app.instance_path) / FOLDER


def pdf_path(agenda: Agenda) -> Path | None:
    """The stored PDF of ``agenda``, when one was made."""
    if not agenda.pdf_file:
        return None
    path = _folder() / agenda.pdf_file
    return path if path.is_file() else None


def request_pdf(actor: User | None, challenge: Challenge, agenda: Agenda) -> Job:
    """After the commit of a change: make the PDF again, on a worker for a large challenge
    (with Redis), else here and now."""
    size = db.session.scalar(select(func.count(Idea.id)).where(
        Idea.challenge_id == challenge.id)) or 0
    job = jobs.create_job(actor, challenge, KIND, {"agenda_id": agenda.id}, size=size)
    db.session.commit()
    jobs.dispatch(job)
    return job


_IMPORT_LOCK = threading.Lock()


def _weasyprint() -> Any:
    """WeasyPrint, imported on first use (it loads Pango, which only the PDF needs).

    Importing it turns on Pillow's ``LOAD_TRUNCATED_IMAGES`` for the whole process; the photo
    pipeline refuses to run with it on (``media/pipeline.py``), so it is turned off again at
    once. The agenda has no images for WeasyPrint to load, truncated or not.
    """
    with _IMPORT_LOCK:
        import weasyprint
        from PIL import ImageFile

        ImageFile.LOAD_TRUNCATED_IMAGES = False
    return weasyprint


def render_pdf(agenda: Agenda) -> bytes:
    """The PDF of ``agenda`` in its challenge's language."""
    HTML = _weasyprint().HTML  # noqa: N806 - WeasyPrint's class

    from ideation.reports.views import agenda_body

    challenge = agenda.challenge
    static = Path(current_app.static_folder or "static")
    with current_app.test_request_context("/"), force_locale(challenge.language.value):
        html = render_template("reports/agenda_pdf.html", challenge=challenge, agenda=agenda,
                               body=agenda_body(challenge, agenda, for_print=True),
                               stylesheet=(static / "css" / "agenda-print.css").as_uri())
    return HTML(string=html, base_url=str(static)).write_pdf(  # type: ignore[no-any-return]
        pdf_variant="pdf/ua-1")


def store_pdf(agenda: Agenda, data: bytes) -> None:
    folder = _folder()
    folder.mkdir(parents=True, exist_ok=True)
    name = f"agenda-{agenda.id}.pdf"
    spare = folder / f".{name}.{os.getpid()}"
    spare.write_bytes(data)
    os.replace(spare, folder / name)  # readers never see half a file
    agenda.pdf_file, agenda.pdf_dt = name, utcnow()


@jobs.job_function(KIND)
def _make_pdf(job: Job, progress: jobs.Progress) -> dict[str, object] | None:
    agenda = db.session.get(Agenda, int(job.arguments["agenda_id"]))
    if agenda is None or not agenda.is_published:
        return {"skipped": True}
    progress(10, "rendering")
    data = render_pdf(agenda)
    progress(90, "storing")
    store_pdf(agenda, data)
    db.session.commit()
    return {"bytes": len(data)}
