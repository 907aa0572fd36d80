"""The read queries of ideas: one idea, the gallery, "my ideas", and the counts other features
show (the funnel, the challenge cards, the check before a theme is removed).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from flask_babel import gettext as _
from sqlalchemy import ColumnElement, false, func, select, union
from sqlalchemy.orm import joinedload, lazyload, selectinload

from ideation.accounts.models import User
from ideation.challenges.models import Challenge, Theme
from ideation.challenges.services import THEME_REMOVAL_CHECKS, can_view, register_funnel_stage
from ideation.core.cache import cached
from ideation.core.i18n import lazy_gettext as _l
from ideation.core.models import AuditEvent
from ideation.core.pagination import Paginated
from ideation.core.permissions import can_manage
from ideation.core.routing import optional_database_id
from ideation.extensions import db
from ideation.ideas.models import Comment, CommentStatus, Idea, IdeaStatus, Support
from ideation.ideas.visibility import visibility_clause

PER_PAGE = 24
SORTS = ("newest", "supported", "discussed")


# Cards and pages show the author's name only; their memberships load when someone asks.
_AUTHOR_WITHOUT_ROLES = joinedload(Idea.author).options(lazyload(User.memberships))


def get_idea(challenge: Challenge, idea_id: int) -> Idea | None:
    return db.session.scalar(
        select(Idea).where(Idea.id == idea_id, Idea.challenge_id == challenge.id)
        .options(selectinload(Idea.images), joinedload(Idea.theme), _AUTHOR_WITHOUT_ROLES,
                 joinedload(Idea.built_on))
    )


def builds_on_this(viewer: User | None, idea: Idea) -> list[Idea]:
    """Ideas that grew from ``idea`` and that ``viewer`` may see."""
    query = select(Idea).where(Idea.built_on_id == idea.id).order_by(Idea.created_dt)
    query = query.where(visibility_clause(viewer, idea.challenge))
    return list(db.session.scalars(query))


@dataclass(frozen=True)
class Page(Paginated):
    items: list[Idea]
    page: int
    per_page: int
    total: int


_ORDER = {
    "newest": (Idea.created_dt.desc(), Idea.id.desc()),
    "supported": (Idea.support_count.desc(), Idea.created_dt.desc(), Idea.id.desc()),
    "discussed": (Idea.comment_count.desc(), Idea.created_dt.desc(), Idea.id.desc()),
}


def _count(*conditions: ColumnElement[bool]) -> int:
    return db.session.scalar(select(func.count(Idea.id)).where(*conditions)) or 0


def _gallery_filters(challenge: Challenge, manages: bool, status: IdeaStatus | None,
                     theme_id: int | None) -> list[ColumnElement[bool]]:
    """The gallery's filters, before the visibility rule."""
    filters = [Idea.challenge_id == challenge.id, Idea.merged_into_id.is_(None)]
    if status is not None:
        if not manages and status is not IdeaStatus.published:
            filters.append(false())
        filters.append(Idea.status == status)
    else:
        filters.append(Idea.status.not_in((IdeaStatus.withdrawn, IdeaStatus.draft)))
    if theme_id:
        filters.append(Idea.theme_id == theme_id)
    return filters


def _gallery_total(viewer: User | None, challenge: Challenge, manages: bool,
                   status: IdeaStatus | None, theme_id: int | None) -> int:
    """How many ideas the gallery lists for ``viewer``; the costly part is cached.

    Counting thousands of ideas is most of a gallery page's database time, and the count is
    the same for everyone who sees the same ideas: the team sees all, everyone else the
    published ones plus, when logged in, their own other ones (a small count on an index).
    """
    filters = _gallery_filters(challenge, manages, status, theme_id)
    key = ("ideas.count", challenge.id, manages, status, theme_id)
    if manages:
        return cached(key, lambda: _count(*filters))
    total = cached(key, lambda: _count(*filters, Idea.status == IdeaStatus.published))
    if viewer is not None and viewer.is_authenticated:
        total += _count(*filters, Idea.author_id == viewer.id,
                        Idea.status != IdeaStatus.published)
    return total


