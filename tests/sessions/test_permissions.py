"""Permission matrix of process design and live sessions: every route x every role.

The core team (and admins) plan, run and close sessions and write the canvas and the map;
everyone else is turned away before anything is read. The participants' routes need no
account: the join code and the cookie decide. DONE: accepted and sent on.
"""

from __future__ import annotations

import pytest

from ideation.challenges.models import PhaseKind
from ideation.challenges.phases import today
from ideation.extensions import db
from ideation.process import services as process
from ideation.process.models import CanvasField
from ideation.sessions import services
from ideation.sessions.models import LiveSession, Stage
from tests import factories
from tests.ideas.conftest import quick_user
from tests.permissions import DONE, NO, NOT_SEEN, ROLES, make_person, walk_matrix

PUBLIC = (200, 200, 200, 200)

# fmt: off
MATRIX = [
    # method, path,                                   body,       expected
    ("GET",  "/c/open/process",                       None,       (*NO, 200, 200)),
    ("GET",  "/c/hidden/process",                     None,       (*NOT_SEEN, 200, 200)),
    ("POST", "/c/open/process/result",                "answer",   (*NO, DONE, DONE)),
    ("GET",  "/c/open/process/result/history",        None,       (*NO, 200, 200)),
    ("POST", "/c/open/process/map",                   "entry",    (*NO, DONE, DONE)),
    ("POST", "/c/open/process/map",                   "no_name",  (*NO, 400, 400)),
    ("GET",  "/c/open/process/map/{entry}",           None,       (*NO, 200, 200)),
    ("GET",  "/c/open/process/map/{foreign_entry}",   None,       (*NO, 404, 404)),
    ("POST", "/c/open/process/map/{entry}",           "entry",    (*NO, DONE, DONE)),
    ("GET",  "/c/open/approach",                      None,       (*PUBLIC, 200, 200)),
    ("GET",  "/c/hidden/approach",                    None,       (404, 404, 404, 404, 200, 200)),
    ("GET",  "/c/open/sessions",                      None,       (*NO, 200, 200)),
    ("GET",  "/c/open/sessions/new",                  None,       (*NO, 200, 200)),
    ("POST", "/c/open/sessions/new",                  "plan",     (*NO, DONE, DONE)),
    ("POST", "/c/open/sessions/new",                  "no_title", (*NO, 400, 400)),
    ("GET",  "/c/open/sessions/{s}",                  None,       (*NO, 200, 200)),
    ("GET",  "/c/open/sessions/{foreign_s}",          None,       (*NO, 404, 404)),
    ("GET",  "/c/open/sessions/{s}/screen",           None,       (*NO, 200, 200)),
    ("GET",  "/c/open/sessions/{s}/screen/feed",      None,       (*NO, 200, 200)),
    ("GET",  "/c/open/sessions/{s}/kit",              None,       (*NO, 200, 200)),
    ("GET",  "/c/open/sessions/{s}/results?before",   None,       (404, 404, 404, 404, 404, 404)),
    ("POST", "/c/open/sessions/{s}/cards",            "cards",    (*NO, DONE, DONE)),
    ("POST", "/c/open/sessions/{s}/advance",          "empty",    (*NO, DONE, DONE)),
    ("POST", "/c/open/sessions/{s}/close",            "summary",  (*NO, DONE, DONE)),
    # Held (closed) by the team only: for the others it is still planned.
    ("GET",  "/c/open/sessions/{s}/results",          None,       (404, 404, 404, 404, 200, 200)),
    ("POST", "/c/open/process/map/{entry}/remove",    "empty",    (*NO, DONE, DONE)),
]
# fmt: on

BODIES = {
    "answer": {"result-text": "Een agenda"},
    "entry": {"name": "Ouders", "kind": "end_user", "interest": "5", "influence": "2"},
    "no_name": {"name": "", "kind": "end_user", "interest": "5", "influence": "2"},
    "plan": {"title": "Sessie", "held_on": today().isoformat(), "phase": "dream", "dots": "3"},
    "no_title": {"title": "", "held_on": today().isoformat(), "phase": "dream", "dots": "3"},
    "cards": {"cards": "Een kaartje"},
    "summary": {"summary": "De meerderheid kiest het kaartje."},
    "empty": {},
}


def build():
    challenge = factories.make_challenge("open", phase=PhaseKind.dream)
    hidden = factories.make_challenge("hidden", published=False, phase=PhaseKind.dream)
    other = factories.make_challenge("ander", phase=PhaseKind.dream)
    team = quick_user("core_team", challenge)
    other_team = quick_user("core_team", other)
    entry = process.add_entry(team, challenge, {"name": "Ouders", "kind": "end_user",
                                                "interest": 5, "influence": 2})
    foreign_entry = process.add_entry(other_team, other, {"name": "X", "kind": "partner",
                                                          "interest": 1, "influence": 1})
    data = {"title": "Sessie", "held_on": today(), "phase": "dream"}
    session = services.plan_session(team, challenge, data)
    foreign = services.plan_session(other_team, other, data)
    db.session.commit()
    return challenge, hidden, other, {"entry": entry.id, "foreign_entry": foreign_entry.id,
                                      "s": session.id, "foreign_s": foreign.id}


@pytest.mark.parametrize("role", ROLES)
def test_permission_matrix(client, role):
    challenge, hidden, other, ids = build()
    person = make_person(role, challenge, hidden, other)
    if person is not None:
        assert client.login(person).status_code == 302

    expected, actual = walk_matrix(client, MATRIX, role, ids, BODIES)

    assert actual == expected
    db.session.expire_all()
    session = db.session.get(LiveSession, ids["s"])
    answer = process.canvas(challenge)[CanvasField.result]
    if role in ("core_team", "admin"):
        assert session.stage is Stage.closed and answer.text == "Een agenda"
    else:
        assert session.stage is Stage.planned and answer is None


def test_participants_need_no_account_but_the_right_code(client):
    challenge, _hidden, _other, ids = build()
    session = db.session.get(LiveSession, ids["s"])
    assert client.post_form("/join", {"code": session.join_code}).status_code == 400  # planned
    services.advance(quick_user("admin"), session)
    db.session.commit()
    assert client.post_form("/join", {"code": session.join_code}).status_code == 302
    assert client.get(f"/join/{session.join_code}").status_code == 200
    assert client.post_form(f"/join/{session.join_code}/idea",
                            {"title": "Idee"}).status_code == 302
