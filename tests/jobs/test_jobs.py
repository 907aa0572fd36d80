"""Background jobs: in-process without Redis, on RQ with the real Redis, and never lost."""

from __future__ import annotations

import uuid
from datetime import timedelta

import pytest
from sqlalchemy import select

from ideation.cli import worker_command
from ideation.core.db import utcnow
from ideation.curation import proposals, themes
from ideation.curation.models import ProposalState, SuggestionProposal
from ideation.curation.themes import FoundGroup
from ideation.extensions import db
from ideation.jobs import services as jobs
from ideation.jobs.models import Job, JobState
from tests import factories
from tests.ideas.conftest import make_idea, quick_user

REDIS_URL = "redis://127.0.0.1:6379/0"


def _redis_answers() -> bool:
    try:
        from redis import Redis

        return bool(Redis.from_url(REDIS_URL, socket_connect_timeout=1).ping())
    except Exception:  # noqa: BLE001 - any failure means: no Redis here
        return False


needs_redis = pytest.mark.skipif(not _redis_answers(),
                                 reason=f"no Redis answers at {REDIS_URL}: the RQ path "
                                        "cannot be tested here")


@pytest.fixture
def challenge(app, monkeypatch):
    def one_group(docs, language, k=None, *, seed=0, progress=None):
        ids = [i for i, _t in docs]
        if progress:
            progress(0.5, "fine")
        return [FoundGroup(member_ids=ids, scores=[1.0] * len(ids), tightness=1.0,
                           name="Alles", typical_ids=ids[:3])]

    monkeypatch.setattr(themes, "suggest_themes", one_group)
    challenge = factories.make_challenge(slug="groot")
    author = quick_user()
    for n in range(4):
        make_idea(author, challenge, title=f"Idee {n}")
    return challenge


@pytest.fixture
def core(challenge):
    return quick_user("core_team", challenge)


@pytest.fixture
def queue(app, monkeypatch):
    """RQ on the real Redis, with a queue of this test's own (other test runs share Redis)."""
    from redis import Redis
    from rq import Queue

    name = f"ideation-test-{uuid.uuid4().hex}"
    monkeypatch.setattr(jobs, "QUEUE", name)
    monkeypatch.setitem(app.config, "IDEATION_REDIS_URL", REDIS_URL)
    monkeypatch.setitem(app.config, "IDEATION_JOB_THRESHOLD", 2)
    connection = Redis.from_url(REDIS_URL)
    yield Queue(name, connection=connection)
    Queue(name, connection=connection).delete(delete_jobs=True)


def test_without_redis_a_suggestion_runs_in_process_at_once(client, challenge, core):
    client.login(core)

    client.post_form(f"/c/{challenge.slug}/board/suggest", {})

    job = db.session.scalars(select(Job)).one()
    assert (job.runner, job.state, job.progress) == ("inline", JobState.done, 100)
    assert job.started_dt and job.finished_dt and job.heartbeat_dt
    assert db.session.scalars(select(SuggestionProposal)).one().state is ProposalState.open


def test_a_small_challenge_stays_in_process_even_with_redis(app, challenge, core, monkeypatch):
    monkeypatch.setitem(app.config, "IDEATION_REDIS_URL", REDIS_URL)
    monkeypatch.setitem(app.config, "IDEATION_JOB_THRESHOLD", 1000)
    proposal = proposals.request_suggestions(core, challenge)
    assert db.session.get(Job, proposal.job_id).runner == "inline"


