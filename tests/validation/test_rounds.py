"""Rounds: making one (with the objection question and the default groups), copying an earlier
round, editing, the state moves draft -> open -> closed, dates, the phase rule and the
permission matrix of every round and builder route."""

from __future__ import annotations

import re
from datetime import timedelta
from urllib.parse import urlsplit

import pytest
from sqlalchemy import func, select

from ideation.challenges.models import PhaseKind
from ideation.challenges.phases import PhaseClosed, today
from ideation.core.models import AuditEvent
from ideation.extensions import db
from ideation.validation import services
from ideation.validation.models import Question, QuestionKind, Round, RoundState
from tests import factories
from tests.html import page_language, parse
from tests.ideas.conftest import quick_user
from tests.validation.conftest import (
    GROUPS,
    OBJECTION_NL,
    QUESTIONS,
    invite,
    make_prototype,
    make_round,
)

OBJECTION_EN = "What would make you say no to this prototype?"


def rounds_count() -> int:
    return db.session.scalar(select(func.count(Round.id)))


def events(action: str) -> list[AuditEvent]:
    return list(db.session.scalars(select(AuditEvent).where(AuditEvent.action == action)))


def create(actor, prototype, **overrides):
    values = {"version": prototype.versions[0], "title": "Ronde 1", "intro": "",
              "opens_on": today(), "closes_on": today() + timedelta(days=7),
              "group_names": ["Ouders", "Advocaten"], "allow_anonymous": False}
    values.update(overrides)
    round_ = services.create_round(actor, prototype, values.pop("version"), values.pop("title"),
                                   values.pop("intro"), values.pop("opens_on"),
                                   values.pop("closes_on"), values.pop("group_names"),
                                   values.pop("allow_anonymous"), **values)
    db.session.commit()
    return round_


def new_round_form(prototype, **overrides) -> dict:
    data = {"version": str(prototype.versions[-1].id), "title": "Toets van het loket",
            "intro": "Probeer het uit.", "opens_on": today().isoformat(),
            "closes_on": (today() + timedelta(days=13)).isoformat(),
            "groups": "Ouders\nAdvocaten\nMediators", "copy_from": ""}
    data.update(overrides)
    return data


def new_url(prototype) -> str:
    return f"/c/{prototype.challenge.slug}/prototypes/{prototype.id}/rounds/new"


def round_url(round_, tail: str = "") -> str:
    return f"/c/{round_.challenge.slug}/rounds/{round_.id}{tail}"


# --- making a round ---------------------------------------------------------------------------


def test_new_round_form_proposes_the_dutch_groups_and_the_latest_version(client, core,
                                                                          prototype):
    client.login(core)
    page = client.get(new_url(prototype)).get_data(as_text=True)
    assert "Ouders\nAdvocaten\nMediators\nGemeente\nKinderrechtenorganisaties" in page
    assert f'<option selected value="{prototype.versions[-1].id}">' in page


def test_new_round_form_says_its_groups_are_filled_in_and_never_asks_to_leave_them_empty(
        english, core, prototype):
    english.login(core)
    page = english.get(new_url(prototype)).get_data(as_text=True)

    assert "Filled in with the usual groups. One group per line: change them as you like." in (
        page)
    assert "Leave the groups empty" not in page


def test_a_second_round_starts_with_the_groups_of_the_first(english, core, prototype):
    make_round(prototype, state=RoundState.closed, title="Ronde 1", groups=["Vaders", "Moeders"])
    other = make_prototype(prototype.challenge, "Ander loket")
    make_round(other, title="Ronde elders", groups=["Rechters"])
    english.login(core)

    page = english.get(new_url(prototype)).get_data(as_text=True)

    assert "Vaders\nMoeders</textarea>" in page
    assert "Filled in with the groups of the round “Ronde 1”." in page


def test_a_first_round_of_a_prototype_starts_with_the_groups_of_the_challenges_latest(
        english, core, prototype):
    other = make_prototype(prototype.challenge, "Ander loket")
    make_round(other, title="Ronde elders", groups=["Rechters"])
    english.login(core)

    page = english.get(new_url(prototype)).get_data(as_text=True)

    assert "Rechters</textarea>" in page
    assert "Filled in with the groups of the round “Ronde elders”." in page


