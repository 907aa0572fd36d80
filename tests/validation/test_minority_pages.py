"""Every minority answer can be read, but not on one endless page.

The round here: 200 people. 60 of them answer no to USE (30 %: one concern) and each writes an
objection "Nee (n)" and what is missing "Mist (n)": 120 reasons, the 60 objections first. Of
the 140 who answer yes, 90 also write an objection "Ja, maar (n)": 150 objection answers.

The report (minority page, decision page) lists each reason once: it shows 10, folds the next
40, and every concern links to its own paged list; of the objections of people in no minority
(the 90 "Ja, maar") it shows 20 and links to the paged open answers of the objection question
in the results.
"""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from ideation.extensions import db
from ideation.validation.decision import decide
from ideation.validation.models import Decision, QuestionKind, Round, RoundState
from tests.html import page_language, parse
from tests.ideas.conftest import counted_queries
from tests.permissions import LOGIN, NO, ROLES, walk_matrix
from tests.validation.conftest import answered_round

USE = "Zou je het loket gebruiken?"
MISSING = "Wat mist er nog?"
QUESTIONS = [
    {"kind": QuestionKind.yes_no, "text": USE},
    {"kind": QuestionKind.long_text, "text": MISSING},
]
SAYS_NO = 60
WRITES_BUT_SAYS_YES = 90
REASONS = [f"Nee ({n})" for n in range(SAYS_NO)] + [f"Mist ({n})" for n in range(SAYS_NO)]
OTHER_OBJECTIONS = [f"Ja, maar ({n})" for n in range(WRITES_BUT_SAYS_YES)]
OBJECTIONS = [f"Nee ({n})" for n in range(SAYS_NO)] + OTHER_OBJECTIONS


def _people(says_no: int) -> list[tuple[None, dict[str, object]]]:
    no = [
        (None, {USE: False, "objection": f"Nee ({n})", MISSING: f"Mist ({n})"})
        for n in range(says_no)
    ]
    yes = [(None, {USE: True, "objection": f"Ja, maar ({n})"}) for n in range(WRITES_BUT_SAYS_YES)]
    return no + yes + [(None, {USE: True})] * (140 - WRITES_BUT_SAYS_YES)


@pytest.fixture
def large_round(prototype) -> Round:
    return answered_round(prototype, QUESTIONS, _people(SAYS_NO), groups=())


def _key(round_: Round) -> str:
    return f"question:{next(q.id for q in round_.questions if q.text == USE)}"


def _objection_id(round_: Round) -> int:
    return next(q.id for q in round_.questions if q.is_objection)


def _url(round_: Round, page: str) -> str:
    return f"/c/scheiden/rounds/{round_.id}/{page}"


def _answers_url(round_: Round, key: str | None = None, page: int | str | None = None) -> str:
    url = _url(round_, f"minority/{key or _key(round_)}/answers")
    return url if page is None else f"{url}?page={page}"


def _between(html: str, start: str, end: str) -> str:
    """The part of ``html`` from ``start`` to the first ``end`` after it."""
    begin = html.index(start)
    return html[begin : html.index(end, begin)]


def _texts(html: str) -> list[str]:
    """The answers listed in ``html``: reasons carry their question and the concerns they
    support, objections of people in no minority carry neither."""
    return re.findall(
        r'<li lang="nl">(?:<span class="minority-question">[^<]*</span> )?'
        r'([^<]*?)(?: <span class="minority-supports"[^>]*>[^<]*</span>)?</li>',
        html,
    )


# --- the report on the minority page and the decision page -------------------------------------


@pytest.mark.parametrize("page", ["minority", "decision"])
def test_report_shows_ten_reasons_folds_forty_and_links_to_all_of_them(
    english, core, large_round, page
):
    english.login(core)
    html = english.get(_url(large_round, page)).get_data(as_text=True)
    reasons = _between(html, 'id="reasons"', 'id="objections-heading"')
    folded = _between(reasons, '<details class="minority-more"', "</details>")

    assert _texts(_between(reasons, "<ul", "</ul>")) == REASONS[:10]
    assert "And 40 more answers" in folded
    assert _texts(folded) == REASONS[10:50]
    assert _texts(reasons) == REASONS[:50]  # the other 70 are only on the concern's own list
    supports = parse(reasons).find_all("span", class_="minority-supports")
    assert [(span.text, span.attrs["lang"]) for span in supports] == [("concern 1", "en")] * 50
    page = parse(html)
    link = page.find("a", href=_answers_url(large_round))
    assert link.text == "Read all 120 answers of this minority"
    assert link.attrs["aria-describedby"] == "concern-1-heading"
    assert page.find("a", href="#reasons").text == (
        "120 answers of this minority are marked “concern 1” under “What the minority wrote”.")


