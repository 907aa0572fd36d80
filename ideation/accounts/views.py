"""Register, log in, log out, profile and password."""

from __future__ import annotations

from collections.abc import Callable

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

from ideation.accounts import invitations, services
from ideation.accounts.forms import (
    ChangeEmailForm,
    ChangePasswordForm,
    ForgotPasswordForm,
    InvitationAccountForm,
    LoginForm,
    ProfileForm,
    RegisterForm,
    ResetPasswordForm,
)
from ideation.accounts.tokens import confirmation, user_for_reset
from ideation.core.forms import EmptyForm
from ideation.core.i18n import current_language
from ideation.core.mail import sender_of
from ideation.core.permissions import acting_user
from ideation.core.security import per_user, public, safe_next
from ideation.core.viewhelpers import attach_error, ensure_button_posted
from ideation.extensions import db, limiter
from ideation.privacy.services import privacy_version, record_consent

bp = Blueprint("accounts", __name__)


def _login_limit() -> str:
    return current_app.config["IDEATION_LOGIN_RATE_LIMIT"]


def _login_email_key() -> str:
    return "login-email:" + services.normalise_email(request.form.get("email", ""))


def _mail_limit() -> str:
    return current_app.config["IDEATION_ACCOUNT_MAIL_RATE_LIMIT"]


def _mail_email_key() -> str:
    return "mail-email:" + services.normalise_email(request.form.get("email", ""))


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
            if user is not None:
                record_consent(user)
        except services.AccountError as error:
            attach_error(form, error)
        else:
            db.session.commit()
            # The same answer for a new address and one that has an account; the log-in
            # link there leads back to the page the person came from.
            back = safe_next(request.args.get("next"), "") or None
            return redirect(url_for("accounts.registered", next=back))
    return render_template("accounts/register.html", form=form,
                           privacy_version=privacy_version())


@bp.get("/register/check-your-email")
@public
def registered() -> str:
    return render_template("accounts/registered.html",
                           back=safe_next(request.args.get("next"), "") or None)


@bp.get("/confirm/<token>")
@public
def confirm_email(token: str) -> str:
    found = confirmation(token)
    return render_template("accounts/confirm.html", valid=found is not None, form=EmptyForm())


@bp.post("/confirm/<token>")
@public
def confirm_email_post(token: str) -> Response:
    ensure_button_posted()
    user = services.confirm_email(token)
    if user is None:
        db.session.rollback()
        flash(_("This link does not work (any more). Log in and ask for a new one."), "error")
        return redirect(url_for("accounts.login"))
    db.session.commit()
    if not current_user.is_authenticated or current_user.id != user.id:
        login_user(user)
    flash(_("Thank you. Your e-mail address is confirmed."), "success")
    return redirect(url_for("challenges.index"))


@bp.post("/account/confirm/resend")
@limiter.limit(_mail_limit, key_func=per_user)
def resend_confirmation() -> Response:
    ensure_button_posted()
    services.resend_confirmation(acting_user())
    db.session.commit()
    flash(_("We sent the link again. Look in your e-mail (also in the spam folder)."), "success")
    return redirect(safe_next(request.form.get("next"), url_for("accounts.profile")))


def _send_reset_link(address: str) -> Callable[[], None]:
    app = current_app._get_current_object()  # type: ignore[attr-defined]

    def send() -> None:
        with app.app_context():
            try:
                services.request_password_reset(address)
                db.session.commit()
            except Exception:  # noqa: BLE001 - the person may ask again; never break a worker
                db.session.rollback()
                app.logger.exception("queueing a password-reset link failed")
                return
        if app.config["IDEATION_MAIL_BACKGROUND"]:
            sender_of(app).wake()
    return send


