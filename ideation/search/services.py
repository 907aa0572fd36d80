"""Search for the application: keeping the search backend in step with the database, and queries.

Two backends sit behind the functions of this module (`backend`): a Whoosh index per challenge
in the instance folder (one machine; the default on SQLite) and PostgreSQL full-text search
(`ideation.search.postgres`; the default on PostgreSQL, shared by every host). Both analyse
text with `ideation.search.analyzers`, so they find the same ideas.

PostgreSQL: a change to an idea or its comments notes the idea (``before_flush``), and just
before the commit its search row is written or removed in the same transaction
(`_write_documents`).

Whoosh data flow: a change to an idea or its comments adds a ``SearchJob`` in the same transaction
(a ``before_flush`` listener, so no service can forget it); after the commit the request
applies the pending jobs. Jobs are applied while holding the index's write lock and the ideas
are read from the database inside that lock, so whichever worker writes last writes the
latest state. A job is deleted only after the index committed it: a crash, a busy index or a
full disk leaves it for the next request, the next search, or ``flask search reindex``.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from functools import cached_property
from html import escape
from pathlib import Path
from typing import Any

from flask import Flask, current_app, g, has_app_context, has_request_context
from sqlalchemy import delete, event, func, inspect, or_, select
from sqlalchemy.orm import Session, joinedload, selectinload

from ideation.challenges.models import Challenge
from ideation.core.pagination import Paginated
from ideation.extensions import db
from ideation.ideas.models import Comment, CommentStatus, Idea, IdeaStatus
from ideation.jobs import services as jobs
from ideation.jobs.models import JobState
from ideation.search import postgres
from ideation.search.highlighting import SNIPPET_CHARS
from ideation.search.index import MAX_PER_PAGE, Hit, IdeaIndex, IndexBusy, IndexMissing
from ideation.search.models import SearchJob

# Attributes of an idea that the index shows or filters on.
INDEXED_IDEA_FIELDS = ("title", "description", "status", "theme_id", "merged_into_id")
BATCH = 500


def get_index() -> IdeaIndex:
    return current_app.extensions["ideation_search"]


def backend() -> str:
    """"postgres" or "whoosh": IDEATION_SEARCH_BACKEND, where "auto" means PostgreSQL full-text
    search on a PostgreSQL database and Whoosh on SQLite."""
    return current_app.extensions.get("ideation_search_backend", "whoosh")


def _uses_postgres() -> bool:
    return has_app_context() and backend() == "postgres"


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
    if _uses_postgres():
        session.info.setdefault("search_ideas", set()).update(ideas)
        session.info.setdefault("search_idea_ids", set()).update(idea_ids)
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
    for key in ("search_jobs_added", "search_ideas", "search_idea_ids"):
        session.info.pop(key, None)


def _write_documents(session: Session) -> None:
    """PostgreSQL: the search rows of the ideas this transaction changed, written just before
    it commits (so in it)."""
    if "search_ideas" not in session.info and "search_idea_ids" not in session.info:
        return
    if session.new or session.dirty or session.deleted:
        session.flush()  # the last changes get their ids (and may note more ideas)
    ideas = session.info.pop("search_ideas", set())
    idea_ids = session.info.pop("search_idea_ids", set())
    idea_ids |= {idea.id for idea in ideas if idea.id is not None}
    if idea_ids:
        write_documents(sorted(idea_ids), session)


def write_documents(idea_ids: Sequence[int], session: Session | None = None) -> None:
    """PostgreSQL: write the search rows of ``idea_ids`` as the ideas are in this transaction
    (and remove those no longer searchable). The ideas' rows are locked first, so that two
    transactions that each add a comment to one idea write its row one after the other, the
    second with the first's comment."""
    if not idea_ids:
        return
    session = session or db.session
    for start in range(0, len(idea_ids), BATCH):
        chunk = list(idea_ids[start:start + BATCH])
        session.execute(
            select(Idea.id).where(Idea.id.in_(chunk)).order_by(Idea.id).with_for_update()
        )
        rows = session.execute(
            select(*_DOCUMENT_COLUMNS, Idea.challenge_id, Idea.merged_into_id,
                   Challenge.language)
            .join(Challenge, Challenge.id == Idea.challenge_id)
            .where(Idea.id.in_(chunk))
        ).all()
        searchable = [row for row in rows
                      if row.status is IdeaStatus.published and row.merged_into_id is None]
        by_challenge: dict[tuple[int, str], list[Any]] = defaultdict(list)
        for row in searchable:
            by_challenge[(row.challenge_id, row.language.value)].append(row)
        for (challenge_id, language), batch in by_challenge.items():
            postgres.store(session, challenge_id, language, _documents(batch, session))
        postgres.remove(session, sorted(set(chunk) - {row.id for row in searchable}))


