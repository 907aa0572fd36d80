"""Health checks, the language switch, the accessibility statement and page-wide template
helpers."""

from __future__ import annotations

import os
from datetime import date

from flask import Blueprint, Response, current_app, g, jsonify, redirect, render_template, request
from flask_login import current_user
from sqlalchemy import text

from ideation.config import SUPPORTED_LANGUAGES
from ideation.core.forms import EmptyForm
from ideation.core.i18n import LANGUAGE_COOKIE
from ideation.core.security import public, safe_next
from ideation.extensions import db

bp = Blueprint("core", __name__)

ONE_YEAR = 365 * 24 * 3600
# The day the accessibility statement was last brought up to date with the software.
STATEMENT_DATE = date(2026, 12, 5)


@bp.get("/healthz")
@public
def healthz() -> Response:
    """The process is up. Touches nothing else, so a load balancer can poll it cheaply."""
    return jsonify(status="ok")


@bp.get("/readyz")
@public
def readyz() -> tuple[Response, int]:
    """The database answers and the instance folder (uploads, search index) is writable."""
    checks: dict[str, str] = {}
    try:
        db.session.execute(text("SELECT 1"))
        checks["database"] = "ok"
    except Exception as exc:  # noqa: BLE001 - any failure means not ready
        db.session.rollback()
        checks["database"] = f"error: {type(exc).__name__}"
    instance = current_app.instance_path
    checks["instance"] = "ok" if os.access(instance, os.W_OK) else "error: not writable"
    for check in current_app.extensions.get("ideation_readiness", []):
        name, result = check()
        checks[name] = result
    ready = all(value == "ok" for value in checks.values())
    return jsonify(status="ok" if ready else "error", checks=checks), 200 if ready else 503


@bp.post("/language")
@public
def switch_language() -> Response:
    """Remember the chosen language: a cookie for everyone, the account when logged in."""
    form = EmptyForm()
    language = request.form.get("language", "")
    target = safe_next(request.form.get("next"), "/")
    response = redirect(target)
    if not form.validate() or language not in SUPPORTED_LANGUAGES:
        return response
    response.set_cookie(
        LANGUAGE_COOKIE, language, max_age=ONE_YEAR, samesite="Lax", httponly=True,
        secure=current_app.config["SESSION_COOKIE_SECURE"],
    )
    if current_user.is_authenticated:
        current_user.locale = language
        db.session.commit()
    return response


@bp.get("/accessibility")
@public
def accessibility() -> str:
    """The accessibility statement, in the form Dutch public bodies publish it."""
    return render_template("core/accessibility.html", written_on=STATEMENT_DATE,
                           contact=current_app.config["IDEATION_ACCESSIBILITY_CONTACT"])


@bp.app_template_global()
def mark_page_errors() -> str:
    """Called by the error summary while the page renders: the page shows a failed submit."""
    g.page_has_errors = True
    return ""


@bp.app_template_global()
def page_has_errors() -> bool:
    return bool(g.get("page_has_errors"))
