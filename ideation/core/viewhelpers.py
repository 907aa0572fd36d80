"""What the views of every feature do around one service change: run it, commit and say so; or
roll back and show why not. Each feature passes its own error class(es): the services raise
them with a translated message and, optionally, ``field`` (the form field it is about) or
``errors`` ({field name: message}, "" for the form as a whole) when several fields are wrong.

A feature binds its error class once, for example::

    _attempt = partial(attempt, errors=services.CurationError)
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import abort, flash, redirect
from werkzeug.wrappers import Response
from wtforms import Form

from ideation.challenges.phases import PhaseClosed
from ideation.core.forms import EmptyForm
from ideation.extensions import db

ErrorClasses = type[Exception] | tuple[type[Exception], ...]


def ensure_button_posted() -> None:
    """A POST button carries a valid CSRF token (EmptyForm); 400 otherwise."""
    if not EmptyForm().validate():
        abort(400)


def attach_message(form: Form, name: str | None, message: str) -> None:
    """Show ``message`` next to the field called ``name``, or above the form when there is no
    such field or it is hidden (a hidden field shows no errors)."""
    field = form._fields.get(name or "")
    if field is None or field.type == "HiddenField":
        form.form_errors.append(message)
    else:
        field.errors = [*field.errors, message]


def attach_error(form: Form, error: Exception) -> None:
    """Show a service error on the form: on the field(s) it names, else above the form."""
    messages = getattr(error, "errors", None) or {getattr(error, "field", None): str(error)}
    for name, message in messages.items():
        attach_message(form, name, message)


def submit(form: Form, change: Callable[[], Any], *,
           errors: ErrorClasses) -> tuple[Any, int | None]:
    """Run a form's change and commit: (its result, None). When a rule stops it, nothing is
    stored, the reason is attached to the form and the status to answer with is returned:
    409 for a closed phase, 422 for one of ``errors``."""
    try:
        result = change()
    except PhaseClosed as closed:
        db.session.rollback()
        form.form_errors.append(closed.verdict.reason)
        return None, 409
    except errors as error:
        db.session.rollback()
        attach_error(form, error)
        return None, 422
    db.session.commit()
    return result, None


def attempt(change: Callable[[], Any], done: str | Callable[[Any], str],
            back: str | Response, *, errors: ErrorClasses) -> Response:
    """Run one button action: commit and flash ``done`` (or ``done(result)``), or roll back and
    flash why not. Either way go ``back`` (an address or a ready response)."""
    try:
        result = change()
    except PhaseClosed as closed:
        db.session.rollback()
        flash(closed.verdict.reason, "error")
    except errors as error:
        db.session.rollback()
        flash(str(error), "error")
    else:
        db.session.commit()
        flash(done(result) if callable(done) else done, "success")
    return redirect(back) if isinstance(back, str) else back
