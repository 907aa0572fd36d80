"""The decision on a closed round: it must answer every minority concern of the report, it
changes the prototype's state, and it is public on the prototype page.

The round here: 10 people; 2 of them answer no to USE and score CLEAR 1 (20 % each: two
concerns, "question:<USE id>" and "question:<CLEAR id>"); the other 8 answer yes and score 5.
"""

from __future__ import annotations

import re
from datetime import timedelta
from urllib.parse import urlsplit

import pytest
from flask import render_template_string
from flask_babel import refresh
from sqlalchemy import func, select
from sqlalchemy.exc import InvalidRequestError

from ideation.accounts.models import User
from ideation.challenges import services as challenge_services
from ideation.challenges.models import Language, PhaseKind
from ideation.challenges.phases import PhaseClosed, today
from ideation.core.models import AuditEvent
from ideation.core.permissions import PermissionDenied
from ideation.extensions import db
from ideation.prototypes.models import Prototype, PrototypeState
from ideation.validation import decision as services
from ideation.validation.decision import DecisionError, DecisionIncomplete, decide
from ideation.validation.minority import minority_report
from ideation.validation.models import (
    Decision,
    DecisionConcern,
    Disposition,
    Outcome,
    QuestionKind,
    Round,
    RoundState,
)
from tests import factories
from tests.html import page_language
from tests.ideas.conftest import counted_queries
from tests.validation.conftest import OBJECTION_NL, answered_round, make_round

USE = "Zou je het loket gebruiken?"
CLEAR = "Hoe duidelijk is het loket?"
QUESTIONS = [{"kind": QuestionKind.yes_no, "text": USE},
             {"kind": QuestionKind.scale, "text": CLEAR}]
PEOPLE = ([(None, {USE: False, CLEAR: 1, "objection": "Te ingewikkeld"})] * 2
          + [(None, {USE: True, CLEAR: 5})] * 8)
USE_SUMMARY = ("2 of 10 people (20%) answered no to “Zou je het loket gebruiken?”, while most "
               "answered yes.")
RATIONALE = "Most people find it clear; we keep it."


@pytest.fixture
def closed_round(prototype) -> Round:
    return answered_round(prototype, QUESTIONS, PEOPLE, groups=())


def _keys(round_: Round) -> tuple[str, str]:
    ids = {q.text: q.id for q in round_.questions}
    return f"question:{ids[USE]}", f"question:{ids[CLEAR]}"


def _all_answered(round_: Round) -> dict[str, tuple[str, str]]:
    use, clear = _keys(round_)
    return {use: ("answered", "We add a help line by phone."),
            clear: ("set_aside", "Two people only; the new version explains it better.")}


def _field(key: str, part: str) -> str:
    return f"concern_{key.replace(':', '_')}_{part}"


def _body(round_: Round, outcome: str = "adopt", *, skip: str | None = None) -> dict[str, str]:
    body = {"outcome": outcome, "rationale": RATIONALE}
    for key, (disposition, text) in _all_answered(round_).items():
        if key != skip:
            body[_field(key, "disposition")] = disposition
            body[_field(key, "answer")] = text
    return body


def _decisions() -> int:
    return db.session.scalar(select(func.count(Decision.id)))


def _events(action: str) -> list[AuditEvent]:
    return list(db.session.scalars(select(AuditEvent).where(AuditEvent.action == action)))


def _url(round_: Round, page: str = "decision") -> str:
    return f"/c/{round_.challenge.slug}/rounds/{round_.id}/{page}"


# --- the service -------------------------------------------------------------------------------


def test_decision_is_blocked_until_every_concern_is_addressed(app, core, closed_round):
    use, clear = _keys(closed_round)
    answers = {use: _all_answered(closed_round)[use]}

    with (app.test_request_context(headers={"Accept-Language": "en"}),
          pytest.raises(DecisionIncomplete) as blocked):
        decide(core, closed_round, "adopt", RATIONALE, answers)
    db.session.rollback()

    assert [(p.concern, p.field) for p in blocked.value.problems] == [
        (clear, "disposition"), (clear, "answer")]
    assert all("“Hoe duidelijk is het loket?”" in str(p) for p in blocked.value.problems)
    assert _decisions() == 0 and _events("round.decided") == []
    assert db.session.get(Prototype, closed_round.prototype_id).state is PrototypeState.testing


