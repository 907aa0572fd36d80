"""Search for the application: keeping the Whoosh index in step with the database, and queries.

Data flow: a change to an idea or its comments adds a ``SearchJob`` in the same transaction
(a ``before_flush`` listener, so no service can forget it); after the commit the request
applies the pending jobs. Jobs are applied while holding the index's write lock and the ideas
are read from the database inside that lock, so whichever worker writes last writes the
latest state. A job is deleted only after the index committed it: a crash, a busy index or a
full disk leaves it for the next request, the next search, or ``flask search reindex``.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from flask import Flask, current_app, g, has_app_context
from sqlalchemy import delete, event, inspect, select
from sqlalchemy.orm import Session, selectinload

from ideation.challenges.models import Challenge
from ideation.core.pagination import Paginated
from ideation.extensions import db
from ideation.ideas.models import Comment, CommentStatus, Idea, IdeaStatus
from ideation.jobs.services import job_function
from ideation.search.index import Hit, IdeaIndex, IndexBusy, IndexMissing, SearchPage
from ideation.search.models import SearchJob

# Attributes of an idea that the index shows or filters on.
INDEXED_IDEA_FIELDS = ("title", "description", "status", "theme_id", "merged_into_id")
BATCH = 500


def get_index() -> IdeaIndex:
    return current_app.extensions["ideation_search"]


def is_searchable(idea: Idea) -> bool:
    """Only what the public may see is indexed; everything else is removed from the index."""
    return idea.status is IdeaStatus.published and idea.merged_into_id is None


# --- the outbox ------------------------------------------------------------------------------


def _queue_changes(session: Session, flush_context: object, instances: object) -> None:
    ideas: set[Idea] = set()
    idea_ids: set[int] = set()
    for obj in list(session.new) + list(session.dirty) + list(session.deleted):
        if isinstance(obj, Idea) and obj not in session.deleted:
            state = inspect(obj)
            if obj in session.new or any(
                state.attrs[name].history.has_changes() for name in INDEXED_IDEA_FIELDS
            ):
                ideas.add(obj)
        elif isinstance(obj, Comment):
            state = inspect(obj)
            if (
                obj in session.new
                or obj in session.deleted
                or any(state.attrs[name].history.has_changes() for name in ("body", "status"))
            ):
                if obj.idea_id is not None:
                    idea_ids.add(obj.idea_id)
                elif obj.idea is not None:
                    ideas.add(obj.idea)
    if not ideas and not idea_ids:
        return
    for idea in ideas:
        session.add(SearchJob(idea=idea))
    for idea_id in idea_ids - {i.id for i in ideas if i.id is not None}:
        session.add(SearchJob(idea_id=idea_id))
    session.info["search_jobs_added"] = True


def _note_commit(session: Session) -> None:
    if session.info.pop("search_jobs_added", False) and has_app_context():
        g.search_jobs_pending = True


def _forget_on_rollback(session: Session) -> None:
    session.info.pop("search_jobs_added", None)


def queue_ideas(idea_ids: Iterable[int]) -> None:
    """Queue ideas written outside the ORM's change tracking (bulk imports)."""
    db.session.add_all(SearchJob(idea_id=idea_id) for idea_id in idea_ids)
    db.session.info["search_jobs_added"] = True


def purge_ideas(challenge_id: int, idea_ids: Sequence[int]) -> None:
    """Take deleted ideas (and old versions of changed ones) out of the index for good: the
    segments are merged, so no text is left in the files (an account deletion asks for this;
    it is rare)."""
    challenge = db.session.get(Challenge, challenge_id)
    if challenge is None:
        return
    index = get_index()
    if idea_ids:
        index.delete(challenge_id, challenge.language.value, idea_ids)
    index.optimize(challenge_id)


def apply_pending(limit: int = 5000, *, timeout: float | None = None) -> int:
    """Bring the index up to date with the outbox. Returns the number of jobs applied.

    Commits the session (jobs are removed in their own transaction). ``IndexBusy`` leaves the
    jobs in place; ``IndexMissing`` rebuilds the challenge's index from the database.
    """
    db.session.commit()
    rows = db.session.execute(
        select(SearchJob.id, SearchJob.idea_id, Idea.challenge_id)
        .join(Idea, Idea.id == SearchJob.idea_id)
        .order_by(SearchJob.id)
        .limit(limit)
    ).all()
    if not rows:
        return 0
    jobs_by_challenge: dict[int, list[tuple[int, int]]] = defaultdict(list)
    for job_id, idea_id, challenge_id in rows:
        jobs_by_challenge[challenge_id].append((job_id, idea_id))
    applied = 0
    for challenge_id, jobs in jobs_by_challenge.items():
        challenge = db.session.get(Challenge, challenge_id)
        idea_ids = sorted({idea_id for _, idea_id in jobs})
        if not get_index().exists(challenge_id):
            # Never grow a fresh, partial index from a few changes: rebuild it whole (on a
            # worker for a large challenge; the jobs wait here until that is done).
            if not rebuild_now_or_later(challenge):
                continue
            idea_ids = []
        try:
            get_index().apply(
                challenge_id,
                challenge.language.value,
                lambda ids=idea_ids: _current_documents(ids),
                timeout=timeout,
            )
        except IndexBusy:
            current_app.logger.info("search index %s busy; jobs kept", challenge_id)
            continue
        except IndexMissing:
            current_app.logger.warning("search index %s missing; rebuilding", challenge_id)
            if not rebuild_now_or_later(challenge):
                continue
        db.session.execute(
            delete(SearchJob).where(SearchJob.id.in_([job_id for job_id, _ in jobs]))
        )
        db.session.commit()
        applied += len(jobs)
    return applied


