"""End-to-end journeys of the foundation in headless Chromium."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.factories import PASSWORD, make_challenge, make_user

pytestmark = pytest.mark.browser


def test_core_team_member_logs_in_and_sees_the_challenge_page(app, live_server, page):
    challenge = make_challenge(slug="scheiden-zonder-schade")
    member = make_user("core_team", challenge=challenge, email="kees@example.org")

    page.goto(f"{live_server}/c/{challenge.slug}/manage")
    expect(page).to_have_url(re.compile(r"/login\?next="))
    page.get_by_label("E-mailadres").fill(member.email)
    page.get_by_label("Wachtwoord").fill(PASSWORD)
    page.get_by_role("button", name="Inloggen").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("De uitdaging instellen")
    page.get_by_role("link", name=challenge.title).first.click()

    expect(page.get_by_role("heading", level=1)).to_have_text(challenge.title)
    expect(page.locator("html")).to_have_attribute("lang", "nl")
    current = page.locator('.timeline [aria-current="step"]')
    expect(current).to_contain_text("Groot dromen")
    expect(page.get_by_text(challenge.question)).to_be_visible()


def test_visitor_switches_to_english_and_the_choice_is_remembered(app, live_server, page):
    challenge = make_challenge()
    page.goto(f"{live_server}/c/{challenge.slug}")
    expect(page.get_by_role("heading", name="Tijdlijn")).to_be_visible()

    page.get_by_role("button", name="English").click()

    expect(page).to_have_url(f"{live_server}/c/{challenge.slug}")
    expect(page.get_by_role("heading", name="Timeline")).to_be_visible()
    expect(page.locator("html")).to_have_attribute("lang", "en")
    page.goto(f"{live_server}/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Challenges")


def test_admin_creates_a_challenge_and_plans_its_phases(app, live_server, page):
    admin = make_user("admin")
    page.goto(f"{live_server}/login")
    page.get_by_label("E-mailadres").fill(admin.email)
    page.get_by_label("Wachtwoord").fill(PASSWORD)
    page.get_by_role("button", name="Inloggen").click()

    page.get_by_role("link", name="Beheer").click()
    page.get_by_role("link", name="Nieuwe uitdaging").click()
    page.get_by_label("Webadres").fill("samen-opvoeden")
    page.get_by_label("Titel").fill("Samen opvoeden")
    page.get_by_label("De vraag").fill("Hoe blijven ouders samen ouder na een scheiding?")
    page.get_by_label("Openbaar").check()
    page.get_by_label("Voornaam en eerste letter van de achternaam").check()
    page.get_by_role("button", name="Maak de uitdaging").click()

    expect(page.get_by_text("De uitdaging is gemaakt")).to_be_visible()
    dream = page.get_by_role("group", name="Groot dromen")
    dream.get_by_label("Begindatum").fill("2026-01-01")
    dream.get_by_label("Einddatum").fill("2026-01-31")
    page.get_by_role("button", name="Planning opslaan").click()
    expect(page.get_by_text("De planning is opgeslagen.")).to_be_visible()

    page.goto(f"{live_server}/")
    expect(page.get_by_role("link", name="Samen opvoeden")).to_be_visible()


def test_a_new_visitor_meets_no_failed_request_and_no_console_error(app, live_server, browser):
    # A fresh browser profile asks for an icon too: without <link rel="icon"> that was a
    # 404 for /favicon.ico in the console of every first visit.
    challenge = make_challenge()
    context = browser.new_context()
    page = context.new_page()
    failed: list[str] = []
    page.on("response", lambda r: failed.append(f"{r.status} {r.url}") if r.status >= 400 else None)
    page.on("console", lambda m: failed.append(m.text) if m.type == "error" else None)
    try:
        for path in ("/", f"/c/{challenge.slug}", f"/c/{challenge.slug}/ideas", "/login"):
            page.goto(f"{live_server}{path}")
            page.wait_for_load_state("networkidle")
        expect(page.locator('link[rel="icon"]')).to_have_count(1)
    finally:
        context.close()
    assert failed == []
