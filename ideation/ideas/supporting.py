"""Supporting an idea: once per person, counted with the ideas merged into it.

Decisions where the brief left room:

* Supporting your own idea is allowed (it costs nothing and forbidding it confuses people).
* Supports are not audited: they are not state changes of an idea, and the log would grow by
  one row per click.
"""

from __future__ import annotations

from sqlalchemy import func, or_, select
from sqlalchemy.exc import IntegrityError

from ideation.accounts.models import User
from ideation.challenges.phases import Action
from ideation.extensions import db
from ideation.ideas.models import Idea, Support
from ideation.ideas.visibility import ensure_can_react


def has_supported(user: User | None, idea: Idea) -> bool:
    if user is None or not user.is_authenticated:
        return False
    return db.session.scalar(
        select(Support.id).where(Support.idea_id == idea.id, Support.user_id == user.id)
    ) is not None


def count_supporters(idea: Idea) -> int:
    """Distinct people who support ``idea`` or an idea merged into it (counted once)."""
    merged = select(Idea.id).where(Idea.merged_into_id == idea.id)
    return db.session.scalar(
        select(func.count(func.distinct(Support.user_id)))
        .where(or_(Support.idea_id == idea.id, Support.idea_id.in_(merged)))
    ) or 0


def _update_support_count(idea: Idea, change: int) -> None:
    has_merged = db.session.scalar(
        select(Idea.id).where(Idea.merged_into_id == idea.id).limit(1)
    )
    if has_merged is None:
        # An SQL increment, so two people supporting at once both count.
        idea.support_count = Idea.support_count + change
    else:
        db.session.flush()
        idea.support_count = count_supporters(idea)


def support(user: User, idea: Idea) -> bool:
    """Support an idea once per person. Returns False when the person already supported it."""
    ensure_can_react(user, idea, Action.support_idea)
    if has_supported(user, idea):
        return False
    try:
        with db.session.begin_nested():  # a double click racing itself meets the unique key
            db.session.add(Support(idea_id=idea.id, user_id=user.id))
    except IntegrityError:
        return False
    _update_support_count(idea, +1)
    db.session.flush()
    return True


def unsupport(user: User, idea: Idea) -> bool:
    """Take a support back. Returns False when there was none."""
    ensure_can_react(user, idea, Action.support_idea)
    existing = db.session.scalar(
        select(Support).where(Support.idea_id == idea.id, Support.user_id == user.id)
    )
    if existing is None:
        return False
    db.session.delete(existing)
    _update_support_count(idea, -1)
    db.session.flush()
    return True


def toggle_support(user: User, idea: Idea) -> bool:
    """Support, or undo the support; returns whether the user now supports the idea."""
    if has_supported(user, idea):
        unsupport(user, idea)
        return False
    support(user, idea)
    return True
