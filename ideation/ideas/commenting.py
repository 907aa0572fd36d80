"""Responses to an idea and replies to them: writing, correcting, and the threads a viewer sees.

Comments are not audited when written: they are not state changes of an idea, and the log would
grow by one row per response. Hiding one is moderation's (``moderation.services``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from flask_babel import gettext as _
from sqlalchemy import func, or_, select
from sqlalchemy.orm import aliased, joinedload

from ideation.accounts.models import User
from ideation.challenges.phases import Action, ensure_allowed
from ideation.core.db import utcnow
from ideation.core.permissions import PermissionDenied, can_manage
from ideation.core.signals import comment_published
from ideation.extensions import db
from ideation.ideas.errors import IdeaError
from ideation.ideas.models import Comment, CommentStatus, Idea
from ideation.ideas.visibility import ensure_can_react

COMMENT_EDIT_WINDOW = timedelta(minutes=15)


def count_public_comments(idea: Idea) -> int:
    """Comments the public sees: published, and not a reply under a hidden comment."""
    parent = aliased(Comment)
    return db.session.scalar(
        select(func.count(Comment.id))
        .outerjoin(parent, Comment.parent_id == parent.id)
        .where(Comment.idea_id == idea.id, Comment.status == CommentStatus.published,
               or_(Comment.parent_id.is_(None), parent.status == CommentStatus.published))
    ) or 0


def comment(author: User, idea: Idea, body: str, parent: Comment | None = None) -> Comment:
    """Respond to an idea, or reply to a comment. A reply to a reply joins the top comment."""
    ensure_can_react(author, idea, Action.comment)
    body = body.strip()
    if not body:
        raise IdeaError(_("Write a response first."), "body")
    if parent is not None:
        if parent.idea_id != idea.id:
            raise IdeaError(_("This response cannot be found."), "parent_id")
        parent = parent.parent or parent
        if parent.status is not CommentStatus.published:
            # A reply under a hidden comment would be hidden too, yet counted.
            raise IdeaError(_("This response cannot be found."), "parent_id")
    if not author.is_confirmed:  # waits as a draft until the address is confirmed
        new = Comment(idea_id=idea.id, author=author, parent=parent, body=body,
                      status=CommentStatus.draft)
        db.session.add(new)
        db.session.flush()
        return new
    new = Comment(idea_id=idea.id, author=author, parent=parent, body=body)
    db.session.add(new)
    idea.comment_count = Idea.comment_count + 1
    db.session.flush()
    comment_published.send(new, actor=author)
    return new


def can_edit_comment(user: User | None, item: Comment) -> bool:
    return (user is not None and user.is_authenticated and item.author_id == user.id
            and (item.status is CommentStatus.draft
                 or (item.status is CommentStatus.published
                     and utcnow() - item.created_dt <= COMMENT_EDIT_WINDOW)))


def edit_comment(author: User, item: Comment, body: str) -> None:
    """The author corrects a response within 15 minutes of writing it."""
    if author is None or not author.is_authenticated or item.author_id != author.id:
        raise PermissionDenied()
    if not can_edit_comment(author, item):
        raise IdeaError(_("You can change a response only in the first 15 minutes."), "body")
    ensure_allowed(item.idea.challenge, Action.comment)
    body = body.strip()
    if not body:
        raise IdeaError(_("Write a response first."), "body")
    item.body = body
    item.edited_dt = utcnow()


@dataclass(frozen=True)
class Thread:
    comment: Comment
    replies: list[Comment]


def comment_threads(viewer: User | None, idea: Idea) -> list[Thread]:
    """Top-level comments in order, each with its replies.

    Hidden comments only for the team and, so they can read why, for their own author; the
    replies under a hidden comment go with it.
    """
    query = (select(Comment).where(Comment.idea_id == idea.id)
             .options(joinedload(Comment.author)).order_by(Comment.created_dt, Comment.id))
    if not can_manage(viewer, idea.challenge):
        shown = Comment.status == CommentStatus.published
        if viewer is not None and viewer.is_authenticated:
            shown = or_(shown, Comment.author_id == viewer.id)
        query = query.where(shown)
    else:  # the team sees hidden ones too, but a draft is its author's alone
        query = query.where(or_(Comment.status != CommentStatus.draft,
                                Comment.author_id == getattr(viewer, "id", None)))
    comments = db.session.scalars(query).all()
    replies: dict[int, list[Comment]] = {}
    for item in comments:
        if item.parent_id is not None:
            replies.setdefault(item.parent_id, []).append(item)
    return [Thread(item, replies.get(item.id, [])) for item in comments if item.parent_id is None]
