"""Invitations (core team), the personal token links, answering and "my rounds".

The forms of these pages live here, beside the only views that use them.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import (
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
from flask_babel import ngettext
from flask_login import current_user
from sqlalchemy.exc import IntegrityError
from wtforms.fields.choices import SelectChoice

from ideation.challenges.phases import Action, PhaseClosed, check
from ideation.core.forms import EmptyForm, Form
from ideation.core.i18n import content_choice, local_date
from ideation.core.permissions import acting_user
from ideation.core.routing import page_arg
from ideation.core.security import public
from ideation.core.viewhelpers import attach_message, attempt, ensure_button_posted
from ideation.extensions import db, limiter
from ideation.loaders import managed_round
from ideation.prototypes.models import PrototypeImage
from ideation.prototypes.services import get_image
from ideation.prototypes.views import send_image
from ideation.validation import invitations
from ideation.validation.answer_form import answers_from_form, build_answer_form
from ideation.validation.answering import AnsweringError, save_response, stored_form_data
from ideation.validation.blueprint import bp
from ideation.validation.forms import AnswerExtras, InviteCsvForm, InviteListForm, InviteOneForm
from ideation.validation.invitations import InvitationError, Line
from ideation.validation.models import Invitation, Round, RoundState
from ideation.validation.services import effective_state

# Endpoints that carry a personal token (or show a page built from one).
TOKEN_ENDPOINTS = {"validation.token_answer", "validation.token_image", "validation.answer",
                   "validation.stop_reminders"}
# Per address. The images of a page have their own budget, so a version with many images
# does not use up the page's; an image is served only after the same token check.
token_limit = limiter.shared_limit(lambda: current_app.config["IDEATION_TOKEN_RATE_LIMIT"],
                                   scope="stakeholder-link")
image_limit = limiter.shared_limit(lambda: current_app.config["IDEATION_TOKEN_RATE_LIMIT"],
                                   scope="stakeholder-link-images")


# --- loading ---------------------------------------------------------------------------------


def _managed_invitation(slug: str, round_id: int, invitation_id: int) -> Invitation:
    round_ = managed_round(slug, round_id)
    invitation = invitations.get_invitation(round_, invitation_id)
    if invitation is None:
        abort(404)
    return invitation


def _invitations_url(round_: Round) -> str:
    return url_for("validation.invitations", slug=round_.challenge.slug, round_id=round_.id)


def _group_choices(round_: Round) -> list[SelectChoice]:
    first = [SelectChoice("", _("Choose a group"))] if len(round_.groups) > 1 else []
    return first + [content_choice(group.name, group.name, round_.challenge)
                    for group in round_.groups]


# --- the core team's invitations page ---------------------------------------------------------


def _render_invitations(round_: Round, status: int = 200, *, one: InviteOneForm | None = None,
                        pasted: InviteListForm | None = None, upload: InviteCsvForm | None = None,
                        problems: list[invitations.LineProblem] | None = None,
                        problems_in: str = "") -> tuple[str, int]:
    one = one or InviteOneForm(formdata=None)
    one.group.choices = _group_choices(round_)
    if not round_.groups:
        del one.group
    page_number = page_arg()
    return render_template(
        "validation/invitations.html", challenge=round_.challenge, round=round_, one=one,
        pasted=pasted or InviteListForm(formdata=None), upload=upload or InviteCsvForm(
            formdata=None), problems=problems or [], problems_in=problems_in,
        page=invitations.invitation_page(round_, page_number),
        counts=invitations.invitation_counts(round_), button_form=EmptyForm(),
        verdict=check(round_.challenge, Action.run_validation),
        is_closed=effective_state(round_) is RoundState.closed,
        status_of=invitations.answer_status,
        round_url=url_for("validation.round", slug=round_.challenge.slug, round_id=round_.id),
    ), status


@bp.get("/c/<slug>/rounds/<int:round_id>/invitations", endpoint="invitations")
def invitations_page(slug: str, round_id: int) -> tuple[str, int]:
    round_ = managed_round(slug, round_id)
    return _render_invitations(round_)


def _report_invited(result: invitations.InviteResult, numbered: bool) -> None:
    count = len(result.invited)
    if count:
        flash(ngettext("%(num)s person is invited.", "%(num)s people are invited.", count),
              "success")
    if count and not result.sent:
        flash(_("The e-mails are sent when the round opens."), "info")
    for skipped in result.skipped:
        flash(_("Line %(line)s skipped: %(reason)s", line=skipped.number, reason=skipped.reason)
              if numbered else skipped.reason, "info")


def _invite(round_: Round, lines: Callable[[], list[Line]],
            failed: Callable[[InvitationError], tuple[str, int]], *,
            numbered: bool = True) -> Response | tuple[str, int]:
    """Invite, commit and report; or roll back and show why (phase: flash and back)."""
    try:
        result = invitations.invite_stakeholders(acting_user(), round_, lines())
    except PhaseClosed as closed:
        db.session.rollback()
        flash(closed.verdict.reason, "error")
        return redirect(_invitations_url(round_))
    except InvitationError as error:
        db.session.rollback()
        return failed(error)
    db.session.commit()
    _report_invited(result, numbered)
    return redirect(_invitations_url(round_))


@bp.post("/c/<slug>/rounds/<int:round_id>/invitations/one")
def invite_one(slug: str, round_id: int) -> Response | tuple[str, int]:
    round_ = managed_round(slug, round_id)
    form = InviteOneForm()
    form.group.choices = _group_choices(round_)
    if not form.validate():
        return _render_invitations(round_, 422, one=form)

    def failed(error: InvitationError) -> tuple[str, int]:
        for problem in error.problems or [invitations.LineProblem(1, str(error), error.field)]:
            attach_message(form, problem.field, problem.reason)
        return _render_invitations(round_, 422, one=form)

    return _invite(round_, lambda: [Line(1, form.email.data or "", form.group.data or "",
                                         form.name.data or "")], failed, numbered=False)


@bp.post("/c/<slug>/rounds/<int:round_id>/invitations/list")
def invite_list(slug: str, round_id: int) -> Response | tuple[str, int]:
    round_ = managed_round(slug, round_id)
    form = InviteListForm()
    if not form.validate():
        return _render_invitations(round_, 422, pasted=form)

    def failed(error: InvitationError) -> tuple[str, int]:
        attach_message(form, "addresses", str(error))
        return _render_invitations(round_, 422, pasted=form, problems=error.problems,
                                   problems_in="pasted")

    return _invite(round_, lambda: invitations.parse_pasted(form.addresses.data or ""), failed)


@bp.post("/c/<slug>/rounds/<int:round_id>/invitations/csv")
def invite_csv(slug: str, round_id: int) -> Response | tuple[str, int]:
    round_ = managed_round(slug, round_id)
    form = InviteCsvForm()
    if not form.validate():
        return _render_invitations(round_, 422, upload=form)

    def failed(error: InvitationError) -> tuple[str, int]:
        attach_message(form, "csv_file", str(error))
        return _render_invitations(round_, 422, upload=form, problems=error.problems,
                                   problems_in="csv")

    return _invite(round_, lambda: invitations.parse_csv(form.csv_file.data.read()), failed)


def _button(round_: Round, change: Callable[[], Any], done: Callable[[Any], str]) -> Response:
    """Run one button action: commit and say what happened, or roll back and say why not."""
    ensure_button_posted()
    return attempt(change, done, _invitations_url(round_), errors=InvitationError)


@bp.post("/c/<slug>/rounds/<int:round_id>/invitations/<int:invitation_id>/revoke")
def revoke_invitation(slug: str, round_id: int, invitation_id: int) -> Response:
    invitation = _managed_invitation(slug, round_id, invitation_id)
    return _button(invitation.round,
                   lambda: invitations.revoke_invitation(acting_user(), invitation),
                   lambda _result: _("The link of %(address)s no longer works.",
                                     address=invitation.email))


@bp.post("/c/<slug>/rounds/<int:round_id>/invitations/<int:invitation_id>/reissue")
def reissue_invitation(slug: str, round_id: int, invitation_id: int) -> Response:
    invitation = _managed_invitation(slug, round_id, invitation_id)

    def done(_result: object) -> str:
        if invitation.sent_dt is None:
            return _("%(address)s gets a new link when the round opens.",
                     address=invitation.email)
        return _("A new link was sent to %(address)s. The old link no longer works.",
                 address=invitation.email)

    return _button(invitation.round,
                   lambda: invitations.reissue_invitation(acting_user(), invitation), done)


@bp.post("/c/<slug>/rounds/<int:round_id>/invitations/remind")
def send_reminders(slug: str, round_id: int) -> Response:
    round_ = managed_round(slug, round_id)

    def done(result: invitations.ReminderResult) -> str:
        sent = ngettext("%(num)s reminder sent.", "%(num)s reminders sent.", result.sent)
        skipped = ngettext("%(num)s person was skipped: reminded less than 24 hours ago.",
                           "%(num)s people were skipped: reminded less than 24 hours ago.",
                           result.skipped)
        stopped = ngettext("%(num)s person asked for no more reminders.",
                           "%(num)s people asked for no more reminders.", result.stopped)
        return " ".join([sent, *([skipped] if result.skipped else []),
                         *([stopped] if result.stopped else [])])

    return _button(round_, lambda: invitations.send_reminders(acting_user(), round_), done)


# --- personal links --------------------------------------------------------------------------


@bp.after_request
def protect_token_pages(response: Response) -> Response:
    """A token in the address must not leak through the Referer header or a shared cache;
    the pages are not kept at all, an image only by the stakeholder's own browser."""
    if request.endpoint in TOKEN_ENDPOINTS:
        response.headers["Referrer-Policy"] = "no-referrer"
        private = request.endpoint == "validation.token_image" and response.status_code == 200
        response.headers["Cache-Control"] = "private, max-age=3600" if private else "no-store"
    return response


