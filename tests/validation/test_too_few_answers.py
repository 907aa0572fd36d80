"""Figures from too few answers are not passed off as findings (issue 13, item 4).

Below IDEATION_MIN_RESPONSES_FOR_CONCLUSIONS (default 5) sent-in forms, the results page, the
round comparison, the minority report and the public decision say plainly that the numbers
are too few to draw conclusions; the comparison names both sample sizes, and the minority
report never claims that "no minority stands apart".
"""

from __future__ import annotations

import pytest
from flask import render_template_string
from flask_babel import refresh

from ideation.extensions import db
from ideation.validation.decision import decide
from ideation.validation.minority import minority_report
from ideation.validation.models import QuestionKind, RoundState
from tests.validation.conftest import answered_round, group_of

USE = "Zou je het loket gebruiken?"
QUESTIONS = [{"kind": QuestionKind.yes_no, "text": USE}]
TOO_FEW = "Too few answers to draw conclusions."
NO_MINORITY = "No minority stands apart"


def _round(prototype, yes: int, no: int = 0, *, group: str | None = "Ouders",
           title: str = "Toetsronde loket", state: RoundState = RoundState.closed,
           version: int = 0):
    people = [(group, {USE: True})] * yes + [(group, {USE: False})] * no
    groups = (group,) if group else ()
    return answered_round(prototype, QUESTIONS, people, groups=groups, title=title,
                          state=state, version=prototype.versions[version])


def _page(client, round_, tail: str) -> str:
    response = client.get(f"/c/scheiden/rounds/{round_.id}/{tail}")
    assert response.status_code == 200
    return response.get_data(as_text=True)


# --- the results ---------------------------------------------------------------------------------


def test_results_of_three_answers_say_they_are_too_few(english, core, prototype):
    round_ = _round(prototype, yes=3)
    english.login(core)

    page = _page(english, round_, "results")

    assert TOO_FEW in page
    assert "Only 3 people sent in the form." in page
    assert "From 5 answers on the figures say more." in page


def test_results_of_five_answers_carry_no_warning(english, core, prototype):
    english.login(core)
    assert TOO_FEW not in _page(english, _round(prototype, yes=5), "results")


def test_one_small_group_of_a_large_round_is_too_few_on_its_own(english, core, prototype):
    people = [("Ouders", {USE: True})] * 8 + [("Advocaten", {USE: False})] * 2
    round_ = answered_round(prototype, QUESTIONS, people, groups=("Advocaten", "Ouders"))
    english.login(core)
    lawyers = group_of(round_, "Advocaten").id

    assert TOO_FEW not in _page(english, round_, "results")
    page = _page(english, round_, f"results?group={lawyers}")
    assert "Only 2 people of the group “Advocaten” sent in the form." in page
    groups = _page(english, round_, "results/groups")
    assert "Advocaten <span class=\"muted\">(2 people, too few)</span>" in groups
    assert "Ouders <span class=\"muted\">(8 people)</span>" in groups


def test_the_threshold_follows_the_setting(app, english, core, prototype):
    app.config["IDEATION_MIN_RESPONSES_FOR_CONCLUSIONS"] = 2
    english.login(core)

    assert TOO_FEW not in _page(english, _round(prototype, yes=3), "results")


def test_results_say_too_few_in_dutch(client, core, prototype):
    round_ = _round(prototype, yes=1)
    client.login(core)

    page = client.get(f"/c/scheiden/rounds/{round_.id}/results",
                      headers={"Accept-Language": "nl"}).get_data(as_text=True)

    assert "Te weinig antwoorden om conclusies te trekken." in page
    assert "Maar 1 persoon heeft het formulier ingestuurd." in page


# --- the comparison -------------------------------------------------------------------------------


def test_comparison_names_both_sample_sizes_and_warns_when_one_is_too_small(
        english, core, prototype):
    first = _round(prototype, yes=18, no=6, title="Ronde 1")
    second = _round(prototype, yes=2, no=1, title="Ronde 2", version=1)
    english.login(core)

    page = english.get(f"/c/scheiden/prototypes/{prototype.id}/compare"
                       f"?a={first.id}&b={second.id}").get_data(as_text=True)

    assert "24 people sent in the form" in page and "3 people sent in the form" in page
    assert TOO_FEW in page
    assert "Round A rests on 24 and round B on 3 sent-in forms; below 5 a change says little." in (
        page)


def test_comparison_of_two_large_rounds_carries_no_warning(english, core, prototype):
    first = _round(prototype, yes=18, no=6, title="Ronde 1")
    second = _round(prototype, yes=10, no=2, title="Ronde 2", version=1)
    english.login(core)

    page = english.get(f"/c/scheiden/prototypes/{prototype.id}/compare"
                       f"?a={first.id}&b={second.id}").get_data(as_text=True)

    assert "12 people sent in the form" in page and TOO_FEW not in page


# --- the minority report --------------------------------------------------------------------------


def test_a_report_on_one_answer_does_not_claim_that_no_minority_stands_apart(
        english, core, prototype):
    round_ = _round(prototype, yes=1)
    report = minority_report(round_)
    english.login(core)

    assert report.concerns == [] and report.too_few
    for tail in ("minority", "decision"):
        page = _page(english, round_, tail)
        assert TOO_FEW in page, tail
        assert NO_MINORITY not in page, tail
        assert "the report cannot tell whether a minority stands apart" in page, tail


def test_a_report_on_enough_answers_may_say_that_no_minority_stands_apart(
        english, core, prototype):
    round_ = _round(prototype, yes=6)
    english.login(core)

    page = _page(english, round_, "minority")

    assert NO_MINORITY in page and TOO_FEW not in page


def test_the_report_says_too_few_in_dutch(client, core, prototype):
    round_ = _round(prototype, yes=1)
    client.login(core)

    page = client.get(f"/c/scheiden/rounds/{round_.id}/minority",
                      headers={"Accept-Language": "nl"}).get_data(as_text=True)

    assert "Te weinig antwoorden om conclusies te trekken." in page
    assert "Er valt geen minderheid op" not in page


@pytest.mark.parametrize(("yes", "warned"), [(2, True), (7, False)])
def test_the_public_decision_says_how_many_answered_and_whether_that_is_too_few(
        app, core, prototype, yes, warned):
    round_ = _round(prototype, yes=yes)
    decide(core, round_, "adopt", "Het werkt.", {})
    db.session.commit()

    with app.test_request_context(headers={"Accept-Language": "en"}):
        refresh()
        html = render_template_string('{% include "validation/_decisions.html" %}',
                                      prototype=prototype)

    assert f"{yes} people sent in the form of this round." in html
    assert ("That is too few to draw conclusions." in html) is warned
    assert ("The minority report found no concerns in this round." in html) is not warned
