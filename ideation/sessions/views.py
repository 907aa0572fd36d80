"""Live-session pages: the core team plans and runs a session (facilitator page, projector,
paper kit); participants join with the code on their phone (join_views)."""

from __future__ import annotations

import segno
from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from markupsafe import Markup
from werkzeug.wrappers import Response
from wtforms.fields.choices import SelectChoice

from ideation.challenges.models import Challenge
from ideation.challenges.phases import current_phase
from ideation.challenges.views import get_challenge
from ideation.core.forms import EmptyForm
from ideation.core.permissions import acting_user, can_manage
from ideation.core.security import public
from ideation.core.viewhelpers import attach_message
from ideation.extensions import db
from ideation.process import services as process
from ideation.process.models import CanvasField
from ideation.sessions import services
from ideation.sessions.forms import CardsForm, CloseForm, PlanForm
from ideation.sessions.models import LiveSession, Stage

bp = Blueprint("sessions", __name__)

ADVANCE_LABELS = {Stage.planned: "open", Stage.ideas: "voting", Stage.voting: "objections"}


def _session(slug: str, session_id: int, *, manage: bool = True) -> tuple[Challenge, LiveSession]:
    challenge = get_challenge(slug, manage=manage)
    session = services.get_session(challenge, session_id)
    if session is None:
        abort(404)
    return challenge, session


def join_url(session: LiveSession) -> str:
    return url_for("sessions.participate", code=session.join_code, _external=True)


def qr_code(url: str, label: str) -> Markup:
    """The QR code as inline SVG (no script, no image request), labelled for screen readers."""
    svg = segno.make(url, error="m").svg_inline(scale=6, title=label, svgclass="qr-code",
                                                light="#fff", omitsize=True)
    return Markup(svg.replace("<svg ", '<svg role="img" ', 1))  # noqa: S704 - segno's SVG


@bp.get("/c/<slug>/sessions")
def index(slug: str) -> str:
    challenge = get_challenge(slug, manage=True)
    return render_template("sessions/index.html", challenge=challenge,
                           sessions=services.sessions_of(challenge))


@bp.route("/c/<slug>/sessions/new", methods=["GET", "POST"])
def plan(slug: str) -> Response | tuple[str, int]:
    challenge = get_challenge(slug, manage=True)
    form = PlanForm()
    form.group_ids.choices = [SelectChoice(str(e.id), e.name)
                             for e in process.map_entries(challenge)]
    if request.method == "GET":
        phase = current_phase(challenge)
        if phase is not None:
            form.phase.data = phase.kind.value
    if form.validate_on_submit():
        try:
            session = services.plan_session(acting_user(), challenge, form.data)
        except services.SessionError as error:
            db.session.rollback()
            attach_message(form, error.field, str(error))
        else:
            db.session.commit()
            flash(_("The session is planned. Its join code is %(code)s.",
                    code=session.join_code), "success")
            return redirect(url_for(".show", slug=slug, session_id=session.id))
    return render_template("sessions/plan.html", challenge=challenge,
                           form=form), 400 if form.errors else 200


@bp.get("/c/<slug>/sessions/<int:session_id>")
def show(slug: str, session_id: int) -> str:
    challenge, session = _session(slug, session_id)
    return render_template(
        "sessions/show.html", challenge=challenge, session=session,
        next_stage=ADVANCE_LABELS.get(session.stage),
        lines=services.results(session), participants=services.participant_count(session),
        close_form=CloseForm(data={"summary": session.summary}), cards_form=CardsForm(),
        step_form=EmptyForm(), url=join_url(session))


@bp.post("/c/<slug>/sessions/<int:session_id>/advance")
def advance(slug: str, session_id: int) -> Response:
    _challenge, session = _session(slug, session_id)
    if not EmptyForm().validate_on_submit():
        abort(400)
    try:
        stage = services.advance(acting_user(), session)
    except services.SessionError as error:
        db.session.rollback()
        flash(str(error), "error")
    else:
        db.session.commit()
        flash(_("The session moved on to: %(stage)s.", stage=stage.label),
              "success")
    return redirect(url_for(".show", slug=slug, session_id=session.id))


