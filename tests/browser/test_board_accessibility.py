"""axe-core (WCAG 2.0/2.1 A and AA rules) finds nothing on the board, the suggested groups, a
group page and the duplicates page."""

from __future__ import annotations

from functools import partial

import pytest

from tests.browser.axe import axe_violations
from tests.browser.test_proposal_journeys import _log_in, board  # noqa: F401 - the fixture

pytestmark = pytest.mark.browser


def test_board_pages_pass_axe_wcag21_aa(live_server, browser, board):  # noqa: F811
    challenge, core, _loose = board
    context = browser.new_context(locale="nl-NL", viewport={"width": 1280, "height": 900})
    page = context.new_page()
    violations = partial(axe_violations, page)

    try:
        _log_in(page, live_server, core)
        page.goto(f"{live_server}/c/{challenge.slug}/board")
        problems = violations()
        page.get_by_role("button", name="Stel groepen voor").click()
        page.get_by_text("2 subgroepen").click()
        problems += violations()
        page.get_by_role("link", name="Alle ideeën in “Alimentatie”").click()
        problems += violations()
        page.get_by_role("link", name="Bord").first.click()
        page.get_by_role("link", name="Dubbele ideeën").click()
        problems += violations()
        assert problems == []
    finally:
        context.close()
