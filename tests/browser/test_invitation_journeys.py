"""An admin invites someone who never registered into the core team; they follow the link in
the e-mail, choose a password and land in the challenge as core team."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.factories import PASSWORD, make_challenge, make_user

pytestmark = pytest.mark.browser

CHOSEN = "het kernteam vergadert elke dinsdag vroeg"


def test_an_admin_invites_a_new_core_team_member_who_joins_from_the_email(
        app, live_server, browser, page, mailbox):
    app.config["IDEATION_BASE_URL"] = live_server
    challenge = make_challenge(slug="samen-opvoeden")
    admin = make_user("admin")

    page.goto(f"{live_server}/")
    page.get_by_role("link", name="Inloggen").click()
    page.get_by_label("E-mailadres").fill(admin.email)
    page.get_by_label("Wachtwoord").fill(PASSWORD)
    page.get_by_role("button", name="Inloggen").click()
    page.get_by_role("link", name="Beheer").click()
    page.get_by_role("link", name="Instellen").first.click()
    page.get_by_role("link", name="Team", exact=True).click()
    page.get_by_label("E-mailadres").fill("kees@gemeente.nl")
    page.get_by_label("Kernteam").check()
    page.get_by_role("button", name="Stuur de uitnodiging").click()
    expect(page.get_by_text("De uitnodiging is gestuurd naar kees@gemeente.nl.")).to_be_visible()
    expect(page.get_by_text("Uitnodigingen die nog niet zijn aangenomen")).to_be_visible()

    newcomer = browser.new_context(locale="nl-NL").new_page()
    newcomer.goto(mailbox.link_for("kees@gemeente.nl", "/invitations/"))
    expect(newcomer.get_by_text("als kernteam")).to_be_visible()
    newcomer.get_by_label("Je naam").fill("Kees Kern")
    newcomer.get_by_label("Wachtwoord", exact=True).fill(CHOSEN)
    newcomer.get_by_label("Wachtwoord nog een keer").fill(CHOSEN)
    newcomer.get_by_label("Ik heb de privacyverklaring gelezen en ga akkoord").check()
    newcomer.get_by_role("button", name="Maak mijn account en neem aan").click()

    expect(newcomer.get_by_text("Welkom. Je bent nu kernteam")).to_be_visible()
    expect(newcomer.get_by_role("heading", level=1)).to_have_text(challenge.title)
    newcomer.get_by_role("link", name="Mijn account").click()
    expect(newcomer.get_by_role("main").get_by_text(f"{challenge.title}: Kernteam")).to_be_visible()
    newcomer.context.close()
