"""Sending in, changing and withdrawing ideas; drafts sent in once the address is confirmed.

Every function takes the acting user and plain data, checks permission and phase, changes the
models and flushes; the view commits. Each change of an idea's status writes an AuditEvent.

Decisions where the brief left room:

* Withdrawing is always allowed for the author, also after the dream phase: people must be
  able to take their own words back.
* Editing a published idea in a pre-moderated challenge sends it back to pending, so
  pre-moderation cannot be bypassed by an edit.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import select
from werkzeug.datastructures import FileStorage

from ideation.accounts.models import User
from ideation.challenges.models import AuthorDisplay, Challenge, Theme
from ideation.challenges.phases import Action, ensure_allowed
from ideation.core.audit import record_event
from ideation.core.db import utcnow
from ideation.core.permissions import PermissionDenied
from ideation.core.routing import optional_database_id
from ideation.core.signals import comment_published, email_confirmed
from ideation.extensions import db
from ideation.ideas.commenting import count_public_comments
from ideation.ideas.errors import IdeaError
from ideation.ideas.models import Comment, CommentStatus, Idea, IdeaSettings, IdeaStatus
from ideation.ideas.photos import process_photos, store_photos
from ideation.ideas.visibility import ensure_citizen, is_author, settings_for


def _theme(challenge: Challenge, theme_id: Any) -> Theme | None:
    if theme_id in (None, "", 0):
        return None
    key = optional_database_id(theme_id)
    theme = db.session.get(Theme, key) if key else None
    if theme is None or theme.challenge_id != challenge.id:
        raise IdeaError(_("Choose one of the themes of this challenge."), "theme_id")
    return theme


def _clean_text(data: Mapping[str, Any]) -> tuple[str, str]:
    title = (data.get("title") or "").strip()
    description = (data.get("description") or "").strip()
    if not title:
        raise IdeaError(_("Give your idea a short title."), "title")
    if not description:
        raise IdeaError(_("Describe your idea."), "description")
    return title[:120], description


def submit_idea(author: User, challenge: Challenge, data: Mapping[str, Any],
                images: Sequence[FileStorage] = ()) -> Idea:
    """Send in an idea during the dream phase, with up to three photos.

    ``data``: title, description, theme_id, is_anonymous, consent, built_on_id. Photos are all
    checked before anything is stored; a bad one raises IdeaError on the field "photos".
    """
    ensure_citizen(author, challenge)
    ensure_allowed(challenge, Action.submit_idea)
    if not data.get("consent"):
        raise IdeaError(_("You can only send in your idea if you agree."), "consent")
    title, description = _clean_text(data)
    theme = _theme(challenge, data.get("theme_id"))
    settings = settings_for(challenge)
    built_on = None
    if data.get("built_on_id"):
        key = optional_database_id(data["built_on_id"])
        built_on = db.session.get(Idea, key) if key else None
        if (built_on is None or built_on.challenge_id != challenge.id
                or built_on.status is not IdeaStatus.published):
            raise IdeaError(_("The idea you build on cannot be found."), "built_on_id")
    processed = process_photos(images)
    pseudonym = str(data.get("pseudonym") or "").strip()[:60]
    if pseudonym and challenge.author_display is AuthorDisplay.pseudonym:
        author.pseudonym = pseudonym
    idea = Idea(
        challenge=challenge, author=author, theme=theme, title=title, description=description,
        is_anonymous=bool(data.get("is_anonymous")) and settings.allows_anonymous,
        status=_arrival_status(settings) if author.is_confirmed else IdeaStatus.draft,
        built_on=built_on,
    )
    db.session.add(idea)
    db.session.flush()
    store_photos(idea, processed, (str(data.get("photo_alt") or "").strip()[:300]) or None)
    if idea.status is IdeaStatus.draft:
        record_event(author, "idea.drafted", idea, challenge=challenge, new=idea.status)
    else:
        _record_submission(author, idea)
    return idea


def _arrival_status(settings: IdeaSettings) -> IdeaStatus:
    return IdeaStatus.pending if settings.is_premoderated else IdeaStatus.published


def _record_submission(author: User, idea: Idea) -> None:
    record_event(author, "idea.submitted", idea, challenge=idea.challenge, new=idea.status,
                 public=idea.status is IdeaStatus.published,
                 details={"built_on_id": idea.built_on_id} if idea.built_on_id else None)


def send_drafts(author: User) -> tuple[int, int]:
    """Send in what ``author`` wrote before confirming their address: ideas as if sent now
    (checked first when the challenge pre-moderates), responses placed. They are sent even
    when the phase has closed since: the person acted while it was open. Returns
    (ideas, responses)."""
    ideas = db.session.scalars(
        select(Idea).where(Idea.author_id == author.id, Idea.status == IdeaStatus.draft)
        .order_by(Idea.id)).all()
    for idea in ideas:
        idea.status = _arrival_status(settings_for(idea.challenge))
        _record_submission(author, idea)
    comments = db.session.scalars(
        select(Comment).where(Comment.author_id == author.id,
                              Comment.status == CommentStatus.draft)
        .order_by(Comment.id)).all()
    for item in comments:
        item.status = CommentStatus.published
    db.session.flush()
    for idea_id in sorted({item.idea_id for item in comments}):
        idea = db.session.get(Idea, idea_id)
        idea.comment_count = count_public_comments(idea)
    for item in comments:
        comment_published.send(item, actor=author)
    return len(ideas), len(comments)


def can_edit(user: User | None, idea: Idea) -> bool:
    return is_author(user, idea) and idea.status in (IdeaStatus.published, IdeaStatus.pending,
                                                     IdeaStatus.draft)


def edit_idea(author: User, idea: Idea, data: Mapping[str, Any]) -> None:
    """The author changes title, text and theme while the dream phase is open."""
    if not can_edit(author, idea):
        raise PermissionDenied()
    ensure_allowed(idea.challenge, Action.edit_idea)
    idea.title, idea.description = _clean_text(data)
    idea.theme = _theme(idea.challenge, data.get("theme_id"))
    idea.updated_dt = utcnow()
    old = idea.status
    if settings_for(idea.challenge).is_premoderated and old is IdeaStatus.published:
        idea.status = IdeaStatus.pending
    record_event(author, "idea.edited", idea, challenge=idea.challenge, old=old, new=idea.status,
                 public=idea.status is IdeaStatus.published)


def withdraw_idea(author: User, idea: Idea) -> None:
    """The author takes the idea back; allowed in every phase."""
    if not is_author(author, idea):
        raise PermissionDenied()
    if idea.status is IdeaStatus.withdrawn:
        return
    old = idea.status
    idea.status = IdeaStatus.withdrawn
    record_event(author, "idea.withdrawn", idea, challenge=idea.challenge, old=old,
                 new=idea.status, public=old is IdeaStatus.published)


@email_confirmed.connect
def _send_drafts_on_confirmation(user: User, **extra: Any) -> None:
    send_drafts(user)
