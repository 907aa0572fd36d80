"""Suggested groups as a stored proposal the core team reviews.

One request ("Stel groepen voor", or ``flask cluster``) stores a ``SuggestionProposal`` with
who asked, when, the parameters and the ideas it saw; a job (in-process, or on a worker for
large challenges) fills it with themes, their sub-groups and the ideas in them. The core team
then renames groups, moves ideas between groups, rejects single ideas out of a group, and
accepts several groups at once, each becoming a cluster; or discards what it does not want.

Rules where the issue left room:

* Accepting only moves ideas that are still without a cluster: whatever the team did by hand
  since the run is never undone by a suggestion.
* Accepting a theme makes one cluster of all its sub-groups; accepting sub-groups makes one
  cluster each. A theme ticked together with its own sub-groups wins.
* One acceptance (however many groups) is one audit event and one undo: the ideas it moved
  that are still in the cluster it made go back to no cluster, the groups open again, and a
  cluster it made that is left empty, open and unpublished is removed again.
* A new request closes the open proposal it replaces (logged), so the board shows one.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import delete, func, insert, select, update

from ideation.accounts.models import User
from ideation.challenges.models import Challenge
from ideation.core.audit import record_event
from ideation.core.models import AuditEvent
from ideation.core.routing import MAX_DATABASE_INT
from ideation.curation.models import (
    Cluster,
    ClusterState,
    GroupState,
    ProposalState,
    SuggestedGroup,
    SuggestedMember,
    SuggestionProposal,
)
from ideation.curation.services import (
    CurationError,
    _clean_name,
    _ensure_can_curate,
    create_cluster,
    unclustered_documents,
)
from ideation.extensions import db
from ideation.ideas.models import Idea, IdeaStatus
from ideation.jobs.models import Job
from ideation.jobs.services import create_job, job_function, on_failure

ACCEPTED_EVENT = "suggestions.accepted"
UNDONE_EVENT = "suggestions.acceptance_undone"
SHOWN_MEMBERS = 5  # ideas shown per group on the proposal page before "show all"
CHUNK = 900  # ids per IN (...) list: well under SQLite's limit on bound parameters


def _ids(values: Iterable[int]) -> list[int]:
    """Distinct ids in the database's range; a larger number can match no row anyway."""
    return sorted({int(v) for v in values if 0 < int(v) <= MAX_DATABASE_INT})


def _chunks(ids: Sequence[int]) -> Iterable[Sequence[int]]:
    for start in range(0, len(ids), CHUNK):
        yield ids[start:start + CHUNK]


# --- asking -----------------------------------------------------------------------------------


def current_proposal(challenge: Challenge) -> SuggestionProposal | None:
    """The proposal the board shows: the newest one that is computing, open or failed."""
    return db.session.scalar(
        select(SuggestionProposal)
        .where(SuggestionProposal.challenge_id == challenge.id,
               SuggestionProposal.state != ProposalState.closed)
        .order_by(SuggestionProposal.id.desc()).limit(1))


def get_proposal(challenge: Challenge, proposal_id: int) -> SuggestionProposal | None:
    return db.session.scalar(
        select(SuggestionProposal).where(SuggestionProposal.id == proposal_id,
                                         SuggestionProposal.challenge_id == challenge.id))


