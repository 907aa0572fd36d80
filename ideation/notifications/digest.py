"""The weekly e-mail: everything of the topics a person chose "weekly" for, in one message.

It runs on its own (``core/schedule.py``: checked daily by the web workers) and from
``flask notifications digest``. A person gets at most one digest a week, and only when there
is something new since the last one.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import timedelta

from flask import current_app
from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy import func, select

from ideation.accounts.models import User
from ideation.core.db import utcnow
from ideation.core.mail import path_for, queue_mail, site_url
from ideation.extensions import db
from ideation.notifications import texts
from ideation.notifications.models import Notification, NotificationPreference
from ideation.notifications.services import may_email, unsubscribe_link
from ideation.notifications.texts import Channel

WEEK = timedelta(days=7)
BATCH = 200


def _kinds_of(topics: set[str]) -> list[str]:
    return [kind for kind, topic in texts.TOPIC_OF.items() if topic.value in topics]


def send_digests(limit: int = BATCH) -> int:
    """Queue the weekly e-mail for up to ``limit`` people whose week has passed; returns how
    many were sent. The caller commits."""
    now = utcnow()
    due = db.session.scalars(
        select(User).join(NotificationPreference, NotificationPreference.user_id == User.id)
        .where(NotificationPreference.channel == Channel.digest.value,
               User.is_blocked.is_(False), User.email_confirmed_dt.is_not(None),
               (User.digest_sent_dt.is_(None)) | (User.digest_sent_dt <= now - WEEK))
        .distinct().order_by(User.id).limit(limit)).all()
    if not due:
        return 0
    topics: dict[int, set[str]] = defaultdict(set)
    for user_id, topic in db.session.execute(
            select(NotificationPreference.user_id, NotificationPreference.topic)
            .where(NotificationPreference.user_id.in_([u.id for u in due]),
                   NotificationPreference.channel == Channel.digest.value)):
        topics[user_id].add(topic)
    # One query for everyone's news since their last digest (or the past week).
    waiting: dict[int, list[Notification]] = defaultdict(list)
    for item in db.session.scalars(
            select(Notification).join(User, User.id == Notification.user_id)
            .where(Notification.user_id.in_([u.id for u in due]),
                   Notification.created_dt > func.coalesce(User.digest_sent_dt, now - WEEK),
                   Notification.kind.in_(_kinds_of({t for ts in topics.values() for t in ts})))
            .order_by(Notification.user_id, Notification.created_dt, Notification.id)):
        if texts.TOPIC_OF[item.kind].value in topics[item.user_id]:
            waiting[item.user_id].append(item)
    sent = 0
    for user in due:
        items = waiting[user.id][:100]
        if not items or not may_email(user):
            continue
        _queue(user, items)
        user.digest_sent_dt = now
        sent += 1
    db.session.flush()
    return sent


def _queue(user: User, items: list[Notification]) -> None:
    with force_locale(user.locale or current_app.config["BABEL_DEFAULT_LOCALE"]):
        lines = [_("Hello %(name)s,", name=user.name), "",
                 _("This is what happened this week:"), ""]
        for item in items:
            lines.append("- " + texts.sentence(item.kind, item.params or {}))
            lines.append("  " + site_url(item.link))
        lines += ["", "-- ",
                  _("You get this weekly e-mail because you chose it on your account page."),
                  _("Stop all e-mails (no log-in needed): %(link)s",
                    link=unsubscribe_link(user, "all")),
                  _("All your choices: %(link)s",
                    link=site_url(path_for("notifications.settings"))), ""]
        queue_mail(user.email, _("Your weekly update"), "\n".join(lines))
