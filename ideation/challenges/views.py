"""Public challenge pages and the set-up pages for admins and the core team."""

from __future__ import annotations

from typing import Any

from flask import (
    Blueprint,
    Response,
    abort,
    flash,
    redirect,
    render_template,
    url_for,
)
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from ideation.accounts import invitations
from ideation.accounts.models import Membership, MembershipRole, RoleInvitation
from ideation.accounts.services import AccountError, remove_membership
from ideation.challenges import authors, services
from ideation.challenges import timeline as progress
from ideation.challenges.forms import (
    CardImageForm,
    ChallengeDetailsForm,
    MemberForm,
    NewChallengeForm,
    PhaseDatesForm,
    RoleForm,
    ThemeForm,
)
from ideation.challenges.models import Challenge, PhaseKind, Theme
from ideation.challenges.phases import Action, check, current_phase, is_closed, timeline
from ideation.core.cache import cached
from ideation.core.forms import EmptyForm, Form
from ideation.core.models import AuditEvent
from ideation.core.permissions import acting_user, admin_required, can_manage
from ideation.core.routing import page_arg
from ideation.core.security import public
from ideation.core.viewhelpers import attach_error, attempt, ensure_button_posted, submit
from ideation.extensions import db
from ideation.ideas.reading import TakingPart, taking_part
from ideation.loaders import get_challenge
from ideation.media.storage import send_upload

bp = Blueprint("challenges", __name__)


@bp.app_context_processor
def author_names() -> dict[str, Any]:
    """On every page: name authors only through ``challenges/authors.py``."""
    return {"idea_author": authors.idea_author, "comment_author": authors.comment_author}


@bp.get("/")
@public
def index() -> str:
    """Every challenge as a card: its phase and until when, how many ideas and people, and
    the picture the core team chose. The counts come in one go for the whole list."""
    challenges = services.visible_challenges(current_user)
    counts = taking_part([challenge.id for challenge in challenges])
    return render_template("challenges/index.html", cards=[
        _card(challenge, counts.get(challenge.id, TakingPart())) for challenge in challenges])


def _card(challenge: Challenge, counts: TakingPart) -> dict[str, Any]:
    steps = timeline(challenge)
    return {
        "challenge": challenge,
        "counts": counts,
        "now": next((step for step in steps if step.state == "current"), None),
        "next": next((step for step in steps if step.state == "upcoming"), None),
        "closed": is_closed(challenge),
    }


def _public_progress(challenge: Challenge) -> dict[str, Any]:
    """The challenge page's account of progress: public things only, so the same for every
    visitor in a language. Cached per process until the next write (`ideation.core.cache`):
    five counts, the timeline and two lists were most of the page's database time."""
    return cached(
        ("challenge-progress", challenge.id, str(get_locale())),
        lambda: {
            "funnel": services.progress_funnel(challenge),
            "happened": progress.latest_entries(challenge),
            "concepts": progress.published_concepts(challenge),
            "prototypes": progress.published_prototypes(challenge),
        },
    )


@bp.get("/c/<slug>")
@public
def show(slug: str) -> str:
    challenge = get_challenge(slug)
    return render_template(
        "challenges/show.html",
        challenge=challenge,
        steps=timeline(challenge),
        phase=current_phase(challenge),
        closed=is_closed(challenge),
        **_public_progress(challenge),
        submit_verdict=check(challenge, Action.submit_idea),
        can_manage=can_manage(current_user, challenge),
    )


@bp.get("/c/<slug>/timeline", endpoint="timeline")
@public
def public_timeline(slug: str) -> str:
    """Everything that happened in public, newest first, 20 per page."""
    challenge = get_challenge(slug)
    page_number = page_arg()
    return render_template("challenges/timeline.html", challenge=challenge,
                           page=progress.timeline_page(challenge, page_number))


@bp.get("/admin")
@admin_required
def admin_overview() -> str:
    challenges = db.session.scalars(select(Challenge).order_by(Challenge.created_dt.desc()))
    return render_template("challenges/admin.html", challenges=list(challenges))


@bp.route("/admin/challenges/new", methods=["GET", "POST"])
@admin_required
def create() -> str | Response:
    form = NewChallengeForm()
    if form.validate_on_submit():
        try:
            challenge = services.create_challenge(current_user, form.data)
        except services.ChallengeError as error:
            getattr(form, error.field or "slug").errors.append(str(error))
        else:
            db.session.commit()
            flash(_("The challenge is made. Now plan the phases and add themes and a core team."),
                  "success")
            return redirect(url_for("challenges.manage", slug=challenge.slug))
    return render_template("challenges/new.html", form=form)