def _notice(title: str, text: str, status: int) -> tuple[str, int]:
    return render_template("validation/token_notice.html", title=title, text=text), status


def _link_notice(invitation: Invitation | None) -> tuple[str, int] | None:
    """The page for a link that cannot be used to answer now; None when it can."""
    if invitation is None:
        return _notice(_("This link does not work"),
                       _("Check that you copied the whole link from the e-mail. If it still "
                         "does not work, ask the organisers for a new link."), 404)
    state = invitations.link_state(invitation)
    round_ = invitation.round
    if state == "revoked":
        return _notice(_("This link was withdrawn by the organisers"),
                       _("If you think this is a mistake, ask the organisers for a new link."),
                       410)
    if state == "closed":
        return _notice(_("This round is closed"),
                       _("This round closed on %(date)s. Thank you.",
                         date=local_date(invitations.closed_on(round_))), 410)
    if state == "not_open":
        return _notice(_("This round is not open yet"),
                       _("This round opens on %(date)s. Come back then with the same link.",
                         date=local_date(round_.opens_on)), 200)
    return None


def _answer_page(invitation: Invitation, here: str, *,
                 by_link: bool) -> Response | tuple[str, int]:
    """The answering page of one invitation, at its personal link or for its account."""
    notice = _link_notice(invitation)
    if notice is not None:
        return notice
    round_ = invitation.round
    submit = request.method == "POST" and request.form.get("action") != "save"
    if request.method == "POST":
        form = build_answer_form(round_, formdata=request.form, require=submit,
                                 base=AnswerExtras)
    else:
        form = build_answer_form(round_, data=stored_form_data(invitation), base=AnswerExtras)
    if not round_.allow_anonymous:
        del form.is_anonymous
    if request.method == "POST" and form.validate():
        stored = _store_answers(invitation, form, submit)
        if stored is None:
            message = _sent_message(round_) if submit else _saved_message(round_, by_link)
            flash(message, "success")
            return redirect(here)
        form.form_errors.append(stored)
    status = 422 if request.method == "POST" else 200
    token = invitations.token_for(invitation)

    def image_src(image: PrototypeImage) -> str:
        # Also on the account's page: the images are served behind the personal token.
        return url_for("validation.token_image", round_id=round_.id, token=token,
                       image_id=image.id, variant="display")

    stop_link = url_for("validation.stop_reminders", round_id=round_.id, token=token)
    return render_template("validation/answer.html", round=round_, invitation=invitation,
                           form=form, action_url=here, image_src=image_src,
                           response=invitation.response, stop_link=stop_link), status


