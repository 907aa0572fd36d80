"""User text is text: translated strings formatted with it never become markup.

Flask-Babel's lazy strings say they are HTML (``__html__`` returns them as they are), so a
label like ``_l("Note on “%(name)s”", name=criterion.name)`` put a criterion named
``<svg onload=...>`` on the page as a live element. The project's ``_l`` escapes; the source
rules below keep every module on it and keep markup-making calls where they are reviewed.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

from flask import flash, get_flashed_messages, render_template_string
from flask_wtf import FlaskForm
from wtforms import StringField

from ideation.core.i18n import lazy_gettext as _l
from tests.xss import PAYLOADS, injected

PACKAGE = Path(__file__).resolve().parent.parent / "ideation"
TEMPLATES = PACKAGE.parent / "templates"
HOSTILE = PAYLOADS[1]


def test_a_lazy_label_with_user_text_is_escaped_by_wtforms(app):
    class Form(FlaskForm):
        class Meta:
            csrf = False

    Form.note = StringField(_l("Note on “%(name)s” (optional)", name=HOSTILE))
    with app.test_request_context("/"):
        html = str(Form().note.label())

    assert injected(html) == []
    assert "&lt;svg" in html


def test_a_lazy_string_with_user_text_is_escaped_in_a_template_and_a_translation(app):
    label = _l("Note on “%(name)s” (optional)", name=HOSTILE)
    with app.test_request_context("/"):
        html = render_template_string(
            "<p>{{ label }}</p><p>{{ _('Back to: %(state)s', state=label) }}</p>", label=label)

    assert injected(html) == []
    assert html.count("&lt;svg") == 2


def test_a_flashed_lazy_string_survives_the_session_as_text(app):
    with app.test_request_context("/"):
        flash(_l("Note on “%(name)s” (optional)", name="foto's <b>"))
        [message] = get_flashed_messages()
        html = render_template_string("{{ message }}", message=message)

    # Escaped once: the apostrophe reads as one, the tag as text.
    assert "“foto&#39;s &lt;b&gt;”" in html and "&amp;" not in html


def _python_sources() -> list[Path]:
    return sorted(PACKAGE.rglob("*.py"))


def _calls(path: Path) -> list[tuple[str, ast.AST]]:
    """(name, node) of every call and every ``__html__`` method in a module."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Call):
            func = node.func
            name = func.id if isinstance(func, ast.Name) else getattr(func, "attr", "")
            found.append((name, node))
        elif isinstance(node, ast.FunctionDef) and node.name == "__html__":
            found.append(("def __html__", node))
        elif isinstance(node, ast.ImportFrom) and node.module == "flask_babel":
            found.extend((f"import {alias.name}", node) for alias in node.names)
    return found


def test_every_module_uses_the_escaping_lazy_gettext():
    lazy = {"lazy_gettext", "lazy_ngettext", "lazy_pgettext", "lazy_npgettext", "LazyString"}
    offenders = sorted(
        f"{path.relative_to(PACKAGE)}:{node.lineno} {name}"
        for path in _python_sources() if path != PACKAGE / "core" / "i18n.py"
        for name, node in _calls(path)
        if name in lazy or name.removeprefix("import ") in lazy - {"LazyString"})
    assert offenders == []


def test_markup_is_made_only_where_it_was_reviewed():
    # Each place that turns a string into trusted HTML, and why it is safe.
    reviewed = {
        ("ideas/views.py", "Markup"),  # a template Jinja rendered (and escaped) on its own
        ("reports/views.py", "Markup"),  # the agenda's body: our template, rendered (and escaped)
        ("core/i18n.py", "def __html__"),  # LazyText: escapes the whole translation
        # in_language / quotes_in_language: the text is escaped, only the lang span is added
        ("core/i18n.py", "Markup"),
        # the timeline's sentence is escaped, then each value by %; titles by in_language
        ("challenges/timeline.py", "Markup"),
        # our catalogue's sentence with every title escaped by in_language
        ("notifications/services.py", "Markup"),
        # the stakeholder map: every text escaped, the rest numbers and fixed colours
        ("process/map_drawing.py", "Markup"),
        # the QR code as SVG, from segno (no user text in it but a translated, escaped label)
        ("sessions/views.py", "Markup"),
        # "my data": lists and objects as JSON, every key and value escaped, texts in lang spans
        ("privacy/export.py", "Markup"),
    }
    found = {(str(path.relative_to(PACKAGE)), name) for path in _python_sources()
             for name, _node in _calls(path) if name in {"Markup", "def __html__"}}
    assert found == reviewed


def test_templates_mark_only_the_search_highlights_safe():
    # The highlighter escapes the text and adds only <mark> (ideation/search/index.py).
    safe_uses = {}
    for path in sorted(TEMPLATES.rglob("*.html")):
        for match in re.finditer(r"\{\{[^}]*\|\s*safe[^}]*\}\}|\{%\s*autoescape\s+false",
                                 path.read_text()):
            safe_uses.setdefault(str(path.relative_to(TEMPLATES)), []).append(match.group(0))
    assert safe_uses == {"ideas/_gallery_content.html": [
        "{{ page.hits[idea.id].title_html|safe }}",
        "{{ page.hits[idea.id].snippet_html|safe }}"]}