@pytest.mark.parametrize("page", ["minority", "decision"])
def test_report_shows_twenty_objections_of_others_and_links_to_all_answers_of_the_question(
    english, core, large_round, page
):
    english.login(core)
    html = english.get(_url(large_round, page)).get_data(as_text=True)
    objections = _between(html, '<section class="minority-objections"', "</section>")

    assert "What would make others say no" in objections
    assert _texts(objections) == OTHER_OBJECTIONS[:20]
    results = _url(large_round, f"results/questions/{_objection_id(large_round)}/answers")
    assert f'<a href="{results}">Read all 150 answers to this question</a>' in objections
    assert english.get(results).status_code == 200


def test_every_answer_appears_once_on_the_minority_page(english, core, prototype):
    round_ = answered_round(prototype, QUESTIONS, _people(20), groups=())  # 20 of 160 say no
    english.login(core)
    html = english.get(_url(round_, "minority")).get_data(as_text=True)

    for text in ["Nee (0)", "Nee (19)", "Mist (0)", "Mist (19)", "Ja, maar (0)",
                 "Ja, maar (19)"]:
        assert html.count(f"{text}<") + html.count(f"{text} <") == 1, text


def test_the_decision_page_folds_both_lists_of_answers(english, core, large_round):
    english.login(core)
    html = english.get(_url(large_round, "decision")).get_data(as_text=True)

    reasons = _between(html, 'id="reasons"', "</section>")
    objections = _between(html, '<section class="minority-objections"', "</section>")
    assert '<details class="minority-fold"><summary>Read all 120 answers</summary>' in reasons
    assert '<details class="minority-fold"><summary>Read all 90 answers</summary>' in objections


def test_report_links_read_in_dutch(client, core, large_round):
    client.login(core)
    html = client.get(_url(large_round, "minority"), headers={"Accept-Language": "nl"}).get_data(
        as_text=True
    )

    assert "En nog 40 antwoorden" in html
    assert "Lees alle 120 antwoorden van deze minderheid</a>" in html
    assert "Lees alle 150 antwoorden op deze vraag</a>" in html


def test_fifty_reasons_fit_on_the_report_without_a_link(english, core, prototype):
    round_ = answered_round(prototype, QUESTIONS, _people(25), groups=())
    english.login(core)
    html = english.get(_url(round_, "minority")).get_data(as_text=True)

    assert "And 40 more answers" in html
    assert "Read all 50 answers of this minority" not in html


def test_a_few_objections_are_all_shown_without_a_link(english, core, prototype):
    people = [(None, {USE: True, "objection": f"Ja, maar ({n})"}) for n in range(3)]
    round_ = answered_round(prototype, QUESTIONS, people + [(None, {USE: True})] * 10, groups=())
    english.login(core)
    html = english.get(_url(round_, "minority")).get_data(as_text=True)
    objections = _between(html, '<section class="minority-objections"', "</section>")

    assert "What would make people say no" in objections  # no minority: everybody's
    assert _texts(objections) == ["Ja, maar (0)", "Ja, maar (1)", "Ja, maar (2)"]
    assert "Read all" not in objections


def test_the_decision_keeps_every_reason_and_objection_in_its_record(core, large_round):
    decide(
        core,
        large_round,
        "adopt",
        "Most people would use it.",
        {_key(large_round): ("answered", "We explain it better.")},
    )
    db.session.commit()
    db.session.expire_all()

    report = db.session.scalar(select(Decision)).report
    assert [r["text"] for r in report["concerns"][0]["reasons"]] == REASONS
    assert [r["text"] for r in report["objections"]] == OBJECTIONS


# --- the paged answers of one concern ------------------------------------------------------------


