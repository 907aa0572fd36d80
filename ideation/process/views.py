"""Process design pages: the canvas and stakeholder map (core team), the public approach."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from werkzeug.wrappers import Response

from ideation.challenges.views import get_challenge
from ideation.core.forms import EmptyForm
from ideation.core.permissions import acting_user
from ideation.core.security import public
from ideation.core.viewhelpers import attach_message
from ideation.extensions import db
from ideation.process import services
from ideation.process.forms import AnswerForm, EntryForm
from ideation.process.map_drawing import map_svg
from ideation.process.models import CanvasField, EntryKind

bp = Blueprint("process", __name__)


def _field(name: str) -> CanvasField:
    try:
        return CanvasField(name)
    except ValueError:
        abort(404)


def _page(challenge, entry_form: EntryForm | None = None, forms=None, status: int = 200):
    answers = services.canvas(challenge)
    forms = forms or {}
    for field, answer in answers.items():
        if field not in forms:
            forms[field] = AnswerForm(prefix=field.value, data={
                "text": answer.text if answer else ""})
    entries = services.map_entries(challenge)
    entry_form = entry_form or EntryForm()
    entry_form.group_name.render_kw = {"list": "round-groups"}
    return render_template(
        "process/canvas.html", challenge=challenge, answers=answers, forms=forms,
        entries=entries, drawing=map_svg(entries),
        entry_form=entry_form, remove_form=EmptyForm(),
        group_names=services.round_group_names(challenge)), status


@bp.get("/c/<slug>/process")
def canvas(slug: str) -> tuple[str, int]:
    return _page(get_challenge(slug, manage=True))


@bp.post("/c/<slug>/process/<name>")
def save_answer(slug: str, name: str) -> Response | tuple[str, int]:
    challenge = get_challenge(slug, manage=True)
    field = _field(name)
    form = AnswerForm(prefix=field.value)
    if form.validate_on_submit():
        try:
            saved = services.save_answer(acting_user(), challenge, field, form.text.data or "")
        except services.ProcessError as error:
            db.session.rollback()
            attach_message(form, "text", str(error))
        else:
            db.session.commit()
            if saved is not None:
                flash(_("Your answer is saved."), "success")
            return redirect(url_for(".canvas", slug=slug, _anchor=f"answer-{field.value}"))
    return _page(challenge, forms={field: form}, status=400)


@bp.get("/c/<slug>/process/<name>/history")
def answer_history(slug: str, name: str) -> str:
    challenge = get_challenge(slug, manage=True)
    field = _field(name)
    return render_template("process/history.html", challenge=challenge, field=field,
                           label=field.label,
                           versions=services.history(challenge, field))


@bp.post("/c/<slug>/process/map")
def add_entry(slug: str) -> Response | tuple[str, int]:
    challenge = get_challenge(slug, manage=True)
    form = EntryForm()
    if form.validate_on_submit():
        try:
            services.add_entry(acting_user(), challenge, form.data)
        except services.ProcessError as error:
            db.session.rollback()
            attach_message(form, error.field, str(error))
        else:
            db.session.commit()
            flash(_("Added to the stakeholder map."), "success")
            return redirect(url_for(".canvas", slug=slug, _anchor="map-heading"))
    return _page(challenge, entry_form=form, status=400)


@bp.route("/c/<slug>/process/map/<int:entry_id>", methods=["GET", "POST"])
def edit_entry(slug: str, entry_id: int) -> Response | str | tuple[str, int]:
    challenge = get_challenge(slug, manage=True)
    entry = services.get_entry(challenge, entry_id) or abort(404)
    form = EntryForm(obj=entry, data={"kind": entry.kind.value, "interest": str(entry.interest),
                                      "influence": str(entry.influence)})
    if form.validate_on_submit():
        try:
            services.update_entry(acting_user(), entry, form.data)
        except services.ProcessError as error:
            db.session.rollback()
            attach_message(form, error.field, str(error))
        else:
            db.session.commit()
            flash(_("The stakeholder map is changed."), "success")
            return redirect(url_for(".canvas", slug=slug, _anchor="map-heading"))
    status = 400 if form.errors else 200
    return render_template("process/entry.html", challenge=challenge, entry=entry,
                           form=form), status


@bp.post("/c/<slug>/process/map/<int:entry_id>/remove")
def remove_entry(slug: str, entry_id: int) -> Response:
    challenge = get_challenge(slug, manage=True)
    entry = services.get_entry(challenge, entry_id) or abort(404)
    if not EmptyForm().validate_on_submit():
        abort(400)
    services.remove_entry(acting_user(), entry)
    db.session.commit()
    flash(_("Removed from the stakeholder map."), "success")
    return redirect(url_for(".canvas", slug=slug, _anchor="map-heading"))


@bp.get("/c/<slug>/approach")
@public
def approach(slug: str) -> str:
    """The public summary of the process: what we aim for, with whom, in which steps."""
    from ideation.sessions.services import held_sessions

    challenge = get_challenge(slug)
    return render_template("process/approach.html", challenge=challenge,
                           summary=services.public_summary(challenge),
                           sessions=held_sessions(challenge))


@bp.app_template_global()
def end_user_warning(challenge):  # type: ignore[no-untyped-def]
    """For the workspace: the end-user check."""
    return services.end_user_warning(challenge)


@bp.app_template_global()
def map_reach(round_):  # type: ignore[no-untyped-def]
    """For a round's page: which parts of the stakeholder map it reached."""
    return services.round_reach(round_)


@bp.app_template_global()
def entry_kind_label(kind):  # type: ignore[no-untyped-def]
    return EntryKind(kind).label
