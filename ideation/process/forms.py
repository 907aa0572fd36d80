from __future__ import annotations

from wtforms import SelectField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, Optional

from ideation.core.forms import Form
from ideation.core.i18n import lazy_gettext as _l
from ideation.process.models import EntryKind

SCALE = [SelectChoice(str(n), str(n)) for n in range(1, 6)]


class AnswerForm(Form):
    text = TextAreaField(_l("Answer"), validators=[Length(max=5000)])


class EntryForm(Form):
    name = StringField(_l("Name"), validators=[
        DataRequired(message=_l("Give a name.")), Length(max=120)])
    kind = SelectField(_l("Kind"), choices=[SelectChoice(k.value, k.label) for k in EntryKind])
    interest = SelectField(_l("Interest (1 low, 5 high)"), choices=SCALE, default="3")
    influence = SelectField(_l("Influence (1 low, 5 high)"), choices=SCALE, default="3")
    group_name = StringField(
        _l("Group name in validation rounds (optional)"), validators=[Optional(),
                                                                      Length(max=80)],
        description=_l("The name of the stakeholder group that speaks for them in rounds. "
                       "Empty: the name above."))
    note = TextAreaField(_l("Note (optional)"), validators=[Optional(), Length(max=2000)])



