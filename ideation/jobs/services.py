"""Start, run and watch background jobs.

A job is a row (``Job``) plus a registered function. Large challenges (more ideas than
``IDEATION_JOB_THRESHOLD``) run on an RQ worker when ``IDEATION_REDIS_URL`` is set; everything
else runs in the process that asked, at once, so ``make run`` needs no Redis. Either way the
function reports progress through the row and leaves its result there (or in its own tables),
and the pages read the row.

The function runs outside any request: it commits its own work (it is the unit of work, as a
CLI command is). A job that dies without saying so is found by ``refresh``: RQ says the job
failed or no longer knows it, or a running job's heartbeat stopped.
"""

from __future__ import annotations

import logging
import os
import traceback
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from flask import current_app

from ideation.accounts.models import User
from ideation.challenges.models import Challenge
from ideation.core.db import utcnow
from ideation.extensions import db
from ideation.jobs.models import Job, JobState

log = logging.getLogger(__name__)

QUEUE = "ideation"
# A running job writes its heartbeat at every step; this long without one means it died.
STALE_AFTER = timedelta(minutes=10)
# How long RQ may run one job before it stops it (a 20,000-idea suggestion takes seconds).
JOB_TIMEOUT = 30 * 60

Progress = Callable[[int, str], None]
JobFunction = Callable[[Job, Progress], dict[str, Any] | None]

_FUNCTIONS: dict[str, JobFunction] = {}


def job_function(kind: str) -> Callable[[JobFunction], JobFunction]:
    """Register ``function`` as the work of jobs of ``kind``. It gets the job and a
    ``progress(percent, step)`` callback and returns the result to store (or None)."""
    def register(function: JobFunction) -> JobFunction:
        _FUNCTIONS[kind] = function
        return function
    return register


def redis_url() -> str:
    return str(current_app.config.get("IDEATION_REDIS_URL") or "")


def redis_connection() -> Any:
    """A Redis client for ``IDEATION_REDIS_URL``; None when none is configured."""
    url = redis_url()
    if not url:
        return None
    from redis import Redis

    return Redis.from_url(url, socket_connect_timeout=2, socket_timeout=5)


def runs_in_background(size: int) -> bool:
    """Whether work on ``size`` ideas goes to a worker: only with Redis, and only when big."""
    return bool(redis_url()) and size > int(current_app.config["IDEATION_JOB_THRESHOLD"])


def create_job(actor: User | None, challenge: Challenge | None, kind: str,
               arguments: dict[str, Any], *, size: int) -> Job:
    """A new job row (flushed, not yet started). Call ``dispatch`` after the commit."""
    if kind not in _FUNCTIONS:
        raise KeyError(f"no job function {kind!r}")
    job = Job(kind=kind, challenge_id=challenge.id if challenge is not None else None,
              requested_by_id=actor.id if actor is not None else None, arguments=arguments,
              runner="rq" if runs_in_background(size) else "inline", state=JobState.queued,
              progress=0, step="queued")
    db.session.add(job)
    db.session.flush()
    return job


def dispatch(job: Job) -> None:
    """After the commit that stored ``job``: hand it to RQ, or run it here and now.

    When Redis does not answer, the job runs here instead, so the work is never lost.
    """
    if job.runner == "rq":
        try:
            from rq import Queue

            queue = Queue(QUEUE, connection=redis_connection())
            rq_job = queue.enqueue("ideation.jobs.services.execute", job.id,
                                   job_timeout=JOB_TIMEOUT, result_ttl=3600,
                                   failure_ttl=7 * 24 * 3600)
        except Exception as error:  # noqa: BLE001 - any Redis trouble: run it here instead
            log.warning("Redis did not take job %s (%s); running it in-process", job.id, error)
            job.runner = "inline"
            db.session.commit()
        else:
            job.rq_id = rq_job.id
            db.session.commit()
            return
    execute(job.id)


_PARENT = {"pid": os.getpid()}


def _fresh_connections() -> None:
    """In a forked RQ work horse, never reuse the parent's pooled database connections."""
    if os.getpid() != _PARENT["pid"]:
        db.engine.dispose(close=False)
        _PARENT["pid"] = os.getpid()


def _beat(job: Job, percent: int, step: str) -> None:
    job.progress = max(0, min(100, int(percent)))
    job.step = step[:40]
    job.heartbeat_dt = utcnow()
    db.session.commit()


