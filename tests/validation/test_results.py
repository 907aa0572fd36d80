"""Results of a round: counts and shares per question, response rates, the group breakdown, open
answers, and the results pages (permissions, languages, a fixed number of queries)."""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest

from ideation.core.models import AuditEvent
from ideation.extensions import db
from ideation.validation import results
from ideation.validation.models import Invitation, QuestionKind, RoundState
from tests.html import page_language, parse
from tests.ideas.conftest import counted_queries
from tests.validation.conftest import (
    answer,
    group_of,
    invite,
    make_round,
    question_of,
)

SCALE, YES_NO = QuestionKind.scale, QuestionKind.yes_no
SINGLE, MULTIPLE = QuestionKind.single_choice, QuestionKind.multiple_choice
SHORT, LONG = QuestionKind.short_text, QuestionKind.long_text


def by_kind(items, kind):
    return next(r for r in items if r.question.kind is kind and not r.question.is_objection)


def respond(round_, email, group, values, **kwargs):
    invitation, _token = invite(round_, email, group)
    return answer(round_, invitation, values, **kwargs)


@pytest.fixture
def answered(open_round):
    """Four submitted responses (three parents, one lawyer) and one that is only saved."""
    q = {kind: question_of(open_round, kind) for kind in (SCALE, YES_NO, SINGLE, MULTIPLE,
                                                         SHORT, LONG)}
    respond(open_round, "p1@example.org", "Ouders",
            {q[SCALE].id: 1, q[YES_NO].id: "yes", q[SINGLE].id: 0, q[MULTIPLE].id: [0, 1],
             q[SHORT].id: "Snel", q[LONG].id: "Een chat in de avond"})
    respond(open_round, "p2@example.org", "Ouders",
            {q[SCALE].id: 2, q[YES_NO].id: "yes", q[SINGLE].id: 0, q[MULTIPLE].id: [0, 1]})
    respond(open_round, "p3@example.org", "Ouders",
            {q[SCALE].id: 4, q[YES_NO].id: "no", q[SINGLE].id: 1, q[MULTIPLE].id: [0, 2],
             q[LONG].id: "Uitleg over de CHAT"}, anonymous=True)
    respond(open_round, "a1@example.org", "Advocaten",
            {q[SCALE].id: 5, q[YES_NO].id: "yes", q[SINGLE].id: 2, q[SHORT].id: ""})
    respond(open_round, "saved@example.org", "Advocaten",
            {q[SCALE].id: 1, q[YES_NO].id: "no", q[MULTIPLE].id: [3], q[LONG].id: "Concept"},
            submitted=False)
    return open_round


# --- figures per question ----------------------------------------------------------------------


def test_multiple_choice_counts_respondents_not_ticks(answered):
    # Three respondents tick two options each: n is 3 (not 6), shares are of the 3.
    result = by_kind(results.question_results(answered), MULTIPLE)

    assert result.n == 3
    assert [(b.label, b.count) for b in result.bars] == [
        ("Online", 3), ("Telefoon", 2), ("Balie", 1), ("Brief", 0)]
    assert [round(b.share * 100) for b in result.bars] == [100, 67, 33, 0]
    assert result.may_exceed_100


def test_scale_gives_counts_per_value_mean_and_median(answered):
    result = by_kind(results.question_results(answered), SCALE)

    assert result.n == 4
    assert [b.count for b in result.bars] == [1, 1, 0, 1, 1]
    assert result.mean == 3.0 and result.median == 3.0
    assert result.bars[0].label == "1 (Helemaal niet)"
    assert result.bars[4].label == "5 (Heel duidelijk)"


def test_scale_median_of_an_odd_number_of_answers(open_round):
    scale = question_of(open_round, SCALE)
    for n, value in enumerate([1, 2, 4, 5, 5]):
        respond(open_round, f"s{n}@example.org", "Ouders", {scale.id: value})

    result = by_kind(results.question_results(open_round), SCALE)

    assert (result.n, result.mean, result.median) == (5, 3.4, 4.0)


def test_yes_no_and_single_choice_give_counts_and_shares(answered):
    figures = results.question_results(answered)
    yes_no, single = by_kind(figures, YES_NO), by_kind(figures, SINGLE)

    assert [(b.key, b.count, b.share) for b in yes_no.bars] == [(1, 3, 0.75), (0, 1, 0.25)]
    assert [(b.label, b.count, b.share) for b in single.bars] == [
        ("Meteen", 2, 0.5), ("Na een gesprek", 1, 0.25), ("Nooit", 1, 0.25)]


