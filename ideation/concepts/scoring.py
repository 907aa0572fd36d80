"""How the core team's realism scores add up, and who may see them.

Per criterion: the mean, the spread (population standard deviation, lowest and highest score)
and a flag where the team disagrees strongly, so the difference is discussed instead of
averaged away. Overall: the mean of the criterion means.

Independence: a core-team member sees the others' scores of a concept only after scoring that
concept on every current criterion, so nobody anchors on the first scores given. Admins who
are not members of the core team see everything (they may look but not score). The rule lives
in ``may_see_scores``; every function here that hands out scores applies it, so a template can
only show what the viewer may see.

Only the scores of the challenge's current core-team members count: a member who leaves the
team takes their scores off the board. Every function runs a fixed number of grouped queries,
whatever the number of concepts or members.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass, field

from sqlalchemy import ColumnElement, func, select
from sqlalchemy.orm import joinedload, selectinload

from ideation.accounts.models import Membership, MembershipRole, User
from ideation.challenges.models import Challenge
from ideation.concepts.models import Concept, ConceptCriterion, ConceptScore, ConceptState
from ideation.core.permissions import is_admin, is_core_team
from ideation.core.routing import optional_database_id
from ideation.extensions import db

# The thresholds of ``team_disagrees``; the concept page states them in plain words.
DISAGREE_RANGE = 3
DISAGREE_STDEV = 1.25


def team_disagrees(count: int, low: int, high: int, stdev: float) -> bool:
    """Does the team disagree strongly on one criterion of one concept?

    Yes when at least 2 members scored it and either their scores lie 3 or more points apart
    (highest minus lowest >= 3, e.g. a 1 and a 4) or the population standard deviation is
    1.25 or more. One score alone is never a disagreement.
    """
    return count >= 2 and (high - low >= DISAGREE_RANGE or stdev >= DISAGREE_STDEV)


@dataclass(frozen=True)
class Stats:
    """The scores of one criterion of one concept, added up."""

    count: int
    mean: float
    stdev: float  # population standard deviation
    low: int
    high: int

    @property
    def disagrees(self) -> bool:
        return team_disagrees(self.count, self.low, self.high, self.stdev)


def _team_member_ids(challenge: Challenge) -> ColumnElement[int]:
    return select(Membership.user_id).where(
        Membership.challenge_id == challenge.id, Membership.role == MembershipRole.core_team
    ).scalar_subquery()


def _counted(challenge: Challenge, concept_ids: Iterable[int] | None) -> list[ColumnElement[bool]]:
    """Scores of current members, on current criteria, of concepts of ``challenge``."""
    conditions = [Concept.challenge_id == challenge.id,
                  ConceptCriterion.challenge_id == challenge.id,
                  ConceptScore.user_id.in_(_team_member_ids(challenge))]
    if concept_ids is not None:
        conditions.append(ConceptScore.concept_id.in_(list(concept_ids)))
    return conditions


def criterion_stats(challenge: Challenge, concept_ids: Iterable[int] | None = None
                    ) -> dict[tuple[int, int], Stats]:
    """(concept id, criterion id) -> Stats, in one GROUP BY query.

    The variance comes from the mean of the squares minus the square of the mean, which SQL
    computes on SQLite and PostgreSQL alike.
    """
    rows = db.session.execute(
        select(ConceptScore.concept_id, ConceptScore.criterion_id, func.count(),
               func.avg(ConceptScore.score * 1.0),
               func.avg(ConceptScore.score * ConceptScore.score * 1.0),
               func.min(ConceptScore.score), func.max(ConceptScore.score))
        .join(Concept, Concept.id == ConceptScore.concept_id)
        .join(ConceptCriterion, ConceptCriterion.id == ConceptScore.criterion_id)
        .where(*_counted(challenge, concept_ids))
        .group_by(ConceptScore.concept_id, ConceptScore.criterion_id)
    )
    stats = {}
    for concept_id, criterion_id, count, mean, mean_of_squares, low, high in rows:
        mean, mean_of_squares = float(mean), float(mean_of_squares)
        stdev = math.sqrt(max(0.0, mean_of_squares - mean * mean))
        stats[(concept_id, criterion_id)] = Stats(count, round(mean, 6), round(stdev, 6),
                                                  low, high)
    return stats


def complete_scorers(challenge: Challenge, criteria_count: int,
                     concept_ids: Iterable[int] | None = None) -> dict[int, set[int]]:
    """Concept id -> ids of the members who scored it on every current criterion."""
    if criteria_count == 0:
        return {}
    rows = db.session.execute(
        select(ConceptScore.concept_id, ConceptScore.user_id)
        .join(Concept, Concept.id == ConceptScore.concept_id)
        .join(ConceptCriterion, ConceptCriterion.id == ConceptScore.criterion_id)
        .where(*_counted(challenge, concept_ids))
        .group_by(ConceptScore.concept_id, ConceptScore.user_id)
        .having(func.count(ConceptScore.criterion_id) == criteria_count)
    )
    scorers: dict[int, set[int]] = {}
    for concept_id, user_id in rows:
        scorers.setdefault(concept_id, set()).add(user_id)
    return scorers


def may_see_scores(viewer: User | None, challenge: Challenge, scorers: set[int]) -> bool:
    """A member sees the scores of a concept once they scored it fully (``scorers`` holds the
    members who did); an admin who is not in the core team always; nobody else ever."""
    if is_core_team(viewer, challenge):
        return viewer is not None and viewer.id in scorers
    return is_admin(viewer)


def may_score(viewer: User | None, challenge: Challenge) -> bool:
    return is_core_team(viewer, challenge)


def concepts_to_score(viewer: User, challenge: Challenge) -> list[Concept]:
    """The concepts (not parked) ``viewer`` has not yet scored on every criterion, oldest
    first; none for those who do not score. One query, however many concepts and scores."""
    if not may_score(viewer, challenge):
        return []
    criteria = (select(func.count(ConceptCriterion.id))
                .where(ConceptCriterion.challenge_id == challenge.id).scalar_subquery())
    mine = (select(func.count(ConceptScore.id))
            .join(ConceptCriterion, ConceptCriterion.id == ConceptScore.criterion_id)
            .where(ConceptScore.concept_id == Concept.id, ConceptScore.user_id == viewer.id)
            .correlate(Concept).scalar_subquery())
    return list(db.session.scalars(
        select(Concept).where(Concept.challenge_id == challenge.id,
                              Concept.state != ConceptState.parked, mine < criteria)
        .order_by(Concept.created_dt, Concept.id)))


def criteria_of(challenge: Challenge) -> list[ConceptCriterion]:
    return list(db.session.scalars(
        select(ConceptCriterion).where(ConceptCriterion.challenge_id == challenge.id)
        .order_by(ConceptCriterion.position, ConceptCriterion.id)
    ))


def team_size(challenge: Challenge) -> int:
    return db.session.scalar(
        select(func.count(Membership.id)).where(Membership.challenge_id == challenge.id,
                                                Membership.role == MembershipRole.core_team)
    ) or 0


def _overall(stats: Iterable[Stats]) -> float | None:
    means = [s.mean for s in stats]
    return sum(means) / len(means) if means else None


# --- one concept -----------------------------------------------------------------------------


@dataclass
class CriterionScores:
    criterion: ConceptCriterion
    stats: Stats | None
    scores: list[ConceptScore]  # every member's score, with name and note


@dataclass
class ScoreBoard:
    """What ``viewer`` may know about the scores of one concept.

    When ``visible`` is False, ``criteria`` is empty: only the counts are there.
    """

    visible: bool
    scorer_count: int
    member_count: int
    has_scored: bool
    criteria: list[CriterionScores] = field(default_factory=list)
    own: dict[int, ConceptScore] = field(default_factory=dict)  # criterion id -> own score

    @property
    def overall_mean(self) -> float | None:
        return _overall(item.stats for item in self.criteria if item.stats is not None)

    @property
    def disagreements(self) -> list[CriterionScores]:
        return [item for item in self.criteria if item.stats and item.stats.disagrees]


def score_board(viewer: User | None, concept: Concept) -> ScoreBoard:
    """The score summary of ``concept`` as ``viewer`` may see it (see the module docstring)."""
    challenge = concept.challenge
    criteria = criteria_of(challenge)
    scorers = complete_scorers(challenge, len(criteria), [concept.id]).get(concept.id, set())
    own = {}
    if viewer is not None and may_score(viewer, challenge):
        own = {s.criterion_id: s for s in db.session.scalars(
            select(ConceptScore).where(ConceptScore.concept_id == concept.id,
                                       ConceptScore.user_id == viewer.id))}
    board = ScoreBoard(visible=may_see_scores(viewer, challenge, scorers),
                       scorer_count=len(scorers), member_count=team_size(challenge),
                       has_scored=viewer is not None and viewer.id in scorers, own=own)
    if not board.visible:
        return board
    stats = criterion_stats(challenge, [concept.id])
    rows: dict[int, list[ConceptScore]] = {criterion.id: [] for criterion in criteria}
    for score in db.session.scalars(
        select(ConceptScore).join(ConceptScore.user)
        .join(Concept, Concept.id == ConceptScore.concept_id)
        .join(ConceptScore.criterion)
        .where(ConceptScore.concept_id == concept.id, *_counted(challenge, None))
        .options(joinedload(ConceptScore.user).lazyload(User.memberships))
        .order_by(User.name, User.id)
    ):
        rows.setdefault(score.criterion_id, []).append(score)
    board.criteria = [CriterionScores(c, stats.get((concept.id, c.id)), rows.get(c.id, []))
                      for c in criteria]
    return board


# --- the ranking -------------------------------------------------------------------------------


@dataclass
class RankedConcept:
    concept: Concept
    scorer_count: int
    visible: bool  # False: the viewer must score this concept before seeing its figures
    stats: dict[int, Stats] = field(default_factory=dict)  # criterion id -> Stats

    @property
    def overall_mean(self) -> float | None:
        return _overall(self.stats.values())

    @property
    def largest_spread(self) -> float | None:
        return max((s.stdev for s in self.stats.values()), default=None)

    @property
    def disagreements(self) -> list[int]:
        return [criterion_id for criterion_id, s in self.stats.items() if s.disagrees]


@dataclass
class Ranking:
    criteria: list[ConceptCriterion]
    member_count: int
    items: list[RankedConcept]


SORTS = ("mean", "disagreement", "newest")  # and "c<criterion id>": by one criterion


def _sort_key(sort: str, criteria: list[ConceptCriterion]):  # noqa: ANN202 - a key function
    """Highest first; concepts without (visible) scores last, newest first among equals."""
    criterion_id = optional_database_id(sort[1:]) if sort[:1] == "c" else None
    if criterion_id not in {c.id for c in criteria}:
        criterion_id = None

    def value(item: RankedConcept) -> float | None:
        if sort == "disagreement":
            return item.largest_spread
        if criterion_id is not None:
            stats = item.stats.get(criterion_id)
            return stats.mean if stats else None
        return item.overall_mean

    def key(item: RankedConcept) -> tuple:
        newest = (-item.concept.created_dt.timestamp(), -item.concept.id)
        if sort == "newest":
            return newest
        figure = value(item)
        return (figure is None, -(figure or 0.0), *newest)

    return key


def rank_concepts(viewer: User | None, challenge: Challenge, *, sort: str = "mean",
                  state: ConceptState | None = None) -> Ranking:
    """Every concept of ``challenge`` (or those in ``state``) with its figures as ``viewer``
    may see them, sorted by ``sort``: "mean", "disagreement" (largest spread first), "newest",
    or "c<criterion id>". Five queries, whatever the number of concepts."""
    query = (select(Concept).where(Concept.challenge_id == challenge.id)
             .options(selectinload(Concept.clusters)))
    if state is not None:
        query = query.where(Concept.state == state)
    concepts = list(db.session.scalars(query))
    criteria = criteria_of(challenge)
    by_concept: dict[int, dict[int, Stats]] = {}
    for (concept_id, criterion_id), figures in criterion_stats(challenge).items():
        by_concept.setdefault(concept_id, {})[criterion_id] = figures
    scorers = complete_scorers(challenge, len(criteria))
    items = []
    for concept in concepts:
        done = scorers.get(concept.id, set())
        visible = may_see_scores(viewer, challenge, done)
        items.append(RankedConcept(concept, len(done), visible,
                                   by_concept.get(concept.id, {}) if visible else {}))
    items.sort(key=_sort_key(sort, criteria))
    return Ranking(criteria, team_size(challenge), items)