@bp.route("/forgot-password", methods=["GET", "POST"])
@public
@limiter.limit(_mail_limit, methods=["POST"])
@limiter.limit(_mail_limit, methods=["POST"], key_func=_mail_email_key)
def forgot_password() -> str | Response:
    form = ForgotPasswordForm()
    if form.validate_on_submit():
        # The same words, and the same work, whether or not the address has an account: the
        # look-up and the e-mail happen after the answer has gone out.
        flash(_("If there is an account with this e-mail address, we have sent it a link to "
                "choose a new password. Look in your e-mail (also in the spam folder)."),
              "success")
        response = redirect(url_for("accounts.login"))
        response.call_on_close(_send_reset_link(form.email.data))
        return response
    return render_template("accounts/forgot.html", form=form)


@bp.route("/reset-password/<token>", methods=["GET", "POST"])
@public
@limiter.limit(_mail_limit, methods=["POST"])
def reset_password(token: str) -> str | Response:
    if user_for_reset(token) is None:
        return render_template("accounts/reset.html", form=None), 404
    form = ResetPasswordForm()
    if form.validate_on_submit():
        try:
            user = services.reset_password(token, form.password.data)
        except services.AccountError as error:
            db.session.rollback()
            attach_error(form, error)
        else:
            db.session.commit()
            login_user(user)  # a new session: every other one ended with the old password
            flash(_("Your new password is saved. Other devices are logged out."), "success")
            return redirect(url_for("challenges.index"))
    return render_template("accounts/reset.html", form=form)


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
    services.log_out(acting_user())
    db.session.commit()
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
        current_user.pseudonym = (form.pseudonym.data or "").strip() or None
        current_user.thanks_by_name = bool(form.thanks_by_name.data)
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
            services.change_password(acting_user(), form.current_password.data,
                                     form.password.data)
        except services.AccountError as error:
            db.session.rollback()
            attach_error(form, error)
        else:
            db.session.commit()
            # The session token changed: log this session in again so only the others end.
            login_user(acting_user())
            flash(_("Your password is changed. Other devices are logged out."), "success")
            return redirect(url_for("accounts.profile"))
    return render_template("accounts/password.html", form=form)


@bp.route("/account/email", methods=["GET", "POST"])
@limiter.limit(_mail_limit, methods=["POST"], key_func=per_user)
def change_email() -> str | Response:
    form = ChangeEmailForm()
    if form.validate_on_submit():
        try:
            services.request_email_change(acting_user(), form.email.data, form.password.data)
        except services.AccountError as error:
            db.session.rollback()
            attach_error(form, error)
        else:
            db.session.commit()
            flash(_("We sent a link to the new address. Your address changes when you open "
                    "it. Until then you keep using the old one."), "success")
            return redirect(url_for("accounts.profile"))
    return render_template("accounts/email.html", form=form)


@bp.route("/invitations/<token>", methods=["GET", "POST"])
@public
@limiter.limit(lambda: current_app.config["IDEATION_TOKEN_RATE_LIMIT"])
def invitation(token: str) -> str | Response | tuple[str, int]:
    """Accept an invitation into a role: log in (or make an account) and land in the
    challenge."""
    found = invitations.open_invitation(token)
    if found is None:
        return render_template("accounts/invitation.html", invitation=None), 404
    has_account = services.find_user_by_email(found.email) is not None
    form = InvitationAccountForm() if not has_account else None
    button = EmptyForm()
    if request.method == "POST":
        try:
            if current_user.is_authenticated:
                ensure_button_posted()
                invitations.accept(found, acting_user())
                user = acting_user()
            elif form is not None and form.validate_on_submit():
                user = invitations.accept_with_new_account(
                    found, form.name.data, form.password.data, current_language())
                record_consent(user)
            else:
                user = None
        except services.AccountError as error:
            db.session.rollback()
            if form is not None:
                attach_error(form, error)
            else:
                flash(str(error), "error")
            user = None
        if user is not None:
            challenge = found.challenge
            role = invitations.role_name(found.role)
            db.session.commit()
            if not current_user.is_authenticated:
                login_user(user)
            flash(_("Welcome. You are now %(role)s in “%(challenge)s”.", role=role,
                    challenge=challenge.title), "success")
            return redirect(url_for("challenges.show", slug=challenge.slug))
    return render_template("accounts/invitation.html", invitation=found, form=form,
                           button=button, has_account=has_account,
                           role=invitations.role_name(found.role))
