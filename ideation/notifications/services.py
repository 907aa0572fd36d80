"""Telling people what happened: in the app, and by e-mail (at once or weekly) as they chose.

The receivers at the bottom listen to the signals of other features (``core/signals.py``):
a response or reply, a concept or prototype that grew from an idea, a decision on such a
prototype, a moderation of an idea, a new report for the core team. They run inside the
transaction of the change and write their rows in it; a rollback takes them away with it.

Per topic (``texts.Topic``) a person chooses the channel. E-mails go only to confirmed,
unblocked addresses; every e-mail carries a link that stops it without logging in.
"""

from __future__ import annotations

import time
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from flask import current_app
from flask_babel import force_locale
from flask_babel import gettext as _
from markupsafe import Markup
from sqlalchemy import func, insert, select, update
from werkzeug.routing import BuildError

from ideation.accounts import tokens
from ideation.accounts.models import Membership, MembershipRole, User
from ideation.challenges.models import Challenge
from ideation.concepts.models import Concept
from ideation.core.db import utcnow
from ideation.core.i18n import in_language
from ideation.core.mail import path_for, queue_mails, site_url
from ideation.core.pagination import Paginated
from ideation.core.signals import (
    action_status_changed,
    comment_published,
    concept_published,
    idea_moderated,
    prototype_published,
    report_made,
    round_decided,
)
from ideation.extensions import db
from ideation.ideas.models import Comment, Idea, IdeaStatus
from ideation.notifications import texts
from ideation.notifications.models import Notification, NotificationPreference
from ideation.notifications.texts import Channel, Topic
from ideation.prototypes.lineage import authors_behind
from ideation.prototypes.models import Prototype

# Kept for the callers that name them here.
IDEA_IN_CONCEPT = texts.IDEA_IN_CONCEPT
IDEA_IN_PROTOTYPE = texts.IDEA_IN_PROTOTYPE
PER_PAGE = 20


def describe(notification: Notification, languages: Mapping[int | None, str]) -> Markup:
    """The sentence for a notification, in the language of whoever reads it now, with each
    title in a span that gives the language it was written in (WCAG 3.1.2). Each title is
    escaped by ``in_language``; the rest of the sentence is our own catalogue's text."""
    language = languages.get(notification.challenge_id, "nl")
    return Markup(texts.sentence(notification.kind, notification.params or {},  # noqa: S704
                                 lambda title: in_language(title, language)))


def challenge_languages(notifications: Sequence[Notification]) -> dict[int | None, str]:
    """The language of each challenge the notifications are about, in one query."""
    ids = {n.challenge_id for n in notifications if n.challenge_id is not None}
    if not ids:
        return {}
    return {challenge_id: language.value for challenge_id, language in db.session.execute(
        select(Challenge.id, Challenge.language).where(Challenge.id.in_(ids)))}


# --- preferences ------------------------------------------------------------------------------


def default_channel(user: User) -> Channel:
    return Channel.email if user.email_notifications else Channel.app


def channels_of(users: Iterable[User]) -> dict[int, dict[str, Channel]]:
    """Every chosen channel of these people, in one query: {user id: {topic: channel}}."""
    ids = [user.id for user in users]
    chosen: dict[int, dict[str, Channel]] = defaultdict(dict)
    if ids:
        for user_id, topic, channel in db.session.execute(
                select(NotificationPreference.user_id, NotificationPreference.topic,
                       NotificationPreference.channel)
                .where(NotificationPreference.user_id.in_(ids))):
            chosen[user_id][topic] = Channel(channel)
    return chosen


def channel_for(user: User, topic: Topic, chosen: dict[int, dict[str, Channel]]) -> Channel:
    return chosen.get(user.id, {}).get(topic.value) or default_channel(user)


def topics_for(user: User) -> list[Topic]:
    """The topics a person can hear about (reports only reach the core team)."""
    topics = [Topic.reply, Topic.progress, Topic.decision, Topic.moderation, Topic.actions]
    if user.is_admin or any(m.role is MembershipRole.core_team for m in user.memberships):
        topics.append(Topic.report)
    return topics


def preferences(user: User) -> dict[Topic, Channel]:
    chosen = channels_of([user])
    return {topic: channel_for(user, topic, chosen) for topic in topics_for(user)}


def set_preferences(user: User, choices: dict[Topic, Channel]) -> None:
    existing = {p.topic: p for p in db.session.scalars(
        select(NotificationPreference).where(NotificationPreference.user_id == user.id))}
    for topic, channel in choices.items():
        row = existing.get(topic.value)
        if row is None:
            db.session.add(NotificationPreference(user_id=user.id, topic=topic.value,
                                                  channel=channel.value))
        elif row.channel != channel.value:
            row.channel, row.updated_dt = channel.value, utcnow()
    db.session.flush()