def request_suggestions(actor: User | None, challenge: Challenge, k: int | None = None,
                        *, via: str = "web") -> SuggestionProposal:
    """Store a new proposal for the ideas without a cluster and a job that computes it.

    The caller commits and then hands ``proposal.job`` to ``ideation.jobs.services.dispatch``.
    """
    _ensure_can_curate(actor, challenge)
    if k is not None and not 2 <= int(k) <= 500:
        raise CurationError(_("Choose a number of groups from 2 to 500, or leave it empty."), "k")
    ids = [idea_id for idea_id, _text in unclustered_documents(challenge)]
    if len(ids) < 3:
        raise CurationError(_("There are too few ideas without a cluster to make suggestions."))
    previous = current_proposal(challenge)
    if previous is not None:
        previous.state = ProposalState.closed
        record_event(actor, "suggestions.replaced", previous, challenge=challenge,
                     old=ProposalState.open, new=ProposalState.closed)
    from ideation.curation.themes import METHOD

    proposal = SuggestionProposal(
        challenge=challenge, requested_by_id=actor.id if actor is not None else None,
        state=ProposalState.computing, idea_ids=ids,
        parameters={"k": int(k) if k is not None else None, "method": METHOD, "seed": 0,
                    "language": challenge.language.value, "via": via})
    db.session.add(proposal)
    db.session.flush()
    job = create_job(actor, challenge, "suggest", {"proposal_id": proposal.id}, size=len(ids))
    proposal.job_id = job.id
    record_event(actor, "suggestions.requested", proposal, challenge=challenge,
                 new=ProposalState.computing,
                 details={"k": proposal.parameters["k"], "ideas": len(ids), "job": job.id})
    db.session.flush()
    return proposal


def proposal_job(proposal: SuggestionProposal) -> Job | None:
    return db.session.get(Job, proposal.job_id) if proposal.job_id else None


@job_function("suggest")
def compute_proposal(job: Job, progress: Any) -> dict[str, Any]:
    """The job: cluster the ideas the proposal saw and store its themes and groups."""
    from ideation.curation.themes import suggest_themes

    proposal = db.session.get(SuggestionProposal, int(job.arguments["proposal_id"]))
    if proposal is None:
        raise LookupError("the proposal was removed")
    ids = list(proposal.idea_ids)
    texts: dict[int, str] = {}
    for chunk in _chunks(ids):
        for idea_id, title, description in db.session.execute(
            select(Idea.id, Idea.title, Idea.description).where(Idea.id.in_(chunk))
        ):
            texts[idea_id] = f"{title}\n{description}"
    docs = [(idea_id, texts[idea_id]) for idea_id in ids if idea_id in texts]
    progress(5, "features")
    themes = suggest_themes(docs, proposal.parameters.get("language", "nl"),
                            proposal.parameters.get("k"), seed=int(proposal.parameters["seed"]),
                            progress=lambda share, step: progress(5 + int(85 * share), step))
    progress(92, "storing")
    members: list[dict[str, Any]] = []
    position = 0
    for theme in themes:
        position += 1
        top = _stored_group(proposal, None, theme, position)
        if not theme.children:
            members.extend(_member_rows(proposal, top, theme))
        for child in theme.children:
            position += 1
            leaf = _stored_group(proposal, top.id, child, position)
            members.extend(_member_rows(proposal, leaf, child))
    if members:
        db.session.execute(insert(SuggestedMember), members)
    proposal.state = ProposalState.open
    record_event(None, "suggestions.ready", proposal, challenge=proposal.challenge,
                 old=ProposalState.computing, new=ProposalState.open,
                 details={"themes": len(themes),
                          "groups": sum(max(1, len(t.children)) for t in themes)})
    db.session.commit()
    return {"proposal_id": proposal.id, "themes": len(themes)}


def _stored_group(proposal: SuggestionProposal, parent_id: int | None, found: Any,
                  position: int) -> SuggestedGroup:
    group = SuggestedGroup(proposal_id=proposal.id, parent_id=parent_id, position=position,
                           name=found.name[:120] or "?", summary=found.summary,
                           terms=list(found.terms), typical_ids=list(found.typical_ids),
                           tightness=float(found.tightness), state=GroupState.open)
    db.session.add(group)
    db.session.flush()
    return group


def _member_rows(proposal: SuggestionProposal, group: SuggestedGroup,
                 found: Any) -> list[dict[str, Any]]:
    return [{"proposal_id": proposal.id, "group_id": group.id, "idea_id": idea_id,
             "score": float(score), "is_rejected": False}
            for idea_id, score in zip(found.member_ids, found.scores, strict=True)]


