"""Stored-XSS payloads and the check that none of them became part of a page.

Every payload carries the marker attribute ``data-xss``: if the application lets any of them
through as markup, the page holds an element with that attribute (a new element, or an
attribute smuggled into an existing one). The check looks for the marker in the parsed page,
so it asserts that no injected element exists, not merely that no script ran (the CSP would
stop the script and hide the injection).
"""

from __future__ import annotations

from html.parser import HTMLParser

MARK = "data-xss"

#: One per context an application can get wrong: element content, double- and single-quoted
#: attributes, raw-text and escapable-raw-text elements (script, style, title, textarea),
#: comments, URLs, SVG and MathML, template syntax, text that is already escaped or
#: URL-encoded (a double decoding), and odd characters around a tag.
PAYLOADS: tuple[str, ...] = (
    f"<b {MARK}=b>b</b>",
    f"\"><svg {MARK}=svg onload=alert(1)><script>alert(3)</script>",
    f"'><img {MARK}=img src=x onerror=alert(2)>",
    f"\" {MARK}=\"dq\" autofocus onfocus=\"alert(4)",
    f"' {MARK}='sq' onmouseover='alert(5)",
    f"</textarea><i {MARK}=textarea>t</i>",
    f"</title><i {MARK}=title>t</i>",
    f"</script><i {MARK}=script>s</i>",
    f"</style><i {MARK}=style>s</i>",
    f"--><i {MARK}=comment>c</i><!--",
    f"javascript:alert(6)//<a {MARK}=a href=javascript:alert(7)>a</a>",
    f"<math><mi {MARK}=math>m</mi></math>",
    f"{{{{7*7}}}}{{%raw%}}<u {MARK}=jinja>u</u>",
    f"&lt;s {MARK}=escaped&gt;s&lt;/s&gt;",
    f"%3Cs%20{MARK}%3Dpct%3Es",
    f"\u2028\u0085<q {MARK}=odd>q</q>\u200b",
    f"<iframe {MARK}=iframe srcdoc='&lt;b&gt;'></iframe>",
    f"<form {MARK}=form action=/logout method=post><button>x</button></form>",
)


def payload_text(budget: int, start: int = 0) -> str:
    """Payloads one after another from ``start`` (cycling), as many as fit in ``budget``
    characters (at least one: a short field gets the first that fits, cut if none does)."""
    parts: list[str] = []
    used = 0
    for offset in range(len(PAYLOADS)):
        payload = PAYLOADS[(start + offset) % len(PAYLOADS)]
        if used + len(payload) + 1 > budget:
            continue
        parts.append(payload)
        used += len(payload) + 1
    return " ".join(parts) or PAYLOADS[start % len(PAYLOADS)][:budget]


class _Finder(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.found: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        for name, value in attrs:
            if name == MARK or name.startswith(("onload", "onerror", "onfocus", "onmouseover")):
                self.found.append(f"<{tag} {name}={value!r}>")

    handle_startendtag = handle_starttag


def injected(html: str) -> list[str]:
    """The elements of ``html`` that carry a payload's marker or event handler."""
    finder = _Finder()
    finder.feed(html)
    finder.close()
    return finder.found
