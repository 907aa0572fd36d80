"""What the views load from a URL: the object, or 404 (missing, or not for this person to see)
and 403 (seen, but not for this person to manage).

One place, imported by the views of every feature. It imports services and models only, never
a view, so imports flow one way: views -> loaders -> services -> models.
"""

from __future__ import annotations

from flask import abort
from flask_login import current_user

from ideation.challenges import services as challenges
from ideation.challenges.models import Challenge
from ideation.core.permissions import ensure_can_manage
from ideation.ideas import reading, visibility
from ideation.ideas.models import Idea
from ideation.prototypes.models import Prototype
from ideation.prototypes.services import get_prototype
from ideation.validation import services as validation
from ideation.validation.models import Round


def get_challenge(slug: str, *, manage: bool = False) -> Challenge:
    """Load a challenge the current user may see (404), and may manage when asked (403)."""
    challenge = challenges.get_by_slug(slug)
    if challenge is None or not challenges.can_view(current_user, challenge):
        abort(404)
    if manage:
        ensure_can_manage(current_user, challenge)
    return challenge


def get_visible_idea(slug: str, idea_id: int) -> tuple[Challenge, Idea]:
    """The challenge and idea, or 404 when either is not visible to the current user."""
    challenge = get_challenge(slug)
    idea = reading.get_idea(challenge, idea_id)
    if idea is None or not visibility.visible_to(current_user, idea):
        abort(404)
    return challenge, idea


def managed_prototype(slug: str, prototype_id: int) -> tuple[Challenge, Prototype]:
    """The challenge and its prototype for the core team: 403 for others, 404 when missing."""
    challenge = get_challenge(slug, manage=True)
    prototype = get_prototype(challenge, prototype_id)
    if prototype is None:
        abort(404)
    return challenge, prototype


def managed_round(slug: str, round_id: int) -> Round:
    """A round of the challenge for the core team: 403 for others, 404 when missing."""
    challenge = get_challenge(slug, manage=True)
    round_ = validation.get_round(challenge, round_id)
    if round_ is None:
        abort(404)
    return round_