def _store_answers(invitation: Invitation, form: Form, submit: bool) -> str | None:
    """Save or send and commit; the reason when it is refused. A double click that made the
    first response at the same moment is retried once, so it updates that one."""
    anonymous = bool(form.is_anonymous.data) if "is_anonymous" in form else False
    values = answers_from_form(invitation.round, form)
    for _attempt in range(2):
        try:
            save_response(invitation, values, submit=submit, anonymous=anonymous)
            db.session.commit()
        except AnsweringError as error:
            db.session.rollback()
            return str(error)
        except IntegrityError:
            # A double click made the response at the same moment; the retry updates it.
            db.session.rollback()
        else:
            return None
    return _("Your answers could not be stored. Try again.")


def _saved_message(round_: Round, by_link: bool) -> str:
    date = local_date(round_.closes_on)
    if by_link:
        return _("Saved. You can come back with the same link until %(date)s.", date=date)
    return _("Saved. You can come back until %(date)s.", date=date)


def _sent_message(round_: Round) -> str:
    return _("Thank you! Your answers were sent. You can still change them until %(date)s.",
             date=local_date(round_.closes_on))


@bp.route("/r/<int:round_id>/<token>", methods=["GET", "POST"])
@public
@token_limit
def token_answer(round_id: int, token: str) -> Response | tuple[str, int]:
    invitation = invitations.find_invitation(round_id, token)
    if invitation is None:
        return _link_notice(None)  # type: ignore[return-value]
    return _answer_page(invitation, url_for("validation.token_answer", round_id=round_id,
                                            token=token), by_link=True)


