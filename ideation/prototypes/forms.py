"""Forms for prototypes, their versions and state changes."""

from __future__ import annotations

from collections.abc import Iterable

from wtforms import (
    FileField,
    HiddenField,
    RadioField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, Optional
from wtforms.widgets import CheckboxInput, ListWidget

from ideation.core.forms import Form
from ideation.core.i18n import lazy_gettext as _l
from ideation.core.routing import database_id
from ideation.ideas.forms import ACCEPTED_PHOTOS
from ideation.prototypes.models import PrototypeImage, PrototypeKind, PrototypeState
from ideation.prototypes.services import ImageUpload

_AT_MOST_300 = Length(max=300, message=_l("Use at most 300 characters."))


def _image_field(n: int) -> FileField:
    return FileField(_l("Image %(n)s (optional)", n=n),
                     description=_l("JPEG, PNG, WebP or HEIC. We remove location data and "
                                    "other hidden information."),
                     render_kw={"accept": ACCEPTED_PHOTOS})


def _alt_field(n: int) -> StringField:
    return StringField(_l("What is on image %(n)s? (optional)", n=n),
                       validators=[Optional(), _AT_MOST_300],
                       description=_l("A few words for people who cannot see the image."))


class PrototypeEditForm(Form):
    title = StringField(
        _l("Title"),
        validators=[DataRequired(message=_l("Give the prototype a short title.")),
                    Length(max=160, message=_l("Use at most 160 characters."))],
    )
    kind = RadioField(
        _l("What kind of prototype is it?"),
        choices=[SelectChoice(kind.value, kind.label) for kind in PrototypeKind],
        validators=[DataRequired(message=_l("Choose what kind of prototype this is."))],
    )


class _ImagesMixin:
    """Three image inputs, each with its own text alternative."""

    image_1 = _image_field(1)
    alt_1 = _alt_field(1)
    image_2 = _image_field(2)
    alt_2 = _alt_field(2)
    image_3 = _image_field(3)
    alt_3 = _alt_field(3)

    def uploads(self) -> list[ImageUpload]:
        return [ImageUpload(getattr(self, f"image_{n}").data or None,
                            getattr(self, f"alt_{n}").data or "") for n in (1, 2, 3)]

    def image_pairs(self) -> list[tuple[FileField, StringField]]:
        return [(getattr(self, f"image_{n}"), getattr(self, f"alt_{n}")) for n in (1, 2, 3)]


_DESCRIPTION = TextAreaField(
    _l("What will a tester see or do?"),
    validators=[DataRequired(message=_l("Describe what a tester will see or do.")),
                Length(max=10000, message=_l("Use at most 10000 characters."))],
    description=_l("Describe it so that someone who was not there can try it."),
)


class PrototypeForm(_ImagesMixin, PrototypeEditForm):
    description = _DESCRIPTION


class VersionForm(_ImagesMixin, Form):
    description = _DESCRIPTION
    changes = TextAreaField(
        _l("What changed since the previous version?"),
        validators=[DataRequired(message=_l("Say what changed since the previous version.")),
                    Length(max=5000, message=_l("Use at most 5000 characters."))],
    )
    change_reason = TextAreaField(
        _l("Why? Which feedback led to this change?"),
        validators=[DataRequired(message=_l("Say why it changed: which feedback led to it?")),
                    Length(max=5000, message=_l("Use at most 5000 characters."))],
    )
    keep_image_ids = SelectMultipleField(
        _l("Keep images of the previous version"), coerce=database_id, validate_choice=False,
        widget=ListWidget(prefix_label=False), option_widget=CheckboxInput(),
    )
    based_on_round_id = HiddenField()

    def set_images(self, images: Iterable[PrototypeImage]) -> None:
        self.keep_image_ids.choices = [
            SelectChoice(image.id, image.alt_text or _l("Image %(n)s", n=n))
            for n, image in enumerate(images, 1)]


class StateForm(Form):
    state = RadioField(
        _l("New state"),
        choices=[SelectChoice(state.value, state.label)
                 for state in (PrototypeState.testing, PrototypeState.parked)],
        validators=[DataRequired(message=_l("Choose a state."))],
    )
    reason = StringField(
        _l("Reason"),
        validators=[DataRequired(message=_l("Give a reason for this change.")),
                    Length(max=500, message=_l("Use at most 500 characters."))],
        description=_l("The log keeps this. When the prototype is public, everyone sees it."),
    )
