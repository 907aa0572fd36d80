"""A crawler at request level: start where a person starts (the home page, or the personal link
from an e-mail) and follow every same-site link, breadth first, with Flask's test client.

It follows ``<a href>`` links, the default target of GET forms (a filter or search form sent
as it comes) and redirects, and requests every ``<img src>`` once to see it answers. To stay
fast it requests at most ``per_pattern`` URLs per route, set of query parameters and route
of the page that links there: three idea pages found in the gallery, three found on "Mijn
ideeën" (the person's own), three found in the moderation queue (hidden or waiting ones), three
gallery pages with a ``theme`` filter, and so on.

What it returns (``Crawl``) is meant to be reused: ``pages`` lists every URL requested with
its answer and the page that linked to it, and ``checks`` lets a test look at every page while
it is crawled (a function of the page and the response that returns the problems it sees).
``html_pages`` gives the (role, URL) pairs of the pages crawled, for checks in a browser: the
session fixture ``demo_crawls`` holds the crawls of the demo, ``DemoSite.serve()`` serves the
demo to a browser and ``DemoSite.passwords`` logs it in as each role.
"""

from __future__ import annotations

from collections import Counter, deque
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from html.parser import HTMLParser
from urllib.parse import parse_qsl, urlencode, urljoin, urlsplit

from flask import Flask
from flask.testing import FlaskClient
from werkzeug.exceptions import MethodNotAllowed, NotFound
from werkzeug.routing import MapAdapter, RequestRedirect
from werkzeug.test import TestResponse

from tests.demo_site import DemoSite
from tests.permissions import outcome

HOST = "localhost"


def answer(client: FlaskClient, method: str, url: str, **kwargs: object) -> int | str:
    """The answer as the matrices write it (a status, LOGIN or DONE), or "500 <error>" when
    the view raised (the test app lets exceptions through instead of answering 500)."""
    try:
        response = client.open(url, method=method, **kwargs)
    except Exception as error:  # noqa: BLE001 - any error is the finding
        return f"500 {type(error).__name__}: {error}"
    return outcome(response)


@dataclass
class Page:
    url: str  # path and query
    endpoint: str | None  # None: no route matches
    status: int | str  # the status, or "500 <error>" when the view raised
    found_on: str | None  # the page that links here; None for a start page
    kind: str  # "start", "link", "form", "redirect" or "image"
    content_type: str = ""
    location: str = ""  # where a redirect goes
    html: str | None = None  # the page's HTML, kept when the crawler is asked to

    @property
    def is_broken(self) -> bool:
        return isinstance(self.status, str) or self.status == 404 or self.status >= 500


PageCheck = Callable[[Page, TestResponse], Iterable[str]]


@dataclass
class Crawl:
    role: str
    pages: list[Page] = field(default_factory=list)
    links_seen: int = 0  # same-site links and GET forms on the pages crawled, repeats included
    capped: int = 0  # distinct URLs left out because their pattern had been requested enough
    problems: list[str] = field(default_factory=list)  # what the page checks reported

    def reached(self) -> set[str]:
        """The endpoints answered with a page (or an image) by following links."""
        return {p.endpoint for p in self.pages
                if p.endpoint and isinstance(p.status, int) and p.status == 200}

    def broken(self) -> list[Page]:
        return [p for p in self.pages if p.is_broken]

    def html_pages(self) -> list[str]:
        return [p.url for p in self.pages
                if p.status == 200 and p.content_type.startswith("text/html")]


