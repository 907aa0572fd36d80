"""The answer form built from the stored questions: one WTForms field per question, the
required rule, refusal of values outside the choices, and the way to and from stored answers."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from werkzeug.datastructures import MultiDict
from wtforms import RadioField, SelectMultipleField, StringField, TextAreaField
from wtforms.widgets import CheckboxInput, ListWidget

from ideation.extensions import db
from ideation.validation.answer_form import (
    AnswerValue,
    answers_from_form,
    build_answer_form,
    field_name,
    form_data_from_answers,
)
from ideation.validation.models import Answer, QuestionKind, Response
from tests.validation.conftest import answer, invite, make_round, question_of

K = QuestionKind


@pytest.fixture
def english_request(app) -> Iterator[None]:
    """An English request without CSRF checks, so the forms can be validated directly."""
    app.config["WTF_CSRF_ENABLED"] = False
    with app.test_request_context(headers={"Accept-Language": "en"}):
        yield


def field(form, round_, kind: QuestionKind):
    return form[field_name(question_of(round_, kind))]


def posted(round_, pairs: list[tuple[QuestionKind, str]], *, require: bool = True):
    """The round's form after posting ``pairs`` (kind of question, value), validated."""
    data = MultiDict([(field_name(question_of(round_, kind)), value) for kind, value in pairs])
    form = build_answer_form(round_, formdata=data, require=require)
    form.validate()
    return form


FULL = [(K.scale, "4"), (K.yes_no, "yes"), (K.single_choice, "2"),
        (K.multiple_choice, "0"), (K.multiple_choice, "2"), (K.short_text, "Helder"),
        (K.long_text, "Een chat voor vaders.")]


# --- the fields ---------------------------------------------------------------------------------


def test_every_question_gets_a_field_named_after_its_id_in_order(english_request, open_round):
    form = build_answer_form(open_round)
    names = [f.name for f in form if f.name != "csrf_token"]
    assert names == [f"q{q.id}" for q in open_round.questions]
    assert form[f"q{open_round.questions[0].id}"].label.text == "Hoe duidelijk is het loket?"


def test_scale_is_a_radio_field_from_1_to_5_with_the_end_labels(english_request, open_round):
    scale = field(build_answer_form(open_round), open_round, K.scale)
    assert isinstance(scale, RadioField)
    assert [(c.value, c.label) for c in scale.iter_choices()] == [
        ("1", "1 – Helemaal niet"), ("2", "2"), ("3", "3"), ("4", "4"),
        ("5", "5 – Heel duidelijk")]


def test_yes_no_is_a_radio_field_with_yes_and_no(english_request, open_round):
    yes_no = field(build_answer_form(open_round), open_round, K.yes_no)
    assert isinstance(yes_no, RadioField)
    assert [(c.value, c.label) for c in yes_no.iter_choices()] == [("yes", "Yes"), ("no", "No")]


def test_single_choice_is_a_radio_field_whose_values_are_the_option_indexes(
        english_request, open_round):
    single = field(build_answer_form(open_round), open_round, K.single_choice)
    assert isinstance(single, RadioField)
    assert [(c.value, c.label) for c in single.iter_choices()] == [
        ("0", "Meteen"), ("1", "Na een gesprek"), ("2", "Nooit")]


def test_multiple_choice_is_rendered_as_checkboxes(english_request, open_round):
    multiple = field(build_answer_form(open_round), open_round, K.multiple_choice)
    assert isinstance(multiple, SelectMultipleField)
    assert isinstance(multiple.widget, ListWidget)
    assert isinstance(multiple.option_widget, CheckboxInput)
    html = str(multiple())
    assert html.count('type="checkbox"') == 4
    assert "<select" not in html


def test_texts_are_a_text_input_and_a_text_area_with_their_limits(english_request, open_round):
    form = build_answer_form(open_round)
    short, long = field(form, open_round, K.short_text), field(form, open_round, K.long_text)
    assert isinstance(short, StringField) and not isinstance(short, TextAreaField)
    assert isinstance(long, TextAreaField)
    assert short.description == "Eén of twee woorden."


