"""Languages: Dutch by default, the browser's choice, a remembered switch, complete catalogues."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.pofile import read_po

from ideation import ROOT
from ideation.accounts.models import User
from ideation.extensions import db
from tests.factories import make_challenge, make_user

TRANSLATIONS = ROOT / "ideation" / "translations"
PLACEHOLDER = re.compile(r"%\(\w+\)[a-z]")


def html_lang(response) -> str:
    return re.search(r'<html lang="(\w+)">', response.get_data(as_text=True)).group(1)


# Choosing the language


def test_pages_are_in_dutch_by_default(client, app):
    response = client.get("/")
    page = response.get_data(as_text=True)

    assert html_lang(response) == "nl"
    assert "Uitdagingen" in page
    assert "Inloggen" in page
    assert "Naar de inhoud" in page


def test_browser_asking_for_english_gets_english(client, app):
    response = client.get("/", headers={"Accept-Language": "en-US,en;q=0.9"})
    page = response.get_data(as_text=True)

    assert html_lang(response) == "en"
    assert "Challenges" in page
    assert "Log in" in page


@pytest.mark.parametrize(
    "accept, expected",
    [
        ("de-DE,de;q=0.9,en;q=0.5", "en"),  # the best language we have
        ("fr, de", "nl"),  # nothing we have: the default
        ("nl-BE", "nl"),
    ],
)
def test_browser_preferences_fall_back_sensibly(client, app, accept, expected):
    assert html_lang(client.get("/", headers={"Accept-Language": accept})) == expected


def test_switching_language_is_remembered_and_returns_to_the_page(client, app):
    challenge = make_challenge()

    response = client.post_form("/language", {"language": "en", "next": f"/c/{challenge.slug}"})

    assert response.status_code == 302
    assert response.location == f"/c/{challenge.slug}"
    cookie = next(c for c in response.headers.getlist("Set-Cookie") if c.startswith("lang="))
    assert cookie.startswith("lang=en;")
    assert "HttpOnly" in cookie
    assert "SameSite=Lax" in cookie
    assert "Max-Age=31536000" in cookie
    assert html_lang(client.get(f"/c/{challenge.slug}")) == "en"


def test_switched_language_beats_the_browser_language(client, app):
    client.post_form("/language", {"language": "nl", "next": "/"})
    assert html_lang(client.get("/", headers={"Accept-Language": "en"})) == "nl"


@pytest.mark.parametrize("target", ["https://evil.example", "//evil.example/", "/\\evil"])
def test_switching_language_never_redirects_to_another_site(client, app, target):
    response = client.post_form("/language", {"language": "en", "next": target})
    assert response.location == "/"


def test_switching_to_an_unknown_language_changes_nothing(client, app):
    response = client.post_form("/language", {"language": "fr", "next": "/"})

    assert response.status_code == 302
    assert not any(c.startswith("lang=") for c in response.headers.getlist("Set-Cookie"))
    assert html_lang(client.get("/")) == "nl"


def test_switching_language_needs_the_csrf_token(client, app):
    response = client.post("/language", data={"language": "en", "next": "/"})

    assert response.status_code == 400
    assert client.get_cookie("lang") is None


def test_switching_language_when_logged_in_stores_it_on_the_account(client, app):
    user = make_user()
    client.login(user)

    client.post_form("/language", {"language": "en", "next": "/"})

    assert db.session.get(User, user.id).locale == "en"


def test_account_language_is_used_on_a_new_device(client, app):
    user = make_user()
    user.locale = "en"
    db.session.commit()

    client.login(user)

    assert html_lang(client.get("/account")) == "en"


def test_dates_follow_the_language(client, app):
    challenge = make_challenge()
    ends_on = challenge.phases[0].ends_on

    dutch = client.get(f"/c/{challenge.slug}").get_data(as_text=True)
    english = client.get(f"/c/{challenge.slug}", headers={"Accept-Language": "en"}).get_data(
        as_text=True
    )

    dutch_months = [
        "januari",
        "februari",
        "maart",
        "april",
        "mei",
        "juni",
        "juli",
        "augustus",
        "september",
        "oktober",
        "november",
        "december",
    ]
    assert f"tot en met {ends_on.day} {dutch_months[ends_on.month - 1]} {ends_on.year}" in dutch
    assert f"until {ends_on.strftime('%B')} {ends_on.day}, {ends_on.year}" in english


# The catalogues


def extracted_messages() -> dict[str | tuple[str, ...], str]:
    """Every translatable string in ideation/ and templates/, with where it was found."""
    with (TRANSLATIONS / "babel.cfg").open() as cfg:
        method_map, options_map = parse_mapping_cfg(cfg)
    keywords = {**DEFAULT_KEYWORDS, "_l": None, "lazy_gettext": None}
    found = {}
    # Babel skips folders starting with "_" by default; templates/_macros must be included.
    for filename, lineno, message, _comments, _context in extract_from_dir(
        ROOT,
        method_map,
        options_map,
        keywords=keywords,
        directory_filter=lambda path: not Path(path).name.startswith("."),
    ):
        found.setdefault(message, f"{filename}:{lineno}")
    return found


@pytest.fixture(scope="module")
def messages():
    found = extracted_messages()
    assert len(found) > 100  # the extraction itself worked
    return found


def read_catalog(language: str):
    with (TRANSLATIONS / language / "LC_MESSAGES" / "messages.po").open("rb") as po:
        return read_po(po)


def test_extraction_includes_the_form_macros(messages):
    assert "Please check the form" in messages  # only in templates/_macros/forms.html


@pytest.mark.parametrize("language", ["nl", "en"])
def test_every_message_is_in_the_catalogue(messages, language):
    catalog = read_catalog(language)
    missing = {
        where: msgid
        for msgid, where in messages.items()
        if catalog.get(msgid[0] if isinstance(msgid, tuple) else msgid) is None
    }
    assert missing == {}


def test_every_dutch_message_is_translated(messages):
    catalog = read_catalog("nl")
    untranslated = []
    for msgid in messages:
        entry = catalog.get(msgid[0] if isinstance(msgid, tuple) else msgid)
        if entry is None:
            continue  # reported by test_every_message_is_in_the_catalogue
        strings = entry.string if isinstance(entry.string, tuple) else (entry.string,)
        if not all(strings):
            untranslated.append(msgid)
    assert untranslated == []


@pytest.mark.parametrize("language", ["nl", "en"])
def test_no_translation_is_fuzzy(language):
    fuzzy = [message.id for message in read_catalog(language) if message.id and message.fuzzy]
    assert fuzzy == []


@pytest.mark.parametrize("language", ["nl", "en"])
def test_translations_keep_the_placeholders(language):
    broken = []
    for message in read_catalog(language):
        if not message.id:
            continue
        ids = message.id if isinstance(message.id, tuple) else (message.id,)
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        wanted = set(PLACEHOLDER.findall(ids[-1]))
        broken += [
            (ids[0], text) for text in strings if text and set(PLACEHOLDER.findall(text)) != wanted
        ]
    assert broken == []