def test_core_team_makes_a_round_that_ends_with_the_objection_question(client, core,
                                                                        prototype):
    client.login(core)
    response = client.post_form(new_url(prototype), new_round_form(prototype))
    round_ = db.session.scalars(select(Round)).one()
    assert response.status_code == 302
    assert response.location.endswith(f"/c/scheiden/rounds/{round_.id}/questions")
    assert round_.state is RoundState.draft
    assert round_.version is prototype.versions[-1]
    assert [g.name for g in round_.groups] == ["Ouders", "Advocaten", "Mediators"]
    [objection] = round_.questions
    assert (objection.text, objection.kind, objection.required, objection.is_objection) == (
        OBJECTION_NL, QuestionKind.long_text, False, True)
    [event] = events("round.created")
    assert (event.actor_id, event.object_id, event.is_public) == (core.id, round_.id, False)


def test_an_english_challenge_gets_english_groups_and_objection_question(client, app):
    challenge = factories.make_challenge(slug="divorce", phase=PhaseKind.validate,
                                         language="en")
    core = quick_user("core_team", challenge)
    prototype = make_prototype(challenge)
    client.login(core)
    page = client.get(new_url(prototype)).get_data(as_text=True)
    assert "Parents\nLawyers\nMediators\nMunicipality\nChildren&#39;s advocates" in page
    round_ = create(core, prototype)
    assert [q.text for q in round_.questions] == [OBJECTION_EN]
    assert round_.questions[0].is_objection


def test_copying_an_earlier_round_copies_its_form_and_groups(core, prototype):
    source = make_round(prototype, state=RoundState.closed, questions=QUESTIONS,
                        groups=["Vaders", "Moeders"])
    source.questions[0].help_text = "Kies een getal."
    db.session.commit()
    copy = create(core, prototype, version=prototype.versions[1], group_names=[],
                  copy_from=source)
    fields = ("position", "kind", "text", "help_text", "required", "options", "low_label",
              "high_label", "is_objection")
    assert [[getattr(q, f) for f in fields] for q in copy.questions] == [
        [getattr(q, f) for f in fields] for q in source.questions]
    assert {q.id for q in copy.questions}.isdisjoint({q.id for q in source.questions})
    assert sum(q.is_objection for q in copy.questions) == 1
    assert [g.name for g in copy.groups] == ["Vaders", "Moeders"]
    assert copy.copied_from_id == source.id


def test_copying_with_group_names_uses_those_names(core, open_round, prototype):
    copy = create(core, prototype, group_names=["Rechters"], copy_from=open_round)
    assert [g.name for g in copy.groups] == ["Rechters"]
    assert len(copy.questions) == len(open_round.questions)


def test_copy_through_the_new_round_form(client, core, open_round, prototype):
    client.login(core)
    response = client.post_form(new_url(prototype), new_round_form(
        prototype, copy_from=str(open_round.id), groups=""))
    assert response.status_code == 302
    copy = db.session.scalars(select(Round).where(Round.id != open_round.id)).one()
    assert [q.text for q in copy.questions] == [q.text for q in open_round.questions]
    assert [g.name for g in copy.groups] == list(GROUPS)


def test_a_round_of_another_challenge_cannot_be_copied(core, prototype, app):
    other = factories.make_challenge(slug="ander", phase=PhaseKind.validate)
    foreign = make_round(make_prototype(other))
    with pytest.raises(services.RoundError) as error:
        create(core, prototype, copy_from=foreign)
    assert error.value.field == "copy_from"
    assert rounds_count() == 1


def test_the_version_must_belong_to_the_prototype(core, prototype, app):
    other = make_prototype(prototype.challenge)
    with pytest.raises(services.RoundError) as error:
        create(core, prototype, version=other.versions[0])
    assert error.value.field == "version"


@pytest.mark.parametrize(("change", "field", "message"), [
    ({"closes_on": (today() - timedelta(days=1)).isoformat(),
      "opens_on": (today() - timedelta(days=3)).isoformat()},
     "closes_on", "The last day cannot be in the past."),
    ({"closes_on": today().isoformat(), "opens_on": (today() + timedelta(days=2)).isoformat()},
     "closes_on", "The last day cannot be before the first day."),
    ({"opens_on": ""}, "opens_on", "Give the first day on which answers are accepted."),
    ({"closes_on": "31-12-2030"}, "closes_on", "Give a date like 2025-03-31."),
    ({"groups": "\n \n"}, "groups", "Give at least one stakeholder group."),
    ({"groups": "Ouders\nouders"}, "groups", "The group “ouders” is listed twice."),
    ({"title": "  "}, "title", "Give the round a title."),
])
def test_a_wrong_new_round_is_refused_with_422_and_keeps_the_input(english, core, prototype,
                                                                    change, field, message):
    english.login(core)
    data = new_round_form(prototype, **change)
    response = english.post_form(new_url(prototype), data)
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert message in page
    assert f'id="{field}-error"' in page
    assert "Probeer het uit." in page  # what was typed stays
    assert rounds_count() == 0


