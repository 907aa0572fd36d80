"""Comparing two rounds of a prototype: questions matched by text, what moved between them."""

from __future__ import annotations

import pytest

from ideation.concepts.models import Concept
from ideation.extensions import db
from ideation.prototypes.models import Prototype, PrototypeKind, PrototypeVersion
from ideation.validation import results
from ideation.validation.models import QuestionKind, RoundState
from tests import factories
from tests.html import parse
from tests.ideas.conftest import quick_user
from tests.validation.conftest import OBJECTION_NL, QUESTIONS, answer, invite, make_round

SCALE, YES_NO, SINGLE = QUESTIONS[0], QUESTIONS[1], QUESTIONS[2]
ONLY_A = {"kind": QuestionKind.yes_no, "text": "Is de tekst duidelijk?"}
ONLY_B = {"kind": QuestionKind.long_text, "text": "Wat vind je van de chat?"}
MINUS = "\u2212"


def respond(round_, email, values_by_text):
    by_text = {q.text: q for q in round_.questions}
    invitation, _token = invite(round_, email, "Ouders")
    answer(round_, invitation, {by_text[text].id: value for text, value in values_by_text.items()})


def fill(round_, scale, yes_no, single):
    for n, (s, y, c) in enumerate(zip(scale, yes_no, single, strict=True)):
        respond(round_, f"{round_.id}-{n}@example.org",
                {SCALE["text"]: s, YES_NO["text"]: y, SINGLE["text"]: c})


@pytest.fixture
def rounds(prototype):
    """Round 1 tests version 1 (closed), round 2 tests version 2 (open)."""
    first = make_round(prototype, title="Ronde 1", state=RoundState.closed, opens_in=-30,
                       days=10, questions=[SCALE, YES_NO, SINGLE, ONLY_A])
    single_b = {**SINGLE, "options": [*SINGLE["options"], "Later"]}
    second = make_round(prototype, version=prototype.versions[1], title="Ronde 2",
                        state=RoundState.open, opens_in=-1,
                        questions=[SCALE, YES_NO, single_b, ONLY_B])
    fill(first, [2, 2, 3, 3], ["yes", "no", "no", "no"], [0, 0, 1, 2])
    fill(second, [3, 4, 4, 4], ["yes", "yes", "yes", "no"], [0, 2, 2, 3])
    return first, second


def compared(app, a, b):
    with app.test_request_context(headers={"Accept-Language": "en"}):
        comparison = results.compare_rounds(a, b)
        return comparison, {
            m.question.text: [(line.label, line.change.shown if line.change else None,
                               line.change.words if line.change else None)
                              for line in m.lines] for m in comparison.matched}


def test_questions_are_matched_by_text_and_unmatched_ones_listed(app, rounds):
    comparison, _lines = compared(app, *rounds)

    assert [m.question.text for m in comparison.matched] == [
        SCALE["text"], YES_NO["text"], SINGLE["text"],
        OBJECTION_NL]
    assert [q.text for q in comparison.only_a] == [ONLY_A["text"]]
    assert [q.text for q in comparison.only_b] == [ONLY_B["text"]]


def test_changes_of_means_and_shares_are_given_in_signs_and_words(app, rounds):
    _comparison, lines = compared(app, *rounds)

    assert lines[SCALE["text"]] == [("Mean", "+1.3", "rose by 1.3")]
    assert lines[YES_NO["text"]] == [("Yes", "+50 points", "rose by 50 points")]
    assert lines[SINGLE["text"]] == [
        ("Meteen", f"{MINUS}25 points", "fell by 25 points"),
        ("Na een gesprek", f"{MINUS}25 points", "fell by 25 points"),
        ("Nooit", "+25 points", "rose by 25 points"),
        ("Later", None, None)]  # an option only round 2 had


def test_swapping_the_rounds_reverses_the_change(app, rounds):
    first, second = rounds

    _comparison, lines = compared(app, second, first)

    assert lines[SCALE["text"]] == [("Mean", f"{MINUS}1.3", "fell by 1.3")]


def test_a_question_with_the_same_text_but_another_kind_is_not_matched(app, prototype):
    a = make_round(prototype, questions=[SCALE], objection=False)
    b = make_round(prototype, questions=[{**SCALE, "kind": QuestionKind.short_text}],
                   objection=False)

    comparison, _lines = compared(app, a, b)

    assert comparison.matched == [] and len(comparison.only_a) == len(comparison.only_b) == 1


