"""Account forms. Labels are lazy so they follow the language of each request."""

from __future__ import annotations

from wtforms import BooleanField, EmailField, PasswordField, RadioField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Email, EqualTo, Length

from ideation.accounts.services import MIN_PASSWORD_LENGTH
from ideation.core.forms import Form
from ideation.core.i18n import LANGUAGE_NAMES
from ideation.core.i18n import lazy_gettext as _l


def _new_password_field(label: object) -> PasswordField:
    return PasswordField(
        label,
        validators=[
            DataRequired(message=_l("Choose a password.")),
            Length(min=MIN_PASSWORD_LENGTH, max=128,
                   message=_l("Use at least %(min)d characters.", min=MIN_PASSWORD_LENGTH)),
        ],
        description=_l("At least %(min)d characters. A short sentence is easy to remember.",
                       min=MIN_PASSWORD_LENGTH),
        render_kw={"autocomplete": "new-password"},
    )


def _email_updates_field() -> BooleanField:
    return BooleanField(
        _l("Also send me updates about my ideas by e-mail"),
        description=_l("For example when your idea becomes part of a prototype. "
                       "You can change this at any time on your account page."),
    )


class RegisterForm(Form):
    name = StringField(
        _l("Your name"),
        validators=[DataRequired(message=_l("Fill in your name.")), Length(max=100)],
        description=_l("Others see this name with your ideas, unless you choose anonymous."),
        render_kw={"autocomplete": "name"},
    )
    email = EmailField(
        _l("E-mail address"),
        validators=[DataRequired(message=_l("Fill in your e-mail address.")),
                    Email(message=_l("This is not a valid e-mail address."),
                          check_deliverability=False),
                    Length(max=254)],
        render_kw={"autocomplete": "email"},
    )
    password = _new_password_field(_l("Password"))
    confirm = PasswordField(
        _l("Password again"),
        validators=[EqualTo("password", message=_l("The two passwords are not the same."))],
        render_kw={"autocomplete": "new-password"},
    )
    email_notifications = _email_updates_field()


class LoginForm(Form):
    email = EmailField(
        _l("E-mail address"),
        validators=[DataRequired(message=_l("Fill in your e-mail address."))],
        render_kw={"autocomplete": "username"},
    )
    password = PasswordField(
        _l("Password"),
        validators=[DataRequired(message=_l("Fill in your password."))],
        render_kw={"autocomplete": "current-password"},
    )
    remember = BooleanField(_l("Stay logged in on this device"))


class ChangePasswordForm(Form):
    current_password = PasswordField(
        _l("Current password"),
        validators=[DataRequired(message=_l("Fill in your current password."))],
        render_kw={"autocomplete": "current-password"},
    )
    password = _new_password_field(_l("New password"))
    confirm = PasswordField(
        _l("New password again"),
        validators=[EqualTo("password", message=_l("The two passwords are not the same."))],
        render_kw={"autocomplete": "new-password"},
    )


class ProfileForm(Form):
    name = StringField(
        _l("Your name"),
        validators=[DataRequired(message=_l("Fill in your name.")), Length(max=100)],
        render_kw={"autocomplete": "name"},
    )
    locale = RadioField(
        _l("Language"),
        choices=[SelectChoice(code, name) for code, name in LANGUAGE_NAMES.items()],
        validators=[DataRequired(message=_l("Choose a language."))],
    )
    email_notifications = _email_updates_field()
