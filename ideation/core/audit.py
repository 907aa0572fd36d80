"""The one function that writes the audit log. Every state change in a service calls it."""

from __future__ import annotations

from typing import Any, Protocol

from ideation.core.models import AuditEvent
from ideation.extensions import db


class HasId(Protocol):
    id: int


def _state(value: object) -> str | None:
    if value is None:
        return None
    return str(getattr(value, "value", value))[:255]


def record_event(
    actor: HasId | None,
    action: str,
    obj: object,
    *,
    challenge: HasId | None = None,
    old: object = None,
    new: object = None,
    reason: str | None = None,
    public: bool = False,
    details: dict[str, Any] | None = None,
) -> AuditEvent:
    """Add an audit event to the session (the caller commits with the change it describes).

    ``obj`` is a model instance; its table name becomes the object type. It is flushed first
    when it has no id yet, so a creation is logged with the id it got.
    """
    object_id = getattr(obj, "id", None)
    if object_id is None and obj is not None:
        db.session.flush()
        object_id = getattr(obj, "id", None)
    event = AuditEvent(
        actor_id=actor.id if actor is not None else None,
        challenge_id=challenge.id if challenge is not None else None,
        action=action,
        object_type=getattr(obj, "__tablename__", type(obj).__name__.lower()),
        object_id=object_id,
        old_state=_state(old),
        new_state=_state(new),
        reason=reason,
        is_public=public,
        details=details,
    )
    db.session.add(event)
    return event
