"""Forms of the board and the cluster pages. Every POST carries a CSRF token."""

from __future__ import annotations

from wtforms import (
    BooleanField,
    HiddenField,
    IntegerField,
    SearchField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, NumberRange, Optional

from ideation.core.forms import Form
from ideation.core.i18n import lazy_gettext as _l
from ideation.core.routing import database_id, optional_database_id
from ideation.curation.models import ClusterState


class BoardFilterForm(Form):
    """Read from the query string; a GET form needs no CSRF token."""

    class Meta:
        csrf = False

    q = SearchField(_l("Search in title and text"), validators=[Optional(), Length(max=200)],
                    render_kw={"autocomplete": "off"})
    theme = SelectField(_l("Theme"), coerce=optional_database_id, validate_choice=False)
    source = SelectField(_l("Sent in"), choices=[
        SelectChoice("", _l("Any way")), SelectChoice("web", _l("On the website")),
        SelectChoice("session", _l("In a session")), SelectChoice("import", _l("Imported"))],
        validate_choice=False)
    all = BooleanField(_l("Also show ideas that are in a cluster"))


class MoveForm(Form):
    """The selected ideas and where they go: a cluster, or "" for out of any cluster."""

    idea_ids = SelectMultipleField(_l("Ideas"), coerce=database_id, validate_choice=False)
    cluster = SelectField(_l("Move to cluster"), validate_choice=False)
    name = StringField(_l("Name of the new cluster"), validators=[Optional(), Length(max=120)])
    next = HiddenField()


class ClusterForm(Form):
    name = StringField(_l("Name"), validators=[
        DataRequired(message=_l("Give the cluster a name.")),
        Length(max=120, message=_l("Use at most 120 characters."))])
    summary = TextAreaField(_l("Summary"), validators=[Optional(), Length(max=2000)],
                            description=_l("A few sentences: what do these ideas have in "
                                           "common? The public sees this when you publish."))
    state = SelectField(_l("State"), choices=[SelectChoice(s.value, s.label) for s in ClusterState])
    is_published = BooleanField(_l("Show on the public challenge page"))


class MergeForm(Form):
    into = SelectField(_l("Merge into"), coerce=optional_database_id, validate_choice=False,
                       validators=[DataRequired(message=_l("Choose a cluster."))])


class SplitForm(Form):
    idea_ids = SelectMultipleField(_l("Ideas"), coerce=database_id, validate_choice=False)
    new_name = StringField(_l("Name of the new cluster"), validators=[
        DataRequired(message=_l("Give the cluster a name.")), Length(max=120)])


class SuggestForm(Form):
    k = IntegerField(_l("Number of groups (empty: let the computer choose)"),
                     validators=[Optional(), NumberRange(min=2, max=500)])


class MergeIdeaForm(Form):
    """Merge the idea in the URL into the idea ``kept_id``; ``next`` is where to go back to."""

    kept_id = HiddenField(filters=[optional_database_id], validators=[
        DataRequired(message=_l("Choose the idea to keep."))])
    next = HiddenField()


class ProposalForm(Form):
    """The proposal page: ticked groups, and the names typed in as ``name-<group id>``."""

    group_ids = SelectMultipleField(_l("Groups"), coerce=database_id, validate_choice=False)


class GroupMembersForm(Form):
    """A group page: ticked ideas and the group to move them to."""

    idea_ids = SelectMultipleField(_l("Ideas"), coerce=database_id, validate_choice=False)
    group = SelectField(_l("Move to group"), coerce=optional_database_id, validate_choice=False)