def _phase_form_data(challenge: Challenge) -> dict[str, Any]:
    return {p.kind.value: {"starts_on": p.starts_on, "ends_on": p.ends_on}
            for p in challenge.phases}


def render_manage(challenge: Challenge, status: int = 200, **forms: Any) -> tuple[str, int]:
    """The set-up page; a form that failed validation is passed in so its input is kept."""
    forms.setdefault("details_form", ChallengeDetailsForm(obj=challenge, formdata=None))
    forms.setdefault("phase_form", PhaseDatesForm(data=_phase_form_data(challenge),
                                                  formdata=None))
    forms.setdefault("theme_form", ThemeForm(formdata=None))
    forms.setdefault("member_form", MemberForm(formdata=None))
    forms.setdefault("image_form", CardImageForm(formdata=None,
                                                 data={"image_alt": challenge.image_alt}))
    forms.setdefault("role_form", RoleForm(formdata=None))
    forms.setdefault("open_invitations", invitations.open_invitations(challenge))
    members = db.session.scalars(
        select(Membership).where(Membership.challenge_id == challenge.id)
        .join(Membership.user).order_by(Membership.role, Membership.created_dt)
    ).all()
    return render_template(
        "challenges/manage.html", challenge=challenge, members=members,
        button_form=EmptyForm(), phase_kinds=list(PhaseKind), closed=is_closed(challenge),
        **forms,
    ), status


@bp.get("/c/<slug>/manage")
def manage(slug: str) -> tuple[str, int]:
    return render_manage(get_challenge(slug, manage=True))


@bp.post("/c/<slug>/manage/details")
def update_details(slug: str) -> Response | tuple[str, int]:
    challenge = get_challenge(slug, manage=True)
    form = ChallengeDetailsForm()
    if not form.validate():
        return render_manage(challenge, 422, details_form=form)
    services.update_challenge(current_user, challenge, form.data)
    db.session.commit()
    flash(_("The details are saved."), "success")
    return redirect(url_for("challenges.manage", slug=challenge.slug))


@bp.post("/c/<slug>/manage/phases")
def update_phases(slug: str) -> Response | tuple[str, int]:
    challenge = get_challenge(slug, manage=True)
    form = PhaseDatesForm()
    # Not form.validate(): the phase named "validate" is a field that hides that method.
    if Form.validate(form):
        dates = {kind: (form[kind.value].starts_on.data, form[kind.value].ends_on.data)
                 for kind in PhaseKind}
        errors = services.set_phase_dates(current_user, challenge, dates)
        if not errors:
            db.session.commit()
            flash(_("The planning is saved."), "success")
            return redirect(url_for("challenges.manage", slug=challenge.slug, _anchor="phases"))
        form.form_errors.extend(errors)
    else:
        form.form_errors.append(_("Fill in the dates as day, month and year."))
    return render_manage(challenge, 422, phase_form=form)


@bp.post("/c/<slug>/manage/themes")
def add_theme(slug: str) -> Response | tuple[str, int]:
    challenge = get_challenge(slug, manage=True)
    form = ThemeForm()
    if form.validate():
        try:
            services.add_theme(current_user, challenge, form.name.data, form.description.data)
        except services.ChallengeError as error:
            form.name.errors.append(str(error))
        else:
            db.session.commit()
            flash(_("The theme is added."), "success")
            return redirect(url_for("challenges.manage", slug=challenge.slug, _anchor="themes"))
    return render_manage(challenge, 422, theme_form=form)


def _get_theme(challenge: Challenge, theme_id: int) -> Theme:
    theme = db.session.get(Theme, theme_id)
    if theme is None or theme.challenge_id != challenge.id:
        abort(404)
    return theme


@bp.post("/c/<slug>/manage/themes/<int:theme_id>/remove")
def remove_theme(slug: str, theme_id: int) -> Response:
    challenge = get_challenge(slug, manage=True)
    theme = _get_theme(challenge, theme_id)
    try:
        services.remove_theme(current_user, theme)
    except services.ChallengeError as error:
        flash(str(error), "error")
    else:
        db.session.commit()
        flash(_("The theme is removed."), "success")
    return redirect(url_for("challenges.manage", slug=challenge.slug, _anchor="themes"))


