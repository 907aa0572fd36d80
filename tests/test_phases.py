"""Phase rules: what is allowed on which day, why not, and how the team plans the phases."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select

from ideation.challenges.models import PhaseKind
from ideation.challenges.phases import Action, check, current_phase, is_closed, timeline
from ideation.challenges.services import set_phase_dates
from ideation.core.models import AuditEvent
from ideation.extensions import db
from tests.factories import make_challenge, make_user

# A fixed plan in 2026: one month per phase, back to back.
PLAN = {
    PhaseKind.dream: (date(2026, 3, 1), date(2026, 3, 31)),
    PhaseKind.realistic: (date(2026, 4, 1), date(2026, 4, 30)),
    PhaseKind.prototype: (date(2026, 5, 1), date(2026, 5, 31)),
    PhaseKind.validate: (date(2026, 6, 1), date(2026, 6, 30)),
    PhaseKind.agenda: (date(2026, 7, 1), date(2026, 7, 31)),
}


@pytest.fixture
def challenge(app):
    challenge = make_challenge(planned=False, themes=())
    assert set_phase_dates(None, challenge, PLAN) == []
    db.session.commit()
    return challenge


def planned_events(challenge) -> list[AuditEvent]:
    return db.session.scalars(
        select(AuditEvent)
        .where(AuditEvent.challenge_id == challenge.id, AuditEvent.action == "phase.planned")
        .order_by(AuditEvent.id)
    ).all()


# Is an action allowed on a given day?


@pytest.mark.parametrize("day", [date(2026, 3, 1), date(2026, 3, 15), date(2026, 3, 31)])
def test_ideas_can_be_sent_in_on_every_day_of_the_dream_phase(challenge, day):
    verdict = check(challenge, Action.submit_idea, on=day)
    assert verdict.allowed
    assert verdict.reason is None


def test_before_the_dream_phase_the_reason_says_when_it_opens(app, challenge):
    with app.test_request_context():
        verdict = check(challenge, Action.submit_idea, on=date(2026, 2, 28))

    assert not verdict.allowed
    assert verdict.opens_on == date(2026, 3, 1)
    assert verdict.reason == "Ideeën insturen kan van 1 maart 2026 tot en met 31 maart 2026."


def test_after_the_dream_phase_the_reason_says_when_it_closed(app, challenge):
    with app.test_request_context():
        verdict = check(challenge, Action.submit_idea, on=date(2026, 4, 1))

    assert not verdict.allowed
    assert verdict.opens_on is None
    assert verdict.reason == "Ideeën insturen kon tot en met 31 maart 2026."


def test_reason_follows_the_language_of_the_request(app, challenge):
    with app.test_request_context(headers={"Accept-Language": "en"}):
        verdict = check(challenge, Action.submit_idea, on=date(2026, 2, 1))

    assert verdict.reason == "Sending in ideas is possible from March 1, 2026 to March 31, 2026."


def test_reason_outside_a_request_is_in_the_default_language(challenge):
    # The command line and background work have no browser to ask.
    verdict = check(challenge, Action.submit_idea, on=date(2026, 5, 1))
    assert verdict.reason == "Ideeën insturen kon tot en met 31 maart 2026."


def test_unplanned_challenge_says_the_dates_are_not_set(app):
    challenge = make_challenge(planned=False, themes=())

    with app.test_request_context():
        verdict = check(challenge, Action.submit_idea, on=date(2026, 3, 15))

    assert not verdict.allowed
    assert verdict.reason == "Ideeën insturen kan nog niet: de data zijn nog niet bekend."


@pytest.mark.parametrize(
    "action, day, allowed",
    [
        (Action.support_idea, date(2026, 4, 30), True),  # supporting runs on in 'realistic'
        (Action.support_idea, date(2026, 5, 1), False),
        (Action.curate, date(2026, 3, 10), True),  # the team may group while ideas come in
        (Action.develop_concepts, date(2026, 3, 31), False),
        (Action.comment, date(2026, 6, 30), True),
        (Action.comment, date(2026, 7, 1), False),
        (Action.write_agenda, date(2026, 7, 31), True),
        (Action.write_agenda, date(2026, 8, 1), False),
    ],
)
def test_each_action_has_its_own_phases(challenge, action, day, allowed):
    assert check(challenge, action, on=day).allowed is allowed


# Where is the challenge now?


@pytest.mark.parametrize(
    "day, kind",
    [
        (date(2026, 2, 28), None),
        (date(2026, 3, 1), PhaseKind.dream),
        (date(2026, 4, 1), PhaseKind.realistic),
        (date(2026, 7, 31), PhaseKind.agenda),
        (date(2026, 8, 1), None),
    ],
)
def test_current_phase_is_the_one_running_on_that_day(challenge, day, kind):
    phase = current_phase(challenge, on=day)
    assert (phase.kind if phase else None) is kind


def test_challenge_is_closed_only_after_the_last_day_of_the_agenda_phase(app, challenge):
    assert not is_closed(challenge, on=date(2026, 3, 15))
    assert not is_closed(challenge, on=date(2026, 7, 31))
    assert is_closed(challenge, on=date(2026, 8, 1))
    assert not is_closed(make_challenge(planned=False, themes=()), on=date(2030, 1, 1))


def test_timeline_marks_each_phase_done_current_or_upcoming(challenge):
    steps = timeline(challenge, on=date(2026, 4, 15))

    assert [step.phase.kind for step in steps] == list(PhaseKind)
    assert [step.state for step in steps] == ["done", "current", "upcoming", "upcoming", "upcoming"]


def test_timeline_shows_phases_without_dates_as_unplanned(app):
    challenge = make_challenge(planned=False, themes=())
    set_phase_dates(None, challenge, {PhaseKind.dream: PLAN[PhaseKind.dream]})

    states = [step.state for step in timeline(challenge, on=date(2026, 3, 2))]

    assert states == ["current", "unplanned", "unplanned", "unplanned", "unplanned"]


# Planning the phases


def test_a_phase_needs_both_a_start_and_an_end_date(app):
    challenge = make_challenge(planned=False, themes=())

    with app.test_request_context():
        errors = set_phase_dates(None, challenge, {PhaseKind.dream: (date(2026, 3, 1), None)})

    assert errors == ["Groot dromen: vul een begindatum én een einddatum in."]
    assert challenge.phase(PhaseKind.dream).starts_on is None


def test_a_phase_cannot_end_before_it_starts(app):
    challenge = make_challenge(planned=False, themes=())

    with app.test_request_context():
        errors = set_phase_dates(
            None, challenge, {PhaseKind.dream: (date(2026, 3, 31), date(2026, 3, 1))}
        )

    assert errors == ["Groot dromen: de einddatum ligt voor de begindatum."]


def test_a_phase_must_start_after_the_previous_one_ends(app):
    challenge = make_challenge(planned=False, themes=())
    overlapping = {**PLAN, PhaseKind.realistic: (date(2026, 3, 31), date(2026, 4, 30))}

    with app.test_request_context():
        errors = set_phase_dates(None, challenge, overlapping)

    assert errors == ["Realistisch maken moet beginnen nadat Groot dromen is afgelopen."]
    assert all(phase.starts_on is None for phase in challenge.phases)
    assert planned_events(challenge) == []


def test_a_partial_plan_is_checked_against_the_phases_already_planned(app, challenge):
    errors = set_phase_dates(
        None, challenge, {PhaseKind.realistic: (date(2026, 3, 20), date(2026, 4, 30))}
    )

    assert errors == ["Realistisch maken moet beginnen nadat Groot dromen is afgelopen."]
    assert challenge.phase(PhaseKind.realistic).starts_on == date(2026, 4, 1)


def test_gaps_between_phases_are_allowed(app):
    challenge = make_challenge(planned=False, themes=())
    with_gap = {**PLAN, PhaseKind.realistic: (date(2026, 4, 10), date(2026, 4, 30))}

    assert set_phase_dates(None, challenge, with_gap) == []
    assert current_phase(challenge, on=date(2026, 4, 5)) is None


def test_planning_writes_one_audit_event_per_phase(app, challenge):
    events = planned_events(challenge)

    assert [event.details["phase"] for event in events] == [kind.value for kind in PhaseKind]
    first = events[0]
    assert (first.old_state, first.new_state) == (None, "2026-03-01/2026-03-31")
    assert first.actor_id is None  # planned from the command line / factory
    assert not any(event.is_public for event in events)  # for the core team's log only


def plannings(challenge) -> list[AuditEvent]:
    return db.session.scalars(
        select(AuditEvent)
        .where(AuditEvent.challenge_id == challenge.id, AuditEvent.action == "phases.planned")
        .order_by(AuditEvent.id)
    ).all()


def test_planning_writes_one_public_event_that_lists_the_changed_phases(app, challenge):
    [planning] = plannings(challenge)

    assert planning.is_public  # the challenge is published, so its timeline shows the change
    assert (planning.object_type, planning.object_id) == ("challenges", challenge.id)
    assert planning.details["phases"][0] == {"phase": "dream", "span": "2026-03-01/2026-03-31"}
    assert [item["phase"] for item in planning.details["phases"]] == [k.value for k in PhaseKind]


def test_replanning_one_phase_writes_one_public_event_with_that_phase(app, challenge):
    moved = {PhaseKind.agenda: (date(2026, 8, 1), date(2026, 8, 31))}

    assert set_phase_dates(make_user("admin"), challenge, moved) == []
    db.session.commit()

    assert plannings(challenge)[-1].details == {
        "phases": [{"phase": "agenda", "span": "2026-08-01/2026-08-31"}]}


def test_saving_an_unchanged_plan_writes_nothing(app, challenge):
    assert set_phase_dates(None, challenge, PLAN) == []
    db.session.commit()

    assert len(plannings(challenge)) == 1


def test_replanning_audits_only_the_phases_that_changed(app, challenge):
    admin = make_user("admin")
    moved = {**PLAN, PhaseKind.agenda: (date(2026, 8, 1), date(2026, 8, 31))}

    assert set_phase_dates(admin, challenge, moved) == []
    db.session.commit()

    new_events = planned_events(challenge)[len(PLAN) :]
    assert len(new_events) == 1
    event = new_events[0]
    assert event.details == {"phase": "agenda"}
    assert (event.old_state, event.new_state) == ("2026-07-01/2026-07-31", "2026-08-01/2026-08-31")
    assert event.actor_id == admin.id


def test_planning_an_unpublished_challenge_is_not_public(app):
    challenge = make_challenge(published=False, planned=False, themes=())
    set_phase_dates(None, challenge, PLAN)
    db.session.commit()
    assert not any(event.is_public for event in planned_events(challenge))
    assert not any(event.is_public for event in plannings(challenge))
