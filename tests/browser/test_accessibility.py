"""Accessibility in the browser, on the demo data: axe-core (vendored, WCAG 2.1 A and AA rules)
finds nothing, nothing scrolls sideways at 320 px, ids are unique and what people wrote is
marked with its language, on every page a visitor and the core team reach by clicking, at 320
and 1280 px, in Dutch and in English. The menu button works by keyboard and the menu without
JavaScript; a failed submit moves the focus to the error summary and says so in the title.

One browser context per role; the window is resized rather than a context opened per width.
The checks are plain functions (``problems_on``), so the link crawler's pages can be fed to
them as well."""

from __future__ import annotations

import json
import re
import time
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect
from sqlalchemy import String, Text, select

from ideation.demo import SLUG
from ideation.extensions import db
from tests.browser.axe import axe_violations
from tests.browser.conftest import no_horizontal_scroll

pytestmark = pytest.mark.browser

WIDTHS = (320, 1280)
TITLED = {("challenges", "title"), ("challenges", "question"), ("ideas", "title"),
          ("clusters", "name"), ("concepts", "title"), ("prototypes", "title"),
          ("rounds", "title"), ("questions", "text"), ("themes", "name")}

LANGUAGE_CHECK = """(args) => {
  const problems = [];
  const norm = s => s.replace(/\\s+/g, ' ').trim();
  const words = new Set((args.corpus.toLowerCase().match(/\\p{L}+/gu) || []));
  const pageLang = document.documentElement.lang;
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  while (walker.nextNode()) {
    const el = walker.currentNode.parentElement;
    if (!el || el.closest('script, style, template, noscript')) continue;
    const text = norm(walker.currentNode.textContent);
    if (!/\\p{L}/u.test(text)) continue;
    const lang = (el.closest('[lang]') || document.documentElement).lang;
    if (lang === args.contentLang) {
      if (pageLang === args.contentLang) continue;
      const foreign = (text.toLowerCase().match(/\\p{L}{3,}/gu) || []).filter(w => !words.has(w));
      if (foreign.length) problems.push('interface text marked ' + lang + ': ' + text.slice(0, 60));
    } else if (args.content.some(c => text.includes(c))) {
      problems.push('content not marked ' + args.contentLang + ': ' + text.slice(0, 60));
    }
  }
  const ids = [...document.querySelectorAll('[id]')].map(e => e.id);
  ids.filter((id, i) => ids.indexOf(id) !== i).forEach(id => problems.push('duplicate id ' + id));
  document.querySelectorAll('time[datetime]').forEach(t => {
    if (/\\.\\d/.test(t.getAttribute('datetime'))) problems.push('datetime with fractions');
  });
  return problems;
}"""
# The raw log of the team shows states as stored: codes and names side by side.
NO_LANGUAGE_CHECK = ("/manage/log",)


def written_content() -> dict:
    """Every text people wrote (for the language check) and the titles that must be marked."""
    corpus, titled = [], set()
    for table in db.metadata.sorted_tables:
        if table.name in ("users", "search_jobs", "mail_outbox"):
            continue
        for column in table.columns:
            if not isinstance(column.type, String | Text):
                continue
            for (value,) in db.session.execute(select(column)):
                if isinstance(value, str) and value.strip():
                    corpus.append(value)
                    if (table.name, column.name) in TITLED and len(value.strip()) >= 6:
                        titled.add(value.strip())
        for column in table.columns:
            if column.type.__class__.__name__ == "JSON":
                for (value,) in db.session.execute(select(column)):
                    if isinstance(value, list):
                        corpus.extend(item for item in value if isinstance(item, str))
    return {"corpus": "\n".join(corpus), "content": sorted(titled), "contentLang": "nl"}


def problems_on(page: Page, content: dict) -> list[str]:
    """What is wrong with the page in the window as it is now: axe's violations, sideways
    scrolling at a narrow width, duplicate ids, unmarked content, fractions in datetimes."""
    problems = [f"axe {violation}" for violation in axe_violations(page)]
    if page.viewport_size["width"] <= 400 and not no_horizontal_scroll(page):
        problems.append("scrolls sideways")
    if not any(part in page.url for part in NO_LANGUAGE_CHECK):
        problems += page.evaluate(LANGUAGE_CHECK, content)
    return problems


def check(page: Page, content: dict, report: dict[str, list[str]]) -> None:
    """Run the checks on the page at each width; the page is back at 1280 px afterwards."""
    for width in WIDTHS:
        page.set_viewport_size({"width": width, "height": 900})
        found = problems_on(page, content)
        if found:
            report[f"{page.url} at {width} px ({page.locator('html').get_attribute('lang')})"] \
                = found