def execute(job_id: int, observer: Progress | None = None) -> None:
    """Run one job (the function RQ workers call). Never raises for a failing job function:
    the failure is written to the row, where the page shows it. ``observer`` also hears of
    each step (the command line's progress bar)."""
    if job_id is None:
        return
    _fresh_connections()
    job = db.session.get(Job, job_id)
    if job is None or job.is_finished:
        return
    function = _FUNCTIONS.get(job.kind)
    job.state, job.started_dt = JobState.running, utcnow()
    _beat(job, 0, "started")
    if function is None:
        _fail(job, f"unknown job kind {job.kind!r}")
        return
    try:
        def progress(percent: int, step: str) -> None:
            _beat(job, percent, step)
            if observer is not None:
                observer(percent, step)

        result = function(job, progress)
    except Exception as error:  # noqa: BLE001 - every failure is reported on the row
        db.session.rollback()
        log.exception("job %s (%s) failed", job_id, job.kind)
        job = db.session.get(Job, job_id)
        if job is not None:
            _fail(job, _describe(error))
        return
    job.state, job.progress, job.step = JobState.done, 100, "done"
    job.result = result
    job.finished_dt = job.heartbeat_dt = utcnow()
    db.session.commit()


def _describe(error: BaseException) -> str:
    return "".join(traceback.format_exception_only(type(error), error)).strip()[:2000]


def _fail(job: Job, error: str) -> None:
    job.state, job.error, job.finished_dt = JobState.failed, error, utcnow()
    db.session.commit()
    hook = _FAILURE_HOOKS.get(job.kind)
    if hook is not None:
        hook(job)
        db.session.commit()


_FAILURE_HOOKS: dict[str, Callable[[Job], None]] = {}


def on_failure(kind: str) -> Callable[[Callable[[Job], None]], Callable[[Job], None]]:
    """Register what to do when a job of ``kind`` fails (e.g. mark its proposal failed)."""
    def register(hook: Callable[[Job], None]) -> Callable[[Job], None]:
        _FAILURE_HOOKS[kind] = hook
        return hook
    return register


@dataclass(frozen=True)
class Watch:
    """What the page says about an unfinished job besides its progress."""

    redis_unreachable: bool = False
    no_worker: bool = False


def refresh(job: Job) -> Watch:
    """Bring an unfinished job's row up to date with what really happened to it.

    Marks it failed (and commits) when RQ reports it failed or stopped, when RQ no longer
    knows it, or when a running job's heartbeat is older than ``STALE_AFTER``.
    """
    if job.is_finished:
        return Watch()
    if job.state is JobState.running and job.heartbeat_dt is not None \
            and utcnow() - job.heartbeat_dt > STALE_AFTER:
        _fail(job, "stopped: no sign of life for "
                   f"{int(STALE_AFTER.total_seconds() // 60)} minutes")
        return Watch()
    if job.state is JobState.queued and job.runner == "inline" \
            and utcnow() - job.created_dt > STALE_AFTER:
        # Inline jobs a request leaves for after its response (the search's reindex).
        _fail(job, "lost: the process that was to run it ended first")
        return Watch()
    if job.runner != "rq" or not job.rq_id:
        return Watch()
    try:
        from redis.exceptions import RedisError
        from rq import Worker
        from rq.exceptions import NoSuchJobError
        from rq.job import Job as RQJob

        connection = redis_connection()
        try:
            rq_job = RQJob.fetch(job.rq_id, connection=connection)
            status = rq_job.get_status(refresh=True)
        except NoSuchJobError:
            db.session.refresh(job)
            if not job.is_finished:
                _fail(job, "lost: the job queue no longer knows this job")
            return Watch()
        if status is not None and status.value in ("failed", "stopped", "canceled"):
            db.session.refresh(job)
            if not job.is_finished:
                detail = ""
                latest = rq_job.latest_result()
                if latest is not None and latest.exc_string:
                    detail = latest.exc_string.strip().splitlines()[-1]
                _fail(job, f"the worker stopped: {status.value}" + (f" ({detail})" if detail
                                                                      else ""))
            return Watch()
        no_worker = job.state is JobState.queued and Worker.count(connection=connection) == 0
        return Watch(no_worker=no_worker)
    except RedisError:
        return Watch(redis_unreachable=True)


def work(*, burst: bool = False) -> None:
    """Run an RQ worker on the platform's queue (``flask --app ideation worker``).

    Each job runs in a forked work horse that inherits this app context; its first act is to
    drop the database connections inherited from the parent (``execute`` via ``_fresh``).
    """
    from rq import Queue, Worker

    # Fork with no database connection in hand: a forked copy of one would be shared by
    # parent and child (a SQLite lock held across, or one PostgreSQL socket used twice).
    db.session.remove()
    db.engine.dispose()
    connection = redis_connection()
    worker = Worker([Queue(QUEUE, connection=connection)], connection=connection)
    worker.work(burst=burst, with_scheduler=False)


def latest_job(challenge: Challenge, kind: str) -> Job | None:
    from sqlalchemy import select

    return db.session.scalar(
        select(Job).where(Job.challenge_id == challenge.id, Job.kind == kind)
        .order_by(Job.id.desc()).limit(1))
