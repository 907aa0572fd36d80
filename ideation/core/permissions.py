"""Who may do what. Services call these; templates only use them to hide buttons."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import TYPE_CHECKING, Any, TypeVar

from flask import abort
from flask_login import current_user
from werkzeug.exceptions import Forbidden

if TYPE_CHECKING:
    from ideation.accounts.models import User
    from ideation.challenges.models import Challenge

F = TypeVar("F", bound=Callable[..., Any])


class PermissionDenied(Forbidden):
    """Raised by services; Flask turns it into the 403 page."""


def is_admin(user: User | None) -> bool:
    return bool(user is not None and user.is_authenticated and user.is_admin)


def is_core_team(user: User | None, challenge: Challenge) -> bool:
    from ideation.accounts.models import MembershipRole

    return bool(
        user is not None
        and user.is_authenticated
        and user.role_in(challenge) is MembershipRole.core_team
    )


def can_manage(user: User | None, challenge: Challenge) -> bool:
    """Admins and the challenge's own core team manage a challenge; nobody else."""
    return is_admin(user) or is_core_team(user, challenge)


def ensure_admin(user: User | None) -> None:
    if not is_admin(user):
        raise PermissionDenied()


def ensure_can_manage(user: User | None, challenge: Challenge) -> None:
    if not can_manage(user, challenge):
        raise PermissionDenied()


def acting_user() -> User:
    """The logged-in user as a model instance, to hand to services (not Flask-Login's proxy)."""
    return current_user._get_current_object()  # type: ignore[attr-defined,no-any-return]


def admin_required(view: F) -> F:
    @wraps(view)
    def wrapped(*args: Any, **kwargs: Any) -> Any:
        if not is_admin(current_user):
            abort(403)
        return view(*args, **kwargs)

    return wrapped  # type: ignore[return-value]