def test_closes_on_today_is_allowed(core, prototype):
    round_ = create(core, prototype, opens_on=today(), closes_on=today())
    assert round_.closes_on == today()


# --- editing ----------------------------------------------------------------------------------


def test_the_edit_form_shows_the_stored_round(client, core, open_round):
    client.login(core)
    page = client.get(round_url(open_round, "/edit")).get_data(as_text=True)
    assert "\n".join(GROUPS) + "</textarea>" in page
    assert f'value="{open_round.closes_on.isoformat()}"' in page
    assert 'value="Toetsronde loket"' in page


def test_editing_keeps_groups_by_name_and_adds_new_ones(client, core, draft_round):
    ouders = draft_round.groups[0]
    client.login(core)
    response = client.post_form(round_url(draft_round, "/edit"), {
        "title": "Nieuwe titel", "intro": "", "opens_on": today().isoformat(),
        "closes_on": (today() + timedelta(days=3)).isoformat(),
        "groups": "Rechters\nOuders", "allow_anonymous": "y"})
    assert response.status_code == 302
    db.session.refresh(draft_round)
    assert draft_round.title == "Nieuwe titel"
    assert draft_round.allow_anonymous is True
    assert [(g.name, g.position) for g in draft_round.groups] == [("Rechters", 0), ("Ouders", 1)]
    assert draft_round.groups[1].id == ouders.id
    [event] = events("round.edited")
    assert event.details["old"]["title"] == "Toetsronde loket"


def test_a_group_with_invitations_cannot_be_removed(english, core, open_round):
    invite(open_round, "ouder@example.org", "Ouders")
    english.login(core)
    response = english.post_form(round_url(open_round, "/edit"), {
        "title": open_round.title, "opens_on": open_round.opens_on.isoformat(),
        "closes_on": open_round.closes_on.isoformat(), "groups": "Advocaten"})
    assert response.status_code == 422
    assert "The group “Ouders” has invitations, so it cannot be removed." in response.get_data(
        as_text=True)
    db.session.expire_all()
    assert len(open_round.groups) == len(GROUPS)


def test_a_closed_round_cannot_be_edited(core, prototype):
    closed = make_round(prototype, state=RoundState.closed)
    with pytest.raises(services.RoundError):
        services.edit_round(core, closed, "Andere titel", "", today(), today(), ["A"], False)


# --- states -----------------------------------------------------------------------------------


def test_opening_a_draft_round_is_public_in_the_log(client, core, draft_round):
    client.login(core)
    response = client.post_form(round_url(draft_round, "/open"))
    assert response.status_code == 302
    db.session.refresh(draft_round)
    assert draft_round.state is RoundState.open
    [event] = events("round.opened")
    assert event.is_public
    assert (event.old_state, event.new_state) == ("draft", "open")
    assert event.details == {"title": "Toetsronde loket", "prototype": "Digitaal loket"}


def test_closing_an_open_round_sets_the_closing_time(client, core, open_round):
    client.login(core)
    client.post_form(round_url(open_round, "/close"))
    db.session.refresh(open_round)
    assert open_round.state is RoundState.closed
    assert open_round.closed_dt is not None
    [event] = events("round.closed")
    assert event.is_public and event.details["prototype"] == "Digitaal loket"


def _invite_and_answer(round_, invited: int, answered: int) -> None:
    from tests.validation.conftest import answer

    yes_no = next(q for q in round_.questions if q.kind is QuestionKind.yes_no)
    for n in range(invited):
        invitation, _token = invite(round_, f"p{n}@example.org", "Ouders")
        if n < answered:
            answer(round_, invitation, {yes_no.id: "yes"})


def test_the_round_page_asks_to_confirm_before_closing(english, core, open_round):
    english.login(core)
    page = parse(english.get(round_url(open_round)))

    (link,) = page.find_all("a", href=round_url(open_round, "/close"))
    assert link.text == "Close the round" and "button" in link.attrs["class"].split()
    assert not page.find_all("form", action=round_url(open_round, "/close"))  # no button closes


