from __future__ import annotations

from wtforms import (
    DateField,
    HiddenField,
    IntegerField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, NumberRange, Optional
from wtforms.widgets import CheckboxInput, ListWidget

from ideation.challenges.models import PhaseKind
from ideation.core.forms import Form
from ideation.core.i18n import lazy_gettext as _l


class GroupsField(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class PlanForm(Form):
    title = StringField(_l("Title"), validators=[
        DataRequired(message=_l("Give the session a title.")), Length(max=160)])
    held_on = DateField(_l("Date"), validators=[
        DataRequired(message=_l("Give the date of the session."))])
    place = StringField(_l("Place (optional)"), validators=[Optional(), Length(max=160)])
    phase = SelectField(_l("Phase"),
                        choices=[SelectChoice(k.value, k.label) for k in PhaseKind])
    dots = IntegerField(_l("Dots per participant"), default=3, validators=[
        NumberRange(min=1, max=10, message=_l("Choose a number from 1 to 10."))])
    group_ids = GroupsField(_l("Stakeholder groups in the room"), choices=[],
                            validate_choice=False)


class CloseForm(Form):
    summary = TextAreaField(
        _l("Summary: the majority's choice"), validators=[Optional(), Length(max=5000)],
        description=_l("What did the majority choose? The objections of the minority are "
                       "kept next to it."))


class CardsForm(Form):
    cards = TextAreaField(
        _l("Paper cards"), validators=[DataRequired(message=_l("Type at least one card."))],
        description=_l("One card a line: the title, then a colon and the explanation."))


class JoinForm(Form):
    code = StringField(_l("Join code"), validators=[
        DataRequired(message=_l("Type the code you see on the screen.")), Length(max=12)])
    nickname = StringField(_l("Nickname (optional)"), validators=[Optional(), Length(max=40)],
                           description=_l("Shown with your ideas. Leave it empty to stay "
                                          "anonymous."))


class SessionIdeaForm(Form):
    title = StringField(_l("Your idea"), validators=[
        DataRequired(message=_l("Give your idea a title.")), Length(max=120)])
    description = TextAreaField(_l("Explanation (optional)"),
                                validators=[Optional(), Length(max=2000)])


class DotForm(Form):
    idea = HiddenField()


class ObjectionForm(Form):
    idea = HiddenField()
    text = TextAreaField(_l("What would make you say no?"), validators=[
        DataRequired(message=_l("Write what would make you say no.")), Length(max=2000)])