@on_failure("suggest")
def _proposal_failed(job: Job) -> None:
    proposal = db.session.get(SuggestionProposal, int(job.arguments.get("proposal_id", 0)))
    if proposal is not None and proposal.state is ProposalState.computing:
        proposal.state = ProposalState.failed
        record_event(None, "suggestions.failed", proposal, challenge=proposal.challenge,
                     old=ProposalState.computing, new=ProposalState.failed,
                     reason=job.error)


# --- reviewing --------------------------------------------------------------------------------


def _ensure_open(actor: User | None, proposal: SuggestionProposal) -> None:
    _ensure_can_curate(actor, proposal.challenge)
    if proposal.state is not ProposalState.open:
        raise CurationError(_("This proposal is closed. Ask for new suggestions."))


def _groups_of(proposal: SuggestionProposal, group_ids: Iterable[int]) -> list[SuggestedGroup]:
    given = list(group_ids)
    ids = _ids(given)
    if not given:
        raise CurationError(_("Select one or more groups first."), "group_ids")
    groups = list(db.session.scalars(
        select(SuggestedGroup).where(SuggestedGroup.proposal_id == proposal.id,
                                     SuggestedGroup.id.in_(ids))
        .order_by(SuggestedGroup.position)))
    if len(groups) != len(set(given)):
        raise CurationError(_("Some of the selected groups cannot be found."), "group_ids")
    return groups


def _leaves(proposal: SuggestionProposal, group: SuggestedGroup) -> list[SuggestedGroup]:
    children = [g for g in proposal.groups if g.parent_id == group.id]
    return children or [group]


def rename_groups(actor: User, proposal: SuggestionProposal,
                  names: Mapping[int, str]) -> int:
    """Give groups of an open proposal other names. Returns how many names changed."""
    _ensure_open(actor, proposal)
    changed = []
    for group in _groups_of(proposal, names) if names else []:
        name = _clean_name(names[group.id])
        if name != group.name:
            changed.append([group.id, group.name, name])
            group.name = name
    if changed:
        record_event(actor, "suggestions.renamed", proposal, challenge=proposal.challenge,
                     details={"names": changed})
    db.session.flush()
    return len(changed)


def _open_members(proposal: SuggestionProposal, idea_ids: Iterable[int]
                  ) -> list[SuggestedMember]:
    given = list(idea_ids)
    ids = _ids(given)
    if not given:
        raise CurationError(_("Select one or more ideas first."), "idea_ids")
    open_groups = select(SuggestedGroup.id).where(SuggestedGroup.proposal_id == proposal.id,
                                                  SuggestedGroup.state == GroupState.open)
    members = list(db.session.scalars(
        select(SuggestedMember).where(SuggestedMember.proposal_id == proposal.id,
                                      SuggestedMember.idea_id.in_(ids),
                                      SuggestedMember.group_id.in_(open_groups))))
    if len(members) != len(set(given)):
        raise CurationError(_("Some of the selected ideas are not in an open group."),
                            "idea_ids")
    return members


def move_members(actor: User, proposal: SuggestionProposal, idea_ids: Iterable[int],
                 group: SuggestedGroup) -> int:
    """Move ideas to another group of the proposal (a sub-group, or a theme without any)."""
    _ensure_open(actor, proposal)
    if group.proposal_id != proposal.id or group.state is not GroupState.open:
        raise CurationError(_("Choose an open group of this proposal."), "group")
    if any(g.parent_id == group.id for g in proposal.groups):
        raise CurationError(_("Choose one of the theme's sub-groups."), "group")
    moves = []
    for member in _open_members(proposal, idea_ids):
        if member.group_id != group.id or member.is_rejected:
            moves.append([member.idea_id, member.group_id])
            member.group_id, member.is_rejected = group.id, False
    if moves:
        record_event(actor, "suggestions.ideas_moved", proposal, challenge=proposal.challenge,
                     new=group.id, details={"to": group.id, "moves": moves})
    db.session.flush()
    return len(moves)