def unsubscribe(user: User, scope: str) -> list[Topic]:
    """Stop e-mails for one topic, or for all ("all"); the notifications stay in the app."""
    topics = list(Topic) if scope == "all" else [Topic(scope)]
    set_preferences(user, dict.fromkeys(topics, Channel.app))
    return topics


def unsubscribe_link(user: User, scope: str) -> str:
    return site_url(path_for("notifications.unsubscribe",
                             token=tokens.unsubscribe_token(user, scope)))


# --- creating notifications -------------------------------------------------------------------


def _mail(user: User, row: dict[str, Any]) -> tuple[str, str, str, None]:
    """The e-mail copy, in the person's language, with the link that stops it."""
    topic = texts.TOPIC_OF[row["kind"]]
    with force_locale(user.locale or current_app.config["BABEL_DEFAULT_LOCALE"]):
        body = "\n".join([
            _("Hello %(name)s,", name=user.name), "",
            texts.sentence(row["kind"], row["params"]), "",
            _("See what happened: %(link)s", link=site_url(row["link"])), "",
            texts.footer(str(topic.label), unsubscribe_link(user, topic.value),
                         site_url(path_for("notifications.settings"))), "",
        ])
        return user.email, texts.subject(row["kind"], row["params"]), body, None


def may_email(user: User) -> bool:
    return user.is_confirmed and not user.is_blocked


def notify(users: Iterable[User], kind: str, key: str, link: str,
           params: dict[str, Any] | list[dict[str, Any]], challenge_id: int | None) -> int:
    """Write one notification per person (once per ``key``) and send the e-mails of those who
    chose e-mail at once. ``params`` may be one dict for all, or one per person. A fixed number
    of queries, however many people."""
    people = list(users)
    per_person = params if isinstance(params, list) else [params] * len(people)
    told = set(db.session.scalars(select(Notification.user_id).where(
        Notification.key == key, Notification.user_id.in_([u.id for u in people]))))
    pairs = [(user, p) for user, p in zip(people, per_person, strict=True)
             if user.id not in told and not user.is_blocked]
    if not pairs:
        return 0
    rows = [{"user_id": user.id, "challenge_id": challenge_id, "key": key, "kind": kind,
             "link": link, "params": p} for user, p in pairs]
    db.session.execute(insert(Notification), rows)
    topic = texts.TOPIC_OF[kind]
    chosen = channels_of([user for user, _p in pairs])
    queue_mails(_mail(user, row) for (user, _p), row in zip(pairs, rows, strict=True)
                if may_email(user) and channel_for(user, topic, chosen) is Channel.email)
    return len(rows)


def public_path(obj: Concept | Prototype) -> str:
    """The internal path of the public page of a concept or prototype."""
    slug = obj.challenge.slug
    try:
        if isinstance(obj, Prototype):
            return path_for("prototypes.show", slug=slug, prototype_id=obj.id)
        return path_for("concepts.show", slug=slug, concept_id=obj.id)
    except BuildError:  # that page does not exist (yet): the challenge page is the next best
        return path_for("challenges.show", slug=slug)


def _authors_of(concept: Concept) -> tuple[list[User], dict[int, list[str]]]:
    """The people behind a concept's ideas, and per person the titles of their ideas."""
    ideas_of: dict[int, dict[int, None]] = defaultdict(dict)  # author -> idea ids, in order
    for idea_id, author_id in authors_behind(concept):
        ideas_of[author_id][idea_id] = None
    if not ideas_of:
        return [], {}
    users = db.session.scalars(
        select(User).where(User.id.in_(list(ideas_of)), User.is_blocked.is_(False))
        .order_by(User.id)).all()
    titles = dict(db.session.execute(
        select(Idea.id, Idea.title).where(Idea.id.in_({i for u in users for i in ideas_of[u.id]}))
    ).all())
    return list(users), {u.id: [titles[i] for i in ideas_of[u.id]] for u in users}


def notify_idea_authors(obj: Concept | Prototype) -> int:
    """Tell every author behind a published concept or prototype that their idea is part of
    it: once per person per object."""
    if not obj.is_published:
        return 0
    if isinstance(obj, Prototype):
        concept, kind, key = obj.concept, texts.IDEA_IN_PROTOTYPE, f"prototype:{obj.id}"
    else:
        concept, kind, key = obj, texts.IDEA_IN_CONCEPT, f"concept:{obj.id}"
    users, titles = _authors_of(concept)
    params = [{"titles": titles[u.id], "object": obj.title, "challenge": obj.challenge.title}
              for u in users]
    return notify(users, kind, key, public_path(obj), params, obj.challenge_id)