def _current_documents(idea_ids: Sequence[int]) -> tuple[list[dict[str, Any]], list[int]]:
    """Read the ideas as they are now: documents to write and ids to remove."""
    db.session.commit()  # start a fresh transaction: see what other workers committed
    ideas = db.session.scalars(select(Idea).where(Idea.id.in_(idea_ids))).all()
    searchable = [idea for idea in ideas if is_searchable(idea)]
    docs = list(_documents(searchable))
    removed = sorted(set(idea_ids) - {idea.id for idea in searchable})
    return docs, removed


def _documents(ideas: Sequence[Any]) -> Iterator[dict[str, Any]]:
    """Search documents of ideas: `Idea` objects, or rows of `_DOCUMENT_COLUMNS`."""
    comments: dict[int, list[str]] = defaultdict(list)
    if ideas:
        for idea_id, body in db.session.execute(
            select(Comment.idea_id, Comment.body)
            .where(
                Comment.idea_id.in_([i.id for i in ideas]),
                Comment.status == CommentStatus.published,
            )
            .order_by(Comment.id)
        ):
            comments[idea_id].append(body)
    for idea in ideas:
        yield {
            "id": idea.id,
            "title": idea.title,
            "description": idea.description,
            "comments": "\n".join(comments[idea.id]),
            "theme_id": idea.theme_id,
            "status": idea.status.value,
            "created": idea.created_dt,
            "supports": idea.support_count,
            "comments_count": idea.comment_count,
        }


# What a document needs of an idea, as plain rows: loading 10,000 ideas as ORM objects took a
# quarter of a reindex (0.5 s of 2.2 s).
_DOCUMENT_COLUMNS = (
    Idea.id,
    Idea.title,
    Idea.description,
    Idea.theme_id,
    Idea.status,
    Idea.created_dt,
    Idea.support_count,
    Idea.comment_count,
)


def searchable_documents(challenge: Challenge) -> Iterator[dict[str, Any]]:
    """Every searchable idea of a challenge, streamed in batches (for a rebuild)."""
    last_id = 0
    while True:
        batch = db.session.execute(
            select(*_DOCUMENT_COLUMNS)
            .where(
                Idea.challenge_id == challenge.id,
                Idea.id > last_id,
                Idea.status == IdeaStatus.published,
                Idea.merged_into_id.is_(None),
            )
            .order_by(Idea.id)
            .limit(BATCH)
        ).all()
        if not batch:
            return
        yield from _documents(batch)
        last_id = batch[-1].id


def count_searchable(challenge: Challenge) -> int:
    from sqlalchemy import func

    return (
        db.session.scalar(
            select(func.count(Idea.id)).where(
                Idea.challenge_id == challenge.id,
                Idea.status == IdeaStatus.published,
                Idea.merged_into_id.is_(None),
            )
        )
        or 0
    )


def rebuild(challenge: Challenge, progress: Any = None, *, processes: int = 1) -> int:
    """Rebuild one challenge's index from the database; returns the number of ideas indexed.

    ``processes`` > 1 (the command line, see `rebuild_processes`) indexes in worker processes.
    """
    language = challenge.language.value
    return get_index().rebuild(
        challenge.id,
        language,
        searchable_documents(challenge),
        progress=progress,
        processes=processes,
    )


def rebuild_now_or_later(challenge: Challenge) -> bool:
    """Rebuild here and now (True), or, for a challenge larger than IDEATION_JOB_THRESHOLD
    when a worker queue is configured, make sure a background reindex is on its way (False):
    a web request never spends minutes on a rebuild."""
    from ideation.jobs import services as jobs
    from ideation.jobs.models import JobState

    if not jobs.runs_in_background(count_searchable(challenge)):
        rebuild(challenge)
        return True
    latest = jobs.latest_job(challenge, "reindex")
    if latest is not None and latest.state in (JobState.queued, JobState.running):
        jobs.refresh(latest)
        if not latest.is_finished:
            return False
    job = jobs.create_job(None, challenge, "reindex", {}, size=count_searchable(challenge))
    db.session.commit()
    jobs.dispatch(job)
    return False


