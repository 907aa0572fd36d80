"""Forms of the concept pages. Every POST carries a CSRF token; the rules live in services."""

from __future__ import annotations

from collections.abc import Iterable

from wtforms import (
    BooleanField,
    HiddenField,
    RadioField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, Optional

from ideation.concepts.models import ConceptCriterion, ConceptState
from ideation.core.forms import Form
from ideation.core.i18n import content_choice
from ideation.core.i18n import lazy_gettext as _l
from ideation.core.routing import database_id
from ideation.curation.models import Cluster

_TITLE_MESSAGE = _l("Give the concept a title.")
_DREAM_MESSAGE = _l("Describe the dream: the ambition without limits.")


class ClustersForm(Form):
    """The clusters a concept grows from, shown as checkboxes in a fieldset."""

    cluster_ids = SelectMultipleField(_l("Clusters"), coerce=database_id, validate_choice=False)

    def set_clusters(self, clusters: Iterable[Cluster]) -> None:
        self.cluster_ids.choices = [content_choice(c.id, c.name, c.challenge) for c in clusters]


class ConceptForm(Form):
    title = StringField(_l("Title"), validators=[
        DataRequired(message=_TITLE_MESSAGE),
        Length(max=160, message=_l("Use at most 160 characters."))])
    dream_big = TextAreaField(
        _l("Dream big"), validators=[DataRequired(message=_DREAM_MESSAGE),
                                     Length(max=10_000)],
        description=_l("The ambition without limits: what would be best for the end user?"))
    realistic = TextAreaField(
        _l("Realistic version"), validators=[Optional(), Length(max=10_000)],
        description=_l("What can be done, by whom, with what? Needed before the concept "
                       "can be called realistic."))


class NewConceptForm(ConceptForm, ClustersForm):
    pass


class StateForm(Form):
    """The buttons send ``state``; the reason is required for every change."""

    state = HiddenField()
    reason = TextAreaField(_l("Why this change?"), validators=[
        DataRequired(message=_l("Say why you make this change.")), Length(max=2000)],
        description=_l("Everyone who can see the log reads this. If the concept is public, "
                       "the public reads it too."))


class PublishForm(Form):
    publish = HiddenField()


class CriterionForm(Form):
    name = StringField(_l("Name"), validators=[
        DataRequired(message=_l("Give the criterion a name.")),
        Length(max=80, message=_l("Use at most 80 characters."))])
    help_text = StringField(
        _l("What do 1 and 5 mean?"), validators=[Optional(), Length(max=300)],
        description=_l("For example: 1 = very expensive, 5 = almost free."))


class RemoveCriterionForm(Form):
    confirm = BooleanField(_l("Yes, remove this criterion and every score given on it"))


class ListFilterForm(Form):
    """Read from the query string; a GET form needs no CSRF token."""

    class Meta:
        csrf = False

    sort = SelectField(_l("Sort by"), validate_choice=False)
    state = SelectField(_l("State"), validate_choice=False, choices=[
        SelectChoice("", _l("All states")),
        *(SelectChoice(state.value, state.label) for state in ConceptState)])

    def set_criteria(self, criteria: Iterable[ConceptCriterion]) -> None:
        self.sort.choices = [
            SelectChoice("mean", _l("Overall score")),
            *(content_choice(f"c{c.id}", c.name, c.challenge) for c in criteria),
            SelectChoice("disagreement", _l("Largest disagreement")),
            SelectChoice("newest", _l("Newest")),
        ]


SCORE_CHOICES = [SelectChoice(str(n), str(n)) for n in range(1, 6)]


def score_form(criteria: list[ConceptCriterion], **kwargs: object) -> Form:
    """A form with, per criterion, the radio buttons 1-5 (field ``c<id>``) and a note
    (field ``n<id>``). The service checks the values, with a message per criterion."""

    class ScoreForm(Form):
        pass

    for criterion in criteria:
        setattr(ScoreForm, f"c{criterion.id}", RadioField(
            criterion.name, choices=SCORE_CHOICES, validate_choice=False,
            description=criterion.help_text or None))
        setattr(ScoreForm, f"n{criterion.id}", TextAreaField(
            _l("Note on “%(name)s” (optional)", name=criterion.name),
            validators=[Optional(), Length(max=2000)], render_kw={"rows": 2}))
    return ScoreForm(**kwargs)
