"""Permission matrix of the prototypes feature: every route x every role -> the expected answer.

One test per role walks the whole table in order (the core team's changes build on each
other); a failure shows every cell of that role that differs. DONE: the change was accepted
and we were sent on. "{p}" is an unpublished prototype, "{pub}" a published one; "hidden" is
an unpublished challenge that only its core team and admins see.
"""

from __future__ import annotations

import io

import pytest

from ideation.challenges import services as challenge_services
from ideation.challenges.models import PhaseKind
from ideation.extensions import db
from ideation.prototypes.models import Prototype, PrototypeState
from tests import factories
from tests.ideas.conftest import jpeg_bytes, quick_user
from tests.permissions import DONE, NO, NOT_SEEN, ROLES, make_person, walk_matrix
from tests.prototypes.conftest import add_cluster, add_concept, add_ideas, make_prototype

HIDDEN = (404, 404, 404, 404)  # a public route, for something only the team may see
PUBLIC = (200, 200, 200, 200)

# fmt: off
MATRIX = [
    # method, path,                                           body,      expected
    ("GET",  "/c/open/prototypes",                            None,      (*NO, 200, 200)),
    ("GET",  "/c/hidden/prototypes",                          None,      (*NOT_SEEN, 200, 200)),
    ("GET",  "/c/open/concepts/{c}/prototypes/new",           None,      (*NO, 200, 200)),
    ("GET",  "/c/open/concepts/{foreign_c}/prototypes/new",   None,      (*NO, 404, 404)),
    ("POST", "/c/open/concepts/{c}/prototypes/new",           "new",     (*NO, DONE, DONE)),
    ("POST", "/c/open/concepts/{c}/prototypes/new",           "no_title", (*NO, 422, 422)),
    ("GET",  "/c/open/prototypes/{p}",                        None,      (*HIDDEN, 200, 200)),
    ("GET",  "/c/open/prototypes/{pub}",                      None,      (*PUBLIC, 200, 200)),
    ("GET",  "/c/open/prototypes/{foreign}",                  None,      (*HIDDEN, 404, 404)),
    ("GET",  "/c/hidden/prototypes/{hidden_pub}",             None,      (*HIDDEN, 200, 200)),
    ("GET",  "/c/open/prototypes/{p}/versions/1",             None,      (*HIDDEN, 200, 200)),
    ("GET",  "/c/open/prototypes/{pub}/versions/1",           None,      (*PUBLIC, 200, 200)),
    ("GET",  "/c/open/prototypes/{p}/images/{p_img}/thumb",   None,      (*HIDDEN, 200, 200)),
    ("GET",  "/c/open/prototypes/{pub}/images/{pub_img}/display", None,  (*PUBLIC, 200, 200)),
    ("GET",  "/c/open/prototypes/{p}/versions/new",           None,      (*NO, 200, 200)),
    ("GET",  "/c/open/prototypes/{p}/versions/new?round=999", None,      (*NO, 404, 404)),
    ("POST", "/c/open/prototypes/{p}/versions/new",           "version", (*NO, DONE, DONE)),
    ("POST", "/c/open/prototypes/{p}/versions/new",           "no_why",  (*NO, 422, 422)),
    ("GET",  "/c/open/prototypes/{p}/edit",                   None,      (*NO, 200, 200)),
    ("POST", "/c/open/prototypes/{p}/edit",                   "edit",    (*NO, DONE, DONE)),
    ("POST", "/c/open/prototypes/{p}/state",                  "park",    (*NO, DONE, DONE)),
    ("POST", "/c/open/prototypes/{p}/state",                  "no_reason", (*NO, 422, 422)),
    ("POST", "/c/open/prototypes/{p}/publish",                "empty",   (*NO, DONE, DONE)),
    ("POST", "/c/open/prototypes/{pub}/unpublish",            "empty",   (*NO, DONE, DONE)),
]
# fmt: on


