"""Forms of the privacy feature."""

from __future__ import annotations

from wtforms import IntegerField, PasswordField, RadioField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional

from ideation.core.forms import Form
from ideation.core.i18n import lazy_gettext as _l
from ideation.privacy.models import MAX_RETENTION_MONTHS


class StatementForm(Form):
    body_nl = TextAreaField(_l("Privacy statement in Dutch"),
                            validators=[DataRequired(message=_l("Write the statement in Dutch."))],
                            render_kw={"rows": 16})
    body_en = TextAreaField(_l("Privacy statement in English"),
                            validators=[DataRequired(
                                message=_l("Write the statement in English."))],
                            render_kw={"rows": 16})


class RetentionForm(Form):
    retention_months = IntegerField(
        _l("Retention period in months"),
        validators=[Optional(), NumberRange(min=1, max=MAX_RETENTION_MONTHS,
                                            message=_l("Choose a number from 1 to %(max)s.",
                                                       max=MAX_RETENTION_MONTHS))],
        description=_l("After this many months, closed challenges lose every name and "
                       "accounts nobody logged in to are deleted (their ideas stay without a "
                       "name). Leave empty to keep everything until people delete it "
                       "themselves."),
    )


class DeleteAccountForm(Form):
    contributions = RadioField(
        _l("What happens to your ideas and responses?"),
        choices=[
            SelectChoice("remove", _l("Remove them too")),
            SelectChoice("keep", _l("Keep them, shown as \u201cdeleted participant\u201d")),
        ],
        validators=[InputRequired(message=_l("Choose what happens to your ideas."))],
    )
    password = PasswordField(
        _l("Your password"),
        validators=[DataRequired(message=_l("Fill in your password."))],
        render_kw={"autocomplete": "current-password"},
    )


class AdminDeleteAccountForm(Form):
    """An admin deletes someone else's account: what happens to their contributions, why, and
    the account's address typed again so the wrong person is not deleted by a slip."""

    contributions = RadioField(
        _l("What happens to their ideas and responses?"),
        choices=[
            SelectChoice("remove", _l("Remove them too")),
            SelectChoice("keep", _l("Keep them, shown as \u201cdeleted participant\u201d")),
        ],
        validators=[InputRequired(message=_l("Choose what happens to their ideas."))],
    )
    reason = TextAreaField(
        _l("Reason"),
        validators=[DataRequired(message=_l("Write why this account is deleted.")),
                    Length(max=500, message=_l("Use at most 500 characters."))],
        description=_l("Kept in the audit log, for example: "
                       "\u201cAsked by e-mail on 3 March\u201d."),
        render_kw={"rows": 3},
    )
    confirm_email = StringField(
        _l("Type the e-mail address of this account to confirm"),
        validators=[DataRequired(message=_l("Type the e-mail address of this account."))],
        render_kw={"autocomplete": "off", "spellcheck": "false"},
    )