@bp.post("/c/<slug>/sessions/<int:session_id>/cards")
def add_cards(slug: str, session_id: int) -> Response | tuple[str, int]:
    challenge, session = _session(slug, session_id)
    form = CardsForm()
    if form.validate_on_submit():
        try:
            count = services.add_paper_cards(acting_user(), session, form.cards.data)
        except services.SessionError as error:
            db.session.rollback()
            attach_message(form, error.field, str(error))
        else:
            db.session.commit()
            flash(_("%(num)s cards added.", num=count), "success")
            return redirect(url_for(".show", slug=slug, session_id=session.id))
    return render_template(
        "sessions/show.html", challenge=challenge, session=session,
        next_stage=ADVANCE_LABELS.get(session.stage),
        lines=services.results(session), participants=services.participant_count(session),
        close_form=CloseForm(data={"summary": session.summary}), cards_form=form,
        step_form=EmptyForm(), url=join_url(session)), 400


@bp.post("/c/<slug>/sessions/<int:session_id>/close")
def close(slug: str, session_id: int) -> Response | tuple[str, int]:
    challenge, session = _session(slug, session_id)
    form = CloseForm()
    if form.validate_on_submit():
        try:
            created = services.close_session(acting_user(), session, form.summary.data or "")
        except services.SessionError as error:
            db.session.rollback()
            flash(str(error), "error")
        else:
            db.session.commit()
            flash(_("The session is closed: %(num)s ideas are now in the challenge.",
                    num=len(created)), "success")
        return redirect(url_for(".show", slug=slug, session_id=session.id))
    return render_template(
        "sessions/show.html", challenge=challenge, session=session,
        next_stage=ADVANCE_LABELS.get(session.stage),
        lines=services.results(session), participants=services.participant_count(session),
        close_form=form, cards_form=CardsForm(), step_form=EmptyForm(), url=join_url(session)), 400


@bp.get("/c/<slug>/sessions/<int:session_id>/screen")
def screen(slug: str, session_id: int) -> str:
    """The projector view: code, QR code and the ideas as they arrive."""
    challenge, session = _session(slug, session_id)
    url = join_url(session)
    return render_template("sessions/screen.html", challenge=challenge, session=session,
                           url=url, qr=qr_code(url, _("QR code to join the session")),
                           **_feed_context(session))


def _feed_context(session: LiveSession) -> dict:
    return {"lines": services.results(session),
            "leading": services.leading_ideas(session),
            "participants": services.participant_count(session)}


@bp.get("/c/<slug>/sessions/<int:session_id>/screen/feed")
def screen_feed(slug: str, session_id: int) -> Response:
    """The changing part of the projector view; 304 while nothing changed (ETag)."""
    challenge, session = _session(slug, session_id)
    version = services.feed_version(session)
    if request.if_none_match.contains(version):
        response = Response(status=304)
    else:
        response = Response(render_template("sessions/_feed.html", challenge=challenge,
                                            session=session, **_feed_context(session)))
    response.set_etag(version)
    response.headers["Cache-Control"] = "no-cache, private"
    return response


@bp.get("/c/<slug>/sessions/<int:session_id>/kit")
def kit(slug: str, session_id: int) -> str:
    """The printable kit: the question, the canvas questions and idea cards with a QR code."""
    challenge, session = _session(slug, session_id)
    url = join_url(session)
    return render_template("sessions/kit.html", challenge=challenge, session=session, url=url,
                           qr=qr_code(url, _("QR code to join the session")),
                           questions=[field.label for field in CanvasField])


@bp.get("/c/<slug>/sessions/<int:session_id>/results")
@public
def results(slug: str, session_id: int) -> str:
    """A held session's public results: the summary and the ideas with their dots; the
    objections for the core team."""
    challenge, session = _session(slug, session_id, manage=False)
    if session.stage is not Stage.closed:
        abort(404)
    team = can_manage(current_user, challenge)
    return render_template("sessions/results.html", challenge=challenge, session=session,
                           lines=services.public_results(session, team), team=team)


@bp.app_template_global()
def session_origin(idea):  # type: ignore[no-untyped-def]
    """For the idea page: the session it came from and, for the core team, its objections."""
    return services.origin_of(idea, with_objections=can_manage(current_user, idea.challenge))


from ideation.sessions import (  # noqa: E402 - the participants' routes on bp, and the demo
    demo_content,
    join_views,
)

__all__ = ["bp", "demo_content", "join_views"]
