"""Telling citizens what became of their ideas: in the app, and by e-mail when they agreed.

The receivers below are connected to ``concept_published`` and ``prototype_published`` when
this module is imported (the notifications blueprint imports it). They run inside the
publishing service's transaction and write their rows in it; the view commits, or a rollback
takes the notifications and e-mails away with the change.

A notification stores a kind and its parameters, not a sentence: the text is written when it
is shown, in the reader's language of that moment.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from flask import current_app
from flask_babel import force_locale, ngettext
from flask_babel import gettext as _
from markupsafe import Markup
from sqlalchemy import func, insert, select, update
from werkzeug.routing import BuildError

from ideation.accounts.models import User
from ideation.challenges.models import Challenge
from ideation.concepts.models import Concept
from ideation.core.db import utcnow
from ideation.core.i18n import in_language
from ideation.core.mail import path_for, queue_mails, site_url
from ideation.core.pagination import Paginated
from ideation.core.signals import concept_published, prototype_published
from ideation.extensions import db
from ideation.ideas.models import Idea
from ideation.notifications.models import Notification
from ideation.prototypes.lineage import authors_behind
from ideation.prototypes.models import Prototype

IDEA_IN_CONCEPT = "idea_in_concept"
IDEA_IN_PROTOTYPE = "idea_in_prototype"
PER_PAGE = 20


# --- texts, in the language of whoever reads them ---------------------------------------------


def _quoted(titles: Sequence[str]) -> str:
    return ", ".join(f"“{title}”" for title in titles)


def sentence(kind: str, params: dict[str, Any], mark: Callable[[str], str] = str) -> str:
    """What happened, in the current language; ``mark`` wraps each title."""
    titles = [mark(title) for title in params.get("titles") or []]
    values = {"ideas": _quoted(titles), "object": mark(params.get("object", ""))}
    if kind == IDEA_IN_PROTOTYPE:
        return ngettext("Your idea %(ideas)s is now part of the prototype “%(object)s”.",
                        "Your ideas %(ideas)s are now part of the prototype “%(object)s”.",
                        max(len(titles), 1), **values)
    if kind == IDEA_IN_CONCEPT:
        return ngettext("Your idea %(ideas)s is now part of the concept “%(object)s”.",
                        "Your ideas %(ideas)s are now part of the concept “%(object)s”.",
                        max(len(titles), 1), **values)
    return _("There is news about your idea.")


def describe(notification: Notification, languages: Mapping[int | None, str]) -> Markup:
    """The sentence for a notification, in the language of whoever reads it now, with each
    title in a span that gives the language it was written in (WCAG 3.1.2). Each title is
    escaped by ``in_language``; the rest of the sentence is our own catalogue's text."""
    language = languages.get(notification.challenge_id, "nl")
    return Markup(sentence(notification.kind, notification.params or {},  # noqa: S704
                           lambda title: in_language(title, language)))


def challenge_languages(notifications: Sequence[Notification]) -> dict[int | None, str]:
    """The language of each challenge the notifications are about, in one query."""
    ids = {n.challenge_id for n in notifications if n.challenge_id is not None}
    if not ids:
        return {}
    return {challenge_id: language.value for challenge_id, language in db.session.execute(
        select(Challenge.id, Challenge.language).where(Challenge.id.in_(ids)))}


def _subject(kind: str, params: dict[str, Any]) -> str:
    count = max(len(params.get("titles") or []), 1)
    if kind == IDEA_IN_PROTOTYPE:
        return ngettext("Your idea is now part of a prototype",
                        "Your ideas are now part of a prototype", count)
    return ngettext("Your idea is now part of a concept",
                    "Your ideas are now part of a concept", count)


def _mail_text(user: User, kind: str, params: dict[str, Any], link: str) -> str:
    return "\n".join([
        _("Hello %(name)s,", name=user.name),
        "",
        sentence(kind, params),
        _("This is part of the challenge “%(challenge)s”.", challenge=params.get("challenge", "")),
        "",
        _("See what happened: %(link)s", link=site_url(link)),
        "",
        "-- ",
        _("You get this e-mail because you asked for updates about your ideas. "
          "To stop these e-mails, change this on your account page: %(link)s",
          link=site_url(path_for("accounts.profile"))),
        "",
    ])