@pytest.mark.parametrize(("a", "b", "share", "shown", "words"), [
    (0.5, 0.504, True, "0", "did not change"),
    (0.5, 0.51, True, "+1 point", "rose by 1 point"),
    (0.75, 0.125, True, f"{MINUS}63 points", "fell by 63 points"),
    (3.0, 2.96, False, "0", "did not change"),
    (2.5, 3.75, False, "+1.3", "rose by 1.3"),  # as the rounded means on the page: 2.5, 3.8
    (4.0, 3.7, False, f"{MINUS}0.3", "fell by 0.3"),
])
def test_change_in_signs_and_words(app, a, b, share, shown, words):
    with app.test_request_context(headers={"Accept-Language": "en"}):
        change = results.Line("x", a, b, share).change
        assert (change.shown, change.words) == (shown, words)


# --- the page ----------------------------------------------------------------------------------


def test_compare_page_shows_the_last_two_rounds_and_what_changed(english, core, prototype,
                                                                 rounds):
    english.login(core)

    html = english.get(f"/c/scheiden/prototypes/{prototype.id}/compare").get_data(as_text=True)

    assert "Ronde 1" in html and "Ronde 2" in html
    assert "What changed in version 2" in html and "Chat toegevoegd." in html
    assert "Ouders wilden snel een vraag stellen." in html
    assert f'href="/c/scheiden/prototypes/{prototype.id}/versions/2"' in html
    page = parse(html)
    assert ("+1.3", "true") in [(span.text, span.attrs.get("aria-hidden"))
                                for span in page.find_all("span", class_="result-change")]
    assert "rose by 1.3" in [span.text for span in page.find_all("span", class_="visually-hidden")]
    assert f"{MINUS}25 points" in html and "fell by 25 points" in html
    assert "Only in round A" in html and ONLY_A["text"] in html
    assert "Only in round B" in html and ONLY_B["text"] in html
    assert "Round A (v1)" in [th.text for th in page.find_all("th", scope="col")]


def test_compare_page_default_skips_a_newer_draft_round(english, core, prototype, rounds):
    make_round(prototype, title="Ronde 3 (concept)")
    english.login(core)

    html = english.get(f"/c/scheiden/prototypes/{prototype.id}/compare").get_data(as_text=True)

    chosen = [option for option in parse(html).find_all("option", selected=True)]
    assert [(option.attrs["value"], option.attrs["lang"]) for option in chosen] == [
        (str(rounds[0].id), "nl"), (str(rounds[1].id), "nl")]


def test_compare_page_compares_the_chosen_rounds(english, core, prototype, rounds):
    first, second = rounds
    english.login(core)

    html = english.get(f"/c/scheiden/prototypes/{prototype.id}/compare"
                       f"?a={second.id}&b={first.id}").get_data(as_text=True)

    assert "fell by 1.3" in html
    assert "What changed in version 2" in html  # the newer version, whichever side it is on


def test_compare_page_with_one_round_explains_a_second_is_needed(english, core, prototype,
                                                                 draft_round):
    english.login(core)

    response = english.get(f"/c/scheiden/prototypes/{prototype.id}/compare")

    assert response.status_code == 200
    assert "A comparison needs two rounds of this prototype." in response.get_data(as_text=True)


def test_compare_page_in_dutch_renders(client, core, prototype, rounds):
    client.login(core)

    response = client.get(f"/c/scheiden/prototypes/{prototype.id}/compare",
                          headers={"Accept-Language": "nl"})

    assert response.status_code == 200 and "Ronde 2" in response.get_data(as_text=True)


@pytest.fixture
def other_prototype(challenge):
    concept = db.session.scalar(db.select(Concept))
    item = Prototype(challenge=challenge, concept=concept, title="Folder",
                     kind=PrototypeKind.physical)
    item.versions.append(PrototypeVersion(number=1, description="Een folder."))
    db.session.add(item)
    db.session.commit()
    return item


@pytest.mark.parametrize("query", ["a={foreign}&b={second}", "a={first}&b={foreign}",
                                   "a=999&b={second}", "a=x&b={second}", "a={first}"])
def test_rounds_of_another_prototype_are_refused(client, core, prototype, rounds,
                                                  other_prototype, query):
    foreign = make_round(other_prototype, title="Folder ronde")
    url = f"/c/scheiden/prototypes/{prototype.id}/compare?" + query.format(
        foreign=foreign.id, first=rounds[0].id, second=rounds[1].id)
    client.login(core)

    assert client.get(url).status_code == 404


def test_unknown_prototype_or_one_of_another_challenge_is_not_found(client, prototype, rounds):
    factories.make_challenge(slug="elders")
    client.login(quick_user("admin"))  # manages both challenges

    assert client.get("/c/scheiden/prototypes/999/compare").status_code == 404
    assert client.get(f"/c/elders/prototypes/{prototype.id}/compare").status_code == 404
