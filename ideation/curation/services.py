"""Cluster rules: create, edit, move ideas, merge and unmerge, split, states, publishing,
undo of a move, accepting assignments; and the read queries of the board and public page.

Every change checks that the actor manages the challenge and that the phase allows curating,
writes an AuditEvent and flushes; the view commits.

Decisions where the brief left room:

* Undo works from the audit log: a move event lists each idea with the cluster it came from,
  so no extra table is needed. An idea that was moved again since is left where it is now.
* Merged clusters are kept (``merged_into_id``) and hidden from the board and the public
  page; they cannot be changed until they are unmerged.
* Only published ideas are shown on the board and counted; an idea hidden later keeps its
  cluster, so showing it again puts it back where it was.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import ColumnElement, func, or_, select
from sqlalchemy.orm import joinedload, lazyload, selectinload

from ideation.accounts.models import User
from ideation.challenges.models import Challenge
from ideation.challenges.phases import Action, ensure_allowed
from ideation.challenges.services import register_funnel_stage
from ideation.core.audit import record_event
from ideation.core.db import contains_pattern
from ideation.core.i18n import lazy_gettext as _l
from ideation.core.models import AuditEvent
from ideation.core.pagination import Paginated
from ideation.core.permissions import ensure_can_manage
from ideation.core.routing import MAX_DATABASE_INT
from ideation.curation.models import Cluster, ClusterState
from ideation.extensions import db
from ideation.ideas.models import Idea, IdeaStatus

BOARD_PER_PAGE = 100
MOVE_EVENT = "cluster.ideas_moved"
UNDO_EVENT = "cluster.move_undone"


class CurationError(ValueError):
    """A rule was broken; ``field`` names the form field the message belongs to."""

    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.field = field


def _ensure_can_curate(actor: User | None, challenge: Challenge) -> None:
    """The actor manages the challenge and its phase allows curating. ``None`` is the command
    line (``flask cluster --accept``), run by whoever runs the server, as for the importer;
    views always pass the logged-in user."""
    if actor is not None:
        ensure_can_manage(actor, challenge)
    ensure_allowed(challenge, Action.curate)


def _ensure_changeable(actor: User | None, cluster: Cluster) -> None:
    _ensure_can_curate(actor, cluster.challenge)
    if cluster.is_merged:
        raise CurationError(_("This cluster is merged into another. Undo the merge first."))


def _clean_name(name: str | None) -> str:
    name = (name or "").strip()
    if not name:
        raise CurationError(_("Give the cluster a name."), "name")
    return name[:120]


def _member_ids(cluster: Cluster) -> list[int]:
    return list(db.session.scalars(
        select(Idea.id).where(Idea.cluster_id == cluster.id).order_by(Idea.id)
    ))


# --- clusters --------------------------------------------------------------------------------


def create_cluster(actor: User, challenge: Challenge, name: str, summary: str = "", *,
                   from_suggestion: bool = False) -> Cluster:
    """A new, empty, unpublished cluster at the end of the board."""
    _ensure_can_curate(actor, challenge)
    last = db.session.scalar(
        select(func.max(Cluster.position)).where(Cluster.challenge_id == challenge.id)
    )
    cluster = Cluster(challenge=challenge, name=_clean_name(name),
                      summary=(summary or "").strip(), state=ClusterState.open,
                      is_published=False, position=(last or 0) + 1)
    db.session.add(cluster)
    record_event(actor, "cluster.created", cluster, challenge=challenge, new=cluster.state,
                 details={"from_suggestion": True} if from_suggestion else None)
    return cluster


def edit_cluster(actor: User, cluster: Cluster, name: str, summary: str) -> None:
    """Rename a cluster and change its summary."""
    _ensure_changeable(actor, cluster)
    old = f"{cluster.name} | {cluster.summary}"
    cluster.name, cluster.summary = _clean_name(name), (summary or "").strip()
    new = f"{cluster.name} | {cluster.summary}"
    if old != new:
        record_event(actor, "cluster.edited", cluster, challenge=cluster.challenge, old=old,
                     new=new)


def set_state(actor: User, cluster: Cluster, state: ClusterState) -> None:
    """Shortlist, park or reopen a cluster."""
    _ensure_changeable(actor, cluster)
    if state is cluster.state:
        return
    old = cluster.state
    cluster.state = state
    record_event(actor, f"cluster.{state.value}", cluster, challenge=cluster.challenge,
                 old=old, new=state)


def set_published(actor: User, cluster: Cluster, published: bool) -> None:
    """Show the cluster on the public challenge page, or take it off."""
    _ensure_changeable(actor, cluster)
    if cluster.is_published is published:
        return
    cluster.is_published = published
    record_event(actor, "cluster.published" if published else "cluster.unpublished", cluster,
                 challenge=cluster.challenge, old="public" if not published else "private",
                 new="public" if published else "private", public=published)


# --- moving ideas ------------------------------------------------------------------------------


def _ideas_of(challenge: Challenge, idea_ids: Iterable[int]) -> list[Idea]:
    """The published ideas of ``challenge`` among ``idea_ids``; others are refused."""
    given = {int(i) for i in idea_ids}
    if not given:
        raise CurationError(_("Select one or more ideas first."), "idea_ids")
    ids = sorted(i for i in given if 0 < i <= MAX_DATABASE_INT)
    ideas = list(db.session.scalars(
        select(Idea).where(Idea.id.in_(ids), Idea.challenge_id == challenge.id,
                           Idea.status == IdeaStatus.published,
                           Idea.merged_into_id.is_(None)).order_by(Idea.id)
    ))
    if len(ideas) != len(given):
        raise CurationError(_("Some of the selected ideas cannot be found."), "idea_ids")
    return ideas


def _move(actor: User, challenge: Challenge, ideas: Sequence[Idea], cluster: Cluster | None,
          action: str = MOVE_EVENT, extra: dict[str, Any] | None = None) -> int:
    """Move ``ideas`` and log one event with where each came from (for undo)."""
    target = cluster.id if cluster is not None else None
    moves = [[idea.id, idea.cluster_id] for idea in ideas if idea.cluster_id != target]
    for idea in ideas:
        idea.cluster_id = target
    if moves:
        record_event(actor, action, cluster if cluster is not None else challenge,
                     challenge=challenge, new=target,
                     details={"to": target, "moves": moves, **(extra or {})})
    db.session.flush()
    return len(moves)


def move_ideas_to_cluster(actor: User, challenge: Challenge, idea_ids: Iterable[int],
                          cluster: Cluster | None) -> int:
    """Put the ideas in ``cluster`` (None: take them out of any cluster). Returns how many
    ideas changed place."""
    _ensure_can_curate(actor, challenge)
    if cluster is not None:
        if cluster.challenge_id != challenge.id:
            raise CurationError(_("Choose one of the clusters of this challenge."), "cluster")
        _ensure_changeable(actor, cluster)
    return _move(actor, challenge, _ideas_of(challenge, idea_ids), cluster)


def last_move(challenge: Challenge) -> AuditEvent | None:
    """The latest move on the board that has not been undone yet."""
    # JSON paths differ between SQLite and PostgreSQL, so the pairing happens in Python.
    events = db.session.scalars(
        select(AuditEvent)
        .where(AuditEvent.challenge_id == challenge.id,
               AuditEvent.action.in_([MOVE_EVENT, UNDO_EVENT]))
        .options(lazyload(AuditEvent.actor))
        .order_by(AuditEvent.id.desc()).limit(200)
    ).all()
    undone_ids = {e.details.get("undoes") for e in events if e.action == UNDO_EVENT and e.details}
    return next((e for e in events if e.action == MOVE_EVENT and e.id not in undone_ids), None)


def undo_last_move(actor: User, challenge: Challenge) -> int:
    """Put the ideas of the last move back where they came from.

    An idea that has been moved again since stays where it is now. A cluster that no longer
    exists sends its ideas back to unclustered. Returns how many ideas went back.
    """
    _ensure_can_curate(actor, challenge)
    event = last_move(challenge)
    if event is None or not event.details:
        raise CurationError(_("There is no move to undo."))
    target = event.details.get("to")
    moves = {int(idea_id): origin for idea_id, origin in event.details.get("moves", [])}
    ideas = db.session.scalars(
        select(Idea).where(Idea.id.in_(list(moves)), Idea.challenge_id == challenge.id)
    ).all()
    origins = {origin for origin in moves.values() if origin is not None}
    existing = set(db.session.scalars(select(Cluster.id).where(Cluster.id.in_(origins))))
    restored = []
    for idea in ideas:
        if idea.cluster_id != target:
            continue
        origin = moves[idea.id]
        idea.cluster_id = origin if origin in existing else None
        restored.append([idea.id, idea.cluster_id])
    record_event(actor, UNDO_EVENT, challenge, challenge=challenge,
                 details={"undoes": event.id, "restored": restored})
    db.session.flush()
    return len(restored)


# --- merge and split -----------------------------------------------------------------------------


def merge_clusters(actor: User, keep: Cluster, absorb: Cluster) -> int:
    """Move all ideas of ``absorb`` into ``keep`` and mark ``absorb`` as merged.

    The audit event keeps the member ids, so ``unmerge`` can give them back.
    """
    _ensure_changeable(actor, keep)
    _ensure_changeable(actor, absorb)
    if keep.id == absorb.id or keep.challenge_id != absorb.challenge_id:
        raise CurationError(_("Choose another cluster of this challenge."), "into")
    member_ids = _member_ids(absorb)
    db.session.execute(
        Idea.__table__.update().where(Idea.cluster_id == absorb.id).values(cluster_id=keep.id)
    )
    absorb.merged_into_id = keep.id
    record_event(actor, "cluster.merged", absorb, challenge=absorb.challenge, old=absorb.state,
                 new="merged", details={"into": keep.id, "member_ids": member_ids})
    db.session.flush()
    db.session.expire_all()  # the bulk update bypassed the loaded ideas
    return len(member_ids)


def unmerge(actor: User, absorbed: Cluster) -> int:
    """Undo a merge: the cluster comes back with those of its ideas still in the other one."""
    _ensure_can_curate(actor, absorbed.challenge)
    if not absorbed.is_merged:
        raise CurationError(_("This cluster is not merged."))
    event = db.session.scalar(
        select(AuditEvent)
        .where(AuditEvent.action == "cluster.merged",
               AuditEvent.object_type == Cluster.__tablename__,
               AuditEvent.object_id == absorbed.id)
        .order_by(AuditEvent.id.desc()).limit(1)
    )
    member_ids = [int(i) for i in (event.details or {}).get("member_ids", [])] if event else []
    keep_id = absorbed.merged_into_id
    restored = list(db.session.scalars(
        select(Idea.id).where(Idea.id.in_(member_ids), Idea.cluster_id == keep_id)
    )) if member_ids else []
    if restored:
        db.session.execute(
            Idea.__table__.update().where(Idea.id.in_(restored)).values(cluster_id=absorbed.id)
        )
    absorbed.merged_into_id = None
    record_event(actor, "cluster.unmerged", absorbed, challenge=absorbed.challenge,
                 old="merged", new=absorbed.state,
                 details={"from": keep_id, "member_ids": sorted(restored)})
    db.session.flush()
    db.session.expire_all()
    return len(restored)


def split_cluster(actor: User, cluster: Cluster, idea_ids: Iterable[int],
                  new_name: str) -> Cluster:
    """Take the chosen ideas out of ``cluster`` into a new cluster."""
    _ensure_changeable(actor, cluster)
    name = _clean_name(new_name)
    ideas = _ideas_of(cluster.challenge, idea_ids)
    if any(idea.cluster_id != cluster.id for idea in ideas):
        raise CurationError(_("Choose ideas of this cluster."), "idea_ids")
    new = create_cluster(actor, cluster.challenge, name)
    _move(actor, cluster.challenge, ideas, new, extra={"split_from": cluster.id})
    record_event(actor, "cluster.split", cluster, challenge=cluster.challenge,
                 details={"into": new.id, "idea_ids": [idea.id for idea in ideas]})
    return new


def _still_unclustered(challenge: Challenge, idea_ids: Iterable[int]) -> list[Idea]:
    """The ideas among ``idea_ids`` that nobody has put in a cluster meanwhile."""
    ids = sorted({int(i) for i in idea_ids})
    if not ids:
        return []
    return list(db.session.scalars(
        select(Idea).where(Idea.id.in_(ids), Idea.challenge_id == challenge.id,
                           Idea.status == IdeaStatus.published, Idea.merged_into_id.is_(None),
                           Idea.cluster_id.is_(None))
        .order_by(Idea.id)
    ))


@dataclass(frozen=True)
class Assignment:
    idea: Idea
    cluster: Cluster
    similarity: float


def suggest_assignments(actor: User, challenge: Challenge) -> list[Assignment]:
    """For each unclustered idea, the existing cluster it fits best (if any fits), best first.

    Nothing changes; the core team accepts the assignments it agrees with.
    """
    ensure_can_manage(actor, challenge)
    from ideation.curation.clustering import assign_to_clusters

    clusters = {card.cluster.id: card.cluster for card in board_clusters(challenge)}
    texts: dict[int, list[str]] = {cluster_id: [] for cluster_id in clusters}
    if clusters:
        for cluster_id, title, description in db.session.execute(
            select(Idea.cluster_id, Idea.title, Idea.description)
            .where(Idea.cluster_id.in_(list(clusters)), Idea.status == IdeaStatus.published,
                   Idea.merged_into_id.is_(None))
        ):
            texts[cluster_id].append(f"{title}\n{description}")
    texts = {cluster_id: members for cluster_id, members in texts.items() if members}
    unclustered = unclustered_documents(challenge)
    if not texts or not unclustered:
        return []
    best = assign_to_clusters(unclustered, texts, challenge.language.value)
    fitting = {idea_id: (cluster_id, similarity)
               for idea_id, (cluster_id, similarity) in best.items() if cluster_id is not None}
    ideas = {idea.id: idea for idea in ideas_by_id(fitting)}
    found = [Assignment(ideas[idea_id], clusters[cluster_id], similarity)
             for idea_id, (cluster_id, similarity) in fitting.items() if idea_id in ideas]
    return sorted(found, key=lambda a: (-a.similarity, a.idea.id))


def accept_assignments(actor: User, challenge: Challenge,
                       pairs: Iterable[tuple[int, int]]) -> int:
    """Move each idea into its chosen cluster, if it is still unclustered. Returns the number
    of ideas moved; one audited move per cluster, so each can be undone."""
    _ensure_can_curate(actor, challenge)
    by_cluster: dict[int, list[int]] = {}
    for idea_id, cluster_id in pairs:
        by_cluster.setdefault(cluster_id, []).append(idea_id)
    moved = 0
    for cluster_id, idea_ids in sorted(by_cluster.items()):
        cluster = get_cluster(challenge, cluster_id)
        if cluster is None or cluster.merged_into_id is not None:
            raise CurationError(_("Choose one of the clusters of this challenge."), "cluster")
        moved += _move(actor, challenge, _still_unclustered(challenge, idea_ids), cluster)
    return moved


# --- reading ---------------------------------------------------------------------------------


def get_cluster(challenge: Challenge, cluster_id: int) -> Cluster | None:
    return db.session.scalar(
        select(Cluster).where(Cluster.id == cluster_id, Cluster.challenge_id == challenge.id)
    )


@dataclass(frozen=True)
class BoardPage(Paginated):
    items: list[Idea]
    page: int
    per_page: int
    total: int


def count_unclustered(challenge: Challenge) -> int:
    """Ideas the board still shows in its left column: published, not merged, no cluster."""
    return db.session.scalar(select(func.count(Idea.id)).where(
        Idea.challenge_id == challenge.id, Idea.status == IdeaStatus.published,
        Idea.merged_into_id.is_(None), Idea.cluster_id.is_(None))) or 0


SOURCES = ("web", "session", "import")
CLUSTER_PREVIEW = 5  # ideas shown on a cluster card before it is opened


def board_ideas(challenge: Challenge, *, theme_id: int | None = None, text: str = "",
                unclustered_only: bool = True, source: str | None = None, page: int = 1,
                per_page: int = BOARD_PER_PAGE) -> BoardPage:
    """One page of the board's idea column: a count and a page query, with the themes and the
    photos (for the thumbnails) loaded alongside. Search looks in titles and descriptions.

    Published ideas only: hidden, pending, withdrawn and merged ideas never reach the board.
    """
    conditions: list[ColumnElement[bool]] = [Idea.challenge_id == challenge.id,
                                             Idea.status == IdeaStatus.published,
                                             Idea.merged_into_id.is_(None)]
    if unclustered_only:
        conditions.append(Idea.cluster_id.is_(None))
    if theme_id:
        conditions.append(Idea.theme_id == theme_id)
    if source in SOURCES:
        # Ideas from before the column had a value count as sent in on the site.
        conditions.append(Idea.source == source if source != "web"
                          else or_(Idea.source == "web", Idea.source.is_(None)))
    if text:
        pattern = contains_pattern(text)
        conditions.append(or_(Idea.title.ilike(pattern, escape="\\"),
                              Idea.description.ilike(pattern, escape="\\")))
    total = db.session.scalar(select(func.count(Idea.id)).where(*conditions)) or 0
    pages = max(1, -(-total // per_page))
    page = max(1, min(page, pages))
    items = db.session.scalars(
        select(Idea).where(*conditions)
        .options(joinedload(Idea.theme), selectinload(Idea.images))
        .order_by(Idea.created_dt.desc(), Idea.id.desc())
        .limit(per_page).offset((page - 1) * per_page)
    ).all()
    return BoardPage(list(items), page, per_page, total)


@dataclass(frozen=True)
class ClusterCard:
    cluster: Cluster
    members: list[Idea]  # the first ``CLUSTER_PREVIEW`` ideas, by title
    count: int

    @property
    def more(self) -> int:
        return max(0, self.count - len(self.members))


def board_clusters(challenge: Challenge, preview: int = CLUSTER_PREVIEW) -> list[ClusterCard]:
    """The clusters that are not merged away, each with its number of published ideas and its
    first ``preview`` ideas: three queries, however many ideas the clusters hold."""
    clusters = db.session.scalars(
        select(Cluster).where(Cluster.challenge_id == challenge.id,
                              Cluster.merged_into_id.is_(None))
        .order_by(Cluster.position, Cluster.id)
    ).all()
    if not clusters:
        return []
    counts = member_counts(challenge)
    ranked = (
        select(Idea.id, func.row_number().over(partition_by=Idea.cluster_id,
                                               order_by=(Idea.title, Idea.id)).label("rank"))
        .where(Idea.challenge_id == challenge.id, Idea.status == IdeaStatus.published,
               Idea.merged_into_id.is_(None), Idea.cluster_id.is_not(None))
        .subquery())
    first = db.session.scalars(
        select(Idea).join(ranked, ranked.c.id == Idea.id).where(ranked.c.rank <= preview)
        .order_by(Idea.title, Idea.id)
    ).all()
    members: dict[int, list[Idea]] = {cluster.id: [] for cluster in clusters}
    for idea in first:
        if idea.cluster_id in members:
            members[idea.cluster_id].append(idea)
    return [ClusterCard(cluster, members[cluster.id], counts.get(cluster.id, 0))
            for cluster in clusters]


def merged_clusters(challenge: Challenge) -> list[Cluster]:
    return list(db.session.scalars(
        select(Cluster).where(Cluster.challenge_id == challenge.id,
                              Cluster.merged_into_id.is_not(None))
        .options(joinedload(Cluster.merged_into)).order_by(Cluster.name)
    ))


def ideas_by_id(idea_ids: Iterable[int]) -> list[Idea]:
    ids = list(set(idea_ids))
    if not ids:
        return []
    return list(db.session.scalars(select(Idea).where(Idea.id.in_(ids))))


def cluster_members(cluster: Cluster) -> list[Idea]:
    return list(db.session.scalars(
        select(Idea).where(Idea.cluster_id == cluster.id, Idea.status == IdeaStatus.published,
                           Idea.merged_into_id.is_(None))
        .options(joinedload(Idea.theme)).order_by(Idea.title, Idea.id)
    ))


def member_counts(challenge: Challenge, cluster_ids: Iterable[int] | None = None
                  ) -> dict[int, int]:
    """Published ideas per cluster, in one grouped query."""
    query = (select(Idea.cluster_id, func.count(Idea.id))
             .where(Idea.challenge_id == challenge.id, Idea.status == IdeaStatus.published,
                    Idea.merged_into_id.is_(None), Idea.cluster_id.is_not(None))
             .group_by(Idea.cluster_id))
    if cluster_ids is not None:
        query = query.where(Idea.cluster_id.in_(list(cluster_ids)))
    return {cluster_id: count for cluster_id, count in db.session.execute(query)}


def public_clusters(challenge: Challenge) -> list[tuple[Cluster, int]]:
    """Published clusters with their number of published ideas, for the challenge page."""
    clusters = db.session.scalars(
        select(Cluster).where(Cluster.challenge_id == challenge.id,
                              Cluster.is_published.is_(True),
                              Cluster.merged_into_id.is_(None))
        .order_by(Cluster.position, Cluster.id)
    ).all()
    counts = member_counts(challenge, [c.id for c in clusters]) if clusters else {}
    return [(cluster, counts.get(cluster.id, 0)) for cluster in clusters]


def unclustered_documents(challenge: Challenge) -> list[tuple[int, str]]:
    """Title and text of the published ideas without a cluster, for the suggestion engine."""
    rows = db.session.execute(
        select(Idea.id, Idea.title, Idea.description)
        .where(Idea.challenge_id == challenge.id, Idea.status == IdeaStatus.published,
               Idea.cluster_id.is_(None), Idea.merged_into_id.is_(None))
        .order_by(Idea.id)
    )
    return [(idea_id, f"{title}\n{description}") for idea_id, title, description in rows]


def count_clusters(challenge: Challenge) -> int:
    """Published clusters only: the funnel is public and must not reveal work in progress."""
    return db.session.scalar(
        select(func.count(Cluster.id)).where(Cluster.challenge_id == challenge.id,
                                             Cluster.is_published.is_(True),
                                             Cluster.merged_into_id.is_(None))
    ) or 0


register_funnel_stage("clusters", _l("Clusters"), count_clusters)