def test_closing_early_with_few_answers_is_warned_about_and_closes_only_when_confirmed(
        english, core, open_round):
    _invite_and_answer(open_round, invited=3, answered=1)
    english.login(core)
    days = (open_round.closes_on - today()).days

    page = parse(english.get(round_url(open_round, "/close")))

    assert page.find("h1").text == "Close the round?"
    assert f"You close the round {days} days early." in page.text
    assert "1 of 3 invited people sent in the form." in page.text
    assert "Too few answers to draw conclusions." in page.text
    form = page.find("form", action=round_url(open_round, "/close"))
    assert form.find("button", type="submit").text == "Yes, close the round now"
    assert form.find("input", name="csrf_token").attrs["value"]
    assert page.find("a", href=round_url(open_round), class_="button").text == "No, keep it open"
    db.session.refresh(open_round)
    assert open_round.state is RoundState.open  # looking at the question closes nothing

    english.post_form(round_url(open_round, "/close"))
    db.session.refresh(open_round)
    assert open_round.state is RoundState.closed


def test_closing_on_the_last_day_with_enough_answers_gives_no_warning(english, core, prototype):
    round_ = make_round(prototype, state=RoundState.open, questions=QUESTIONS, opens_in=-13)
    _invite_and_answer(round_, invited=6, answered=5)
    english.login(core)

    page = english.get(round_url(round_, "/close")).get_data(as_text=True)

    assert round_.closes_on == today()
    assert "early" not in page and "Too few" not in page and "Fewer than half" not in page
    assert "5 of 6 invited people sent in the form." in page
    assert ">Yes, close the round</button>" in page


def test_closing_when_fewer_than_half_answered_suggests_a_reminder(english, core, prototype):
    round_ = make_round(prototype, state=RoundState.open, questions=QUESTIONS, opens_in=-13)
    _invite_and_answer(round_, invited=12, answered=5)
    english.login(core)

    page = english.get(round_url(round_, "/close")).get_data(as_text=True)

    assert "Too few" not in page
    assert "Fewer than half of the invited people answered." in page


def test_the_close_confirmation_reads_in_dutch(client, core, open_round):
    _invite_and_answer(open_round, invited=3, answered=1)
    client.login(core)

    page = client.get(round_url(open_round, "/close"),
                      headers={"Accept-Language": "nl"}).get_data(as_text=True)

    assert page_language(page) == "nl"
    assert "1 van 3 uitgenodigde mensen" in page
    assert "dagen te vroeg" in page


@pytest.mark.parametrize("state", [RoundState.draft, RoundState.closed])
def test_only_an_open_round_has_a_close_confirmation(english, core, prototype, state):
    round_ = make_round(prototype, state=state)
    english.login(core)

    response = english.get(round_url(round_, "/close"), follow_redirects=True)

    assert response.request.path == round_url(round_)
    assert "Only an open round can be closed." in response.get_data(as_text=True)


def test_a_draft_round_cannot_be_closed(english, core, draft_round):
    english.login(core)
    response = english.post_form(round_url(draft_round, "/close"), follow_redirects=True)
    assert "Only an open round can be closed." in response.get_data(as_text=True)
    db.session.refresh(draft_round)
    assert draft_round.state is RoundState.draft
    assert events("round.closed") == []


def test_a_closed_round_cannot_be_opened_again(english, core, prototype):
    closed = make_round(prototype, state=RoundState.closed)
    english.login(core)
    response = english.post_form(round_url(closed, "/open"), follow_redirects=True)
    assert "Only a draft round can be opened." in response.get_data(as_text=True)
    db.session.refresh(closed)
    assert closed.state is RoundState.closed


def test_a_round_without_questions_cannot_be_opened(core, prototype):
    empty = make_round(prototype, objection=False)
    with pytest.raises(services.RoundError):
        services.open_round(core, empty)
    assert empty.state is RoundState.draft


def test_answers_are_accepted_only_from_the_first_to_the_last_day(prototype):
    round_ = make_round(prototype, state=RoundState.open, opens_in=2, days=3)
    first, last = round_.opens_on, round_.closes_on
    assert not services.is_accepting_answers(round_, first - timedelta(days=1))
    assert services.is_accepting_answers(round_, first)
    assert services.is_accepting_answers(round_, last)
    assert not services.is_accepting_answers(round_, last + timedelta(days=1))
    round_.state = RoundState.draft
    assert not services.is_accepting_answers(round_, first)


