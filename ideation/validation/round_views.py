"""The core team's round pages: a prototype's rounds and a new round, the round overview and
its edit page, opening and closing, the form builder and the preview. Core team and admins."""

from __future__ import annotations

from datetime import timedelta
from functools import partial
from typing import Any

from flask import Response, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from wtforms.fields.choices import SelectChoice

from ideation.challenges.models import Challenge
from ideation.challenges.phases import Action, check, today
from ideation.core.forms import EmptyForm
from ideation.core.i18n import content_choice
from ideation.core.permissions import acting_user
from ideation.core.routing import id_arg
from ideation.core.viewhelpers import attempt, ensure_button_posted, submit
from ideation.loaders import managed_prototype, managed_round
from ideation.prototypes.models import Prototype, PrototypeImage
from ideation.validation import results, services
from ideation.validation.answer_form import build_answer_form
from ideation.validation.blueprint import bp
from ideation.validation.forms import (
    CopyQuestionsForm,
    NewRoundForm,
    QuestionForm,
    RoundForm,
)
from ideation.validation.models import Question, Round, RoundState

NEW_PREFIX, EDIT_PREFIX = "new", "edit"


_attempt = partial(attempt, errors=services.RoundError)
_submit = partial(submit, errors=services.RoundError)


@bp.app_context_processor
def labels() -> dict[str, Any]:
    return {"effective_round_state": services.effective_state}


# --- loading and answering --------------------------------------------------------------------
def _managed_question(slug: str, round_id: int, question_id: int) -> Question:
    question = services.get_question(managed_round(slug, round_id), question_id)
    if question is None:
        abort(404)
    return question


def _round_url(round_: Round) -> str:
    return url_for("validation.round", slug=round_.challenge.slug, round_id=round_.id)


def _builder_url(round_: Round, question: Question | None = None) -> str:
    anchor = f"question-{question.id}" if question is not None else None
    return url_for("validation.builder", slug=round_.challenge.slug, round_id=round_.id,
                   _anchor=anchor)


# --- a prototype's rounds ---------------------------------------------------------------------
@bp.get("/c/<slug>/prototypes/<int:prototype_id>/rounds")
def prototype_rounds(slug: str, prototype_id: int) -> str:
    challenge, prototype = managed_prototype(slug, prototype_id)
    return render_template("validation/round_list.html", challenge=challenge,
                           prototype=prototype, rounds=services.rounds_of(prototype),
                           verdict=check(challenge, Action.run_validation))


def _new_round_form(challenge: Challenge, prototype: Prototype) -> NewRoundForm:
    groups, source = services.suggested_groups(challenge, prototype)
    if request.method == "POST":
        form = NewRoundForm()
    else:
        latest = prototype.latest
        form = NewRoundForm(
            formdata=None, version=latest.id if latest else None, opens_on=today(),
            closes_on=today() + timedelta(days=13), groups="\n".join(groups))
    # The field comes filled in; its help says from where, so nobody expects it empty.
    form.groups.description = (
        _("Filled in with the groups of the round “%(title)s”. One group per line: change "
          "them as you like. Every invited person belongs to one group.", title=source.title)
        if source is not None else
        _("Filled in with the usual groups. One group per line: change them as you like. "
          "Every invited person belongs to one group."))
    form.version.choices = [SelectChoice(str(v.id), _("Version %(n)s", n=v.number))
                            for v in reversed(prototype.versions)]
    form.copy_from.choices = [SelectChoice("", _("No, start with an empty form"))] + [
        content_choice(str(r.id), f"{r.title} ({r.prototype.title})", challenge)
        for r in services.copy_sources(challenge)]
    return form


def _create_round(challenge: Challenge, prototype: Prototype, form: NewRoundForm) -> Round:
    version = next((v for v in prototype.versions if v.id == form.version.data), None)
    if version is None:
        raise services.RoundError(_("Choose a version of this prototype."), "version")
    source = None
    if form.copy_from.data:
        source = services.get_round(challenge, form.copy_from.data)
        if source is None:
            raise services.RoundError(_("Choose an earlier round of this challenge."),
                                      "copy_from")
    return services.create_round(
        acting_user(), prototype, version, form.title.data or "", form.intro.data or "",
        form.opens_on.data, form.closes_on.data, form.group_names(),
        bool(form.allow_anonymous.data), copy_from=source)