class _Links(HTMLParser):
    """The targets on a page: link hrefs, GET forms with their default values, image srcs."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.links: list[str] = []
        self.forms: list[str] = []
        self.images: list[str] = []
        self._form: tuple[str, list[tuple[str, str]]] | None = None
        self._select: tuple[str, str | None] | None = None  # name, first or selected value
        self._textarea: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {name: value or "" for name, value in attrs}
        if tag == "a" and a.get("href"):
            self.links.append(a["href"])
        elif tag == "img" and a.get("src"):
            self.images.append(a["src"])
        elif tag == "form" and a.get("method", "get").lower() == "get":
            self._form = (a.get("action", ""), [])
        elif self._form is not None and a.get("name") and "disabled" not in a:
            self._form_field(tag, a)

    def _form_field(self, tag: str, a: dict[str, str]) -> None:
        assert self._form is not None
        fields = self._form[1]
        if tag == "input":
            kind = a.get("type", "text").lower()
            if kind in ("checkbox", "radio") and "checked" not in a:
                return
            if kind not in ("submit", "button", "image", "reset", "file"):
                fields.append((a["name"], a.get("value", "")))
        elif tag == "select":
            self._select = (a["name"], None)
        elif tag == "textarea":
            self._textarea = a["name"]
        elif tag == "option" and self._select is not None:
            name, chosen = self._select
            if chosen is None or "selected" in a:
                self._select = (name, a.get("value", ""))

    def handle_data(self, data: str) -> None:
        if self._textarea is not None and self._form is not None:
            self._form[1].append((self._textarea, data))
            self._textarea = None

    def handle_endtag(self, tag: str) -> None:
        if tag == "select" and self._select is not None and self._form is not None:
            name, value = self._select
            if value is not None:
                self._form[1].append((name, value))
            self._select = None
        elif tag == "textarea" and self._textarea is not None and self._form is not None:
            self._form[1].append((self._textarea, ""))
            self._textarea = None
        elif tag == "form" and self._form is not None:
            action, fields = self._form
            query = urlencode([(k, v) for k, v in fields if v])
            self.forms.append(f"{action.split('?')[0]}?{query}" if query else action)
            self._form = None


def links_of(html: str) -> list[str]:
    """The ``<a href>`` targets of a page, as written."""
    targets = _Links()
    targets.feed(html)
    return targets.links


def same_site(href: str, base: str) -> str | None:
    """``href`` (found on the page ``base``) as a path and query on this site, or None
    (another site, mailto:, ...)."""
    parts = urlsplit(urljoin(f"http://{HOST}{base}", href.strip()))
    if parts.scheme not in ("http", "https") or parts.netloc != HOST:
        return None
    return parts.path + (f"?{parts.query}" if parts.query else "")


def endpoint_of(adapter: MapAdapter, path: str) -> str | None:
    """The endpoint a GET of ``path`` reaches; None when no page answers there."""
    try:
        return adapter.match(path, method="GET")[0]
    except (NotFound, MethodNotAllowed, RequestRedirect):  # no page, or a slash redirect
        return None


class Crawler:
    """One crawl as one person: ``Crawler(app, client, role).run(start_urls)``.

    ``must_visit`` URLs are requested however often their pattern was (the edge cases a test
    planted); ``keep_html`` keeps every HTML page's text on its ``Page`` (for fuzzing the
    forms found on them)."""

    def __init__(self, app: Flask, client: FlaskClient, role: str, *, per_pattern: int = 3,
                 checks: Sequence[PageCheck] = (), must_visit: Iterable[str] = (),
                 keep_html: bool = False) -> None:
        self.client, self.per_pattern, self.checks = client, per_pattern, checks
        self.must_visit, self.keep_html = set(must_visit), keep_html
        self.adapter = app.url_map.bind(HOST)
        self.result = Crawl(role)
        self._seen: set[str] = set()
        self._per_pattern: Counter[tuple[str | None, tuple[str, ...], str | None]] = Counter()
        self._queue: deque[tuple[str, str | None, str]] = deque()

    def run(self, start: Iterable[str]) -> Crawl:
        for url in start:
            self._enqueue(url, None, "start")
        while self._queue:
            self._visit(*self._queue.popleft())
        return self.result

    def endpoint(self, path: str) -> str | None:
        return endpoint_of(self.adapter, path)

    def _enqueue(self, url: str, found_on: str | None, kind: str) -> None:
        if url in self._seen:
            return
        parts = urlsplit(url)
        pattern = (self.endpoint(parts.path),
                   tuple(sorted({key for key, _v in parse_qsl(parts.query)})),
                   self.endpoint(urlsplit(found_on).path) if found_on else None)
        capped = kind != "start" and url.split("#")[0] not in self.must_visit
        if capped and self._per_pattern[pattern] >= self.per_pattern:
            self.result.capped += 1
            self._seen.add(url)
            return
        self._per_pattern[pattern] += 1
        self._seen.add(url)
        self._queue.append((url, found_on, kind))

    def _visit(self, url: str, found_on: str | None, kind: str) -> None:
        page = Page(url, self.endpoint(urlsplit(url).path), 0, found_on, kind)
        try:
            response = self.client.get(url)
        except Exception as error:  # noqa: BLE001 - any error is the finding
            page.status = f"500 {type(error).__name__}: {error}"
            self.result.pages.append(page)
            return
        page.status, page.content_type = response.status_code, response.content_type or ""
        page.location = response.location or ""
        self.result.pages.append(page)
        for check in self.checks:
            self.result.problems.extend(f"{self.result.role} {url}: {problem}"
                                        for problem in check(page, response))
        if response.status_code in (301, 302, 303, 307, 308):
            target = same_site(response.location or "", url)
            if target is not None:
                self._enqueue(target, url, "redirect")
            return
        if kind == "image" or not page.content_type.startswith("text/html"):
            return
        html = response.get_data(as_text=True)
        if self.keep_html:
            page.html = html
        targets = _Links()
        targets.feed(html)
        for hrefs, how in ((targets.links, "link"), (targets.forms, "form"),
                           (targets.images, "image")):
            for href in hrefs:
                target = same_site(href, url)
                if target is None:
                    continue
                self.result.links_seen += how != "image"
                self._enqueue(target, url, how)


# --- checks of every page ----------------------------------------------------------------------


def states_its_language(page: Page, response: TestResponse) -> list[str]:
    """A page says which language it is in, the one the person chose (WCAG 3.1.1)."""
    if page.status != 200 or not page.content_type.startswith("text/html"):
        return []
    wanted = response.request.cookies.get("lang", "nl")
    start = response.get_data(as_text=True)[:300]
    return [] if f'<html lang="{wanted}"' in start else [f'no <html lang="{wanted}">']


# The checks every crawl of the demo runs; add request-level checks of every page here.
PAGE_CHECKS: tuple[PageCheck, ...] = (states_its_language,)


# --- the demo, as each person ------------------------------------------------------------------

# "stakeholder_link" has no account: the crawl starts at the personal link from the e-mail.
CRAWL_ROLES = ("anonymous", "citizen", "stakeholder_link", "stakeholder", "core_team", "admin")


def crawl_demo(site: DemoSite, role: str, *, language: str = "nl",
               checks: Sequence[PageCheck] = PAGE_CHECKS) -> Crawl:
    """Crawl the demo as ``role`` (one of CRAWL_ROLES) from where that person starts."""
    by_link = role == "stakeholder_link"
    client = site.client("anonymous" if by_link else role, language=language)
    start = [site.stakeholder_link] if by_link else ["/"]
    # Four per pattern: an admin's lists hold the demo's four challenges (the one collecting
    # ideas, the chain, the one that ended in an agenda, the other team's), and each has pages
    # only it shows.
    return Crawler(site.app, client, role, per_pattern=4, checks=checks).run(start)


def html_pages(crawls: Mapping[str, Crawl]) -> list[tuple[str, str]]:
    """(role, URL) of every page the crawls found, for checks in a browser logged in as that
    role (``DemoSite.passwords``; "stakeholder_link" opens ``DemoSite.stakeholder_link``
    first)."""
    return [(role, url) for role, crawl in crawls.items() for url in crawl.html_pages()]
