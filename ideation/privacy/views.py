"""Routes of the privacy feature: the statement, the admin's settings, my data, deleting my
account and anonymising a challenge."""

from __future__ import annotations

import json
from datetime import timedelta

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_login import logout_user
from werkzeug.exceptions import Forbidden

from ideation.accounts import people
from ideation.accounts.models import User
from ideation.core.i18n import current_language
from ideation.core.permissions import acting_user, admin_required
from ideation.core.routing import page_arg
from ideation.core.schedule import register_job
from ideation.core.security import public
from ideation.core.viewhelpers import ensure_button_posted, submit
from ideation.extensions import db
from ideation.loaders import get_challenge
from ideation.privacy import erasure, export, services
from ideation.privacy.forms import (
    AdminDeleteAccountForm,
    DeleteAccountForm,
    RetentionForm,
    StatementForm,
)

bp = Blueprint("privacy", __name__)
# Daily: nothing waits for an operator (``core/schedule.py``); ``flask privacy retention`` too.
register_job("privacy.retention", timedelta(days=1), erasure.run_retention)


@bp.get("/privacy")
@public
def statement() -> str:
    language = current_language()
    return render_template("privacy/statement.html", text=services.statement_text(language),
                           version=services.privacy_version())


@bp.route("/admin/privacy", methods=["GET", "POST"])
@admin_required
def settings() -> str | Response:
    form = StatementForm()
    retention = RetentionForm(prefix="retention")
    if request.method == "GET":
        form.body_nl.data = services.statement_text("nl")
        form.body_en.data = services.statement_text("en")
        retention.retention_months.data = services.retention_months()
    status = None
    if "body_nl" in request.form and form.validate_on_submit():
        _done, status = submit(form, lambda: services.set_statement(
            acting_user(), form.body_nl.data, form.body_en.data), errors=services.PrivacyError)
        if status is None:
            flash(_("The new privacy statement is published."), "success")
            return redirect(url_for("privacy.settings"))
    elif "retention-retention_months" in request.form and retention.validate_on_submit():
        _done, status = submit(retention, lambda: services.set_retention(
            acting_user(), retention.retention_months.data), errors=services.PrivacyError)
        if status is None:
            flash(_("The retention period is saved."), "success")
            return redirect(url_for("privacy.settings"))
    return render_template("privacy/settings.html", form=form, retention=retention,
                           version=services.privacy_version()), status or 200


@bp.get("/account/my-data")
def my_data() -> str:
    """Everything stored about me, readable, with the JSON download."""
    data = export.readable(export.my_data(acting_user()),
                           current_app.config["BABEL_DEFAULT_LOCALE"])
    return render_template("privacy/my_data.html", data=data, labels=services.table_labels())


@bp.get("/account/my-data.json")
def my_data_json() -> Response:
    data = export.my_data(acting_user())
    body = json.dumps(data, ensure_ascii=False, indent=2, sort_keys=True)
    return Response(body, mimetype="application/json", headers={
        "Content-Disposition": 'attachment; filename="my-data.json"'})


@bp.route("/account/delete", methods=["GET", "POST"])
def delete_account() -> str | Response | tuple[str, int]:
    form = DeleteAccountForm()
    user = acting_user()
    if form.validate_on_submit():
        if not user.check_password(form.password.data):
            form.password.errors.append(_("Your current password is not correct."))
        else:
            done = erasure.delete_account(user, user,
                                          keep_contributions=form.contributions.data == "keep")
            db.session.commit()
            logout_user()
            response = redirect(url_for("challenges.index"))
            response.call_on_close(done.finish_in_background())
            flash(_("Your account is deleted. Thank you for taking part."), "success")
            return response
        return render_template("privacy/delete.html", form=form), 422
    status = 422 if request.method == "POST" else 200
    return render_template("privacy/delete.html", form=form), status


@bp.get("/admin/people")
@admin_required
def people_list() -> str:
    """Every account, newest first, to find a person by name or e-mail address."""
    query = request.args.get("q", "")[:254]
    return render_template("privacy/people.html",
                           page=people.people_page(acting_user(), query, page_arg()))


@bp.route("/admin/people/<int:user_id>", methods=["GET", "POST"])
@admin_required
def person(user_id: int) -> str | Response | tuple[str, int]:
    """One account: what it holds, and deleting it for someone who asked (AVG art. 17) or for
    an account that broke the rules. Your own account is deleted from your account page."""
    admin = acting_user()
    user = db.session.get(User, user_id) or abort(404)
    form = AdminDeleteAccountForm()
    own = user.id == admin.id
    status = 422 if request.method == "POST" else 200
    if request.method == "POST" and own:
        form.form_errors.append(_("Delete your own account from your account page."))
    elif form.validate_on_submit():
        if form.confirm_email.data.strip().lower() != user.email.lower():
            form.confirm_email.errors.append(
                _("This is not the e-mail address of this account."))
        else:
            done = erasure.delete_account(admin, user,
                                          keep_contributions=form.contributions.data == "keep",
                                          reason=form.reason.data.strip())
            db.session.commit()
            response = redirect(url_for("privacy.people_list"))
            response.call_on_close(done.finish_in_background())
            flash(_("The account is deleted."), "success")
            return response
    return render_template("privacy/person.html", person=user, own=own, form=form,
                           summary=people.person_summary(admin, user)), status


@bp.post("/c/<slug>/manage/anonymise")
@admin_required
def anonymise(slug: str) -> Response:
    challenge = get_challenge(slug, manage=True)
    ensure_button_posted()
    if challenge.anonymised_dt is not None:
        abort(409)
    try:
        count = erasure.anonymise_challenge(acting_user(), challenge)
    except Forbidden:
        db.session.rollback()
        flash(_("Only a closed challenge can be anonymised."), "error")
        return redirect(url_for("challenges.manage", slug=slug))
    db.session.commit()
    flash(_("The challenge is anonymised: %(count)s ideas no longer name anyone.", count=count),
          "success")
    return redirect(url_for("challenges.manage", slug=slug))
