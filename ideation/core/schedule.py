"""Periodic work that nobody has to start: the retention run and the weekly digest.

After a response, a worker looks (at most every ``CHECK_EVERY`` per process) whether a job is
due, and claims it with a compare-and-set update of ``scheduled_runs``: among any number of
workers and hosts one runs it, at most once per period. A job that fails is logged; its claim
stays, so it is tried again next period (and the matching ``flask`` command can run it at any
time). ``IDEATION_SCHEDULED_JOBS=false`` turns this off for deployments that prefer cron.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from flask import Flask, current_app
from sqlalchemy import or_, update
from sqlalchemy.exc import IntegrityError

from ideation.core.db import utcnow
from ideation.core.models import ScheduledRun
from ideation.extensions import db

CHECK_EVERY = 300.0  # seconds between looks, per process


@dataclass(frozen=True)
class Job:
    name: str
    every: timedelta
    run: Callable[[], Any]


JOBS: dict[str, Job] = {}


def register_job(name: str, every: timedelta, run: Callable[[], Any]) -> None:
    JOBS[name] = Job(name, every, run)


def claim(name: str, every: timedelta) -> bool:
    """Take the job's turn when its period has passed; False when it is not due, or another
    worker took it first. Commits."""
    if db.session.get(ScheduledRun, name) is None:
        try:
            with db.session.begin_nested():
                db.session.add(ScheduledRun(name=name, last_run_dt=None))
        except IntegrityError:
            pass  # another worker made the row at the same moment
    now = utcnow()
    result = db.session.execute(
        update(ScheduledRun)
        .where(ScheduledRun.name == name,
               or_(ScheduledRun.last_run_dt.is_(None), ScheduledRun.last_run_dt <= now - every))
        .values(last_run_dt=now)
        .execution_options(synchronize_session=False))
    db.session.commit()
    return result.rowcount == 1


def run_due_jobs() -> list[str]:
    """Run every job whose period has passed; returns the names of those that ran."""
    ran = []
    for job in list(JOBS.values()):
        if not claim(job.name, job.every):
            continue
        try:
            job.run()
            db.session.commit()
            ran.append(job.name)
        except Exception:  # noqa: BLE001 - logged; the next period tries again
            db.session.rollback()
            current_app.logger.exception("scheduled job %s failed", job.name)
    return ran


def _after_response(app: Flask) -> None:
    with app.app_context():
        try:
            run_due_jobs()
        except Exception:  # noqa: BLE001 - never let background work break a worker
            db.session.rollback()
            app.logger.exception("checking scheduled jobs failed")


def init_app(app: Flask) -> None:
    state = {"next_check": 0.0}

    @app.after_request
    def check_jobs(response: Any) -> Any:
        if not app.config["IDEATION_SCHEDULED_JOBS"] or time.monotonic() < state["next_check"]:
            return response
        state["next_check"] = time.monotonic() + CHECK_EVERY
        response.call_on_close(lambda: _after_response(app))
        return response
