"""Forms for reporting and for the core team's decisions. Every POST carries a CSRF token."""

from __future__ import annotations

from wtforms import HiddenField, SelectField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, Optional

from ideation.core.forms import Form
from ideation.core.i18n import lazy_gettext as _l
from ideation.moderation.models import REASON_MAX


class ReportForm(Form):
    reason = TextAreaField(
        _l("What is wrong with it?"),
        validators=[DataRequired(message=_l("Tell the core team what is wrong.")),
                    Length(max=REASON_MAX, message=_l("Use at most 1000 characters."))],
        description=_l("For example: it is rude, it names a person, or it is advertising. "
                       "Only the core team reads this."),
    )


class DecisionForm(Form):
    """One row of the queue: the button pressed is the action; hiding needs a reason."""

    action = SelectField(choices=[SelectChoice("publish", _l("Publish")),
                                  SelectChoice("hide", _l("Hide")),
                                  SelectChoice("restore", _l("Show again"))],
                         validators=[DataRequired(message=_l("Choose what to do."))])
    reason = TextAreaField(
        _l("Reason for hiding (the author reads this)"),
        validators=[Optional(), Length(max=500, message=_l("Use at most 500 characters."))],
    )
    tab = HiddenField()


class CommentDecisionForm(DecisionForm):
    action = SelectField(choices=[SelectChoice("hide", _l("Hide")),
                                  SelectChoice("restore", _l("Show again"))],
                         validators=[DataRequired(message=_l("Choose what to do."))])


class DismissForm(Form):
    tab = HiddenField()
