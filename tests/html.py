"""Pages as a person and a browser read them: elements with their attributes, and visible text.

Tests assert on these instead of on raw HTML, so that attribute order, quoting, whitespace
or a wrapping element do not break a test while the behaviour stays the same::

    page = parse(response)
    assert "Buurtvaders helpen elkaar" in page.text
    (link,) = page.find_all("a", href="/c/demo/ideas")
    assert page.find("input", name="title").attrs["value"] == "Mijn idee"
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from html.parser import HTMLParser
from typing import Any

VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source",
        "track", "wbr"}
HIDDEN = {"script", "style", "template", "head", "title"}
# Elements inside a line of text: no space around their text (``<mark>Kind</mark>eren``).
INLINE = {"a", "abbr", "b", "bdi", "bdo", "cite", "code", "data", "dfn", "em", "i", "kbd",
          "label", "mark", "q", "s", "samp", "small", "span", "strong", "sub", "sup", "time",
          "u", "var"}


@dataclass
class Element:
    tag: str
    attrs: dict[str, str]
    children: list[Element | str] = field(default_factory=list)

    @property
    def text(self) -> str:
        """The visible text inside, with runs of whitespace as one space."""
        return re.sub(r"\s+", " ", "".join(self.texts())).strip()

    def texts(self) -> list[str]:
        if self.tag in HIDDEN:
            return []
        out: list[str] = []
        for child in self.children:
            if isinstance(child, str):
                out.append(child)
            elif child.tag in INLINE:
                out.extend(child.texts())
            else:
                out.extend([" ", *child.texts(), " "])
        return out

    def iter(self) -> Any:
        for child in self.children:
            if isinstance(child, Element):
                yield child
                yield from child.iter()

    def find_all(self, tag: str | None = None, **attrs: str | bool) -> list[Element]:
        """Elements with this tag (any: None) whose attributes have these values (True: the
        attribute is there; ``class_`` matches one of the classes; ``_`` stands for ``-``)."""
        return [e for e in self.iter() if (tag is None or e.tag == tag) and e.matches(attrs)]

    def find(self, tag: str | None = None, **attrs: str | bool) -> Element:
        """The one element that matches (AssertionError if none or several)."""
        found = self.find_all(tag, **attrs)
        assert len(found) == 1, f"{len(found)} <{tag}> elements match {attrs}"
        return found[0]

    def matches(self, attrs: dict[str, str | bool]) -> bool:
        for key, wanted in attrs.items():
            name = "class" if key == "class_" else key.replace("_", "-")
            value = self.attrs.get(name)
            if wanted is True:
                if value is None:
                    return False
            elif name == "class":
                if wanted not in (value or "").split():
                    return False
            elif value != wanted:
                return False
        return True


class _Builder(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.root = Element("#document", {})
        self._open = [self.root]

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        element = Element(tag, {name: value or "" for name, value in attrs})
        self._open[-1].children.append(element)
        if tag not in VOID:
            self._open.append(element)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self._open[-1].children.append(Element(tag, {n: v or "" for n, v in attrs}))

    def handle_endtag(self, tag: str) -> None:
        for depth in range(len(self._open) - 1, 0, -1):
            if self._open[depth].tag == tag:
                del self._open[depth:]
                return

    def handle_data(self, data: str) -> None:
        self._open[-1].children.append(data)


def parse(page: Any) -> Element:
    """The parsed document of a response (or of HTML text)."""
    html = page if isinstance(page, str) else page.get_data(as_text=True)
    builder = _Builder()
    builder.feed(html)
    builder.close()
    return builder.root


def visible_text(page: Any) -> str:
    """The text a person reads on the page (or in an HTML fragment)."""
    return parse(page).text


def page_language(page: Any) -> str:
    """The ``lang`` of the page's <html> element."""
    return parse(page).find("html").attrs["lang"]
