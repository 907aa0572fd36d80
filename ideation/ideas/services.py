"""Idea rules: submit, edit, withdraw, support, comment; and the read queries.

Every function takes the acting user and plain data, checks permission and phase, changes the
models and flushes; the view commits. Each change of an idea's status writes an AuditEvent.

Decisions where the brief left room:

* Withdrawing is always allowed for the author, also after the dream phase: people must be
  able to take their own words back.
* Supporting your own idea is allowed (it costs nothing and forbidding it confuses people).
* Editing a published idea in a pre-moderated challenge sends it back to pending, so
  pre-moderation cannot be bypassed by an edit.
* Supports and comments are not audited: they are not state changes of an idea, and the log
  would grow by one row per click.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import ColumnElement, false, func, or_, select, union
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import aliased, joinedload, lazyload, selectinload
from werkzeug.datastructures import FileStorage

from ideation.accounts.models import User
from ideation.challenges.models import AuthorDisplay, Challenge, Theme
from ideation.challenges.phases import Action, ensure_allowed
from ideation.challenges.services import (
    THEME_REMOVAL_CHECKS,
    can_view,
    register_funnel_stage,
)
from ideation.core.audit import record_event
from ideation.core.cache import cached
from ideation.core.db import utcnow
from ideation.core.i18n import lazy_gettext as _l
from ideation.core.models import AuditEvent
from ideation.core.pagination import Paginated
from ideation.core.permissions import PermissionDenied, can_manage
from ideation.core.routing import optional_database_id
from ideation.core.signals import comment_published, email_confirmed
from ideation.extensions import db
from ideation.ideas.models import (
    Comment,
    CommentStatus,
    Idea,
    IdeaImage,
    IdeaSettings,
    IdeaStatus,
    Support,
)
from ideation.media.pipeline import ImageRejected, ProcessedImage, process_image
from ideation.media.storage import ImageStore, uploads_store

MAX_PHOTOS = 3
PER_PAGE = 24
COMMENT_EDIT_WINDOW = timedelta(minutes=15)
SORTS = ("newest", "supported", "discussed")


class IdeaError(ValueError):
    """A rule was broken; ``field`` names the form field the message belongs to."""

    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.field = field


# --- settings and visibility -------------------------------------------------------------


def settings_for(challenge: Challenge) -> IdeaSettings:
    """The challenge's idea settings; an unsaved default row when none were set."""
    settings = db.session.scalar(
        select(IdeaSettings).where(IdeaSettings.challenge_id == challenge.id)
    )
    return settings or IdeaSettings(challenge_id=challenge.id, is_premoderated=False,
                                    allows_anonymous=True)


def update_settings(actor: User | None, challenge: Challenge, *, is_premoderated: bool,
                    allows_anonymous: bool) -> IdeaSettings:
    """Change pre-moderation and anonymity for a challenge (core team, admin; None = CLI)."""
    if actor is not None and not can_manage(actor, challenge):
        raise PermissionDenied()
    settings = settings_for(challenge)
    old = f"premoderated={settings.is_premoderated} anonymous={settings.allows_anonymous}"
    settings.is_premoderated, settings.allows_anonymous = is_premoderated, allows_anonymous
    db.session.add(settings)
    new = f"premoderated={is_premoderated} anonymous={allows_anonymous}"
    if old != new or settings.id is None:
        record_event(actor, "idea_settings.updated", settings, challenge=challenge, old=old,
                     new=new)
    return settings


def _is_author(user: User | None, idea: Idea) -> bool:
    return bool(user is not None and user.is_authenticated and user.id == idea.author_id)


def visible_to(viewer: User | None, idea: Idea) -> bool:
    """Published ideas to everyone who may see the challenge; the rest to author and team,
    drafts to their author only."""
    if not can_view(viewer, idea.challenge):
        return False
    if idea.status is IdeaStatus.published:
        return True
    if idea.status is IdeaStatus.draft:
        return _is_author(viewer, idea)
    return _is_author(viewer, idea) or can_manage(viewer, idea.challenge)


def shows_author_to(viewer: User | None, idea: Idea) -> bool:
    """Whether ``viewer`` may see who wrote an anonymous idea (the core team and admins)."""
    return not idea.is_anonymous or _is_author(viewer, idea) or can_manage(viewer, idea.challenge)


def _ensure_citizen(user: User | None, challenge: Challenge) -> None:
    if user is None or not user.is_authenticated or not can_view(user, challenge):
        raise PermissionDenied()


# --- photos --------------------------------------------------------------------------------


def image_store() -> ImageStore:
    return uploads_store()


