"""The permission matrix of the foundation: which role gets which answer on which page.

One test per role walks the whole table (creating users costs a scrypt hash, so one set-up per
role keeps the suite fast); a failure shows every cell of that role that differs.
"""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest

from ideation.accounts.models import MembershipRole
from ideation.accounts.services import set_membership
from ideation.extensions import db
from tests.factories import make_challenge, make_user

LOGIN = "302 to login"
SAVED = "302 saved"  # a redirect elsewhere: the form was accepted

ROLES = ("anonymous", "citizen", "stakeholder", "core_team_other", "core_team", "admin")

# "open" is published; "concept" is not and only its core team (the same people) and admins
# see it. A 422 (the form was refused) still means the role was let in.
# fmt: off
MATRIX = [
    # method, path,                  body,         anonymous citizen stakeh. other  core   admin
    ("GET", "/",                      None,         (200,   200,   200,   200,   200,   200)),
    ("GET", "/c/open",                None,         (200,   200,   200,   200,   200,   200)),
    ("GET", "/c/concept",             None,         (404,   404,   404,   404,   200,   200)),
    ("GET", "/c/open/manage",         None,         (LOGIN, 403,   403,   403,   200,   200)),
    ("GET", "/c/concept/manage",      None,         (LOGIN, 404,   404,   404,   200,   200)),
    ("GET", "/c/open/manage/log",     None,         (LOGIN, 403,   403,   403,   200,   200)),
    ("POST", "/c/open/manage/details", "details",   (LOGIN, 403,   403,   403,   SAVED, SAVED)),
    ("POST", "/c/open/manage/phases", "bad_phases", (LOGIN, 403,   403,   403,   422,   422)),
    ("POST", "/c/open/manage/themes", "theme",      (LOGIN, 403,   403,   403,   SAVED, SAVED)),
    ("POST", "/c/open/manage/team",   "unknown",    (LOGIN, 403,   403,   403,   SAVED, SAVED)),
    ("GET", "/admin",                 None,         (LOGIN, 403,   403,   403,   403,   200)),
    ("GET", "/admin/challenges/new",  None,         (LOGIN, 403,   403,   403,   403,   200)),
    ("GET", "/account",               None,         (LOGIN, 200,   200,   200,   200,   200)),
    ("GET", "/account/password",      None,         (LOGIN, 200,   200,   200,   200,   200)),
    ("GET", "/account/email",         None,         (LOGIN, 200,   200,   200,   200,   200)),
    ("GET", "/account/notifications", None,         (LOGIN, 200,   200,   200,   200,   200)),
    ("GET", "/account/my-data",       None,         (LOGIN, 200,   200,   200,   200,   200)),
    ("GET", "/account/my-data.json",  None,         (LOGIN, 200,   200,   200,   200,   200)),
    ("GET", "/account/delete",        None,         (LOGIN, 200,   200,   200,   200,   200)),
    ("GET", "/admin/privacy",         None,         (LOGIN, 403,   403,   403,   403,   200)),
    ("POST", "/c/open/manage/anonymise", None,      (LOGIN, 403,   403,   403,   403,   SAVED)),
    ("GET", "/privacy",               None,         (200,   200,   200,   200,   200,   200)),
]
# fmt: on

BODIES = {
    # Keeps the challenge published, so the rows after it still see it.
    "details": {"title": "Open", "question": "Een vraag?", "language": "nl", "is_published": "y"},
    "bad_phases": {"dream-starts_on": "2026-12-01"},  # no end date
    "theme": {"name": "Nieuw thema"},
    "unknown": {"email": "niemand@example.org", "role": "stakeholder"},
    None: {},
}


def make_person(role: str, open_challenge, concept, other):
    if role == "anonymous":
        return None
    if role == "core_team_other":
        return make_user("core_team", challenge=other)
    if role in ("citizen", "admin"):
        return make_user(role)
    person = make_user(role, challenge=open_challenge)
    if role == "core_team":
        set_membership(None, concept, person, MembershipRole.core_team)
        db.session.commit()
    return person


def outcome(response) -> int | str:
    if response.status_code == 302:
        return LOGIN if urlsplit(response.location).path == "/login" else SAVED
    return response.status_code


@pytest.mark.parametrize("role", ROLES)
def test_permission_matrix(client, app, role):
    open_challenge = make_challenge("open")
    concept = make_challenge("concept", published=False)
    other = make_challenge("ander")
    person = make_person(role, open_challenge, concept, other)
    if person is not None:
        assert client.login(person).status_code == 302

    column = ROLES.index(role)
    expected, actual = {}, {}
    for method, path, body, statuses in MATRIX:
        response = client.get(path) if method == "GET" else client.post_form(path, BODIES[body])
        expected[f"{method} {path}"] = statuses[column]
        actual[f"{method} {path}"] = outcome(response)

    assert actual == expected