def queue_ideas(idea_ids: Iterable[int]) -> None:
    """Queue ideas written outside the ORM's change tracking (bulk imports)."""
    if _uses_postgres():
        db.session.info.setdefault("search_idea_ids", set()).update(idea_ids)
        return
    db.session.add_all(SearchJob(idea_id=idea_id) for idea_id in idea_ids)
    db.session.info["search_jobs_added"] = True


def purge_ideas(challenge_id: int, idea_ids: Sequence[int]) -> None:
    """Take deleted ideas (and old versions of changed ones) out of the index for good: the
    segments are merged, so no text is left in the files (an account deletion asks for this;
    it is rare)."""
    if backend() == "postgres":
        postgres.remove(db.session, idea_ids)  # the rows of deleted ideas went with them
        db.session.commit()
        return
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
    jobs in place; ``IndexMissing`` rebuilds the challenge's index from the database (in a
    web request: schedules the rebuild, see `rebuild_now_or_later`).
    """
    db.session.commit()
    if backend() == "postgres":
        return _apply_jobs_to_postgres(limit)
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
    for challenge_id, queued in jobs_by_challenge.items():
        challenge = db.session.get(Challenge, challenge_id)
        idea_ids = sorted({idea_id for _, idea_id in queued})
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
            delete(SearchJob).where(SearchJob.id.in_([job_id for job_id, _ in queued]))
        )
        db.session.commit()
        applied += len(queued)
    return applied


def _apply_jobs_to_postgres(limit: int) -> int:
    """Outbox jobs left from a time on Whoosh: their ideas' rows written, the jobs removed."""
    rows = db.session.execute(
        select(SearchJob.id, SearchJob.idea_id).order_by(SearchJob.id).limit(limit)
    ).all()
    if not rows:
        return 0
    write_documents(sorted({idea_id for _, idea_id in rows}))
    db.session.execute(delete(SearchJob).where(SearchJob.id.in_([job for job, _ in rows])))
    db.session.commit()
    return len(rows)


def _current_documents(idea_ids: Sequence[int]) -> tuple[list[dict[str, Any]], list[int]]:
    """Read the ideas as they are now: documents to write and ids to remove."""
    db.session.commit()  # start a fresh transaction: see what other workers committed
    ideas = db.session.scalars(select(Idea).where(Idea.id.in_(idea_ids))).all()
    searchable = [idea for idea in ideas if is_searchable(idea)]
    docs = list(_documents(searchable))
    removed = sorted(set(idea_ids) - {idea.id for idea in searchable})
    return docs, removed