def test_text_questions_count_only_non_empty_answers(answered):
    figures = results.question_results(answered)

    assert by_kind(figures, SHORT).n == 1  # the lawyer's empty answer does not count
    assert by_kind(figures, LONG).n == 2
    assert by_kind(figures, LONG).bars == ()


def test_only_submitted_responses_count(answered):
    figures = results.question_results(answered)

    assert by_kind(figures, MULTIPLE).bars[3].count == 0  # only the saved response ticked it
    assert by_kind(figures, YES_NO).n == 4


def test_group_filter_narrows_every_figure_to_one_group(answered):
    lawyers = group_of(answered, "Advocaten")

    figures = results.question_results(answered, lawyers.id)

    assert by_kind(figures, SCALE).n == 1 and by_kind(figures, SCALE).mean == 5.0
    assert by_kind(figures, MULTIPLE).n == 0
    assert [b.share for b in by_kind(figures, MULTIPLE).bars] == [0, 0, 0, 0]


def test_a_round_without_answers_gives_zeros_and_no_mean(open_round):
    result = by_kind(results.question_results(open_round), SCALE)

    assert result.n == 0 and result.mean is None and result.median is None
    assert all(b.count == 0 and b.share == 0 for b in result.bars)


# --- response rates and the breakdown -----------------------------------------------------------


def test_response_rates_list_every_group_including_those_without_invitations(app, answered):
    invite(answered, "late@example.org", "Ouders")
    revoked, _token = invite(answered, "gone@example.org", "Mediators")
    revoked.revoked_dt = revoked.created_dt
    invite(answered, "loose@example.org", None)
    db.session.commit()

    with app.test_request_context(headers={"Accept-Language": "en"}):
        rates = results.response_rates(answered)

    table = {r.label: (r.invited, r.answered, r.rate) for r in rates.groups}
    assert table == {"Ouders": (4, 3, 0.75), "Advocaten": (2, 1, 0.5),
                     "Mediators": (0, 0, None), "Gemeente": (0, 0, None),
                     "Kinderombudsman": (0, 0, None), "No group": (1, 0, 0.0)}
    assert (rates.total.invited, rates.total.answered) == (7, 4)


def test_group_breakdown_shows_all_groups_side_by_side_and_all_together(app, answered):
    with app.test_request_context(headers={"Accept-Language": "en"}):
        breakdown = results.group_breakdown(answered)

    assert [(c.label, c.respondents) for c in breakdown.columns] == [
        ("Ouders", 3), ("Advocaten", 1), ("Mediators", 0), ("Gemeente", 0),
        ("Kinderombudsman", 0), ("All groups", 4)]
    question, cells = next(row for row in breakdown.rows if row[0].kind is MULTIPLE)
    assert [c.n for c in cells] == [3, 0, 0, 0, 0, 3]
    assert [b.count for b in cells[0].bars] == [3, 2, 1, 0]
    assert [b.count for b in cells[-1].bars] == [3, 2, 1, 0]
    scale_cells = next(cells for q, cells in breakdown.rows if q.kind is SCALE)
    assert [c.mean for c in scale_cells] == [pytest.approx(7 / 3), 5.0, None, None, None, 3.0]


def test_group_breakdown_has_no_cap_on_the_number_of_groups(prototype):
    names = [f"Groep {n}" for n in range(14)]
    round_ = make_round(prototype, state=RoundState.open, groups=names, opens_in=-1)
    respond(round_, "klein@example.org", "Groep 13", {round_.questions[0].id: "Te duur"})

    breakdown = results.group_breakdown(round_)

    assert [c.label for c in breakdown.columns][:-1] == names
    assert breakdown.rows[0][1][13].n == 1


# --- open answers ------------------------------------------------------------------------------


def test_open_answers_newest_first_with_group_and_email_unless_anonymous(answered):
    long = question_of(answered, LONG)

    page = results.open_answers(answered, long)

    assert [(a.text, a.group, a.email) for a in page.items] == [
        ("Uitleg over de CHAT", "Ouders", None),
        ("Een chat in de avond", "Ouders", "p1@example.org")]
    assert page.total == 2


def test_open_answer_search_ignores_case(answered):
    long = question_of(answered, LONG)

    assert results.open_answers(answered, long, text="chat").total == 2
    assert [a.text for a in results.open_answers(answered, long, text="AVOND").items] == [
        "Een chat in de avond"]
    assert results.open_answers(answered, long, text="fiets").items == []
    assert results.open_answers(answered, long, text="%").total == 0  # no LIKE wildcards