def notify_reply(item: Comment) -> int:
    """A new public response: tell the idea's author, and for a reply the author of the
    response it answers (never the writer themselves)."""
    idea = item.idea
    slug = idea.challenge.slug
    link = path_for("ideas.show", slug=slug, idea_id=idea.id) + f"#comment-{item.id}"
    params = {"idea": idea.title, "challenge": idea.challenge.title}
    told = 0
    parent_author = item.parent.author if item.parent is not None else None
    if parent_author is not None and parent_author.id not in (item.author_id, idea.author_id):
        told += notify([parent_author], texts.REPLY_TO_COMMENT, f"comment:{item.id}", link,
                       params, idea.challenge_id)
    if idea.author is not None and idea.author_id != item.author_id:
        kind = (texts.REPLY_TO_COMMENT if parent_author is not None
                and parent_author.id == idea.author_id else texts.REPLY_TO_IDEA)
        told += notify([idea.author], kind, f"comment:{item.id}", link, params,
                       idea.challenge_id)
    return told


def notify_decision(decision: Any) -> int:
    """A decision on a prototype: tell the authors of the ideas it grew from."""
    prototype = decision.round.prototype
    users, titles = _authors_of(prototype.concept)
    params = [{"titles": titles[u.id], "object": prototype.title,
               "outcome": decision.outcome.value, "challenge": prototype.challenge.title}
              for u in users]
    return notify(users, texts.PROTOTYPE_DECISION, f"decision:{decision.id}",
                  public_path(prototype), params, prototype.challenge_id)


def notify_moderation(idea: Idea, actor: User | None, status: IdeaStatus,
                      reason: str | None) -> int:
    if idea.author is None or (actor is not None and actor.id == idea.author_id):
        return 0
    kind = texts.IDEA_PUBLISHED if status is IdeaStatus.published else texts.IDEA_HIDDEN
    path = (path_for("ideas.show", slug=idea.challenge.slug, idea_id=idea.id)
            if status is IdeaStatus.published else path_for("ideas.mine"))
    # Each decision is news of its own, also a second one on the same idea.
    key = f"moderation:{idea.id}:{status.value}:{time.time_ns()}"
    return notify([idea.author], kind, key, path,
                  {"idea": idea.title, "reason": reason or "",
                   "challenge": idea.challenge.title}, idea.challenge_id)


def notify_report(report: Any) -> int:
    """A new report: tell the challenge's core team (not the person who reported)."""
    idea = report.idea or report.comment.idea
    team = db.session.scalars(
        select(User).join(Membership, Membership.user_id == User.id)
        .where(Membership.challenge_id == report.challenge_id,
               Membership.role == MembershipRole.core_team,
               User.id != (report.reporter_id or 0))
        .order_by(User.id)).all()
    link = path_for("moderation.queue", slug=idea.challenge.slug) + "?tab=reported"
    return notify(team, texts.NEW_REPORT, f"report:{report.id}", link,
                  {"idea": idea.title, "challenge": idea.challenge.title},
                  report.challenge_id)


def notify_action_status(action: Any) -> int:
    """An action of a published agenda changed its status: tell the authors of the ideas
    behind the concepts and prototypes it carries forward, and everyone who follows the
    challenge (each once per change)."""
    from ideation.reports.services import followers_of

    challenge = action.agenda.challenge
    concepts = {c.id: c for c in action.concepts}
    for prototype in action.prototypes:
        concepts.setdefault(prototype.concept_id, prototype.concept)
    people: dict[int, User] = {}
    for concept in concepts.values():
        for user in _authors_of(concept)[0]:
            people.setdefault(user.id, user)
    for user in followers_of(challenge):
        people.setdefault(user.id, user)
    if not people:
        return 0
    link = path_for("reports.agenda", slug=challenge.slug) + f"#action-{action.id}"
    key = f"action:{action.id}:{len(action.history)}"
    return notify(list(people.values()), texts.ACTION_STATUS, key, link,
                  {"object": action.title, "status": action.status.value,
                   "challenge": challenge.title}, challenge.id)


@action_status_changed.connect
def _on_action_status_changed(action: Any, **extra: Any) -> None:
    notify_action_status(action)


@concept_published.connect
def _on_concept_published(concept: Concept, **extra: Any) -> None:
    notify_idea_authors(concept)


@prototype_published.connect
def _on_prototype_published(prototype: Prototype, **extra: Any) -> None:
    notify_idea_authors(prototype)


@comment_published.connect
def _on_comment_published(item: Comment, **extra: Any) -> None:
    notify_reply(item)


@round_decided.connect
def _on_round_decided(decision: Any, **extra: Any) -> None:
    notify_decision(decision)


@idea_moderated.connect
def _on_idea_moderated(idea: Idea, actor: User | None = None, status: IdeaStatus | None = None,
                       reason: str | None = None, **extra: Any) -> None:
    if status is not None:
        notify_moderation(idea, actor, status, reason)


@report_made.connect
def _on_report_made(report: Any, **extra: Any) -> None:
    notify_report(report)


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