def _documents(ideas: Sequence[Any], session: Any = None) -> Iterator[dict[str, Any]]:
    """Search documents of ideas: `Idea` objects, or rows of `_DOCUMENT_COLUMNS`."""
    comments: dict[int, list[str]] = defaultdict(list)
    if ideas:
        for idea_id, body in (session or db.session).execute(
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
    if backend() == "postgres":
        return _rebuild_postgres(challenge, progress)
    return get_index().rebuild(
        challenge.id,
        language,
        searchable_documents(challenge),
        progress=progress,
        processes=processes,
    )


def _rebuild_postgres(challenge: Challenge, progress: Any = None) -> int:
    """The challenge's search rows written afresh, in one transaction (searches see the old
    rows until it commits)."""
    language = challenge.language.value
    postgres.clear(db.session, challenge.id)
    count = 0
    batch: list[dict[str, Any]] = []
    for doc in searchable_documents(challenge):
        batch.append(doc)
        if len(batch) >= BATCH:
            count += postgres.store(db.session, challenge.id, language, batch)
            batch = []
            if progress is not None:
                progress(count)
    count += postgres.store(db.session, challenge.id, language, batch)
    db.session.commit()
    if progress is not None:
        progress(count)
    return count


def rebuild_now_or_later(challenge: Challenge) -> bool:
    """Rebuild here and now (True), or make sure a background reindex is on its way (False).

    A web request never rebuilds while someone waits for its answer: it schedules the reindex
    job, which runs on a worker (RQ) for a challenge larger than IDEATION_JOB_THRESHOLD when
    one is configured, else in this process once the response has gone out. Outside a
    request (the command line, a job) a challenge of that size or smaller is rebuilt now.
    """
    if not has_request_context() and not jobs.runs_in_background(count_searchable(challenge)):
        rebuild(challenge)
        return True
    schedule_rebuild(challenge)
    return False


def schedule_rebuild(challenge: Challenge) -> None:
    """A reindex job for ``challenge``, unless one is already on its way."""
    latest = jobs.latest_job(challenge, "reindex")
    if latest is not None and latest.state in (JobState.queued, JobState.running):
        jobs.refresh(latest)
        if not latest.is_finished:
            return
    job = jobs.create_job(None, challenge, "reindex", {}, size=count_searchable(challenge))
    db.session.commit()
    if job.runner == "inline" and has_request_context():
        # Run by _run_after_response, once the response has been sent.
        g.setdefault("search_rebuilds", []).append(job.id)
        return
    jobs.dispatch(job)


@jobs.job_function("reindex")
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

    @cached_property  # read three times per card by the gallery template
    def hits(self) -> dict[int, Hit]:
        return {result.idea.id: result.hit for result in self.results}


def search_ideas(
    challenge: Challenge,
    query: str,
    *,
    theme_id: int | None = None,
    page: int = 1,
    per_page: int = 24,
) -> ResultPage:
    """Published ideas matching ``query`` (with the theme filter), best first.

    A missing or damaged index is never rebuilt here: its rebuild is scheduled and the
    answer comes from the database (`_database_search`) until it is done.
    """
    if backend() == "postgres":
        return _postgres_search(challenge, query, theme_id=theme_id, page=page,
                                per_page=per_page)
    apply_pending(timeout=2.0)
    language = challenge.language.value
    try:
        found = get_index().search(
            challenge.id, language, query, theme_id=theme_id, page=page, per_page=per_page
        )
    except IndexMissing:
        _index_missing(challenge)
        return _database_search(challenge, query, theme_id=theme_id, page=page,
                                per_page=per_page)
    ideas = _load(hit.id for hit in found.hits)
    results = [Result(ideas[hit.id], hit) for hit in found.hits if hit.id in ideas]
    return ResultPage(results, found.total, page, per_page)


def similar_ideas(
    challenge: Challenge, text: str, *, limit: int = 5, exclude_id: int | None = None
) -> list[Result]:
    """The published ideas most like ``text`` (a title being typed); from the database, newest
    first, while the index is missing or damaged (its rebuild is scheduled)."""
    if len(text.strip()) < 3:
        return []
    language = challenge.language.value
    if backend() == "postgres":
        q = postgres.similar_query(language, text)
        if q is None:
            return []
        _, ranked = postgres.find(db.session, challenge.id, q, exclude_id=exclude_id,
                                  limit=limit)
        return _postgres_results(language, q, ranked)
    try:
        hits = get_index().similar(
            challenge.id, language, text, limit=limit, exclude_id=exclude_id
        )
    except IndexMissing:
        _index_missing(challenge)
        return _database_search(challenge, text, per_page=limit, exclude_id=exclude_id).results
    ideas = _load(hit.id for hit in hits)
    return [Result(ideas[hit.id], hit) for hit in hits if hit.id in ideas]


def _postgres_search(
    challenge: Challenge, query: str, *, theme_id: int | None, page: int, per_page: int
) -> ResultPage:
    page = max(1, int(page))
    per_page = min(max(1, int(per_page)), MAX_PER_PAGE)
    language = challenge.language.value
    q = postgres.parse(language, (query or "").strip())
    if q is None:
        return ResultPage([], 0, page, per_page)
    total, ranked = postgres.find(db.session, challenge.id, q, theme_id=theme_id,
                                  offset=(page - 1) * per_page, limit=per_page)
    return ResultPage(_postgres_results(language, q, ranked), total, page, per_page)


def _postgres_results(
    language: str, q: postgres.Query, ranked: list[tuple[int, float]]
) -> list[Result]:
    ideas = _load(idea_id for idea_id, _ in ranked)
    return [
        Result(ideas[idea_id], postgres.hit(language, q, idea_id, ideas[idea_id].title,
                                            ideas[idea_id].description, rank))
        for idea_id, rank in ranked
        if idea_id in ideas
    ]


def _index_missing(challenge: Challenge) -> None:
    current_app.logger.warning(
        "search index %s missing or damaged; answering from the database, rebuild scheduled",
        challenge.id)
    rebuild_now_or_later(challenge)


# The degraded search reads at most this many words of the query.
_DATABASE_WORDS = 8


def _database_search(
    challenge: Challenge,
    query: str,
    *,
    theme_id: int | None = None,
    page: int = 1,
    per_page: int = 24,
    exclude_id: int | None = None,
) -> ResultPage:
    """The search without its index: published ideas whose title, description or published
    comments contain any of the query's words, newest first. Slower and unranked (no
    stemming: "kinderen" is not found by "kind"), but an answer while the index is rebuilt."""
    words = list(dict.fromkeys(w.lower() for w in re.findall(r"\w{2,}", query)))
    words = words[:_DATABASE_WORDS]
    if not words:
        return ResultPage([], 0, page, per_page)
    matches = []
    for word in words:
        pattern = "%" + re.sub(r"([\\%_])", r"\\\1", word) + "%"
        commented = select(Comment.idea_id).where(
            Comment.status == CommentStatus.published,
            Comment.body.ilike(pattern, escape="\\"),
        )
        matches += [Idea.title.ilike(pattern, escape="\\"),
                    Idea.description.ilike(pattern, escape="\\"),
                    Idea.id.in_(commented)]
    conditions = [
        Idea.challenge_id == challenge.id,
        Idea.status == IdeaStatus.published,
        Idea.merged_into_id.is_(None),
        or_(*matches),
    ]
    if theme_id is not None:
        conditions.append(Idea.theme_id == theme_id)
    if exclude_id is not None:
        conditions.append(Idea.id != exclude_id)
    total = db.session.scalar(select(func.count(Idea.id)).where(*conditions)) or 0
    ideas = db.session.scalars(
        select(Idea)
        .where(*conditions)
        .order_by(Idea.created_dt.desc(), Idea.id.desc())
        .offset((page - 1) * per_page)
        .limit(per_page)
        .options(selectinload(Idea.images), selectinload(Idea.theme))
    ).all()
    results = [Result(idea, _plain_hit(idea, words)) for idea in ideas]
    return ResultPage(results, total, page, per_page)


def _plain_hit(idea: Idea, words: list[str]) -> Hit:
    """A hit with the query's words marked where they occur as typed (no stemming)."""
    description = idea.description
    if len(description) > SNIPPET_CHARS:
        description = description[:SNIPPET_CHARS].rsplit(" ", 1)[0] + " …"
    return Hit(id=idea.id, title_html=_mark(idea.title, words),
               snippet_html=_mark(description, words), score=0.0)


def _mark(text: str, words: list[str]) -> str:
    pattern = re.compile("|".join(re.escape(w) for w in sorted(words, key=len, reverse=True)),
                         re.IGNORECASE)
    out, index = [], 0
    for found in pattern.finditer(text):
        out += [escape(text[index:found.start()], quote=False),
                f'<mark class="match term0">{escape(found.group(), quote=False)}</mark>']
        index = found.end()
    out.append(escape(text[index:], quote=False))
    return "".join(out)


def _load(ids: Iterable[int]) -> dict[int, Idea]:
    ids = list(ids)
    if not ids:
        return {}
    # One statement: a page of hits is at most MAX_PER_PAGE ideas with a photo or two each,
    # and every extra round trip to a shared database costs more than the joined rows.
    ideas = db.session.scalars(
        select(Idea)
        .where(Idea.id.in_(ids), Idea.status == IdeaStatus.published)
        .options(joinedload(Idea.images), joinedload(Idea.theme))
    ).unique().all()
    return {idea.id: idea for idea in ideas}


# --- wiring ----------------------------------------------------------------------------------


def _apply_after_request(response: Any) -> Any:
    if g.pop("search_jobs_pending", False):
        try:
            apply_pending(timeout=5.0)
        except Exception:  # noqa: BLE001 - the jobs stay queued; the page must not fail
            db.session.rollback()
            current_app.logger.exception("applying search jobs failed; they stay queued")
    rebuilds = g.pop("search_rebuilds", [])
    if rebuilds:
        app = current_app._get_current_object()
        response.call_on_close(lambda: _run_after_response(app, rebuilds))
    return response


def _run_after_response(app: Flask, job_ids: list[int]) -> None:
    """The reindex jobs a request scheduled, run once its response has been sent."""
    with app.app_context():
        for job_id in job_ids:
            try:
                jobs.execute(job_id)
            except Exception:  # noqa: BLE001 - never let background work break a worker
                db.session.rollback()
                app.logger.exception("search reindex job %s failed", job_id)


def _readiness() -> tuple[str, str]:
    if backend() == "postgres":
        return "search", "ok"  # the database's own check covers it
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
    chosen = app.config.get("IDEATION_SEARCH_BACKEND") or "auto"
    if chosen == "auto":
        on_postgres = str(app.config["SQLALCHEMY_DATABASE_URI"]).startswith("postgresql")
        chosen = "postgres" if on_postgres else "whoosh"
    app.extensions["ideation_search_backend"] = chosen
    app.extensions.setdefault("ideation_readiness", []).append(_readiness)
    app.after_request(_apply_after_request)
    if not _listening:  # session events are global; register them once per process
        event.listen(Session, "before_flush", _queue_changes)
        event.listen(Session, "before_commit", _write_documents)
        event.listen(Session, "after_commit", _note_commit)
        event.listen(Session, "after_soft_rollback", lambda s, t: _forget_on_rollback(s))
        _listening = True
