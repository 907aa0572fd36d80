"""Forms of the agenda pages."""

from __future__ import annotations

from collections.abc import Iterable

from wtforms import DateField, RadioField, SelectMultipleField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, Optional

from ideation.concepts.models import Concept
from ideation.core.forms import Form
from ideation.core.i18n import content_choice
from ideation.core.i18n import lazy_gettext as _l
from ideation.core.routing import database_id
from ideation.prototypes.models import Prototype
from ideation.reports.models import ActionStatus
from ideation.reports.services import MAX_TEXT, MAX_UPDATE


class AgendaTextsForm(Form):
    introduction = TextAreaField(
        _l("Introduction"), validators=[Optional(), Length(max=MAX_TEXT)],
        description=_l("Why this agenda, for whom, and what the reader finds in it."))
    conclusions = TextAreaField(
        _l("Conclusions"), validators=[Optional(), Length(max=MAX_TEXT)],
        description=_l("What the core team takes from the challenge."))


class ActionForm(Form):
    title = StringField(_l("Action"), validators=[
        DataRequired(message=_l("Give the action a title.")),
        Length(max=200, message=_l("Use at most 200 characters."))])
    owner = StringField(
        _l("Who carries it"), validators=[
            DataRequired(message=_l("Say who carries the action: an organisation or a role.")),
            Length(max=200, message=_l("Use at most 200 characters."))],
        description=_l("An organisation or a role, for example: the municipality."))
    due_on = DateField(_l("Ready by"), validators=[Optional()],
                       description=_l("Optional. For example: 2027-06-30."))
    description = TextAreaField(_l("What happens"), validators=[Optional(),
                                                                Length(max=MAX_TEXT)])
    concept_ids = SelectMultipleField(_l("Concepts it carries forward"), coerce=database_id,
                                      validate_choice=False)
    prototype_ids = SelectMultipleField(_l("Prototypes it carries forward"),
                                        coerce=database_id, validate_choice=False)

    def set_choices(self, concepts: Iterable[Concept], prototypes: Iterable[Prototype]) -> None:
        self.concept_ids.choices = [content_choice(c.id, c.title, c.challenge) for c in concepts]
        self.prototype_ids.choices = [content_choice(p.id, p.title, p.challenge)
                                      for p in prototypes]


class StatusForm(Form):
    status = RadioField(
        _l("New status"), choices=[SelectChoice(s.value, s.label) for s in ActionStatus],
        validators=[DataRequired(message=_l("Choose a status."))])
    reason = TextAreaField(
        _l("Explanation"), validators=[Optional(), Length(max=MAX_UPDATE)],
        description=_l("Needed when the action stops: say why."))


class UpdateForm(Form):
    body = TextAreaField(_l("What happened"), validators=[
        DataRequired(message=_l("Write what happened.")),
        Length(max=MAX_UPDATE, message=_l("Use at most %(num)s characters.", num=MAX_UPDATE))])
