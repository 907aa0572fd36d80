"""The minority report and the decision of a round (core team and admins), and the public list
of a prototype's decisions for the prototype page. Routes live on the shared blueprint."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from werkzeug.wrappers import Response

from ideation.challenges.phases import PhaseClosed
from ideation.core.cache import cached
from ideation.core.i18n import current_language
from ideation.core.permissions import acting_user
from ideation.core.routing import page_arg
from ideation.core.viewhelpers import attach_message
from ideation.extensions import db
from ideation.loaders import managed_round
from ideation.prototypes import services as prototype_services
from ideation.prototypes.models import Prototype
from ideation.validation import decision as decisions
from ideation.validation import results
from ideation.validation.blueprint import bp
from ideation.validation.decision import (
    DecisionError,
    DecisionIncomplete,
)
from ideation.validation.forms import DecisionForm, decision_form
from ideation.validation.minority import MinorityReport, minority_report, reason_page
from ideation.validation.models import Decision, Outcome, Round, RoundState

bp.add_app_template_global(results.min_responses, "min_responses_for_conclusions")


@bp.app_template_global("decision_respondents")
def decision_respondents(shown: list[Decision]) -> dict[int, int]:
    """Round id -> sent-in forms, for a list of decisions (one query)."""
    return results.respondents_of([decision.round_id for decision in shown])


@bp.app_template_global("prototype_decisions")
def visible_decisions(prototype: Prototype) -> list[Decision]:
    """For the prototype page: its decisions, to everyone who may see the prototype (the
    public once it is published)."""
    if not prototype_services.visible_to(current_user, prototype):
        return []
    return decisions.prototype_decisions(prototype)


# --- routes --------------------------------------------------------------------------------


def _shown_report(round_: Round) -> MinorityReport:
    """The minority report for reading (the minority, answers and decision pages): computed
    once per process and language until the next write (`ideation.core.cache`), as it reads
    every answer of the round (65-90 ms for 2,000 responses). A decision being taken computes
    it afresh in `decisions.decide`."""
    return cached(("minority-report", round_.id, current_language()),
                  lambda: minority_report(round_))


def _round_url(round_: Round) -> str:
    return url_for("validation.round", slug=round_.challenge.slug, round_id=round_.id)


@bp.get("/c/<slug>/rounds/<int:round_id>/minority")
def minority(slug: str, round_id: int) -> str:
    round_ = managed_round(slug, round_id)
    return render_template("validation/minority.html", challenge=round_.challenge, round=round_,
                           report=_shown_report(round_), round_url=_round_url(round_))


@bp.get("/c/<slug>/rounds/<int:round_id>/minority/<key>/answers")
def minority_answers(slug: str, round_id: int, key: str) -> str:
    """Every open answer of one concern's minority, a page at a time."""
    round_ = managed_round(slug, round_id)
    report = _shown_report(round_)
    concern = report.concern(key)
    if concern is None:
        abort(404)
    page_number = page_arg()
    return render_template(
        "validation/minority_answers.html", challenge=round_.challenge, round=round_,
        report=report, concern=concern, number=report.concerns.index(concern) + 1,
        page=reason_page(concern, page_number))


def _render(round_: Round, report: MinorityReport | None, form: DecisionForm | None,
            status: int = 200) -> tuple[str, int]:
    return render_template(
        "validation/decision.html", challenge=round_.challenge, round=round_, report=report,
        form=form, round_url=_round_url(round_), respondents=results.respondent_count(round_),
        verdict=decisions.decision_verdict(round_.challenge),
    ), status


@bp.route("/c/<slug>/rounds/<int:round_id>/decision", methods=["GET", "POST"])
def decision(slug: str, round_id: int) -> tuple[str, int] | Response:
    round_ = managed_round(slug, round_id)
    if request.method == "GET" and round_.decision is not None:
        return _render(round_, None, None)  # the page shows the decision, not the report
    report = _shown_report(round_)
    open_for_decision = round_.state is RoundState.closed and round_.decision is None
    if request.method == "GET":
        form = decision_form(report.concerns, formdata=None) if open_for_decision else None
        return _render(round_, report, form)
    form = decision_form(report.concerns)
    if not form.validate():
        return _render(round_, report, form, 422)
    try:
        decisions.decide(acting_user(), round_, form.outcome.data, form.rationale.data,
                        form.concern_answers(report.concerns))
    except PhaseClosed:
        db.session.rollback()
        return _render(round_, report, form, 409)  # the page says why (decision_verdict)
    except DecisionIncomplete as incomplete:
        db.session.rollback()
        _attach(form, report, incomplete.problems)
        return _render(round_, report, form, 422)
    except DecisionError as error:
        db.session.rollback()
        flash(str(error), "error")
        return _render(round_, report, None, 409)
    db.session.commit()
    return _after_decision(round_)


def _attach(form: DecisionForm, report: MinorityReport, problems: list[DecisionError]) -> None:
    """Put each message next to the field it is about."""
    for problem in problems:
        name = problem.field
        concern = report.concern(problem.concern) if problem.concern else None
        if concern is not None:
            disposition, text = form.concern_fields(concern)
            name = (disposition if problem.field == "disposition" else text).short_name
        attach_message(form, name, str(problem))


def _after_decision(round_: Round) -> Response:
    decided = round_.decision
    assert decided is not None
    here = url_for("validation.decision", slug=round_.challenge.slug, round_id=round_.id)
    if decided.outcome is not Outcome.iterate:
        flash(_("The decision is saved."), "success")
        return redirect(here)
    latest = round_.prototype.latest
    flash(_("Now describe version %(num)s; then start a new round (you can copy this "
            "round's form).", num=(latest.number if latest else 0) + 1), "success")
    return redirect(url_for("prototypes.new_version", slug=round_.challenge.slug,
                            prototype_id=round_.prototype_id, round=round_.id))