def test_an_open_round_past_its_last_day_counts_as_closed(prototype):
    round_ = make_round(prototype, state=RoundState.open, opens_in=-5, days=3)
    assert services.effective_state(round_) is RoundState.closed
    assert services.effective_state(round_, round_.closes_on) is RoundState.open
    round_.state = RoundState.draft
    assert services.effective_state(round_) is RoundState.draft


# --- phase rule -------------------------------------------------------------------------------


def test_rounds_cannot_be_made_or_opened_outside_the_prototype_and_testing_phases(
        english, app):
    challenge = factories.make_challenge(slug="vroeg", phase=PhaseKind.realistic)
    core = quick_user("core_team", challenge)
    prototype = make_prototype(challenge)
    draft = make_round(prototype)
    with pytest.raises(PhaseClosed):
        create(core, prototype)
    english.login(core)
    response = english.post_form(new_url(prototype), new_round_form(prototype))
    assert response.status_code == 409
    assert "Testing prototypes is possible from" in response.get_data(as_text=True)
    response = english.post_form(round_url(draft, "/open"), follow_redirects=True)
    assert "Testing prototypes is possible from" in response.get_data(as_text=True)
    db.session.refresh(draft)
    assert draft.state is RoundState.draft
    assert rounds_count() == 1


def test_rounds_can_be_run_in_the_prototype_phase(app):
    challenge = factories.make_challenge(slug="proto", phase=PhaseKind.prototype)
    core = quick_user("core_team", challenge)
    assert create(core, make_prototype(challenge)).state is RoundState.draft


# --- pages in both languages ------------------------------------------------------------------


def test_round_overview_in_english(english, core, open_round):
    english.login(core)
    page = english.get(round_url(open_round)).get_data(as_text=True)
    assert "Version tested" in page
    assert "Close the round" in page
    assert "7 questions" in page
    for name in GROUPS:
        assert name in page


def test_the_round_page_links_to_every_tool_of_the_round(english, core, open_round, prototype):
    english.login(core)
    page = english.get(round_url(open_round)).get_data(as_text=True)
    links = set(re.findall(r'<a href="([^"]+)">([^<]+)</a>', page))
    for tail, name in (("/invitations", "Invitations"), ("/results", "Results"),
                       ("/minority", "Minority report"), ("/decision", "Decision"),
                       ("/questions", "Feedback form"), ("/preview", "Preview the form")):
        assert (round_url(open_round, tail), name) in links, name
    version = f"/c/scheiden/prototypes/{prototype.id}/versions/{open_round.version.number}"
    assert (version, f"Version {open_round.version.number}") in links


def test_round_pages_render_in_dutch(client, core, open_round, prototype):
    client.login(core)
    for url in (round_url(open_round), round_url(open_round, "/edit"), new_url(prototype),
                f"/c/scheiden/prototypes/{prototype.id}/rounds"):
        response = client.get(url, headers={"Accept-Language": "nl"})
        assert response.status_code == 200, url
        assert 'lang="nl"' in response.get_data(as_text=True)


def test_the_rounds_of_a_prototype_are_listed(english, core, open_round, draft_round,
                                               prototype):
    english.login(core)
    page = english.get(f"/c/scheiden/prototypes/{prototype.id}/rounds").get_data(as_text=True)
    assert page.count("Toetsronde loket") == 2
    assert "New round" in page


# --- permission matrix ------------------------------------------------------------------------

LOGIN, DONE = "login", "done"
ROLES = ("anonymous", "citizen", "stakeholder", "other_core_team", "core_team", "admin")
NO = (LOGIN, 403, 403, 403)