def test_open_answers_are_paged_twenty_at_a_time(open_round):
    long = question_of(open_round, LONG)
    for n in range(23):
        respond(open_round, f"r{n}@example.org", "Ouders", {long.id: f"Antwoord {n}"})

    first = results.open_answers(open_round, long)
    last = results.open_answers(open_round, long, page=2)

    assert (len(first.items), first.pages, len(last.items)) == (20, 2, 3)
    assert first.items[0].text == "Antwoord 22" and last.items[-1].text == "Antwoord 0"


def test_latest_open_answers_gives_the_newest_few_per_question(answered):
    short, long = question_of(answered, SHORT), question_of(answered, LONG)

    latest = results.latest_open_answers(answered, per_question=1)

    assert [a.text for a in latest[long.id]] == ["Uitleg over de CHAT"]
    assert [a.text for a in latest[short.id]] == ["Snel"]


# --- the pages ---------------------------------------------------------------------------------

LOGIN = "login"
ROLES = ("anonymous", "citizen", "stakeholder", "other_core_team", "core_team", "admin")
NO = (LOGIN, 403, 403, 403)


def outcome(response):
    if response.status_code == 302:
        return LOGIN if urlsplit(response.location).path == "/login" else response.location
    return response.status_code


@pytest.mark.parametrize("role", ROLES)
def test_permission_matrix_of_the_results_pages(client, roles, answered, prototype, role):
    base = f"/c/scheiden/rounds/{answered.id}"
    long = question_of(answered, LONG)
    lawyers = group_of(answered, "Advocaten")
    matrix = {
        f"{base}/results": (*NO, 200, 200),
        f"{base}/results?group={lawyers.id}": (*NO, 200, 200),
        f"{base}/results/groups": (*NO, 200, 200),
        f"{base}/results/questions/{long.id}/answers?q=chat": (*NO, 200, 200),
        f"{base}/results.csv": (*NO, 200, 200),
        f"/c/scheiden/prototypes/{prototype.id}/compare": (*NO, 200, 200),
        f"/c/ander/rounds/{answered.id}/results": (LOGIN, 403, 403, 404, 403, 404),
    }
    if roles[role] is not None:
        client.login(roles[role])
    column = ROLES.index(role)

    actual = {url: outcome(client.get(url)) for url in matrix}

    assert actual == {url: statuses[column] for url, statuses in matrix.items()}
    exported = db.session.scalars(db.select(AuditEvent).filter_by(action="round.exported"))
    assert len(list(exported)) == (1 if role in ("core_team", "admin") else 0)


@pytest.mark.parametrize("path", [
    "/c/scheiden/rounds/999/results",
    "/c/scheiden/rounds/999/results.csv",
    "/c/scheiden/rounds/{round}/results?group={foreign_group}",
    "/c/scheiden/rounds/{round}/results/questions/{scale}/answers",  # not a text question
    "/c/scheiden/rounds/{round}/results/questions/999/answers",
    "/c/scheiden/rounds/{round}/results/questions/{foreign_text}/answers",
])
def test_bad_ids_give_404(client, core, answered, prototype, path):
    other = make_round(prototype, title="Andere ronde")
    url = path.format(round=answered.id, foreign_group=other.groups[0].id,
                      scale=question_of(answered, SCALE).id,
                      foreign_text=other.questions[-1].id)
    client.login(core)

    assert client.get(url).status_code == 404


def test_results_page_in_english_shows_rates_charts_and_tables(english, core, answered):
    english.login(core)

    html = english.get(f"/c/scheiden/rounds/{answered.id}/results").get_data(as_text=True)

    page = parse(html)
    assert "Response rate" in page.text
    assert "Mediators" in [th.text for th in page.find_all("th", scope="row")]
    assert page.find_all(role="img",
                         aria_label="Bar chart. 4 people answered. Yes: 3 (75%); No: 1 (25%)")
    assert page.find_all("rect", class_="chart-fill", width="66.7%")  # Telefoon: 2 of 3
    caption = next(c for c in page.find_all("caption") if "Hoe wil je contact?" in c.text)
    assert caption.text == "In numbers: Hoe wil je contact?"
    assert caption.find("span", lang="nl").text == "Hoe wil je contact?"
    assert "together the percentages can be more than 100%" in html
    assert "Mean 3.0, median 3 (from 1 to 5)." in html
    assert "style=" not in html  # the CSP forbids style attributes


def test_results_page_in_dutch_renders(client, core, answered):
    client.login(core)

    response = client.get(f"/c/scheiden/rounds/{answered.id}/results",
                          headers={"Accept-Language": "nl"})

    assert response.status_code == 200
    assert page_language(response) == "nl"
    assert "Hoe wil je contact?" in response.get_data(as_text=True)