def test_only_required_questions_are_flagged_required(english_request, open_round):
    form = build_answer_form(open_round)
    required = {q.id for q in open_round.questions if form[field_name(q)].flags.required}
    assert required == {q.id for q in open_round.questions if q.required}
    assert required  # the fixture has required questions
    assert not any(f.flags.required for f in build_answer_form(open_round, require=False))


# --- validation ----------------------------------------------------------------------------------


def test_a_complete_form_is_valid(english_request, open_round):
    form = posted(open_round, FULL)
    assert form.errors == {}


def test_a_missing_required_answer_gets_a_message_naming_the_question(english_request,
                                                                       open_round):
    form = posted(open_round, [pair for pair in FULL if pair[0] is not K.yes_no])
    assert field(form, open_round, K.yes_no).errors == [
        "Answer the question “Zou je het loket gebruiken?”."]
    assert list(form.errors) == [field_name(question_of(open_round, K.yes_no))]


def test_a_required_text_of_only_spaces_is_missing(english_request, prototype):
    round_ = make_round(prototype, questions=[
        {"kind": K.short_text, "text": "Welk woord?", "required": True}])
    form = posted(round_, [(K.short_text, "   ")])
    assert field(form, round_, K.short_text).errors == ["Answer the question “Welk woord?”."]


def test_optional_questions_may_stay_empty(english_request, open_round):
    required_only = [(K.scale, "3"), (K.yes_no, "no"), (K.single_choice, "0")]
    assert posted(open_round, required_only).errors == {}


@pytest.mark.parametrize(("kind", "value"), [
    (K.scale, "6"), (K.scale, "0"), (K.yes_no, "maybe"), (K.single_choice, "3"),
    (K.single_choice, "-1"), (K.multiple_choice, "4"), (K.multiple_choice, "x"),
])
def test_a_value_outside_the_choices_is_refused_with_a_message(english_request, open_round,
                                                                kind, value):
    answers = [pair for pair in FULL if pair[0] is not kind] + [(kind, value)]
    form = posted(open_round, answers)
    question = question_of(open_round, kind)
    assert list(form.errors) == [field_name(question)]
    assert field(form, open_round, kind).errors == [
        f"Choose one of the options of “{question.text}”."]


def test_a_wrong_value_is_refused_also_when_saving_a_half_filled_form(english_request,
                                                                       open_round):
    form = posted(open_round, [(K.scale, "9")], require=False)
    assert list(form.errors) == [field_name(question_of(open_round, K.scale))]


def test_a_too_long_short_text_is_refused(english_request, open_round):
    form = posted(open_round, [*FULL[:-2], (K.short_text, "x" * 301)])
    assert field(form, open_round, K.short_text).errors == [
        "Your answer to “Welk woord past bij het loket?” is too long: use at most 300 "
        "characters."]
    assert posted(open_round, [*FULL[:-2], (K.short_text, "x" * 300)]).errors == {}


def test_a_too_long_answer_to_a_question_with_a_percent_sign_is_refused_in_plain_words(
        english_request, open_round):
    # WTForms %-formats the message; "%3C" in the question used to be a 500 (found by fuzzing).
    question_of(open_round, K.short_text).text = "Kost het 50%? Of %3Cmeer%3E?"
    form = posted(open_round, [*FULL[:-2], (K.short_text, "x" * 301)])
    assert field(form, open_round, K.short_text).errors == [
        "Your answer to “Kost het 50%? Of %3Cmeer%3E?” is too long: use at most 300 "
        "characters."]


def test_a_too_long_long_text_is_refused(english_request, open_round):
    form = posted(open_round, [*FULL[:-1], (K.long_text, "x" * 5001)])
    assert list(form.errors) == [field_name(question_of(open_round, K.long_text))]


def test_without_require_a_half_filled_form_is_accepted(english_request, open_round):
    form = posted(open_round, [(K.scale, "2")], require=False)
    assert form.errors == {}
    assert answers_from_form(open_round, form) == [
        AnswerValue(question_of(open_round, K.scale).id, 2, None)]


