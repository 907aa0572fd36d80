"""The moderation queue for the core team, their decisions, and the report pages."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from ideation.challenges.models import Challenge
from ideation.core.i18n import lazy_gettext as _l
from ideation.core.permissions import PermissionDenied, acting_user, can_manage
from ideation.core.routing import page_arg
from ideation.core.viewhelpers import attach_error
from ideation.extensions import db
from ideation.ideas import commenting, reading
from ideation.ideas.errors import IdeaError
from ideation.ideas.models import Comment, CommentStatus, Idea
from ideation.loaders import get_challenge, get_visible_idea
from ideation.moderation import services
from ideation.moderation.forms import CommentDecisionForm, DecisionForm, DismissForm, ReportForm
from ideation.moderation.models import Report

bp = Blueprint("moderation", __name__)

TAB_LABELS = {"pending": _l("Waiting for a check"), "reported": _l("Reported"),
              "hidden": _l("Hidden")}
DONE_MESSAGES = {
    "publish": _l("The idea is published."),
    "hide": _l("It is hidden. The author can read your reason."),
    "restore": _l("It is shown again."),
}


def _tab(value: str | None) -> str | None:
    """A known tab, or None: then the queue opens the tab where work waits."""
    return value if value in services.TABS else None


@bp.app_template_global()
def moderation_waiting(challenge: Challenge) -> int:
    """For the challenge page: how many items wait for the core team (0 for everyone else)."""
    if not can_manage(current_user, challenge):
        return 0
    return services.waiting_count(current_user, challenge)


@bp.app_template_global()
def hidden_comment_reasons(threads: list[commenting.Thread]) -> dict[int, str]:
    """For the idea page: why each hidden comment in ``threads`` was hidden (one query)."""
    ids = [item.id for thread in threads for item in (thread.comment, *thread.replies)
           if item.status is CommentStatus.hidden]
    return services.hidden_comment_reasons(ids)


# --- the queue and the decisions ------------------------------------------------------------


def render_queue(challenge: Challenge, tab: str | None, *, failed: dict[tuple[str, int], Any] | None
                 = None, status: int = 200) -> tuple[str, int]:
    """The queue page; a decision form that failed is passed in so its error and text stay."""
    queue = services.moderation_queue(acting_user(), challenge, tab,
                                      page_arg())
    return render_template(
        "moderation/queue.html", challenge=challenge, queue=queue, tab_labels=TAB_LABELS,
        failed=failed or {}, idea_form=DecisionForm(formdata=None),
        comment_form=CommentDecisionForm(formdata=None), dismiss_form=DismissForm(formdata=None),
    ), status


def _back_to_queue(challenge: Challenge, tab: str | None) -> Response:
    return redirect(url_for("moderation.queue", slug=challenge.slug, tab=_tab(tab)))


@bp.get("/c/<slug>/moderation")
def queue(slug: str) -> tuple[str, int]:
    challenge = get_challenge(slug, manage=True)
    return render_queue(challenge, _tab(request.args.get("tab")))


def _decide(challenge: Challenge, form: DecisionForm, kind: str, item: Idea | Comment,
            decide: Any) -> Response | tuple[str, int]:
    tab = _tab(form.tab.data)
    if form.validate():
        try:
            decide(acting_user(), item, form.action.data, form.reason.data)
        except IdeaError as error:
            db.session.rollback()
            attach_error(form, error)
        else:
            db.session.commit()
            flash(str(DONE_MESSAGES[form.action.data]), "success")
            return _back_to_queue(challenge, tab)
    return render_queue(challenge, tab, failed={(kind, item.id): form}, status=422)


@bp.post("/c/<slug>/moderation/ideas/<int:idea_id>")
def decide_on_idea(slug: str, idea_id: int) -> Response | tuple[str, int]:
    challenge = get_challenge(slug, manage=True)
    idea = reading.get_idea(challenge, idea_id)
    if idea is None:
        abort(404)
    return _decide(challenge, DecisionForm(), "idea", idea, services.decide_on_idea)


@bp.post("/c/<slug>/moderation/comments/<int:comment_id>")
def decide_on_comment(slug: str, comment_id: int) -> Response | tuple[str, int]:
    challenge = get_challenge(slug, manage=True)
    item = db.session.get(Comment, comment_id)
    if item is None or item.idea.challenge_id != challenge.id:
        abort(404)
    return _decide(challenge, CommentDecisionForm(), "comment", item,
                   services.decide_on_comment)


@bp.post("/c/<slug>/moderation/reports/<int:report_id>/dismiss")
def dismiss(slug: str, report_id: int) -> Response:
    challenge = get_challenge(slug, manage=True)
    report = db.session.get(Report, report_id)
    if report is None or report.challenge_id != challenge.id:
        abort(404)
    form = DismissForm()
    if not form.validate():
        abort(400)
    services.dismiss_report(acting_user(), report)
    db.session.commit()
    flash(_("The reports are dismissed. The item stays as it is."), "success")
    return _back_to_queue(challenge, form.tab.data or "reported")


# --- reporting ------------------------------------------------------------------------------


def _report_page(challenge: Challenge, idea: Idea, item: Idea | Comment,
                 report: Any) -> Response | tuple[str, int]:
    """GET shows the form; POST files the report, thanks and goes back to the idea."""
    anchor = f"comment-{item.id}" if isinstance(item, Comment) else None
    back = url_for("ideas.show", slug=challenge.slug, idea_id=idea.id, _anchor=anchor)
    try:
        services.check_can_report(acting_user(), item)
    except PermissionDenied:
        abort(404)  # only public items can be reported; do not tell what else exists
    except services.ModerationError as refusal:
        flash(str(refusal), "info")
        return redirect(back)
    form = ReportForm()
    if form.validate_on_submit():
        try:
            report(acting_user(), item, form.reason.data)
        except services.ModerationError as error:
            db.session.rollback()
            if error.field is None:  # a double click: the first report went in
                flash(str(error), "info")
                return redirect(back)
            attach_error(form, error)
        else:
            db.session.commit()
            flash(_("Thanks, the core team will look at it."), "success")
            return redirect(back)
    status = 422 if request.method == "POST" else 200
    return render_template("moderation/report.html", challenge=challenge, idea=idea,
                           item=item, is_comment=isinstance(item, Comment), form=form,
                           back=back), status


@bp.route("/c/<slug>/ideas/<int:idea_id>/report", methods=["GET", "POST"])
def report_idea(slug: str, idea_id: int) -> Response | tuple[str, int]:
    challenge, idea = get_visible_idea(slug, idea_id)
    return _report_page(challenge, idea, idea, services.report_idea)


@bp.route("/c/<slug>/ideas/<int:idea_id>/comments/<int:comment_id>/report",
          methods=["GET", "POST"])
def report_comment(slug: str, idea_id: int, comment_id: int) -> Response | tuple[str, int]:
    challenge, idea = get_visible_idea(slug, idea_id)
    item = db.session.get(Comment, comment_id)
    if item is None or item.idea_id != idea.id:
        abort(404)
    return _report_page(challenge, idea, item, services.report_comment)