@needs_redis
def test_a_large_challenge_is_computed_by_an_rq_worker_while_the_page_shows_progress(
    client, challenge, core, queue
):
    from rq import SimpleWorker

    client.login(core)
    response = client.post_form(f"/c/{challenge.slug}/board/suggest", {})
    proposal = db.session.scalars(select(SuggestionProposal)).one()
    job = db.session.get(Job, proposal.job_id)

    waiting = client.get(response.location).get_data(as_text=True)
    status = client.get(f"{response.location}/status").get_json()

    assert job.runner == "rq" and job.rq_id and queue.count == 1
    assert proposal.state is ProposalState.computing
    assert "De computer groepeert de ideeën" in waiting and "<progress" in waiting
    assert "Er draait geen worker" in waiting  # nobody is working the queue yet
    assert status == {"state": "computing", "progress": 0, "step": "Wacht op zijn beurt",
                      "finished": False}

    SimpleWorker([queue], connection=queue.connection).work(burst=True)

    db.session.expire_all()
    assert db.session.get(Job, job.id).state is JobState.done
    assert client.get(f"{response.location}/status").get_json()["finished"] is True
    assert "Alles" in client.get(response.location).get_data(as_text=True)


@needs_redis
def test_the_worker_command_runs_the_queued_jobs_in_a_forked_work_horse(
    app, challenge, core, queue
):
    proposal = proposals.request_suggestions(core, challenge)
    db.session.commit()
    proposal_id, job_id = proposal.id, proposal.job_id
    jobs.dispatch(db.session.get(Job, job_id))

    # The worker lets go of the session and its connections before it forks.
    result = app.test_cli_runner().invoke(worker_command, ["--burst"])

    assert result.exit_code == 0, result.output
    assert db.session.get(Job, job_id).state is JobState.done
    assert db.session.get(SuggestionProposal, proposal_id).state is ProposalState.open


@needs_redis
def test_a_job_the_queue_lost_is_reported_failed_never_silently_lost(
    client, challenge, core, queue
):
    from rq.job import Job as RQJob

    proposal = proposals.request_suggestions(core, challenge)
    db.session.commit()
    job = db.session.get(Job, proposal.job_id)
    jobs.dispatch(job)
    RQJob.fetch(job.rq_id, connection=queue.connection).delete()
    client.login(core)

    page = client.get(f"/c/{challenge.slug}/board/proposals/{proposal.id}").get_data(
        as_text=True)

    db.session.expire_all()
    assert db.session.get(Job, job.id).state is JobState.failed
    assert db.session.get(SuggestionProposal, proposal.id).state is ProposalState.failed
    assert "lost: the job queue no longer knows this job" in page and "Probeer opnieuw" in page


@needs_redis
def test_a_job_whose_work_horse_died_is_reported_with_what_rq_recorded(
    challenge, core, queue
):
    from rq.job import Job as RQJob
    from rq.job import JobStatus

    proposal = proposals.request_suggestions(core, challenge)
    db.session.commit()
    job = db.session.get(Job, proposal.job_id)
    jobs.dispatch(job)
    # What RQ records when the work horse is killed (out of memory, kill -9).
    RQJob.fetch(job.rq_id, connection=queue.connection).set_status(JobStatus.FAILED)

    jobs.refresh(job)

    assert job.state is JobState.failed and job.error.startswith("the worker stopped: failed")


@needs_redis
def test_when_redis_does_not_take_the_job_it_runs_in_process(app, challenge, core, queue,
                                                              monkeypatch):
    monkeypatch.setitem(app.config, "IDEATION_REDIS_URL", "redis://127.0.0.1:1/0")
    proposal = proposals.request_suggestions(core, challenge)
    db.session.commit()

    jobs.dispatch(db.session.get(Job, proposal.job_id))

    job = db.session.get(Job, proposal.job_id)
    assert (job.runner, job.state) == ("inline", JobState.done)


def test_a_running_job_without_a_heartbeat_is_marked_dead_with_its_proposal(challenge, core):
    proposal = proposals.request_suggestions(core, challenge)
    job = db.session.get(Job, proposal.job_id)
    job.state, job.heartbeat_dt = JobState.running, utcnow() - timedelta(hours=1)
    db.session.commit()

    jobs.refresh(job)

    assert job.state is JobState.failed and "no sign of life" in job.error
    assert db.session.get(SuggestionProposal, proposal.id).state is ProposalState.failed


def test_the_worker_command_explains_that_it_needs_redis(app):
    result = app.test_cli_runner().invoke(worker_command, [])
    assert result.exit_code != 0 and "IDEATION_REDIS_URL is not set" in result.output