def test_a_percent_sign_in_a_question_does_not_break_the_message(english_request, prototype):
    round_ = make_round(prototype, questions=[
        {"kind": K.multiple_choice, "text": "Is 50% genoeg?", "options": ["Ja", "Nee"]}])
    form = posted(round_, [(K.multiple_choice, "7")])
    assert field(form, round_, K.multiple_choice).errors == [
        "Choose one of the options of “Is 50% genoeg?”."]


# --- to and from stored answers -----------------------------------------------------------------


def test_answers_from_form_gives_one_value_per_answer_row(english_request, open_round):
    form = posted(open_round, FULL)
    ids = {kind: question_of(open_round, kind).id for kind in K}
    assert answers_from_form(open_round, form) == [
        AnswerValue(ids[K.scale], 4, None),
        AnswerValue(ids[K.yes_no], 1, None),
        AnswerValue(ids[K.single_choice], 2, None),
        AnswerValue(ids[K.multiple_choice], 0, None),
        AnswerValue(ids[K.multiple_choice], 2, None),
        AnswerValue(ids[K.short_text], None, "Helder"),
        AnswerValue(ids[K.long_text], None, "Een chat voor vaders."),
    ]


def test_a_multiple_choice_with_two_options_ticked_gives_two_values(english_request,
                                                                     open_round):
    form = posted(open_round, [(K.multiple_choice, "3"), (K.multiple_choice, "1")],
                  require=False)
    question = question_of(open_round, K.multiple_choice)
    assert [v for v in answers_from_form(open_round, form) if v.question_id == question.id] == [
        AnswerValue(question.id, 1, None), AnswerValue(question.id, 3, None)]


def test_no_is_stored_as_zero_and_empty_texts_are_left_out(english_request, open_round):
    form = posted(open_round, [(K.yes_no, "no"), (K.long_text, "  ")], require=False)
    assert answers_from_form(open_round, form) == [
        AnswerValue(question_of(open_round, K.yes_no).id, 0, None)]


def test_stored_answers_fill_the_form_again(english_request, open_round):
    invitation, _token = invite(open_round, "ouder@example.org", "Ouders")
    ids = {kind: question_of(open_round, kind).id for kind in K}
    answer(open_round, invitation, {ids[K.scale]: 5, ids[K.yes_no]: 0,
                                    ids[K.single_choice]: 1, ids[K.multiple_choice]: [0, 3],
                                    ids[K.long_text]: "Meer uitleg."}, submitted=False)
    stored = db.session.scalars(db.select(Answer)).all()
    data = form_data_from_answers(open_round, stored)
    assert data == {f"q{ids[K.scale]}": "5", f"q{ids[K.yes_no]}": "no",
                    f"q{ids[K.single_choice]}": "1", f"q{ids[K.multiple_choice]}": ["0", "3"],
                    f"q{ids[K.long_text]}": "Meer uitleg."}
    form = build_answer_form(open_round, data=data)
    html = str(field(form, open_round, K.multiple_choice)())
    assert html.count("checked") == 2
    assert answers_from_form(open_round, form) == sorted(
        [AnswerValue(a.question_id, a.choice, a.text) for a in stored],
        key=lambda v: [q.id for q in open_round.questions].index(v.question_id))


def test_answers_to_unknown_questions_or_options_are_not_filled_in(english_request, open_round,
                                                                    draft_round):
    single = question_of(open_round, K.single_choice)
    foreign = draft_round.questions[0]
    data = form_data_from_answers(open_round, [
        AnswerValue(single.id, 7, None), AnswerValue(foreign.id, None, "elders"),
        AnswerValue(question_of(open_round, K.scale).id, 6, None)])
    assert data == {}


def test_building_and_reading_the_form_stores_nothing(english_request, open_round):
    answers_from_form(open_round, posted(open_round, FULL))
    assert db.session.scalar(db.select(db.func.count(Response.id))) == 0
    assert db.session.scalar(db.select(db.func.count(Answer.id))) == 0
