"""Journey: an anonymous visitor reaches the Agenda voor Actie of the demo challenge that ended
from the start page by clicking, reads an action's history and downloads the PDF.

One ``goto`` of the home page; then only clicks on visible links and buttons.
"""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from ideation.reports.demo_content import ACTIONS

pytestmark = pytest.mark.browser


def test_a_visitor_reads_the_agenda_follows_an_action_and_downloads_the_pdf(demo_site, browser):
    context = browser.new_context(locale="nl-NL", accept_downloads=True)
    page = context.new_page()
    try:
        with demo_site.serve() as base:
            page.goto(base + "/")
            page.get_by_role("link", name=re.compile("^Kinderen eerst")).first.click()
            page.get_by_role("link", name="Lees de Agenda voor Actie").click()
            expect(page.get_by_role("heading", level=1)).to_contain_text("Agenda voor Actie")

            stopped = ACTIONS[2][0]
            action = page.locator("article.agenda-action", has=page.get_by_role(
                "heading", name=stopped))
            action.get_by_text("Geschiedenis van deze actie").click()
            expect(action.locator(".agenda-history ol")).to_contain_text("Gestopt")
            expect(action.locator(".agenda-history ol")).to_contain_text(
                "De regels voor advocaten")

            with page.expect_download() as info:
                page.get_by_role("link", name="Download de agenda als pdf").click()
            path = info.value.path()
            assert open(path, "rb").read(5) == b"%PDF-"  # noqa: SIM115
    finally:
        context.close()
