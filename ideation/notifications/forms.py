"""The choice per topic: in the app, by e-mail at once, or weekly."""

from __future__ import annotations

from wtforms import RadioField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import InputRequired

from ideation.core.forms import Form
from ideation.core.i18n import lazy_gettext as _l
from ideation.notifications.texts import Channel, Topic


class PreferencesForm(Form):
    def choices(self) -> dict[Topic, Channel]:
        return {Topic(name): Channel(field.data) for name, field in self._fields.items()
                if name in {t.value for t in Topic}}


def preferences_form(topics: list[Topic], current: dict[Topic, Channel]) -> PreferencesForm:
    """A form with one radio group per topic the person can hear about."""
    fields = {
        topic.value: RadioField(
            topic.label,
            choices=[SelectChoice(c.value, c.label) for c in Channel],
            default=current[topic].value,
            validators=[InputRequired(message=_l("Choose how you hear about this."))],
        )
        for topic in topics
    }
    return type("TopicPreferencesForm", (PreferencesForm,), fields)()
