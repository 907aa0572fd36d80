"""The form macros (templates/_macros/forms.html): every link in the error summary leads to an
element of the page, also for a group of radio buttons (WCAG 2.4.3, 3.3.1)."""

from __future__ import annotations

from html.parser import HTMLParser

from flask import render_template_string
from flask_wtf import FlaskForm
from wtforms import RadioField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired

PAGE = """{% from "_macros/forms.html" import field, error_summary %}
{{ error_summary(form) }}
{% for f in form if f.name != "csrf_token" %}{{ field(f) }}{% endfor %}"""


class ChoiceForm(FlaskForm):
    class Meta:
        csrf = False

    name = StringField("Name", validators=[DataRequired(message="Enter a name.")])
    outcome = RadioField("What do you decide?", choices=[
        SelectChoice("adopt", "Adopt"), SelectChoice("park", "Park")],
        validators=[DataRequired(message="Choose what you decide.")])


class Page(HTMLParser):
    """The ids on the page (and which sit on a fieldset), the summary's links, the ticked
    options."""

    def __init__(self) -> None:
        super().__init__()
        self.ids: set[str] = set()
        self.fieldset_ids: set[str] = set()
        self.links: list[str] = []
        self.checked: list[str | None] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        if values.get("id"):
            self.ids.add(values["id"])
            if tag == "fieldset":
                self.fieldset_ids.add(values["id"])
        if tag == "a" and (values.get("href") or "").startswith("#"):
            self.links.append(values["href"][1:])
        if tag == "input" and "checked" in values:
            self.checked.append(values.get("value"))


def rendered(app, data: dict[str, str]) -> tuple[str, Page]:
    with app.test_request_context("/", method="POST", data=data,
                                  headers={"Accept-Language": "en"}):
        form = ChoiceForm()
        form.validate()
        html = render_template_string(PAGE, form=form)
    page = Page()
    page.feed(html)
    return html, page


def test_every_link_of_the_error_summary_leads_to_its_field_also_for_radio_buttons(app):
    html, page = rendered(app, {})

    assert "Please check the form" in html
    assert page.links == ["name", "outcome"]
    assert set(page.links) <= page.ids
    assert "outcome" in page.fieldset_ids  # the group, whose legend asks the question
    assert {"outcome-0", "outcome-1"} <= page.ids  # each option keeps its own id for its label


def test_a_radio_group_without_errors_has_its_id_and_no_summary(app):
    html, page = rendered(app, {"name": "Karin", "outcome": "park"})

    assert "Please check the form" not in html and page.links == []
    assert "outcome" in page.fieldset_ids and page.checked == ["park"]