@job_function("reindex")
def _reindex_job(job: Any, progress: Any) -> dict[str, Any]:
    """The background reindex: the whole index of one challenge from the database."""
    challenge = db.session.get(Challenge, job.challenge_id)
    if challenge is None:
        raise LookupError("the challenge was removed")
    total = max(1, count_searchable(challenge))
    indexed = rebuild(challenge, progress=lambda done: progress(int(95 * done / total),
                                                                "indexing"))
    return {"indexed": indexed}


# --- queries ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Result:
    idea: Idea
    hit: Hit


@dataclass(frozen=True)
class ResultPage(Paginated):
    """One page of search results; reads like the gallery's page, plus the highlights."""

    results: list[Result]
    total: int
    page: int
    per_page: int

    @property
    def items(self) -> list[Idea]:
        return [result.idea for result in self.results]

    @property
    def hits(self) -> dict[int, Hit]:
        return {result.idea.id: result.hit for result in self.results}


def _with_index(challenge: Challenge, run: Any, empty: Any) -> Any:
    """``run()``; a missing or damaged index is rebuilt first, or, for a large challenge with
    a worker, ``empty`` is returned while the rebuild runs in the background."""
    try:
        return run()
    except IndexMissing:
        current_app.logger.warning("search index %s missing or damaged; rebuilding", challenge.id)
        if not rebuild_now_or_later(challenge):
            return empty
        return run()


def search_ideas(
    challenge: Challenge,
    query: str,
    *,
    theme_id: int | None = None,
    page: int = 1,
    per_page: int = 24,
) -> ResultPage:
    """Published ideas matching ``query`` (with the theme filter), best first."""
    apply_pending(timeout=2.0)
    language = challenge.language.value
    found = _with_index(
        challenge,
        lambda: get_index().search(
            challenge.id, language, query, theme_id=theme_id, page=page, per_page=per_page
        ),
        SearchPage(0, [], page, per_page),
    )
    ideas = _load(hit.id for hit in found.hits)
    results = [Result(ideas[hit.id], hit) for hit in found.hits if hit.id in ideas]
    return ResultPage(results, found.total, page, per_page)


def similar_ideas(
    challenge: Challenge, text: str, *, limit: int = 5, exclude_id: int | None = None
) -> list[Result]:
    """The published ideas most like ``text`` (a title being typed)."""
    if len(text.strip()) < 3:
        return []
    language = challenge.language.value
    hits = _with_index(
        challenge,
        lambda: get_index().similar(
            challenge.id, language, text, limit=limit, exclude_id=exclude_id
        ),
        [],
    )
    ideas = _load(hit.id for hit in hits)
    return [Result(ideas[hit.id], hit) for hit in hits if hit.id in ideas]


def _load(ids: Iterable[int]) -> dict[int, Idea]:
    ids = list(ids)
    if not ids:
        return {}
    ideas = db.session.scalars(
        select(Idea)
        .where(Idea.id.in_(ids), Idea.status == IdeaStatus.published)
        .options(selectinload(Idea.images), selectinload(Idea.theme))
    ).all()
    return {idea.id: idea for idea in ideas}


# --- wiring ----------------------------------------------------------------------------------


def _apply_after_request(response: Any) -> Any:
    if g.pop("search_jobs_pending", False):
        try:
            apply_pending(timeout=5.0)
        except Exception:  # noqa: BLE001 - the jobs stay queued; the page must not fail
            db.session.rollback()
            current_app.logger.exception("applying search jobs failed; they stay queued")
    return response


def _readiness() -> tuple[str, str]:
    root = get_index().root
    try:
        root.mkdir(parents=True, exist_ok=True)
        probe = root / ".ready"
        probe.write_text("ok")
        probe.unlink()
    except OSError as exc:
        return "search", f"error: {exc.strerror}"
    return "search", "ok"


_listening = False


def init_app(app: Flask) -> None:
    global _listening
    app.extensions["ideation_search"] = IdeaIndex(Path(app.instance_path) / "search")
    app.extensions.setdefault("ideation_readiness", []).append(_readiness)
    app.after_request(_apply_after_request)
    if not _listening:  # session events are global; register them once per process
        event.listen(Session, "before_flush", _queue_changes)
        event.listen(Session, "after_commit", _note_commit)
        event.listen(Session, "after_soft_rollback", lambda s, t: _forget_on_rollback(s))
        _listening = True