def _mail_copy(user: User, row: dict[str, Any]) -> tuple[str, str, str, None]:
    """The e-mail copy, in the language the person chose (or the platform's default)."""
    with force_locale(user.locale or current_app.config["BABEL_DEFAULT_LOCALE"]):
        return (user.email, _subject(row["kind"], row["params"]),
                _mail_text(user, row["kind"], row["params"], row["link"]), None)


# --- creating notifications ------------------------------------------------------------------


def public_path(obj: Concept | Prototype) -> str:
    """The internal path of the public page of a concept or prototype."""
    slug = obj.challenge.slug
    try:
        if isinstance(obj, Prototype):
            return path_for("prototypes.show", slug=slug, prototype_id=obj.id)
        return path_for("concepts.show", slug=slug, concept_id=obj.id)
    except BuildError:  # that page does not exist (yet): the challenge page is the next best
        return path_for("challenges.show", slug=slug)


def notify_idea_authors(obj: Concept | Prototype) -> int:
    """Tell every author behind a published concept or prototype that their idea is part of
    it: once per person per object, blocked accounts excepted, by e-mail as well for those who
    agreed. Runs a fixed number of queries, whatever the number of authors."""
    if not obj.is_published:
        return 0
    if isinstance(obj, Prototype):
        concept, kind, key = obj.concept, IDEA_IN_PROTOTYPE, f"prototype:{obj.id}"
    else:
        concept, kind, key = obj, IDEA_IN_CONCEPT, f"concept:{obj.id}"
    link = public_path(obj)

    ideas_of: dict[int, dict[int, None]] = defaultdict(dict)  # author -> idea ids, in order
    for idea_id, author_id in authors_behind(concept):
        ideas_of[author_id][idea_id] = None
    told = set(db.session.scalars(select(Notification.user_id).where(Notification.key == key)))
    wanted = set(ideas_of) - told
    if not wanted:
        return 0
    users = db.session.scalars(
        select(User).where(User.id.in_(wanted), User.is_blocked.is_(False)).order_by(User.id)
    ).all()
    titles = dict(db.session.execute(
        select(Idea.id, Idea.title).where(Idea.id.in_({i for u in users for i in ideas_of[u.id]}))
    ).all())

    rows = [{"user_id": user.id, "challenge_id": obj.challenge_id, "key": key, "kind": kind,
             "link": link, "params": {"titles": [titles[i] for i in ideas_of[user.id]],
                                      "object": obj.title, "challenge": obj.challenge.title}}
            for user in users]
    if rows:  # one statement each, however many people
        db.session.execute(insert(Notification), rows)
        queue_mails(_mail_copy(user, row) for user, row in zip(users, rows, strict=True)
                    if user.email_notifications)
    return len(rows)


@concept_published.connect
def _on_concept_published(concept: Concept, **extra: Any) -> None:
    notify_idea_authors(concept)


@prototype_published.connect
def _on_prototype_published(prototype: Prototype, **extra: Any) -> None:
    notify_idea_authors(prototype)


# --- reading them ----------------------------------------------------------------------------


@dataclass(frozen=True)
class NotificationPage(Paginated):
    items: list[Notification]
    page: int
    per_page: int
    total: int


def notifications_of(user: User, page: int = 1) -> NotificationPage:
    """The user's notifications, newest first."""
    total = db.session.scalar(
        select(func.count(Notification.id)).where(Notification.user_id == user.id)) or 0
    items = db.session.scalars(
        select(Notification).where(Notification.user_id == user.id)
        .order_by(Notification.created_dt.desc(), Notification.id.desc())
        .limit(PER_PAGE).offset((page - 1) * PER_PAGE)
    ).all()
    return NotificationPage(items=list(items), page=page, per_page=PER_PAGE, total=total)


def count_unread(user: User) -> int:
    return db.session.scalar(
        select(func.count(Notification.id))
        .where(Notification.user_id == user.id, Notification.read_dt.is_(None))
    ) or 0


def open_notification(user: User, notification_id: int) -> Notification | None:
    """Mark one of the user's own notifications as read; None when it is not theirs."""
    notification = db.session.get(Notification, notification_id)
    if notification is None or notification.user_id != user.id:
        return None
    if notification.read_dt is None:
        notification.read_dt = utcnow()
        db.session.flush()
    return notification


def mark_all_read(user: User) -> int:
    """Mark every unread notification of the user as read; returns how many."""
    result = db.session.execute(
        update(Notification)
        .where(Notification.user_id == user.id, Notification.read_dt.is_(None))
        .values(read_dt=utcnow())
        .execution_options(synchronize_session=False)
    )
    return result.rowcount