def test_a_concern_needs_a_text_as_well_as_a_choice(core, closed_round):
    answers = _all_answered(closed_round)
    use, _clear = _keys(closed_round)
    answers[use] = ("answered", "   ")

    with pytest.raises(DecisionIncomplete) as blocked:
        decide(core, closed_round, "adopt", RATIONALE, answers)

    assert [(p.concern, p.field) for p in blocked.value.problems] == [(use, "answer")]


def test_outcome_and_rationale_are_required(core, closed_round):
    with pytest.raises(DecisionIncomplete) as blocked:
        decide(core, closed_round, "maybe", "  ", _all_answered(closed_round))

    assert [p.field for p in blocked.value.problems] == ["outcome", "rationale"]


def test_decision_is_blocked_while_the_round_is_open(app, core, open_round):
    with (app.test_request_context(headers={"Accept-Language": "en"}),
          pytest.raises(DecisionError, match="Close the round first")):
        decide(core, open_round, "adopt", RATIONALE, {})


def test_a_round_is_decided_only_once(core, closed_round):
    decide(core, closed_round, "adopt", RATIONALE, _all_answered(closed_round))
    db.session.commit()

    with pytest.raises(DecisionError):
        decide(core, closed_round, "park", RATIONALE, _all_answered(closed_round))


def test_complete_decision_stores_each_concern_answer_and_the_report(app, core, closed_round):
    closed_round.challenge.language = Language.en
    db.session.commit()
    use, clear = _keys(closed_round)
    with app.test_request_context(headers={"Accept-Language": "en"}):
        decide(core, closed_round, "adopt", RATIONALE, _all_answered(closed_round))
        db.session.commit()  # the end of a request context discards what is not committed

    stored = db.session.scalar(select(Decision))
    assert (stored.outcome, stored.rationale, stored.decided_by_id) == (
        Outcome.adopt, RATIONALE, core.id)
    assert [(c.key, c.disposition, c.answer) for c in stored.concerns] == [
        (use, Disposition.answered, "We add a help line by phone."),
        (clear, Disposition.set_aside, "Two people only; the new version explains it better.")]
    assert stored.concerns[0].summary == USE_SUMMARY
    assert [c["key"] for c in stored.report["concerns"]] == [use, clear]
    [event] = _events("round.decided")
    assert event.is_public and event.object_id == closed_round.id
    assert event.details == {"title": closed_round.title, "prototype": "Digitaal loket",
                             "outcome": "adopt"}


def test_concerns_are_stored_in_the_language_of_the_challenge(app, core, prototype):
    people = [("Kinderen", {CLEAR: 1})] * 3 + [("Ouders", {CLEAR: 5})] * 9
    round_ = answered_round(prototype, QUESTIONS, people)
    kids = f"group:{round_.groups[0].id}"
    with app.test_request_context(headers={"Accept-Language": "en"}):
        report = minority_report(round_)
        answers = {c.key: ("answered", "We praten met kinderen.") for c in report.concerns}
        decide(core, round_, "adopt", RATIONALE, answers)
        db.session.commit()

    shown = report.concern(kids).summary
    stored = db.session.scalar(select(DecisionConcern).where(DecisionConcern.key == kids))
    assert "(average 1.0, the rest 5.0)" in shown  # the core team reads English...
    assert "1,0" in stored.summary and "5,0" in stored.summary  # ...the Dutch public reads Dutch


def test_a_round_without_concerns_is_decided_with_a_rationale_only(core, prototype):
    round_ = answered_round(prototype, QUESTIONS, [(None, {USE: True, CLEAR: 5})] * 5,
                            groups=())
    decide(core, round_, "park", RATIONALE, {})
    db.session.commit()

    assert _decisions() == 1 and db.session.scalar(select(func.count(DecisionConcern.id))) == 0


@pytest.mark.parametrize(("outcome", "state"), [
    ("adopt", PrototypeState.adopted),
    ("park", PrototypeState.parked),
    ("iterate", PrototypeState.testing),
])
def test_outcome_sets_the_prototype_state(core, closed_round, outcome, state):
    decide(core, closed_round, outcome, RATIONALE, _all_answered(closed_round))
    db.session.commit()

    assert db.session.get(Prototype, closed_round.prototype_id).state is state
    changed = _events("prototype.state_changed")
    assert [(e.new_state, e.reason) for e in changed] == (
        [] if state is PrototypeState.testing else [(state.value, RATIONALE)])


