"""Follow the links of the site as one visitor, the way a person without JavaScript can.

Starting from a few pages, every ``<a href>`` to this site is followed once. Pages of one kind
(same endpoint, same query parameter names) are many (103 idea pages in the demo), so each
kind is visited ``per_kind`` times, plus every page in ``must_visit`` (the edge cases).
Links into files (photos, CSV exports) are fetched and checked for their status only.
"""

from __future__ import annotations

from collections import Counter, deque
from collections.abc import Iterable
from dataclasses import dataclass
from html.parser import HTMLParser
from urllib.parse import parse_qsl, urlsplit

from flask import Flask
from werkzeug.exceptions import HTTPException


@dataclass
class Visited:
    url: str
    endpoint: str
    status: int
    html: str | None  # None for anything but an HTML page


class _Links(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.hrefs: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "a":
            href = dict(attrs).get("href")
            if href:
                self.hrefs.append(href)


def links_of(html: str) -> list[str]:
    parser = _Links()
    parser.feed(html)
    return parser.hrefs


def _local(href: str, current: str) -> str | None:
    """The path and query of a link to this site (relative links resolved), else None."""
    parts = urlsplit(href)
    if parts.scheme and parts.scheme not in ("http", "https"):
        return None  # mailto:, javascript:, ...
    if parts.netloc and parts.netloc not in ("localhost", "127.0.0.1"):
        return None
    path = parts.path or urlsplit(current).path
    if not path.startswith("/"):
        base = urlsplit(current).path.rsplit("/", 1)[0]
        path = f"{base}/{path}"
    if path.startswith("/static/"):
        return None
    return path + (f"?{parts.query}" if parts.query else "")


def kind_of(app: Flask, url: str) -> str:
    """The endpoint of ``url`` and the names of its query parameters."""
    parts = urlsplit(url)
    try:
        endpoint, _args = app.url_map.bind("localhost").match(parts.path, method="GET")
    except HTTPException:
        endpoint = "?"
    names = sorted({name for name, _value in parse_qsl(parts.query, keep_blank_values=True)})
    return f"{endpoint}?{'&'.join(names)}"


def crawl(app: Flask, client, starts: Iterable[str], *, per_kind: int = 4,
          must_visit: Iterable[str] = (), limit: int = 2000) -> list[Visited]:
    """Every page reachable from ``starts`` by links (see the module docstring)."""
    must = set(must_visit)
    queue = deque(starts)
    seen = set(queue)
    kinds: Counter[str] = Counter()
    visited: list[Visited] = []
    while queue and len(visited) < limit:
        url = queue.popleft()
        response = client.get(url)
        is_html = response.mimetype == "text/html"
        html = response.get_data(as_text=True) if is_html else None
        response.close()
        kind = kind_of(app, url)
        visited.append(Visited(url, kind.partition("?")[0], response.status_code, html))
        if html is None or response.status_code >= 400:
            continue
        for href in links_of(html):
            target = _local(href, url)
            if target is None or target in seen:
                continue
            target_kind = kind_of(app, target)
            if kinds[target_kind] >= per_kind and target.split("#")[0] not in must:
                continue
            kinds[target_kind] += 1
            seen.add(target)
            queue.append(target)
    return visited
