"""Forms for ideas, comments and the gallery filter."""

from __future__ import annotations

from wtforms import (
    BooleanField,
    HiddenField,
    MultipleFileField,
    RadioField,
    SearchField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, Optional

from ideation.core.forms import Form
from ideation.core.i18n import content_choice
from ideation.core.i18n import lazy_gettext as _l
from ideation.core.routing import optional_database_id

ACCEPTED_PHOTOS = "image/jpeg,image/png,image/webp,image/heic"


class IdeaEditForm(Form):
    title = StringField(
        _l("Title"),
        validators=[DataRequired(message=_l("Give your idea a short title.")),
                    Length(max=120, message=_l("Use at most 120 characters."))],
        description=_l("In a few words, for example: One counter for all help."),
    )
    description = TextAreaField(
        _l("Your idea"),
        validators=[DataRequired(message=_l("Describe your idea.")),
                    Length(max=5000, message=_l("Use at most 5000 characters."))],
        description=_l("What is your idea? Who does it help, and how?"),
    )
    theme_id = SelectField(_l("Theme"), coerce=optional_database_id, validators=[Optional()],
                           validate_choice=True)

    def set_themes(self, themes: list) -> None:
        self.theme_id.choices = [SelectChoice("", _l("No theme / I do not know"))] + [
            content_choice(theme.id, theme.name, theme.challenge) for theme in themes
        ]


class IdeaForm(IdeaEditForm):
    photos = MultipleFileField(
        _l("Photos or drawings (optional)"),
        description=_l("At most 3 photos: JPEG, PNG, WebP or HEIC. "
                       "We remove location data and other hidden information."),
        render_kw={"accept": ACCEPTED_PHOTOS},
    )
    photo_alt = StringField(
        _l("What is on your photos? (optional)"),
        validators=[Optional(), Length(max=300, message=_l("Use at most 300 characters."))],
        description=_l("A few words for people who cannot see the photos."),
    )
    pseudonym = StringField(
        _l("The name others see"),
        validators=[Optional(), Length(max=60, message=_l("Use at most 60 characters."))],
        description=_l("In this challenge you choose the name shown with your ideas and "
                       "responses. Do not use your real name if you do not want to be "
                       "recognised."),
    )
    is_anonymous = BooleanField(_l("Show my idea without my name"),
                                description=_l("The core team can still see who you are."))
    consent = BooleanField(
        _l("I agree that my idea and photos are shown on this website"),
        validators=[DataRequired(message=_l("You can only send in your idea if you agree."))],
    )
    built_on_id = HiddenField()
    # Set once the similar ideas were shown, so the second submit goes through (no-JS flow).
    similar_seen = HiddenField()


class CommentForm(Form):
    body = TextAreaField(
        _l("Your response"),
        validators=[DataRequired(message=_l("Write a response first.")),
                    Length(max=2000, message=_l("Use at most 2000 characters."))],
    )
    parent_id = HiddenField()


class ModerationForm(Form):
    status = RadioField(
        _l("Decision"),
        choices=[SelectChoice("published", _l("Publish")), SelectChoice("hidden", _l("Hide"))],
        validators=[DataRequired(message=_l("Choose publish or hide."))],
    )
    reason = StringField(_l("Reason (the author sees this)"),
                         validators=[Optional(), Length(max=500)])


class SettingsForm(Form):
    is_premoderated = BooleanField(_l("Check new ideas before they are shown"))
    allows_anonymous = BooleanField(_l("Allow ideas without a name"))


class GalleryFilterForm(Form):
    """Read from the query string; a GET form needs no CSRF token."""

    class Meta:
        csrf = False

    q = SearchField(_l("Search"), validators=[Optional(), Length(max=200)],
                    render_kw={"autocomplete": "off"})
    theme = SelectField(_l("Theme"), coerce=optional_database_id, validate_choice=False)
    status = SelectField(_l("Status"), validate_choice=False)
    sort = SelectField(
        _l("Order"),
        choices=[SelectChoice("newest", _l("Newest first")),
                 SelectChoice("supported", _l("Most support")),
                 SelectChoice("discussed", _l("Most responses"))],
        default="newest", validate_choice=False,
    )
