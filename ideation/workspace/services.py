"""What the core team of one challenge has to do now, gathered from the other features.

Every figure is a count or a short list from one aggregate query, so the page costs the same
with 100 or 100,000 ideas: moderation counts (3 queries), ideas without a cluster (1), the
concepts the viewer has not scored (1), the rounds with their decisions (3) and the response
figures of the open ones (1).
"""

from __future__ import annotations

from dataclasses import dataclass

from ideation.accounts.models import User
from ideation.challenges.models import Challenge
from ideation.concepts.models import Concept
from ideation.concepts.scoring import concepts_to_score, may_score
from ideation.core.permissions import ensure_can_manage
from ideation.curation.services import count_unclustered
from ideation.moderation.services import tab_counts, tab_with_work
from ideation.validation.models import Round, RoundState
from ideation.validation.results import Rate, round_totals
from ideation.validation.services import effective_state, rounds_of_challenge


@dataclass(frozen=True)
class OpenRound:
    round: Round
    totals: Rate | None  # None: nobody invited yet


@dataclass(frozen=True)
class Workspace:
    challenge: Challenge
    moderation: dict[str, int]  # items per tab of the moderation queue
    moderation_tab: str  # the tab where work waits
    unclustered: int  # published ideas not merged and in no cluster
    scores: bool  # whether the viewer scores concepts (core-team members do, admins not)
    to_score: list[Concept]  # concepts the viewer has not yet scored on every criterion
    open_rounds: list[OpenRound]  # accepting answers now or opening later, by closing date
    decisions_due: list[Round]  # closed (or past their last day) and not yet decided
    rounds: list[Round]  # every round, by prototype

    @property
    def needs_attention(self) -> bool:
        return bool(self.moderation["pending"] or self.moderation["reported"]
                    or self.unclustered or self.to_score or self.open_rounds
                    or self.decisions_due)


def workspace(viewer: User, challenge: Challenge) -> Workspace:
    """The workspace of ``challenge`` as ``viewer`` (its core team or an admin) sees it."""
    ensure_can_manage(viewer, challenge)
    counts = tab_counts(challenge)
    rounds = rounds_of_challenge(challenge)
    states = {r.id: effective_state(r) for r in rounds}
    open_ = sorted((r for r in rounds if states[r.id] is RoundState.open),
                   key=lambda r: (r.closes_on, r.id))
    totals = round_totals([r.id for r in open_])
    return Workspace(
        challenge=challenge,
        moderation=counts,
        moderation_tab=tab_with_work(counts),
        unclustered=count_unclustered(challenge),
        scores=may_score(viewer, challenge),
        to_score=concepts_to_score(viewer, challenge),
        open_rounds=[OpenRound(r, totals.get(r.id)) for r in open_],
        decisions_due=[r for r in rounds
                       if states[r.id] is RoundState.closed and r.decision is None],
        rounds=rounds,
    )
