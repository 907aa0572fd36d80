"""Near-duplicate ideas: find pairs, merge one into the other, undo a merge.

A merge keeps both rows: the duplicate points at the kept idea (``Idea.merged_into_id``) and
leaves the gallery, the board, the search index and the funnel count, but its page stays
readable. Every change checks that the actor manages the challenge and that the phase allows
curating, writes an AuditEvent and flushes; the view commits.

Decisions where the brief left room:

* Merges are one level deep: an idea that others are merged into cannot itself be merged
  (undo those merges first), so "merged into" never forms a chain or a loop.
* The kept idea's ``support_count`` counts distinct people over the kept idea and everything
  merged into it; the duplicate keeps its own count, so an unmerge only has to recount.
* Clusters are left alone: the kept idea stays in its own cluster (or in none), whatever
  cluster the duplicate was in.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import joinedload, lazyload

from ideation.accounts.models import User
from ideation.challenges.models import Challenge
from ideation.core.audit import record_event
from ideation.core.permissions import ensure_can_manage
from ideation.curation.services import CurationError, _ensure_can_curate
from ideation.extensions import db
from ideation.ideas.models import Idea, IdeaStatus
from ideation.ideas.supporting import count_supporters
from ideation.jobs.models import Job
from ideation.jobs.services import create_job, job_function

_WITH_AUTHOR = joinedload(Idea.author).options(lazyload(User.memberships))


@dataclass(frozen=True)
class DuplicatePair:
    left: Idea
    right: Idea
    similarity: float

    @property
    def percent(self) -> int:
        return round(self.similarity * 100)


# The slider's range; a background job finds every pair down to the lowest, once.
LOWEST_THRESHOLD = 0.5
DEFAULT_THRESHOLD = 0.8
MAX_PAIRS = 500


def published_documents(challenge: Challenge) -> list[tuple[int, str]]:
    """(id, "title\ndescription") of the published, unmerged ideas, oldest first."""
    rows = db.session.execute(
        select(Idea.id, Idea.title, Idea.description)
        .where(Idea.challenge_id == challenge.id, Idea.status == IdeaStatus.published,
               Idea.merged_into_id.is_(None))
        .order_by(Idea.id)
    )
    return [(idea_id, f"{title}\n{description}") for idea_id, title, description in rows]


def find_pairs(challenge: Challenge, threshold: float, limit: int = MAX_PAIRS
               ) -> list[tuple[int, int, float]]:
    """(id, id, similarity) of alike published ideas, the older idea first, most alike first."""
    # Imported here: scikit-learn is heavy and only this page and the suggestions need it.
    from ideation.curation.clustering import near_duplicates

    return near_duplicates(published_documents(challenge), challenge.language.value,
                           threshold, limit)


def pairs_of(found: list[tuple[int, int, float]] | list[list[Any]], threshold: float,
             limit: int = MAX_PAIRS) -> list[DuplicatePair]:
    """The pairs at or above ``threshold`` whose ideas are still published and unmerged,
    with the ideas (and their authors) loaded in one query."""
    kept = [(int(a), int(b), float(s)) for a, b, s in found if float(s) >= threshold - 1e-9]
    ids = {i for a, b, _s in kept for i in (a, b)}
    ideas = {idea.id: idea for idea in db.session.scalars(
        select(Idea).where(Idea.id.in_(ids), Idea.status == IdeaStatus.published,
                           Idea.merged_into_id.is_(None)).options(_WITH_AUTHOR)
    )} if ids else {}
    pairs = [DuplicatePair(ideas[a], ideas[b], s) for a, b, s in kept
             if a in ideas and b in ideas]
    return pairs[:limit]


def duplicate_pairs(actor: User | None, challenge: Challenge,
                    threshold: float = DEFAULT_THRESHOLD,
                    limit: int = MAX_PAIRS) -> list[DuplicatePair]:
    """Pairs of published, unmerged ideas whose titles or texts are alike, most alike first."""
    ensure_can_manage(actor, challenge)
    return pairs_of(find_pairs(challenge, threshold, limit), threshold, limit)


@job_function("duplicates")
def _find_pairs_job(job: Job, progress: Any) -> dict[str, Any]:
    """The background job: every pair down to the slider's lowest threshold, stored once."""
    challenge = db.session.get(Challenge, job.challenge_id)
    if challenge is None:
        raise LookupError("the challenge was removed")
    progress(10, "features")
    found = find_pairs(challenge, LOWEST_THRESHOLD, limit=5 * MAX_PAIRS)
    return {"threshold": LOWEST_THRESHOLD, "pairs": [[a, b, s] for a, b, s in found]}


