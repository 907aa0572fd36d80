"""The admin's list of accounts: find a person by name or address and see what they hold
before acting on their account (deleting it is ``privacy.erasure.delete_account``)."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, or_, select

from ideation.accounts.models import Membership, User
from ideation.core.db import contains_pattern
from ideation.core.pagination import Paginated
from ideation.core.permissions import ensure_admin
from ideation.extensions import db
from ideation.ideas.models import Comment, Idea

PER_PAGE = 50


@dataclass
class PeoplePage(Paginated):
    items: list[User]
    page: int
    per_page: int
    total: int
    query: str


def people_page(actor: User, query: str = "", page: int = 1,
                per_page: int = PER_PAGE) -> PeoplePage:
    """Accounts, newest first, whose name or e-mail address contains ``query``."""
    ensure_admin(actor)
    query = query.strip()
    conditions = []
    if query:
        pattern = contains_pattern(query)
        conditions.append(or_(User.name.ilike(pattern, escape="\\"),
                              User.email.ilike(pattern, escape="\\")))
    total = db.session.scalar(select(func.count(User.id)).where(*conditions)) or 0
    page = min(max(page, 1), max(1, -(-total // per_page)))
    items = list(db.session.scalars(
        select(User).where(*conditions).order_by(User.created_dt.desc(), User.id.desc())
        .limit(per_page).offset((page - 1) * per_page)))
    return PeoplePage(items=items, page=page, per_page=per_page, total=total, query=query)


@dataclass(frozen=True)
class PersonSummary:
    """What an account holds, for the admin deciding about it."""

    memberships: list[Membership]
    ideas: int
    comments: int


def person_summary(actor: User, user: User) -> PersonSummary:
    ensure_admin(actor)
    ideas = db.session.scalar(select(func.count(Idea.id)).where(Idea.author_id == user.id))
    comments = db.session.scalar(
        select(func.count(Comment.id)).where(Comment.author_id == user.id))
    return PersonSummary(memberships=list(user.memberships), ideas=ideas or 0,
                         comments=comments or 0)