@pytest.fixture
def demo(app, runner):
    result = runner.invoke(args=["demo"])
    assert result.exit_code == 0, result.output
    accounts = json.loads((Path(app.instance_path) / "demo-accounts.json").read_text())
    return accounts


def test_every_page_a_visitor_and_the_core_team_click_to_passes_axe_at_320_and_1280_px(
        app, live_server, browser, demo):
    content = written_content()
    report: dict[str, list[str]] = {}
    started = time.monotonic()
    # bypass_csp: axe is injected as a script of its own; the pages themselves allow none.
    context = browser.new_context(locale="nl-NL", bypass_csp=True,
                                  viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.set_default_timeout(15_000)
    visited = 0

    def visit(link_name: str | re.Pattern | None = None, *, exact: bool = False) -> None:
        nonlocal visited
        if link_name is not None:
            # A click only starts the navigation: axe must see the new page, fully loaded.
            with page.expect_navigation(wait_until="load"):
                page.get_by_role("link", name=link_name, exact=exact).first.click()
        check(page, content, report)
        visited += 1

    page.goto(f"{live_server}/")
    for language in ("Nederlands", "English"):
        visit("ideation", exact=True)  # the start page, by the name in the header
        visit("Samen ouder blijven")
        visit("Bekijk alle ideeën" if language == "Nederlands" else "See all ideas")
        page.locator(".idea-card h2 a").first.click()
        visit()
        page.go_back()
        page.go_back()
        visit("Bekijk alles wat er gebeurde" if language == "Nederlands"
              else "See everything that happened")
        visit("Toegankelijkheidsverklaring" if language == "Nederlands"
              else "Accessibility statement")
        if language == "Nederlands":
            page.get_by_role("button", name="English").click()
    # The core team, in English, through the tools of the second challenge.
    page.get_by_role("link", name="Log in").click()
    page.get_by_label("E-mail address").fill("kernteam@example.org")
    page.get_by_label("Password").fill(demo["kernteam@example.org"])
    page.get_by_role("button", name="Log in").click()
    visit("Core team: Samen ouder blijven", exact=True)  # the workspace, from the menu
    page.get_by_role("link", name="ideation", exact=True).click()
    visit("Samen ouder blijven", exact=True)
    for name in ("Set up this challenge", "Log"):
        visit(name, exact=True)
    page.go_back()
    page.go_back()
    visit("Board", exact=True)
    # The second tab stop skips the toolbar: the first idea is the third (it was the 23rd).
    page.keyboard.press("Tab")
    page.keyboard.press("Tab")
    expect(page.get_by_role("link", name="Skip to the ideas")).to_be_focused()
    page.keyboard.press("Enter")
    page.keyboard.press("Tab")
    expect(page.locator("#board-source input[type=checkbox]").first).to_be_focused()
    page.go_back()  # from #board-source
    page.go_back()
    visit("Samen plannen: het online ouderschapsplan")
    visit("Validation rounds", exact=True)
    visit(re.compile(r"^Toetsronde 1"))
    for name in ("Results", "Compare groups", "Compare rounds"):
        visit(name, exact=True)
    report_elapsed = time.monotonic() - started
    context.close()

    print(f"\naccessibility: {visited} page views, each at {len(WIDTHS)} widths, "
          f"in {report_elapsed:.1f} s")
    assert report == {}, json.dumps(report, indent=1, ensure_ascii=False)


def test_the_menu_button_works_by_keyboard_and_the_menu_without_javascript(
        app, live_server, browser):
    from tests.factories import make_challenge

    make_challenge(slug=SLUG)
    phone = browser.new_context(locale="nl-NL", viewport={"width": 320, "height": 640})
    page = phone.new_page()
    page.goto(f"{live_server}/")
    login = page.get_by_role("link", name="Inloggen")
    expect(login).to_be_hidden()
    button = page.get_by_role("button", name="Menu")
    button.focus()
    page.keyboard.press("Enter")
    expect(button).to_have_attribute("aria-expanded", "true")
    expect(login).to_be_visible()
    assert no_horizontal_scroll(page)
    login.focus()
    page.keyboard.press("Escape")
    expect(login).to_be_hidden()
    expect(button).to_be_focused()

    # A failed submit: the focus is on the error summary and the title says "Fout".
    button.click()
    page.get_by_role("link", name="Registreren").click()
    page.get_by_role("button", name="Maak mijn account").click()
    expect(page.locator(".error-summary")).to_be_focused()
    assert page.title().startswith("Fout: ")
    phone.close()

    without_js = browser.new_context(locale="nl-NL", viewport={"width": 320, "height": 640},
                                     java_script_enabled=False)
    page = without_js.new_page()
    page.goto(f"{live_server}/")
    expect(page.get_by_role("link", name="Inloggen")).to_be_visible()
    expect(page.get_by_role("button", name="Menu")).to_be_hidden()
    without_js.close()
