"""The core team's workspace (/c/<slug>/team): what waits, with counts from aggregate queries,
a link to every tool, and the menu that leads there; "My ideas" and "My rounds" in the menu."""

from __future__ import annotations

from datetime import timedelta
from html.parser import HTMLParser

import pytest

from ideation.challenges.phases import today
from ideation.concepts.models import Concept, ConceptScore, ConceptState
from ideation.concepts.services import ensure_criteria
from ideation.extensions import db
from ideation.ideas.models import Idea, IdeaStatus
from ideation.moderation.models import Report
from ideation.validation.models import Decision, Outcome, RoundState
from tests.ideas.conftest import counted_queries, quick_user
from tests.permissions import LOGIN, ROLES, outcome
from tests.validation.conftest import answer, invite, make_round


class _Links(HTMLParser):
    """(href, visible text) of every link of a page."""

    def __init__(self) -> None:
        super().__init__()
        self.links: list[tuple[str, str]] = []
        self._href: str | None = None
        self._text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "a":
            self._href, self._text = dict(attrs).get("href") or "", []

    def handle_data(self, data: str) -> None:
        if self._href is not None:
            self._text.append(data)

    def handle_endtag(self, tag: str) -> None:
        if tag == "a" and self._href is not None:
            self.links.append((self._href, " ".join("".join(self._text).split())))
            self._href = None


def links(page: str) -> list[tuple[str, str]]:
    parser = _Links()
    parser.feed(page)
    return parser.links


def add_idea(challenge, title: str, status: IdeaStatus = IdeaStatus.published, **extra) -> Idea:
    idea = Idea(challenge=challenge, author=quick_user(), title=title, description="Tekst.",
                status=status, **extra)
    db.session.add(idea)
    db.session.commit()
    return idea


def score_everything(concept: Concept, member) -> None:
    for criterion in ensure_criteria(concept.challenge):
        db.session.add(ConceptScore(concept_id=concept.id, criterion_id=criterion.id,
                                    user_id=member.id, score=4))
    db.session.commit()


@pytest.fixture
def busy(challenge, core, prototype):
    """A challenge with work waiting everywhere; returns what the page should show."""
    reported = add_idea(challenge, "Gemeld idee")
    for _ in range(2):  # two reports on one idea: one item in the queue
        db.session.add(Report(challenge_id=challenge.id, reporter_id=quick_user().id,
                              reason="Niet netjes", idea_id=reported.id))
    add_idea(challenge, "Wacht op controle", IdeaStatus.pending)
    add_idea(challenge, "Verborgen", IdeaStatus.hidden, hidden_reason="Reclame")
    add_idea(challenge, "Los idee")
    add_idea(challenge, "Dubbel idee", merged_into=reported)  # merged: not on the board
    waiting = prototype.concept  # in prototyping, not scored by the member
    scored = Concept(challenge=challenge, title="Al gescoord", state=ConceptState.realistic)
    parked = Concept(challenge=challenge, title="Geparkeerd", state=ConceptState.parked)
    db.session.add_all([scored, parked])
    db.session.commit()
    score_everything(scored, core)

    running = make_round(prototype, state=RoundState.open, title="Ronde die loopt",
                         opens_in=-3, days=10)
    for number in range(4):
        invitation, _token = invite(running, f"gast{number}@example.org", "Ouders")
        if number == 0:
            answer(running, invitation, {}, submitted=True)
        elif number == 1:
            answer(running, invitation, {}, submitted=False)  # saved, not sent
        elif number == 3:
            invitation.revoked_dt = invitation.created_dt  # withdrawn: not counted
    db.session.commit()
    past = make_round(prototype, state=RoundState.open, title="Ronde over tijd", opens_in=-20,
                      days=5)
    closed = make_round(prototype, state=RoundState.closed, title="Ronde gesloten",
                        opens_in=-30, days=5)
    decided = make_round(prototype, state=RoundState.closed, title="Ronde besloten",
                         opens_in=-40, days=5)
    db.session.add(Decision(round=decided, outcome=Outcome.adopt, rationale="Goed."))
    draft = make_round(prototype, title="Ronde in voorbereiding", opens_in=5)
    db.session.commit()
    return {"running": running, "past": past, "closed": closed, "decided": decided,
            "draft": draft, "to_score": waiting}


