"""A core-team member reviews suggested groups and sorts ideas on the board: once with the
mouse, once with the keyboard only. Both accept three suggestions at once after renaming one,
open a theme's sub-groups, and multi-select five ideas and move them."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from ideation.curation import themes
from ideation.curation.models import Cluster
from ideation.curation.themes import FoundGroup
from ideation.extensions import db
from ideation.ideas.models import Idea
from tests.browser.conftest import no_horizontal_scroll
from tests.factories import PASSWORD, make_challenge, make_user

pytestmark = pytest.mark.browser

NAMES = ["Kinderen", "Alimentatie", "Mediation"]


def _group(ids, name, children=()):
    return FoundGroup(member_ids=list(ids), scores=[1.0] * len(ids), tightness=0.6, name=name,
                      summary=f"Ideeën over {name.lower()}.", typical_ids=list(ids[:3]),
                      children=list(children))


@pytest.fixture
def board(app, monkeypatch):
    """Nine ideas the fixed engine groups in three themes (the first with two sub-groups),
    and five loose ideas it leaves out."""
    def suggest_themes(docs, language, k=None, *, seed=0, progress=None):
        ids = [i for i, _t in docs][:9]
        return [_group(ids[:3], NAMES[0], [_group(ids[:2], "Gehoord worden"),
                                           _group(ids[2:3], "Scholen")]),
                _group(ids[3:6], NAMES[1]), _group(ids[6:9], NAMES[2])]

    monkeypatch.setattr(themes, "suggest_themes", suggest_themes)
    challenge = make_challenge(slug="scheiden")
    core = make_user("core_team", challenge=challenge, name="Karin")
    author = make_user("citizen", name="Anna")
    grouped = [Idea(challenge=challenge, author=author, title=f"Gegroepeerd idee {n}",
                    description=f"Tekst {n}.") for n in range(9)]
    loose = [Idea(challenge=challenge, author=author, title=f"Los idee {n}",
                  description=f"Eerste regel {n}\nTweede regel.") for n in range(5)]
    db.session.add_all(grouped + loose)
    db.session.commit()
    return challenge, core, loose


def _log_in(page, live_server, core):
    page.goto(f"{live_server}/login")
    page.get_by_label("E-mailadres").fill(core.email)
    page.get_by_label("Wachtwoord").fill(PASSWORD)
    page.get_by_role("button", name="Inloggen").click()


def _cluster_of(idea):
    db.session.expire_all()
    return db.session.get(Idea, idea.id).cluster_id


def test_with_the_mouse(live_server, browser, board):
    challenge, core, loose = board
    context = browser.new_context(locale="nl-NL", viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.set_default_timeout(10_000)
    try:
        _log_in(page, live_server, core)
        page.goto(f"{live_server}/c/{challenge.slug}/board")
        page.get_by_role("button", name="Stel groepen voor").click()
        expect(page.get_by_role("heading", name="Voorstel voor groepen", level=1)).to_be_visible()

        page.get_by_text("2 subgroepen").click()
        expect(page.get_by_label("Kies “Gehoord worden”")).to_be_visible()
        page.get_by_label("Naam van de groep “Alimentatie”").fill("Geld na de scheiding")
        for name in NAMES:
            page.get_by_label(f"Kies “{name}”").check()
        page.get_by_role("button", name="Neem de gekozen groepen over").click()
        expect(page.locator(".flash-success")).to_contain_text("3 clusters zijn gemaakt")

        page.get_by_role("link", name="Terug naar het bord").click()
        cards = page.locator(".board-idea")
        expect(cards).to_have_count(5)
        # Ctrl-click one card, then Shift-click the last: all five are selected.
        cards.nth(0).locator(".board-line").click(modifiers=["Control"])
        cards.nth(4).locator(".board-line").click(modifiers=["Shift"])
        expect(page.locator(".board-idea.is-selected")).to_have_count(5)
        target = db.session.scalars(db.select(Cluster).where(
            Cluster.name == "Geld na de scheiding")).one()
        drop = page.locator(f".cluster-drop[data-cluster-id='{target.id}']")
        start, end = cards.nth(2).locator("label").bounding_box(), drop.bounding_box()
        page.mouse.move(start["x"] + 20, start["y"] + start["height"] / 2)
        page.mouse.down()
        page.mouse.move(start["x"] + 40, start["y"] + start["height"] / 2 + 10, steps=5)
        page.mouse.move(end["x"] + end["width"] / 2, end["y"] + end["height"] / 2, steps=20)
        page.mouse.up()
        expect(page.locator(f".cluster-count[data-cluster-id='{target.id}']")).to_have_text(
            "8 ideeën")
        assert {_cluster_of(idea) for idea in loose} == {target.id}
    finally:
        context.close()


def test_with_the_keyboard_only(live_server, browser, board):
    challenge, core, loose = board
    context = browser.new_context(locale="nl-NL", viewport={"width": 320, "height": 800})
    page = context.new_page()
    page.set_default_timeout(10_000)

    def tab_to(locator, limit=40, back=False):
        for _ in range(limit):
            page.keyboard.press("Shift+Tab" if back else "Tab")
            if locator.evaluate("el => el === document.activeElement"):
                return
        raise AssertionError(f"{locator} not reached with the keyboard")

    try:
        _log_in(page, live_server, core)
        page.goto(f"{live_server}/c/{challenge.slug}/board")
        assert no_horizontal_scroll(page)
        tab_to(page.get_by_role("button", name="Stel groepen voor"))
        page.keyboard.press("Enter")
        expect(page.get_by_role("heading", name="Voorstel voor groepen", level=1)).to_be_visible()
        assert no_horizontal_scroll(page)

        tab_to(page.get_by_label("Kies “Kinderen”"))
        page.keyboard.press("Space")
        tab_to(page.get_by_text("2 subgroepen"))
        page.keyboard.press("Enter")
        expect(page.get_by_label("Kies “Scholen”")).to_be_visible()
        tab_to(page.get_by_label("Naam van de groep “Alimentatie”"))
        page.keyboard.press("Control+A")
        page.keyboard.type("Geld na de scheiding")
        for name in NAMES[1:]:
            checkbox = page.get_by_label(f"Kies “{name}”")
            tab_to(checkbox, back=name == "Alimentatie")
            page.keyboard.press("Space")
            expect(checkbox).to_be_checked()
        tab_to(page.get_by_role("button", name="Neem de gekozen groepen over"), back=True)
        page.keyboard.press("Enter")
        expect(page.locator(".flash-success")).to_contain_text("3 clusters zijn gemaakt")

        tab_to(page.get_by_role("link", name="Terug naar het bord"), limit=80)
        page.keyboard.press("Enter")
        # The skip link leads straight to the first idea.
        tab_to(page.get_by_role("link", name="Ga naar de ideeën"))
        page.keyboard.press("Enter")
        page.keyboard.press("Tab")
        expect(page.locator(".board-idea input[type=checkbox]").first).to_be_focused()
        for n in range(5):
            page.keyboard.press("Space")
            if n < 4:
                tab_to(page.locator(".board-idea input[type=checkbox]").nth(n + 1))
        select = page.get_by_label("Verplaats de gekozen ideeën naar")
        tab_to(select, back=True)
        page.keyboard.type("Geld")
        tab_to(page.get_by_role("button", name="Verplaats", exact=True))
        page.keyboard.press("Enter")
        expect(page.locator(".flash-success")).to_contain_text("5 ideeën")
        target = db.session.scalars(db.select(Cluster).where(
            Cluster.name == "Geld na de scheiding")).one()
        assert {_cluster_of(idea) for idea in loose} == {target.id}
        assert no_horizontal_scroll(page)
    finally:
        context.close()