@bp.route("/c/<slug>/prototypes/<int:prototype_id>/rounds/new", methods=["GET", "POST"])
def new_round(slug: str, prototype_id: int) -> tuple[str, int] | Response:
    challenge, prototype = managed_prototype(slug, prototype_id)
    form = _new_round_form(challenge, prototype)
    status = 200
    if request.method == "POST":
        status = 422
        if form.validate():
            round_, status = _submit(form, lambda: _create_round(challenge, prototype, form))
            if status is None:
                flash(_("The round is made. Add the questions of its form."), "success")
                return redirect(_builder_url(round_))
    return render_template("validation/round_form.html", challenge=challenge,
                           prototype=prototype, form=form, round=None,
                           verdict=check(challenge, Action.run_validation)), status


# --- one round --------------------------------------------------------------------------------
@bp.get("/c/<slug>/rounds/<int:round_id>", endpoint="round")
def round_overview(slug: str, round_id: int) -> str:
    round_ = managed_round(slug, round_id)
    return render_template(
        "validation/round.html", challenge=round_.challenge, round=round_,
        prototype=round_.prototype, state=services.effective_state(round_),
        accepting=services.is_accepting_answers(round_), locked=services.form_lock_reason(round_),
        verdict=check(round_.challenge, Action.run_validation), button_form=EmptyForm())


@bp.route("/c/<slug>/rounds/<int:round_id>/edit", methods=["GET", "POST"])
def edit_round(slug: str, round_id: int) -> tuple[str, int] | Response:
    round_ = managed_round(slug, round_id)
    if request.method == "GET":
        form = RoundForm(formdata=None, title=round_.title, intro=round_.intro,
                         opens_on=round_.opens_on, closes_on=round_.closes_on,
                         allow_anonymous=round_.allow_anonymous,
                         groups="\n".join(group.name for group in round_.groups))
        status = 200
    else:
        form, status = RoundForm(), 422
        if form.validate():
            _done, status = _submit(form, lambda: services.edit_round(
                acting_user(), round_, form.title.data or "", form.intro.data or "",
                form.opens_on.data, form.closes_on.data, form.group_names(),
                bool(form.allow_anonymous.data)))
            if status is None:
                flash(_("The round is saved."), "success")
                return redirect(_round_url(round_))
    return render_template("validation/round_form.html", challenge=round_.challenge,
                           prototype=round_.prototype, form=form, round=round_,
                           verdict=check(round_.challenge, Action.run_validation)), status


@bp.post("/c/<slug>/rounds/<int:round_id>/open")
def open_round(slug: str, round_id: int) -> Response:
    round_ = managed_round(slug, round_id)
    ensure_button_posted()
    return _attempt(lambda: services.open_round(acting_user(), round_),
                    _("The round is open. Invite the stakeholders."), _round_url(round_))


@bp.get("/c/<slug>/rounds/<int:round_id>/close", endpoint="confirm_close")
def confirm_close(slug: str, round_id: int) -> str | Response:
    """Closing cannot be undone: this page says what closing now means (early? enough
    answers?) before the button that does it. Works without JavaScript."""
    round_ = managed_round(slug, round_id)
    verdict = check(round_.challenge, Action.run_validation)
    if round_.state is not RoundState.open or not verdict.allowed:
        flash(verdict.reason if not verdict.allowed else _("Only an open round can be closed."),
              "error")
        return redirect(_round_url(round_))
    return render_template("validation/round_close.html", challenge=round_.challenge,
                           round=round_, prototype=round_.prototype,
                           facts=results.closing_check(round_), button_form=EmptyForm())


@bp.post("/c/<slug>/rounds/<int:round_id>/close")
def close_round(slug: str, round_id: int) -> Response:
    round_ = managed_round(slug, round_id)
    ensure_button_posted()
    return _attempt(lambda: services.close_round(acting_user(), round_),
                    _("The round is closed. No more answers are accepted."), _round_url(round_))


# --- the form builder -------------------------------------------------------------------------
def _copy_form(round_: Round, form: CopyQuestionsForm | None = None) -> CopyQuestionsForm:
    form = form or CopyQuestionsForm(formdata=None)
    form.source.choices = [SelectChoice("", _("Choose a round"))] + [
        content_choice(str(r.id), f"{r.title} ({r.prototype.title})", round_.challenge)
        for r in services.copy_sources(round_.challenge, exclude=round_)]
    return form


def _render_builder(round_: Round, status: int = 200, *, add_form: QuestionForm | None = None,
                    edit_form: QuestionForm | None = None, editing: Question | None = None,
                    copy_form: CopyQuestionsForm | None = None) -> tuple[str, int]:
    if editing is None and edit_form is None:
        editing = services.get_question(round_, id_arg("edit"))
    if editing is not None and edit_form is None:
        edit_form = QuestionForm.of(editing, EDIT_PREFIX)
    verdict = check(round_.challenge, Action.run_validation)
    locked = services.form_lock_reason(round_)
    return render_template(
        "validation/builder.html", challenge=round_.challenge, round=round_,
        prototype=round_.prototype, verdict=verdict, locked=locked,
        can_change=verdict.allowed and locked is None,
        add_form=add_form or QuestionForm(formdata=None, prefix=NEW_PREFIX),
        edit_form=edit_form, editing=editing, copy_form=_copy_form(round_, copy_form),
        button_form=EmptyForm()), status


