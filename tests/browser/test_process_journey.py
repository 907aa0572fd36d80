"""Journey: the core team (desktop, English) writes the process design: answers a basic
question (a second save makes a second version, shown in the history), puts an end user on
the stakeholder map and sees it drawn and in the table; the public reads the approach from
the challenge page. One ``goto``: the home page."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from ideation.challenges.models import PhaseKind
from ideation.extensions import db
from tests.browser.conftest import menu_button, menu_link
from tests.factories import PASSWORD, make_challenge
from tests.ideas.conftest import quick_user

pytestmark = pytest.mark.browser


def test_core_team_writes_the_process_design_and_the_public_reads_it(app, live_server,
                                                                     browser):
    challenge = make_challenge(slug="scheiden-zonder-schade", phase=PhaseKind.dream)
    challenge.title = "Scheiden zonder schade"
    karin = quick_user("core_team", challenge, name="Karin Kernteam")
    db.session.commit()
    context = browser.new_context(locale="nl-NL", viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.set_default_timeout(10_000)
    try:
        page.goto(live_server + "/")
        page.get_by_role("button", name="English").click()
        menu_link(page, "Log in").click()
        page.get_by_label("E-mail address").fill(karin.email)
        page.get_by_label("Password").fill(PASSWORD)
        page.get_by_role("main").get_by_role("button", name="Log in").click()
        menu_link(page, "Core team: Scheiden zonder schade").click()
        page.get_by_role("link", name="Process design and stakeholder map").click()
        result = page.locator("#answer-result")
        result.get_by_label("Answer").fill("An Agenda for Action.")
        result.get_by_role("button", name="Save “Intended result”").click()
        expect(page.locator(".flash-success")).to_contain_text("saved")
        result = page.locator("#answer-result")
        result.get_by_label("Answer").fill("An Agenda for Action with tested prototypes.")
        result.get_by_role("button", name="Save “Intended result”").click()
        page.get_by_role("link", name="Earlier versions of “Intended result”").click()
        expect(page.get_by_role("main")).to_contain_text("Version 1")
        expect(page.get_by_role("main")).to_contain_text("Version 2")
        page.get_by_role("link", name="Process design").click()
        page.get_by_label("Name", exact=True).fill("Ouders")
        page.get_by_label("Kind").select_option("end_user")
        page.get_by_label("Interest (1 low, 5 high)").select_option("5")
        page.get_by_role("button", name="Add to the map").click()
        expect(page.get_by_role("img", name="Stakeholder map")).to_be_visible()
        expect(page.get_by_role("rowheader", name="Ouders")).to_be_visible()
        page.get_by_role("link", name="See the public summary").click()
        expect(page.get_by_role("main")).to_contain_text("An Agenda for Action with tested")
        menu_button(page, "Log out").click()
        page.get_by_role("link", name="Scheiden zonder schade").first.click()
        page.get_by_role("link", name="Our approach and sessions").click()
        expect(page.get_by_role("heading", level=1)).to_have_text("Our approach")
        expect(page.get_by_role("main")).to_contain_text("An Agenda for Action with tested")
    finally:
        context.close()
