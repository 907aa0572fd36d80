"""Everything in the Agenda voor Actie except its two free texts, read from the platform's data
when the agenda is made, so the agenda never disagrees with the platform.

Only public things go in: published clusters, concepts and prototypes, closed rounds of those
prototypes with their decisions; ideas only when published, named only as the challenge's
author-display setting and the author's anonymity allow (``challenges/authors.py``). The
number of queries is fixed per concept and prototype, never per idea.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from ideation.accounts.models import Membership, MembershipRole, User
from ideation.challenges import authors
from ideation.challenges.models import AuthorDisplay, Challenge, Phase
from ideation.concepts.models import Concept
from ideation.curation.models import Cluster
from ideation.extensions import db
from ideation.ideas.models import Idea, IdeaStatus
from ideation.ideas.reading import taking_part
from ideation.prototypes.models import Prototype
from ideation.reports.models import Agenda
from ideation.sessions.services import held_sessions
from ideation.validation.decision import prototype_decisions
from ideation.validation.models import Decision, Response, Round, RoundState
from ideation.validation.results import QuestionResult, question_results, respondents_of

REPRESENTATIVE = 3  # ideas shown per cluster


@dataclass(frozen=True)
class Numbers:
    ideas: int
    participants: int
    clusters: int
    concepts: int
    prototypes: int
    rounds: int
    responses: int
    sessions: int  # live sessions held (closed)


@dataclass(frozen=True)
class ShownIdea:
    id: int
    title: str
    author: str
    supports: int


@dataclass(frozen=True)
class ClusterPart:
    id: int
    name: str
    summary: str
    size: int
    ideas: list[ShownIdea]


@dataclass(frozen=True)
class RoundPart:
    round: Round
    respondents: int
    results: list[QuestionResult]  # closed questions only: the charts with their tables
    decision: Decision | None


@dataclass(frozen=True)
class PrototypePart:
    prototype: Prototype
    rounds: list[RoundPart]


@dataclass(frozen=True)
class ConceptPart:
    concept: Concept
    prototypes: list[PrototypePart]


@dataclass(frozen=True)
class Thanks:
    idea_authors: int
    participants: int
    stakeholders: int
    core_team: int
    names: list[str] = field(default_factory=list)
    names_shown: bool = True  # False when the challenge shows no names at all


@dataclass(frozen=True)
class AgendaContent:
    challenge: Challenge
    agenda: Agenda
    phases: list[tuple[Any, Phase]]
    numbers: Numbers
    clusters: list[ClusterPart]
    concepts: list[ConceptPart]
    thanks: Thanks


def _public_ideas(challenge: Challenge) -> tuple[Any, ...]:
    return (Idea.challenge_id == challenge.id, Idea.status == IdeaStatus.published,
            Idea.merged_into_id.is_(None))


def _published_clusters(challenge: Challenge) -> list[Cluster]:
    return list(db.session.scalars(select(Cluster).where(
        Cluster.challenge_id == challenge.id, Cluster.is_published.is_(True),
        Cluster.merged_into_id.is_(None)).order_by(Cluster.position, Cluster.id)))


def cluster_parts(challenge: Challenge) -> list[ClusterPart]:
    """Every published cluster with its size and its most supported ideas: three queries."""
    clusters = _published_clusters(challenge)
    if not clusters:
        return []
    ids = [c.id for c in clusters]
    sizes = dict(db.session.execute(
        select(Idea.cluster_id, func.count(Idea.id))
        .where(*_public_ideas(challenge), Idea.cluster_id.in_(ids))
        .group_by(Idea.cluster_id)).all())
    rank = func.row_number().over(partition_by=Idea.cluster_id,
                                  order_by=(Idea.support_count.desc(), Idea.id)).label("rank")
    ranked = (select(Idea.id, rank).where(*_public_ideas(challenge), Idea.cluster_id.in_(ids))
              .subquery())
    top = db.session.scalars(
        select(Idea).join(ranked, ranked.c.id == Idea.id).where(ranked.c.rank <= REPRESENTATIVE)
        .options(selectinload(Idea.author), selectinload(Idea.challenge))
        .order_by(Idea.support_count.desc(), Idea.id)).all()
    shown: dict[int, list[ShownIdea]] = defaultdict(list)
    for idea in top:
        label = authors.idea_author(None, idea)  # as the public sees it
        shown[idea.cluster_id or 0].append(
            ShownIdea(idea.id, idea.title, label.shown, idea.support_count))
    return [ClusterPart(c.id, c.name, c.summary, sizes.get(c.id, 0), shown.get(c.id, []))
            for c in clusters]


def concept_parts(challenge: Challenge) -> list[ConceptPart]:
    """Published concepts, each with its published prototypes, their versions and closed
    rounds with results and decisions."""
    concepts = db.session.scalars(select(Concept).where(
        Concept.challenge_id == challenge.id, Concept.is_published.is_(True))
        .order_by(Concept.created_dt, Concept.id)).all()
    prototypes = db.session.scalars(select(Prototype).where(
        Prototype.challenge_id == challenge.id, Prototype.is_published.is_(True))
        .options(selectinload(Prototype.versions))
        .order_by(Prototype.created_dt, Prototype.id)).all()
    rounds = db.session.scalars(select(Round).where(
        Round.prototype_id.in_([p.id for p in prototypes]), Round.state == RoundState.closed)
        .options(selectinload(Round.questions), selectinload(Round.version))
        .order_by(Round.opens_on, Round.id)).all() if prototypes else []
    respondents = respondents_of([r.id for r in rounds])
    decisions = {d.round_id: d for p in prototypes for d in prototype_decisions(p)}
    by_prototype: dict[int, list[RoundPart]] = defaultdict(list)
    for round_ in rounds:
        results = [r for r in question_results(round_) if r.bars]
        by_prototype[round_.prototype_id].append(
            RoundPart(round_, respondents.get(round_.id, 0), results, decisions.get(round_.id)))
    by_concept: dict[int, list[PrototypePart]] = defaultdict(list)
    for prototype in prototypes:
        by_concept[prototype.concept_id].append(
            PrototypePart(prototype, by_prototype.get(prototype.id, [])))
    return [ConceptPart(c, by_concept.get(c.id, [])) for c in concepts]


def numbers(challenge: Challenge, clusters: int, concepts: list[ConceptPart]) -> Numbers:
    counted = taking_part([challenge.id]).get(challenge.id)
    prototypes = [p for c in concepts for p in c.prototypes]
    rounds = [r for p in prototypes for r in p.rounds]
    # Prototypes of concepts that are not public are still public themselves: count them all.
    all_prototypes = db.session.scalar(select(func.count(Prototype.id)).where(
        Prototype.challenge_id == challenge.id, Prototype.is_published.is_(True))) or 0
    return Numbers(
        ideas=counted.ideas if counted else 0,
        participants=counted.people if counted else 0,
        clusters=clusters,
        concepts=len(concepts),
        prototypes=all_prototypes,
        rounds=len(rounds),
        responses=sum(r.respondents for r in rounds),
        sessions=len(held_sessions(challenge)),
    )


def thanks(challenge: Challenge, numbers_: Numbers) -> Thanks:
    """Counts of who took part, and the names of those who allowed it (only authors of public
    ideas that were not sent in anonymously, and never when the challenge shows no names)."""
    idea_authors = db.session.scalar(select(func.count(func.distinct(Idea.author_id))).where(
        *_public_ideas(challenge), Idea.author_id.is_not(None))) or 0
    core_team = db.session.scalar(select(func.count(Membership.id)).where(
        Membership.challenge_id == challenge.id,
        Membership.role == MembershipRole.core_team)) or 0
    stakeholders = db.session.scalar(
        select(func.count(Response.id)).join(Round, Round.id == Response.round_id)
        .where(Round.challenge_id == challenge.id, Response.submitted_dt.is_not(None))) or 0
    if challenge.author_display is AuthorDisplay.no_names:
        return Thanks(idea_authors, numbers_.participants, stakeholders, core_team, [], False)
    people = db.session.scalars(
        select(User).where(User.thanks_by_name.is_(True), User.is_blocked.is_(False),
                           User.id.in_(select(Idea.author_id).where(
                               *_public_ideas(challenge), Idea.is_anonymous.is_(False))))
        .order_by(User.name, User.id)).all()
    names = sorted({authors.public_name(challenge, person) for person in people})
    return Thanks(idea_authors, numbers_.participants, stakeholders, core_team, names)


def agenda_content(challenge: Challenge, agenda: Agenda) -> AgendaContent:
    clusters = cluster_parts(challenge)
    concepts = concept_parts(challenge)
    counted = numbers(challenge, len(clusters), concepts)
    phases = [(p.kind.label, p) for p in challenge.phases]
    return AgendaContent(challenge, agenda, phases, counted, clusters, concepts,
                         thanks(challenge, counted))
