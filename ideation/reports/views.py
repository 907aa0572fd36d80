"""The Agenda voor Actie pages: the public agenda and its PDF, the core team's editing pages
(texts, actions, status, progress updates) and the "follow" button."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from flask import Blueprint, Response, abort, flash, redirect, render_template, send_file, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user
from markupsafe import Markup

from ideation.challenges.models import Challenge
from ideation.challenges.phases import Action, check
from ideation.challenges.services import register_funnel_stage
from ideation.challenges.views import get_challenge
from ideation.core.cache import cached_html
from ideation.core.forms import EmptyForm
from ideation.core.i18n import lazy_gettext as _l
from ideation.core.permissions import acting_user, can_manage
from ideation.core.security import public
from ideation.core.viewhelpers import attempt, ensure_button_posted, submit
from ideation.reports import demo_content, pdf, services  # noqa: F401 - registers the demo
from ideation.reports.agenda import agenda_content
from ideation.reports.forms import ActionForm, AgendaTextsForm, StatusForm, UpdateForm
from ideation.reports.models import ActionStatus, Agenda, AgendaAction

bp = Blueprint("reports", __name__)

# The funnel's last step: what became of the agenda's actions after the hand-over.
register_funnel_stage("actions_started", _l("Actions started"),
                      lambda challenge: services.count_actions(challenge, ActionStatus.started))
register_funnel_stage("actions_done", _l("Actions done"),
                      lambda challenge: services.count_actions(challenge, ActionStatus.done))


@bp.app_context_processor
def agenda_words() -> dict[str, Any]:
    return {"has_published_agenda": services.has_published_agenda}


def agenda_body(challenge: Challenge, agenda: Agenda, *, for_print: bool = False) -> Markup:
    """The agenda itself, as HTML shared by every visitor (and the PDF): cached per process
    until the next write (``ideation.core.cache``)."""
    def render() -> dict[str, Any]:
        content = agenda_content(challenge, agenda)
        return {"body": Markup(render_template(  # noqa: S704 - our own template, autoescaped
            "reports/_agenda_body.html", content=content, for_print=for_print))}
    key = ("agenda", challenge.id, str(get_locale()), for_print)
    return cached_html(key, render)["body"]


def _after_change(challenge: Challenge) -> None:
    """The agenda changed (after the commit): make its PDF again when it is public."""
    agenda = services.published_agenda(challenge)
    if agenda is not None:
        pdf.request_pdf(acting_user(), challenge, agenda)


def _action_or_404(challenge: Challenge, action_id: int) -> AgendaAction:
    action = services.get_action(challenge, action_id)
    if action is None:
        abort(404)
    return action


@bp.get("/c/<slug>/agenda")
@public
def agenda(slug: str) -> str:
    """The agenda: public once published; before that, the core team's preview."""
    challenge = get_challenge(slug)
    manage = can_manage(current_user, challenge)
    found = services.agenda_of(challenge)
    if found is None or not (found.is_published or manage):
        abort(404)
    return render_template(
        "reports/agenda.html", challenge=challenge, agenda=found,
        body=agenda_body(challenge, found), can_manage=manage,
        following=services.is_following(current_user, challenge),
        has_pdf=pdf.pdf_path(found) is not None, button=EmptyForm())


@bp.get("/c/<slug>/agenda.pdf")
@public
def agenda_pdf(slug: str) -> Response:
    """The stored PDF, made by a background job when the agenda was published or changed."""
    challenge = get_challenge(slug)
    found = services.published_agenda(challenge)
    path = pdf.pdf_path(found) if found is not None else None
    if path is None:
        abort(404)
    return send_file(Path(path), mimetype="application/pdf", as_attachment=True,
                     download_name=f"agenda-voor-actie-{challenge.slug}.pdf", max_age=60)


@bp.route("/c/<slug>/agenda/edit", methods=["GET", "POST"])
def edit(slug: str) -> str | Response:
    """The core team writes the free texts and the actions, and publishes."""
    challenge = get_challenge(slug, manage=True)
    found = services.agenda_of(challenge)
    form = AgendaTextsForm(obj=found)
    status = None
    if form.validate_on_submit():
        def change() -> None:
            agenda = services.start_agenda(acting_user(), challenge)
            services.update_texts(acting_user(), agenda, form.introduction.data,
                                  form.conclusions.data)
        _result, status = submit(form, change, errors=services.AgendaError)
        if status is None:
            _after_change(challenge)
            flash(_("The agenda is saved."), "success")
            return redirect(url_for("reports.edit", slug=slug))
    elif form.is_submitted():
        status = 422
    page = render_template("reports/edit.html", challenge=challenge, agenda=found, form=form,
                           verdict=check(challenge, Action.write_agenda), button=EmptyForm())
    return (page, status) if status else page  # type: ignore[return-value]


@bp.post("/c/<slug>/agenda/publish")
def publish(slug: str) -> Response:
    challenge = get_challenge(slug, manage=True)
    ensure_button_posted()
    found = services.agenda_of(challenge)
    if found is None:
        flash(_("Write the agenda first."), "error")
        return redirect(url_for("reports.edit", slug=slug))
    response = attempt(lambda: services.publish(acting_user(), found),
                       _("The agenda is public."), url_for("reports.agenda", slug=slug),
                       errors=services.AgendaError)
    if found.is_published:
        _after_change(challenge)
    else:
        response = redirect(url_for("reports.edit", slug=slug))
    return response