def _process_photos(photos: Sequence[FileStorage]) -> list[ProcessedImage]:
    """Check every photo before anything is stored; the first bad one stops the submission."""
    chosen = [photo for photo in photos if photo is not None and photo.filename]
    if len(chosen) > MAX_PHOTOS:
        raise IdeaError(_("You can add at most %(n)s photos.", n=MAX_PHOTOS) + " "
                        + _("Choose your photos again: a browser cannot keep them."), "photos")
    max_bytes = current_app.config["IDEATION_MAX_UPLOAD_MB"] * 1024 * 1024
    processed = []
    for photo in chosen:
        try:
            processed.append(process_image(photo.stream, max_bytes=max_bytes))
        except ImageRejected as rejected:
            raise IdeaError(
                _("%(name)s: %(reason)s", name=photo.filename, reason=rejected.message) + " "
                + _("Your text is kept. Choose your photos again: a browser cannot keep them."),
                "photos",
            ) from rejected
    return processed


def _store_photos(idea: Idea, processed: list[ProcessedImage], alt_text: str | None) -> None:
    store = image_store()
    start = len(idea.images)
    for offset, image in enumerate(processed):
        key = store.save(image)
        idea.images.append(IdeaImage(storage_key=key, width=image.width, height=image.height,
                                     position=start + offset, alt_text=alt_text))


# --- submitting and changing ideas ---------------------------------------------------------


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
    _ensure_citizen(author, challenge)
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
    processed = _process_photos(images)
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
    _store_photos(idea, processed, (str(data.get("photo_alt") or "").strip()[:300]) or None)
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
    return _is_author(user, idea) and idea.status in (IdeaStatus.published, IdeaStatus.pending,
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
    if not _is_author(author, idea):
        raise PermissionDenied()
    if idea.status is IdeaStatus.withdrawn:
        return
    old = idea.status
    idea.status = IdeaStatus.withdrawn
    record_event(author, "idea.withdrawn", idea, challenge=idea.challenge, old=old,
                 new=idea.status, public=old is IdeaStatus.published)


def count_public_comments(idea: Idea) -> int:
    """Comments the public sees: published, and not a reply under a hidden comment."""
    parent = aliased(Comment)
    return db.session.scalar(
        select(func.count(Comment.id))
        .outerjoin(parent, Comment.parent_id == parent.id)
        .where(Comment.idea_id == idea.id, Comment.status == CommentStatus.published,
               or_(Comment.parent_id.is_(None), parent.status == CommentStatus.published))
    ) or 0


# --- supports -------------------------------------------------------------------------------


def has_supported(user: User | None, idea: Idea) -> bool:
    if user is None or not user.is_authenticated:
        return False
    return db.session.scalar(
        select(Support.id).where(Support.idea_id == idea.id, Support.user_id == user.id)
    ) is not None


def _ensure_can_react(user: User, idea: Idea, action: Action) -> None:
    _ensure_citizen(user, idea.challenge)
    # A merged duplicate points to the idea it was merged into; reactions belong there.
    if idea.status is not IdeaStatus.published or idea.merged_into_id is not None:
        raise PermissionDenied()
    ensure_allowed(idea.challenge, action)


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
    _ensure_can_react(user, idea, Action.support_idea)
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
    _ensure_can_react(user, idea, Action.support_idea)
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


# --- comments -------------------------------------------------------------------------------


def comment(author: User, idea: Idea, body: str, parent: Comment | None = None) -> Comment:
    """Respond to an idea, or reply to a comment. A reply to a reply joins the top comment."""
    _ensure_can_react(author, idea, Action.comment)
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


# --- reading --------------------------------------------------------------------------------


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
    query = query.where(_visibility_clause(viewer, idea.challenge))
    return list(db.session.scalars(query))


@dataclass(frozen=True)
class Page(Paginated):
    items: list[Idea]
    page: int
    per_page: int
    total: int


def _visibility_clause(viewer: User | None, challenge: Challenge) -> ColumnElement[bool]:
    """SQL form of ``visible_to`` for one challenge."""
    if can_manage(viewer, challenge):
        return or_(Idea.status != IdeaStatus.draft, Idea.author_id == viewer.id)
    published = Idea.status == IdeaStatus.published
    if viewer is not None and viewer.is_authenticated:
        return or_(published, Idea.author_id == viewer.id)
    return published


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
                           _visibility_clause(viewer, challenge))
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


def image_for_key(key: str) -> IdeaImage | None:
    return db.session.scalar(
        select(IdeaImage).where(IdeaImage.storage_key == key)
        .options(joinedload(IdeaImage.idea).joinedload(Idea.challenge))
    )


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
    used = db.session.scalar(select(func.count(Idea.id)).where(Idea.theme_id == theme.id)) or 0
    if used:
        return _("This theme cannot be removed: %(n)s ideas use it.", n=used)
    return None


register_funnel_stage("ideas", _l("Ideas"), count_published)
if refuse_removing_used_theme not in THEME_REMOVAL_CHECKS:
    THEME_REMOVAL_CHECKS.append(refuse_removing_used_theme)


@email_confirmed.connect
def _send_drafts_on_confirmation(user: User, **extra: Any) -> None:
    send_drafts(user)