def bodies() -> dict[str, dict]:
    return {
        "new": {"title": "Nieuwe proef", "kind": "digital", "description": "Een app.",
                "image_1": (io.BytesIO(jpeg_bytes()), "a.jpg")},
        "no_title": {"kind": "digital", "description": "Een app."},
        "version": {"description": "Nieuw.", "changes": "Minder tekst.",
                    "change_reason": "Ouders vonden het te druk."},
        "no_why": {"description": "Nieuw.", "changes": "Minder tekst."},
        "edit": {"title": "Andere titel", "kind": "policy"},
        "park": {"state": "parked", "reason": "Geen budget."},
        "no_reason": {"state": "testing", "reason": ""},
        "empty": {},
    }


def build():
    challenge = factories.make_challenge("open", phase=PhaseKind.prototype)
    hidden = factories.make_challenge("hidden", published=False, phase=PhaseKind.prototype)
    other = factories.make_challenge("ander", phase=PhaseKind.prototype)
    builder = quick_user("core_team", challenge)
    cluster = add_cluster(challenge, "A")
    add_ideas(challenge, cluster, ["Idee"])
    concept = add_concept(challenge, [cluster])
    p = make_prototype(builder, concept, images=1)
    pub = make_prototype(builder, concept, images=1, title="Openbaar", publish=True)
    hidden_builder = quick_user("core_team", hidden)
    hidden_pub = make_prototype(
        hidden_builder, add_concept(hidden, [add_cluster(hidden, "H")]), publish=True)
    other_builder = quick_user("core_team", other)
    foreign_concept = add_concept(other, [add_cluster(other, "F")])
    foreign = make_prototype(other_builder, foreign_concept, publish=True)
    ids = {"c": concept.id, "foreign_c": foreign_concept.id, "p": p.id, "pub": pub.id,
           "foreign": foreign.id, "hidden_pub": hidden_pub.id,
           "p_img": p.latest.images[0].id, "pub_img": pub.latest.images[0].id}
    return challenge, hidden, other, ids


@pytest.mark.parametrize("role", ROLES)
def test_permission_matrix(client, role):
    challenge, hidden, other, ids = build()
    person = make_person(role, challenge, hidden, other)
    if person is not None:
        assert client.login(person).status_code == 302

    # The function, not its result: every POST gets a fresh upload.
    expected, actual = walk_matrix(client, MATRIX, role, ids, bodies,
                                   content_type="multipart/form-data")

    assert actual == expected
    db.session.expire_all()
    p, pub = db.session.get(Prototype, ids["p"]), db.session.get(Prototype, ids["pub"])
    if role in ("core_team", "admin"):
        assert (p.title, p.state, p.is_published, len(p.versions)) == (
            "Andere titel", PrototypeState.parked, True, 2)
        assert not pub.is_published
    else:
        assert (p.title, p.state, p.is_published, len(p.versions)) == (
            "Proef met het loket", PrototypeState.testing, False, 1)
        assert pub.is_published


def test_outside_the_building_phases_changes_are_refused_with_the_reason(client):
    challenge, _hidden, _other, ids = build()
    challenge_services.set_phase_dates(None, challenge, factories.plan(PhaseKind.agenda))
    db.session.commit()
    client.set_cookie("lang", "en")
    client.login(quick_user("admin"))
    base = f"/c/open/prototypes/{ids['p']}"

    response = client.post_form(f"{base}/versions/new", bodies()["version"],
                                content_type="multipart/form-data")
    assert response.status_code == 409 and "Making prototypes closed on" in \
        response.get_data(as_text=True)
    response = client.post_form(f"{base}/state", bodies()["park"])
    assert response.status_code == 409
    response = client.post_form(f"{base}/publish", follow_redirects=True)
    assert "Making prototypes closed on" in response.get_data(as_text=True)
    db.session.expire_all()
    p = db.session.get(Prototype, ids["p"])
    assert (len(p.versions), p.state, p.is_published) == (1, PrototypeState.testing, False)