@bp.post("/c/<slug>/manage/team")
def add_member(slug: str) -> Response | tuple[str, int]:
    """Invite someone by e-mail into the core team (admins) or as a stakeholder."""
    challenge = get_challenge(slug, manage=True)
    form = MemberForm()
    if form.validate():
        try:
            invitations.invite(acting_user(), challenge, form.email.data,
                               MembershipRole(form.role.data))
        except AccountError as error:
            db.session.rollback()
            attach_error(form, error)
        else:
            db.session.commit()
            flash(_("The invitation is sent to %(address)s.", address=form.email.data.strip()),
                  "success")
            return redirect(url_for("challenges.manage", slug=challenge.slug, _anchor="team"))
    return render_manage(challenge, 422, member_form=form)


def _membership(challenge: Challenge, membership_id: int) -> Membership:
    membership = db.session.get(Membership, membership_id)
    if membership is None or membership.challenge_id != challenge.id:
        abort(404)
    return membership


@bp.post("/c/<slug>/manage/team/<int:membership_id>/role")
def change_member_role(slug: str, membership_id: int) -> Response:
    challenge = get_challenge(slug, manage=True)
    membership = _membership(challenge, membership_id)
    form = RoleForm()
    if not form.validate():
        flash(_("Choose a role."), "error")
    else:
        invitations.change_role(acting_user(), membership, MembershipRole(form.role.data))
        db.session.commit()
        flash(_("The role of %(name)s is changed.", name=membership.user.name), "success")
    return redirect(url_for("challenges.manage", slug=challenge.slug, _anchor="team"))


@bp.post("/c/<slug>/manage/invitations/<int:invitation_id>/withdraw")
def withdraw_invitation(slug: str, invitation_id: int) -> Response:
    challenge = get_challenge(slug, manage=True)
    ensure_button_posted()
    invitation = db.session.get(RoleInvitation, invitation_id)
    if invitation is None or invitation.challenge_id != challenge.id:
        abort(404)
    invitations.withdraw(acting_user(), invitation)
    db.session.commit()
    flash(_("The invitation is withdrawn."), "success")
    return redirect(url_for("challenges.manage", slug=challenge.slug, _anchor="team"))


@bp.post("/c/<slug>/manage/team/<int:membership_id>/remove")
def remove_member(slug: str, membership_id: int) -> Response:
    challenge = get_challenge(slug, manage=True)
    membership = _membership(challenge, membership_id)
    remove_membership(current_user, membership)
    db.session.commit()
    flash(_("The person is removed from the team."), "success")
    return redirect(url_for("challenges.manage", slug=challenge.slug, _anchor="team"))


@bp.post("/c/<slug>/manage/image")
def update_image(slug: str) -> Response | tuple[str, int]:
    challenge = get_challenge(slug, manage=True)
    form = CardImageForm()
    if form.validate():
        _done, status = submit(form, lambda: services.set_card_image(
            current_user, challenge, form.image.data, form.image_alt.data or ""),
            errors=services.ChallengeError)
        if status is None:
            flash(_("The picture is saved."), "success")
            return redirect(url_for("challenges.manage", slug=challenge.slug, _anchor="picture"))
    return render_manage(challenge, 422, image_form=form)


@bp.post("/c/<slug>/manage/image/remove")
def remove_image(slug: str) -> Response:
    challenge = get_challenge(slug, manage=True)
    ensure_button_posted()
    return attempt(lambda: services.remove_card_image(current_user, challenge),
                   _("The picture is removed."),
                   url_for("challenges.manage", slug=challenge.slug, _anchor="picture"),
                   errors=services.ChallengeError)


@bp.get("/c/<slug>/image/<key>/<variant>")
@public
def image(slug: str, key: str, variant: str) -> Response:
    """The card's picture. The key is part of the address, so a new picture gets a new
    address and the old one may be kept by browsers for long."""
    challenge = get_challenge(slug)
    if key != challenge.image_key or variant not in ("thumb", "display"):
        abort(404)
    return send_upload(key, variant, "public, max-age=31536000, immutable"
                       if challenge.is_published else "private, no-cache")


@bp.get("/c/<slug>/manage/log")
def audit_log(slug: str) -> str:
    challenge = get_challenge(slug, manage=True)
    events = db.session.scalars(
        select(AuditEvent).where(AuditEvent.challenge_id == challenge.id)
        .order_by(AuditEvent.created_dt.desc(), AuditEvent.id.desc()).limit(200)
    ).all()
    return render_template("challenges/log.html", challenge=challenge, events=events)