def test_results_page_lists_newest_open_answers_without_email_of_anonymous(english, core,
                                                                           answered):
    english.login(core)

    html = english.get(f"/c/scheiden/rounds/{answered.id}/results").get_data(as_text=True)

    assert "Uitleg over de CHAT" in html and "anonymous" in html
    assert "p1@example.org" in html and "p3@example.org" not in html


def test_group_filter_on_the_page_narrows_the_figures(english, core, answered):
    lawyers = group_of(answered, "Advocaten")
    english.login(core)

    html = english.get(f"/c/scheiden/rounds/{answered.id}/results?group={lawyers.id}"
                       ).get_data(as_text=True)

    assert "You see the answers of the group “Advocaten”." in html
    assert "Bar chart. 1 person answered. Yes: 1 (100%); No: 0 (0%)" in html
    assert "Een chat in de avond" not in html  # a parent's answer


def test_draft_round_results_say_there_are_no_answers_yet(english, core, draft_round):
    english.login(core)

    response = english.get(f"/c/scheiden/rounds/{draft_round.id}/results")

    assert response.status_code == 200
    assert "This round is not open yet, so there are no answers." in response.get_data(
        as_text=True)


def test_compare_groups_page_shows_every_group_side_by_side(english, core, answered):
    english.login(core)

    html = english.get(f"/c/scheiden/rounds/{answered.id}/results/groups").get_data(as_text=True)

    assert "Kinderombudsman <span class=\"muted\">(0 people, too few)</span>" in html
    assert "Ouders <span class=\"muted\">(3 people, too few)</span>" in html
    assert "<td>3 (100%)</td>" in html  # three parents chose Online


def test_open_answers_page_searches_and_says_when_nothing_is_found(english, core, answered):
    long = question_of(answered, LONG)
    url = f"/c/scheiden/rounds/{answered.id}/results/questions/{long.id}/answers"
    english.login(core)

    found = english.get(url + "?q=Chat").get_data(as_text=True)
    nothing = english.get(url + "?q=fiets").get_data(as_text=True)

    assert "2 answers found with “Chat”." in found
    assert 'value="Chat"' in found  # the search stays in the box
    assert "1 answer" not in nothing and "No answers contain these words." in nothing


def test_results_page_needs_a_fixed_number_of_queries(client, core, open_round):
    scale, multiple = question_of(open_round, SCALE), question_of(open_round, MULTIPLE)
    long = question_of(open_round, LONG)
    client.login(core)
    url = f"/c/scheiden/rounds/{open_round.id}/results"

    def add(count, start):
        for n in range(start, start + count):
            respond(open_round, f"q{n}@example.org", ["Ouders", "Advocaten"][n % 2],
                    {scale.id: 1 + n % 5, multiple.id: [0, 1 + n % 3], long.id: f"Tekst {n}"})

    add(2, 0)
    client.get(url)
    add(1, 2)  # every answer makes the next view count afresh
    with counted_queries() as few:
        assert client.get(url).status_code == 200
    add(12, 3)
    with counted_queries() as many:
        assert client.get(url).status_code == 200
    with counted_queries() as again:
        assert client.get(url).status_code == 200

    assert len(many) == len(few), many
    assert len(few) <= 17, few  # 15 for the page, 2 for the menu (team challenges, rounds)
    assert len(again) <= len(few) - 4, again  # the figures were kept: no answer is read


def test_the_results_follow_every_new_answer(english, core, answered):
    english.login(core)
    url = f"/c/scheiden/rounds/{answered.id}/results"
    html = english.get(url).get_data(as_text=True)
    assert "Bar chart. 4 people answered. Yes: 3 (75%); No: 1 (25%)" in html
    parents = '<th scope="col">Ouders <span class="muted">(%s people, too few)</span></th>'
    assert parents % 3 in english.get(f"{url}/groups").get_data(as_text=True)

    respond(answered, "p4@example.org", "Ouders",
            {question_of(answered, YES_NO).id: "yes",
             question_of(answered, LONG).id: "Een nieuw antwoord"})

    html = english.get(url).get_data(as_text=True)
    assert "Bar chart. 5 people answered. Yes: 4 (80%); No: 1 (20%)" in html
    assert "Een nieuw antwoord" in html  # the newest open answers
    assert parents % 4 in english.get(f"{url}/groups").get_data(as_text=True)


def test_response_rates_count_revoked_invitations_out(answered):
    invitation = db.session.scalar(db.select(Invitation).filter_by(email="a1@example.org"))
    invitation.revoked_dt = invitation.created_dt
    db.session.commit()

    rates = results.response_rates(answered)

    lawyers = next(r for r in rates.groups if r.label == "Advocaten")
    assert (lawyers.invited, lawyers.answered) == (1, 0)  # the saved response is not sent in