def test_the_workspace_shows_what_waits_with_its_counts_and_links(english, challenge, core,
                                                                 busy):
    english.login(core)
    response = english.get(f"/c/{challenge.slug}/team")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    found = links(page)
    slug = challenge.slug
    assert (f"/c/{slug}/moderation?tab=reported", "1 report waits") in found
    assert (f"/c/{slug}/moderation?tab=pending", "1 idea waits for a check") in found
    # The reported idea and the loose one; not the waiting, hidden or merged ideas.
    assert (f"/c/{slug}/board", "2 ideas are not in a cluster yet") in found
    concept = busy["to_score"]
    assert [text for href, text in found
            if href.startswith(f"/c/{slug}/concepts/") and href.endswith("#scores-heading")
            ] == [concept.title]
    running, past, closed = busy["running"], busy["past"], busy["closed"]
    table = page.split('id="open-rounds-heading"')[1].split('id="decisions-heading"')[0]
    assert running.title in table and past.title not in table
    assert "1 of 3" in table and "33%" in table
    assert running.closes_on.isoformat() in table
    decisions = page.split('id="decisions-heading"')[1].split('id="tools-heading"')[0]
    due = [text for href, text in links(decisions) if href.endswith("/decision")]
    assert due == [past.title, closed.title] or due == [closed.title, past.title]
    assert busy["decided"].title not in decisions


def test_the_workspace_links_to_every_tool_of_the_challenge(english, challenge, core, busy):
    english.login(core)
    page = english.get(f"/c/{challenge.slug}/team").get_data(as_text=True)
    hrefs = {href for href, _text in links(page)}
    slug = challenge.slug
    for tool in ("manage", "manage#phases", "manage#team", "ideas/settings", "board",
                 "board/duplicates", "concepts", "concepts/criteria", "prototypes",
                 "manage/log", "timeline"):
        assert f"/c/{slug}/{tool}" in hrefs, tool
    assert f"/c/{slug}/moderation?tab=reported" in hrefs
    for item in busy.values():
        if hasattr(item, "questions"):  # a round
            for page_of_round in ("", "/invitations", "/results"):
                assert f"/c/{slug}/rounds/{item.id}{page_of_round}" in hrefs
    assert f"/c/{slug}/prototypes/{busy['running'].prototype_id}/rounds" in hrefs


def test_an_admin_sees_the_workspace_but_scores_nothing(english, challenge, busy):
    admin = quick_user("admin")
    english.login(admin)
    page = english.get(f"/c/{challenge.slug}/team").get_data(as_text=True)
    assert "Members of the core team score the concepts." in page
    assert "#scores-heading" not in page


def test_a_quiet_challenge_says_nothing_waits(english, challenge, core):
    english.login(core)
    page = english.get(f"/c/{challenge.slug}/team").get_data(as_text=True)
    assert "Nothing waits for you now." in page
    assert "No round is open." in page and "Every closed round has its decision." in page


def test_the_workspace_is_in_dutch_by_default(client, challenge, core, busy):
    client.login(core)
    page = client.get(f"/c/{challenge.slug}/team").get_data(as_text=True)
    assert "Werkplek kernteam" in page
    assert "1 melding wacht" in page and "2 ideeën zitten nog niet in een cluster" in page


def test_the_workspace_needs_as_many_queries_for_many_ideas_and_rounds(client, challenge,
                                                                       core, prototype):
    client.login(core)
    url = f"/c/{challenge.slug}/team"
    invite(make_round(prototype, state=RoundState.open, opens_in=-1), "een@example.org")
    make_round(prototype, state=RoundState.closed, title="Dicht", opens_in=-30)
    client.get(url)
    with counted_queries() as few:
        client.get(url)
    for number in range(30):
        add_idea(challenge, f"Idee {number}")
        add_idea(challenge, f"Wacht {number}", IdeaStatus.pending)
    for number in range(5):
        round_ = make_round(prototype, state=RoundState.open, title=f"Ronde {number}",
                            opens_in=-1)
        invite(round_, f"persoon{number}@example.org", "Ouders")
        make_round(prototype, state=RoundState.closed, title=f"Dicht {number}", opens_in=-30)
    with counted_queries() as many:
        page = client.get(url).get_data(as_text=True)
    assert "30 ideas wait for a check" in page or "30 ideeën wachten op controle" in page
    assert len(many) == len(few)