def test_only_the_core_team_of_the_challenge_and_admins_decide(closed_round, roles):
    for role in ("citizen", "stakeholder", "other_core_team"):
        with pytest.raises(PermissionDenied):
            decide(roles[role], closed_round, "adopt", RATIONALE, _all_answered(closed_round))
    decide(roles["admin"], closed_round, "adopt", RATIONALE, _all_answered(closed_round))
    assert _decisions() == 1


def _move_phases(round_: Round, current: PhaseKind, days_ago: int = 0) -> None:
    errors = challenge_services.set_phase_dates(
        None, round_.challenge, factories.plan(current, on=today() - timedelta(days=days_ago)))
    assert not errors
    db.session.commit()


def test_decision_may_come_while_the_agenda_is_written(core, closed_round):
    _move_phases(closed_round, PhaseKind.agenda)

    decide(core, closed_round, "adopt", RATIONALE, _all_answered(closed_round))
    assert _decisions() == 1


def test_decision_is_refused_once_the_challenge_is_over(core, closed_round):
    _move_phases(closed_round, PhaseKind.agenda, days_ago=40)

    with pytest.raises(PhaseClosed):
        decide(core, closed_round, "adopt", RATIONALE, _all_answered(closed_round))
    assert _decisions() == 0


# --- the pages ---------------------------------------------------------------------------------


def without_language_spans(html: str) -> str:
    return re.sub(r'<span lang="[a-z]+">(.*?)</span>', r"\1", html)


def test_decision_page_shows_the_report_then_each_concern_once_where_it_is_answered(
        english, core, closed_round):
    english.login(core)
    page = without_language_spans(english.get(_url(closed_round)).get_data(as_text=True))

    assert (page.index("Minority report") < page.index("What the minority wrote")
            < page.index("Your decision") < page.index(USE_SUMMARY))
    assert page.count(USE_SUMMARY) == 1
    assert "The report found 2 concerns. You answer each of them in the form below." in page
    assert "We consciously set this aside" in page


def test_decision_page_shows_each_reason_once_folded_with_the_concerns_it_supports(
        english, core, closed_round):
    # Both people who said no also gave the low score: they are in both minorities. Each of
    # their two answers is shown once (not once per concern, not again as an objection).
    english.login(core)
    page = english.get(_url(closed_round)).get_data(as_text=True)
    reasons = page[page.index('id="reasons"'):page.index('id="objections-heading"')]

    assert page.count("Te ingewikkeld") == 2
    assert reasons.count("Te ingewikkeld") == 2
    assert reasons.count("concerns 1, 2") == 2
    assert "<details" in reasons and "Read all 2 answers" in reasons
    assert "What would make others say no" in page
    assert "Only people in a minority answered this question." in page


def test_missing_concern_answer_gives_422_names_the_concern_and_keeps_the_input(
        english, core, closed_round):
    use, clear = _keys(closed_round)
    english.login(core)
    response = english.post_form(_url(closed_round), _body(closed_round, skip=clear))
    page = response.get_data(as_text=True)

    assert response.status_code == 422
    assert "Please check the form" in page
    assert "Concern about “Hoe duidelijk is het loket?”: choose whether" in page
    assert RATIONALE in page and "We add a help line by phone." in page
    assert f'<input checked id="{_field(use, "disposition")}-0"' in page
    assert _decisions() == 0


def test_complete_decision_is_saved_and_then_shown_read_only(english, core, closed_round):
    english.login(core)
    response = english.post_form(_url(closed_round), _body(closed_round, "park"))

    assert response.status_code == 302 and urlsplit(response.location).path == _url(closed_round)
    page = english.get(_url(closed_round)).get_data(as_text=True)
    assert "Decision:" in page and "Park" in page and RATIONALE in page
    assert "We consciously set this aside:" in page and 'name="rationale"' not in page
    assert db.session.get(Prototype, closed_round.prototype_id).state is PrototypeState.parked