def reject_members(actor: User, proposal: SuggestionProposal, idea_ids: Iterable[int],
                   rejected: bool = True) -> int:
    """Take ideas out of their suggested group (``rejected=False`` puts them back)."""
    _ensure_open(actor, proposal)
    changed = [m for m in _open_members(proposal, idea_ids) if m.is_rejected is not rejected]
    for member in changed:
        member.is_rejected = rejected
    if changed:
        record_event(actor, "suggestions.ideas_rejected" if rejected
                     else "suggestions.ideas_restored", proposal, challenge=proposal.challenge,
                     details={"ideas": [[m.idea_id, m.group_id] for m in changed]})
    db.session.flush()
    return len(changed)


def discard_groups(actor: User, proposal: SuggestionProposal,
                   group_ids: Iterable[int]) -> int:
    """Set groups aside (a theme with all its sub-groups). Returns how many were open."""
    _ensure_open(actor, proposal)
    discarded = []
    for group in _groups_of(proposal, group_ids):
        for item in {group, *_leaves(proposal, group)}:
            if item.state is GroupState.open:
                item.state = GroupState.discarded
                discarded.append(item.id)
    if discarded:
        record_event(actor, "suggestions.discarded", proposal, challenge=proposal.challenge,
                     details={"groups": sorted(discarded)})
    _close_when_decided(actor, proposal)
    db.session.flush()
    return len(discarded)


def discard_proposal(actor: User, proposal: SuggestionProposal) -> None:
    """Close the proposal: its open groups are set aside, accepted clusters stay."""
    _ensure_can_curate(actor, proposal.challenge)
    if proposal.state is ProposalState.closed:
        return
    old = proposal.state
    for group in proposal.groups:
        if group.state is GroupState.open:
            group.state = GroupState.discarded
    proposal.state = ProposalState.closed
    record_event(actor, "suggestions.closed", proposal, challenge=proposal.challenge, old=old,
                 new=ProposalState.closed)
    db.session.flush()


def _close_when_decided(actor: User | None, proposal: SuggestionProposal) -> None:
    if all(g.state is not GroupState.open for g in proposal.groups):
        proposal.state = ProposalState.closed
        record_event(actor, "suggestions.closed", proposal, challenge=proposal.challenge,
                     old=ProposalState.open, new=ProposalState.closed)


# --- accepting and undoing ------------------------------------------------------------------


@dataclass
class Acceptance:
    clusters: list[Cluster] = field(default_factory=list)
    moved: int = 0
    skipped: int = 0  # ideas that a person put in a cluster meanwhile (left where they are)


def accept_groups(actor: User, proposal: SuggestionProposal, group_ids: Iterable[int],
                  names: Mapping[int, str] | None = None) -> Acceptance:
    """Make a cluster of each chosen group, named as given in ``names`` (or as suggested).

    Moves only ideas that are published, not merged, not rejected from the group and still
    without a cluster. One audit event for the whole acceptance, so one undo takes it back.
    """
    _ensure_open(actor, proposal)
    names = dict(names or {})
    chosen = _groups_of(proposal, group_ids)
    chosen_ids = {g.id for g in chosen}
    # A theme ticked with its own sub-groups: the theme wins.
    chosen = [g for g in chosen if g.parent_id not in chosen_ids]
    for group in chosen:
        if group.state is not GroupState.open:
            raise CurationError(_("“%(name)s” is already decided.", name=group.name),
                                "group_ids")
    result = Acceptance()
    log: list[dict[str, Any]] = []
    for group in chosen:
        name = _clean_name(names.get(group.id, group.name))
        leaves = [leaf for leaf in _leaves(proposal, group) if leaf.state is GroupState.open]
        leaf_ids = [leaf.id for leaf in leaves]
        candidates = list(db.session.scalars(
            select(SuggestedMember.idea_id).where(SuggestedMember.group_id.in_(leaf_ids),
                                                  SuggestedMember.is_rejected.is_(False))))
        free = _still_free(proposal.challenge, candidates)
        cluster = create_cluster(actor, proposal.challenge, name, group.summary,
                                 from_suggestion=True)
        db.session.flush()
        for chunk in _chunks(free):
            db.session.execute(update(Idea).where(Idea.id.in_(chunk)).values(
                cluster_id=cluster.id), execution_options={"synchronize_session": False})
        for item in {group, *leaves}:
            item.state, item.cluster_id = GroupState.accepted, cluster.id
        if name != group.name:
            group.name = name
        result.clusters.append(cluster)
        result.moved += len(free)
        result.skipped += len(candidates) - len(free)
        log.append({"group": group.id, "groups": sorted({group.id, *leaf_ids}),
                    "cluster": cluster.id, "name": name, "ideas": free})
    record_event(actor, ACCEPTED_EVENT, proposal, challenge=proposal.challenge,
                 details={"accepted": log})
    _close_when_decided(actor, proposal)
    db.session.flush()
    db.session.expire_all()  # the bulk updates bypassed loaded ideas
    return result