@pytest.mark.parametrize("role", ROLES)
def test_only_the_core_team_and_admins_open_the_workspace(client, challenge, roles, role):
    if roles[role] is not None:
        client.login(roles[role])
    expected = {"anonymous": LOGIN, "core_team": 200, "admin": 200}.get(role, 403)
    assert outcome(client.get(f"/c/{challenge.slug}/team")) == expected


# --- the menu --------------------------------------------------------------------------------


def menu(client) -> list[tuple[str, str]]:
    page = client.get("/").get_data(as_text=True)
    return links(page.split('class="site-nav"')[1].split("</nav>")[0])


def test_the_core_team_finds_its_workspace_and_everyone_my_ideas_in_the_menu(english,
                                                                             challenge, core):
    english.login(core)
    items = menu(english)
    assert (f"/c/{challenge.slug}/team", f"Core team: {challenge.title}") in items
    assert ("/my/ideas", "My ideas") in items
    assert any(href == "/notifications" for href, _text in items)


def test_a_citizen_has_my_ideas_and_notifications_but_no_workspace(english, challenge):
    english.login(quick_user())
    items = menu(english)
    assert ("/my/ideas", "My ideas") in items
    assert any(href == "/notifications" for href, _text in items)
    assert not [href for href, _text in items if href.endswith("/team")]
    assert ("/rounds", "My rounds") not in items


def test_an_admin_finds_the_workspace_of_the_challenge_they_are_on(english, challenge):
    english.login(quick_user("admin"))
    assert not [href for href, _text in menu(english) if href.endswith("/team")]
    page = english.get(f"/c/{challenge.slug}").get_data(as_text=True)
    nav = links(page.split('class="site-nav"')[1].split("</nav>")[0])
    assert (f"/c/{challenge.slug}/team", f"Core team: {challenge.title}") in nav
    admin = english.get("/admin").get_data(as_text=True)
    # Each row's link names its challenge too (for screen readers, hidden from sight).
    assert [text for href, text in links(admin) if href == f"/c/{challenge.slug}/team"] == [
        f"Core team workspace {challenge.title}"]


def test_someone_invited_under_their_account_finds_my_rounds_in_the_menu(english, prototype):
    person = quick_user()
    round_ = make_round(prototype, state=RoundState.open, opens_in=-1)
    invite(round_, person.email, "Ouders", user=person)
    english.login(person)
    assert ("/rounds", "My rounds") in menu(english)


def test_an_invitation_to_a_round_still_in_preparation_does_not_count(english, prototype):
    person = quick_user()
    invite(make_round(prototype, opens_in=3), person.email, "Ouders", user=person)
    english.login(person)
    assert ("/rounds", "My rounds") not in menu(english)


# --- the moderation link ---------------------------------------------------------------------


def test_the_moderation_queue_opens_the_tab_where_work_waits(english, challenge, core):
    english.login(core)
    queue = f"/c/{challenge.slug}/moderation"

    def current_tab() -> str:
        page = english.get(queue).get_data(as_text=True)
        return page.split('aria-current="page"')[1].split("</a>")[0]

    assert "Waiting for a check" in current_tab()  # nothing anywhere: the waiting tab
    add_idea(challenge, "Wacht", IdeaStatus.pending)
    assert "Waiting for a check" in current_tab()
    reported = add_idea(challenge, "Gemeld")
    db.session.add(Report(challenge_id=challenge.id, reporter_id=quick_user().id,
                          reason="Grof", idea_id=reported.id))
    db.session.commit()
    assert "Reported" in current_tab()
    challenge_page = english.get(f"/c/{challenge.slug}").get_data(as_text=True)
    assert (queue, "Moderation (2 waiting)") in links(challenge_page)


def test_a_round_past_its_last_day_counts_as_closed_on_the_workspace(english, challenge, core,
                                                                     prototype):
    late = make_round(prototype, state=RoundState.open, title="Te laat", opens_in=-9, days=3)
    assert late.closes_on < today() - timedelta(days=1)
    english.login(core)
    page = english.get(f"/c/{challenge.slug}/team").get_data(as_text=True)
    decisions = page.split('id="decisions-heading"')[1]
    assert (f"/c/{challenge.slug}/rounds/{late.id}/decision", "Te laat") in links(decisions)
