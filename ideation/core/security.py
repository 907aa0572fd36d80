"""Security in one place: deny-by-default access, response headers and safe redirects."""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar
from urllib.parse import urlsplit

from flask import Flask, Response, abort, current_app, request
from flask_login import current_user

from ideation.extensions import login_manager

F = TypeVar("F", bound=Callable[..., object])

CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "font-src 'self'",
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ]
)

SECURITY_HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    # Personal invitation links carry tokens in the path; never leak them to other sites.
    "Referrer-Policy": "same-origin",
    "Cross-Origin-Opener-Policy": "same-origin",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=(), payment=()",
}


def public(view: F) -> F:
    """Mark a view as reachable without logging in. Everything else requires a login."""
    view.is_public = True  # type: ignore[attr-defined]
    return view


def is_public_endpoint(app: Flask, endpoint: str | None) -> bool:
    if endpoint is None or endpoint == "static":
        return True  # no route matched: let the 404/405 handler answer
    view = app.view_functions.get(endpoint)
    return bool(getattr(view, "is_public", False))


def require_login_unless_public() -> Response | None:
    if is_public_endpoint(current_app, request.endpoint):
        return None
    if current_user.is_authenticated:
        return None
    return login_manager.unauthorized()


def refuse_nul_characters() -> None:
    """400 for a NUL character anywhere in the path, query string or form fields.

    Nobody can type one, PostgreSQL refuses to store or even compare text holding one (a
    DataError: a 500 wherever such a value reached a query), and SQLite would keep it
    silently. One check here instead of one per field.
    """
    fields = [*request.args.items(multi=True)]
    if request.method in ("POST", "PUT", "PATCH"):
        fields += request.form.items(multi=True)
    if "\x00" in request.path or any("\x00" in name or "\x00" in value
                                      for name, value in fields):
        abort(400)


def add_security_headers(response: Response) -> Response:
    for name, value in SECURITY_HEADERS.items():
        response.headers.setdefault(name, value)
    if current_app.config.get("SESSION_COOKIE_SECURE"):
        response.headers.setdefault("Strict-Transport-Security", "max-age=31536000")
    # Pages for logged-in people must not be kept by shared caches.
    if current_user.is_authenticated and "Cache-Control" not in response.headers:
        response.headers["Cache-Control"] = "private, no-store"
    return response


def safe_next(target: str | None, default: str) -> str:
    """Return ``target`` if it is a path on this site, otherwise ``default``.

    Refuses absolute URLs, scheme-relative ``//host`` and backslash tricks browsers normalise.
    """
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return default
    if any(ord(ch) < 32 for ch in target):
        return default
    parts = urlsplit(target)
    if parts.scheme or parts.netloc:
        return default
    return target


def per_user() -> str:
    """Rate-limit key: the account when logged in (many citizens may share one address at a
    town hall session), the address otherwise."""
    if current_user.is_authenticated:
        return f"user:{current_user.id}"
    return f"addr:{request.remote_addr}"


def init_app(app: Flask) -> None:
    app.before_request(refuse_nul_characters)
    app.before_request(require_login_unless_public)
    app.after_request(add_security_headers)
