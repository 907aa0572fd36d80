"""Error pages in the user's language, and a rollback whenever a request fails."""

from __future__ import annotations

from flask import Flask, render_template
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException, InternalServerError

from ideation.core.i18n import lazy_gettext as _l
from ideation.extensions import db

MESSAGES = {
    400: (_l("Something went wrong with your request"),
          _l("The page could not handle what was sent. Go back and try again.")),
    403: (_l("You do not have access to this page"),
          _l("You are logged in, but this page is not for your role. "
             "If you think this is a mistake, contact the team of the challenge.")),
    404: (_l("Page not found"),
          _l("This page does not exist (any more). Check the address or go to the start page.")),
    405: (_l("This does not work here"),
          _l("The page does not accept this kind of request.")),
    413: (_l("What you sent is too large"),
          _l("Make your photos smaller or send fewer at once, and try again.")),
    429: (_l("Too many attempts"),
          _l("Wait a minute and try again.")),
    500: (_l("Something went wrong on our side"),
          _l("Nothing you did caused this. Try again in a moment. "
             "If it keeps happening, let the team know.")),
}
CSRF_MESSAGE = (
    _l("This page had expired"),
    _l("For your safety the form was not sent. Go back, reload the page and try again."),
)


def render_error(code: int, title: object, text: object) -> tuple[str, int]:
    return render_template("errors/error.html", code=code, title=title, text=text), code


def handle_http_exception(error: HTTPException) -> tuple[str, int] | HTTPException:
    code = error.code or 500
    if code not in MESSAGES:
        return error
    title, text = MESSAGES[code]
    return render_error(code, title, text)


def handle_csrf_error(error: CSRFError) -> tuple[str, int]:
    return render_error(400, *CSRF_MESSAGE)


def handle_unexpected(error: InternalServerError) -> tuple[str, int]:
    # Flask has already logged the original exception; the user gets a calm page.
    db.session.rollback()
    return render_error(500, *MESSAGES[500])


def init_app(app: Flask) -> None:
    app.register_error_handler(CSRFError, handle_csrf_error)
    app.register_error_handler(HTTPException, handle_http_exception)
    app.register_error_handler(InternalServerError, handle_unexpected)

    @app.teardown_request
    def rollback_on_error(exc: BaseException | None) -> None:
        if exc is not None:
            db.session.rollback()