def _still_free(challenge: Challenge, idea_ids: Sequence[int]) -> list[int]:
    free: list[int] = []
    for chunk in _chunks(sorted(set(idea_ids))):
        free.extend(db.session.scalars(
            select(Idea.id).where(Idea.id.in_(chunk), Idea.challenge_id == challenge.id,
                                  Idea.status == IdeaStatus.published,
                                  Idea.merged_into_id.is_(None), Idea.cluster_id.is_(None))))
    return sorted(free)


def last_acceptance(proposal: SuggestionProposal) -> AuditEvent | None:
    """The newest acceptance of ``proposal`` that has not been undone."""
    events = db.session.scalars(
        select(AuditEvent).where(AuditEvent.object_type == SuggestionProposal.__tablename__,
                                 AuditEvent.object_id == proposal.id,
                                 AuditEvent.action.in_([ACCEPTED_EVENT, UNDONE_EVENT]))
        .order_by(AuditEvent.id.desc()).limit(200)).all()
    undone = {e.details.get("undoes") for e in events if e.action == UNDONE_EVENT and e.details}
    return next((e for e in events if e.action == ACCEPTED_EVENT and e.id not in undone), None)


def latest_undoable(challenge: Challenge) -> tuple[SuggestionProposal, AuditEvent] | None:
    """The proposal with the newest acceptance that can still be undone, for the board."""
    event = db.session.scalar(
        select(AuditEvent).where(AuditEvent.challenge_id == challenge.id,
                                 AuditEvent.action == ACCEPTED_EVENT)
        .order_by(AuditEvent.id.desc()).limit(1))
    if event is None or event.object_id is None:
        return None
    proposal = db.session.get(SuggestionProposal, event.object_id)
    if proposal is None:
        return None
    latest = last_acceptance(proposal)
    return (proposal, latest) if latest is not None else None


def undo_acceptance(actor: User, proposal: SuggestionProposal) -> int:
    """Take the last acceptance of ``proposal`` back in one step. Returns the ideas moved back.

    Ideas moved by hand since stay where they are; the groups open again (and the proposal
    with them); a cluster the acceptance made that is now empty, open and unpublished goes.
    """
    _ensure_can_curate(actor, proposal.challenge)
    event = last_acceptance(proposal)
    if event is None or not event.details:
        raise CurationError(_("There is no acceptance to undo."))
    restored = 0
    removed: list[int] = []
    for entry in event.details.get("accepted", []):
        cluster_id = int(entry["cluster"])
        ids = [int(i) for i in entry.get("ideas", [])]
        for chunk in _chunks(ids):
            restored += db.session.execute(
                update(Idea).where(Idea.id.in_(chunk), Idea.cluster_id == cluster_id)
                .values(cluster_id=None), execution_options={"synchronize_session": False}
            ).rowcount or 0
        for group in proposal.groups:
            if group.id in entry.get("groups", []) and group.cluster_id == cluster_id:
                group.state, group.cluster_id = GroupState.open, None
        cluster = db.session.get(Cluster, cluster_id)
        still_used = db.session.scalar(
            select(func.count(Idea.id)).where(Idea.cluster_id == cluster_id)) or 0
        if cluster is not None and not still_used and cluster.state is ClusterState.open \
                and not cluster.is_published and cluster.merged_into_id is None:
            removed.append(cluster_id)
            db.session.execute(delete(Cluster).where(Cluster.id == cluster_id))
    old = proposal.state
    proposal.state = ProposalState.open
    record_event(actor, UNDONE_EVENT, proposal, challenge=proposal.challenge, old=old,
                 new=ProposalState.open,
                 details={"undoes": event.id, "restored": restored, "removed": removed})
    db.session.flush()
    db.session.expire_all()
    return restored