def test_iterate_leads_to_the_new_version_page_for_this_round(english, core, closed_round):
    english.login(core)
    response = english.post_form(_url(closed_round), _body(closed_round, "iterate"))

    assert response.status_code == 302
    assert response.location.endswith(
        f"/c/scheiden/prototypes/{closed_round.prototype_id}/versions/new"
        f"?round={closed_round.id}")
    with english.session_transaction() as session:
        messages = [message for _category, message in session["_flashes"]]
    assert messages == ["Now describe version 3; then start a new round (you can copy this "
                        "round's form)."]


def test_deciding_an_open_round_is_refused_with_the_reason(english, core, open_round):
    english.login(core)
    response = english.post_form(_url(open_round), _body(open_round))

    assert response.status_code == 409
    assert "Close the round first" in response.get_data(as_text=True)
    assert _decisions() == 0


def test_deciding_after_the_challenge_is_over_is_refused_with_the_reason(english, core,
                                                                       closed_round):
    _move_phases(closed_round, PhaseKind.agenda, days_ago=40)
    english.login(core)
    response = english.post_form(_url(closed_round), _body(closed_round))

    assert response.status_code == 409
    assert "Writing the Agenda for Action closed on" in response.get_data(as_text=True)
    assert _decisions() == 0


def test_open_round_report_is_marked_not_final(english, core, open_round):
    english.login(core)
    page = english.get(_url(open_round, "minority")).get_data(as_text=True)

    assert "Not final" in page


def test_minority_page_in_english_lists_concerns_and_reasons(english, core, closed_round):
    english.login(core)
    html = english.get(_url(closed_round, "minority")).get_data(as_text=True)
    page = without_language_spans(html)

    assert USE_SUMMARY in page and "What the minority wrote" in page
    # Two people, one answer each: shown once each, not under both concerns and again among
    # the objections.
    assert page.count("Te ingewikkeld") == 2
    assert ("2 answers of this minority are marked “concern 1” under “What the minority "
            "wrote”.") in page
    assert ("2 answers of this minority are marked “concern 2” under “What the minority "
            "wrote”.") in page
    # The quoted question keeps its own language inside the English sentence.
    assert '“<span lang="nl">Zou je het loket gebruiken?</span>”' in html


@pytest.mark.parametrize("page", ["minority", "decision"])
def test_pages_render_in_dutch(client, core, closed_round, page):
    client.login(core)
    response = client.get(_url(closed_round, page), headers={"Accept-Language": "nl"})

    assert response.status_code == 200
    assert page_language(response) == "nl"


# --- the public list on the prototype page -----------------------------------------------------


def _partial(prototype: Prototype) -> str:
    return render_template_string('{% include "validation/_decisions.html" %}',
                                  prototype=prototype)


def test_public_partial_shows_the_decision_and_how_the_minority_was_answered(
        app, core, closed_round):
    decide(core, closed_round, "iterate", RATIONALE, _all_answered(closed_round))
    db.session.commit()

    with app.test_request_context(headers={"Accept-Language": "en"}):
        refresh()  # the decision above chose the default language outside any request
        html = _partial(closed_round.prototype)

    assert "Round “Toetsronde loket” (version 1)" in html
    assert "Iterate" in html and RATIONALE in html
    # Concerns are kept as the report stated them, in the challenge's language (Dutch).
    stored = closed_round.decision.concerns
    assert stored and all(concern.summary in html for concern in stored)
    assert "“Zou je het loket gebruiken?”" in html
    assert "We answer this:" in html and "We add a help line by phone." in html
    assert "We consciously set this aside:" in html


def test_public_partial_shows_nothing_for_an_unpublished_prototype(app, core, closed_round):
    decide(core, closed_round, "adopt", RATIONALE, _all_answered(closed_round))
    closed_round.prototype.is_published = False
    db.session.commit()

    with app.test_request_context():
        assert _partial(closed_round.prototype).strip() == ""


def test_decisions_of_a_prototype_load_in_one_query(core, closed_round):
    decide(core, closed_round, "adopt", RATIONALE, _all_answered(closed_round))
    db.session.commit()
    prototype = db.session.get(Prototype, closed_round.prototype_id)
    keys = list(_keys(closed_round))
    db.session.expire_all()
    assert prototype.id  # loads the prototype itself

    with counted_queries() as statements:
        [decision] = services.prototype_decisions(prototype)
        assert [c.key for c in decision.concerns] == keys
        assert decision.round.version.number == 1
    assert len(statements) == 1
    with pytest.raises(InvalidRequestError):  # the stored report is left out, not loaded later
        _ = decision.report