def gallery(challenge: Challenge, viewer: User | None, *, theme_id: int | None = None,
            status: IdeaStatus | None = None, sort: str = "newest", page: int = 1,
            per_page: int = PER_PAGE) -> Page:
    """One page of ideas: a (cached) count and a page query, plus one query for all photos.

    Without a status filter the gallery leaves withdrawn ideas out, also for the team. Ideas
    merged into another are never listed: the idea they are merged into stands for them.
    """
    if not can_view(viewer, challenge):
        return Page([], 1, per_page, 0)
    manages = can_manage(viewer, challenge)
    theme_id = optional_database_id(theme_id)
    total = _gallery_total(viewer, challenge, manages, status, theme_id)
    page = max(1, min(page, max(1, math.ceil(total / per_page))))
    items = db.session.scalars(
        select(Idea).where(*_gallery_filters(challenge, manages, status, theme_id),
                           visibility_clause(viewer, challenge))
        .options(selectinload(Idea.images), joinedload(Idea.theme), _AUTHOR_WITHOUT_ROLES)
        .order_by(*_ORDER.get(sort, _ORDER["newest"]))
        .limit(per_page).offset((page - 1) * per_page)
    ).unique().all()
    return Page(list(items), page, per_page, total)


@dataclass(frozen=True)
class MyIdea:
    idea: Idea
    history: list[AuditEvent]


def my_ideas(user: User) -> list[MyIdea]:
    """The user's own ideas in every challenge, newest first, each with its history."""
    ideas = db.session.scalars(
        select(Idea).where(Idea.author_id == user.id)
        .options(joinedload(Idea.challenge), joinedload(Idea.theme))
        .order_by(Idea.created_dt.desc(), Idea.id.desc())
    ).unique().all()
    history: dict[int, list[AuditEvent]] = {}
    if ideas:
        events = db.session.scalars(
            select(AuditEvent)
            .where(AuditEvent.object_type == Idea.__tablename__,
                   AuditEvent.object_id.in_([idea.id for idea in ideas]))
            .order_by(AuditEvent.created_dt, AuditEvent.id)
        ).unique().all()
        for event in events:
            history.setdefault(event.object_id, []).append(event)
    return [MyIdea(idea, history.get(idea.id, [])) for idea in ideas]


# --- hooks into other features ---------------------------------------------------------------


def count_published(challenge: Challenge) -> int:
    """Published ideas not merged into another: the funnel's first stage (cached)."""
    return _gallery_total(None, challenge, False, None, None)


@dataclass(frozen=True)
class TakingPart:
    """What a challenge's card on the start page counts."""

    ideas: int = 0
    people: int = 0


def taking_part(challenge_ids: Sequence[int]) -> dict[int, TakingPart]:
    """Per challenge: its published ideas (not merged into another) and the people who took
    part (sent in, supported or responded to one of those ideas). Two grouped queries for the
    whole list of challenges, cached until the next write."""
    ids = sorted(set(challenge_ids))
    if not ids:
        return {}
    return cached(("ideas.taking-part", tuple(ids)), lambda: _count_taking_part(ids))


def _count_taking_part(ids: list[int]) -> dict[int, TakingPart]:
    public = (Idea.challenge_id.in_(ids), Idea.status == IdeaStatus.published,
              Idea.merged_into_id.is_(None))
    ideas: dict[int, int] = dict(db.session.execute(  # type: ignore[arg-type]
        select(Idea.challenge_id, func.count(Idea.id)).where(*public)
        .group_by(Idea.challenge_id)).all())
    # UNION keeps each (challenge, person) pair once, so a count per challenge counts people.
    people = union(
        select(Idea.challenge_id, Idea.author_id.label("person"))
        .where(*public, Idea.author_id.is_not(None)),
        select(Idea.challenge_id, Support.user_id).join(Support, Support.idea_id == Idea.id)
        .where(*public),
        select(Idea.challenge_id, Comment.author_id).join(Comment, Comment.idea_id == Idea.id)
        .where(*public, Comment.status == CommentStatus.published,
               Comment.author_id.is_not(None)),
    ).subquery()
    counted: dict[int, int] = dict(db.session.execute(  # type: ignore[arg-type]
        select(people.c.challenge_id, func.count()).group_by(people.c.challenge_id)).all())
    return {challenge_id: TakingPart(ideas.get(challenge_id, 0), counted.get(challenge_id, 0))
            for challenge_id in ids}


def refuse_removing_used_theme(theme: Theme) -> str | None:
    """Why ``theme`` cannot be removed while ideas use it; None when none do."""
    used = db.session.scalar(select(func.count(Idea.id)).where(Idea.theme_id == theme.id)) or 0
    if used:
        return _("This theme cannot be removed: %(n)s ideas use it.", n=used)
    return None


register_funnel_stage("ideas", _l("Ideas"), count_published)
if refuse_removing_used_theme not in THEME_REMOVAL_CHECKS:
    THEME_REMOVAL_CHECKS.append(refuse_removing_used_theme)
