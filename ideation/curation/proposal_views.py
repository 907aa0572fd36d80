"""The proposal of suggested groups: ask, watch the job, review, accept, undo."""

from __future__ import annotations

from functools import partial

from flask import Response, abort, flash, jsonify, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from wtforms.fields.choices import SelectChoice

from ideation.challenges.models import Challenge
from ideation.challenges.phases import Action, check
from ideation.core.forms import EmptyForm
from ideation.core.i18n import content_choice
from ideation.core.i18n import lazy_gettext as _l
from ideation.core.permissions import acting_user
from ideation.core.routing import page_arg
from ideation.core.viewhelpers import attempt, ensure_button_posted
from ideation.curation import proposals
from ideation.curation.blueprint import bp
from ideation.curation.forms import GroupMembersForm, ProposalForm, SuggestForm
from ideation.curation.models import GroupState, ProposalState, SuggestedGroup, SuggestionProposal
from ideation.curation.services import CurationError
from ideation.extensions import db
from ideation.jobs import services as jobs
from ideation.jobs.models import Job
from ideation.loaders import get_challenge

_attempt = partial(attempt, errors=CurationError)

STEPS = {
    "queued": _l("Waiting for its turn"),
    "started": _l("Started"),
    "features": _l("Reading the ideas"),
    "fine": _l("Finding groups"),
    "themes": _l("Combining groups into themes"),
    "naming": _l("Naming the groups"),
    "storing": _l("Saving the proposal"),
    "done": _l("Ready"),
}


def step_label(job: Job | None) -> str:
    return str(STEPS.get(job.step, job.step)) if job is not None else ""


def _proposal_url(proposal: SuggestionProposal) -> str:
    return url_for("curation.proposal", slug=proposal.challenge.slug, proposal_id=proposal.id)


def _get_proposal(challenge: Challenge, proposal_id: int) -> SuggestionProposal:
    proposal = proposals.get_proposal(challenge, proposal_id)
    if proposal is None:
        abort(404)
    return proposal


def _get_group(proposal: SuggestionProposal, group_id: int) -> SuggestedGroup:
    group = db.session.get(SuggestedGroup, group_id)
    if group is None or group.proposal_id != proposal.id:
        abort(404)
    return group


@bp.post("/c/<slug>/board/suggest")
def suggest(slug: str) -> Response:
    """Store a proposal and compute it: at once, or on a worker for a large challenge."""
    challenge = get_challenge(slug, manage=True)
    form = SuggestForm()
    if not form.validate():
        flash(_("Choose a number of groups from 2 to 500, or leave it empty."), "error")
        return redirect(url_for("curation.board", slug=challenge.slug))
    try:
        proposal = proposals.request_suggestions(acting_user(), challenge, form.k.data)
    except CurationError as error:
        db.session.rollback()
        flash(str(error), "error")
        return redirect(url_for("curation.board", slug=challenge.slug))
    db.session.commit()
    job = proposals.proposal_job(proposal)
    if job is not None:
        jobs.dispatch(job)
    return redirect(_proposal_url(proposal))


@bp.get("/c/<slug>/board/proposals/<int:proposal_id>")
def proposal(slug: str, proposal_id: int) -> str:
    challenge = get_challenge(slug, manage=True)
    item = _get_proposal(challenge, proposal_id)
    job = proposals.proposal_job(item)
    watch = jobs.refresh(job) if job is not None else jobs.Watch()
    db.session.refresh(item)
    themes = proposals.proposal_view(item) if item.state is not ProposalState.computing else []
    verdict = check(challenge, Action.curate)
    return render_template(
        "curation/proposal.html", challenge=challenge, proposal=item, job=job, watch=watch,
        step=step_label(job), themes=themes, form=ProposalForm(formdata=None),
        button_form=EmptyForm(), suggest_form=SuggestForm(formdata=None),
        undoable=proposals.last_acceptance(item) is not None, verdict=verdict,
        open_state=GroupState.open, states=ProposalState,
    )


@bp.get("/c/<slug>/board/proposals/<int:proposal_id>/status")
def proposal_status(slug: str, proposal_id: int) -> Response:
    """For the progress script: how far the job is (the page itself works without it)."""
    challenge = get_challenge(slug, manage=True)
    item = _get_proposal(challenge, proposal_id)
    job = proposals.proposal_job(item)
    if job is not None:
        jobs.refresh(job)
    db.session.refresh(item)
    return jsonify(state=item.state.value, progress=job.progress if job else 100,
                   step=step_label(job), finished=item.state is not ProposalState.computing)


def _typed_names(proposal: SuggestionProposal) -> dict[int, str]:
    names: dict[int, str] = {}
    for group in proposal.groups:
        value = request.form.get(f"name-{group.id}")
        if value is not None and value.strip() and value.strip() != group.name:
            names[group.id] = value.strip()[:120]
    return names


