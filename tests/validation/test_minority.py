"""The minority report on constructed answers whose minorities are known in advance.

The main round: 60 people in four groups (Ouders 20, Advocaten 20, Mediators 17 and the small
group Kinderombudsman 3). Respondent n (0-59) belongs to Ouders for 0-19, Advocaten 20-39,
Mediators 40-56 and Kinderombudsman 57-59.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from ideation.extensions import db
from ideation.validation.minority import (
    Concern,
    MinorityReport,
    Reason,
    minority_report,
    reason_page,
)
from ideation.validation.models import QuestionKind, Round, RoundState
from tests.ideas.conftest import counted_queries
from tests.validation.conftest import answer, answered_round, invite

GROUP_SIZES = {"Ouders": 20, "Advocaten": 20, "Mediators": 17, "Kinderombudsman": 3}
USE = "Zou je het loket gebruiken?"
SAFE = "Is het loket veilig?"
FAIR = "Is het loket eerlijk?"
CLEAR = "Hoe duidelijk is het loket?"
WHEN = "Wanneer zou je het gebruiken?"
WORD = "Welk woord past bij het loket?"

SAYS_NO = {0, 1, 20, 21, 40, 41, 42}  # 7 of 60 answer no to USE (11.7 %)
UNSAFE = {2, 22, 43}  # 3 of 60 answer no to SAFE (5 %)
UNFAIR = set(range(10, 20)) | set(range(30, 40)) | set(range(48, 56)) | {58, 59}  # 30 of 60
NEVER = {3, 4, 23, 24, 44, 45}  # 6 of 60 choose "Nooit" (exactly 10 %)
LATER = {5, 6, 25, 46}  # 4 of 60 choose "Na een gesprek" (6.7 %)
SMALL_GROUP = {57, 58, 59}  # Kinderombudsman: scores CLEAR 1, the rest 4 or 5


def _questions() -> list[dict[str, Any]]:
    return [
        {"kind": QuestionKind.yes_no, "text": USE},
        {"kind": QuestionKind.yes_no, "text": SAFE},
        {"kind": QuestionKind.yes_no, "text": FAIR},
        {"kind": QuestionKind.scale, "text": CLEAR, "low_label": "Niet", "high_label": "Heel"},
        {"kind": QuestionKind.single_choice, "text": WHEN,
         "options": ["Meteen", "Na een gesprek", "Nooit"]},
        {"kind": QuestionKind.short_text, "text": WORD},
    ]


def _values(n: int) -> dict[str, Any]:
    """What respondent n answered, by question text."""
    values: dict[str, Any] = {
        USE: n not in SAYS_NO,
        SAFE: n not in UNSAFE,
        FAIR: n not in UNFAIR,
        CLEAR: 1 if n in SMALL_GROUP else 4 + n % 2,
        WHEN: 2 if n in NEVER else 1 if n in LATER else 0,
    }
    if n in SAYS_NO:
        values["objection"] = f"Te ingewikkeld voor mij ({n})"
    if n in NEVER:
        values["objection"] = f"Geen vertrouwen in de gemeente ({n})"
    if n in SMALL_GROUP:
        values["objection"] = f"Kinderen worden niet gehoord ({n})"
    if n == 0:
        values[WORD] = "Traag"
    return values


def _question_ids(round_: Round) -> dict[str, int]:
    ids = {q.text: q.id for q in round_.questions}
    ids["objection"] = next(q.id for q in round_.questions if q.is_objection)
    return ids


@pytest.fixture
def closed_round(prototype) -> Round:
    """The 60-person round described in the module docstring, closed."""
    groups = [name for name, size in GROUP_SIZES.items() for _ in range(size)]
    round_ = answered_round(prototype, _questions(),
                            [(group, _values(n)) for n, group in enumerate(groups)],
                            groups=list(GROUP_SIZES))
    # Saved but never sent in: a "no" that must not count.
    q = _question_ids(round_)
    invitation, _token = invite(round_, "saved@example.org", "Ouders")
    answer(round_, invitation, {q[USE]: False, q[CLEAR]: 1}, submitted=False)
    return round_


def _english(app, compute: Callable[[], Any]) -> Any:
    with app.test_request_context(headers={"Accept-Language": "en"}):
        return compute()


def _keys(report) -> list[str]:
    return [c.key for c in report.concerns]


def test_report_finds_exactly_the_known_minorities(app, closed_round):
    report = _english(app, lambda: minority_report(closed_round))
    q = _question_ids(closed_round)
    small = next(g for g in closed_round.groups if g.name == "Kinderombudsman")

    assert report.is_final and report.respondents == 60
    assert _keys(report) == [f"question:{q[USE]}", f"question:{q[WHEN]}:option:2",
                             f"group:{small.id}"]


def test_yes_no_minority_of_seven_in_sixty_is_counted_and_said_in_plain_words(app,
                                                                           closed_round):
    report = _english(app, lambda: minority_report(closed_round))
    use = report.concerns[0]

    assert (use.count, use.total, round(use.share, 3)) == (7, 60, 0.117)
    assert use.summary == ("7 of 60 people (12%) answered no to “Zou je het loket gebruiken?”, "
                           "while most answered yes.")


def test_small_share_and_even_split_are_not_minorities(app, closed_round):
    report = _english(app, lambda: minority_report(closed_round))
    q = _question_ids(closed_round)

    assert f"question:{q[SAFE]}" not in _keys(report)  # 3 of 60: 5 %
    assert f"question:{q[FAIR]}" not in _keys(report)  # 30 of 60: no majority
    assert f"question:{q[WHEN]}:option:1" not in _keys(report)  # 4 of 60: 6.7 %


def test_single_choice_option_at_exactly_the_minimum_share_is_a_minority(app, closed_round):
    report = _english(app, lambda: minority_report(closed_round))
    never = report.concerns[1]

    assert (never.kind, never.count, never.total, never.share) == ("option", 6, 60, 0.1)
    assert never.summary == ("6 of 60 people (10%) chose “Nooit” for “Wanneer zou je het "
                             "gebruiken?”, while most chose “Meteen”.")


def test_small_group_that_scores_low_is_reported_with_a_note_to_read_with_care(app,
                                                                            closed_round):
    report = _english(app, lambda: minority_report(closed_round))
    group = report.concerns[2]

    assert (group.kind, group.count, group.total) == ("group", 3, 60)
    assert [d.question for d in group.differences] == [CLEAR]
    assert group.differences[0].group_value == 1
    assert group.differences[0].rest_value == pytest.approx(256 / 57)
    assert group.summary.startswith(
        "The group “Kinderombudsman” (3 people) answered differently from the rest on 1 "
        "question: “Hoe duidelijk is het loket?” (average 1.0, the rest 4.5).")
    assert "This is a small group (fewer than 5 people)" in group.summary


def test_open_answers_are_attached_to_the_concern_of_the_people_who_wrote_them(app,
                                                                            closed_round):
    use, never, group = _english(app, lambda: minority_report(closed_round)).concerns

    assert [r.text for r in use.reasons] == (
        [f"Te ingewikkeld voor mij ({n})" for n in sorted(SAYS_NO)] + ["Traag"])
    assert [r.is_objection for r in use.reasons] == [True] * 7 + [False]
    assert [r.text for r in never.reasons] == [
        f"Geen vertrouwen in de gemeente ({n})" for n in sorted(NEVER)]
    assert [r.text for r in group.reasons] == [
        f"Kinderen worden niet gehoord ({n})" for n in sorted(SMALL_GROUP)]


def test_every_objection_is_listed_in_the_standing_section(app, closed_round):
    report = _english(app, lambda: minority_report(closed_round))

    assert len(report.objections) == len(SAYS_NO | NEVER | SMALL_GROUP) == 16


def test_a_higher_minimum_share_from_the_config_drops_the_small_minorities(app, closed_round):
    app.config["IDEATION_MINORITY_SHARE"] = 0.15
    assert [c.kind for c in minority_report(closed_round).concerns] == ["group"]

    app.config["IDEATION_MINORITY_SHARE"] = 0.05
    q = _question_ids(closed_round)
    keys = _keys(minority_report(closed_round))
    assert f"question:{q[SAFE]}" in keys and f"question:{q[WHEN]}:option:1" in keys


def test_twelve_groups_are_all_reported_without_a_cap(prototype):
    names = [f"Groep {i:02}" for i in range(12)]
    question = {"kind": QuestionKind.single_choice, "text": WHEN, "options": names}
    people = [(name, {WHEN: i}) for i, name in enumerate(names) for _ in range(3)]
    report = minority_report(answered_round(prototype, [question], people))

    assert [c.kind for c in report.concerns] == ["group"] * 12


def test_a_group_that_ticks_an_option_the_rest_does_not_differs(prototype):
    question = {"kind": QuestionKind.multiple_choice, "text": "Hoe wil je contact?",
                "options": ["Online", "Telefoon", "Brief"]}
    people = ([("Ouders", {"Hoe wil je contact?": [0, 1]})] * 8
              + [("Grootouders", {"Hoe wil je contact?": [1, 2]})] * 4)
    report = minority_report(answered_round(prototype, [question], people))

    grandparents = next(g for g in report.concerns if "Grootouders" in g.summary)
    assert [c.kind for c in report.concerns] == ["group", "group"]
    assert grandparents.differences[0].option in ("Online", "Brief")


def test_a_near_even_split_is_not_a_group_difference(prototype):
    # 9 of 17 say yes against 21 of 43: the majorities differ by a hair, which is noise.
    people = ([("Mediators", {USE: True})] * 9 + [("Mediators", {USE: False})] * 8
              + [("Ouders", {USE: True})] * 21 + [("Ouders", {USE: False})] * 22)
    question = {"kind": QuestionKind.yes_no, "text": USE}
    assert minority_report(answered_round(prototype, [question], people)).concerns == []


def test_high_scores_against_a_low_majority_are_a_minority_in_plain_words(app, prototype):
    question = {"kind": QuestionKind.scale, "text": CLEAR}
    people = [(None, {CLEAR: 1})] * 12 + [(None, {CLEAR: 3})] * 4 + [(None, {CLEAR: 5})] * 4
    round_ = answered_round(prototype, [question], people, groups=())
    report = _english(app, lambda: minority_report(round_))

    assert report.concerns[0].summary == (
        "4 of 20 people (20%) gave “Hoe duidelijk is het loket?” a high score (4 or 5), "
        "while most gave a low score (1 or 2).")


def test_the_report_shows_ten_reasons_and_folds_the_rest(prototype):
    question = {"kind": QuestionKind.yes_no, "text": USE}
    no = [(None, {USE: False, "objection": f"Nee {n}"}) for n in range(13)]
    round_ = answered_round(prototype, [question], no + [(None, {USE: True})] * 30, groups=())
    report = minority_report(round_)

    assert len(report.shown_reasons) == 10 and len(report.folded_reasons) == 3
    assert report.concerns[0].reasons == report.reasons


def _concern(reasons: int) -> Concern:
    return Concern("question:1", "question", "“Vraag”", "Samenvatting", reasons, 200,
                   reasons / 200, question_id=1,
                   reasons=[Reason("Vraag", f"Reden {n}", False, [1]) for n in range(reasons)])


def _report(reasons: int) -> MinorityReport:
    concern = _concern(reasons)
    return MinorityReport(1, True, 0.1, 200, [concern], [], [], reasons=concern.reasons)


@pytest.mark.parametrize(("reasons", "shown", "folded", "linked"), [
    (10, 10, 0, False), (50, 10, 40, False), (51, 10, 40, True), (120, 10, 40, True)])
def test_the_report_shows_ten_reasons_folds_forty_and_links_to_all_past_fifty(reasons, shown,
                                                                              folded, linked):
    report = _report(reasons)

    assert [r.text for r in report.shown_reasons + report.folded_reasons] == [
        f"Reden {n}" for n in range(shown + folded)]
    assert (len(report.folded_reasons), report.has_reasons_pages) == (folded, linked)


def test_a_respondent_in_two_minorities_gives_one_reason_that_supports_both(prototype):
    questions = [{"kind": QuestionKind.yes_no, "text": USE},
                 {"kind": QuestionKind.yes_no, "text": SAFE},
                 {"kind": QuestionKind.long_text, "text": WORD}]
    both = [(None, {USE: False, SAFE: False, "objection": "Te duur", WORD: "Duur"})] * 2
    only_use = [(None, {USE: False, SAFE: True, "objection": "Niet nodig"})]
    rest = [(None, {USE: True, SAFE: True, "objection": "Als het traag is"})] * 7
    report = minority_report(answered_round(prototype, questions, both + only_use + rest,
                                            groups=()))

    assert [c.label for c in report.concerns] == [f"“{USE}”", f"“{SAFE}”"]
    assert [(r.text, r.concerns) for r in report.reasons] == [
        ("Te duur", [1, 2]), ("Te duur", [1, 2]), ("Niet nodig", [1]),
        ("Duur", [1, 2]), ("Duur", [1, 2])]
    assert len(report.concerns[0].reasons) == 5 and len(report.concerns[1].reasons) == 4
    # The objections of people in no minority are listed apart; the minority's are reasons.
    assert [r.text for r in report.other_objections] == ["Als het traag is"] * 7
    assert len(report.objections) == 10


def test_reason_pages_hold_twenty_each_and_a_page_past_either_end_gives_the_nearest():
    concern = _concern(45)
    pages = [reason_page(concern, n) for n in (1, 2, 3)]

    assert [(len(p.items), p.pages) for p in pages] == [(20, 3), (20, 3), (5, 3)]
    assert [r for p in pages for r in p.items] == concern.reasons
    assert (reason_page(concern, 9).page, reason_page(concern, 0).page) == (3, 1)
    assert (reason_page(_concern(0)).items, reason_page(_concern(0)).pages) == ([], 1)


def test_without_any_concern_the_objections_are_still_listed(prototype):
    question = {"kind": QuestionKind.yes_no, "text": USE}
    people = [(None, {USE: True, "objection": "Als het geld kost"})] * 5
    report = minority_report(answered_round(prototype, [question], people, groups=()))

    assert report.concerns == []
    assert [r.text for r in report.objections] == ["Als het geld kost"] * 5


def test_report_needs_the_same_number_of_queries_for_two_or_twelve_groups(prototype):
    def queries(groups: int) -> int:
        names = [f"G{i}" for i in range(groups)]
        question = {"kind": QuestionKind.single_choice, "text": WHEN, "options": names}
        round_ = answered_round(prototype, [question, {"kind": QuestionKind.short_text,
                                                    "text": WORD}],
                             [(name, {WHEN: i, WORD: "woord"})
                              for i, name in enumerate(names) for _ in range(2)],
                             title=f"Ronde {groups}")
        db.session.expire_all()
        assert round_.state is RoundState.closed  # loads the round itself
        with counted_queries() as statements:
            minority_report(round_)
        return len(statements)

    assert queries(2) == queries(12) == 4


def test_open_round_report_is_a_preview_that_is_not_final(open_round):
    assert minority_report(open_round).is_final is False


# --- thresholds compared exactly ---------------------------------------------------------------
# Each case lies exactly on a threshold, where floating point says "just under" (0.6 - 0.4 <
# 0.2, 0.95 - 0.55 < 0.4, 19/6 - 5/3 < 1.5): the documented rule ("at least") names them.


def test_groups_exactly_twenty_points_apart_with_other_majorities_are_both_named(prototype):
    # The numbers: "groep A" 2 of 5 yes, "groep B" 6 of 10 yes.
    people = ([("groep A", {USE: True})] * 2 + [("groep A", {USE: False})] * 3
              + [("groep B", {USE: True})] * 6 + [("groep B", {USE: False})] * 4)
    question = {"kind": QuestionKind.yes_no, "text": USE}

    report = minority_report(answered_round(prototype, [question], people))

    groups = [c for c in report.concerns if c.kind == "group"]
    assert [("groep A" in c.label, "groep B" in c.label) for c in groups] == [
        (True, False), (False, True)]
    [a_difference] = next(c for c in report.concerns if "groep A" in c.label).differences
    assert {a_difference.group_value, a_difference.rest_value} == {0.4, 0.6}


def test_a_group_exactly_forty_points_apart_with_the_same_majority_is_named(prototype):
    # Everyone ticks "Telefoon"; "Online" is ticked by 19 of 20 parents and 11 of 20 lawyers.
    contact = "Hoe wil je contact?"
    question = {"kind": QuestionKind.multiple_choice, "text": contact,
                "options": ["Online", "Telefoon"]}
    people = ([("Ouders", {contact: [0, 1]})] * 19 + [("Ouders", {contact: [1]})] * 1
              + [("Advocaten", {contact: [0, 1]})] * 11 + [("Advocaten", {contact: [1]})] * 9)

    report = minority_report(answered_round(prototype, [question], people))

    groups = [c for c in report.concerns if c.kind == "group"]
    assert len(groups) == 2 and "Advocaten" in groups[0].label and "Ouders" in groups[1].label
    assert [d.option for g in groups for d in g.differences] == ["Online", "Online"]


def test_a_group_average_exactly_one_and_a_half_points_away_is_named(prototype):
    question = {"kind": QuestionKind.scale, "text": CLEAR}
    people = ([("Kinderen", {CLEAR: score}) for score in (1, 2, 2)]  # average 5/3
              + [("Ouders", {CLEAR: score}) for score in (3, 3, 3, 3, 3, 4)])  # average 19/6

    report = minority_report(answered_round(prototype, [question], people))

    children = next(c for c in report.concerns if c.kind == "group" and "Kinderen" in c.label)
    assert children.differences[0].measure == "mean"
