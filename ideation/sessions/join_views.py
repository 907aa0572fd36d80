"""The participants' side of a live session: join with the code, then send ideas, spend dots
and say what would make you say no, on a phone, without an account.

A participant is remembered by a signed cookie (Flask's session) holding their participant
id per session. Rate limits: wrong codes per address; everything sent per participant and
per join code (a whole room may share one address).
"""

from __future__ import annotations

from flask import (
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask import (
    session as cookie,
)
from flask_babel import gettext as _
from werkzeug.wrappers import Response

from ideation.core.routing import optional_database_id
from ideation.core.security import public
from ideation.core.viewhelpers import attach_message
from ideation.extensions import db, limiter
from ideation.sessions import services
from ideation.sessions.forms import DotForm, JoinForm, ObjectionForm, SessionIdeaForm
from ideation.sessions.models import LiveSession, Participant, Stage
from ideation.sessions.views import bp

COOKIE_KEY = "live_sessions"


def _code_key() -> str:
    return "code:" + services.normalise_code((request.view_args or {}).get("code"))


def _participant_key() -> str:
    code = services.normalise_code((request.view_args or {}).get("code"))
    known = cookie.get(COOKIE_KEY) or {}
    ident = known.get(code) if isinstance(known, dict) else None
    return f"participant:{code}:{ident}" if ident else f"participant:{code}:{request.remote_addr}"


post_limit = limiter.shared_limit(
    lambda: current_app.config["IDEATION_SESSION_POST_RATE_LIMIT"],
    scope="live-session-participant", key_func=_participant_key)
code_limit = limiter.shared_limit(
    lambda: current_app.config["IDEATION_SESSION_CODE_RATE_LIMIT"],
    scope="live-session-code", key_func=_code_key)


def _remember(session: LiveSession, participant: Participant) -> None:
    known = dict(cookie.get(COOKIE_KEY) or {})
    # Keep the cookie small: the newest few sessions are enough.
    known = dict(list(known.items())[-4:])
    known[session.join_code] = participant.id
    cookie[COOKIE_KEY] = known


def _participant(session: LiveSession) -> Participant | None:
    known = cookie.get(COOKIE_KEY) or {}
    if not isinstance(known, dict):
        return None
    return services.get_participant(session, known.get(session.join_code))


@bp.route("/join", methods=["GET", "POST"])
@public
@limiter.limit(lambda: current_app.config["IDEATION_SESSION_JOIN_RATE_LIMIT"], methods=["POST"],
               deduct_when=lambda response: response.status_code != 302)
def join() -> Response | tuple[str, int]:
    """Type the code from the screen (and a nickname, if you like)."""
    form = JoinForm()
    if request.method == "GET" and request.args.get("code"):
        form.code.data = services.normalise_code(request.args["code"])
    if form.validate_on_submit():
        session = services.find_open_session(form.code.data)
        if session is None:
            attach_message(form, "code", _("There is no open session with this code. "
                                           "Check the code on the screen."))
        else:
            try:
                participant = services.join(session, form.nickname.data)
            except services.SessionError as error:
                db.session.rollback()
                attach_message(form, error.field or "code", str(error))
            else:
                db.session.commit()
                _remember(session, participant)
                return redirect(url_for(".participate", code=session.join_code))
    return render_template("sessions/join.html", form=form,
                           without_account_links=True), 400 if form.errors else 200


@bp.get("/join/<code>")
@public
def participate(code: str) -> Response | str:
    """The participant's page: what they can do at this step of the session."""
    session = services.find_open_session(code)
    if session is None:
        return render_template("sessions/join.html", form=JoinForm(data={"code": code}),
                               gone=True, without_account_links=True), 404
    participant = _participant(session)
    if participant is None:
        return redirect(url_for(".join", code=session.join_code))
    return _page(session, participant)


def _page(session: LiveSession, participant: Participant, *, idea_form=None, objection_form=None,
          status: int = 200) -> tuple[str, int]:
    allowed, reason = services.may_send_ideas(session)
    context = {
        "session": session, "challenge": session.challenge, "participant": participant,
        "without_account_links": True,
        "may_send": allowed, "refusal": reason,
        "idea_form": idea_form or SessionIdeaForm(), "dot_form": DotForm(),
        "objection_form": objection_form or ObjectionForm(),
    }
    if session.stage is Stage.voting:
        counts = services.dot_counts(session)
        context["ideas"] = [(item, counts.get(item.id, 0))
                            for item in services.session_ideas(session)]
        context["dots_left"] = session.dots - services.dots_spent(participant)
    if session.stage is Stage.objections:
        context["leading"] = services.leading_ideas(session)
    return render_template("sessions/participate.html", **context), status


def _open_or_404(code: str) -> tuple[LiveSession, Participant] | Response:
    session = services.find_open_session(code)
    if session is None:
        flash(_("This session is closed."), "info")
        return redirect(url_for(".join"))
    participant = _participant(session)
    if participant is None:
        return redirect(url_for(".join", code=session.join_code))
    return session, participant


@bp.post("/join/<code>/idea")
@public
@code_limit
@post_limit
def send_idea(code: str) -> Response | tuple[str, int]:
    found = _open_or_404(code)
    if isinstance(found, Response):
        return found
    session, participant = found
    form = SessionIdeaForm()
    if form.validate_on_submit():
        try:
            services.send_idea(session, participant, form.title.data, form.description.data)
        except services.SessionError as error:
            db.session.rollback()
            attach_message(form, error.field, str(error))
        else:
            db.session.commit()
            flash(_("Thank you! Your idea is on the screen."), "success")
            return redirect(url_for(".participate", code=session.join_code))
    return _page(session, participant, idea_form=form, status=400)


@bp.post("/join/<code>/dot")
@public
@code_limit
@post_limit
def spend_dot(code: str) -> Response | tuple[str, int]:
    found = _open_or_404(code)
    if isinstance(found, Response):
        return found
    session, participant = found
    form = DotForm()
    if not form.validate_on_submit():
        return _page(session, participant, status=400)
    try:
        services.spend_dot(session, participant, optional_database_id(form.idea.data))
    except services.SessionError as error:
        db.session.rollback()
        flash(str(error), "error")
    else:
        db.session.commit()
        flash(_("Your dot is placed."), "success")
    return redirect(url_for(".participate", code=session.join_code))


@bp.post("/join/<code>/objection")
@public
@code_limit
@post_limit
def object_to(code: str) -> Response | tuple[str, int]:
    found = _open_or_404(code)
    if isinstance(found, Response):
        return found
    session, participant = found
    form = ObjectionForm()
    if form.validate_on_submit():
        try:
            services.object_to(session, optional_database_id(form.idea.data), form.text.data)
        except services.SessionError as error:
            db.session.rollback()
            attach_message(form, error.field if error.field == "text" else None, str(error))
        else:
            db.session.commit()
            flash(_("Thank you. Your answer is kept, without your name."), "success")
            return redirect(url_for(".participate", code=session.join_code))
    return _page(session, participant, objection_form=form, status=400)