@bp.get("/c/<slug>/rounds/<int:round_id>/questions")
def builder(slug: str, round_id: int) -> tuple[str, int]:
    return _render_builder(managed_round(slug, round_id))


@bp.post("/c/<slug>/rounds/<int:round_id>/questions")
def add_question(slug: str, round_id: int) -> tuple[str, int] | Response:
    round_ = managed_round(slug, round_id)
    form, status = QuestionForm(prefix=NEW_PREFIX), 422
    if form.validate():
        question, status = _submit(form, lambda: services.add_question(
            acting_user(), round_, form.to_data()))
        if status is None:
            flash(_("The question is added."), "success")
            return redirect(_builder_url(round_, question))
    return _render_builder(round_, status, add_form=form)


@bp.post("/c/<slug>/rounds/<int:round_id>/questions/<int:question_id>")
def edit_question(slug: str, round_id: int, question_id: int) -> tuple[str, int] | Response:
    question = _managed_question(slug, round_id, question_id)
    round_ = question.round
    form, status = QuestionForm(prefix=EDIT_PREFIX), 422
    if form.validate():
        _done, status = _submit(form, lambda: services.edit_question(
            acting_user(), question, form.to_data()))
        if status is None:
            flash(_("The question is saved."), "success")
            return redirect(_builder_url(round_, question))
    return _render_builder(round_, status, edit_form=form, editing=question)


@bp.post("/c/<slug>/rounds/<int:round_id>/questions/<int:question_id>/move")
def move_question(slug: str, round_id: int, question_id: int) -> Response:
    question = _managed_question(slug, round_id, question_id)
    ensure_button_posted()
    direction = request.form.get("direction")
    if direction not in ("up", "down"):
        abort(400)
    return _attempt(lambda: services.move_question(acting_user(), question, direction == "up"),
                    lambda moved: (_("The question is moved.") if moved
                                   else _("The question is already at the end.")),
                    _builder_url(question.round, question))


@bp.post("/c/<slug>/rounds/<int:round_id>/questions/<int:question_id>/delete")
def delete_question(slug: str, round_id: int, question_id: int) -> Response:
    question = _managed_question(slug, round_id, question_id)
    ensure_button_posted()
    round_ = question.round
    return _attempt(lambda: services.delete_question(acting_user(), question),
                    _("The question is deleted."), _builder_url(round_))


@bp.post("/c/<slug>/rounds/<int:round_id>/questions/copy")
def copy_questions(slug: str, round_id: int) -> tuple[str, int] | Response:
    round_ = managed_round(slug, round_id)
    form, status = _copy_form(round_, CopyQuestionsForm()), 422
    if form.validate():
        source = services.get_round(round_.challenge, form.source.data or 0)
        if source is None:
            form.source.errors = [_("Choose an earlier round of this challenge.")]
        else:
            copied, status = _submit(form, lambda: services.copy_questions(
                acting_user(), round_, source))
            if status is None:
                flash(ngettext("%(num)s question of “%(title)s” is copied.",
                               "%(num)s questions of “%(title)s” are copied.", copied,
                               title=source.title), "success")
                return redirect(_builder_url(round_))
    return _render_builder(round_, status, copy_form=form)


# --- the preview ------------------------------------------------------------------------------
@bp.route("/c/<slug>/rounds/<int:round_id>/preview", methods=["GET", "POST"])
def preview(slug: str, round_id: int) -> tuple[str, int]:
    """The form exactly as a stakeholder sees it; a sent preview is checked, never stored."""
    round_ = managed_round(slug, round_id)
    posted = request.method == "POST"
    form = build_answer_form(round_, formdata=request.form if posted else None)
    valid = posted and form.validate()
    status = 422 if posted and not valid else 200

    def image_src(image: PrototypeImage) -> str:
        # The team sees the images where it sees the prototype, not behind a personal link.
        return url_for("prototypes.image", slug=round_.challenge.slug,
                             prototype_id=round_.prototype_id, image_id=image.id,
                             variant="display")

    return render_template("validation/preview.html", challenge=round_.challenge,
                           round=round_, prototype=round_.prototype, version=round_.version,
                           form=form, checked=valid, image_src=image_src), status