def request_pairs(actor: User | None, challenge: Challenge) -> Job:
    """A background job that finds the pairs (the caller commits, then dispatches it)."""
    if actor is not None:
        ensure_can_manage(actor, challenge)
    size = len(published_documents(challenge))
    return create_job(actor, challenge, "duplicates", {}, size=size)


def merge_duplicates(actor: User, challenge: Challenge, pairs: list[tuple[int, int]],
                     reason: str | None = None) -> tuple[int, int]:
    """Merge several (duplicate id, kept id) pairs at once, in order. A pair whose ideas were
    merged by an earlier pair of the same batch is skipped. Returns (merged, skipped)."""
    _ensure_can_curate(actor, challenge)
    if not pairs:
        raise CurationError(_("Select one or more pairs first."), "pairs")
    ids = {i for pair in pairs for i in pair}
    ideas = {idea.id: idea for idea in db.session.scalars(
        select(Idea).where(Idea.id.in_(ids), Idea.challenge_id == challenge.id))}
    merged = skipped = 0
    for duplicate_id, kept_id in pairs:
        duplicate, kept = ideas.get(duplicate_id), ideas.get(kept_id)
        if duplicate is None or kept is None:
            raise CurationError(_("Both ideas must belong to this challenge."), "pairs")
        if duplicate.merged_into_id is not None or kept.merged_into_id is not None \
                or duplicate.id == kept.id:
            skipped += 1
            continue
        merge_duplicate(actor, duplicate, kept, reason)
        merged += 1
    return merged, skipped


def _ensure_mergeable(idea: Idea) -> None:
    if idea.status is not IdeaStatus.published:
        raise CurationError(_("Only published ideas can be merged."))
    if idea.merged_into_id is not None:
        raise CurationError(_("“%(title)s” is already merged into another idea.",
                              title=idea.title))


def merge_duplicate(actor: User, duplicate: Idea, kept: Idea,
                    reason: str | None = None) -> None:
    """Point ``duplicate`` at ``kept``; its supporters count for ``kept`` from now on."""
    _ensure_can_curate(actor, kept.challenge)
    if duplicate.challenge_id != kept.challenge_id:
        raise CurationError(_("Both ideas must belong to this challenge."), "kept_id")
    if duplicate.id == kept.id:
        raise CurationError(_("An idea cannot be merged into itself."), "kept_id")
    _ensure_mergeable(duplicate)
    _ensure_mergeable(kept)
    if db.session.scalar(select(Idea.id).where(Idea.merged_into_id == duplicate.id).limit(1)):
        raise CurationError(_("Other ideas are merged into “%(title)s”. Undo those merges "
                              "first.", title=duplicate.title))
    duplicate.merged_into_id = kept.id
    db.session.flush()
    kept.support_count = count_supporters(kept)
    record_event(actor, "idea.merged", duplicate, challenge=kept.challenge, old=None,
                 new=kept.id, reason=(reason or "").strip() or None, public=True,
                 details={"kept": kept.id})
    db.session.flush()


def unmerge_duplicate(actor: User, duplicate: Idea) -> Idea:
    """Undo a merge: the duplicate is listed again and both ideas count their own supporters.

    Returns the idea it was merged into.
    """
    _ensure_can_curate(actor, duplicate.challenge)
    kept = duplicate.merged_into
    if kept is None:
        raise CurationError(_("This idea is not merged."))
    duplicate.merged_into_id = None
    db.session.flush()
    duplicate.support_count = count_supporters(duplicate)
    kept.support_count = count_supporters(kept)
    record_event(actor, "idea.unmerged", duplicate, challenge=duplicate.challenge, old=kept.id,
                 new=None, public=True, details={"kept": kept.id})
    db.session.flush()
    return kept


# --- the idea page --------------------------------------------------------------------------


def merged_into(idea: Idea) -> Idea | None:
    """The idea ``idea`` is merged into, if any."""
    return idea.merged_into if idea.merged_into_id is not None else None


def credited_authors(kept: Idea) -> list[Idea]:
    """The published ideas merged into ``kept``, oldest first, with their authors loaded.

    Ideas rather than names: the page names each author with ``author_name``, which knows
    who may see the name behind an anonymous idea.
    """
    return list(db.session.scalars(
        select(Idea).where(Idea.merged_into_id == kept.id, Idea.status == IdeaStatus.published)
        .options(_WITH_AUTHOR).order_by(Idea.created_dt, Idea.id)
    ))