# --- reading ----------------------------------------------------------------------------------


@dataclass
class GroupView:
    group: SuggestedGroup
    size: int
    shown: list[Idea]
    typical: list[Idea]
    children: list[GroupView]


def proposal_view(proposal: SuggestionProposal, shown: int = SHOWN_MEMBERS) -> list[GroupView]:
    """The themes of ``proposal`` with their sizes (ideas not rejected), first ideas and
    typical ideas, and their sub-groups: three queries, whatever the number of groups."""
    groups = list(proposal.groups)
    sizes = dict(db.session.execute(
        select(SuggestedMember.group_id, func.count(SuggestedMember.id))
        .where(SuggestedMember.proposal_id == proposal.id,
               SuggestedMember.is_rejected.is_(False))
        .group_by(SuggestedMember.group_id)).all())
    # The first ideas of each group: the most typical, by score, cut in Python per group.
    ranked = db.session.execute(
        select(SuggestedMember.group_id, SuggestedMember.idea_id)
        .where(SuggestedMember.proposal_id == proposal.id,
               SuggestedMember.is_rejected.is_(False))
        .order_by(SuggestedMember.group_id, SuggestedMember.score.desc(),
                  SuggestedMember.idea_id)).all()
    first: dict[int, list[int]] = {}
    for group_id, idea_id in ranked:
        bucket = first.setdefault(group_id, [])
        if len(bucket) < shown:
            bucket.append(idea_id)
    wanted = {i for ids in first.values() for i in ids} | {
        i for g in groups for i in (g.typical_ids or [])[:3]}
    ideas = {idea.id: idea for chunk in _chunks(sorted(wanted)) for idea in db.session.scalars(
        select(Idea).where(Idea.id.in_(chunk)))}
    views: dict[int, GroupView] = {}
    for group in groups:
        views[group.id] = GroupView(
            group=group, size=int(sizes.get(group.id, 0)),
            shown=[ideas[i] for i in first.get(group.id, []) if i in ideas],
            typical=[ideas[i] for i in (group.typical_ids or [])[:3] if i in ideas],
            children=[])
    themes = []
    for group in groups:
        view = views[group.id]
        if group.parent_id is None:
            themes.append(view)
        elif group.parent_id in views:
            parent = views[group.parent_id]
            parent.children.append(view)
            parent.size += view.size
    return themes


def group_members(proposal: SuggestionProposal, group: SuggestedGroup, page: int = 1,
                  per_page: int = 100) -> tuple[list[tuple[Idea, bool]], int]:
    """One page of a group's ideas (for a theme: of all its sub-groups), most typical first,
    with whether each is rejected; and the total."""
    leaf_ids = [leaf.id for leaf in _leaves(proposal, group)]
    condition = SuggestedMember.group_id.in_(leaf_ids)
    total = db.session.scalar(select(func.count(SuggestedMember.id)).where(condition)) or 0
    rows = db.session.execute(
        select(Idea, SuggestedMember.is_rejected)
        .join(SuggestedMember, SuggestedMember.idea_id == Idea.id).where(condition)
        .order_by(SuggestedMember.is_rejected, SuggestedMember.score.desc(), Idea.id)
        .limit(per_page).offset((max(1, page) - 1) * per_page)).all()
    return [(idea, bool(rejected)) for idea, rejected in rows], total


def group_count(proposal: SuggestionProposal) -> int:
    """Open themes and sub-groups still waiting for a decision."""
    return db.session.scalar(
        select(func.count(SuggestedGroup.id)).where(SuggestedGroup.proposal_id == proposal.id,
                                                    SuggestedGroup.state == GroupState.open)
    ) or 0
