"""Signed links in e-mails: reset a password, confirm an address, unsubscribe, join a team.

Every token is signed with the secret key (itsdangerous) for one purpose, so a token made for
one cannot be used for another, and carries only ids: nothing is stored to look it up.

- A password-reset token also carries a fingerprint of the current password hash: it stops
  working once the password changes, which includes the reset it was made for (single use),
  and after ``RESET_LIFETIME``.
- A confirmation token names the address it confirms: a token for an old address cannot
  confirm a newer one.
- An unsubscribe token does not expire: a link in an old e-mail must still work.
"""

from __future__ import annotations

import hashlib
from datetime import timedelta
from typing import Any

from flask import current_app
from itsdangerous import BadSignature, URLSafeTimedSerializer

from ideation.accounts.models import User
from ideation.extensions import db

RESET_LIFETIME = timedelta(hours=1)
CONFIRM_LIFETIME = timedelta(days=7)
INVITATION_LIFETIME = timedelta(days=14)
_NO_EXPIRY = None


def _serializer(purpose: str) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=f"ideation.{purpose}")


def make(purpose: str, data: dict[str, Any]) -> str:
    return _serializer(purpose).dumps(data)


def read(purpose: str, token: str, lifetime: timedelta | None) -> dict[str, Any] | None:
    """The data of a valid token of ``purpose`` younger than ``lifetime``; None otherwise."""
    if not token or len(token) > 500:
        return None
    max_age = int(lifetime.total_seconds()) if lifetime is not None else None
    try:
        data = _serializer(purpose).loads(token, max_age=max_age)
    except BadSignature:  # also SignatureExpired
        return None
    return data if isinstance(data, dict) else None


def _user(data: dict[str, Any] | None) -> User | None:
    if data is None or not isinstance(data.get("u"), int):
        return None
    try:
        return db.session.get(User, data["u"])
    except OverflowError:
        return None


def _fingerprint(password_hash: str) -> str:
    return hashlib.sha256(password_hash.encode()).hexdigest()[:24]


def reset_token(user: User) -> str:
    return make("password-reset", {"u": user.id, "p": _fingerprint(user.password_hash)})


def user_for_reset(token: str) -> User | None:
    """The user a reset token is for, while it is young and the password unchanged."""
    data = read("password-reset", token, RESET_LIFETIME)
    user = _user(data)
    if user is None or user.is_blocked or data.get("p") != _fingerprint(user.password_hash):
        return None
    return user


def confirm_token(user: User, address: str) -> str:
    return make("confirm-email", {"u": user.id, "e": address})


def confirmation(token: str) -> tuple[User, str] | None:
    """(user, address) of a young confirmation token; None otherwise."""
    data = read("confirm-email", token, CONFIRM_LIFETIME)
    user = _user(data)
    if user is None or not isinstance(data.get("e"), str):
        return None
    return user, data["e"]


def unsubscribe_token(user: User, kind: str) -> str:
    return make("unsubscribe", {"u": user.id, "k": kind})


def unsubscription(token: str) -> tuple[User, str] | None:
    data = read("unsubscribe", token, _NO_EXPIRY)
    user = _user(data)
    if user is None or not isinstance(data.get("k"), str):
        return None
    return user, data["k"]


def invitation_token(invitation_id: int) -> str:
    return make("role-invitation", {"i": invitation_id})


def invitation_id(token: str) -> int | None:
    data = read("role-invitation", token, INVITATION_LIFETIME)
    if data is None or not isinstance(data.get("i"), int):
        return None
    return data["i"]
