"""A background job as the platform sees it: what it does, for whom, how far it is.

The row is the truth the pages read, whether the work runs on an RQ worker or in the web
process; RQ only carries the job id to a worker. A job that stops without saying so (a killed
worker, a lost queue) is found by ``ideation.jobs.services.refresh`` and marked failed.
"""

from __future__ import annotations

import enum
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Enum, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from ideation.core.db import utcnow
from ideation.extensions import db


class JobState(enum.StrEnum):
    queued = "queued"
    running = "running"
    done = "done"
    failed = "failed"


class Job(db.Model):
    __tablename__ = "jobs"
    __table_args__ = (Index("ix_jobs_challenge_kind", "challenge_id", "kind", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    # What runs: a name registered in ideation.jobs.services (e.g. "suggest", "duplicates").
    kind: Mapped[str] = mapped_column(String(40))
    challenge_id: Mapped[int | None] = mapped_column(
        ForeignKey("challenges.id", ondelete="CASCADE"))
    requested_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"))
    state: Mapped[JobState] = mapped_column(
        Enum(JobState, native_enum=False, length=20, validate_strings=True),
        default=JobState.queued)
    # Where it runs: "rq" (a worker) or "inline" (the process that asked).
    runner: Mapped[str] = mapped_column(String(10), default="inline")
    rq_id: Mapped[str | None] = mapped_column(String(64))
    arguments: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    progress: Mapped[int] = mapped_column(default=0)  # 0-100
    step: Mapped[str] = mapped_column(String(40), default="")  # a key, translated on the page
    result: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    error: Mapped[str | None] = mapped_column(Text)
    created_dt: Mapped[datetime] = mapped_column(default=utcnow)
    started_dt: Mapped[datetime | None]
    finished_dt: Mapped[datetime | None]
    # Written with every progress step: a running job whose heartbeat stops is dead.
    heartbeat_dt: Mapped[datetime | None]

    @property
    def is_finished(self) -> bool:
        return self.state in (JobState.done, JobState.failed)

    def __repr__(self) -> str:
        return f"<Job {self.id} {self.kind} {self.state}>"
