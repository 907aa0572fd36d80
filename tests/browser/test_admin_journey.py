"""Journey (d): an admin creates a challenge, plans it and invites a core-team member; she
accepts from the link in her e-mail and finds the challenge's tools. English UI, desktop.

After the one ``goto`` of the home page (and one of the link in the received e-mail)
everything is done by clicking visible links and buttons found by their accessible names.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from playwright.sync_api import Page, expect

from ideation.accounts.models import MembershipRole
from ideation.challenges.models import Challenge
from ideation.challenges.phases import today
from ideation.extensions import db
from tests.browser.conftest import menu_button, menu_link
from tests.factories import PASSWORD, make_user
from tests.ideas.conftest import quick_user

pytestmark = pytest.mark.browser

PHASES = ("Dream big", "Make it realistic", "Prototypes", "Testing", "Agenda for Action")


def log_in(page: Page, email: str) -> None:
    menu_link(page, "Log in").click()
    page.get_by_label("E-mail address").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("main").get_by_role("button", name="Log in").click()
    expect(menu_button(page, "Log out")).to_be_visible()


def test_admin_creates_a_challenge_plans_it_and_appoints_a_core_team(app, live_server, browser,
                                                                     mailbox):
    app.config["IDEATION_BASE_URL"] = live_server
    admin = quick_user("admin", name="Ada Admin")
    karin = quick_user("citizen", name="Karin Kernteam")
    context = browser.new_context(locale="nl-NL", viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.set_default_timeout(10_000)
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("response", lambda r: errors.append(f"{r.status} {r.url}") if r.status >= 400
            else None)
    try:
        page.goto(live_server + "/")
        page.get_by_role("button", name="English").click()
        expect(page.locator("html")).to_have_attribute("lang", "en")
        log_in(page, admin.email)

        # A new challenge.
        menu_link(page, "Admin").click()
        page.get_by_role("link", name="New challenge").click()
        page.get_by_label("Web address").fill("samen-opvoeden")
        page.get_by_label("Title").fill("Samen opvoeden")
        page.get_by_label("The question").fill("Hoe blijven ouders samen ouder na een scheiding?")
        page.get_by_label("Public: everyone can see this challenge").check()
        page.get_by_label("First name and initial (for example: Eva V.)").check()
        page.get_by_role("button", name="Make the challenge").click()
        expect(page.locator(".flash-success")).to_contain_text("The challenge is made.")

        # Its five phases, ideas first from today.
        start = today()
        for number, name in enumerate(PHASES):
            phase = page.get_by_role("group", name=name)
            first = start + timedelta(days=30 * number)
            phase.get_by_label("Start date").fill(first.isoformat())
            phase.get_by_label("End date").fill((first + timedelta(days=29)).isoformat())
        page.get_by_role("button", name="Save planning").click()
        expect(page.locator(".flash-success")).to_contain_text("The planning is saved.")

        # Karin, who has an account, is invited into the core team by e-mail.
        team = page.get_by_role("region", name="Team")
        team.get_by_label("E-mail address").fill(karin.email)
        team.get_by_role("radio", name="Core team").check()
        team.get_by_role("button", name="Send the invitation").click()
        expect(page.locator(".flash-success")).to_contain_text(karin.email)
        challenge = db.session.scalars(db.select(Challenge)).one()
        assert challenge.memberships == []  # not before she accepts

        # The public sees it, with its planning as one line of the timeline.
        menu_link(page, "Challenges").click()
        page.get_by_role("link", name="Samen opvoeden", exact=True).click()
        expect(page.get_by_role("heading", level=1)).to_have_text("Samen opvoeden")
        activity = page.locator(".activity-text")
        expect(activity).to_have_count(1)  # five phases planned: one line, not five
        expect(activity).to_contain_text("The planning changed: “Dream big” from")

        # Karin follows the link in her e-mail, logs in, accepts and finds her tools.
        menu_button(page, "Log out").click()
        page.goto(mailbox.link_for(karin.email, "/invitations/"))
        page.get_by_role("link", name="Log in to accept").click()
        page.get_by_label("E-mail address").fill(karin.email)
        page.get_by_label("Password").fill(PASSWORD)
        page.get_by_role("main").get_by_role("button", name="Log in").click()
        page.get_by_role("button", name="Accept the invitation").click()
        db.session.expire_all()
        assert [(m.user_id, m.role) for m in challenge.memberships] == [
            (karin.id, MembershipRole.core_team)]
        menu_link(page, "Core team: Samen opvoeden").click()
        expect(page.get_by_role("heading", level=1)).to_contain_text("Core team workspace")
        page.get_by_role("link", name="Set up the challenge").click()
        expect(page.get_by_role("heading", level=1)).to_have_text("Set up the challenge")
        expect(page.get_by_role("region", name="Team")).to_contain_text("Karin Kernteam")
        assert errors == []
    finally:
        context.close()



def test_admin_deletes_the_account_of_someone_who_asked(app, live_server, browser):
    """Someone writes to the municipality to be forgotten: the admin finds them under People,
    sees what they hold, and deletes the account with a reason, keeping their ideas."""
    admin = quick_user("admin", name="Ada Admin")
    make_user(name="Vera Vergeten", email="vera@example.org")
    quick_user("citizen", name="Bram Blijft")
    context = browser.new_context(locale="en-GB", viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.set_default_timeout(10_000)
    try:
        page.goto(live_server + "/")
        expect(page.locator("html")).to_have_attribute("lang", "en")  # the browser's language
        log_in(page, admin.email)

        menu_link(page, "Admin").click()
        page.get_by_role("link", name="People").click()
        page.get_by_label("Name or e-mail address").fill("vergeten")
        page.get_by_role("button", name="Search").click()
        expect(page.get_by_role("status")).to_have_text("1 account")
        page.get_by_role("link", name="Vera Vergeten").click()
        expect(page.get_by_role("heading", level=1)).to_have_text("Vera Vergeten")

        # A slip in the address stops it, and what was typed stays.
        page.get_by_label("Keep them, shown as “deleted participant”").check()
        page.get_by_label("Reason").fill("Asked by e-mail on 3 March")
        page.get_by_label("Type the e-mail address of this account to confirm").fill(
            "vera@example.com")
        page.get_by_role("button", name="Delete this account for good").click()
        expect(page.locator(".error-summary")).to_contain_text(
            "This is not the e-mail address of this account.")
        expect(page.get_by_label("Reason")).to_have_value("Asked by e-mail on 3 March")

        page.get_by_label("Type the e-mail address of this account to confirm").fill(
            "vera@example.org")
        page.get_by_role("button", name="Delete this account for good").click()
        expect(page.locator(".flash-success")).to_contain_text("The account is deleted.")
        expect(page.get_by_role("heading", level=1)).to_have_text("People")
        expect(page.get_by_role("main")).not_to_contain_text("Vera Vergeten")
        expect(page.get_by_role("main")).to_contain_text("Bram Blijft")
    finally:
        context.close()
