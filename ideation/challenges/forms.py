"""Forms for setting up a challenge."""

from __future__ import annotations

from wtforms import (
    BooleanField,
    DateField,
    EmailField,
    FileField,
    FormField,
    RadioField,
    StringField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Email, Length, Optional

from ideation.accounts.models import MembershipRole
from ideation.challenges.models import AuthorDisplay, PhaseKind
from ideation.core.forms import Form
from ideation.core.i18n import lazy_gettext as _l
from ideation.ideas.forms import ACCEPTED_PHOTOS

LANGUAGE_CHOICES = [SelectChoice("nl", _l("Dutch")), SelectChoice("en", _l("English"))]


class ChallengeDetailsForm(Form):
    title = StringField(
        _l("Title"),
        validators=[DataRequired(message=_l("Give the challenge a title.")), Length(max=200)],
    )
    question = StringField(
        _l("The question"),
        validators=[DataRequired(message=_l("Write down the question of the challenge.")),
                    Length(max=500)],
        description=_l("One open question, for example: How can we limit the harm to "
                       "children when parents divorce?"),
    )
    description = TextAreaField(
        _l("Description"), validators=[Optional(), Length(max=20000)],
        description=_l("Why this challenge, who is behind it and what happens with the ideas."),
    )
    language = RadioField(_l("Language of the ideas"), choices=LANGUAGE_CHOICES, default="nl",
                          validators=[DataRequired(message=_l("Choose a language."))])
    is_published = BooleanField(_l("Public: everyone can see this challenge"))
    licence = StringField(
        _l("Licence of the open data"), default="CC BY 4.0",
        validators=[DataRequired(message=_l("Choose a licence, for example CC BY 4.0.")),
                    Length(max=100)],
        description=_l("Everyone may reuse the public content of the challenge under this "
                       "licence. For example: CC BY 4.0."))


class NewChallengeForm(ChallengeDetailsForm):
    slug = StringField(
        _l("Web address"),
        validators=[DataRequired(message=_l("Choose a web address.")), Length(min=3, max=80)],
        description=_l("Small letters, digits and hyphens, for example scheiden-zonder-schade."),
    )
    # No default: how people are named is a promise to them, so it is chosen on purpose.
    author_display = RadioField(
        _l("How are authors named in public?"),
        choices=[SelectChoice(value.value, value.label) for value in AuthorDisplay],
        validators=[DataRequired(message=_l("Choose how authors are named."))],
        description=_l("Citizens see this before they send anything in. It cannot be changed "
                       "later. The core team always sees who wrote what."),
    )


class _PhaseDatesSubform(Form):
    class Meta:
        csrf = False  # the enclosing form carries the token

    starts_on = DateField(_l("Start date"), validators=[Optional()])
    ends_on = DateField(_l("End date"), validators=[Optional()])


def _phase_form_class() -> type[Form]:
    # One field per phase, named after it. The field "validate" hides Form.validate on
    # instances, so callers use Form.validate(form).
    attrs = {
        kind.value: FormField(_PhaseDatesSubform, label=kind.label)
        for kind in PhaseKind
    }
    return type("PhaseDatesForm", (Form,), attrs)


PhaseDatesForm = _phase_form_class()


class ThemeForm(Form):
    # Own ids: the set-up page also shows the challenge's "description" (ids must be unique).
    name = StringField(_l("Theme"), id="theme-name",
                       validators=[DataRequired(message=_l("Give the theme a name.")),
                                   Length(max=100)])
    description = StringField(_l("Short explanation"), id="theme-description",
                              validators=[Optional(), Length(max=500)])


class MemberForm(Form):
    email = EmailField(
        _l("E-mail address"),
        validators=[DataRequired(message=_l("Fill in an e-mail address.")),
                    Email(message=_l("This is not a valid e-mail address."),
                          check_deliverability=False)],
        description=_l("We send an invitation link to this address. The person does not "
                       "need an account yet."),
    )
    # No default: an invitation into the core team must never happen by an unnoticed choice.
    role = RadioField(
        _l("Role"),
        choices=[SelectChoice(MembershipRole.core_team.value, _l("Core team")),
                 SelectChoice(MembershipRole.stakeholder.value, _l("Stakeholder"))],
        validators=[DataRequired(message=_l("Choose a role."))],
    )


class RoleForm(Form):
    role = RadioField(
        _l("New role"),
        choices=[SelectChoice(MembershipRole.core_team.value, _l("Core team")),
                 SelectChoice(MembershipRole.stakeholder.value, _l("Stakeholder"))],
        validators=[DataRequired(message=_l("Choose a role."))],
    )


class CardImageForm(Form):
    """The picture on the challenge's card on the start page. The service checks the rules
    (a file or an earlier picture, a text alternative), so the form keeps what was typed."""

    image = FileField(_l("Picture"), render_kw={"accept": ACCEPTED_PHOTOS},
                      description=_l("JPEG, PNG, WebP or HEIC. We remove location data and "
                                     "other hidden information."))
    image_alt = StringField(
        _l("What does the picture show?"), validators=[Length(max=300)],
        description=_l("A few words for people who cannot see the picture. Required."))
