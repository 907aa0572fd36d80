"""The form builder: questions of every kind, their rules, reordering, copying an earlier form,
the freeze once answers exist, and the preview that shows the form as a stakeholder sees it."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from ideation.challenges.models import PhaseKind
from ideation.core.models import AuditEvent
from ideation.extensions import db
from ideation.validation import services
from ideation.validation.models import Answer, Question, QuestionKind, Response, RoundState
from tests import factories
from tests.html import page_language, parse
from tests.ideas.conftest import quick_user
from tests.validation.conftest import (
    OBJECTION_NL,
    answer,
    invite,
    make_prototype,
    make_round,
    question_of,
)

K = QuestionKind


def builder_url(round_, tail: str = "") -> str:
    return f"/c/{round_.challenge.slug}/rounds/{round_.id}/questions{tail}"


def question_data(prefix: str = "new", **values: str) -> dict[str, str]:
    data = {"kind": "yes_no", "text": "Werkt het loket?", "help_text": "", "options": "",
            "low_label": "", "high_label": "", **values}
    return {f"{prefix}-{key}": value for key, value in data.items()}


def question_count() -> int:
    return db.session.scalar(select(func.count(Question.id)))


def texts(round_) -> list[str]:
    db.session.expire_all()
    return [q.text for q in round_.questions]


def change_events() -> list[AuditEvent]:
    return list(db.session.scalars(select(AuditEvent).where(
        AuditEvent.action == "round.questions_changed").order_by(AuditEvent.id)))


# --- adding and changing questions ------------------------------------------------------------


@pytest.mark.parametrize(("values", "stored"), [
    ({"kind": "scale", "low_label": "Slecht", "high_label": "Goed"},
     {"low_label": "Slecht", "high_label": "Goed", "options": []}),
    ({"kind": "yes_no", "required": "y"}, {"required": True, "options": []}),
    ({"kind": "single_choice", "options": "Ja\n\nNee\n  Misschien  \n"},
     {"options": ["Ja", "Nee", "Misschien"]}),
    ({"kind": "multiple_choice", "options": "Online\nBalie", "low_label": "genegeerd"},
     {"options": ["Online", "Balie"], "low_label": ""}),
    ({"kind": "short_text", "help_text": "Eén woord", "options": "a\nb"},
     {"help_text": "Eén woord", "options": []}),
    ({"kind": "long_text"}, {"required": False}),
])
def test_core_team_adds_a_question_of_every_kind(client, core, draft_round, values, stored):
    client.login(core)
    response = client.post_form(builder_url(draft_round), question_data(**values))
    assert response.status_code == 302
    db.session.expire_all()
    question = draft_round.questions[0]
    assert response.location.endswith(f"#question-{question.id}")
    assert (question.kind.value, question.text) == (values["kind"], "Werkt het loket?")
    for name, value in stored.items():
        assert getattr(question, name) == value, name
    [event] = change_events()
    assert event.details == {"change": "added", "question": question.id}


def test_a_new_question_goes_before_the_objection_question(core, draft_round):
    services.add_question(core, draft_round, {"kind": "yes_no", "text": "Eén"})
    services.add_question(core, draft_round, {"kind": "yes_no", "text": "Twee"})
    db.session.commit()
    assert texts(draft_round) == ["Eén", "Twee", OBJECTION_NL]
    assert [q.position for q in draft_round.questions] == [0, 1, 2]


@pytest.mark.parametrize(("values", "field", "message"), [
    ({"kind": "single_choice", "options": "Alleen deze"}, "options",
     "Give at least 2 options, one per line."),
    ({"kind": "multiple_choice", "options": "Ja\nNee\nja"}, "options",
     "The option “ja” is listed twice."),
    ({"kind": "single_choice", "options": "\n".join(f"Optie {n}" for n in range(21))},
     "options", "Use at most 20 options."),
    ({"kind": "scale", "low_label": "Slecht"}, "high_label",
     "Give a label for both ends of the scale."),
    ({"kind": "scale", "high_label": "Goed"}, "low_label",
     "Give a label for both ends of the scale."),
    ({"text": "   "}, "text", "Write the question."),
    ({"kind": "essay"}, "kind", "Not a valid choice."),
])
def test_a_wrong_question_is_refused_with_422_and_keeps_the_input(english, core, draft_round,
                                                                  values, field, message):
    english.login(core)
    data = question_data(help_text="Mijn hulptekst", **values)
    response = english.post_form(builder_url(draft_round), data)
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert message in page
    assert f'id="new-{field}-error"' in page
    assert "Mijn hulptekst" in page
    assert question_count() == 1  # only the objection question
    assert change_events() == []


def test_an_empty_option_is_refused_by_the_service(core, draft_round):
    with pytest.raises(services.RoundError) as error:
        services.add_question(core, draft_round, {"kind": "single_choice", "text": "Welke?",
                                                  "options": ["Ja", " ", "Nee"]})
    assert error.value.field == "options"


def test_core_team_changes_a_question_and_its_kind(client, core, open_round):
    question = question_of(open_round, K.single_choice)
    client.login(core)
    response = client.post_form(builder_url(open_round, f"/{question.id}"), question_data(
        "edit", kind="scale", text="Hoe snel?", low_label="Traag", high_label="Snel"))
    assert response.status_code == 302
    db.session.refresh(question)
    assert (question.kind, question.text, question.options, question.low_label) == (
        K.scale, "Hoe snel?", [], "Traag")


def test_a_wrong_change_shows_the_edit_form_again_with_what_was_typed(english, core,
                                                                     open_round):
    question = question_of(open_round, K.single_choice)
    english.login(core)
    response = english.post_form(builder_url(open_round, f"/{question.id}"), question_data(
        "edit", kind="single_choice", text="Nieuwe tekst", options="Enige optie"))
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "Give at least 2 options, one per line." in page
    assert 'value="Nieuwe tekst"' in page
    db.session.refresh(question)
    assert question.text == "Wanneer zou je het gebruiken?"


def test_the_builder_shows_the_edit_form_of_the_chosen_question(english, core, open_round):
    question = question_of(open_round, K.scale)
    english.login(core)
    page = parse(english.get(builder_url(open_round, f"?edit={question.id}")))
    assert "Change question 1" in page.text
    low = page.find("input", name="edit-low_label")
    assert low.attrs["value"] == "Helemaal niet" and low.attrs["maxlength"] == "80"


def test_the_objection_question_can_be_edited_like_any_question(core, draft_round):
    objection = draft_round.questions[0]
    services.edit_question(core, objection, {"kind": "long_text", "required": True,
                                             "text": "Waarom zou je nee zeggen?"})
    db.session.commit()
    assert (objection.text, objection.required, objection.is_objection) == (
        "Waarom zou je nee zeggen?", True, True)


def test_core_team_deletes_a_question(client, core, open_round):
    question = question_of(open_round, K.yes_no)
    client.login(core)
    client.post_form(builder_url(open_round, f"/{question.id}/delete"))
    assert "Zou je het loket gebruiken?" not in texts(open_round)
    assert [q.position for q in open_round.questions] == list(range(6))


# --- reordering -------------------------------------------------------------------------------


def test_move_up_and_down_swap_neighbours(client, core, open_round):
    first, second, third = open_round.questions[:3]
    client.login(core)
    client.post_form(builder_url(open_round, f"/{second.id}/move"), {"direction": "up"})
    assert texts(open_round)[:3] == [second.text, first.text, third.text]
    client.post_form(builder_url(open_round, f"/{second.id}/move"), {"direction": "down"})
    client.post_form(builder_url(open_round, f"/{second.id}/move"), {"direction": "down"})
    assert texts(open_round)[:3] == [first.text, third.text, second.text]
    assert [q.position for q in open_round.questions] == list(range(7))
    assert [e.details["direction"] for e in change_events()] == ["up", "down", "down"]


def test_moving_past_either_end_changes_nothing(english, core, open_round):
    before = texts(open_round)
    english.login(core)
    response = english.post_form(builder_url(open_round, f"/{open_round.questions[0].id}/move"),
                                 {"direction": "up"}, follow_redirects=True)
    assert "The question is already at the end." in response.get_data(as_text=True)
    assert texts(open_round) == before
    assert change_events() == []


def test_a_move_without_a_direction_is_a_bad_request(client, core, open_round):
    client.login(core)
    response = client.post_form(builder_url(open_round, f"/{open_round.questions[0].id}/move"),
                                {"direction": "sideways"})
    assert response.status_code == 400


# --- copying ----------------------------------------------------------------------------------


def test_copy_replaces_the_questions_after_confirmation(client, core, draft_round, open_round):
    client.login(core)
    response = client.post_form(builder_url(draft_round, "/copy"),
                                {"source": str(open_round.id), "confirm": "y"})
    assert response.status_code == 302
    assert texts(draft_round) == [q.text for q in open_round.questions]
    assert draft_round.copied_from_id == open_round.id
    assert change_events()[-1].details == {"change": "copied", "source": open_round.id}


def test_copy_without_confirmation_is_refused(english, core, draft_round, open_round):
    english.login(core)
    response = english.post_form(builder_url(draft_round, "/copy"),
                                 {"source": str(open_round.id)})
    assert response.status_code == 422
    assert "Tick the box to confirm that all questions are replaced." in response.get_data(
        as_text=True)
    assert texts(draft_round) == [OBJECTION_NL]


def test_copy_from_an_unknown_round_is_refused(english, core, draft_round):
    english.login(core)
    response = english.post_form(builder_url(draft_round, "/copy"),
                                 {"source": "9999", "confirm": "y"})
    assert response.status_code == 422
    assert "Choose an earlier round of this challenge." in response.get_data(as_text=True)


def test_a_round_cannot_copy_itself(core, draft_round):
    with pytest.raises(services.RoundError):
        services.copy_questions(core, draft_round, draft_round)


# --- no change once answers exist -------------------------------------------------------------


@pytest.fixture
def answered_round(open_round):
    invitation, _token = invite(open_round, "ouder@example.org", "Ouders")
    answer(open_round, invitation, {question_of(open_round, K.scale).id: 4}, submitted=False)
    return open_round


@pytest.mark.parametrize("change", [
    lambda actor, r, other: services.add_question(actor, r, {"kind": "yes_no", "text": "X"}),
    lambda actor, r, other: services.edit_question(actor, r.questions[0],
                                                   {"kind": "yes_no", "text": "X"}),
    lambda actor, r, other: services.delete_question(actor, r.questions[0]),
    lambda actor, r, other: services.move_question(actor, r.questions[1], True),
    lambda actor, r, other: services.copy_questions(actor, r, other),
])
def test_the_service_refuses_every_form_change_once_an_answer_exists(app, core, answered_round,
                                                                     draft_round, change):
    before = texts(answered_round)
    with (app.test_request_context(headers={"Accept-Language": "en"}),
          pytest.raises(services.RoundError) as error):
        change(core, answered_round, draft_round)
    db.session.rollback()
    assert "form cannot change" in str(error.value)
    assert texts(answered_round) == before


def test_the_builder_is_read_only_once_an_answer_exists(english, core, answered_round):
    english.login(core)
    page = english.get(builder_url(answered_round)).get_data(as_text=True)
    assert "Answers have come in, so the form cannot change any more." in page
    assert "Add a question" not in page
    assert "Move up" not in page
    response = english.post_form(builder_url(answered_round), question_data(text="Nieuw"))
    assert response.status_code == 422
    assert "Answers have come in, so the form cannot change any more." in response.get_data(
        as_text=True)
    first = answered_round.questions[0]
    response = english.post_form(builder_url(answered_round, f"/{first.id}/delete"),
                                 follow_redirects=True)
    assert "Answers have come in" in response.get_data(as_text=True)
    assert question_count() == len(answered_round.questions) == 7


def test_a_response_without_answers_does_not_freeze_the_form(core, open_round):
    invitation, _token = invite(open_round, "ouder@example.org", "Ouders")
    answer(open_round, invitation, {}, submitted=False)
    services.add_question(core, open_round, {"kind": "yes_no", "text": "Nog één"})
    db.session.commit()
    assert "Nog één" in texts(open_round)


def test_the_form_of_a_closed_round_cannot_change(core, prototype):
    closed = make_round(prototype, state=RoundState.closed)
    with pytest.raises(services.RoundError):
        services.add_question(core, closed, {"kind": "yes_no", "text": "Te laat"})


# --- the preview ------------------------------------------------------------------------------


def preview_url(round_) -> str:
    return f"/c/{round_.challenge.slug}/rounds/{round_.id}/preview"


def test_the_preview_shows_the_version_and_the_form_as_stakeholders_see_it(english, core,
                                                                           open_round):
    english.login(core)
    html = english.get(preview_url(open_round)).get_data(as_text=True)
    page = parse(html)
    assert "Preview — answers are not saved" in page.text
    assert "Een eerste schets van het loket." in page.text
    scale, multiple = question_of(open_round, K.scale), question_of(open_round, K.multiple_choice)
    fieldset = page.find("fieldset", id=f"q{scale.id}")
    assert fieldset.find("span", class_="question-number").text == "1."
    assert fieldset.find("span", lang="nl").text == "Hoe duidelijk is het loket?"
    assert len(page.find_all("input", type="checkbox")) == 4
    short = question_of(open_round, K.short_text)
    assert page.find_all(aria_describedby=f"q{short.id}-help")
    help_text = page.find("p", id=f"q{short.id}-help")
    assert help_text.text == "Eén of twee woorden." and help_text.attrs["lang"] == "nl"
    assert "(optional)" in page.text
    # The server checks; saving half a form must stay possible.
    assert not page.find_all(required=True)
    assert multiple.text in page.text


def test_a_sent_preview_shows_the_errors_and_stores_nothing(english, core, open_round):
    english.login(core)
    scale = question_of(open_round, K.scale)
    response = english.post_form(preview_url(open_round), {f"q{scale.id}": "4"})
    page = parse(response)
    assert response.status_code == 422
    assert "Please check the form" in page.text
    yes_no = question_of(open_round, K.yes_no)
    assert (page.find("a", href=f"#q{yes_no.id}-0").text
            == "Answer the question “Zou je het loket gebruiken?”.")
    assert "error" in page.find("p", id=f"q{yes_no.id}-error").attrs["class"].split()
    chosen = page.find("input", id=f"q{scale.id}-3")
    assert chosen.attrs["value"] == "4" and chosen.attrs["type"] == "radio"
    assert "checked" in chosen.attrs
    assert db.session.scalar(select(func.count(Response.id))) == 0


def test_a_valid_preview_says_so_and_stores_nothing(english, core, open_round):
    english.login(core)
    ids = {kind: question_of(open_round, kind).id for kind in K}
    response = english.post_form(preview_url(open_round), {
        f"q{ids[K.scale]}": "5", f"q{ids[K.yes_no]}": "yes", f"q{ids[K.single_choice]}": "0"})
    assert response.status_code == 200
    assert "All answers are valid. Nothing was saved: this is a preview." in response.get_data(
        as_text=True)
    assert db.session.scalar(select(func.count(Answer.id))) == 0


def test_the_preview_shows_image_alternatives(english, core, open_round):
    from ideation.prototypes.models import PrototypeImage

    open_round.version.images.append(PrototypeImage(storage_key="abc.jpg", width=10, height=10,
                                                    alt_text="Schets van het loket"))
    db.session.commit()
    english.login(core)
    page = english.get(preview_url(open_round)).get_data(as_text=True)
    assert 'alt="Schets van het loket"' in page


# --- languages --------------------------------------------------------------------------------


def test_the_builder_in_english(english, core, open_round):
    english.login(core)
    page = english.get(builder_url(open_round)).get_data(as_text=True)
    assert "Add a question" in page
    assert "7 questions" in page
    assert "Scale from 1 to 5" in page
    assert "Objection question" in page


def test_the_builder_and_preview_render_in_dutch(client, core, open_round):
    client.login(core)
    for url in (builder_url(open_round), preview_url(open_round)):
        response = client.get(url, headers={"Accept-Language": "nl"})
        assert response.status_code == 200
        assert page_language(response) == "nl"


def test_the_form_cannot_change_outside_the_prototype_and_testing_phases(english, app):
    challenge = factories.make_challenge(slug="vroeg", phase=PhaseKind.realistic)
    core = quick_user("core_team", challenge)
    round_ = make_round(make_prototype(challenge))
    english.login(core)
    page = english.get(builder_url(round_)).get_data(as_text=True)
    assert "Testing prototypes is possible from" in page
    assert "Add a question" not in page
    response = english.post_form(builder_url(round_), question_data())
    assert response.status_code == 409
    assert "Testing prototypes is possible from" in response.get_data(as_text=True)
    assert question_count() == 1
