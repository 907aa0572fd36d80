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
from ideation.ideas.services import count_supporters

_WITH_AUTHOR = joinedload(Idea.author).options(lazyload(User.memberships))


@dataclass(frozen=True)
class DuplicatePair:
    left: Idea
    right: Idea
    similarity: float

    @property
    def percent(self) -> int:
        return round(self.similarity * 100)


def duplicate_pairs(actor: User | None, challenge: Challenge, threshold: float = 0.8,
                    limit: int = 100) -> list[DuplicatePair]:
    """Pairs of published, unmerged ideas whose title and text are alike, most alike first."""
    ensure_can_manage(actor, challenge)
    # Imported here: scikit-learn is heavy and only this page and the suggestions need it.
    from ideation.curation.clustering import near_duplicates

    rows = db.session.execute(
        select(Idea.id, Idea.title, Idea.description)
        .where(Idea.challenge_id == challenge.id, Idea.status == IdeaStatus.published,
               Idea.merged_into_id.is_(None))
        .order_by(Idea.id)
    )
    docs = [(idea_id, f"{title}\n{description}") for idea_id, title, description in rows]
    found = near_duplicates(docs, challenge.language.value, threshold, limit)
    ids = {i for a, b, _s in found for i in (a, b)}
    ideas = {idea.id: idea for idea in db.session.scalars(
        select(Idea).where(Idea.id.in_(ids)).options(_WITH_AUTHOR)
    )} if ids else {}
    return [DuplicatePair(ideas[a], ideas[b], similarity) for a, b, similarity in found]




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
