"""The core team's board, the cluster pages and the suggestions. Core team and admins only."""

from __future__ import annotations

from dataclasses import dataclass
from functools import partial

from flask import (
    Response,
    abort,
    flash,
    jsonify,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user
from wtforms.fields.choices import SelectChoice

from ideation.challenges.models import Challenge
from ideation.challenges.phases import Action, PhaseClosed, check
from ideation.core.cache import cached
from ideation.core.forms import EmptyForm
from ideation.core.i18n import content_choice
from ideation.core.permissions import acting_user
from ideation.core.routing import id_arg, optional_database_id, optional_number, page_arg
from ideation.core.security import safe_next
from ideation.core.viewhelpers import attempt, ensure_button_posted, submit
from ideation.curation import duplicates, proposals, services
from ideation.curation.blueprint import bp
from ideation.curation.forms import (
    BoardFilterForm,
    ClusterForm,
    MergeForm,
    MergeIdeaForm,
    MoveForm,
    SplitForm,
    SuggestForm,
)
from ideation.curation.models import Cluster, ClusterState
from ideation.extensions import db
from ideation.ideas import reading, visibility
from ideation.ideas.models import Idea
from ideation.jobs import services as jobs
from ideation.loaders import get_challenge

_attempt = partial(attempt, errors=services.CurationError)
_submit = partial(submit, errors=services.CurationError)


@dataclass(frozen=True)
class PublicCluster:
    id: int
    name: str
    summary: str


@bp.app_template_global()
def published_clusters(challenge: Challenge) -> list[tuple[PublicCluster, int]]:
    """For the public challenge page: published clusters and their number of ideas, the same
    for every visitor, so cached until the next write (plain values, no database rows)."""
    return cached(
        ("public-clusters", challenge.id),
        lambda: [
            (PublicCluster(cluster.id, cluster.name, cluster.summary), count)
            for cluster, count in services.public_clusters(challenge)
        ],
    )


@bp.app_template_global()
def merged_into(idea: Idea) -> Idea | None:
    """For the idea page: the idea this one is merged into, when the viewer may see it."""
    kept = duplicates.merged_into(idea)
    return kept if kept is not None and visibility.visible_to(current_user, kept) else None


@bp.app_template_global()
def credited_authors(kept: Idea) -> list[Idea]:
    """For the idea page: the ideas merged into ``kept``, whose authors are credited."""
    return duplicates.credited_authors(kept)


def _wants_json() -> bool:
    best = request.accept_mimetypes.best_match(["text/html", "application/json"])
    return best == "application/json"


def _board_url(challenge: Challenge) -> str:
    return url_for("curation.board", slug=challenge.slug)


def _back(challenge: Challenge, form: MoveForm | None = None) -> Response:
    target = form.next.data if form is not None else request.form.get("next")
    return redirect(safe_next(target, _board_url(challenge)))


def _get_cluster(challenge: Challenge, cluster_id: int) -> Cluster:
    cluster = services.get_cluster(challenge, cluster_id)
    if cluster is None:
        abort(404)
    return cluster


def _cluster_choices(challenge: Challenge,
                    cards: list[services.ClusterCard]) -> list[SelectChoice]:
    return [SelectChoice("", _("Choose a cluster")),
            SelectChoice("none", _("No cluster (take out)"))] + [
        content_choice(str(card.cluster.id), card.cluster.name, challenge) for card in cards]


# --- the board -------------------------------------------------------------------------------


@bp.get("/c/<slug>/board")
def board(slug: str) -> str:
    challenge = get_challenge(slug, manage=True)
    filters = BoardFilterForm(request.args)
    filters.theme.choices = [SelectChoice("", _("All themes"))] + [
        content_choice(t.id, t.name, challenge) for t in challenge.themes]
    text = (filters.q.data or "").strip()[:200]
    source = filters.source.data if filters.source.data in services.SOURCES else None
    page_number = page_arg()
    page = services.board_ideas(challenge, theme_id=filters.theme.data, text=text,
                                unclustered_only=not filters.all.data, source=source,
                                page=page_number)
    cards = services.board_clusters(challenge)
    move_form = MoveForm(formdata=None, next=request.full_path)
    move_form.cluster.choices = _cluster_choices(challenge, cards)
    shown_all = "y" if filters.all.data else None
    query = {key: value for key, value in
             (("q", text), ("theme", filters.theme.data), ("all", shown_all),
              ("source", source)) if value}
    names = {card.cluster.id: card.cluster.name for card in cards}
    opened_id = id_arg("open")
    opened = next((card for card in cards if card.cluster.id == opened_id), None)
    proposal = proposals.current_proposal(challenge)
    undoable = proposals.latest_undoable(challenge)
    return render_template(
        "curation/board.html", challenge=challenge, filters=filters, page=page, cards=cards,
        names=names, move_form=move_form, query=query, button_form=EmptyForm(),
        suggest_form=SuggestForm(formdata=None), merged=services.merged_clusters(challenge),
        can_undo=services.last_move(challenge) is not None,
        verdict=check(challenge, Action.curate), opened=opened,
        opened_members=services.cluster_members(opened.cluster) if opened else [],
        proposal=proposal, proposal_groups=proposals.group_count(proposal) if proposal else 0,
        undoable_proposal=undoable[0] if undoable else None,
    )


def _move_reply(challenge: Challenge, message: str, ok: bool, form: MoveForm,
                status: int = 200) -> Response | tuple[Response, int]:
    if _wants_json():
        counts = services.member_counts(challenge)
        # str(): a lazy translation would go into JSON in its HTML (escaped) form.
        return jsonify(ok=ok, message=str(message),
                       counts={str(c): n for c, n in counts.items()}), status
    flash(message, "success" if ok else "error")
    return _back(challenge, form)


@bp.post("/c/<slug>/board/move")
def move(slug: str) -> Response | tuple[Response, int]:
    challenge = get_challenge(slug, manage=True)
    form = MoveForm()
    if not form.validate():
        return _move_reply(challenge, _("Select one or more ideas first."), False, form, 422)
    choice = form.cluster.data or ""
    cluster = None
    if choice != "none":
        cluster_id = optional_database_id(choice)
        if cluster_id is None:
            return _move_reply(challenge, _("Choose a cluster to move the ideas to."), False,
                               form, 422)
        cluster = _get_cluster(challenge, cluster_id)
    try:
        moved = services.move_ideas_to_cluster(acting_user(), challenge, form.idea_ids.data,
                                               cluster)
    except PhaseClosed as closed:
        return _move_reply(challenge, closed.verdict.reason or "", False, form, 409)
    except services.CurationError as error:
        return _move_reply(challenge, str(error), False, form, 422)
    db.session.commit()
    if cluster is None:
        message = ngettext("%(num)s idea is taken out of its cluster.",
                           "%(num)s ideas are taken out of their cluster.", moved)
    else:
        message = ngettext("%(num)s idea moved to “%(name)s”.",
                           "%(num)s ideas moved to “%(name)s”.", moved, name=cluster.name)
    return _move_reply(challenge, message, True, form)


@bp.post("/c/<slug>/board/new")
def new_cluster(slug: str) -> Response:
    """A new cluster, with the selected ideas in it (if any were selected)."""
    challenge = get_challenge(slug, manage=True)
    form = MoveForm()
    if not form.validate():
        flash(_("Give the cluster a name."), "error")
        return _back(challenge, form)

    def make() -> tuple[Cluster, int]:
        cluster = services.create_cluster(acting_user(), challenge, form.name.data or "")
        moved = 0
        if form.idea_ids.data:
            moved = services.move_ideas_to_cluster(acting_user(), challenge, form.idea_ids.data,
                                                   cluster)
        return cluster, moved

    return _attempt(make, _made_message, _back(challenge, form))


def _made_message(made: tuple[Cluster, int]) -> str:
    cluster, moved = made
    return ngettext("The cluster “%(name)s” is made with %(num)s idea.",
                    "The cluster “%(name)s” is made with %(num)s ideas.", moved,
                    name=cluster.name)


@bp.post("/c/<slug>/board/undo")
def undo_move(slug: str) -> Response:
    challenge = get_challenge(slug, manage=True)
    ensure_button_posted()
    return _attempt(lambda: services.undo_last_move(acting_user(), challenge),
                    lambda restored: ngettext("%(num)s idea is back where it was.",
                                              "%(num)s ideas are back where they were.",
                                              restored),
                    _back(challenge))


# --- suggestions -------------------------------------------------------------------------------


# Cosine similarities of short texts are low; from this one a proposal is ticked by default.
STRONG_ASSIGNMENT = 0.2


@bp.post("/c/<slug>/board/assign")
def assign(slug: str) -> str | Response:
    """Propose an existing cluster for each unclustered idea that fits one (nothing stored)."""
    challenge = get_challenge(slug, manage=True)
    try:
        assignments = services.suggest_assignments(acting_user(), challenge)
    except ImportError:
        flash(_("Suggestions are not available yet."), "error")
        return redirect(_board_url(challenge))
    return render_template("curation/assignments.html", challenge=challenge,
                           assignments=assignments, form=EmptyForm(),
                           strong=STRONG_ASSIGNMENT)


def _pairs(values: list[str]) -> list[tuple[int, int]]:
    pairs = []
    for value in values:
        idea_id, _sep, cluster_id = value.partition(":")
        idea_key, cluster_key = optional_database_id(idea_id), optional_database_id(cluster_id)
        if idea_key is not None and cluster_key is not None:
            pairs.append((idea_key, cluster_key))
    return pairs


@bp.post("/c/<slug>/board/assign/accept")
def accept_assignments(slug: str) -> Response:
    challenge = get_challenge(slug, manage=True)
    pairs = _pairs(request.form.getlist("assign"))
    if not pairs:
        flash(_("Select one or more ideas first."), "error")
        return redirect(_board_url(challenge))
    return _attempt(
        lambda: services.accept_assignments(acting_user(), challenge, pairs),
        lambda moved: ngettext("%(num)s idea is added to a cluster.",
                               "%(num)s ideas are added to a cluster.", moved),
        redirect(_board_url(challenge)))


# --- one cluster -------------------------------------------------------------------------------


def _cluster_url(cluster: Cluster) -> str:
    return url_for("curation.cluster", slug=cluster.challenge.slug, cluster_id=cluster.id)


def _render_cluster(challenge: Challenge, cluster: Cluster, status: int = 200,
                    form: ClusterForm | None = None) -> tuple[str, int]:
    others = [card.cluster for card in services.board_clusters(challenge)
              if card.cluster.id != cluster.id]
    merge_form = MergeForm(formdata=None)
    merge_form.into.choices = [SelectChoice("", _("Choose a cluster"))] + [
        content_choice(c.id, c.name, challenge) for c in others]
    if form is None:
        form = ClusterForm(formdata=None, obj=cluster)
        form.state.data = cluster.state.value
    return render_template(
        "curation/cluster.html", challenge=challenge, cluster=cluster, form=form,
        members=services.cluster_members(cluster), merge_form=merge_form,
        split_form=SplitForm(formdata=None), button_form=EmptyForm(),
        verdict=check(challenge, Action.curate),
    ), status


@bp.route("/c/<slug>/clusters/<int:cluster_id>", methods=["GET", "POST"])
def cluster(slug: str, cluster_id: int) -> tuple[str, int] | Response:
    challenge = get_challenge(slug, manage=True)
    item = _get_cluster(challenge, cluster_id)
    if request.method == "GET":
        return _render_cluster(challenge, item)
    form = ClusterForm()
    if not form.validate():
        return _render_cluster(challenge, item, 422, form)

    def save() -> None:
        services.edit_cluster(acting_user(), item, form.name.data, form.summary.data or "")
        services.set_state(acting_user(), item, ClusterState(form.state.data))
        services.set_published(acting_user(), item, bool(form.is_published.data))

    _done, status = _submit(form, save)
    if status is not None:
        return _render_cluster(challenge, item, status, form)
    flash(_("The cluster is saved."), "success")
    return redirect(_cluster_url(item))


@bp.post("/c/<slug>/clusters/<int:cluster_id>/merge")
def merge(slug: str, cluster_id: int) -> Response:
    challenge = get_challenge(slug, manage=True)
    item = _get_cluster(challenge, cluster_id)
    form = MergeForm()
    form.into.choices = []
    if not form.validate():
        flash(_("Choose a cluster."), "error")
        return redirect(_cluster_url(item))
    keep = _get_cluster(challenge, form.into.data)
    return _attempt(lambda: services.merge_clusters(acting_user(), keep, item),
                    _("The cluster is merged into “%(name)s”. You can undo this here.",
                      name=keep.name), redirect(_cluster_url(item)))


@bp.post("/c/<slug>/clusters/<int:cluster_id>/unmerge")
def unmerge(slug: str, cluster_id: int) -> Response:
    challenge = get_challenge(slug, manage=True)
    item = _get_cluster(challenge, cluster_id)
    ensure_button_posted()
    return _attempt(lambda: services.unmerge(acting_user(), item), _("The merge is undone."),
                    redirect(_cluster_url(item)))


@bp.post("/c/<slug>/clusters/<int:cluster_id>/split")
def split(slug: str, cluster_id: int) -> Response:
    challenge = get_challenge(slug, manage=True)
    item = _get_cluster(challenge, cluster_id)
    form = SplitForm()
    if not form.validate():
        flash(_("Select ideas and give the new cluster a name."), "error")
        return redirect(_cluster_url(item))
    return _attempt(lambda: services.split_cluster(acting_user(), item, form.idea_ids.data,
                                                   form.new_name.data),
                    _("The selected ideas are in a new cluster now."),
                    redirect(_cluster_url(item)))


# --- near duplicates -----------------------------------------------------------------------------


def _get_idea(challenge: Challenge, idea_id: int) -> Idea:
    idea = reading.get_idea(challenge, idea_id)
    if idea is None:
        abort(404)
    return idea


def _duplicates_url(challenge: Challenge) -> str:
    return url_for("curation.duplicates_list", slug=challenge.slug)


def _threshold() -> int:
    """The slider's value in percent, kept within its range whatever the address says."""
    low = round(duplicates.LOWEST_THRESHOLD * 100)
    value = optional_number(request.args.get("threshold"), low=0, high=100)
    if value is None:
        value = round(duplicates.DEFAULT_THRESHOLD * 100)
    return max(low, min(100, value))


@bp.get("/c/<slug>/board/duplicates")
def duplicates_list(slug: str) -> str:
    """Alike pairs at the slider's threshold: found here and now, or for a large challenge
    (with a worker) read from the last background search."""
    challenge = get_challenge(slug, manage=True)
    threshold = _threshold()
    job = jobs.latest_job(challenge, "duplicates")
    background = jobs.runs_in_background(len(duplicates.published_documents(challenge)))
    watch = jobs.Watch()
    if background:
        if job is not None:
            watch = jobs.refresh(job)
        found = (job.result or {}).get("pairs", []) if job and job.result else []
        pairs = duplicates.pairs_of(found, threshold / 100)
    else:
        pairs = duplicates.duplicate_pairs(acting_user(), challenge, threshold / 100)
    return render_template(
        "curation/duplicates.html", challenge=challenge, pairs=pairs, threshold=threshold,
        lowest=round(duplicates.LOWEST_THRESHOLD * 100), background=background, job=job,
        watch=watch, merge_form=MergeIdeaForm(formdata=None), button_form=EmptyForm(),
        next=request.full_path, verdict=check(challenge, Action.curate),
    )


@bp.post("/c/<slug>/board/duplicates/search")
def search_duplicates(slug: str) -> Response:
    """Start the background search for alike pairs (large challenges with a worker)."""
    challenge = get_challenge(slug, manage=True)
    ensure_button_posted()
    job = duplicates.request_pairs(acting_user(), challenge)
    db.session.commit()
    jobs.dispatch(job)
    return redirect(_duplicates_url(challenge))


def _merge_pairs(values: list[str]) -> list[tuple[int, int]]:
    pairs = []
    for value in values:
        duplicate, _sep, kept = value.partition(":")
        duplicate_id, kept_id = optional_database_id(duplicate), optional_database_id(kept)
        if duplicate_id is not None and kept_id is not None:
            pairs.append((duplicate_id, kept_id))
    return pairs


@bp.post("/c/<slug>/board/duplicates/merge")
def merge_duplicates(slug: str) -> Response:
    """Merge every ticked pair (the right idea into the left one) in one go."""
    challenge = get_challenge(slug, manage=True)
    ensure_button_posted()
    back = redirect(safe_next(request.form.get("next"), _duplicates_url(challenge)))
    pairs = _merge_pairs(request.form.getlist("pair"))
    if not pairs:
        flash(_("Select one or more pairs first."), "error")
        return back

    def message(done: tuple[int, int]) -> str:
        merged, skipped = done
        text = ngettext("%(num)s idea is merged.", "%(num)s ideas are merged.", merged)
        if skipped:
            text += " " + ngettext("%(num)s pair was skipped: one of its ideas was merged "
                                   "already.", "%(num)s pairs were skipped: one of their ideas "
                                   "was merged already.", skipped)
        return text + " " + _("You can undo a merge on the idea page.")

    return _attempt(lambda: duplicates.merge_duplicates(acting_user(), challenge, pairs),
                    message, back)


@bp.post("/c/<slug>/ideas/<int:idea_id>/merge")
def merge_idea(slug: str, idea_id: int) -> Response:
    challenge = get_challenge(slug, manage=True)
    duplicate = _get_idea(challenge, idea_id)
    form = MergeIdeaForm()
    back = redirect(safe_next(form.next.data, _duplicates_url(challenge)))
    if not form.validate():
        flash(_("Choose the idea to keep."), "error")
        return back
    kept = db.session.get(Idea, form.kept_id.data)
    if kept is None:
        abort(404)
    return _attempt(
        lambda: duplicates.merge_duplicate(acting_user(), duplicate, kept),
        _("“%(title)s” is merged into “%(kept)s”. You can undo this on the idea page.",
          title=duplicate.title, kept=kept.title), back)


@bp.post("/c/<slug>/ideas/<int:idea_id>/unmerge")
def unmerge_idea(slug: str, idea_id: int) -> Response:
    challenge = get_challenge(slug, manage=True)
    duplicate = _get_idea(challenge, idea_id)
    ensure_button_posted()
    return _attempt(lambda: duplicates.unmerge_duplicate(acting_user(), duplicate),
                    _("The merge is undone."),
                    redirect(url_for("ideas.show", slug=challenge.slug, idea_id=duplicate.id)))


# The proposal pages attach their routes to ``bp`` when imported.
from ideation.curation import proposal_views  # noqa: E402, F401
