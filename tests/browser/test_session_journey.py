"""Journey: a live session. The core team (desktop, English) plans and opens a session and puts
the projector view on; three participants on phones (Dutch) join with the code, without an
account, send ideas while the projector shows them arriving, give dots, and say what would
make them say no. The team closes the session; the ideas are then in the challenge with their
origin, and the objections stand next to the majority's choice.

Two ``goto`` calls: the desktop's home page, and each phone's home page (one call in a loop).
"""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from ideation.challenges.models import PhaseKind
from ideation.extensions import db
from ideation.ideas.models import Idea
from tests.browser.conftest import menu_link
from tests.factories import PASSWORD, make_challenge
from tests.ideas.conftest import quick_user

pytestmark = pytest.mark.browser

PHONE = {"locale": "nl-NL", "viewport": {"width": 390, "height": 844}, "is_mobile": True,
         "has_touch": True}
IDEAS = ["Een vast aanspreekpunt op school", "Ouderschapsplan op één A4",
         "Eerst een gesprek met een mediator"]
OBJECTION = "Scholen hebben daar geen tijd voor."
SUMMARY = "The majority chooses a contact person at school."


def _phone_joins(phone: Page, live_server: str, code: str, nickname: str) -> None:
    phone.goto(live_server + "/")
    menu_link(phone, "Doe mee met een sessie").click()
    phone.get_by_label("Deelnamecode").fill(code.lower())
    phone.get_by_label("Bijnaam (mag leeg blijven)").fill(nickname)
    phone.get_by_role("button", name="Doe mee").click()
    expect(phone.get_by_role("heading", level=1)).to_have_text("Ouderavond")


def test_three_phones_take_part_in_a_live_session(app, live_server, browser):
    challenge = make_challenge(slug="scheiden-zonder-schade", phase=PhaseKind.dream)
    challenge.title = "Scheiden zonder schade"
    karin = quick_user("core_team", challenge, name="Karin Kernteam")
    db.session.commit()

    desk = browser.new_context(locale="nl-NL", viewport={"width": 1280, "height": 900})
    page = desk.new_page()
    page.set_default_timeout(10_000)
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    phones = [browser.new_context(**PHONE).new_page() for _ in range(3)]
    try:
        page.goto(live_server + "/")
        page.get_by_role("button", name="English").click()
        menu_link(page, "Log in").click()
        page.get_by_label("E-mail address").fill(karin.email)
        page.get_by_label("Password").fill(PASSWORD)
        page.get_by_role("main").get_by_role("button", name="Log in").click()
        menu_link(page, "Core team: Scheiden zonder schade").click()
        page.get_by_role("main").get_by_role("link", name="Sessions", exact=True).click()
        page.get_by_role("link", name="Plan a session").click()
        page.get_by_label("Title").fill("Ouderavond")
        page.get_by_label("Date").fill("2026-12-10")
        page.get_by_label("Place (optional)").fill("De Regenboog")
        page.get_by_role("button", name="Plan the session").click()
        flash = page.locator(".flash-success")
        expect(flash).to_contain_text("join code is")
        code = re.search(r"join code is (\w+)", flash.inner_text()).group(1)
        page.get_by_role("button", name="Open the session").click()
        page.get_by_role("link", name="Projector view").click()
        expect(page.locator(".join-code")).to_have_text(code)
        expect(page.get_by_role("img", name="QR code to join the session")).to_be_visible()

        for number, phone in enumerate(phones):
            _phone_joins(phone, live_server, code, f"Deelnemer {number + 1}")
        for phone, title in zip(phones, IDEAS, strict=True):
            phone.get_by_label("Je idee").fill(title)
            phone.get_by_role("button", name="Verstuur mijn idee").click()
            expect(phone.locator(".flash-success")).to_contain_text("op het scherm")
        # The projector fetches the new ideas by itself (static/js/live-feed.js).
        feed = page.locator("#live-feed")
        for title in IDEAS:
            expect(feed).to_contain_text(title)

        page.get_by_role("link", name="Back to the session").click()
        page.get_by_role("button", name="Start dot-voting").click()
        for phone in phones:
            phone.get_by_role("link", name="Laad deze pagina opnieuw").click()
            phone.get_by_role("button", name=f"Geef een stip aan “{IDEAS[0]}”").click()
            expect(phone.locator(".flash-success")).to_contain_text("stip")
        phones[0].get_by_role("button", name=f"Geef een stip aan “{IDEAS[1]}”").click()

        page.get_by_role("button", name="Start the round “Who sees it differently?”").click()
        phones[2].get_by_role("link", name="Laad deze pagina opnieuw").click()
        phones[2].get_by_label(f"Waardoor zou jij nee zeggen tegen “{IDEAS[0]}”?").fill(OBJECTION)
        phones[2].get_by_role("button", name="Verstuur").first.click()
        expect(phones[2].locator(".flash-success")).to_contain_text("zonder je naam")

        page.get_by_role("link", name="Projector view").click()
        expect(page.locator("#live-feed")).to_contain_text(OBJECTION)
        page.get_by_role("link", name="Back to the session").click()
        page.get_by_label("Summary: the majority's choice").fill(SUMMARY)
        page.get_by_role("button", name="Close the session").click()
        expect(page.locator(".flash-success")).to_contain_text("3 ideas are now in the challenge")
        page.get_by_role("link", name="Results of the session").click()
        main = page.get_by_role("main")
        expect(main).to_contain_text(SUMMARY)
        expect(main).to_contain_text(OBJECTION)
        main.get_by_role("link", name=IDEAS[0]).click()
        expect(page.get_by_role("main")).to_contain_text("From the session")
        expect(page.get_by_role("main")).to_contain_text(OBJECTION)
        expect(page.get_by_role("main")).to_contain_text("3 dots in the session")
        assert errors == []
    finally:
        for phone in phones:
            phone.context.close()
        desk.close()
    ideas = db.session.scalars(db.select(Idea).where(Idea.source == "session")).all()
    assert sorted(i.title for i in ideas) == sorted(IDEAS)
