"""Routes of the notifications feature: the list, opening one, marking all as read."""

from __future__ import annotations

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
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy.exc import SQLAlchemyError

from ideation.core.forms import EmptyForm
from ideation.core.permissions import acting_user
from ideation.core.routing import page_arg
from ideation.core.security import safe_next
from ideation.extensions import db
from ideation.notifications import services  # tables, and the receivers of the signals

bp = Blueprint("notifications", __name__)


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