@bp.post("/c/<slug>/agenda/unpublish")
def unpublish(slug: str) -> Response:
    challenge = get_challenge(slug, manage=True)
    ensure_button_posted()
    found = services.agenda_of(challenge)
    if found is None:
        abort(404)
    return attempt(lambda: services.unpublish(acting_user(), found),
                   _("The agenda is a draft again."), url_for("reports.edit", slug=slug),
                   errors=services.AgendaError)


@bp.route("/c/<slug>/agenda/actions/new", methods=["GET", "POST"])
def new_action(slug: str) -> str | Response:
    challenge = get_challenge(slug, manage=True)
    form = ActionForm()
    form.set_choices(*services.action_choices(challenge))
    status = None
    if form.validate_on_submit():
        def change() -> AgendaAction:
            agenda = services.start_agenda(acting_user(), challenge)
            return services.add_action(acting_user(), agenda, form.data)
        action, status = submit(form, change, errors=services.AgendaError)
        if status is None:
            _after_change(challenge)
            flash(_("The action is added."), "success")
            return redirect(url_for("reports.action", slug=slug, action_id=action.id))
    elif form.is_submitted():
        status = 422
    page = render_template("reports/action_form.html", challenge=challenge, form=form,
                           action=None, verdict=check(challenge, Action.write_agenda))
    return (page, status) if status else page  # type: ignore[return-value]


@bp.route("/c/<slug>/agenda/actions/<int:action_id>", methods=["GET", "POST"])
def action(slug: str, action_id: int) -> str | Response:
    """One action for the core team: its fields, its status with history, its updates."""
    challenge = get_challenge(slug, manage=True)
    item = _action_or_404(challenge, action_id)
    form = ActionForm(obj=item)
    form.set_choices(*services.action_choices(challenge))
    if not form.is_submitted():
        form.concept_ids.data = [c.id for c in item.concepts]
        form.prototype_ids.data = [p.id for p in item.prototypes]
    status = None
    if form.validate_on_submit():
        _result, status = submit(form, lambda: services.edit_action(acting_user(), item,
                                                                     form.data),
                                 errors=services.AgendaError)
        if status is None:
            _after_change(challenge)
            flash(_("The action is saved."), "success")
            return redirect(url_for("reports.action", slug=slug, action_id=item.id))
    elif form.is_submitted():
        status = 422
    return _action_page(challenge, item, form=form, status=status)


def _action_page(challenge: Challenge, item: AgendaAction, *, form: ActionForm | None = None,
                 status_form: StatusForm | None = None, update_form: UpdateForm | None = None,
                 status: int | None = None) -> Any:
    if form is None:
        form = ActionForm(obj=item, formdata=None)
        form.set_choices(*services.action_choices(challenge))
        form.concept_ids.data = [c.id for c in item.concepts]
        form.prototype_ids.data = [p.id for p in item.prototypes]
    page = render_template(
        "reports/action_form.html", challenge=challenge, action=item, form=form,
        status_form=status_form or StatusForm(formdata=None),
        update_form=update_form or UpdateForm(formdata=None),
        verdict=check(challenge, Action.write_agenda))
    return (page, status) if status else page


@bp.post("/c/<slug>/agenda/actions/<int:action_id>/status")
def change_status(slug: str, action_id: int) -> str | Response:
    challenge = get_challenge(slug, manage=True)
    item = _action_or_404(challenge, action_id)
    form = StatusForm()
    status = 422
    if form.validate_on_submit():
        _result, status = submit(
            form, lambda: services.change_status(acting_user(), item,
                                                 ActionStatus(form.status.data),
                                                 form.reason.data or ""),
            errors=services.AgendaError)
        if status is None:
            _after_change(challenge)
            flash(_("The status is changed."), "success")
            return redirect(url_for("reports.action", slug=slug, action_id=item.id))
    return _action_page(challenge, item, status_form=form, status=status)


@bp.post("/c/<slug>/agenda/actions/<int:action_id>/updates")
def post_update(slug: str, action_id: int) -> str | Response:
    challenge = get_challenge(slug, manage=True)
    item = _action_or_404(challenge, action_id)
    form = UpdateForm()
    status = 422
    if form.validate_on_submit():
        _result, status = submit(
            form, lambda: services.post_update(acting_user(), item, form.body.data),
            errors=services.AgendaError)
        if status is None:
            _after_change(challenge)
            flash(_("The update is posted."), "success")
            return redirect(url_for("reports.action", slug=slug, action_id=item.id))
    return _action_page(challenge, item, update_form=form, status=status)


@bp.post("/c/<slug>/follow")
def follow(slug: str) -> Response:
    """Follow (or stop following) what happens with the challenge's actions."""
    challenge = get_challenge(slug)
    ensure_button_posted()
    following = services.is_following(current_user, challenge)
    done = (_("You no longer follow this challenge.") if following else
            _("You follow this challenge. We tell you when an action changes."))
    return attempt(lambda: services.follow(acting_user(), challenge, not following), done,
                   url_for("reports.agenda", slug=slug) if services.has_published_agenda(
                       challenge) else url_for("challenges.show", slug=slug),
                   errors=services.AgendaError)
