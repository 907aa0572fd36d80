"""Periodic jobs run by themselves after responses: once per period, by one worker."""

from __future__ import annotations

from datetime import timedelta

from ideation.core import schedule
from ideation.core.db import utcnow
from ideation.core.models import ScheduledRun
from ideation.extensions import db


def test_a_job_is_claimed_once_per_period(app):
    every = timedelta(days=1)

    assert schedule.claim("test.job", every) is True
    assert schedule.claim("test.job", every) is False  # another worker, the same day

    db.session.get(ScheduledRun, "test.job").last_run_dt = utcnow() - timedelta(days=1, seconds=1)
    db.session.commit()
    assert schedule.claim("test.job", every) is True


def test_due_jobs_run_after_a_response_and_a_failing_one_does_not_stop_the_rest(
        app, client, monkeypatch):
    app.config["IDEATION_SCHEDULED_JOBS"] = True
    ran: list[str] = []

    def broken() -> None:
        raise RuntimeError("out of disk")

    monkeypatch.setattr(schedule, "JOBS", {})
    schedule.register_job("test.broken", timedelta(days=1), broken)
    schedule.register_job("test.fine", timedelta(days=1), lambda: ran.append("fine"))

    response = client.get("/", buffered=False)  # the response stays open until close()
    assert ran == []  # nothing before the response has gone out
    response.close()

    assert ran == ["fine"]
    client.get("/").close()  # the next look waits CHECK_EVERY; and the day has not passed
    assert ran == ["fine"]


def test_jobs_stay_off_when_the_setting_says_so(app, client, monkeypatch):
    app.config["IDEATION_SCHEDULED_JOBS"] = False
    ran: list[str] = []
    monkeypatch.setattr(schedule, "JOBS", {})
    schedule.register_job("test.fine", timedelta(days=1), lambda: ran.append("fine"))

    client.get("/").close()

    assert ran == []
