"""The permission matrix of a feature: every route x every role -> the expected answer.

A matrix is a list of rows (method, path, body name, one expected answer per role in the order
of ROLES). ``walk_matrix`` requests every row in order as one person, so later rows may build
on earlier changes, and returns what was expected and what came back, keyed by row, so that
``assert actual == expected`` shows every cell that differs.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any
from urllib.parse import urlsplit

from ideation.accounts.models import MembershipRole, User
from ideation.accounts.services import set_membership
from ideation.challenges.models import Challenge
from ideation.extensions import db
from tests.ideas.conftest import quick_user

LOGIN, DONE = "login", "done"  # sent to the login page; the change was accepted (a redirect)
ROLES = ("anonymous", "citizen", "stakeholder", "other_core_team", "core_team", "admin")
NO = (LOGIN, 403, 403, 403)  # anonymous, citizen, stakeholder, core team of another challenge
NOT_SEEN = (LOGIN, 404, 404, 404)  # a team page of a challenge they may not see

Row = tuple[str, str, str | None, Sequence[int | str]]
Bodies = Mapping[str, Mapping[str, Any]] | Callable[[], Mapping[str, Mapping[str, Any]]]


def make_person(role: str, challenge: Challenge, hidden: Challenge,
                other: Challenge) -> User | None:
    """Someone in ``role`` for ``challenge``. The core team also runs the unpublished
    ``hidden`` challenge; "other_core_team" runs ``other`` only."""
    if role == "anonymous":
        return None
    if role == "other_core_team":
        return quick_user("core_team", other)
    if role in ("citizen", "admin"):
        return quick_user(role)
    person = quick_user(role, challenge)
    if role == "core_team":
        set_membership(None, hidden, person, MembershipRole.core_team)
        db.session.commit()
    return person


def outcome(response: Any) -> int | str:
    """The status code, or LOGIN / DONE for a redirect."""
    if response.status_code == 302:
        return LOGIN if urlsplit(response.location).path == "/login" else DONE
    return response.status_code


def walk_matrix(client: Any, matrix: Sequence[Row], role: str, ids: Mapping[str, int],
                bodies: Bodies, **post_options: Any) -> tuple[dict[str, Any], dict[str, Any]]:
    """Request every row as ``role``: (expected, actual). Paths are filled in from ``ids``;
    a POST sends ``bodies[body]`` (``bodies()[body]`` when a body must be fresh every time,
    as an uploaded file is)."""
    column = ROLES.index(role)
    expected, actual = {}, {}
    for method, path, body, statuses in matrix:
        url = path.format(**ids)
        if method == "GET":
            response = client.get(url)
        else:
            data = (bodies() if callable(bodies) else bodies)[body or ""]
            response = client.post_form(url, data, **post_options)
        key = f"{method} {path} {body or ''}"
        expected[key], actual[key] = statuses[column], outcome(response)
    return expected, actual
