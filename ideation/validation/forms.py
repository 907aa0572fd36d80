"""Forms of the round pages and the form builder. Every POST carries a CSRF token.

The services check the rules (required texts, dates, options); these forms only read the
input, so a broken rule is reported once, by the service, next to its field.
"""

from __future__ import annotations

from typing import Any

from wtforms import BooleanField, DateField, SelectField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, Optional

from ideation.core.forms import Form
from ideation.core.i18n import lazy_gettext as _l
from ideation.core.routing import optional_database_id
from ideation.validation.models import Question, QuestionKind, RoundState

KIND_LABELS = {
    QuestionKind.scale: _l("Scale from 1 to 5"),
    QuestionKind.yes_no: _l("Yes or no"),
    QuestionKind.single_choice: _l("Choose one option"),
    QuestionKind.multiple_choice: _l("Choose one or more options"),
    QuestionKind.short_text: _l("Short text"),
    QuestionKind.long_text: _l("Long text"),
}

STATE_LABELS = {
    RoundState.draft: _l("Being prepared"),
    RoundState.open: _l("Open"),
    RoundState.closed: _l("Closed"),
}

_DATE_MESSAGE = _l("Give a date like 2025-03-31.")


def lines(text: str | None) -> list[str]:
    """The non-empty lines of a text area, stripped."""
    return [line.strip() for line in (text or "").splitlines() if line.strip()]


class RoundForm(Form):
    title = StringField(_l("Title"), validators=[Length(max=160)],
                        description=_l("For example: Test of the digital counter, version 2."))
    intro = TextAreaField(_l("Introduction for stakeholders (optional)"),
                          validators=[Optional(), Length(max=5000)],
                          description=_l("Shown above the form: what to try and why it "
                                         "matters."))
    opens_on = DateField(_l("First day for answers"), validators=[Optional()],
                         invalid_value_message=_DATE_MESSAGE)
    closes_on = DateField(_l("Last day for answers"), validators=[Optional()],
                          invalid_value_message=_DATE_MESSAGE)
    groups = TextAreaField(_l("Stakeholder groups"), validators=[Length(max=3000)],
                           description=_l("One group per line. Every invited person "
                                          "belongs to one group."))
    allow_anonymous = BooleanField(_l("People may answer anonymously: the core team does "
                                      "not see who gave which answer"))

    def group_names(self) -> list[str]:
        return lines(self.groups.data)


class NewRoundForm(RoundForm):
    version = SelectField(_l("Version to test"), coerce=optional_database_id, validate_choice=False)
    copy_from = SelectField(_l("Copy the form of an earlier round (optional)"),
                            coerce=optional_database_id, validate_choice=False,
                            description=_l("Copies its questions. The groups are the ones "
                                           "above."))


class QuestionForm(Form):
    kind = SelectField(_l("Type of question"), choices=[
        SelectChoice(kind.value, label) for kind, label in KIND_LABELS.items()])
    text = StringField(_l("Question"), validators=[Length(max=500)])
    help_text = StringField(_l("Help text (optional)"), validators=[Optional(), Length(max=500)],
                            description=_l("Shown under the question, for example an "
                                           "example answer."))
    required = BooleanField(_l("An answer is required"))
    options = TextAreaField(_l("Options (only for choice questions)"),
                            validators=[Length(max=5000)],
                            description=_l("One option per line, 2 to 20 options."))
    low_label = StringField(_l("Label for 1 (only for a scale)"), validators=[Length(max=80)],
                            description=_l("For example: not at all"))
    high_label = StringField(_l("Label for 5 (only for a scale)"), validators=[Length(max=80)],
                             description=_l("For example: completely"))

    def to_data(self) -> dict[str, Any]:
        """What the question services take."""
        return {"kind": self.kind.data, "text": self.text.data,
                "help_text": self.help_text.data, "required": self.required.data,
                "options": lines(self.options.data), "low_label": self.low_label.data,
                "high_label": self.high_label.data}

    @classmethod
    def of(cls, question: Question, prefix: str) -> QuestionForm:
        """The form filled in with a stored question."""
        return cls(formdata=None, prefix=prefix, kind=question.kind.value, text=question.text,
                   help_text=question.help_text, required=question.required,
                   options="\n".join(question.options or []), low_label=question.low_label,
                   high_label=question.high_label)


class CopyQuestionsForm(Form):
    source = SelectField(_l("Copy the questions of"), coerce=optional_database_id,
                         validate_choice=False, validators=[
                             DataRequired(message=_l("Choose a round to copy from."))])
    confirm = BooleanField(_l("Yes, replace all questions of this form"), validators=[
        DataRequired(message=_l("Tick the box to confirm that all questions are replaced."))])
