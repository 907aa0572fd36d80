"""Routes of the notifications feature: the list, opening one, marking all as read."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    flash,
    g,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy.exc import SQLAlchemyError

from ideation.accounts.tokens import unsubscription
from ideation.core.forms import EmptyForm
from ideation.core.permissions import acting_user
from ideation.core.routing import page_arg
from ideation.core.schedule import register_job
from ideation.core.security import public, safe_next
from ideation.core.viewhelpers import ensure_button_posted
from ideation.extensions import db
from ideation.notifications import digest, services  # services: the signals' receivers
from ideation.notifications.forms import preferences_form
from ideation.notifications.texts import Topic

bp = Blueprint("notifications", __name__)
# Checked daily; each person gets at most one a week (``digest.py``).
register_job("notifications.digest", timedelta(days=1), digest.send_digests)


def _unread_count() -> int:
    """For the navigation: one count per page, and never the reason a page fails."""
    if "unread_notifications" not in g:
        try:
            g.unread_notifications = (services.count_unread(current_user)
                                      if current_user.is_authenticated else 0)
        except SQLAlchemyError:
            current_app.logger.exception("counting unread notifications failed")
            g.unread_notifications = 0
    return g.unread_notifications


@bp.app_context_processor
def navigation() -> dict[str, Any]:
    # A function, so the count runs only when a page shows the navigation.
    return {"unread_notifications": _unread_count}


@bp.get("/notifications")
def index() -> str:
    page_number = page_arg()
    page = services.notifications_of(acting_user(), page_number)
    return render_template("notifications/index.html", page=page, describe=services.describe,
                           languages=services.challenge_languages(page.items),
                           form=EmptyForm(), unread=_unread_count())


@bp.post("/notifications/<int:notification_id>/open")
def open_notification(notification_id: int) -> Response:
    notification = services.open_notification(acting_user(), notification_id)
    if notification is None:
        abort(404)
    db.session.commit()
    return redirect(safe_next(notification.link, url_for("notifications.index")))


@bp.post("/notifications/read")
def mark_all_read() -> Response:
    count = services.mark_all_read(acting_user())
    db.session.commit()
    if count:
        flash(_("All notifications are marked as read."), "success")
    return redirect(url_for("notifications.index"))


@bp.route("/account/notifications", methods=["GET", "POST"])
def settings() -> str | Response:
    """Per topic: in the app only, by e-mail at once, or in a weekly e-mail."""
    user = acting_user()
    topics = services.topics_for(user)
    form = preferences_form(topics, services.preferences(user))
    if form.validate_on_submit():
        services.set_preferences(user, form.choices())
        db.session.commit()
        flash(_("Your choices are saved."), "success")
        return redirect(url_for("notifications.settings"))
    return render_template("notifications/settings.html", form=form, topics=topics)


@bp.route("/unsubscribe/<token>", methods=["GET", "POST"])
@public
def unsubscribe(token: str) -> str | Response | tuple[str, int]:
    """The link in every e-mail: stops it without logging in (a button, so that mail
    scanners that open links do not unsubscribe anyone)."""
    found = unsubscription(token)
    if found is None or (found[1] != "all" and found[1] not in {t.value for t in Topic}):
        return render_template("notifications/unsubscribe.html", topic=None), 404
    user, scope = found
    if request.method == "POST":
        ensure_button_posted()
        services.unsubscribe(user, scope)
        db.session.commit()
        return render_template("notifications/unsubscribe.html", done=True, topic=scope,
                               label=_label(scope))
    return render_template("notifications/unsubscribe.html", done=False, topic=scope,
                           label=_label(scope), form=EmptyForm())


def _label(scope: str) -> str:
    return _("all e-mails") if scope == "all" else str(Topic(scope).label)
