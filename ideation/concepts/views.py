"""Concept pages: the core team's list and ranking, the new-concept form, the public concept
page, the manage page (edit, clusters, state, publish, scores, log) and the criteria."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import (
    Blueprint,
    Response,
    abort,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user

from ideation.challenges.models import Challenge
from ideation.challenges.phases import Action, check
from ideation.concepts import scoring, services
from ideation.concepts.forms import (
    ClustersForm,
    ConceptForm,
    CriterionForm,
    ListFilterForm,
    NewConceptForm,
    PublishForm,
    RemoveCriterionForm,
    StateForm,
    score_form,
)
from ideation.concepts.models import Concept, ConceptCriterion, ConceptState
from ideation.core.forms import EmptyForm, Form
from ideation.core.i18n import lazy_gettext as _l
from ideation.core.permissions import acting_user, can_manage
from ideation.core.routing import id_arg, page_arg
from ideation.core.security import public
from ideation.core.viewhelpers import submit
from ideation.extensions import db
from ideation.loaders import get_challenge
from ideation.prototypes import lineage
from ideation.prototypes.services import ideas_behind  # the prototype page lists them too

bp = Blueprint("concepts", __name__)

EVENT_LABELS = {
    "concept.created": _l("Made"),
    "concept.edited": _l("Text changed"),
    "concept.clusters_changed": _l("Clusters changed"),
    "concept.state_changed": _l("State changed"),
    "concept.published": _l("Published"),
    "concept.unpublished": _l("Taken off the public site"),
    "concept.scored": _l("Scored"),
}


@bp.app_context_processor
def labels() -> dict[str, Any]:
    return {
        "concept_state_label": ConceptState.label_for,
        "CONCEPT_EVENT_LABELS": EVENT_LABELS,
        "DISAGREE_RANGE": scoring.DISAGREE_RANGE,
        "DISAGREE_STDEV": scoring.DISAGREE_STDEV,
    }


# --- helpers -----------------------------------------------------------------------------------


def _get_concept(challenge: Challenge, concept_id: int) -> Concept:
    concept = services.get_concept(challenge, concept_id)
    if concept is None:
        abort(404)
    return concept


def _managed(slug: str, concept_id: int) -> tuple[Challenge, Concept]:
    challenge = get_challenge(slug, manage=True)
    return challenge, _get_concept(challenge, concept_id)


def _manage_url(concept: Concept) -> str:
    return url_for("concepts.manage", slug=concept.challenge.slug, concept_id=concept.id)


def _apply(form: Form, change: Callable[[], object]) -> int | None:
    """Validate ``form`` and run one service change. None: done and committed. Otherwise the
    status to show the form again with (the message is on the form, the input is kept)."""
    if not form.validate():
        return 422
    _result, status = submit(form, change, errors=services.ConceptError)
    return status


# --- list and ranking --------------------------------------------------------------------------


@bp.get("/c/<slug>/concepts")
def index(slug: str) -> str:
    challenge = get_challenge(slug, manage=True)
    filters = ListFilterForm(request.args)
    criteria = scoring.criteria_of(challenge)
    filters.set_criteria(criteria)
    sort = filters.sort.data if filters.sort.data in {c.value for c in
                                                      filters.sort.choices} else "mean"
    state = filters.state.data if filters.state.data in ConceptState.__members__ else None
    ranking = scoring.rank_concepts(acting_user(), challenge, sort=sort,
                                    state=ConceptState(state) if state else None)
    return render_template("concepts/index.html", challenge=challenge, ranking=ranking,
                           filters=filters, sort=sort,
                           verdict=check(challenge, Action.develop_concepts))


@bp.route("/c/<slug>/concepts/new", methods=["GET", "POST"])
def new(slug: str) -> tuple[str, int] | Response:
    challenge = get_challenge(slug, manage=True)
    verdict = check(challenge, Action.develop_concepts)
    form = NewConceptForm()
    form.set_clusters(services.shortlisted_clusters(challenge))
    if request.method == "GET":
        ticked = id_arg("cluster")
        form.cluster_ids.data = [ticked] if ticked else []
        return render_template("concepts/new.html", challenge=challenge, form=form,
                               verdict=verdict), 200
    made: list[Concept] = []
    status = _apply(form, lambda: made.append(services.create_concept(
        acting_user(), challenge, form.title.data, form.dream_big.data,
        form.realistic.data or "", form.cluster_ids.data or [])))
    if status is None:
        flash(_("The concept is made. Work it out, score it and publish it when ready."),
              "success")
        return redirect(_manage_url(made[0]))
    return render_template("concepts/new.html", challenge=challenge, form=form,
                           verdict=verdict), status


# --- the public page ---------------------------------------------------------------------------


@bp.get("/c/<slug>/concepts/<int:concept_id>")
@public
def show(slug: str, concept_id: int) -> str:
    challenge = get_challenge(slug)
    concept = _get_concept(challenge, concept_id)
    if not services.visible_to(current_user, concept):
        abort(404)
    page_number = page_arg()
    return render_template(
        "concepts/show.html", challenge=challenge, concept=concept,
        upstream=lineage.upstream(concept, current_user),
        ideas=ideas_behind(concept, page_number),
        prototypes=services.concept_prototypes(current_user, concept),
        manages=can_manage(current_user, challenge),
    )


# --- the manage page -----------------------------------------------------------------------------


def _moves(concept: Concept) -> list[tuple[str, str]]:
    """The state buttons: (state value, button text)."""
    ahead = services.next_step(concept.state)
    buttons = []
    for state in services.allowed_moves(concept.state):
        label = state.label
        if state is ConceptState.parked:
            text = _("Park")
        elif concept.state is ConceptState.parked:
            text = _("Reopen as draft")
        elif state is ahead:
            text = _("Next step: %(state)s", state=label)
        else:
            text = _("Back to: %(state)s", state=label)
        buttons.append((state.value, text))
    return buttons


def _score_data(board: scoring.ScoreBoard) -> dict[str, str]:
    data = {}
    for criterion_id, score in board.own.items():
        data[f"c{criterion_id}"], data[f"n{criterion_id}"] = str(score.score), score.note
    return data


def render_manage(challenge: Challenge, concept: Concept, status: int = 200,
                  **forms: Any) -> tuple[str, int]:
    """The manage page; a form that failed is passed in so its input and errors are kept."""
    viewer = acting_user()
    board = scoring.score_board(viewer, concept)
    criteria = scoring.criteria_of(challenge)
    choices = {c.id: c for c in services.shortlisted_clusters(challenge)}
    choices.update({c.id: c for c in concept.clusters})
    forms.setdefault("edit_form", ConceptForm(formdata=None, obj=concept))
    forms.setdefault("clusters_form", ClustersForm(
        formdata=None, cluster_ids=[c.id for c in concept.clusters]))
    forms["clusters_form"].set_clusters(sorted(choices.values(),
                                               key=lambda c: (c.position, c.id)))
    forms.setdefault("state_form", StateForm(formdata=None))
    if scoring.may_score(viewer, challenge):
        forms.setdefault("score_form", score_form(criteria, formdata=None,
                                                  data=_score_data(board)))
    return render_template(
        "concepts/manage.html", challenge=challenge, concept=concept, board=board,
        criteria=criteria, moves=_moves(concept), publish_form=PublishForm(formdata=None),
        history=services.concept_history(viewer, concept),
        verdict=check(challenge, Action.develop_concepts), **forms,
    ), status


@bp.get("/c/<slug>/concepts/<int:concept_id>/manage")
def manage(slug: str, concept_id: int) -> tuple[str, int]:
    return render_manage(*_managed(slug, concept_id))


def _done(concept: Concept, message: str) -> Response:
    flash(message, "success")
    return redirect(_manage_url(concept))


@bp.post("/c/<slug>/concepts/<int:concept_id>/edit")
def edit(slug: str, concept_id: int) -> tuple[str, int] | Response:
    challenge, concept = _managed(slug, concept_id)
    form = ConceptForm()
    status = _apply(form, lambda: services.edit_concept(
        acting_user(), concept, form.title.data, form.dream_big.data, form.realistic.data))
    if status is None:
        return _done(concept, _("The concept is saved."))
    return render_manage(challenge, concept, status, edit_form=form)


@bp.post("/c/<slug>/concepts/<int:concept_id>/clusters")
def clusters(slug: str, concept_id: int) -> tuple[str, int] | Response:
    challenge, concept = _managed(slug, concept_id)
    form = ClustersForm()
    status = _apply(form, lambda: services.set_clusters(acting_user(), concept,
                                                        form.cluster_ids.data or []))
    if status is None:
        return _done(concept, _("The clusters of the concept are saved."))
    return render_manage(challenge, concept, status, clusters_form=form)


@bp.post("/c/<slug>/concepts/<int:concept_id>/state")
def change_state(slug: str, concept_id: int) -> tuple[str, int] | Response:
    challenge, concept = _managed(slug, concept_id)
    form = StateForm()
    status = _apply(form, lambda: services.change_state(acting_user(), concept,
                                                        form.state.data, form.reason.data))
    if status is None:
        return _done(concept, _("The concept is now: %(state)s.",
                                state=concept.state.label))
    return render_manage(challenge, concept, status, state_form=form)


@bp.post("/c/<slug>/concepts/<int:concept_id>/publish")
def publish(slug: str, concept_id: int) -> tuple[str, int] | Response:
    challenge, concept = _managed(slug, concept_id)
    form = PublishForm()
    wanted = form.publish.data == "1"
    status = _apply(form, lambda: services.set_published(acting_user(), concept, wanted))
    if status is None:
        return _done(concept, _("The concept is public now.") if wanted
                     else _("The concept is no longer public."))
    if status == 409:
        flash(form.form_errors[0], "error")
        return redirect(_manage_url(concept))
    abort(400)


@bp.post("/c/<slug>/concepts/<int:concept_id>/scores")
def score(slug: str, concept_id: int) -> tuple[str, int] | Response:
    challenge, concept = _managed(slug, concept_id)
    criteria = scoring.criteria_of(challenge)
    form = score_form(criteria)
    status = _apply(form, lambda: services.score_concept(
        acting_user(), concept, {c.id: form[f"c{c.id}"].data for c in criteria},
        {c.id: form[f"n{c.id}"].data or "" for c in criteria}))
    if status is None:
        return _done(concept, _("Your scores are saved."))
    return render_manage(challenge, concept, status, score_form=form)


# --- criteria ----------------------------------------------------------------------------------


def _criteria_url(challenge: Challenge) -> str:
    return url_for("concepts.criteria", slug=challenge.slug)


def _get_criterion(challenge: Challenge, criterion_id: int) -> ConceptCriterion:
    criterion = services.get_criterion(challenge, criterion_id)
    if criterion is None:
        abort(404)
    return criterion


def render_criteria(challenge: Challenge, status: int = 200,
                    failed: dict[str, Form] | None = None) -> tuple[str, int]:
    """The criteria page. ``failed`` maps a form prefix ("add", "e<id>", "r<id>") to a form
    that failed, so it is shown with its input and errors instead of a fresh copy."""
    failed = failed or {}
    criteria = scoring.criteria_of(challenge)
    edit_forms = {c.id: failed.get(f"e{c.id}") or CriterionForm(
        formdata=None, obj=c, prefix=f"e{c.id}") for c in criteria}
    remove_forms = {c.id: failed.get(f"r{c.id}") or RemoveCriterionForm(
        formdata=None, prefix=f"r{c.id}") for c in criteria}
    return render_template(
        "concepts/criteria.html", challenge=challenge, criteria=criteria,
        add_form=failed.get("add") or CriterionForm(formdata=None, prefix="add"),
        edit_forms=edit_forms, remove_forms=remove_forms, button_form=EmptyForm(),
        verdict=check(challenge, Action.develop_concepts),
    ), status


@bp.route("/c/<slug>/concepts/criteria", methods=["GET", "POST"])
def criteria(slug: str) -> tuple[str, int] | Response:
    challenge = get_challenge(slug, manage=True)
    if request.method == "GET":
        services.ensure_criteria(challenge)  # a new challenge starts with the defaults
        db.session.commit()
        return render_criteria(challenge)
    form = CriterionForm(prefix="add")
    status = _apply(form, lambda: services.add_criterion(
        acting_user(), challenge, form.name.data, form.help_text.data or ""))
    if status is None:
        flash(_("The criterion is added."), "success")
        return redirect(_criteria_url(challenge))
    return render_criteria(challenge, status, {"add": form})


@bp.post("/c/<slug>/concepts/criteria/<int:criterion_id>")
def edit_criterion(slug: str, criterion_id: int) -> tuple[str, int] | Response:
    challenge = get_challenge(slug, manage=True)
    criterion = _get_criterion(challenge, criterion_id)
    form = CriterionForm(prefix=f"e{criterion.id}")
    status = _apply(form, lambda: services.edit_criterion(
        acting_user(), criterion, form.name.data, form.help_text.data or ""))
    if status is None:
        flash(_("The criterion is saved."), "success")
        return redirect(_criteria_url(challenge))
    return render_criteria(challenge, status, {f"e{criterion_id}": form})


@bp.post("/c/<slug>/concepts/criteria/<int:criterion_id>/move")
def move_criterion(slug: str, criterion_id: int) -> tuple[str, int] | Response:
    challenge = get_challenge(slug, manage=True)
    criterion = _get_criterion(challenge, criterion_id)
    form = EmptyForm()
    step = -1 if request.form.get("direction") == "up" else 1
    status = _apply(form, lambda: services.move_criterion(acting_user(), criterion, step))
    if status == 422:
        abort(400)
    if status == 409:
        flash(form.form_errors[0], "error")
    return redirect(_criteria_url(challenge))


@bp.post("/c/<slug>/concepts/criteria/<int:criterion_id>/remove")
def remove_criterion(slug: str, criterion_id: int) -> tuple[str, int] | Response:
    challenge = get_challenge(slug, manage=True)
    criterion = _get_criterion(challenge, criterion_id)
    name = criterion.name
    form = RemoveCriterionForm(prefix=f"r{criterion.id}")
    if form.validate() and not form.confirm.data:
        form.confirm.errors = [_("Tick the box to confirm. The scores on this criterion "
                                 "are removed too.")]
        return render_criteria(challenge, 422, {f"r{criterion_id}": form})
    status = _apply(form, lambda: services.remove_criterion(acting_user(), criterion))
    if status is None:
        flash(_("The criterion “%(name)s” is removed.", name=name), "success")
        return redirect(_criteria_url(challenge))
    return render_criteria(challenge, status, {f"r{criterion_id}": form})
