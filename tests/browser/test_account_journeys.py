"""A citizen's whole account life in Chromium, following the links in the e-mails received
over SMTP: register, confirm, forget the password and reset it, download the data, delete."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from ideation.accounts.models import User
from ideation.extensions import db
from ideation.ideas.models import Idea, IdeaStatus
from tests.factories import make_challenge

pytestmark = pytest.mark.browser

FIRST = "de zon schijnt op het dak van de school"
SECOND = "mijn oude fiets staat nog in de schuur"


def test_a_citizen_registers_confirms_resets_downloads_and_deletes(app, live_server, page,
                                                                  mailbox):
    app.config["IDEATION_BASE_URL"] = live_server
    challenge = make_challenge(slug="scheiden-zonder-schade")

    page.goto(f"{live_server}/")
    page.get_by_role("link", name="Registreren").click()
    page.get_by_label("Je naam").fill("Eva de Vries")
    page.get_by_label("E-mailadres").fill("eva@example.org")
    page.get_by_label("Wachtwoord", exact=True).fill(FIRST)
    page.get_by_label("Wachtwoord nog een keer").fill(FIRST)
    page.get_by_label("Ik heb de privacyverklaring gelezen en ga akkoord").check()
    page.get_by_role("button", name="Maak mijn account").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Kijk in je e-mail")

    # Before confirming: log in, send an idea; it waits as a draft.
    page.get_by_role("link", name="Inloggen").first.click()
    page.get_by_label("E-mailadres").fill("eva@example.org")
    page.get_by_label("Wachtwoord").fill(FIRST)
    page.get_by_role("button", name="Inloggen").click()
    expect(page.get_by_text("Bevestig je e-mailadres met de link")).to_be_visible()
    page.get_by_role("navigation").get_by_role("link", name="Uitdagingen").click()
    page.get_by_role("link", name=challenge.title).first.click()
    page.get_by_role("link", name="Stuur je idee in").click()
    page.get_by_label("Titel").fill("Een maatje voor elk kind")
    page.get_by_label("Je idee").fill("Iemand om mee te praten als ouders scheiden.")
    page.get_by_label("Ik vind het goed").check()
    page.get_by_role("button", name=re.compile("Stuur (je|mijn) idee")).click()
    expect(page.get_by_text("Je idee is bewaard als concept")).to_be_visible()
    assert db.session.scalar(select(Idea)).status is IdeaStatus.draft

    page.goto(mailbox.link_for("eva@example.org", "/confirm/"))
    page.get_by_role("button", name="Bevestig mijn e-mailadres").click()
    expect(page.get_by_text("Je e-mailadres is bevestigd.")).to_be_visible()
    db.session.expire_all()
    assert db.session.scalar(select(Idea)).status is IdeaStatus.published

    page.get_by_role("button", name="Uitloggen").click()
    page.get_by_role("link", name="Inloggen").first.click()
    page.get_by_role("link", name="Wachtwoord vergeten?").click()
    page.get_by_label("E-mailadres").fill("eva@example.org")
    page.get_by_role("button", name="Stuur me een link").click()
    expect(page.get_by_text("Als er een account is met dit e-mailadres")).to_be_visible()

    page.goto(mailbox.link_for("eva@example.org", "/reset-password/"))
    page.get_by_label("Nieuw wachtwoord", exact=True).fill(SECOND)
    page.get_by_label("Nieuw wachtwoord nog een keer").fill(SECOND)
    page.get_by_role("button", name="Sla mijn nieuwe wachtwoord op").click()
    expect(page.get_by_text("Je nieuwe wachtwoord is opgeslagen.")).to_be_visible()

    page.get_by_role("link", name="Mijn account").click()
    page.get_by_role("link", name="Download mijn gegevens").click()
    expect(page.get_by_role("heading", name="Je ideeën (1)")).to_be_visible()
    with page.expect_download() as download:
        page.get_by_role("link", name="Download mijn gegevens (JSON)").click()
    assert '"eva@example.org"' in download.value.path().read_text()

    page.get_by_role("link", name="Mijn account verwijderen").click()
    page.get_by_label("Verwijder ze ook").check()
    page.get_by_label("Je wachtwoord").fill(SECOND)
    page.get_by_role("button", name="Verwijder mijn account voorgoed").click()
    expect(page.get_by_text("Je account is verwijderd.")).to_be_visible()
    expect(page.get_by_role("link", name="Inloggen")).to_be_visible()
    db.session.expire_all()
    assert db.session.scalars(select(User)).all() == []
    assert db.session.scalars(select(Idea)).all() == []
