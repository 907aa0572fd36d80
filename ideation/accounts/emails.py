"""The e-mails of the accounts feature, each in the language of the person who gets it.

They are about the account itself (asked for by the person, or telling them of a change to
it), so they carry no unsubscribe link; notifications do (``ideation.notifications``).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from flask import current_app
from flask_babel import force_locale
from flask_babel import gettext as _

from ideation.accounts import tokens
from ideation.accounts.models import User
from ideation.core.mail import path_for, queue_mail, site_url


@contextmanager
def _language_of(user: User | None) -> Iterator[None]:
    locale = (user.locale if user is not None else None)
    with force_locale(locale or current_app.config["BABEL_DEFAULT_LOCALE"]):
        yield


def _link(endpoint: str, **values: object) -> str:
    return site_url(path_for(endpoint, **values))


def _body(*paragraphs: str) -> str:
    return "\n\n".join(paragraphs) + "\n"


def _signature() -> str:
    return "-- \n" + _("This e-mail was sent by the ideation platform (%(site)s).",
                      site=current_app.config["IDEATION_BASE_URL"])


def send_confirmation(user: User, address: str) -> None:
    """The link that confirms ``address`` (a new account's, or a new address) for ``user``."""
    with _language_of(user):
        link = _link("accounts.confirm_email", token=tokens.confirm_token(user, address))
        queue_mail(address, _("Confirm your e-mail address"), _body(
            _("Hello %(name)s,", name=user.name),
            _("Please confirm that this is your e-mail address. Open this link:"),
            link,
            _("The link works for 7 days. Until you confirm, your ideas and responses wait "
              "as drafts. They are sent as soon as you confirm."),
            _("Did you not make an account? Then you can ignore this e-mail."),
            _signature(),
        ))


def send_already_registered(user: User) -> None:
    """Someone registered with an address that has an account: tell its owner, not them."""
    with _language_of(user):
        queue_mail(user.email, _("You already have an account"), _body(
            _("Hello %(name)s,", name=user.name),
            _("Someone tried to make a new account with your e-mail address. Was that you? "
              "You already have an account. Log in here:"),
            _link("accounts.login"),
            _("Forgot your password? Choose a new one here:"),
            _link("accounts.forgot_password"),
            _("Was it not you? Then you can ignore this e-mail. Nothing has changed."),
            _signature(),
        ))


def send_password_reset(user: User) -> None:
    with _language_of(user):
        queue_mail(user.email, _("Choose a new password"), _body(
            _("Hello %(name)s,", name=user.name),
            _("You asked for a new password. Open this link to choose one:"),
            _link("accounts.reset_password", token=tokens.reset_token(user)),
            _("The link works for 1 hour and only once. After the change, you are logged "
              "out on all other devices."),
            _("Did you not ask for this? Then you can ignore this e-mail. Your password "
              "stays the same."),
            _signature(),
        ))


def send_address_change_notice(user: User, new_address: str) -> None:
    """Tell the old address that the account asked to move to another one."""
    with _language_of(user):
        queue_mail(user.email, _("Your e-mail address is being changed"), _body(
            _("Hello %(name)s,", name=user.name),
            _("Someone asked to change the e-mail address of your account to %(address)s. "
              "The change happens when the link sent to that address is opened.",
              address=new_address),
            _("Was this not you? Then choose a new password right away:"),
            _link("accounts.forgot_password"),
            _signature(),
        ))


def send_address_taken(user: User, new_address: str) -> None:
    """The new address already belongs to an account: tell that address, change nothing."""
    with _language_of(user):
        queue_mail(new_address, _("This e-mail address already has an account"), _body(
            _("Hello,"),
            _("Someone asked to use this e-mail address for an account on the ideation "
              "platform. There already is an account with this address, so nothing was "
              "changed."),
            _("Forgot your password? Choose a new one here:"),
            _link("accounts.forgot_password"),
            _signature(),
        ))
