"""The forms and query parameters of crawled pages, as targets for fuzzing.

A ``Target`` is one way to send data: a form (its method, action, encoding and fields with
the values the page filled in) or a link with a query string. Targets of the same kind
(endpoint, method, field names) are kept once per role.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from html.parser import HTMLParser
from urllib.parse import parse_qsl, urlsplit

from flask import Flask

from tests.crawl import HOST, Page, endpoint_of, links_of, same_site


@dataclass
class Target:
    method: str  # GET or POST
    url: str  # path (and query of the action, if any)
    multipart: bool
    fields: list[tuple[str, str]] = field(default_factory=list)  # name, value as on the page
    choices: dict[str, list[str]] = field(default_factory=dict)  # select/radio options

    def key(self, app: Flask) -> tuple[str, str, tuple[str, ...]]:
        return (self.method, kind_of(app, self.url), tuple(sorted({n for n, _v in self.fields})))


def kind_of(app: Flask, url: str) -> str:
    """The endpoint of ``url`` and the names of its query parameters."""
    parts = urlsplit(url)
    endpoint = endpoint_of(app.url_map.bind(HOST), parts.path) or "?"
    names = sorted({name for name, _value in parse_qsl(parts.query, keep_blank_values=True)})
    return f"{endpoint}?{'&'.join(names)}"


class _Forms(HTMLParser):
    def __init__(self, page_url: str) -> None:
        super().__init__()
        self.page_url = page_url
        self.targets: list[Target] = []
        self._form: Target | None = None
        self._select: str | None = None
        self._textarea: str | None = None
        self._text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {name: value or "" for name, value in attrs}
        if tag == "form":
            action = same_site(a.get("action") or self.page_url, self.page_url) or self.page_url
            self._form = Target((a.get("method") or "get").upper(), action,
                                "multipart" in a.get("enctype", ""))
            return
        form = self._form
        if form is None or "form" in a:  # fields bound to another form by id are rare here
            return
        name = a.get("name")
        if tag == "input" and name:
            kind = a.get("type", "text").lower()
            if kind in ("checkbox", "radio"):
                form.choices.setdefault(name, []).append(a.get("value", "on"))
                if "checked" in a or kind == "checkbox":
                    form.fields.append((name, a.get("value", "on")))
            elif kind == "file":
                form.fields.append((name, ""))
            elif kind not in ("submit", "image", "reset", "button"):
                form.fields.append((name, a.get("value", "")))
        elif tag == "button" and name:
            form.choices.setdefault(name, []).append(a.get("value", ""))
        elif tag == "select" and name:
            self._select = name
            form.choices[name] = []
        elif tag == "option" and self._select:
            form.choices[self._select].append(a.get("value", ""))
            if "selected" in a:
                form.fields.append((self._select, a.get("value", "")))
        elif tag == "textarea" and name:
            self._textarea, self._text = name, []

    def handle_data(self, data: str) -> None:
        if self._textarea:
            self._text.append(data)

    def handle_endtag(self, tag: str) -> None:
        if tag == "select":
            self._select = None
        elif tag == "textarea" and self._form and self._textarea:
            self._form.fields.append((self._textarea, "".join(self._text)))
            self._textarea = None
        elif tag == "form" and self._form is not None:
            for name, options in self._form.choices.items():
                if options and name not in {n for n, _v in self._form.fields}:
                    self._form.fields.append((name, options[0]))
            self.targets.append(self._form)
            self._form = None


def targets_of(app: Flask, pages: list[Page]) -> list[Target]:
    """The distinct forms and query-string links of ``pages``."""
    found: dict[tuple[str, str, tuple[str, ...]], Target] = {}
    for page in pages:
        if not page.html or page.status != 200:
            continue
        parser = _Forms(page.url)
        parser.feed(page.html)
        candidates = list(parser.targets)
        for href in links_of(page.html):
            local = same_site(href, page.url)
            if local and "?" in local:
                path, _sep, query = local.partition("?")
                candidates.append(Target("GET", path, False,
                                         parse_qsl(query, keep_blank_values=True)))
        for target in candidates:
            found.setdefault(target.key(app), target)
    return list(found.values())


def split_query(url: str) -> tuple[str, list[tuple[str, str]]]:
    parts = urlsplit(url)
    return parts.path, parse_qsl(parts.query, keep_blank_values=True)
