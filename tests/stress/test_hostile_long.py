"""The hostile checks of ``tests/test_hostile_pages.py``, longer:

1. Every page the crawls reach, loaded in Chromium (headless Debian chromium, scripts
   running) for each role, holds no element or attribute a stored payload brought in, and
   opens no dialog. Chromium parses as browsers do, where the test's HTML parser might not.
2. Hypothesis with many more examples per form and query string, and not derandomized: each
   run tries new cases.

Not a browser journey (those click what a person sees, ``tests/browser``): a sweep over every
page the link crawler found, each loaded by its address.
"""

from __future__ import annotations

import pytest

from tests.hostile import ROLES, build_hostile_data, crawl_as
from tests.test_hostile_pages import crawl_and_fuzz

pytestmark = pytest.mark.stress

EXAMPLES = 8  # per form or query string (make test: 3)
PER_KIND = 4  # pages of one kind per role (make test: 3)

# Every element or attribute a payload could have brought in carries the marker.
INJECTED = """() => Array.from(document.querySelectorAll('[data-xss]'))
    .map(e => e.outerHTML.slice(0, 120))"""


def test_no_stored_payload_becomes_an_element_in_chromium_for_any_role(app, browser,
                                                                      live_server):
    data = build_hostile_data(app)
    found, dialogs, loaded = [], [], {}
    for role in ROLES:
        _client, pages = crawl_as(app, data, role, per_kind=PER_KIND)
        context = browser.new_context(locale="nl-NL")
        page = context.new_page()
        page.set_default_timeout(15_000)
        page.on("dialog", lambda dialog, role=role: (dialogs.append(f"{role}: {dialog.message}"),
                                                     dialog.dismiss()))
        if role not in ("anonymous", "link"):
            email, password = data.accounts[role]
            page.goto(live_server + "/login")
            page.get_by_label("E-mailadres").fill(email)
            page.get_by_label("Wachtwoord").fill(password)
            page.get_by_role("button", name="Inloggen").click()
            page.wait_for_load_state()
        html_pages = [p for p in pages if p.html is not None and p.status == 200]
        for visited in html_pages:
            page.goto(live_server + visited.url, wait_until="load")
            found += [f"{role} {visited.url}: {element}"
                      for element in page.evaluate(INJECTED)]
        loaded[role] = len(html_pages)
        context.close()
    print(f"pages loaded in Chromium per role: {loaded}")  # noqa: T201

    assert found == []
    assert dialogs == []
    assert sum(loaded.values()) >= 250, loaded


def test_long_fuzzing_finds_no_5xx_no_markup_and_no_change_on_an_error(app):
    from ideation.extensions import limiter

    try:
        pages, problems, tally = crawl_and_fuzz(app, per_kind=3, examples=EXAMPLES)
    finally:
        limiter.enabled = True

    assert problems == []
    assert tally.failures == []
    assert not any(status >= 500 for status in tally.statuses)
    # It reached what the suite's short fuzzing reaches (on PostgreSQL it stands in for it).
    assert pages["anonymous"] >= 20 and pages["core_team"] >= 60, pages
    assert pages["link"] >= 1 and pages["admin"] >= 60, pages
    assert tally.targets >= 150, tally.targets
