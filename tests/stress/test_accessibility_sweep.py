"""Every kind of page each person reaches passes the accessibility checks in Chromium.

The browser journey in ``tests/browser/test_accessibility.py`` clicks through the main pages;
this sweep loads one page of every route each person's link crawl reached (the session
fixture ``demo_crawls``), in Dutch and in English, at 320 and 1280 px, and runs the same
checks on it (``problems_on``: axe-core's WCAG 2.1 A and AA rules, no sideways scrolling on a
phone, written content marked as Dutch in the English interface, ...).

Not a journey (those click what a person sees): a sweep over pages loaded by their address.
"""

from __future__ import annotations

import json

import pytest

from tests.browser.test_accessibility import WIDTHS, problems_on, written_content
from tests.crawl import CRAWL_ROLES

pytestmark = pytest.mark.stress

LOCALES = {"nl": "nl-NL", "en": "en-GB"}


def one_page_per_route(crawl) -> list[str]:
    """The first page the crawl found of each route (the crawl is breadth first)."""
    first: dict[str, str] = {}
    for page in crawl.pages:
        if (page.status == 200 and page.content_type.startswith("text/html")
                and page.endpoint and page.endpoint not in first):
            first[page.endpoint] = page.url
    return list(first.values())


def open_as(context, base: str, role: str, demo_site) -> object:
    """A page of ``context`` logged in as ``role`` (or holding the personal link)."""
    from tests.demo_site import ACCOUNTS

    page = context.new_page()
    page.set_default_timeout(20_000)
    if role == "stakeholder_link":
        page.goto(base + demo_site.stakeholder_link, wait_until="load")
    elif role in ACCOUNTS:
        page.goto(base + "/login", wait_until="load")
        page.locator("input[name=email]").fill(ACCOUNTS[role])
        page.locator("input[name=password]").fill(demo_site.passwords[role])
        page.locator("form button[type=submit]").last.click()
        page.wait_for_load_state("load")
    return page


@pytest.mark.parametrize("language", sorted(LOCALES))
def test_every_kind_of_page_passes_the_checks_for_every_person(demo_site, demo_crawls,
                                                               browser, language):
    with demo_site.app.app_context():
        content = written_content()
    report: dict[str, list[str]] = {}
    checked = 0
    with demo_site.serve() as base:
        for role in CRAWL_ROLES:
            context = browser.new_context(locale=LOCALES[language], bypass_csp=True)
            context.set_extra_http_headers({"Accept-Language": LOCALES[language]})
            page = open_as(context, base, role, demo_site)
            for url in one_page_per_route(demo_crawls[role]):
                if "logout" in url:
                    continue
                page.goto(base + url, wait_until="load")
                assert page.locator("html").get_attribute("lang") == language, url
                for width in WIDTHS:
                    page.set_viewport_size({"width": width, "height": 900})
                    found = problems_on(page, content)
                    if found:
                        report[f"{role} {url} at {width} px"] = found
                checked += 1
            context.close()
    print(f"\naccessibility sweep ({language}): {checked} pages, each at {len(WIDTHS)} widths")

    assert checked >= 100
    assert report == {}, json.dumps(report, indent=1, ensure_ascii=False)