def test_concern_answers_are_paged_twenty_at_a_time_through_all_of_them(english, core, large_round):
    english.login(core)
    first = english.get(_answers_url(large_round)).get_data(as_text=True)
    pages = [
        _texts(english.get(_answers_url(large_round, page=n)).get_data(as_text=True))
        for n in range(1, 7)
    ]
    last = english.get(_answers_url(large_round, page=6)).get_data(as_text=True)

    assert [text for page in pages for text in page] == REASONS
    assert "<h1>Concern 1: everything they wrote</h1>" in first
    assert "60 of 200 people (30%) answered no" in first
    assert "120 answers." in first and "Page 1 of 6" in first
    assert parse(first).find("a", rel="next").text == "Next page"
    assert parse(first).find("a", rel="next").attrs["href"] == _answers_url(large_round, page=2)
    assert 'rel="prev"' not in _between(first, "<body", "</body>")
    assert _texts(last) == REASONS[100:] and "Page 6 of 6" in last
    assert 'rel="next"' not in _between(last, "<body", "</body>")
    assert f'<a href="{_url(large_round, "minority")}#concern-1">Back to the minority report' in (
        first
    )


@pytest.mark.parametrize(
    ("asked", "shown"), [("7", 6), ("10001", 6), ("0", 1), ("-3", 1), ("x", 1)]
)
def test_a_page_out_of_range_shows_the_nearest_page_as_the_results_answers_do(
    english, core, large_round, asked, shown
):
    english.login(core)
    response = english.get(_answers_url(large_round, page=asked))

    assert response.status_code == 200
    assert f"Page {shown} of 6" in response.get_data(as_text=True)


def test_concern_answers_page_reads_in_dutch(client, core, large_round):
    client.login(core)
    html = client.get(_answers_url(large_round), headers={"Accept-Language": "nl"}).get_data(
        as_text=True
    )

    assert page_language(html) == "nl"
    assert "<h1>Zorg 1: alles wat ze schreven</h1>" in html
    assert "120 antwoorden." in html and "Pagina 1 van 6" in html
    assert "Terug naar het minderheidsrapport" in html


@pytest.mark.parametrize("key", ["question:999999", "group:1", "nothing"])
def test_an_unknown_concern_is_not_found(client, core, large_round, key):
    client.login(core)

    assert client.get(_answers_url(large_round, key)).status_code == 404


def test_concern_answers_page_needs_as_many_queries_for_120_reasons_as_for_32(
    client, core, prototype
):
    def queries(says_no: int) -> int:
        round_ = answered_round(
            prototype, QUESTIONS, _people(says_no), groups=(), title=f"Ronde {says_no}"
        )
        with counted_queries() as statements:
            assert client.get(_answers_url(round_)).status_code == 200
        return len(statements)

    client.login(core)
    assert queries(16) == queries(60)


# --- who may read them ---------------------------------------------------------------------------

# fmt: off
MATRIX = [
    # method, path,                                               body, statuses per role
    ("GET", "/c/scheiden/rounds/{rid}/minority/{key}/answers",        None, (*NO, 200, 200)),
    ("GET", "/c/scheiden/rounds/{rid}/minority/{key}/answers?page=6", None, (*NO, 200, 200)),
    ("GET", "/c/scheiden/rounds/{rid}/minority/group:1/answers",      None, (*NO, 404, 404)),
    ("GET", "/c/scheiden/rounds/999999/minority/{key}/answers",       None, (*NO, 404, 404)),
    ("GET", "/c/ander/rounds/{rid}/minority/{key}/answers",           None,
     (LOGIN, 403, 403, 404, 403, 404)),
]
# fmt: on


@pytest.mark.parametrize("role", ROLES)
def test_only_the_core_team_and_admins_read_the_answers_of_a_minority(
    client, roles, large_round, role
):
    if roles[role] is not None:
        client.login(roles[role])

    expected, actual = walk_matrix(
        client, MATRIX, role, {"rid": large_round.id, "key": _key(large_round)}, {}
    )

    assert actual == expected


def test_the_report_is_computed_once_and_follows_every_new_answer(english, core, prototype):
    from tests.validation.conftest import answer, invite

    round_ = answered_round(
        prototype, QUESTIONS, _people(SAYS_NO), groups=(), state=RoundState.open
    )
    english.login(core)
    with counted_queries() as first_time:
        assert "200 people sent in the form." in english.get(_url(round_, "minority")).text
    with counted_queries() as again:
        assert "200 people sent in the form." in english.get(_url(round_, "minority")).text
    assert len(again) < len(first_time)  # the answers are not read again

    invitation, _token = invite(round_, "laat@example.org")
    answer(round_, invitation, {next(q.id for q in round_.questions if q.text == USE): False})
    assert "201 people sent in the form." in english.get(_url(round_, "minority")).text
    decision_page = english.get(_url(round_, "decision")).text
    assert "201 people sent in the form." in decision_page
