"""The trace from citizens' ideas to clusters, concepts and prototypes, both ways.

The chain is idea -> cluster (``Idea.cluster_id``) -> concept (``concept_clusters``) ->
prototype (``Prototype.concept_id``). An idea merged into another as a duplicate follows the
idea it was merged into, so its author sees where their contribution went.

What a viewer sees: the core team and admins see every link; everyone else sees only
published clusters, concepts and prototypes, and counts of published ideas only. Every
function here runs a fixed number of queries, whatever the number of ideas.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from sqlalchemy import Select, func, select

from ideation.accounts.models import User
from ideation.concepts.models import Concept, concept_clusters
from ideation.core.permissions import can_manage
from ideation.curation.models import Cluster
from ideation.extensions import db
from ideation.ideas.models import Idea, IdeaStatus
from ideation.prototypes.models import Prototype


@dataclass
class Upstream:
    """Where a concept or prototype came from."""

    concept: Concept
    clusters: list[tuple[Cluster, int]]  # each cluster with its number of published ideas
    idea_count: int  # distinct published ideas over all clusters
    # All clusters, also those the viewer may not see (they are counted, never named).
    cluster_count: int = 0

    @property
    def unnamed_clusters(self) -> int:
        """Clusters behind the concept that are not public (yet)."""
        return self.cluster_count - len(self.clusters)

    @property
    def unnamed_ideas(self) -> int:
        """Published ideas in clusters that are not public (yet)."""
        return self.idea_count - sum(count for _cluster, count in self.clusters)


@dataclass
class Downstream:
    """What one idea became part of."""

    cluster: Cluster | None = None
    concepts: list[Concept] = field(default_factory=list)
    prototypes: list[Prototype] = field(default_factory=list)

    def __bool__(self) -> bool:
        return bool(self.cluster or self.concepts or self.prototypes)


def _sees_all(viewer: User | None, challenge_obj: Concept | Prototype | Idea) -> bool:
    return can_manage(viewer, challenge_obj.challenge)


def concept_ideas(concept: Concept) -> Select[tuple[Idea]]:
    """A query for the published ideas a concept grew from (paginate it; order by id)."""
    return (
        select(Idea)
        .join(concept_clusters, concept_clusters.c.cluster_id == Idea.cluster_id)
        .where(concept_clusters.c.concept_id == concept.id,
               Idea.status == IdeaStatus.published)
        .order_by(Idea.id)
    )


def upstream(concept: Concept, viewer: User | None) -> Upstream:
    """The clusters (with idea counts) and the number of ideas behind ``concept``."""
    sees_all = _sees_all(viewer, concept)
    counts = dict(db.session.execute(
        select(Idea.cluster_id, func.count(Idea.id))
        .join(concept_clusters, concept_clusters.c.cluster_id == Idea.cluster_id)
        .where(concept_clusters.c.concept_id == concept.id,
               Idea.status == IdeaStatus.published)
        .group_by(Idea.cluster_id)
    ).all())
    clusters = [(cluster, counts.get(cluster.id, 0)) for cluster in concept.clusters
                if sees_all or cluster.is_published]
    return Upstream(concept=concept, clusters=clusters, idea_count=sum(counts.values()),
                    cluster_count=len(concept.clusters))


def downstream(ideas: Iterable[Idea], viewer: User | None) -> dict[int, Downstream]:
    """For each idea (by id) the cluster, concepts and prototypes it became part of.

    Runs three queries for any number of ideas. Ideas without any link are left out.
    """
    ideas = list(ideas)
    if not ideas:
        return {}
    sees_all = {idea.challenge_id: _sees_all(viewer, idea) for idea in ideas}
    # A merged duplicate follows the idea it went into.
    kept_ids = {idea.id: idea.merged_into_id or idea.id for idea in ideas}
    cluster_of = dict(db.session.execute(
        select(Idea.id, Idea.cluster_id).where(Idea.id.in_(set(kept_ids.values())),
                                               Idea.cluster_id.is_not(None))
    ).all())
    cluster_ids = set(cluster_of.values())
    if not cluster_ids:
        return {}
    clusters = {c.id: c for c in db.session.scalars(
        select(Cluster).where(Cluster.id.in_(cluster_ids)))}
    concept_rows = db.session.execute(
        select(concept_clusters.c.cluster_id, Concept)
        .join(Concept, Concept.id == concept_clusters.c.concept_id)
        .where(concept_clusters.c.cluster_id.in_(cluster_ids))
        .order_by(Concept.id)
    ).all()
    concept_ids = {concept.id for _cid, concept in concept_rows}
    prototypes = list(db.session.scalars(
        select(Prototype).where(Prototype.concept_id.in_(concept_ids)).order_by(Prototype.id)
    )) if concept_ids else []

    result: dict[int, Downstream] = {}
    for idea in ideas:
        cluster_id = cluster_of.get(kept_ids[idea.id])
        if cluster_id is None:
            continue
        everything = sees_all[idea.challenge_id]
        cluster = clusters[cluster_id]
        concepts = [c for cid, c in concept_rows
                    if cid == cluster_id and (everything or c.is_published)]
        own = {c.id for c in concepts}
        links = Downstream(
            cluster=cluster if everything or cluster.is_published else None,
            concepts=concepts,
            prototypes=[p for p in prototypes
                        if p.concept_id in own and (everything or p.is_published)],
        )
        if links:
            result[idea.id] = links
    return result


def idea_downstream(idea: Idea, viewer: User | None) -> Downstream:
    return downstream([idea], viewer).get(idea.id, Downstream())


def authors_behind(concept: Concept) -> Sequence[tuple[int, int]]:
    """(idea id, author id) for every published idea behind ``concept`` with a known author,
    including the authors of duplicates merged into those ideas (they are credited too)."""
    direct = concept_ideas(concept).with_only_columns(Idea.id, Idea.author_id)
    behind = select(Idea.id).join(
        concept_clusters, concept_clusters.c.cluster_id == Idea.cluster_id
    ).where(concept_clusters.c.concept_id == concept.id, Idea.status == IdeaStatus.published)
    merged = select(Idea.id, Idea.author_id).where(Idea.merged_into_id.in_(behind))
    rows = [*db.session.execute(direct), *db.session.execute(merged)]
    return [(idea_id, author_id) for idea_id, author_id in rows if author_id is not None]
