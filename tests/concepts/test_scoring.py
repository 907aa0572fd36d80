"""Realism scores: criteria per challenge, scoring by core-team members, independence (no peeking
before scoring), the disagreement flag and the ranking, computed with grouped queries."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from ideation.challenges.models import PhaseKind
from ideation.concepts import scoring, services
from ideation.concepts.models import ConceptCriterion, ConceptScore, ConceptState
from ideation.core.models import AuditEvent
from ideation.core.permissions import PermissionDenied
from ideation.extensions import db
from tests import factories
from tests.concepts.conftest import make_concept
from tests.ideas.conftest import counted_queries, quick_user


def give(member, concept, *values, note=""):
    """Score ``concept`` with ``values`` in criterion order (one value: the same on all)."""
    criteria = scoring.criteria_of(concept.challenge)
    values = values * len(criteria) if len(values) == 1 else values
    services.score_concept(member, concept, {c.id: v for c, v in
                                             zip(criteria, values, strict=True)}, note)
    db.session.commit()


def english(app):
    return app.test_request_context(headers={"Accept-Language": "en"})


# --- criteria --------------------------------------------------------------------------------


def test_a_dutch_challenge_gets_the_four_default_criteria_in_dutch(challenge):
    criteria = services.ensure_criteria(challenge)

    assert [c.name for c in criteria] == ["Impact voor de eindgebruiker", "Haalbaarheid",
                                          "Kosten", "Draagvlak bij partners"]
    assert criteria[2].help_text == "1 = erg duur, 5 = bijna gratis"
    assert all("1 =" in c.help_text and "5 =" in c.help_text for c in criteria)


def test_an_english_challenge_gets_the_defaults_in_english(app):
    challenge = factories.make_challenge("english", language="en", phase=PhaseKind.realistic)

    criteria = services.ensure_criteria(challenge)

    assert [c.name for c in criteria] == ["Impact for the end user", "Feasibility", "Cost",
                                          "Support among partners"]
    assert criteria[2].help_text == "1 = very expensive, 5 = almost free"


def test_seeding_happens_once(challenge):
    services.ensure_criteria(challenge)
    services.ensure_criteria(challenge)
    assert db.session.scalar(select(func.count(ConceptCriterion.id))) == 4


def test_the_core_team_adds_renames_reorders_and_removes_criteria_with_a_log(challenge,
                                                                            core):
    services.ensure_criteria(challenge)
    added = services.add_criterion(core, challenge, "Snelheid", "1 = traag, 5 = snel")
    services.edit_criterion(core, added, "Tempo", "1 = jaren, 5 = weken")
    services.move_criterion(core, added, -1)
    db.session.commit()

    names = [c.name for c in scoring.criteria_of(challenge)]
    assert names == ["Impact voor de eindgebruiker", "Haalbaarheid", "Kosten", "Tempo",
                     "Draagvlak bij partners"]
    services.remove_criterion(core, added)
    db.session.commit()
    assert "Tempo" not in [c.name for c in scoring.criteria_of(challenge)]
    actions = db.session.scalars(select(AuditEvent.action).where(
        AuditEvent.action.like("criterion.%")).order_by(AuditEvent.id)).all()
    assert actions == ["criterion.seeded", "criterion.added", "criterion.edited",
                       "criterion.moved", "criterion.removed"]


def test_moving_the_first_criterion_up_changes_nothing(challenge, core):
    first = services.ensure_criteria(challenge)[0]
    services.move_criterion(core, first, -1)
    assert scoring.criteria_of(challenge)[0] is first


@pytest.mark.parametrize("name", ["", "   ", "kosten"])
def test_a_criterion_needs_a_new_name(challenge, core, name):
    services.ensure_criteria(challenge)
    with pytest.raises(services.ConceptError) as refused:
        services.add_criterion(core, challenge, name)
    assert refused.value.field == "name"


def test_removing_a_criterion_removes_its_scores(challenge, core, concept):
    give(core, concept, 4)
    cost = scoring.criteria_of(challenge)[2]

    removed = services.remove_criterion(core, cost)
    db.session.commit()

    assert removed == 1
    assert db.session.scalar(select(func.count(ConceptScore.id))) == 3


def test_the_last_criterion_stays(challenge, core):
    criteria = services.ensure_criteria(challenge)
    for criterion in criteria[1:]:
        services.remove_criterion(core, criterion)
    with pytest.raises(services.ConceptError):
        services.remove_criterion(core, criteria[0])


def test_criteria_follow_the_phase_rule(app, core):
    dreaming = factories.make_challenge("droom", phase=PhaseKind.dream)
    member = quick_user("core_team", dreaming)
    services.ensure_criteria(dreaming)
    from ideation.challenges.phases import PhaseClosed

    with pytest.raises(PhaseClosed):
        services.add_criterion(member, dreaming, "Snelheid")


# --- scoring --------------------------------------------------------------------------------


def test_a_member_scores_every_criterion_and_a_new_score_replaces_the_old(challenge, core,
                                                                          concept):
    give(core, concept, 4, 3, 2, 5, note="Goed plan")
    give(core, concept, 1, 2, 3, 4)

    rows = db.session.scalars(select(ConceptScore).order_by(ConceptScore.criterion_id)).all()
    assert [r.score for r in rows] == [1, 2, 3, 4]
    assert [e.details for e in db.session.scalars(
        select(AuditEvent).where(AuditEvent.action == "concept.scored"))] == [
        {"title": concept.title, "rescored": False, "criteria": 4},
        {"title": concept.title, "rescored": True, "criteria": 4}]


def test_the_scoring_event_keeps_no_values_and_is_not_public(challenge, core, concept):
    give(core, concept, 5, note="Geheime notitie")
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "concept.scored"))
    assert event.is_public is False
    assert "Geheime" not in str(event.details) and "5" not in str(event.details.values())


@pytest.mark.parametrize("bad", [None, 0, 6, "abc", "", "3.5"])
def test_every_criterion_needs_a_whole_score_from_1_to_5(app, challenge, core, concept, bad):
    criteria = scoring.criteria_of(challenge)
    scores = {c.id: 3 for c in criteria}
    if bad is None:
        del scores[criteria[1].id]
    else:
        scores[criteria[1].id] = bad

    with english(app), pytest.raises(services.ConceptError) as refused:
        services.score_concept(core, concept, scores)

    assert refused.value.errors == {
        f"c{criteria[1].id}": "Give “Haalbaarheid” a score from 1 to 5."}
    assert db.session.scalar(select(func.count(ConceptScore.id))) == 0


def test_each_missing_criterion_gets_its_own_message(challenge, core, concept):
    criteria = scoring.criteria_of(challenge)
    with pytest.raises(services.ConceptError) as refused:
        services.score_concept(core, concept, {criteria[0].id: 2})
    assert set(refused.value.errors) == {f"c{c.id}" for c in criteria[1:]}


def test_a_criterion_of_another_challenge_is_refused(app, challenge, core, concept):
    other = factories.make_challenge("ander", phase=PhaseKind.realistic)
    foreign = services.ensure_criteria(other)[0]
    scores = {c.id: 3 for c in scoring.criteria_of(challenge)}
    scores[foreign.id] = 4

    with english(app), pytest.raises(services.ConceptError) as refused:
        services.score_concept(core, concept, scores)

    assert "does not use" in refused.value.errors[""]
    assert db.session.scalar(select(func.count(ConceptScore.id))) == 0


def test_an_admin_outside_the_core_team_may_not_score(challenge, concept):
    with pytest.raises(PermissionDenied):
        give(quick_user("admin"), concept, 3)


def test_a_parked_concept_is_not_scored(challenge, core, shortlisted):
    parked = make_concept(core, challenge, [shortlisted], state=ConceptState.parked)
    with pytest.raises(services.ConceptError):
        give(core, parked, 3)


# --- independence ----------------------------------------------------------------------------


def test_a_member_who_has_not_scored_sees_only_how_many_have(challenge, core, colleague,
                                                             concept):
    give(core, concept, 1, 2, 3, 4, note="Notitie van Karin")

    board = scoring.score_board(colleague, concept)

    assert (board.visible, board.scorer_count, board.member_count) == (False, 1, 2)
    assert board.criteria == [] and board.overall_mean is None and board.own == {}
    ranked = scoring.rank_concepts(colleague, challenge).items[0]
    assert ranked.visible is False and ranked.stats == {} and ranked.scorer_count == 1
    assert "concept.scored" not in {e.action for e in
                                    services.concept_history(colleague, concept)}


def test_after_scoring_a_member_sees_everyones_scores_names_and_notes(challenge, core,
                                                                      colleague, concept):
    give(core, concept, 1, 2, 3, 4, note="Notitie van Karin")
    give(colleague, concept, 5, 2, 3, 4, note="Notitie van Bram")

    board = scoring.score_board(colleague, concept)

    assert board.visible and board.scorer_count == 2
    first = board.criteria[0]
    assert [(s.user.name, s.score, s.note) for s in first.scores] == [
        ("Bram Bestuur", 5, "Notitie van Bram"), ("Karin Kernteam", 1, "Notitie van Karin")]
    assert (first.stats.mean, first.stats.stdev, first.stats.low, first.stats.high) == (
        3.0, 2.0, 1, 5)
    assert first.stats.disagrees


def test_a_new_criterion_hides_the_scores_again_until_it_is_scored(challenge, core, colleague,
                                                                   concept):
    give(core, concept, 3)
    give(colleague, concept, 3)
    services.add_criterion(core, challenge, "Snelheid")
    db.session.commit()

    assert scoring.score_board(colleague, concept).visible is False
    give(colleague, concept, 4)
    assert scoring.score_board(colleague, concept).visible is True


def test_an_admin_outside_the_team_sees_everything_without_scoring(challenge, core, concept):
    give(core, concept, 2)
    board = scoring.score_board(quick_user("admin"), concept)
    assert board.visible and board.criteria[0].scores[0].score == 2


def test_people_outside_the_team_see_nothing(challenge, core, concept):
    give(core, concept, 2)
    for person in (None, quick_user(), quick_user("stakeholder", challenge)):
        assert scoring.score_board(person, concept).visible is False


def test_scores_of_someone_who_left_the_team_no_longer_count(challenge, core, colleague,
                                                             concept):
    from ideation.accounts.services import remove_membership

    give(core, concept, 1)
    give(colleague, concept, 5)
    [membership] = colleague.memberships
    remove_membership(quick_user("admin"), membership)
    db.session.commit()

    board = scoring.score_board(core, concept)
    assert board.scorer_count == 1 and board.criteria[0].stats.mean == 1.0


# --- the disagreement rule -------------------------------------------------------------------


@pytest.mark.parametrize("scores, flagged", [
    ([1, 5], True),
    ([1, 4], True),  # 3 points apart
    ([3, 4], False),
    ([2, 4], False),
    ([5], False),  # one score is never a disagreement
    ([1, 1, 3, 4], True),  # range 3
    ([1, 1, 3, 3, 3, 3], False),  # range 2, sd 0.94
])
def test_the_team_disagrees_when_scores_lie_far_apart(scores, flagged):
    mean = sum(scores) / len(scores)
    stdev = (sum((s - mean) ** 2 for s in scores) / len(scores)) ** 0.5
    assert scoring.team_disagrees(len(scores), min(scores), max(scores), stdev) is flagged


def test_a_wide_standard_deviation_alone_is_a_disagreement():
    assert scoring.team_disagrees(2, 2, 4, 1.25)
    assert not scoring.team_disagrees(2, 2, 4, 1.0)


def test_constructed_scores_of_1_and_5_are_flagged_and_3_and_4_are_not(challenge, core,
                                                                       colleague, concept):
    give(core, concept, 1, 3, 3, 3)
    give(colleague, concept, 5, 4, 3, 3)

    board = scoring.score_board(core, concept)

    assert [item.stats.disagrees for item in board.criteria] == [True, False, False, False]
    assert [item.criterion.name for item in board.disagreements] == [
        "Impact voor de eindgebruiker"]


# --- ranking ---------------------------------------------------------------------------------


@pytest.fixture
def ranked(challenge, core, colleague, shortlisted):
    """Four concepts: A high and agreed, B middle, C low but split on cost, D unscored."""
    made = {}
    for title in "ABCD":
        made[title] = make_concept(core, challenge, [shortlisted], title=title)
    give(core, made["A"], 5, 5, 4, 5)
    give(colleague, made["A"], 5, 4, 4, 5)
    give(core, made["B"], 3, 4, 3, 3)
    give(colleague, made["B"], 3, 4, 3, 3)
    give(core, made["C"], 2, 2, 1, 2)
    give(colleague, made["C"], 2, 2, 5, 2)
    return made


def titles(ranking):
    return [item.concept.title for item in ranking.items]


def test_the_ranking_sorts_by_overall_mean_with_unscored_concepts_last(challenge, core,
                                                                       ranked):
    assert titles(scoring.rank_concepts(core, challenge)) == ["A", "B", "C", "D"]


def test_the_ranking_sorts_by_one_criterion(challenge, core, ranked):
    cost = scoring.criteria_of(challenge)[2]
    ranking = scoring.rank_concepts(core, challenge, sort=f"c{cost.id}")
    # B and C both have 3.0 on cost (C from a 1 and a 5): the newer one first.
    assert titles(ranking) == ["A", "C", "B", "D"]
    assert [item.stats[cost.id].mean for item in ranking.items[:3]] == [4.0, 3.0, 3.0]


def test_the_ranking_sorts_by_disagreement_largest_spread_first(challenge, core, ranked):
    ranking = scoring.rank_concepts(core, challenge, sort="disagreement")
    assert titles(ranking) == ["C", "A", "B", "D"]
    assert ranking.items[0].disagreements == [scoring.criteria_of(challenge)[2].id]


def test_the_ranking_sorts_by_newest_and_filters_by_state(challenge, core, ranked):
    assert titles(scoring.rank_concepts(core, challenge, sort="newest")) == [
        "D", "C", "B", "A"]
    services.change_state(core, ranked["B"], ConceptState.parked, "Later")
    db.session.commit()
    assert titles(scoring.rank_concepts(core, challenge, state=ConceptState.parked)) == ["B"]


def test_a_member_sees_figures_only_of_concepts_they_scored(challenge, core, ranked):
    newcomer = quick_user("core_team", challenge)
    give(newcomer, ranked["C"], 3)

    ranking = scoring.rank_concepts(newcomer, challenge)

    # The concepts they did not score come last, newest first: their order tells nothing.
    assert [(item.concept.title, item.visible) for item in ranking.items] == [
        ("C", True), ("D", False), ("B", False), ("A", False)]
    assert all(item.stats == {} for item in ranking.items if not item.visible)


def test_the_ranking_runs_a_fixed_number_of_queries(challenge, core, colleague, ranked,
                                                    shortlisted):
    with counted_queries() as few:
        scoring.rank_concepts(core, challenge)
    for n in range(6):
        give(core, make_concept(core, challenge, [shortlisted], title=f"Extra {n}"), 3)
    db.session.expire_all()
    with counted_queries() as many:
        scoring.rank_concepts(core, challenge)
    assert len(many) == len(few)
