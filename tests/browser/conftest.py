"""A live server in a thread and headless Debian Chromium driven by Playwright, and what the
journeys share: opening the main menu, timing.

Journeys start with one ``page.goto`` of the home page (or of a link taken from a received
e-mail: ``mailbox.link_for`` of tests/mailbox.py, a real SMTP server) and then move only by
clicking visible links and buttons found by role and accessible name (``menu_link`` for the
main menu, which may sit behind a menu button on a phone). At most three ``.goto(`` per test
file.
"""

from __future__ import annotations

import os
import re
import threading
from collections.abc import Iterator

import pytest
from flask import Flask
from playwright.sync_api import Locator, Page, expect
from werkzeug.serving import make_server

CHROMIUM = os.environ.get("IDEATION_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]

pytestmark = pytest.mark.browser

# The suite runs on every core beside PostgreSQL and Chromium: an assertion on the page waits up
# to 15 s (Playwright's default is 5) before it counts as failed; a passing one does not wait.
expect.set_options(timeout=15_000)


def no_horizontal_scroll(page) -> bool:
    """The page fits the width of the window: nothing to scroll sideways (WCAG 1.4.10)."""
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


def menu_link(page: Page, name: str | re.Pattern[str]) -> Locator:
    """A link of the main menu; on a small screen the menu may first need its button."""
    nav = page.get_by_role("navigation", name=re.compile("^(Main menu|Hoofdmenu)$"))
    link = nav.get_by_role("link", name=name)
    if not link.is_visible():
        toggle = page.get_by_role("button", name=re.compile("^menu$", re.I))
        if toggle.count() and toggle.is_visible():
            toggle.click()
    return link


def menu_button(page: Page, name: str | re.Pattern[str]) -> Locator:
    """A button of the header (log out), opening the menu first when it is folded."""
    button = page.locator("header").get_by_role("button", name=name)
    if not button.is_visible():
        toggle = page.get_by_role("button", name=re.compile("^menu$", re.I))
        if toggle.count() and toggle.is_visible():
            toggle.click()
    return button


@pytest.fixture
def live_server(app: Flask) -> Iterator[str]:
    server = make_server("127.0.0.1", 0, app, threaded=True)
    url = f"http://127.0.0.1:{server.server_port}"
    # Links in e-mails point at this server, as they point at the site in production.
    app.config["IDEATION_BASE_URL"] = url
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield url
    finally:
        server.shutdown()
        thread.join(timeout=5)


@pytest.fixture(scope="session")
def browser():
    if not os.path.exists(CHROMIUM):
        pytest.skip(f"{CHROMIUM} is missing; `make test` installs Debian's chromium as root")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def page(browser):
    context = browser.new_context(locale="nl-NL")
    page = context.new_page()
    page.set_default_timeout(10_000)
    yield page
    context.close()


@pytest.fixture
def phone(browser):
    """A phone-sized page (390 x 844, touch), as citizens mostly use."""
    context = browser.new_context(locale="nl-NL", viewport={"width": 390, "height": 844},
                                  is_mobile=True, has_touch=True)
    page = context.new_page()
    page.set_default_timeout(10_000)
    yield page
    context.close()
