"""Account forms. Labels are lazy so they follow the language of each request."""

from __future__ import annotations

from wtforms import BooleanField, EmailField, PasswordField, RadioField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Email, EqualTo, Length

from ideation.accounts.passwords import MAX_PASSWORD_LENGTH, MIN_PASSWORD_LENGTH
from ideation.core.forms import Form
from ideation.core.i18n import LANGUAGE_NAMES
from ideation.core.i18n import lazy_gettext as _l


def _new_password_field(label: object) -> PasswordField:
    return PasswordField(
        label,
        validators=[
            DataRequired(message=_l("Choose a password.")),
            Length(min=MIN_PASSWORD_LENGTH, max=MAX_PASSWORD_LENGTH,
                   message=_l("Use at least %(min)d characters.", min=MIN_PASSWORD_LENGTH)),
        ],
        description=_l("At least %(min)d characters, not easy to guess, and not your e-mail "
                       "address. A short sentence is easy to remember.",
                       min=MIN_PASSWORD_LENGTH),
        render_kw={"autocomplete": "new-password"},
    )


def _email_field(label: object = None) -> EmailField:
    return EmailField(
        label or _l("E-mail address"),
        validators=[DataRequired(message=_l("Fill in your e-mail address.")),
                    Email(message=_l("This is not a valid e-mail address."),
                          check_deliverability=False),
                    Length(max=254)],
        render_kw={"autocomplete": "email"},
    )


def _confirm_field(label: object) -> PasswordField:
    return PasswordField(
        label,
        validators=[EqualTo("password", message=_l("The two passwords are not the same."))],
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
        description=_l("How your name is shown with your ideas depends on the challenge. You "
                       "see it before you send anything in."),
        render_kw={"autocomplete": "name"},
    )
    email = _email_field()
    password = _new_password_field(_l("Password"))
    confirm = _confirm_field(_l("Password again"))
    email_notifications = _email_updates_field()
    privacy = BooleanField(
        _l("I have read the privacy statement and agree"),
        validators=[DataRequired(message=_l("You can only make an account if you agree."))],
    )


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
    confirm = _confirm_field(_l("New password again"))


class ForgotPasswordForm(Form):
    email = _email_field()


class ResetPasswordForm(Form):
    password = _new_password_field(_l("New password"))
    confirm = _confirm_field(_l("New password again"))


class ChangeEmailForm(Form):
    email = _email_field(_l("New e-mail address"))
    password = PasswordField(
        _l("Your password"),
        validators=[DataRequired(message=_l("Fill in your password."))],
        render_kw={"autocomplete": "current-password"},
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
    pseudonym = StringField(
        _l("The name you choose for challenges that show chosen names (optional)"),
        validators=[Length(max=60, message=_l("Use at most 60 characters."))],
    )
    thanks_by_name = BooleanField(
        _l("Thank me by name in the Agenda for Action of challenges I took part in"))


class InvitationAccountForm(Form):
    """Joining from an invitation without an account: the address is the invited one."""

    name = StringField(
        _l("Your name"),
        validators=[DataRequired(message=_l("Fill in your name.")), Length(max=100)],
        render_kw={"autocomplete": "name"},
    )
    password = _new_password_field(_l("Password"))
    confirm = _confirm_field(_l("Password again"))
    privacy = BooleanField(
        _l("I have read the privacy statement and agree"),
        validators=[DataRequired(message=_l("You can only make an account if you agree."))],
    )