# fmt: off
# Rows run in order for one role; changes come after the pages that read.
MATRIX = [
    ("GET",  "/c/scheiden/prototypes/{p}/rounds",            None,       (*NO, 200, 200)),
    ("GET",  "/c/scheiden/prototypes/{p}/rounds/new",        None,       (*NO, 200, 200)),
    ("GET",  "/c/scheiden/rounds/{d}",                       None,       (*NO, 200, 200)),
    ("GET",  "/c/scheiden/rounds/{d}/edit",                  None,       (*NO, 200, 200)),
    ("GET",  "/c/scheiden/rounds/{d}/questions",             None,       (*NO, 200, 200)),
    ("GET",  "/c/scheiden/rounds/{d}/preview",               None,       (*NO, 200, 200)),
    ("POST", "/c/scheiden/rounds/{d}/preview",               "empty",    (*NO, 200, 200)),
    ("GET",  "/c/scheiden/rounds/9999",                      None,       (*NO, 404, 404)),
    ("GET",  "/c/scheiden/rounds/{foreign}",                 None,       (*NO, 404, 404)),
    ("GET",  "/c/scheiden/prototypes/{foreign_p}/rounds",    None,       (*NO, 404, 404)),
    ("POST", "/c/scheiden/rounds/{d}/questions/9999/delete", "empty",    (*NO, 404, 404)),
    ("POST", "/c/scheiden/prototypes/{p}/rounds/new",        "new",      (*NO, DONE, DONE)),
    ("POST", "/c/scheiden/rounds/{d}/edit",                  "edit",     (*NO, DONE, DONE)),
    ("POST", "/c/scheiden/rounds/{d}/questions",             "question", (*NO, DONE, DONE)),
    ("POST", "/c/scheiden/rounds/{d}/questions/{q}",         "question", (*NO, DONE, DONE)),
    ("POST", "/c/scheiden/rounds/{d}/questions/{q}/move",    "up",       (*NO, DONE, DONE)),
    ("POST", "/c/scheiden/rounds/{d}/questions/{q}/delete",  "empty",    (*NO, DONE, DONE)),
    ("POST", "/c/scheiden/rounds/{d}/questions/copy",        "copy",     (*NO, DONE, DONE)),
    ("POST", "/c/scheiden/rounds/{d}/open",                  "empty",    (*NO, DONE, DONE)),
    ("GET",  "/c/scheiden/rounds/{o}/close",                 None,       (*NO, 200, 200)),
    ("GET",  "/c/scheiden/rounds/{foreign}/close",           None,       (*NO, 404, 404)),
    ("POST", "/c/scheiden/rounds/{o}/close",                 "empty",    (*NO, DONE, DONE)),
]
# fmt: on


def bodies(prototype, open_round) -> dict[str, dict]:
    return {
        "empty": {},
        "new": new_round_form(prototype),
        "edit": {"title": "Andere titel", "opens_on": today().isoformat(),
                 "closes_on": (today() + timedelta(days=5)).isoformat(), "groups": "Ouders"},
        "question": {"new-kind": "yes_no", "new-text": "Werkt het?",
                     "edit-kind": "yes_no", "edit-text": "Werkt het echt?"},
        "up": {"direction": "up"},
        "copy": {"source": str(open_round.id), "confirm": "y"},
    }


def outcome(response) -> int | str:
    if response.status_code == 302:
        return LOGIN if urlsplit(response.location).path == "/login" else DONE
    return response.status_code


@pytest.mark.parametrize("role", ROLES)
def test_permission_matrix(client, roles, prototype, draft_round, open_round, role):
    foreign_challenge = factories.make_challenge(slug="elders", phase=PhaseKind.validate)
    foreign_prototype = make_prototype(foreign_challenge)
    foreign = make_round(foreign_prototype)
    extra = Question(kind=QuestionKind.yes_no, text="Eerste vraag", position=0)
    draft_round.questions.insert(0, extra)
    for position, question in enumerate(draft_round.questions):
        question.position = position
    db.session.commit()
    ids = {"p": prototype.id, "d": draft_round.id, "o": open_round.id, "foreign": foreign.id,
           "foreign_p": foreign_prototype.id, "q": draft_round.questions[1].id}
    payloads = bodies(prototype, open_round)
    if roles[role] is not None:
        client.login(roles[role])
    expected_column = ROLES.index(role)
    differences = []
    for method, path, body, expected in MATRIX:
        url = path.format(**ids)
        got = outcome(client.get(url) if method == "GET" else client.post_form(url, payloads[body]))
        if got != expected[expected_column]:
            differences.append((method, url, expected[expected_column], got))
    assert differences == []
    db.session.expire_all()
    manages = role in ("core_team", "admin")
    assert draft_round.state is (RoundState.open if manages else RoundState.draft)
    assert open_round.state is (RoundState.closed if manages else RoundState.open)
    assert rounds_count() == (4 if manages else 3)