@bp.post("/c/<slug>/board/proposals/<int:proposal_id>")
def decide(slug: str, proposal_id: int) -> Response:
    """One form, three buttons: accept the ticked groups (with the names as typed), save the
    names only, or set the ticked groups aside."""
    challenge = get_challenge(slug, manage=True)
    item = _get_proposal(challenge, proposal_id)
    form = ProposalForm()
    if not form.validate():
        abort(400)
    back = redirect(_proposal_url(item))
    action = request.form.get("action", "")
    names = _typed_names(item)
    chosen = form.group_ids.data or []
    if action == "rename":
        return _attempt(lambda: proposals.rename_groups(acting_user(), item, names),
                        lambda n: ngettext("%(num)s name is saved.", "%(num)s names are saved.",
                                           n), back)
    if action == "discard":
        return _attempt(lambda: proposals.discard_groups(acting_user(), item, chosen),
                        lambda n: ngettext("%(num)s group is set aside.",
                                           "%(num)s groups are set aside.", n), back)
    if action != "accept":
        abort(400)

    def accept() -> proposals.Acceptance:
        if names:
            proposals.rename_groups(acting_user(), item, names)
        return proposals.accept_groups(acting_user(), item, chosen)

    return _attempt(accept, _accepted_message, back)


def _accepted_message(done: proposals.Acceptance) -> str:
    message = ngettext("%(num)s cluster is made", "%(num)s clusters are made",
                       len(done.clusters))
    message += " " + ngettext("with %(num)s idea.", "with %(num)s ideas.", done.moved)
    if done.skipped:
        message += " " + ngettext(
            "%(num)s idea was already in a cluster and stays there.",
            "%(num)s ideas were already in a cluster and stay there.", done.skipped)
    return message + " " + _("You can undo this in one step.")


@bp.post("/c/<slug>/board/proposals/<int:proposal_id>/undo")
def undo_acceptance(slug: str, proposal_id: int) -> Response:
    challenge = get_challenge(slug, manage=True)
    item = _get_proposal(challenge, proposal_id)
    ensure_button_posted()
    return _attempt(lambda: proposals.undo_acceptance(acting_user(), item),
                    lambda n: ngettext("The acceptance is undone: %(num)s idea is without a "
                                       "cluster again.",
                                       "The acceptance is undone: %(num)s ideas are without a "
                                       "cluster again.", n),
                    redirect(_proposal_url(item)))


@bp.post("/c/<slug>/board/proposals/<int:proposal_id>/close")
def close_proposal(slug: str, proposal_id: int) -> Response:
    challenge = get_challenge(slug, manage=True)
    item = _get_proposal(challenge, proposal_id)
    ensure_button_posted()
    return _attempt(lambda: proposals.discard_proposal(acting_user(), item),
                    _("The proposal is closed. The clusters you accepted stay."),
                    redirect(url_for("curation.board", slug=challenge.slug)))


# --- one group -------------------------------------------------------------------------------


def _leaf_choices(proposal: SuggestionProposal, challenge: Challenge) -> list[SelectChoice]:
    parents = {g.parent_id for g in proposal.groups if g.parent_id is not None}
    names = {g.id: g.name for g in proposal.groups}
    choices = [SelectChoice("", _("Choose a group"))]
    for group in proposal.groups:
        if group.id in parents or group.state is not GroupState.open:
            continue
        label = group.name if group.parent_id is None else \
            f"{names.get(group.parent_id, '')} › {group.name}"
        choices.append(content_choice(group.id, label, challenge))
    return choices


@bp.get("/c/<slug>/board/proposals/<int:proposal_id>/groups/<int:group_id>")
def proposal_group(slug: str, proposal_id: int, group_id: int) -> str:
    challenge = get_challenge(slug, manage=True)
    item = _get_proposal(challenge, proposal_id)
    group = _get_group(item, group_id)
    page = page_arg()
    members, total = proposals.group_members(item, group, page)
    form = GroupMembersForm(formdata=None)
    form.group.choices = _leaf_choices(item, challenge)
    views = {view.group.id: view for theme in proposals.proposal_view(item)
             for view in (theme, *theme.children)}
    return render_template(
        "curation/proposal_group.html", challenge=challenge, proposal=item, group=group,
        view=views.get(group.id), members=members, total=total, page=page, per_page=100,
        form=form, editable=item.state is ProposalState.open and group.state is GroupState.open,
        verdict=check(challenge, Action.curate))


@bp.post("/c/<slug>/board/proposals/<int:proposal_id>/groups/<int:group_id>")
def change_members(slug: str, proposal_id: int, group_id: int) -> Response:
    challenge = get_challenge(slug, manage=True)
    item = _get_proposal(challenge, proposal_id)
    group = _get_group(item, group_id)
    form = GroupMembersForm()
    form.group.choices = []
    back = redirect(url_for("curation.proposal_group", slug=challenge.slug,
                            proposal_id=item.id, group_id=group.id))
    if not form.validate():
        flash(_("Select one or more ideas first."), "error")
        return back
    action = request.form.get("action", "")
    ids = form.idea_ids.data or []
    if action in ("reject", "restore"):
        return _attempt(lambda: proposals.reject_members(acting_user(), item, ids,
                                                         rejected=action == "reject"),
                        lambda n: ngettext("%(num)s idea is taken out of the group.",
                                           "%(num)s ideas are taken out of the group.", n)
                        if action == "reject" else
                        ngettext("%(num)s idea is back in the group.",
                                 "%(num)s ideas are back in the group.", n), back)
    if action != "move":
        abort(400)
    if not form.group.data:
        flash(_("Choose the group to move the ideas to."), "error")
        return back
    target = _get_group(item, form.group.data)
    return _attempt(lambda: proposals.move_members(acting_user(), item, ids, target),
                    lambda n: ngettext("%(num)s idea moved to “%(name)s”.",
                                       "%(num)s ideas moved to “%(name)s”.", n,
                                       name=target.name), back)
