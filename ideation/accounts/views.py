"""Register, log in, log out, profile and password."""

from __future__ import annotations

from flask import (
    Blueprint,
    Response,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user, login_user, logout_user

from ideation.accounts import services
from ideation.accounts.forms import ChangePasswordForm, LoginForm, ProfileForm, RegisterForm
from ideation.core.forms import EmptyForm
from ideation.core.i18n import current_language
from ideation.core.permissions import acting_user
from ideation.core.security import public, safe_next
from ideation.extensions import db, limiter

bp = Blueprint("accounts", __name__)


def _login_limit() -> str:
    return current_app.config["IDEATION_LOGIN_RATE_LIMIT"]


def _login_email_key() -> str:
    return "login-email:" + services.normalise_email(request.form.get("email", ""))


def _failed(response: Response) -> bool:
    # Only failed attempts count; a successful log-in redirects.
    return response.status_code != 302


@bp.route("/register", methods=["GET", "POST"])
@public
@limiter.limit("20 per hour", methods=["POST"])
def register() -> str | Response:
    if current_user.is_authenticated:
        return redirect(url_for("challenges.index"))
    form = RegisterForm()
    if form.validate_on_submit():
        try:
            user = services.register_user(
                form.email.data, form.name.data, form.password.data, locale=current_language(),
                email_notifications=form.email_notifications.data,
            )
        except services.AccountError as error:
            getattr(form, error.field or "email").errors.append(str(error))
        else:
            db.session.commit()
            login_user(user)
            flash(_("Welcome, %(name)s. Your account is ready.", name=user.name), "success")
            return redirect(safe_next(request.args.get("next"), url_for("challenges.index")))
    return render_template("accounts/register.html", form=form)


@bp.route("/login", methods=["GET", "POST"])
@public
@limiter.limit(_login_limit, methods=["POST"], deduct_when=_failed)
@limiter.limit(_login_limit, methods=["POST"], key_func=_login_email_key, deduct_when=_failed)
def login() -> str | Response:
    target = safe_next(request.args.get("next"), url_for("challenges.index"))
    if current_user.is_authenticated:
        return redirect(target)
    form = LoginForm()
    if form.validate_on_submit():
        user = services.authenticate(form.email.data, form.password.data)
        if user is not None:
            db.session.commit()
            login_user(user, remember=form.remember.data)
            return redirect(target)
        form.password.errors.append(_("The e-mail address or password is not correct."))
    return render_template("accounts/login.html", form=form)


@bp.post("/logout")
def logout() -> Response:
    logout_user()
    flash(_("You are logged out."), "success")
    return redirect(url_for("challenges.index"))


@bp.route("/account", methods=["GET", "POST"])
def profile() -> str | Response:
    form = ProfileForm(obj=current_user)
    if request.method == "GET":
        form.locale.data = current_user.locale or current_language()
    if form.validate_on_submit():
        current_user.name = form.name.data.strip()
        current_user.locale = form.locale.data
        current_user.email_notifications = form.email_notifications.data
        db.session.commit()
        flash(_("Your details are saved."), "success")
        response = redirect(url_for("accounts.profile"))
        response.delete_cookie("lang")  # the account's language now decides
        return response
    return render_template("accounts/profile.html", form=form, logout_form=EmptyForm())


@bp.route("/account/password", methods=["GET", "POST"])
def change_password() -> str | Response:
    form = ChangePasswordForm()
    if form.validate_on_submit():
        try:
            services.change_password(current_user, form.current_password.data, form.password.data)
        except services.AccountError as error:
            form.current_password.errors.append(str(error))
        else:
            db.session.commit()
            # The session token changed: log this session in again so only the others end.
            login_user(acting_user())
            flash(_("Your password is changed. Other devices are logged out."), "success")
            return redirect(url_for("accounts.profile"))
    return render_template("accounts/password.html", form=form)
