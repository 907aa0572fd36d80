"""Accessibility of the page frame, checked in the HTML: the menu, the error state of a page,
focusable table boxes, unique ids and the accessibility statement (WCAG 2.1 AA).

The browser test (tests/browser/test_accessibility.py) runs axe-core on every page; these
tests pin the behaviour axe cannot see."""

from __future__ import annotations

import re
from html.parser import HTMLParser

import pytest

from tests.factories import make_challenge

VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source",
        "track", "wbr"}


class Page(HTMLParser):
    """The title and every element's attributes in order; ``_lang`` is the language an element
    is in (its own ``lang`` or the nearest one around it)."""

    def __init__(self) -> None:
        super().__init__()
        self.elements: list[tuple[str, dict[str, str | None]]] = []
        self.title = ""
        self._in_title = False
        self._langs: list[tuple[str, str | None]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        inherited = self._langs[-1][1] if self._langs else None
        values["_lang"] = values.get("lang") or inherited
        self.elements.append((tag, values))
        if tag not in VOID:
            self._langs.append((tag, values["_lang"]))
        self._in_title = tag == "title"

    def handle_endtag(self, tag: str) -> None:
        self._in_title = False
        # Pop up to the matching element (HTML lets some end tags be left out).
        for index in range(len(self._langs) - 1, -1, -1):
            if self._langs[index][0] == tag:
                del self._langs[index:]
                break

    def handle_data(self, data: str) -> None:
        if self._in_title:
            self.title += data

    def find(self, tag: str | None = None, **attrs: str) -> list[dict[str, str | None]]:
        return [values for name, values in self.elements
                if (tag is None or name == tag)
                and all(values.get(key.rstrip("_")) == value for key, value in attrs.items())]

    def ids(self) -> list[str]:
        return [values["id"] for _tag, values in self.elements if values.get("id")]


def parse(response) -> Page:
    page = Page()
    page.feed(response.get_data(as_text=True))
    return page


@pytest.mark.parametrize(("language", "prefix"), [("nl", "Fout: "), ("en", "Error: ")])
def test_a_failed_submit_says_error_in_the_title_and_focuses_the_error_summary(
        client, language, prefix):
    client.set_cookie("lang", language)
    response = client.post_form("/register", {"name": "", "email": "no address"})
    page = parse(response)

    assert page.title.startswith(prefix)
    summary = page.find(class_="error-summary")
    assert len(summary) == 1
    assert "autofocus" in summary[0] and summary[0]["tabindex"] == "-1"


def test_a_page_without_errors_has_a_plain_title_and_nothing_that_takes_the_focus(client):
    page = parse(client.get("/register"))

    assert not page.title.startswith("Fout")
    assert not [values for _tag, values in page.elements if "autofocus" in values]


def test_a_refused_action_shown_as_an_error_message_also_takes_the_focus(client, app):
    with client.session_transaction() as session:
        session["_flashes"] = [("error", "Dat kan nu niet.")]
    page = parse(client.get("/"))

    assert page.title.startswith("Fout: ")
    assert "autofocus" in page.find(class_="flashes")[0]


def test_the_menu_sits_behind_one_button_that_controls_it(client):
    page = parse(client.get("/"))

    button = page.find("button", id="menu-button")[0]
    assert button["aria-controls"] == "site-menu" and button["aria-expanded"] == "false"
    # Hidden until static/js/menu.js runs: without JavaScript the menu stays unfolded.
    assert "hidden" in button
    assert page.find(id="site-menu") and page.find("script", src="/static/js/menu.js")


def test_no_two_elements_of_a_page_share_an_id_even_with_several_forms(client, app):
    from tests.factories import make_user

    challenge = make_challenge(slug="open-vraag")
    admin = make_user(email="admin@example.org")
    admin.is_admin = True
    from ideation.extensions import db

    db.session.commit()
    client.login(admin)
    for url in ("/", f"/c/{challenge.slug}/manage", f"/c/{challenge.slug}"):
        ids = parse(client.get(url)).ids()
        assert len(ids) == len(set(ids)), (url, sorted(i for i in ids if ids.count(i) > 1))


def test_the_theme_description_on_the_set_up_page_has_its_own_label(client, app):
    from ideation.extensions import db
    from tests.factories import make_user

    challenge = make_challenge(slug="open-vraag")
    admin = make_user(email="admin@example.org")
    admin.is_admin = True
    db.session.commit()
    client.login(admin)
    page = parse(client.get(f"/c/{challenge.slug}/manage"))

    for textarea in page.find("textarea"):
        labels = page.find("label", for_=textarea["id"])
        assert len(labels) == 1, textarea["id"]


@pytest.mark.parametrize(("language", "heading"), [
    ("nl", "Toegankelijkheidsverklaring"), ("en", "Accessibility statement")])
def test_the_accessibility_statement_is_linked_from_every_page_in_both_languages(
        client, language, heading):
    client.set_cookie("lang", language)
    footer_link = [a for a in parse(client.get("/")).find("a")
                   if a.get("href") == "/accessibility"]
    assert footer_link

    response = client.get("/accessibility")
    text = response.get_data(as_text=True)
    assert response.status_code == 200 and f"<h1>{heading}</h1>" in text
    assert "WCAG 2.1" in text and "EN 301 549" in text


def test_the_accessibility_statement_gives_the_configured_contact_address(client, app):
    app.config["IDEATION_ACCESSIBILITY_CONTACT"] = "toegankelijkheid@gemeente.example"
    page = parse(client.get("/accessibility"))

    assert page.find("a", href="mailto:toegankelijkheid@gemeente.example")


def test_no_template_gives_the_csrf_token_an_id():
    """Several forms on one page each carry a token; ``{{ form.csrf_token }}`` would give every
    one the id "csrf_token". Write ``{{ form.csrf_token(id=False) }}``."""

    from ideation import ROOT

    offenders = [str(path.relative_to(ROOT)) for path in (ROOT / "templates").rglob("*.html")
                 if ".csrf_token }}" in path.read_text(encoding="utf-8")]
    assert offenders == []


def test_in_english_dutch_content_is_marked_and_english_headings_stay_out_of_it(client, app):
    challenge = make_challenge(slug="open-vraag")
    client.set_cookie("lang", "en")
    page = parse(client.get(f"/c/{challenge.slug}"))

    assert page.find("h1", lang="nl") and page.find("p", class_="question", lang="nl")
    about = page.find("h2", id="about-heading")[0]
    assert about["_lang"] == "en"  # the heading is ours; the description below it is theirs
    headings = [values for tag, values in page.elements if tag in ("h1", "h2", "h3")]
    assert [h["id"] for h in headings if h["_lang"] == "nl" and h.get("id")] == []


def test_time_elements_give_their_moment_to_the_second(client, app):
    from tests.ideas.conftest import make_idea, quick_user

    challenge = make_challenge(slug="open-vraag")
    idea = make_idea(quick_user(), challenge)
    page = parse(client.get(f"/c/{challenge.slug}/ideas/{idea.id}"))

    moments = [values["datetime"] for values in page.find("time")]
    assert moments
    for moment in moments:
        assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+00:00", moment), moment


def test_gallery_cards_have_a_description_line_and_the_filters_fold_until_used(client, app):
    from tests.ideas.conftest import make_idea, quick_user

    challenge = make_challenge(slug="open-vraag")
    make_idea(quick_user(), challenge, description="Een loket waar ouders alles vinden.")
    page = parse(client.get(f"/c/{challenge.slug}/ideas"))
    assert page.find("p", class_="idea-summary", lang="nl")
    assert "open" not in page.find("details", class_="filter-more")[0]

    theme = challenge.themes[0].id
    filtered = parse(client.get(f"/c/{challenge.slug}/ideas?theme={theme}"))
    assert "open" in filtered.find("details", class_="filter-more")[0]
    options = filtered.find("option", value=str(theme))
    assert options[0]["lang"] == "nl"
