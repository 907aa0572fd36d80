"""Language choice: a remembered switch, then the browser's Accept-Language, then Dutch."""

from __future__ import annotations

import re
from datetime import date, datetime
from typing import Any

from flask import Flask, current_app, has_request_context, request
from flask_babel import LazyString, format_date, format_datetime, get_locale, gettext
from flask_login import current_user
from markupsafe import Markup, escape
from wtforms.fields.choices import SelectChoice

from ideation.config import SUPPORTED_LANGUAGES

LANGUAGE_COOKIE = "lang"
LANGUAGE_NAMES = {"nl": "Nederlands", "en": "English"}


class LazyText(LazyString):
    """A translation looked up when it is used (labels, choices defined at import time).

    As HTML it is text: Flask-Babel's ``LazyString.__html__`` returns the string as it is, so
    WTForms and Jinja trusted it as markup, and a label formatted with user text (a criterion
    named ``<svg onload=...>``) put live elements on the page. The translation itself never
    needs markup, so the whole string is escaped.
    """

    def __html__(self) -> str:
        return str(escape(str(self)))


def lazy_gettext(string: str, **variables: Any) -> LazyText:
    """The project's ``_l``: like Flask-Babel's ``lazy_gettext``, but always text in HTML."""
    return LazyText(gettext, string, **variables)


def select_locale() -> str:
    """Flask-Babel's locale selector; order: cookie, account, Accept-Language, default."""
    if not has_request_context():  # the CLI and other work outside a request
        return current_app.config["BABEL_DEFAULT_LOCALE"]
    chosen = request.cookies.get(LANGUAGE_COOKIE)
    if chosen in SUPPORTED_LANGUAGES:
        return chosen
    if current_user and current_user.is_authenticated and current_user.locale:
        return current_user.locale
    best = request.accept_languages.best_match(SUPPORTED_LANGUAGES)
    return best or current_app.config["BABEL_DEFAULT_LOCALE"]


def select_timezone() -> str:
    return current_app.config["IDEATION_TIMEZONE"]


def current_language() -> str:
    return str(get_locale() or current_app.config["BABEL_DEFAULT_LOCALE"])


def local_date(value: date | None, fmt: str = "long") -> str:
    return "" if value is None else format_date(value, fmt)


def local_datetime(value: datetime | None, fmt: str = "medium") -> str:
    return "" if value is None else format_datetime(value, fmt)


def in_language(value: object, challenge: Any) -> Markup:
    """``value``, written by people in the language of ``challenge`` (or a language code),
    in a span that says so: inside the English interface a Dutch title is read out as Dutch
    (WCAG 3.1.2). Escapes ``value``; safe inside a translated template string."""
    language = getattr(getattr(challenge, "language", None), "value", challenge)
    return Markup('<span lang="{}">{}</span>').format(language, value)


_QUOTED = re.compile("“([^”<>]*)”")


def quotes_in_language(text: str, challenge: Any) -> Markup:
    """A sentence of ours that quotes what people wrote between “ and ” (a question, an
    option, a group): the quotes get the challenge's language. Escapes ``text`` first."""
    language = getattr(getattr(challenge, "language", None), "value", challenge)
    return Markup(_QUOTED.sub(  # noqa: S704 - the text is escaped; the language is a code
        lambda quote: f'“<span lang="{language}">{quote.group(1)}</span>”', str(escape(text))))


def content_choice(value: object, label: str, challenge: Any) -> SelectChoice:
    """An option of a select or radio group whose label people wrote in the challenge's
    language (a theme, a cluster, a round): the option says its language."""
    return SelectChoice(value, label, render_kw={"lang": challenge.language.value})


def machine_datetime(value: datetime) -> str:
    """For ``<time datetime="...">``: to the second, with its offset (never microseconds)."""
    return value.isoformat(timespec="seconds")


def init_app(app: Flask) -> None:
    app.jinja_env.filters["date"] = local_date
    app.jinja_env.filters["datetime"] = local_datetime
    app.jinja_env.filters["in_language"] = in_language
    app.jinja_env.filters["quotes_in_language"] = quotes_in_language
    app.jinja_env.filters["machine_datetime"] = machine_datetime
    app.jinja_env.globals["current_language"] = current_language
    app.jinja_env.globals["LANGUAGE_NAMES"] = LANGUAGE_NAMES