def _decided_round(prototype: Prototype, number: int) -> Round:
    """A closed round with a decision whose stored report is as large as a round of 2,000
    people makes it (every open answer is in it): about 600 KB."""
    round_ = make_round(prototype, state=RoundState.closed, title=f"Ronde {number}",
                        opens_in=-20)
    reason = {"question": OBJECTION_NL, "text": "Te ingewikkeld voor mij. " * 12,
              "is_objection": True}
    report = {"concerns": [{"key": "question:1", "reasons": [reason] * 1000}],
              "objections": [reason] * 1000}
    db.session.add(Decision(
        round=round_, outcome=Outcome.adopt, rationale=f"Besluit {number}", report=report,
        concerns=[DecisionConcern(position=0, key="question:1", summary=f"Zorg {number}",
                                  disposition=Disposition.answered,
                                  answer=f"Antwoord {number}")]))
    db.session.commit()
    return round_


def test_public_prototype_page_never_loads_the_stored_reports(client, prototype):
    url = f"/c/scheiden/prototypes/{prototype.id}"

    def visit(new_decisions: range) -> tuple[list[str], str]:
        for number in new_decisions:
            _decided_round(prototype, number)
        db.session.expire_all()
        with counted_queries() as statements:
            html = client.get(url).get_data(as_text=True)
        return statements, html

    one, _html = visit(range(1))
    three, html = visit(range(1, 3))

    assert [s for s in one + three if "decisions.report" in s] == []
    assert len(three) == len(one)
    assert all(f"Besluit {n}" in html and f"Antwoord {n}" in html for n in range(3))


# --- permission matrix ---------------------------------------------------------------------------

LOGIN, DONE = "login", "done"
ROLES = ("anonymous", "citizen", "stakeholder", "other_core_team", "core_team", "admin")
NO = (LOGIN, 403, 403, 403)

# fmt: off
MATRIX = [
    # method, path,                             body,         statuses per role
    ("GET",  "/c/scheiden/rounds/{rid}/minority", None,        (*NO, 200, 200)),
    ("GET",  "/c/scheiden/rounds/{open}/minority", None,       (*NO, 200, 200)),
    ("GET",  "/c/scheiden/rounds/{rid}/decision", None,        (*NO, 200, 200)),
    ("GET",  "/c/scheiden/rounds/999999/decision", None,       (*NO, 404, 404)),
    ("GET",  "/c/ander/rounds/{rid}/minority",    None,        (LOGIN, 403, 403, 404, 403, 404)),
    ("POST", "/c/scheiden/rounds/{open}/decision", "complete", (*NO, 409, 409)),
    ("POST", "/c/scheiden/rounds/{rid}/decision", "missing",   (*NO, 422, 422)),
    ("POST", "/c/scheiden/rounds/{rid}/decision", "complete",  (*NO, DONE, DONE)),
    ("POST", "/c/scheiden/rounds/{rid}/decision", "complete",  (*NO, 409, 409)),
]
# fmt: on


def _outcome(response) -> int | str:
    if response.status_code == 302:
        return LOGIN if urlsplit(response.location).path == "/login" else DONE
    return response.status_code


@pytest.mark.parametrize("role", ROLES)
def test_permission_matrix(client, roles, closed_round, open_round, role):
    person: User | None = roles[role]
    if person is not None:
        assert client.login(person).status_code == 302
    bodies = {"complete": _body(closed_round),
              "missing": _body(closed_round, skip=_keys(closed_round)[1])}
    ids = {"rid": closed_round.id, "open": open_round.id}

    expected, actual = {}, {}
    for n, (method, path, body, statuses) in enumerate(MATRIX):
        url = path.format(**ids)
        response = client.get(url) if method == "GET" else client.post_form(url, bodies[body])
        expected[n], actual[n] = statuses[ROLES.index(role)], _outcome(response)

    assert actual == expected
    assert _decisions() == (1 if role in ("core_team", "admin") else 0)
