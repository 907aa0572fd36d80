"""Forms of the validation pages: rounds and the form builder, invitations, the results and
the decision. Every POST carries a CSRF token.

The services check the rules (required texts, dates, options); these forms only read the
input, so a broken rule is reported once, by the service, next to its field.
"""

from __future__ import annotations

from typing import Any

from flask_babel import gettext as _
from flask_wtf.file import FileField, FileRequired
from wtforms import (
    BooleanField,
    DateField,
    EmailField,
    Field,
    RadioField,
    SearchField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, Optional

from ideation.core.forms import Form
from ideation.core.i18n import lazy_gettext as _l
from ideation.core.routing import optional_database_id
from ideation.validation import decision as decisions
from ideation.validation.decision import (
    ConcernAnswer,
)
from ideation.validation.minority import Concern
from ideation.validation.models import Disposition, Outcome, Question, QuestionKind

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
        SelectChoice(kind.value, kind.label) for kind in QuestionKind])
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


# --- invitations -------------------------------------------------------------------------------


class InviteOneForm(Form):
    email = EmailField(_l("E-mail address"), validators=[
        DataRequired(message=_l("Enter an e-mail address.")), Length(max=254)])
    group = SelectField(_l("Group"), validate_choice=False)
    name = StringField(_l("Name (optional)"), validators=[Optional(), Length(max=100)])


class InviteListForm(Form):
    addresses = TextAreaField(
        _l("Addresses"),
        description=_l("One address a line, then a comma or semicolon and the group. "
                       "For example: jan@example.org, Parents"),
        validators=[DataRequired(message=_l("Enter at least one e-mail address.")),
                    Length(max=200_000)])


class InviteCsvForm(Form):
    csv_file = FileField(
        _l("CSV file"),
        description=_l("A first line with the columns email, group and (optional) name. "
                       "Comma or semicolon, saved as CSV UTF-8."),
        validators=[FileRequired(message=_l("Choose a file."))],
        render_kw={"accept": ".csv,text/csv"})


class AnswerExtras(Form):
    """What the answering page adds to the questions of the round."""

    is_anonymous = BooleanField(
        _l("Do not show my name or e-mail address to the organisers"),
        description=_l("The organisers then see your answers, but not who gave them."))


# --- results -------------------------------------------------------------------------------------


class GroupFilterForm(Form):
    """Read from the query string; a GET form needs no CSRF token."""

    class Meta:
        csrf = False

    group = SelectField(_l("Stakeholder group"), coerce=optional_database_id, validate_choice=False)


class AnswerSearchForm(GroupFilterForm):
    q = SearchField(_l("Answer contains"), validators=[Optional(), Length(max=200)],
                    render_kw={"autocomplete": "off"})


class CompareForm(Form):
    class Meta:
        csrf = False

    a = SelectField(_l("Round A"), coerce=optional_database_id, validate_choice=False)
    b = SelectField(_l("Round B"), coerce=optional_database_id, validate_choice=False)


# --- the decision --------------------------------------------------------------------------------


class DecisionForm(Form):
    """Outcome and rationale; ``decision_form`` adds two fields for every concern."""

    outcome = RadioField(_l("What do you decide?"), validate_choice=False)
    rationale = TextAreaField(
        _l("Why?"), validators=[Optional(), Length(max=decisions.MAX_RATIONALE)],
        description=_l("Explain the decision in plain words. Everyone can read it."))

    def concern_fields(self, concern: Concern) -> tuple[Field, Field]:
        name = _field_name(concern.key)
        return self[f"{name}_disposition"], self[f"{name}_answer"]

    def concern_answers(self, concerns: list[Concern]) -> dict[str, ConcernAnswer]:
        answers = {}
        for concern in concerns:
            disposition, text = self.concern_fields(concern)
            answers[concern.key] = ConcernAnswer(disposition.data, text.data)
        return answers


def _field_name(key: str) -> str:
    return "concern_" + key.replace(":", "_")


def decision_form(concerns: list[Concern], **kwargs: Any) -> DecisionForm:
    """The decision form with a disposition and a "how / why" box for each concern."""

    class ConcernsForm(DecisionForm):
        pass

    for number, concern in enumerate(concerns, 1):
        name = _field_name(concern.key)
        setattr(ConcernsForm, f"{name}_disposition", RadioField(
            _("What do you do with concern %(num)s?", num=number), validate_choice=False,
            choices=[SelectChoice(d.value, str(d.label)) for d in Disposition]))
        setattr(ConcernsForm, f"{name}_answer", TextAreaField(
            _("How / why (concern %(num)s)", num=number),
            validators=[Optional(), Length(max=decisions.MAX_ANSWER)]))
    form = ConcernsForm(**kwargs)
    form.outcome.choices = [SelectChoice(o.value, f"{o.label}: {o.description}")
                            for o in Outcome]
    return form
