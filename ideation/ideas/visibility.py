"""Who sees which idea, and the challenge settings that decide it (pre-moderation, anonymity).

Published ideas are for everyone who may see the challenge; pending, hidden and withdrawn ones
for their author and the core team; drafts for their author only. ``visible_to`` is the rule
for one idea and ``visibility_clause`` the same rule as SQL, for lists.
"""

from __future__ import annotations

from sqlalchemy import ColumnElement, or_, select

from ideation.accounts.models import User
from ideation.challenges.models import Challenge
from ideation.challenges.phases import Action, ensure_allowed
from ideation.challenges.services import can_view
from ideation.core.audit import record_event
from ideation.core.permissions import PermissionDenied, can_manage
from ideation.extensions import db
from ideation.ideas.models import Idea, IdeaSettings, IdeaStatus


def settings_for(challenge: Challenge) -> IdeaSettings:
    """The challenge's idea settings; an unsaved default row when none were set."""
    settings = db.session.scalar(
        select(IdeaSettings).where(IdeaSettings.challenge_id == challenge.id)
    )
    return settings or IdeaSettings(challenge_id=challenge.id, is_premoderated=False,
                                    allows_anonymous=True)


def update_settings(actor: User | None, challenge: Challenge, *, is_premoderated: bool,
                    allows_anonymous: bool) -> IdeaSettings:
    """Change pre-moderation and anonymity for a challenge (core team, admin; None = CLI)."""
    if actor is not None and not can_manage(actor, challenge):
        raise PermissionDenied()
    settings = settings_for(challenge)
    old = f"premoderated={settings.is_premoderated} anonymous={settings.allows_anonymous}"
    settings.is_premoderated, settings.allows_anonymous = is_premoderated, allows_anonymous
    db.session.add(settings)
    new = f"premoderated={is_premoderated} anonymous={allows_anonymous}"
    if old != new or settings.id is None:
        record_event(actor, "idea_settings.updated", settings, challenge=challenge, old=old,
                     new=new)
    return settings


def is_author(user: User | None, idea: Idea) -> bool:
    return bool(user is not None and user.is_authenticated and user.id == idea.author_id)


def visible_to(viewer: User | None, idea: Idea) -> bool:
    """Published ideas to everyone who may see the challenge; the rest to author and team,
    drafts to their author only."""
    if not can_view(viewer, idea.challenge):
        return False
    if idea.status is IdeaStatus.published:
        return True
    if idea.status is IdeaStatus.draft:
        return is_author(viewer, idea)
    return is_author(viewer, idea) or can_manage(viewer, idea.challenge)


def shows_author_to(viewer: User | None, idea: Idea) -> bool:
    """Whether ``viewer`` may see who wrote an anonymous idea (the core team and admins)."""
    return not idea.is_anonymous or is_author(viewer, idea) or can_manage(viewer, idea.challenge)


def ensure_citizen(user: User | None, challenge: Challenge) -> None:
    """Refuse anyone who is not logged in or may not see the challenge (PermissionDenied)."""
    if user is None or not user.is_authenticated or not can_view(user, challenge):
        raise PermissionDenied()


def ensure_can_react(user: User, idea: Idea, action: Action) -> None:
    """Supports and responses: only on a published idea, while the phase allows ``action``."""
    ensure_citizen(user, idea.challenge)
    # A merged duplicate points to the idea it was merged into; reactions belong there.
    if idea.status is not IdeaStatus.published or idea.merged_into_id is not None:
        raise PermissionDenied()
    ensure_allowed(idea.challenge, action)


def visibility_clause(viewer: User | None, challenge: Challenge) -> ColumnElement[bool]:
    """SQL form of ``visible_to`` for one challenge."""
    if can_manage(viewer, challenge):
        return or_(Idea.status != IdeaStatus.draft, Idea.author_id == viewer.id)
    published = Idea.status == IdeaStatus.published
    if viewer is not None and viewer.is_authenticated:
        return or_(published, Idea.author_id == viewer.id)
    return published