@bp.get("/r/<int:round_id>/<token>/images/<int:image_id>/<variant>")
@public
@image_limit
def token_image(round_id: int, token: str, image_id: int, variant: str) -> Response:
    """An image of the version the round tests, only through a link that can answer now."""
    invitation = invitations.find_invitation(round_id, token)
    if invitation is None or invitations.link_state(invitation) != "open":
        abort(404)
    image = get_image(image_id)
    if image is None or image.version_id != invitation.round.version_id:
        abort(404)
    return send_image(image, variant)


@bp.route("/r/<int:round_id>/<token>/no-reminders", methods=["GET", "POST"])
@public
@token_limit
def stop_reminders(round_id: int, token: str) -> Response | tuple[str, int]:
    """From the link at the bottom of a round's e-mails: no more reminders, without logging
    in. Opening the page changes nothing (mail scanners open links); the button does."""
    invitation = invitations.find_invitation(round_id, token)
    if invitation is None:
        return _link_notice(None)  # type: ignore[return-value]
    here = url_for("validation.stop_reminders", round_id=round_id, token=token)
    if request.method == "POST":
        ensure_button_posted()
        invitations.stop_reminders(invitation)
        db.session.commit()
        return redirect(here)
    answer_link = url_for("validation.token_answer", round_id=round_id, token=token)
    return render_template("validation/stop_reminders.html", invitation=invitation,
                           round=invitation.round, answer_link=answer_link, form=EmptyForm(),
                           open=invitations.link_state(invitation) == "open"), 200


# --- for stakeholders with an account ---------------------------------------------------------


@bp.app_template_global()
def has_rounds() -> bool:
    """For the main menu: whether the logged-in person has rounds to answer or look back on."""
    return current_user.is_authenticated and invitations.has_rounds(acting_user())


@bp.route("/rounds/<int:round_id>/answer", methods=["GET", "POST"])
def answer(round_id: int) -> Response | tuple[str, int]:
    invitation = invitations.invitation_for_user(acting_user(), round_id)
    if invitation is None:
        abort(404)
    return _answer_page(invitation, url_for("validation.answer", round_id=round_id),
                        by_link=False)


@bp.get("/rounds")
def my_rounds() -> str:
    current, closed = invitations.my_rounds(acting_user())
    return render_template("validation/my_rounds.html", current=current, closed=closed,
                           closed_on=invitations.closed_on)
