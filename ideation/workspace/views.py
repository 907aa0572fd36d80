"""The core team's workspace: ``/c/<slug>/team``, and the menu's links to it."""

from __future__ import annotations

from flask import Blueprint, render_template, request
from flask_login import current_user
from sqlalchemy import select

from ideation.accounts.models import MembershipRole
from ideation.challenges import services as challenge_services
from ideation.challenges.models import Challenge
from ideation.core.permissions import acting_user, can_manage, is_admin
from ideation.extensions import db
from ideation.loaders import get_challenge
from ideation.validation.services import effective_state
from ideation.workspace import services

bp = Blueprint("workspace", __name__)


@bp.get("/c/<slug>/team")
def show(slug: str) -> str:
    challenge = get_challenge(slug, manage=True)
    return render_template("workspace/team.html", challenge=challenge,
                           work=services.workspace(acting_user(), challenge),
                           round_state=effective_state)


@bp.app_template_global()
def team_workspaces() -> list[tuple[str, str, str]]:
    """For the main menu: (slug, title, language) of the challenges whose workspace the user
    opens: those of their core team and, for an admin, the challenge of the page they are on."""
    if not current_user.is_authenticated:
        return []
    ids = [m.challenge_id for m in current_user.memberships
           if m.role is MembershipRole.core_team]
    found = [(slug, title, language.value) for slug, title, language in db.session.execute(
        select(Challenge.slug, Challenge.title, Challenge.language)
        .where(Challenge.id.in_(ids)).order_by(Challenge.title))] if ids else []
    slug = (request.view_args or {}).get("slug")
    if slug and is_admin(current_user) and slug not in {s for s, _t, _l in found}:
        challenge = challenge_services.get_by_slug(slug)
        if challenge is not None and can_manage(current_user, challenge):
            found.append((challenge.slug, challenge.title, challenge.language.value))
    return found
